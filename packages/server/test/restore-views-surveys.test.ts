/**
 * Hosted feature layer views, item relationships and Survey123 surveys, backed up and brought back on ArcGIS Online
 * and ArcGIS Enterprise: deleted and recreated (views made views again on their recreated source), restored in place
 * (definitions only through a view, rows only through the source: the request log shows no edit addressed to a view),
 * cloned into an empty organization, and a submission made as the form makes it lands in the restored or cloned
 * service and shows through the results view. The demo's join view and a view with its own domain are cloned too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { planText } from '../src/commands/restore.command.js';
import { loadHostedRestore, type HostedRestore } from '../src/restore/hosted-contract.js';
import type { RewriteMaps } from '../src/restore/references.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import type { RestoreResult } from '../src/restore/restore.types.js';
import { type ItemEntry, type Store } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, formMentionsOf, idMapOf, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { countWhere, submissionUrlOf, submit } from './support/survey-submit.js';
import { sessionFor } from './support/emulator-session.js';
import { liveRecords, snapshotRecords } from './support/hosted-restore.js';
import { joinAt, nameOf, newUrlOf, renamed, rowsAt } from './support/join-views.js';

type Survey = { form: string; service: string; submissionView: string; resultsView: string; publishedWith: string };

/** The old id -> new id and old URL -> new URL maps a restore made (service and layer URLs). */
function mapsOf(content: SnapshotContent, result: RestoreResult, extra: [string, string][] = []): RewriteMaps {
  const ids = idMapOf(result);
  const urls = new Map<string, string>(extra);
  for (const s of result.steps) {
    const e = content.items.get(s.oldId);
    if (e?.service?.url && s.newUrl && s.newUrl !== e.service.url) {
      urls.set(e.service.url, s.newUrl);
      for (const l of e.service.layers) urls.set(`${e.service.url}/${l.id}`, `${s.newUrl}/${l.id}`);
    }
  }
  return { ids, urls };
}

/** The coded-value domain the 'Protected Bike Lanes' view sets on its LANE_TYPE field (its source has another). */
const LANE_DOMAIN = { type: 'codedValue', name: 'ProtectedLaneKind', codedValues: [{ name: 'Protected (separated)', code: 'PROT' }] };

const serviceOf = (emu: EmulatorHandle, url: string) => emu.context.state.getService(decodeURIComponent(url.split('/').at(-2)!))!;

/** A view restored as a view: on `sourceUrl`, with the snapshot's capabilities, definition query and shown fields. */
async function expectViewMatches(emu: EmulatorHandle, store: Store, entry: ItemEntry, url: string, sourceUrl: string): Promise<void> {
  const session = sessionFor(emu, { retry: RESTORE_RETRY });
  const service = await session.request<Record<string, unknown>>(url);
  const stored = await store.getJson<Record<string, unknown>>(entry.service!.definition.hash);
  expect(service.isView, `${entry.title} isView`).toBe(true);
  for (const key of ['capabilities', 'isUpdatableView', 'sourceSchemaChangesAllowed']) expect(service[key], `${entry.title} ${key}`).toEqual(stored[key]);
  const sources = await session.request<{ services: { url: string }[] }>(`${url}/sources`);
  expect(sources.services.map((s) => s.url.toLowerCase()), `${entry.title} sources`).toEqual([sourceUrl.toLowerCase()]);
  for (const layer of entry.service!.layers) {
    expect(layer.chunks, 'a view stores no rows').toEqual([]);
    type Fields = { fields: { name: string; alias?: string; domain?: unknown }[]; viewDefinitionQuery?: string };
    const want = await store.getJson<Fields>(layer.definition.hash);
    const got = await session.request<Fields>(`${url}/${layer.id}`);
    expect(got.viewDefinitionQuery ?? '', `${entry.title} ${layer.id} query`).toBe(want.viewDefinitionQuery ?? '');
    const own = (f: Fields['fields'][number]) => [f.name, f.alias, f.domain ?? null];
    expect(got.fields.map(own), `${entry.title} ${layer.id} fields, aliases and domains`).toEqual(want.fields.map(own));
    expect(serviceOf(emu, url).layers.get(layer.id)!.store.count(), 'the view holds no rows of its own').toBe(0);
  }
}

