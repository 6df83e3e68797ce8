/**
 * Join views (viewLayerDefinition.table) backed up and made again: the demo's "Fire Stations with Latest Inspection"
 * joins the Fire Stations layer to the inspections table of another service. A backup keeps its whole join and
 * both sources; in place, copy, recreate and clone define it again with addToDefinition, each source named as in the
 * target, and it answers queries as the original did; a plan says why it cannot be made when a joined source is
 * missing. The clone into an empty organization is in restore-views-surveys.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { loadHostedRestore, type HostedRestore } from '../src/restore/hosted-contract.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { SnapshotContent } from '../src/restore/restore.plan.js';
import { type ItemEntry, type Store } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { adminUrl, joinAt, nameOf, newUrlOf, renamed, type Row, rowsAt } from './support/join-views.js';
import { backUp, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';


for (const kind of ['online', 'enterprise'] as const) {
  describe(`join views backed up and made again (${kind})`, () => {
    let emu: EmulatorHandle;
    let folder: { path: string; remove(): Promise<void> };
    let db: Db;
    let repository: RestoreRepository;
    let store: Store;
    let snapshotId: string;
    let content: SnapshotContent;
    let hosted: HostedRestore;
    let join: ItemEntry;
    let stations: ItemEntry;
    let inspections: ItemEntry;
    let table: Record<string, unknown>;
    let rows: Row[];

    beforeAll(async () => {
      emu = await startTestEmulator({ kind });
      folder = await tempFolder('orgkeeper-join-views-');
      ({ db, repository } = await restoreDb(folder.path));
      ({ store, snapshotId, content } = await backUp(emu, folder.path));
      hosted = await loadHostedRestore();
      const { DEMO_EXPECTATIONS: x } = await import('@orgkeeper/arcgis-emulator');
      const [joinId, sourceIds] = Object.entries(x.views.joins)[0]!;
      join = content.items.get(joinId)!;
      stations = content.items.get(sourceIds[0]!)!;
      inspections = content.items.get(sourceIds[1]!)!;
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
        { url: stations.service!.url, itemId: stations.id },
        { url: inspections.service!.url, itemId: inspections.id }
      ]);
      expect(view.layers).toEqual([{ id: 0, sourceUrl: stations.service!.url, sourceLayerId: 0, viewLayerDefinition: { table } }]);
      expect(join.service!.layers.every((l) => l.featureCount === 0 && l.chunks.length === 0)).toBe(true);
      expect(join.related).toEqual(expect.arrayContaining([
        { relationshipType: 'Service2Data', direction: 'forward', itemId: stations.id },
        { relationshipType: 'Service2Data', direction: 'forward', itemId: inspections.id }
      ]));
    });

    it('in place: a join changed since the snapshot is defined again as it was; nothing is written through the view', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      const url = join.service!.url;
      // Another join in its place: INNER, without the topFilter (a row per inspection).
      await session.request(`${adminUrl(url)}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ layers: [{ id: 0 }] }) }, { httpMethod: 'POST' });
      const other = { ...table, relatedTables: (table.relatedTables as Row[]).map(({ topFilter: _t, ...r }) => ({ ...r, type: 'INNER' })) };
      await session.request(`${adminUrl(url)}/addToDefinition`, { addToDefinition: JSON.stringify({ layers: [{ id: 0, name: 'Changed', adminLayerInfo: { viewLayerDefinition: { table: other } } }] }) }, { httpMethod: 'POST' });
      expect(await rowsAt(emu, url)).not.toEqual(rows);
      emu.requestLog.reset();

      const { result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [join.id] }, operationId: `join-in-place-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(await joinAt(emu, url)).toEqual(table);
      expect(await rowsAt(emu, url)).toEqual(rows);
      const edits = emu.requestLog.snapshot().recent.filter((r) => /\/(applyEdits|addFeatures|updateFeatures|deleteFeatures)$/.test(r.path));
      expect(edits).toEqual([]);

      // A join layer deleted from the view is defined again.
      await session.request(`${adminUrl(url)}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ layers: [{ id: 0 }] }) }, { httpMethod: 'POST' });
      const again = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [join.id] }, operationId: `join-in-place-again-${kind}`, hosted });
      expect(again.result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(await joinAt(emu, url)).toEqual(table);
      expect(await rowsAt(emu, url)).toEqual(rows);
    }, 60_000);

    it('copy: a copy of the join view and its inspections joins the live stations to the copied inspections', async () => {
      const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'copy', items: [join.id, inspections.id] }, operationId: `join-copy-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      const step = plan.steps.find((s) => s.sourceId === join.id)!;
      expect(step.view?.sources).toEqual([expect.objectContaining({ itemId: stations.id, status: 'live' }), expect.objectContaining({ itemId: inspections.id, status: 'restored' })]);
      const copyUrl = newUrlOf(result, join.id)!;
      const inspectionsCopy = newUrlOf(result, inspections.id)!;
      expect(nameOf(inspectionsCopy)).not.toBe(nameOf(inspections.service!.url));
      expect(await joinAt(emu, copyUrl)).toEqual(renamed(table, { [nameOf(inspections.service!.url)]: nameOf(inspectionsCopy) }));
      expect(await rowsAt(emu, copyUrl)).toEqual(rows);
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      for (const id of [join.id, inspections.id]) {
        const copy = result.steps.find((s) => s.oldId === id)!.newId!;
        await session.request(`${emu.restUrl}/content/users/${emu.context.state.items.get(copy)!.json.owner}/items/${copy}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
      }
    }, 60_000);

    it('recreate: the join view and its deleted inspections are made again, the view on the recreated inspections', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      // The view first: ArcGIS refuses to delete a source that has views.
      for (const id of [join.id, inspections.id]) await session.request(`${emu.restUrl}/content/users/${content.items.get(id)!.owner}/items/${id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
      const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'recreate', items: [join.id, inspections.id] }, operationId: `join-recreate-${kind}`, hosted });
      expect(result.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(plan.steps.findIndex((s) => s.sourceId === inspections.id)).toBeLessThan(plan.steps.findIndex((s) => s.sourceId === join.id));
      const viewUrl = newUrlOf(result, join.id)!;
      expect(await joinAt(emu, viewUrl)).toEqual(renamed(table, { [nameOf(inspections.service!.url)]: nameOf(newUrlOf(result, inspections.id)!) }));
      expect(await rowsAt(emu, viewUrl)).toEqual(rows);
      const service = await session.request<Row>(viewUrl);
      expect(service).toMatchObject({ isView: true, isUpdatableView: false, capabilities: 'Query' });
    }, 60_000);

    it('a dry run lists both sources of a join view and says why it cannot be made when a joined source is missing', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      // The snapshot without the inspections, and the inspections gone from the organization (deleted by the test above).
      const partial = new Map(content.items);
      partial.delete(inspections.id);
      const { buildPlan } = await import('../src/restore/restore.plan.js');
      const plan = await buildPlan({ store, content: { ...content, items: partial }, params: { snapshotId, mode: 'recreate', items: [join.id] }, source: { identityId: 's' }, target: { identityId: 't', session }, hostedAvailable: true, now: new Date() });
      const step = plan.steps.find((s) => s.sourceId === join.id)!;
      expect(step.view?.sources).toEqual([expect.objectContaining({ itemId: stations.id, status: 'live' }), expect.objectContaining({ itemId: inspections.id, status: 'missing' })]);
      expect(step.action).toBe('skip');
      expect(step.reason).toMatch(/view cannot be restored without its source/);
      expect(step.reason).toContain(inspections.service!.url);
      expect(step.reason).not.toContain(stations.service!.url);
    });
  });
}
