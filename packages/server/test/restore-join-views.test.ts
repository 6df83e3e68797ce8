/**
 * Join views (viewLayerDefinition.table) backed up and made again: the demo's "Hydrants with Latest Flow Test" joins
 * the Water Network hydrants to the Hydrant Flow Tests table of another service. A backup keeps its whole join and
 * both sources; in place, copy, recreate and clone define it again with addToDefinition, each source named as in the
 * target, and it answers queries as the original did; a plan says why it cannot be made when a joined source is
 * missing. Also: a view's own coded-value domain survives a clone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { serviceNameInUrl } from '../src/arcgis/feature-service/index.js';
import { loadHostedRestore, type HostedRestore } from '../src/restore/hosted-contract.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import type { RestoreResult } from '../src/restore/restore.types.js';
import { type ItemEntry, type Store } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

type Row = Record<string, unknown>;
const adminUrl = (url: string) => url.replace('/rest/services', '/rest/admin/services');
const nameOf = (url: string) => serviceNameInUrl(url)!;

/** The join a view layer is defined with, as the target's admin layer JSON says. */
async function joinAt(emu: EmulatorHandle, viewUrl: string): Promise<Record<string, unknown>> {
  const layer = await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ adminLayerInfo: { viewLayerDefinition: { table: Record<string, unknown> } } }>(`${adminUrl(viewUrl)}/0`);
  return layer.adminLayerInfo.viewLayerDefinition.table;
}

/** Every joined row of layer 0 of a view, in object id order. */
async function rowsAt(emu: EmulatorHandle, viewUrl: string): Promise<Row[]> {
  const answer = await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ features: { attributes: Row }[] }>(`${viewUrl}/0/query`, { where: '1=1', outFields: '*', orderByFields: 'OBJECTID', returnGeometry: false });
  return answer.features.map((f) => f.attributes);
}

/** The snapshot's join with its service names replaced as `names` says (old name -> new name). */
function renamed(table: Record<string, unknown>, names: Record<string, string>): Record<string, unknown> {
  const rename = (t: Record<string, unknown>) => ({ ...t, sourceServiceName: names[t.sourceServiceName as string] ?? t.sourceServiceName });
  return { ...rename(table), relatedTables: (table.relatedTables as Record<string, unknown>[]).map(rename) };
}

const newUrlOf = (result: RestoreResult, id: string) => result.steps.find((s) => s.oldId === id)?.newUrl;

