/**
 * Restore with ArcGIS Online's recycle bin, against the emulated demo organization over real HTTP: an item deleted
 * to the bin comes back from it with its id and its snapshot state (sharing and categories included); one purged
 * from the bin is recreated from the snapshot; a view and its source, both in the bin, come back source first; the
 * in-place mode does the same for items that are missing; the plan says which item comes from where.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteItem, purgeRecycledItem } from '../src/arcgis/portal/index.js';
import * as hosted from '../src/restore/hosted/index.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import { runBackup } from '../src/backup/backup.engine.js';
import { buildPlan, readSnapshotContent } from '../src/restore/restore.plan.js';
import { openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { orgItems, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import { join } from 'node:path';

describe('restore with the recycle bin (ArcGIS Online)', () => {
  let emu: EmulatorHandle;
  let dir: { path: string; remove(): Promise<void> };
  let repository: RestoreRepository;
  let closeDb: () => Promise<void>;
  const state = () => emu.context.state;
  const byTitle = (title: string, type?: string) => orgItems(emu).find((i) => i.json.title === title && (!type || i.json.type === type))!;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    dir = await tempFolder('orgkeeper-bin-restore-');
    const db = await restoreDb(dir.path);
    repository = db.repository;
    closeDb = () => db.db.destroy();
  }, 60_000);
  afterAll(async () => {
    await closeDb?.();
    await emu?.close();
    await dir?.remove();
  });

  async function backUp(itemIds: string[]) {
    const result = await runBackup({
      identity: { id: 'source', name: 'Source', fileLocation: join(dir.path, 'store'), orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Source' },
      session: sessionFor(emu, { retry: RESTORE_RETRY }),
      itemIds
    });
    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    const store = await openStore(join(dir.path, 'store'), { expectOrgId: emu.orgId });
    return { store, content: await readSnapshotContent(store, result.snapshotId), snapshotId: result.snapshotId };
  }

  it('brings a view and its source back from the bin in order with their ids, a web map with its sharing and categories, and recreates what was purged', async () => {
    const layer = byTitle('Bike Lanes', 'Feature Service');
    const view = byTitle('Protected Bike Lanes');
    const map = byTitle('Parks and Trails', 'Web Map');
    const purged = orgItems(emu).find((i) => i.json.type === 'PDF' || i.json.type === 'CSV' || i.json.type === 'Microsoft Word') ?? orgItems(emu).find((i) => !String(i.json.type).includes('Service') && i.json.type !== 'Web Map' && i.json.type !== 'Application')!;
    map.json.categories = ['/Categories/Parks'];
    map.json.access = 'org';
    const ids = [layer.json.id, view.json.id, map.json.id, purged.json.id];
    const { store, content, snapshotId } = await backUp(ids);
    const before = new Map(ids.map((id) => [id, { access: state().items.get(id)!.json.access, groups: [...state().items.get(id)!.groups].sort(), folder: state().items.get(id)!.json.ownerFolder ?? null }]));
    const mapTitle = map.json.title;
    const rows = state().getService(String(layer.json.url).split('/services/')[1]!.split('/')[0]!)!.layers.get(0)!.store.count();

    // Changed after the backup, then deleted: the view before its source (ArcGIS requires it), the map, and one item
    // to the bin and then out of it for good (as a purge would).
    map.json.title = 'Renamed after the backup';
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    for (const item of [view, layer, map, purged]) await deleteItem({ session, owner: item.json.owner, id: item.json.id });
    await purgeRecycledItem({ session, owner: purged.json.owner, id: purged.json.id });
    expect(ids.map((id) => state().recycleBin.has(id))).toEqual([true, true, true, false]);

    // The plan: from the bin with the ids kept, source before view; the purged item recreated.
    const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'recreate', items: [view.json.id, map.json.id, purged.json.id, layer.json.id] }, operationId: 'op-bin-1', hosted });
    const step = (id: string) => plan.steps.find((s) => s.key === `item:${id}`)!;
    expect(plan.recycleBin).toEqual({ supported: true, enabled: true });
    expect(plan.fromRecycleBin).toBe(3);
    for (const id of [layer.json.id, view.json.id, map.json.id]) {
      expect(step(id)).toMatchObject({ action: 'create', recycleBin: true, targetId: id });
      expect(step(id).reason).toMatch(/in the recycle bin: it is restored from there with its id/);
    }
    expect(step(purged.json.id).recycleBin).toBeUndefined();
    expect(step(purged.json.id).reason).toMatch(/not in the recycle bin .*recreated with a new id/);
    expect(step(view.json.id).dependsOn).toContain(`item:${layer.json.id}`);
    const order = plan.steps.map((s) => s.key);
    expect(order.indexOf(`item:${layer.json.id}`)).toBeLessThan(order.indexOf(`item:${view.json.id}`));

    expect(result.steps.filter((s) => s.kind === 'item' && s.status !== 'ok')).toEqual([]);
    for (const id of [layer.json.id, view.json.id, map.json.id]) {
      expect(result.steps.find((s) => s.oldId === id)!.newId).toBe(id);
      expect(state().items.has(id), id).toBe(true);
      const live = state().items.get(id)!;
      expect({ access: live.json.access, groups: [...live.groups].sort(), folder: live.json.ownerFolder ?? null }).toEqual(before.get(id));
    }
    expect(state().items.get(map.json.id)!.json.title).toBe(mapTitle);
    expect(state().items.get(map.json.id)!.json.categories).toEqual(['/Categories/Parks']);
    expect(state().getService(String(layer.json.url).split('/services/')[1]!.split('/')[0]!)!.layers.get(0)!.store.count()).toBe(rows);
    const recreated = result.steps.find((s) => s.oldId === purged.json.id)!;
    expect(recreated.newId).toMatch(/^[0-9a-f]{32}$/);
    expect(recreated.newId).not.toBe(purged.json.id);
    expect(state().items.get(recreated.newId!)!.json.title).toBe(purged.json.title);
  }, 180_000);

  it('in place, a missing item still in the bin is restored from it with its id', async () => {
    const item = orgItems(emu).find((i) => i.json.type === 'Web Mapping Application') ?? orgItems(emu).find((i) => i.json.type === 'Dashboard')!;
    const { store, content, snapshotId } = await backUp([item.json.id]);
    await deleteItem({ session: sessionFor(emu, { retry: RESTORE_RETRY }), owner: item.json.owner, id: item.json.id });
    expect(state().recycleBin.has(item.json.id)).toBe(true);
    const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [item.json.id] }, operationId: 'op-bin-2', hosted });
    expect(plan.steps.find((s) => s.key === `item:${item.json.id}`)).toMatchObject({ action: 'create', recycleBin: true });
    expect(result.steps.filter((s) => s.kind === 'item').map((s) => [s.status, s.newId])).toEqual([['ok', item.json.id]]);
    expect(state().items.has(item.json.id)).toBe(true);
    expect(state().recycleBin.has(item.json.id)).toBe(false);
  }, 120_000);

  it('recreates an item planned from the bin that was purged before the restore ran', async () => {
    const item = orgItems(emu).find((i) => i.json.type === 'Web Map' && !i.json.protected)!;
    const { store, content, snapshotId } = await backUp([item.json.id]);
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    await deleteItem({ session, owner: item.json.owner, id: item.json.id });
    const params = { snapshotId, mode: 'recreate' as const, items: [item.json.id] };
    const plan = await buildPlan({ store, content, params, source: { identityId: 'source' }, target: { identityId: 'target', session }, hostedAvailable: true, now: new Date() });
    expect(plan.steps.find((s) => s.key === `item:${item.json.id}`)).toMatchObject({ recycleBin: true });
    await purgeRecycledItem({ session, owner: item.json.owner, id: item.json.id });
    const { result } = await planAndRun({ store, content, target: emu, repository, params, plan, operationId: 'op-bin-3', hosted });
    const step = result.steps.find((s) => s.oldId === item.json.id)!;
    expect(step.status, step.error ?? '').toBe('ok');
    expect(step.newId).not.toBe(item.json.id);
    expect(state().items.get(step.newId!)?.json.title).toBe(item.json.title);
  }, 120_000);
});