/** Edit requests (features and attachments) the emulator served for services named in `names`. */
function editsTo(emu: EmulatorHandle, names: string[]): string[] {
  const edit = /\/(applyEdits|addFeatures|updateFeatures|deleteFeatures|addAttachment|updateAttachment|deleteAttachments)$/;
  return emu.requestLog
    .snapshot()
    .recent.filter((r) => edit.test(r.path) && names.some((n) => r.path.toLowerCase().includes(`/${n.toLowerCase()}/featureserver/`)))
    .map((r) => `${r.method} ${r.path}`);
}

for (const kind of ['online', 'enterprise'] as const) {
  describe(`views, relationships and Survey123 surveys (${kind})`, () => {
    let emu: EmulatorHandle;
    let folder: { path: string; remove(): Promise<void> };
    let db: Db;
    let repository: RestoreRepository;
    let store: Store;
    let snapshotId: string;
    let content: SnapshotContent;
    let hosted: HostedRestore;
    let surveys: Survey[];
    let surveyItems: string[];

    beforeAll(async () => {
      emu = await startTestEmulator({ kind });
      // A view with a field alias and a coded-value domain of its own (updateDefinition on the view), which every
      // restore must keep.
      const protectedUrl = `${emu.context.urls.servicesRoot}/Demo_Bike_Lanes_Protected/FeatureServer`;
      await sessionFor(emu, { retry: RESTORE_RETRY }).request(`${protectedUrl.replace('/rest/services', '/rest/admin/services')}/updateDefinition`, { updateDefinition: JSON.stringify({ layers: [{ id: 0, fields: [{ name: 'LANE_TYPE', alias: 'Kind of lane', domain: LANE_DOMAIN }] }] }) }, { httpMethod: 'POST' });
      folder = await tempFolder(`orgkeeper-views-${kind}-`);
      ({ db, repository } = await restoreDb(folder.path));
      ({ store, snapshotId, content } = await backUp(emu, folder.path));
      hosted = await loadHostedRestore();
      const { DEMO_EXPECTATIONS: expectations } = await import('@orgkeeper/arcgis-emulator');
      surveys = expectations.surveys;
      surveyItems = surveys.flatMap((s) => [s.form, s.service, s.submissionView, s.resultsView]);
    }, 120_000);
    afterAll(async () => {
      await db?.destroy();
      await emu?.close();
      await folder?.remove();
    });

    it('backs up each survey whole: the form with every resource, the service with its rows, the views as views, the relationships', async () => {
      for (const survey of surveys) {
        const form = content.items.get(survey.form)!;
        expect(form.type).toBe('Form');
        expect(form.data?.kind).toBe('file');
        expect(form.resources?.map((r) => r.path).sort()).toEqual([...emu.context.state.items.get(survey.form)!.resources.keys()].sort());
        const service = content.items.get(survey.service)!;
        expect(service.service?.view).toBeUndefined();
        expect(service.service!.layers.reduce((n, l) => n + l.featureCount, 0)).toBeGreaterThan(0);
        for (const viewId of [survey.submissionView, survey.resultsView]) {
          const view = content.items.get(viewId)!;
          expect(view.service!.layers.every((l) => l.featureCount === 0 && l.chunks.length === 0 && !l.attachments)).toBe(true);
          expect(view.service!.view!.sources).toEqual([{ url: service.service!.url, itemId: survey.service }]);
          expect(view.related).toContainEqual({ relationshipType: 'Service2Data', direction: 'forward', itemId: survey.service });
        }
      }
      // Every relationship of the organization is in the snapshot, from both ends.
      for (const r of emu.context.state.relationships.filter((x) => content.items.has(x.originItemId) && content.items.has(x.destinationItemId))) {
        expect(content.items.get(r.originItemId)!.related, `${r.type} ${r.originItemId}`).toContainEqual({ relationshipType: r.type, direction: 'forward', itemId: r.destinationItemId });
        expect(content.items.get(r.destinationItemId)!.related, `${r.type} ${r.destinationItemId}`).toContainEqual({ relationshipType: r.type, direction: 'reverse', itemId: r.originItemId });
      }
    });

    it('recreates deleted surveys: views are views of the recreated service, forms submit to them, relationships are back', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      // Views first: ArcGIS refuses to delete a layer that has views. On Online the items go to the recycle bin, and
      // the restore takes them from there with their ids and service names (recycle-bin-restore.test.ts).
      for (const survey of surveys) {
        for (const id of [survey.form, survey.submissionView, survey.resultsView, survey.service]) {
          const item = emu.context.state.items.get(id)!;
          await session.request(`${emu.restUrl}/content/users/${item.json.owner}/items/${id}/delete`, {}, { httpMethod: 'POST' });
        }
      }
      const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'recreate', items: surveyItems }, operationId: `recreate-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      const maps = mapsOf(content, result);
      const newId = (id: string) => maps.ids.get(id) ?? id;
      const newUrl = (id: string) => result.steps.find((s) => s.oldId === id)!.newUrl!;
      for (const survey of surveys) {
        // The plan said what it would do: the views' source, their relationships.
        const viewStep = plan.steps.find((s) => s.sourceId === survey.resultsView)!;
        expect(viewStep.view?.sources).toEqual([expect.objectContaining({ itemId: survey.service, status: 'restored' })]);
        // Each view layer with the source layer it shows, named from the snapshot (what the web plan shows).
        const sourceLayers = content.items.get(survey.service)!.service!.layers;
        expect(viewStep.view!.sources[0]!.layers).toEqual(
          content.items.get(survey.resultsView)!.service!.view!.layers.map((link) => ({
            id: link.id,
            name: content.items.get(survey.resultsView)!.service!.layers.find((l) => l.id === link.id)!.name,
            sourceLayerId: link.sourceLayerId,
            sourceLayerName: sourceLayers.find((l) => l.id === link.sourceLayerId)!.name
          }))
        );
        expect(viewStep.relationships).toContainEqual(expect.objectContaining({ type: 'Service2Data', direction: 'forward', itemId: survey.service }));
        expect(plan.steps.findIndex((s) => s.sourceId === survey.service)).toBeLessThan(plan.steps.indexOf(viewStep));
        expect(plan.steps.indexOf(viewStep)).toBeLessThan(plan.steps.findIndex((s) => s.sourceId === survey.form));
        // The CLI's dry run says it too.
        const text = planText(plan);
        expect(text).toContain(`view of "${content.items.get(survey.service)!.title}" ${content.items.get(survey.service)!.service!.url} (restored first by this plan)`);
        expect(text).toContain(`relationship Service2Data to "${content.items.get(survey.service)!.title}" (${survey.service})`);
        for (const link of content.items.get(survey.resultsView)!.service!.view!.layers) {
          expect(text).toMatch(new RegExp(`view layer ${link.id} "[^"]+" shows source layer ${link.sourceLayerId} "${sourceLayers.find((l) => l.id === link.sourceLayerId)!.name}"`));
        }
        for (const id of [survey.form, survey.service, survey.submissionView, survey.resultsView]) {
          await expectItemMatches(emu, store, content, content.items.get(id)!, newId(id), maps);
        }
        for (const viewId of [survey.submissionView, survey.resultsView]) await expectViewMatches(emu, store, content.items.get(viewId)!, newUrl(viewId), newUrl(survey.service));
        for (const layer of content.items.get(survey.service)!.service!.layers) {
          expect(await liveRecords(session, `${newUrl(survey.service)}/${layer.id}`)).toEqual(await snapshotRecords(store, content.items.get(survey.service)!, layer.id));
        }
        // Relationships between the recreated items, as the snapshot had them.
        for (const rel of content.items.get(survey.form)!.related ?? []) {
          if (rel.direction !== 'forward') continue;
          expect(emu.context.state.relationships).toContainEqual(expect.objectContaining({ type: rel.relationshipType, originItemId: newId(survey.form), destinationItemId: newId(rel.itemId) }));
        }
        // A submission as the form makes it lands in the recreated service and shows through the results view.
        const submissionUrl = await submissionUrlOf(emu, newId(survey.form));
        expect(submissionUrl.toLowerCase()).toBe(newUrl(survey.submissionView).toLowerCase());
        const globalId = await submit(emu, submissionUrl, {});
        expect(await countWhere(emu, `${newUrl(survey.service)}/0`, `globalid = '${globalId}'`)).toBe(1);
        expect(await countWhere(emu, `${newUrl(survey.resultsView)}/0`, `globalid = '${globalId}'`)).toBe(1);
      }
      if (kind === 'online') expect(plan.steps.find((s) => s.sourceId === surveys[0]!.service)?.recycleBin).toBe(true);
    }, 120_000);

    it('in place: views get their definitions back, rows come back only through the source, no edit addresses a view', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      // The 'Protected Bike Lanes' view and its source Bike Lanes exist; change both.
      const view = [...content.items.values()].find((e) => e.service?.view && e.title === 'Protected Bike Lanes')!;
      const source = content.items.get(view.service!.view!.sources[0]!.itemId!)!;
      const viewName = view.service!.url.split('/').at(-2)!;
      const adminUrl = (url: string) => url.replace('/rest/services', '/rest/admin/services');
      await session.request(`${adminUrl(view.service!.url)}/updateDefinition`, { updateDefinition: JSON.stringify({ capabilities: 'Query', layers: [{ id: 0, viewDefinitionQuery: '1=1', fields: [{ name: 'LENGTH_MI', visible: true }, { name: 'LANE_TYPE', alias: 'Changed', domain: null }] }] }) }, { httpMethod: 'POST' });
      expect(JSON.stringify(await session.request(`${view.service!.url}/0`))).toContain('"alias":"Changed"');
      expect(JSON.stringify(await session.request(`${view.service!.url}/0`))).not.toContain('ProtectedLaneKind');
      const firstOid = [...serviceOf(emu, source.service!.url).layers.get(0)!.store.scan()][0]!.oid;
      await session.request(`${source.service!.url}/0/deleteFeatures`, { objectIds: String(firstOid) }, { httpMethod: 'POST' });
      emu.requestLog.reset();

      const { result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [view.id, source.id] }, operationId: `in-place-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      await expectViewMatches(emu, store, view, view.service!.url, source.service!.url);
      expect(JSON.stringify(await session.request(`${view.service!.url}/0`)), 'the view\'s own domain is back').toContain('ProtectedLaneKind');
      expect(await liveRecords(session, `${source.service!.url}/0`)).toEqual(await snapshotRecords(store, source, 0));
      // Rows went to the source; nothing was written through the view.
      expect(editsTo(emu, [viewName])).toEqual([]);
      expect(editsTo(emu, [source.service!.url.split('/').at(-2)!]).length).toBeGreaterThan(0);
    }, 60_000);

    it('copy: a copy of a view is a view of the same live source, beside the original', async () => {
      const view = [...content.items.values()].find((e) => e.service?.view && e.title === 'Protected Bike Lanes')!;
      const source = content.items.get(view.service!.view!.sources[0]!.itemId!)!;
      const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'copy', items: [view.id] }, operationId: `copy-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(plan.steps.find((s) => s.sourceId === view.id)!.view?.sources).toEqual([expect.objectContaining({ status: 'live' })]);
      const copyUrl = result.steps.find((s) => s.oldId === view.id)!.newUrl!;
      expect(copyUrl).not.toBe(view.service!.url);
      await expectViewMatches(emu, store, view, copyUrl, source.service!.url);
      expect(await countWhere(emu, `${copyUrl}/0`, '1=1')).toBe(await countWhere(emu, `${view.service!.url}/0`, '1=1'));
      const copy = result.steps.find((s) => s.oldId === view.id)!.newId!;
      await sessionFor(emu, { retry: RESTORE_RETRY }).request(`${emu.restUrl}/content/users/${emu.context.state.items.get(copy)!.json.owner}/items/${copy}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
    }, 60_000);

    it('a dry run says why a view cannot be restored when its source is in neither the snapshot nor the organization', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      const view = [...content.items.values()].find((e) => e.service?.view && e.title === 'Protected Bike Lanes')!;
      const source = content.items.get(view.service!.view!.sources[0]!.itemId!)!;
      // A snapshot without the source, then both deleted for good.
      const partial = new Map(content.items);
      partial.delete(source.id);
      for (const id of [view.id, source.id]) await session.request(`${emu.restUrl}/content/users/${content.items.get(id)!.owner}/items/${id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
      const { buildPlan } = await import('../src/restore/restore.plan.js');
      const plan = await buildPlan({ store, content: { ...content, items: partial }, params: { snapshotId, mode: 'recreate', items: [view.id] }, source: { identityId: 's' }, target: { identityId: 't', session }, hostedAvailable: true, now: new Date() });
      const step = plan.steps.find((s) => s.sourceId === view.id)!;
      expect(step.action).toBe('skip');
      expect(step.reason).toMatch(/view cannot be restored without its source/);
      expect(step.reason).toContain(source.service!.url);
      expect(step.view?.sources).toEqual([expect.objectContaining({ status: 'missing', itemId: source.id })]);
      // The view's own layer names are in the snapshot; the missing source's are not.
      expect(step.view!.sources[0]!.layers).toEqual([{ id: 0, name: view.service!.layers[0]!.name, sourceLayerId: 0 }]);
    });
  });
}

