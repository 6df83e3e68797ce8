/**
 * Clean's delete fix and its Undo with ArcGIS Online's recycle bin, against the emulated demo organization over real
 * HTTP: items go to the bin (the preview says so per item, with the date until which they can come back), Undo
 * restores them with their ids and puts back what the bin drops (sharing, categories) from the snapshot taken first,
 * so a web map that uses a deleted layer works again unchanged; a permanent delete (asked for, or with the bin off)
 * is undone by recreating the items from the snapshot with new ids; an item purged between the fix and its Undo is
 * recreated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/clean/clean.types.js';
import type { FixDetail } from '../src/clean/fixes/fix.service.js';
import type { FixPreview } from '../src/clean/fixes/fix.types.js';
import { control, type EmulatorHandle } from './support/emulator-harness.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { storeScan as storeScanIn } from './support/stored-scan.js';
import { startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface Operation {
  id: string;
  status: string;
  message: string | null;
}

const HOUR = 3600 * 1000;

describe('Clean delete fix with the recycle bin (ArcGIS Online)', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let operator: ApiClient;
  let identityId: string;
  const state = () => emu.context.state;
  const base = () => `/api/identities/${identityId}`;

  beforeAll(async () => {
    org = await startOrgFixture({ kind: 'online' });
    ({ emu, server, operator, identityId } = org);
  }, 60_000);
  afterAll(() => org?.close());

  const orgItems = () => [...state().items.values()].filter((i) => i.json.orgId === emu.orgId);
  const plainItems = () => orgItems().filter((i) => !String(i.json.type).includes('Service') && i.json.type !== 'Application' && !i.json.protected);

  const itemTarget = (id: string): Finding['target'] => {
    const item = state().items.get(id)!;
    return { kind: 'item', id, title: String(item.json.title), type: String(item.json.type), owner: String(item.json.owner), folderId: item.json.ownerFolder ?? null };
  };

  /** What the bin must not lose, per item: where it is, who sees it, its categories and its data. */
  function snapshotOf(id: string) {
    const item = state().items.get(id);
    if (!item) return undefined;
    return {
      owner: item.json.owner,
      folder: item.json.ownerFolder ?? null,
      access: item.json.access,
      groups: [...item.groups].sort(),
      categories: [...(item.json.categories ?? [])],
      url: item.json.url ?? null,
      data: JSON.stringify(item.data ?? null)
    };
  }

  async function storeScan(ids: string[]) {
    return storeScanIn(
      server.server.db,
      identityId,
      ids.map((id, i) => ({ key: `test:item:${id}:${i}`, code: 'test', message: `Finding ${i}`, target: itemTarget(id) }))
    );
  }

  async function preview(body: Record<string, unknown>): Promise<FixPreview> {
    const response = await operator.post<FixPreview>(`${base()}/fixes/preview`, body);
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  async function apply(body: Record<string, unknown>): Promise<FixDetail> {
    const started = await operator.post<{ fixId: string; operationId: string }>(`${base()}/fixes`, body);
    expect(started.status, started.text).toBe(202);
    const operation = await waitForOperation<Operation>(operator, started.body.operationId, { timeoutMs: 120_000 });
    expect(operation.status, operation.message ?? '').toBe('succeeded');
    return (await operator.get<FixDetail>(`${base()}/fixes/${started.body.fixId}`)).body;
  }

  async function undo(fixId: string): Promise<FixDetail> {
    const started = await operator.post<{ operationId: string }>(`${base()}/fixes/${fixId}/undo`);
    expect(started.status, started.text).toBe(202);
    const operation = await waitForOperation<Operation>(operator, started.body.operationId, { timeoutMs: 120_000 });
    expect(operation.status, operation.message ?? '').toBe('succeeded');
    return (await operator.get<FixDetail>(`${base()}/fixes/${fixId}`)).body;
  }

  it('deletes a hosted layer and the web map using it to the bin; Undo brings both back with their ids, sharing and categories', async () => {
    const layer = orgItems().find((i) => i.json.type === 'Feature Service' && i.json.title === 'Bike Lanes' && !(i.json.typeKeywords ?? []).includes('View Service'))!;
    expect(layer).toBeDefined();
    // The demo's view of Bike Lanes must go first (a layer with live views cannot be recycled): delete it with them.
    const views = orgItems().filter((i) => state().relationships.some((r) => r.type === 'Service2Data' && r.originItemId === i.json.id && r.destinationItemId === layer.json.id));
    expect(views.map((v) => v.json.title)).toEqual(['Protected Bike Lanes']);
    const map = orgItems().find((i) => i.json.type === 'Web Map' && JSON.stringify(i.data ?? '').includes(String(layer.json.url)));
    expect(map, 'a web map that uses Bike Lanes').toBeDefined();
    map!.json.categories = ['/Categories/Transportation'];
    map!.json.access = 'org';
    const ids = [map!.json.id, layer.json.id];
    const before = new Map(ids.map((id) => [id, snapshotOf(id)]));
    const mapData = JSON.stringify(map!.data);

    // The views first, in a fix of their own (their source cannot go to the bin while they are live).
    const viewsBefore = new Map(views.map((v) => [v.json.id, snapshotOf(v.json.id)]));
    const viewScan = await storeScan(views.map((v) => v.json.id));
    const viewFix = await apply({ scanId: viewScan.scanId, findings: viewScan.ids, action: 'delete-items' });
    expect(viewFix.results.map((r) => r.status)).toEqual(views.map(() => 'ok'));
    const { scanId, ids: findingIds } = await storeScan(ids);
    const body = { scanId, findings: findingIds, action: 'delete-items' };
    const planned = await preview(body);
    for (const p of planned.findings) {
      expect(p.changes).toEqual([expect.objectContaining({ field: 'item', before: 'exists', after: 'recycled' })]);
      expect(p.changes[0]!.summary).toMatch(/moved to the recycle bin .* until at least \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(p.context.deleteTo).toBe('recycled');
      expect(Date.parse(p.context.restorableUntil!) - Date.now()).toBeGreaterThan(335 * HOUR);
    }
    const fix = await apply({ ...body, previewHash: planned.hash });
    for (const id of ids) {
      expect(state().items.has(id)).toBe(false);
      expect(state().recycleBin.has(id), `${id} in the bin`).toBe(true);
    }
    // The bin dropped the map's categories, as ArcGIS does.
    expect(state().recycleBin.get(map!.json.id)!.item.json.categories).toEqual([]);

    const undone = await undo(fix.fix.id);
    for (const r of undone.results) {
      expect(r.undo?.status, r.undo?.error ?? '').toBe('ok');
      expect(r.undo?.note).toMatch(/Restored from the recycle bin with its id/);
    }
    // Same ids, same URL, same data: the map's reference to the layer works again as it was.
    for (const id of ids) expect(snapshotOf(id), id).toEqual(before.get(id));
    expect(JSON.stringify(state().items.get(map!.json.id)!.data)).toBe(mapData);
    expect(state().getService(String(layer.json.url).split('/services/')[1]!.split('/')[0]!)).toBeDefined();
    expect(state().recycleBin.has(map!.json.id)).toBe(false);

    // The views' fix is undone once their source is back: they too keep their ids.
    const viewsUndone = await undo(viewFix.fix.id);
    expect(viewsUndone.results.map((r) => r.undo?.note)).toEqual(views.map(() => expect.stringMatching(/Restored from the recycle bin with its id/)));
    for (const [id, was] of viewsBefore) expect(snapshotOf(id)).toEqual(was);
  }, 240_000);

  it('deletes a hosted layer and its view in one fix (the view first, as ArcGIS requires); Undo brings both back with their ids', async () => {
    const layer = orgItems().find((i) => i.json.type === 'Feature Service' && i.json.title === 'Bike Lanes')!;
    const view = orgItems().find((i) => i.json.title === 'Protected Bike Lanes')!;
    const ids = [layer.json.id, view.json.id];
    const before = new Map(ids.map((id) => [id, snapshotOf(id)]));
    // The layer first among the findings: the fix still deletes its view before it.
    const { scanId, ids: findingIds } = await storeScan(ids);
    const planned = await preview({ scanId, findings: findingIds, action: 'delete-items' });
    expect(planned.findings[0]!.context.deleteAfter).toEqual([view.json.id]);
    expect(planned.findings[0]!.changes.find((c) => c.field === 'item')!.summary).toMatch(/after its views "Protected Bike Lanes"/);
    expect(planned.findings[1]!.context.deleteAfter).toBeUndefined();
    const fix = await apply({ scanId, findings: findingIds, action: 'delete-items', previewHash: planned.hash });
    expect(fix.results.map((r) => [r.target.id, r.status, r.error])).toEqual(ids.map((id) => [id, 'ok', null]));
    for (const id of ids) expect(state().recycleBin.has(id), id).toBe(true);
    const undone = await undo(fix.fix.id);
    expect(undone.results.map((r) => r.undo?.note)).toEqual(ids.map(() => expect.stringMatching(/Restored from the recycle bin with its id/)));
    for (const id of ids) expect(snapshotOf(id), id).toEqual(before.get(id));
  }, 240_000);

  it('deletes for good when asked (permanentDelete): the preview says so and Undo recreates the item from the snapshot', async () => {
    const item = plainItems().find((i) => i.groups.size > 0)!;
    const before = snapshotOf(item.json.id)!;
    const { scanId, ids } = await storeScan([item.json.id]);
    const body = { scanId, findings: ids, action: 'delete-items', options: { permanentDelete: true } };
    const planned = await preview(body);
    expect(planned.findings[0]!.changes[0]).toMatchObject({ field: 'item', after: 'deleted' });
    expect(planned.findings[0]!.changes[0]!.summary).toMatch(/deleted for good .*as asked/);
    const fix = await apply({ ...body, previewHash: planned.hash });
    expect(fix.fix.options).toEqual({ permanentDelete: true });
    expect(state().items.has(item.json.id)).toBe(false);
    expect(state().recycleBin.has(item.json.id)).toBe(false);
    const undone = await undo(fix.fix.id);
    const note = undone.results[0]!.undo!.note ?? '';
    const newId = /as item ([0-9a-f]{32})/.exec(note)?.[1];
    expect(newId, note).toBeTruthy();
    expect(snapshotOf(newId!)).toEqual(before);
  }, 120_000);

  it('behaves as before on an organization whose bin is off: deleted for good, recreated on Undo', async () => {
    await control(emu, 'recycle-bin', { mode: 'disabled' });
    try {
      const item = plainItems().at(-1)!;
      const { scanId, ids } = await storeScan([item.json.id]);
      const body = { scanId, findings: ids, action: 'delete-items' };
      const planned = await preview(body);
      expect(planned.findings[0]!.changes[0]).toMatchObject({ after: 'deleted' });
      expect(planned.findings[0]!.changes[0]!.summary).toMatch(/recycle bin is off/);
      const fix = await apply(body);
      expect(state().recycleBin.has(item.json.id)).toBe(false);
      const undone = await undo(fix.fix.id);
      expect(undone.results[0]!.undo!.note).toMatch(/as item [0-9a-f]{32}/);
    } finally {
      await control(emu, 'recycle-bin', { mode: 'enabled' });
    }
  }, 120_000);

  it('recreates from the snapshot an item purged from the bin between the fix and its Undo', async () => {
    const item = plainItems().find((i) => i.json.access !== 'private') ?? plainItems()[0]!;
    const before = snapshotOf(item.json.id)!;
    const { scanId, ids } = await storeScan([item.json.id]);
    const fix = await apply({ scanId, findings: ids, action: 'delete-items' });
    expect(state().recycleBin.has(item.json.id)).toBe(true);
    // 337 hours later ArcGIS has purged it (the emulator's clock; the identity signs in again with its credentials).
    await control(emu, 'clock', { advanceMs: 337 * HOUR });
    await control(emu, 'recycle-bin', {});
    expect(state().recycleBin.has(item.json.id)).toBe(false);
    const undone = await undo(fix.fix.id);
    const note = undone.results[0]!.undo!.note ?? '';
    expect(note).toMatch(/no longer held it \(purged\)/);
    const newId = /as item ([0-9a-f]{32})/.exec(note)![1]!;
    expect(snapshotOf(newId)).toEqual(before);
  }, 180_000);
});