describe('join views backed up and made again (online)', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;
  let hosted: HostedRestore;
  let join: ItemEntry;
  let water: ItemEntry;
  let tests: ItemEntry;
  let table: Record<string, unknown>;
  let rows: Row[];

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder('orgkeeper-join-views-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(emu, folder.path));
    hosted = await loadHostedRestore();
    const { DEMO_EXPECTATIONS: x } = await import('@orgkeeper/arcgis-emulator');
    const [joinId, sourceIds] = Object.entries(x.views.joins)[0]!;
    join = content.items.get(joinId)!;
    water = content.items.get(sourceIds[0]!)!;
    tests = content.items.get(sourceIds[1]!)!;
    table = await joinAt(emu, join.service!.url);
    rows = await rowsAt(emu, join.service!.url);
    expect(rows.length).toBeGreaterThan(0);
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await emu?.close();
    await folder?.remove();
  });

  it('backs the join view up as a view: both sources, the whole join, no rows', () => {
    const view = join.service!.view!;
    expect(view.sources).toEqual([
      { url: water.service!.url, itemId: water.id },
      { url: tests.service!.url, itemId: tests.id }
    ]);
    expect(view.layers).toEqual([{ id: 0, sourceUrl: water.service!.url, sourceLayerId: 0, viewLayerDefinition: { table } }]);
    expect(join.service!.layers.every((l) => l.featureCount === 0 && l.chunks.length === 0)).toBe(true);
    expect(join.related).toEqual(expect.arrayContaining([
      { relationshipType: 'Service2Data', direction: 'forward', itemId: water.id },
      { relationshipType: 'Service2Data', direction: 'forward', itemId: tests.id }
    ]));
  });

  it('in place: a join changed since the snapshot is defined again as it was; nothing is written through the view', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    const url = join.service!.url;
    // Another join in its place: INNER, without the topFilter (a row per test).
    await session.request(`${adminUrl(url)}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ layers: [{ id: 0 }] }) }, { httpMethod: 'POST' });
    const other = { ...table, relatedTables: (table.relatedTables as Row[]).map(({ topFilter: _t, ...r }) => ({ ...r, type: 'INNER' })) };
    await session.request(`${adminUrl(url)}/addToDefinition`, { addToDefinition: JSON.stringify({ layers: [{ id: 0, name: 'Changed', adminLayerInfo: { viewLayerDefinition: { table: other } } }] }) }, { httpMethod: 'POST' });
    expect(await rowsAt(emu, url)).not.toEqual(rows);
    emu.requestLog.reset();

    const { result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [join.id] }, operationId: 'join-in-place', hosted });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    expect(await joinAt(emu, url)).toEqual(table);
    expect(await rowsAt(emu, url)).toEqual(rows);
    const edits = emu.requestLog.snapshot().recent.filter((r) => /\/(applyEdits|addFeatures|updateFeatures|deleteFeatures)$/.test(r.path));
    expect(edits).toEqual([]);
  }, 60_000);

  it('copy: a copy of the join view and its flow tests joins the live hydrants to the copied tests', async () => {
    const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'copy', items: [join.id, tests.id] }, operationId: 'join-copy', hosted });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    const step = plan.steps.find((s) => s.sourceId === join.id)!;
    expect(step.view?.sources).toEqual([expect.objectContaining({ itemId: water.id, status: 'live' }), expect.objectContaining({ itemId: tests.id, status: 'restored' })]);
    const copyUrl = newUrlOf(result, join.id)!;
    const testsCopy = newUrlOf(result, tests.id)!;
    expect(nameOf(testsCopy)).not.toBe(nameOf(tests.service!.url));
    expect(await joinAt(emu, copyUrl)).toEqual(renamed(table, { [nameOf(tests.service!.url)]: nameOf(testsCopy) }));
    expect(await rowsAt(emu, copyUrl)).toEqual(rows);
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    for (const id of [join.id, tests.id]) {
      const copy = result.steps.find((s) => s.oldId === id)!.newId!;
      await session.request(`${emu.restUrl}/content/users/${emu.context.state.items.get(copy)!.json.owner}/items/${copy}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
    }
  }, 60_000);

  it('recreate: the join view and its deleted flow tests are made again, the view on the recreated tests', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    // The view first: ArcGIS refuses to delete a source that has views.
    for (const id of [join.id, tests.id]) await session.request(`${emu.restUrl}/content/users/${content.items.get(id)!.owner}/items/${id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
    const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'recreate', items: [join.id, tests.id] }, operationId: 'join-recreate', hosted });
    expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
    expect(plan.steps.findIndex((s) => s.sourceId === tests.id)).toBeLessThan(plan.steps.findIndex((s) => s.sourceId === join.id));
    const viewUrl = newUrlOf(result, join.id)!;
    expect(await joinAt(emu, viewUrl)).toEqual(renamed(table, { [nameOf(tests.service!.url)]: nameOf(newUrlOf(result, tests.id)!) }));
    expect(await rowsAt(emu, viewUrl)).toEqual(rows);
    const service = await session.request<Row>(viewUrl);
    expect(service).toMatchObject({ isView: true, isUpdatableView: false, capabilities: 'Query' });
  }, 60_000);

  it('a dry run lists both sources of a join view and says why it cannot be made when a joined source is missing', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    // The snapshot without the flow tests, and the flow tests gone from the organization (deleted by the test above).
    const partial = new Map(content.items);
    partial.delete(tests.id);
    const { buildPlan } = await import('../src/restore/restore.plan.js');
    const plan = await buildPlan({ store, content: { ...content, items: partial }, params: { snapshotId, mode: 'recreate', items: [join.id] }, source: { identityId: 's' }, target: { identityId: 't', session }, hostedAvailable: true, now: new Date() });
    const step = plan.steps.find((s) => s.sourceId === join.id)!;
    expect(step.view?.sources).toEqual([expect.objectContaining({ itemId: water.id, status: 'live' }), expect.objectContaining({ itemId: tests.id, status: 'missing' })]);
    expect(step.action).toBe('skip');
    expect(step.reason).toMatch(/view cannot be restored without its source/);
    expect(step.reason).toContain(tests.service!.url);
    expect(step.reason).not.toContain(water.service!.url);
  });
});

describe('join views and a view with its own domain cloned into an empty organization', () => {
  let source: EmulatorHandle;
  let target: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let db: Db;
  let repository: RestoreRepository;
  let store: Store;
  let snapshotId: string;
  let content: SnapshotContent;
  const domain = { type: 'codedValue', name: 'ProtectedLaneKind', codedValues: [{ name: 'Protected (separated)', code: 'PROT' }] };

  beforeAll(async () => {
    source = await startTestEmulator({ kind: 'online' });
    target = await startTestEmulator({ kind: 'enterprise', seed: 'empty', randomSeed: 'join-clone-target' });
    const protectedUrl = `${source.context.urls.servicesRoot}/Demo_Bike_Lanes_Protected/FeatureServer`;
    await sessionFor(source, { retry: RESTORE_RETRY }).request(`${adminUrl(protectedUrl)}/updateDefinition`, { updateDefinition: JSON.stringify({ layers: [{ id: 0, fields: [{ name: 'LANE_TYPE', domain }] }] }) }, { httpMethod: 'POST' });
    folder = await tempFolder('orgkeeper-join-clone-');
    ({ db, repository } = await restoreDb(folder.path));
    ({ store, snapshotId, content } = await backUp(source, folder.path));
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await source?.close();
    await target?.close();
    await folder?.remove();
  });

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
    expect(layer.fields.find((f) => f.name === 'LANE_TYPE')?.domain).toEqual(domain);
  }, 120_000);
});