describe('views and Survey123 surveys cloned into an empty organization', () => {
  let source: EmulatorHandle;
  let target: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;

  beforeAll(async () => {
    source = await startTestEmulator({ kind: 'online' });
    target = await startTestEmulator({ kind: 'enterprise', seed: 'empty', randomSeed: 'clone-target' });
    const protectedUrl = `${source.context.urls.servicesRoot}/Demo_Bike_Lanes_Protected/FeatureServer`;
    await sessionFor(source, { retry: RESTORE_RETRY }).request(`${protectedUrl.replace('/rest/services', '/rest/admin/services')}/updateDefinition`, { updateDefinition: JSON.stringify({ layers: [{ id: 0, fields: [{ name: 'LANE_TYPE', domain: LANE_DOMAIN }] }] }) }, { httpMethod: 'POST' });
    folder = await tempFolder('orgkeeper-views-clone-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(source, folder.path));
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await source?.close();
    await target?.close();
    await folder?.remove();
  });

  it('cloning the forms brings their services and views along; a submission through the cloned form reaches the cloned service', async () => {
    const { DEMO_EXPECTATIONS: expectations } = await import('@orgkeeper/arcgis-emulator');
    const forms = expectations.surveys.map((s) => s.form);
    const { plan, result } = await planAndRun({ store, content, target, repository, params: { snapshotId, mode: 'clone', items: forms }, operationId: 'clone-surveys', hosted: await loadHostedRestore() });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    const maps = mapsOf(content, result, [[content.manifest.org.portalUrl, target.portalUrl]]);
    for (const survey of expectations.surveys) {
      for (const id of [survey.service, survey.submissionView, survey.resultsView]) expect(plan.steps.some((s) => s.sourceId === id), `${id} taken along`).toBe(true);
      const newUrl = (id: string) => result.steps.find((s) => s.oldId === id)!.newUrl!;
      for (const viewId of [survey.submissionView, survey.resultsView]) await expectViewMatches(target, store, content.items.get(viewId)!, newUrl(viewId), newUrl(survey.service));
      const submissionUrl = await submissionUrlOf(target, maps.ids.get(survey.form)!);
      expect(new URL(submissionUrl).origin).toBe(new URL(target.portalUrl).origin);
      const globalId = await submit(target, submissionUrl, {});
      expect(await countWhere(target, `${newUrl(survey.service)}/0`, `globalid = '${globalId}'`)).toBe(1);
      expect(await countWhere(target, `${newUrl(survey.resultsView)}/0`, `globalid = '${globalId}'`)).toBe(1);
      // Nothing was submitted to the source organization.
      expect(await countWhere(source, `${content.items.get(survey.service)!.service!.url}/0`, `globalid = '${globalId}'`)).toBe(0);
    }
    const names = [...target.context.state.services.values()].map((s) => `/${s.name}/FeatureServer`);
    for (const needle of [new URL(source.portalUrl).host, content.manifest.org.id]) expect(await formMentionsOf(target, needle, names), needle).toEqual([]);
  }, 120_000);

  it('clones the join view with both its sources, and the view with its own domain', async () => {
    const { DEMO_EXPECTATIONS: x } = await import('@orgkeeper/arcgis-emulator');
    const [joinId, sourceIds] = Object.entries(x.views.joins)[0]!;
    const protectedView = [...content.items.values()].find((e) => e.service?.view && e.title === 'Protected Bike Lanes')!;
    const join = content.items.get(joinId)!;
    const table = await joinAt(source, join.service!.url);
    const rows = await rowsAt(source, join.service!.url);
    const { plan, result } = await planAndRun({ store, content, target, repository, params: { snapshotId, mode: 'clone', items: [joinId, protectedView.id] }, operationId: 'join-clone', hosted: await loadHostedRestore() });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    for (const id of sourceIds) expect(plan.steps.some((s) => s.sourceId === id), `${id} taken along`).toBe(true);
    const names: Record<string, string> = {};
    for (const id of sourceIds) names[nameOf(content.items.get(id)!.service!.url)] = nameOf(newUrlOf(result, id)!);
    const viewUrl = newUrlOf(result, joinId)!;
    expect(new URL(viewUrl).origin).toBe(new URL(target.portalUrl).origin);
    expect(await joinAt(target, viewUrl)).toEqual(renamed(table, names));
    expect(await rowsAt(target, viewUrl)).toEqual(rows);

    const layer = await sessionFor(target, { retry: RESTORE_RETRY }).request<{ fields: { name: string; domain?: unknown }[] }>(`${newUrlOf(result, protectedView.id)!}/0`);
    expect(layer.fields.find((f) => f.name === 'LANE_TYPE')?.domain).toEqual(LANE_DOMAIN);
  }, 120_000);
});
