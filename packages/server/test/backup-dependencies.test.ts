/**
 * A backup of chosen items takes along what they need to be restored (backup/item-dependencies.ts), over the emulator's
 * demo organization: a chosen Survey123 form brings its service (rows, related tables, attachments), its views and
 * their relationships, and that snapshot alone clones into an empty organization as a working survey; with the option
 * off only the form is kept; a chosen view brings its source (not the source's other views); a needed item the
 * identity cannot read is reported, not dropped.
 */
import { DEMO_EXPECTATIONS, demoPassword } from '@orgkeeper/arcgis-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../src/backup/backup.engine.js';
import { chosenItems, DEPENDENCY_RULES, takenAlongSummary } from '../src/backup/item-dependencies.js';
import { RELATIONSHIP_ENDS } from '../src/arcgis/portal/relationship-types.js';
import { ITEM_TYPES } from '../src/item-types/index.js';
import type { Db } from '../src/db/database.js';
import { loadHostedRestore } from '../src/restore/hosted-contract.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { sessionFor } from './support/emulator-session.js';
import { backUp, idMapOf, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { countWhere, submissionUrlOf, submit } from './support/survey-submit.js';


describe('the table of what an item needs', () => {
  it('names only catalogue entries and relationship types they keep, as Esri relates them', () => {
    for (const rule of DEPENDENCY_RULES) {
      const spec = ITEM_TYPES.find((t) => t.key === rule.itemType);
      expect(spec, rule.itemType).toBeDefined();
      expect(spec!.relationships, `${rule.itemType} keeps ${rule.relationshipType}`).toContain(rule.relationshipType);
      const ends = RELATIONSHIP_ENDS[rule.relationshipType];
      const own = rule.direction === 'forward' ? ends.origin : ends.destination;
      expect(own === '*' || spec!.types.some((t) => (own as readonly string[]).includes(t)), `${rule.itemType} at the ${rule.direction} end of ${rule.relationshipType}`).toBe(true);
    }
  });
});

describe('what the snapshot browser says of an item taken along', () => {
  const need = (itemId: string, what: string) => ({ itemId, title: `Title ${itemId}`, need: what, relationshipType: 'Service2Data' });
  it('names a chosen item that needs it before items taken along themselves, else the first, and counts them all', () => {
    const entries = [{ id: 'form' }, { id: 'view', neededBy: [need('form', 'service of survey')] }, { id: 'svc', neededBy: [need('view', 'source of view'), need('form', 'service of survey')] }];
    const chosen = chosenItems(entries);
    expect(takenAlongSummary(entries[2]!, chosen)).toEqual({ itemId: 'form', title: 'Title form', need: 'service of survey', neededBy: 2 });
    expect(takenAlongSummary(entries[0]!, chosen)).toBeNull();
    // None of its needers chosen (a chain of needs): the first.
    expect(takenAlongSummary({ neededBy: [need('view', 'source of view'), need('svc', 'view of service')] }, chosen)).toMatchObject({ itemId: 'view', neededBy: 2 });
    expect(takenAlongSummary({ neededBy: [] }, chosen)).toBeNull();
  });
});

describe('a backup of chosen items takes what they need along', () => {
  let emu: EmulatorHandle;
  let target: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  const x = DEMO_EXPECTATIONS;
  let n = 0;
  const dir = () => `${folder.path}/run-${(n += 1)}`;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    target = await startTestEmulator({ kind: 'enterprise', seed: 'empty', randomSeed: 'deps-target' });
    folder = await tempFolder('orgkeeper-deps-');
    ({ db, repository } = await restoreDb(folder.path));
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await emu?.close();
    await target?.close();
    await folder?.remove();
  });

  it('a chosen survey form brings its service (rows, related tables, attachments), its views and their relationships', async () => {
    for (const survey of x.surveys) {
      const { content, result } = await backUp(emu, dir(), 'Form only', { itemIds: [survey.form] });
      expect([...content.items.keys()].sort()).toEqual([survey.form, survey.service, survey.submissionView, survey.resultsView].sort());
      expect(content.items.get(survey.form)!.neededBy).toBeUndefined();
      const service = content.items.get(survey.service)!;
      const layers = service.service!.layers;
      expect(layers.filter((l) => l.kind === 'table').map((l) => l.name.toLowerCase()).sort()).toEqual(survey.repeats.map((r) => r.toLowerCase()).sort());
      expect(layers.every((l) => l.status === 'ok')).toBe(true);
      expect(layers.reduce((sum, l) => sum + l.featureCount, 0)).toBe([...emu.context.state.getService(service.service!.url.split('/').at(-2)!)!.layers.values()].reduce((sum, l) => sum + l.store.count(), 0));
      expect(layers.reduce((sum, l) => sum + (l.attachmentCount ?? 0), 0), `${survey.form} attachments`).toBeGreaterThan(0);
      for (const viewId of [survey.submissionView, survey.resultsView]) {
        const view = content.items.get(viewId)!;
        expect(view.service!.view!.sources).toEqual([{ url: service.service!.url, itemId: survey.service }]);
        expect(view.related).toContainEqual({ relationshipType: 'Service2Data', direction: 'forward', itemId: survey.service });
      }
      for (const r of x.relationships.filter((r) => r.originItemId === survey.form)) {
        expect(content.items.get(survey.form)!.related).toContainEqual({ relationshipType: r.type, direction: 'forward', itemId: r.destinationItemId });
      }
      // Each taken item says why, in the snapshot and in the run's result.
      const reasons = Object.fromEntries(result.takenAlong.map((t) => [t.id, t.neededBy.map((b) => `${b.need} ${b.itemId}`).sort()]));
      expect(Object.keys(reasons).sort()).toEqual([survey.service, survey.submissionView, survey.resultsView].sort());
      expect(reasons[survey.resultsView]).toContain(`data of survey ${survey.form}`);
      expect(reasons[survey.service]!.some((r) => r === `service of survey ${survey.form}` || r.startsWith('source of view '))).toBe(true);
      for (const taken of result.takenAlong) expect(content.items.get(taken.id)!.neededBy).toEqual(taken.neededBy);
      expect(result.items.find((i) => i.id === survey.service)!.neededBy).toEqual(content.items.get(survey.service)!.neededBy);
      expect(result.problems).toEqual([]);
    }
  }, 120_000);

  it('that snapshot alone clones into an empty organization as a working survey', async () => {
    const survey = x.surveys.find((s) => s.publishedWith === 'connect')!;
    const { store, snapshotId, content } = await backUp(emu, dir(), 'Storm form', { itemIds: [survey.form] });
    const { result } = await planAndRun({ store, content, target, repository, params: { snapshotId, mode: 'clone', items: [survey.form] }, operationId: 'clone-form-deps', hosted: await loadHostedRestore() });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    const newUrl = (id: string) => result.steps.find((s) => s.oldId === id)!.newUrl!;
    const session = sessionFor(target, { retry: RESTORE_RETRY });
    for (const viewId of [survey.submissionView, survey.resultsView]) {
      const sources = await session.request<{ services: { url: string }[] }>(`${newUrl(viewId)}/sources`);
      expect(sources.services.map((s) => s.url.toLowerCase())).toEqual([newUrl(survey.service).toLowerCase()]);
    }
    const submissionUrl = await submissionUrlOf(target, idMapOf(result).get(survey.form)!);
    expect(new URL(submissionUrl).origin).toBe(new URL(target.portalUrl).origin);
    const globalId = await submit(target, submissionUrl, {});
    expect(await countWhere(target, `${newUrl(survey.service)}/0`, `globalid = '${globalId}'`)).toBe(1);
    expect(await countWhere(target, `${newUrl(survey.resultsView)}/0`, `globalid = '${globalId}'`)).toBe(1);
    const related = target.context.state.relationships.map((r) => `${r.type} ${r.originItemId} ${r.destinationItemId}`);
    const ids = idMapOf(result);
    for (const r of x.relationships.filter((r) => content.items.has(r.originItemId) && content.items.has(r.destinationItemId))) {
      expect(related).toContain(`${r.type} ${ids.get(r.originItemId)} ${ids.get(r.destinationItemId)}`);
    }
  }, 120_000);

  it('with the option off, only the chosen form', async () => {
    const survey = x.surveys[0]!;
    const { content, result } = await backUp(emu, dir(), 'Form alone', { itemIds: [survey.form], withDependencies: false });
    expect([...content.items.keys()]).toEqual([survey.form]);
    expect(result.takenAlong).toEqual([]);
  });

  it('a chosen view brings its source, not the source\'s other views; a chosen service brings its views', async () => {
    const [viewId, sourceId] = Object.entries(x.views.sourceOf).find(([view]) => !x.surveys.some((s) => s.submissionView === view || s.resultsView === view))!;
    const { content, result } = await backUp(emu, dir(), 'View', { itemIds: [viewId] });
    expect([...content.items.keys()].sort()).toEqual([viewId, sourceId].sort());
    expect(result.takenAlong).toEqual([{ id: sourceId, title: expect.any(String), type: 'Feature Service', neededBy: [expect.objectContaining({ itemId: viewId, need: 'source of view', relationshipType: 'Service2Data' })] }]);

    const survey = x.surveys[1]!;
    const chosen = await backUp(emu, dir(), 'Service', { itemIds: [survey.service] });
    const views = Object.entries(x.views.sourceOf).filter(([, source]) => source === survey.service).map(([view]) => view);
    expect([...chosen.content.items.keys()].sort()).toEqual([survey.service, ...views].sort());
    for (const view of views) expect(chosen.content.items.get(view)!.neededBy).toEqual([expect.objectContaining({ itemId: survey.service, need: 'view of service' })]);
  }, 120_000);

  it('an item chosen by query takes its needs along too', async () => {
    const survey = x.surveys[0]!;
    const title = emu.context.state.items.get(survey.form)!.json.title;
    const { content } = await backUp(emu, dir(), 'Query', { query: `type:Form AND title:"${title}"` });
    expect(content.items.has(survey.form)).toBe(true);
    for (const id of [survey.service, survey.submissionView, survey.resultsView]) expect(content.items.get(id)?.neededBy, id).toBeDefined();
  }, 120_000);

  it('follows a loop of needs once, stops at its depth, and reports what it leaves out past its item bound', async () => {
    const [a, b] = x.surveys as [(typeof x.surveys)[0], (typeof x.surveys)[0]];
    const rels = emu.context.state.relationships;
    const added = [
      { type: 'Survey2Data', originItemId: a.form, destinationItemId: b.form, created: Date.now(), createdBy: emu.admin.username },
      { type: 'Survey2Data', originItemId: b.form, destinationItemId: a.form, created: Date.now(), createdBy: emu.admin.username }
    ];
    rels.push(...added);
    try {
      const { content } = await backUp(emu, dir(), 'Loop', { itemIds: [a.form] });
      // A -> B (data of survey A, followed) -> B's service and data; B -> A is the chosen form, read once.
      expect(content.items.get(a.form)!.neededBy).toBeUndefined();
      expect(content.items.get(b.form)!.neededBy).toEqual([expect.objectContaining({ itemId: a.form, need: 'data of survey' })]);
      for (const id of [b.service, b.resultsView]) expect(content.items.get(id)?.neededBy, id).toEqual(expect.arrayContaining([expect.objectContaining({ itemId: b.form })]));
      // Three levels down (B's service's other views) is past the depth.
      const deeper = Object.entries(x.views.sourceOf).filter(([view, source]) => source === b.service && view !== b.resultsView).map(([view]) => view);
      expect(deeper.length).toBeGreaterThan(0);
      for (const view of deeper) expect(content.items.has(view), view).toBe(false);

      const bounded = await backUp(emu, dir(), 'Bounded', { itemIds: [a.form], dependencyBounds: { depth: 5, items: 2 } });
      expect(bounded.result.takenAlong).toHaveLength(2);
      // The third need of the form, and every need of the two taken, are named as left out.
      expect(bounded.result.problems.length).toBeGreaterThanOrEqual(2);
      for (const problem of bounded.result.problems) expect(problem).toMatchObject({ kind: 'dependency', reason: expect.stringMatching(/^Not backed up: .* already took 2 items along/) });
      expect(bounded.result.problems.map((p) => p.id)).toContain([a.submissionView, a.resultsView, b.form].sort()[2]);
      expect(bounded.content.items.size).toBe(3);
    } finally {
      for (const r of added) rels.splice(rels.indexOf(r), 1);
    }
  }, 120_000);

  it('a needed item the identity cannot read is a problem of the run and an entry of the snapshot, not dropped', async () => {
    // A public view of a private service, backed up by a member who may read the view but not its source.
    const survey = x.surveys.find((s) => x.views.publicSubmission.includes(s.submissionView) && emu.context.state.items.get(s.service)!.json.access === 'private')!;
    const owner = emu.context.state.items.get(survey.service)!.json.owner;
    const member = x.users.all.find((u) => u !== owner && u !== emu.admin.username && emu.context.state.users.get(u)?.role === 'org_user' && !emu.context.state.users.get(u)?.disabled)!;
    expect(member, 'a member who does not own the survey').toBeDefined();
    const store = `${dir()}/store`;
    const result = await runBackup({
      identity: { id: 'member', name: 'Member', fileLocation: store, orgId: emu.orgId, portalUrl: emu.portalUrl },
      session: sessionFor(emu, { retry: RESTORE_RETRY, user: { username: member, password: demoPassword(member) } }),
      itemIds: [survey.submissionView],
      includePrincipals: false
    });
    const problem = result.problems.find((p) => p.kind === 'dependency' && p.id === survey.service);
    expect(problem?.reason).toMatch(/^source of view .* could not be read/);
    const entry = result.items.find((i) => i.id === survey.service)!;
    expect(entry.status).not.toBe('ok');
    expect(entry.neededBy).toEqual([expect.objectContaining({ itemId: survey.submissionView, need: 'source of view' })]);
  }, 120_000);
});
