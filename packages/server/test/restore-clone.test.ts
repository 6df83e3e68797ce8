/**
 * Copy within the organization and clone into a second, empty emulated organization: every item (hosted feature
 * services through the hosted-service module), group and share arrives, owners map by username with the signed-in
 * administrator as the fallback, folders are created, and no reference points back at the source organization.
 * The dry run changes nothing.
 */
import { DEMO_EXPECTATIONS as X, DEMO_SERVICE_NAMES } from '@orgkeeper/arcgis-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { loadHostedRestore, type HostedRestore } from '../src/restore/hosted-contract.js';
import { DEFAULT_COPY_SUFFIX } from '../src/restore/plan-steps.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import type { Store } from '../src/store/index.js';
import { itemTypeOf } from '../src/item-types/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, idMapOf, formMentionsOf, mentionsOf, orgItems, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import { checkClone } from './support/clone-references.js';

describe('copy and clone', () => {
  let source: EmulatorHandle;
  let target: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;
  let hosted: HostedRestore | undefined;

  beforeAll(async () => {
    source = await startTestEmulator({ kind: 'online' });
    target = await startTestEmulator({ kind: 'online', seed: 'empty', randomSeed: 'another-org' });
    folder = await tempFolder('orgkeeper-clone-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(source, folder.path));
    hosted = await loadHostedRestore();
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    await source?.close();
    await target?.close();
    await folder?.remove();
  });

  it('a dry run plans the clone and changes nothing', async () => {
    const before = source.requestLog.snapshot(0);
    const targetBefore = target.requestLog.snapshot(0);
    const itemsBefore = orgItems(target).length;
    const { buildPlan } = await import('../src/restore/restore.plan.js');
    const plan = await buildPlan({ store, content, params: { snapshotId, mode: 'clone', all: true }, source: { identityId: 's' }, target: { identityId: 't', session: sessionFor(target, { retry: RESTORE_RETRY }) }, hostedAvailable: hosted !== undefined, now: new Date() });
    expect(plan.counts.create).toBeGreaterThan(30);
    // Groups, then folders, then items; feature services before maps before apps.
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds.indexOf('item')).toBeGreaterThan(kinds.lastIndexOf('group'));
    expect(kinds.indexOf('item')).toBeGreaterThan(kinds.lastIndexOf('folder'));
    const pos = (title: string) => plan.steps.findIndex((s) => s.title === title && s.kind === 'item');
    expect(pos('City Parks')).toBeLessThan(pos('Parks and Trails'));
    expect(pos('Parks and Trails')).toBeLessThan(pos('Parks Finder'));
    // Only reads: no write reached either organization.
    const writes = (log: ReturnType<EmulatorHandle['requestLog']['snapshot']>) =>
      Object.entries(log.byEndpoint).filter(([name]) => /addItem|update|delete|share|createGroup|createFolder|addResources|reassign|createService/i.test(name));
    const afterSource = source.requestLog.snapshot(0);
    const afterTarget = target.requestLog.snapshot(0);
    expect(writes(afterTarget).map(([n, c]) => [n, c - (targetBefore.byEndpoint[n] ?? 0)]).filter(([, c]) => c !== 0)).toEqual([]);
    expect(writes(afterSource).map(([n, c]) => [n, c - (before.byEndpoint[n] ?? 0)]).filter(([, c]) => c !== 0)).toEqual([]);
    expect(orgItems(target).length).toBe(itemsBefore);
  });

  it('copies items beside the originals with a suffix, references pointing at the copies', async () => {
    const map = [...content.items.values()].find((e) => e.title === 'Parks and Trails')!;
    const app = [...content.items.values()].find((e) => e.title === 'Parks Finder')!;
    const before = orgItems(source).length;
    const { result } = await planAndRun({ store, content, target: source, repository, params: { snapshotId, mode: 'copy', items: [map.id, app.id] }, operationId: 'copy-1' });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    expect(result.steps.filter((s) => s.kind === 'item').map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(orgItems(source).length).toBe(before + 2);
    const ids = idMapOf(result);
    const maps = { ids, urls: new Map<string, string>() };
    for (const entry of [map, app]) await expectItemMatches(source, store, content, entry, ids.get(entry.id)!, maps, { titleSuffix: DEFAULT_COPY_SUFFIX });
    const copyData = JSON.parse((source.context.state.items.get(ids.get(app.id)!)!.data as { text: string }).text) as { values: { webmap: string } };
    expect(copyData.values.webmap).toBe(ids.get(map.id));
    // The originals are untouched.
    expect(source.context.state.items.get(app.id)!.json.title).toBe(app.title);

    // A chosen owner and a new folder (created), with another suffix.
    const csv = [...content.items.values()].find((e) => e.type === 'CSV' && e.owner !== source.admin.username)!;
    const chosen = await planAndRun({
      store, content, target: source, repository,
      params: { snapshotId, mode: 'copy', items: [csv.id], owner: source.admin.username, folder: 'Restored copies', suffix: ' (restored)' },
      operationId: 'copy-2'
    });
    expect(chosen.plan.steps.filter((st) => st.kind !== 'group').map((st) => [st.kind, st.action])).toEqual([['folder', 'create'], ['item', 'create']]);
    expect(chosen.result.counts.failed).toBe(0);
    const copyId = idMapOf(chosen.result).get(csv.id)!;
    await expectItemMatches(source, store, content, csv, copyId, { ids: new Map(), urls: new Map() }, { titleSuffix: ' (restored)', owner: source.admin.username, folder: 'Restored copies' });
  }, 60_000);

  it('copies a map and the dashboard that shows it: each names the copy of the other, across the reference cycle', async () => {
    const map = X.itemTypes.ids['map-hydrant-inspections'];
    const dash = X.itemTypes.ids['dash-inspections'];
    const { result } = await planAndRun({ store, content, target: source, repository, params: { snapshotId, mode: 'copy', items: [map, dash] }, operationId: 'copy-cycle' });
    expect(result.steps.filter((st) => st.kind === 'item').map((st) => st.status)).toEqual(['ok', 'ok']);
    const copies = idMapOf(result);
    const data = (id: string) => (source.context.state.items.get(copies.get(id)!)!.data as { text: string }).text;
    const dashboard = JSON.parse(data(dash)) as { desktopView: { widgets: { itemId?: string }[] } };
    expect(dashboard.desktopView.widgets[0]!.itemId).toBe(copies.get(map));
    // The map was written first; its popup's link to the dashboard names the dashboard's copy all the same.
    expect(data(map)).toContain(`/apps/dashboards/${copies.get(dash)!}`);
    expect(data(map)).not.toContain(`/apps/dashboards/${dash}`);
    // What neither copy replaces (the water layer, the originals elsewhere) is left as it is.
    expect(data(dash)).toContain(`'${X.ids['svc-water']}'`);
  }, 60_000);

  it('maps owners of a clone by username, by the mapping given, or to the signed-in administrator', async () => {
    const { buildPlan } = await import('../src/restore/restore.plan.js');
    const maria = [...content.items.values()].find((e) => e.owner === 'maria.publisher' && !e.service)!;
    const tom = [...content.items.values()].find((e) => e.owner === 'tom.editor' && !e.service)!;
    const plan = await buildPlan({
      store, content,
      params: { snapshotId, mode: 'clone', items: [maria.id, tom.id], ownerMap: { 'maria.publisher': target.admin.username, 'tom.editor': 'nobody.here' } },
      source: { identityId: 's' }, target: { identityId: 't', session: sessionFor(target, { retry: RESTORE_RETRY }) }, hostedAvailable: hosted !== undefined, now: new Date()
    });
    const step = (id: string) => plan.steps.find((st) => st.key === `item:${id}`)!;
    expect(step(maria.id)).toMatchObject({ owner: target.admin.username });
    expect(step(maria.id).warnings ?? []).toEqual([]);
    expect(step(tom.id)).toMatchObject({ owner: target.admin.username });
    expect(step(tom.id).warnings?.join(' ')).toMatch(/"nobody.here", who is not an active user of the target/);
  });

  it('clones the whole organization into an empty one; nothing points back at the source', async () => {
    const { plan, result } = await planAndRun({ store, content, target, repository, params: { snapshotId, mode: 'clone', all: true }, operationId: 'clone-1', ...(hosted ? { hosted } : {}) });
    const failed = result.steps.filter((s) => s.status === 'failed');
    expect(failed).toEqual([]);
    const ids = idMapOf(result);
    // The organization-wide rewrites (portal, services directories), then each cloned service's own.
    expect(plan.orgRewrites?.[0]).toEqual({ kind: 'url', from: content.manifest.org.portalUrl, to: target.portalUrl });
    const urls = new Map<string, string>((plan.orgRewrites ?? []).map((r) => [r.from, r.to]));
    for (const s of result.steps) {
      const e = content.items.get(s.oldId);
      if (e?.service?.url && s.newUrl) urls.set(e.service.url, s.newUrl);
    }
    const admin = plan.target.admin;
    const targetUsers = new Set([...target.context.state.users.values()].map((u) => u.username.toLowerCase()));
    let compared = 0;
    for (const entry of content.items.values()) {
      if (entry.status === 'failed' || !entry.item) continue;
      const newId = ids.get(entry.id);
      expect(newId, `${entry.title} was cloned`).toBeDefined();
      const owner = targetUsers.has(entry.owner.toLowerCase()) ? entry.owner : admin;
      const folderTitle = entry.folderId ? (content.users.get(entry.owner.toLowerCase())?.folders?.find((f) => f.id === entry.folderId)?.title ?? null) : null;
      await expectItemMatches(target, store, content, entry, newId!, { ids, urls }, { owner, folder: folderTitle });
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
    // Hosted layers arrive with every feature and attachment (their content in detail: restore-hosted-*).
    const ts = sessionFor(target, { retry: RESTORE_RETRY });
    let layersChecked = 0;
    for (const entry of content.items.values()) {
      if (!entry.service) continue;
      const newUrl = result.steps.find((s) => s.oldId === entry.id)?.newUrl;
      expect(newUrl, `${entry.title} service URL`).toMatch(new RegExp(`^${new URL(target.portalUrl).origin}`));
      for (const layer of entry.service.layers) {
        const count = await ts.request<{ count: number }>(`${newUrl!}/${layer.id}/query`, { where: '1=1', returnCountOnly: true });
        if (entry.service.view) {
          // A view holds no rows of its own: the cloned view shows its cloned source's rows as the original did.
          expect(layer.featureCount).toBe(0);
          const original = await sessionFor(source).request<{ count: number }>(`${entry.service.url}/${layer.id}/query`, { where: '1=1', returnCountOnly: true });
          expect(count.count, `${entry.title} view layer ${layer.id} features`).toBe(original.count);
          expect(target.context.state.getService(newUrl!.split('/').at(-2)!)?.definition.isView, `${entry.title} is a view`).toBe(true);
          continue;
        }
        expect(count.count, `${entry.title} layer ${layer.id} features`).toBe(layer.featureCount);
        if (layer.attachmentCount) {
          const groups = await ts.request<{ attachmentGroups: { attachmentInfos: unknown[] }[] }>(`${newUrl!}/${layer.id}/queryAttachments`, { definitionExpression: '1=1' });
          expect(groups.attachmentGroups.reduce((n, g) => n + g.attachmentInfos.length, 0), `${entry.title} layer ${layer.id} attachments`).toBe(layer.attachmentCount);
        }
        layersChecked++;
      }
    }
    expect(layersChecked).toBeGreaterThan(3);
    // Groups arrived, with the members that exist in the target.
    for (const group of content.groups.values()) {
      const cloned = [...target.context.state.groups.values()].find((g) => g.title === group.title);
      expect(cloned, `group ${group.title}`).toBeDefined();
    }
    // No reference points back at the source organization: its host, its item ids, its group ids (a notebook's code
    // names them on purpose: listed in the plan, not rewritten). Survey123 names a survey's service after its form
    // (`survey123_<form id>`); ArcGIS cannot rename a service, so a cloned one keeps its name: that name in a hosted
    // layer's URL is the only other mention allowed.
    const listOnly = new Set(X.itemTypes.listOnly.map((id) => ids.get(id)));
    const notListOnly = (hits: string[]) => hits.filter((h) => !listOnly.has(h.split(' ')[0]));
    const serviceNames = (id: string) => orgItems(target).filter((i) => typeof i.json.url === 'string' && i.json.url.split('/').at(-2)?.toLowerCase().includes(id)).map((i) => `${i.json.id} "${i.json.title}" url`);
    expect(notListOnly(mentionsOf(target, new URL(source.portalUrl).host))).toEqual([]);
    for (const id of [...content.items.keys(), ...content.groups.keys()]) expect(notListOnly(mentionsOf(target, id)).filter((hit) => !serviceNames(id).includes(hit)), id).toEqual([]);
    // Survey123 forms keep their references inside their package and resources (file names too): none is left.
    const targetServiceNames = [...target.context.state.services.values()].map((svc) => `/${svc.name}/FeatureServer`);
    for (const needle of [new URL(source.portalUrl).host, ...content.items.keys()]) expect(await formMentionsOf(target, needle, targetServiceNames), needle).toEqual([]);
    // By parsing every part of every cloned item as the catalogue reads it: every reference resolves in the target,
    // except the planted broken ones and the tile layers ArcGIS must rebuild; nothing names the source.
    const missing = new Set(X.brokenReferences.findings.map((f) => f.missingItemId).filter((m): m is string => m !== undefined));
    const deadServices = [DEMO_SERVICE_NAMES.deletedStormDrains, DEMO_SERVICE_NAMES.deadHistoricParcels];
    const rebuilt = new Set(X.itemTypes.rebuiltByArcGIS.map((id) => ids.get(id)));
    const checkOptions: Parameters<typeof checkClone>[0] = {
      target,
      source: { origin: new URL(source.portalUrl).origin, itemIds: [...content.items.keys()], groupIds: [...content.groups.keys()] },
      clonedIds: [...content.items.keys()].map((id) => ids.get(id)!),
      expectedUnresolved: (item, ref) =>
        (ref.kind === 'item' && missing.has(ref.value)) ||
        (ref.kind === 'url' && deadServices.some((name) => ref.value.includes(`/${name}/`))) ||
        (rebuilt.has(item.json.id) && ref.part === 'item' && ref.path === 'url')
    };
    const check = checkClone(checkOptions);
    expect(check.unresolved).toEqual([]);
    // (the Survey123 service names kept from the source form, in the item URLs: see above)
    const keptServiceName = (line: string) => {
      const id = line.split(': ').at(-1)!.toLowerCase();
      return line.includes(' item url: ') && orgItems(target).some((i) => typeof i.json.url === 'string' && i.json.url.toLowerCase().includes(`survey123_${id}`));
    };
    expect(check.mentionsOfSource.filter((line) => !keptServiceName(line))).toEqual([]);
    // The check catches what it must: the source's water layer id put back into the cloned dashboard's Arcade.
    const dashboard = target.context.state.items.get(ids.get(X.itemTypes.ids['dash-inspections'])!)!;
    const cloned = (dashboard.data as { text: string }).text;
    dashboard.data = { kind: 'json', text: cloned.replaceAll(ids.get(X.ids['svc-water'])!, X.ids['svc-water']) };
    const caught = checkClone(checkOptions);
    dashboard.data = { kind: 'json', text: cloned };
    expect(caught.unresolved.some((line) => line.includes('Hydrant Inspections Dashboard') && line.includes('dataSource.script'))).toBe(true);
    expect(caught.mentionsOfSource.some((line) => line.includes(X.ids['svc-water']))).toBe(true);
    expect(check.references.length).toBeGreaterThan(150);
    // Every kind of item the demo holds arrived and was checked (code attachments, packages and map areas hold no references).
    const checkedKinds = new Set(check.references.map((r) => itemTypeOf(target.context.state.items.get(r.itemId)!.json)?.key));
    for (const key of new Set(Object.values(X.itemTypes.catalogueKey))) if (!['code-attachment', 'offline-package', 'map-area'].includes(key)) expect(checkedKinds, key).toContain(key);
    // The plan said what it rewrites, what it lists only and what it cannot bring back.
    const stepOf = (key: string) => plan.steps.find((st) => st.sourceId === X.itemTypes.ids[key as keyof typeof X.itemTypes.ids])!;
    expect(stepOf('nb-inventory').references?.filter((r) => r.action === 'list').map((r) => r.value)).toEqual(expect.arrayContaining([X.ids['svc-water']]));
    expect(stepOf('nb-inventory').cannotRestore?.join(' ')).toMatch(/Scheduled tasks/);
    expect(stepOf('vts-parks').cannotRestore?.join(' ')).toMatch(/tiles are not in the snapshot/);
    expect(stepOf('tiles-parks').cannotRestore?.join(' ')).toMatch(/tiles are not in the snapshot/);
    expect(stepOf('hub-site').cannotRestore?.join(' ')).toMatch(/domain/);
    const dash = stepOf('dash-inspections').references ?? [];
    expect(dash.find((r) => r.label === 'data expression (Arcade)' && r.kind === 'item')).toMatchObject({ value: X.ids['svc-water'], action: 'rewrite' });
    const qc = stepOf('qc-hydrants').references ?? [];
    expect(qc.find((r) => r.value === X.ids['deleted-storm-drains'])).toMatchObject({ action: 'keep', note: expect.stringMatching(/not in the snapshot/) });
    const hub = stepOf('hub-site').references ?? [];
    expect(hub.filter((r) => r.kind === 'group').every((r) => r.action === 'rewrite')).toBe(true);
  }, 180_000);
});
