/**
 * The catalogue's recycle bin functions (arcgis/portal/recycle-bin.ts) against the emulated organization over real
 * HTTP: each sends the request Esri's REST reference and the ArcGIS API for Python describe (endpoint, method,
 * parameters, as the emulator's request log shows them: rest-js has no functions for these), and reads the answers,
 * refusals with their `offendingItems` included. Hostile ids stay one path segment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canRecycleItem,
  canRestoreItem,
  deleteItem,
  getPortalSelf,
  listRecycleBin,
  purgeRecycledItem,
  recycleBinState,
  restoreRecycledItem
} from '../src/arcgis/portal/index.js';
import type { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { control, startTestEmulator, type EmulatorHandle } from './support/emulator-harness.js';
import { RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

describe('recycle bin catalogue (ArcGIS Online)', () => {
  let emu: EmulatorHandle;
  let session: ArcGISSession;
  const admin = () => emu.admin.username;
  const state = () => emu.context.state;
  const lastRequests = (n: number) => emu.requestLog.snapshot(n).recent.map((r) => `${r.method} ${r.endpoint} ${r.status}`);

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    session = sessionFor(emu, { retry: RESTORE_RETRY });
  }, 60_000);
  afterAll(() => emu?.close());

  async function addItem(title: string, type = 'Web Map', folder?: string): Promise<string> {
    const added = await session.request<{ id: string }>(`${session.restUrl}/content/users/${admin()}${folder ? `/${folder}` : ''}/addItem`, { title, type, text: '{}' }, { httpMethod: 'POST' });
    return added.id;
  }

  it('reads the bin from portals/self: on, off, absent', async () => {
    expect(recycleBinState(await getPortalSelf({ session }))).toEqual({ supported: true, enabled: true });
    await control(emu, 'recycle-bin', { mode: 'disabled' });
    expect(recycleBinState(await getPortalSelf({ session }))).toEqual({ supported: true, enabled: false });
    await control(emu, 'recycle-bin', { mode: 'unsupported' });
    expect(recycleBinState(await getPortalSelf({ session }))).toEqual({ supported: false, enabled: false });
    await control(emu, 'recycle-bin', { mode: 'enabled' });
    // Enterprise says nothing of a bin; an Online answer without the fields has none either.
    expect(recycleBinState({ isPortal: true, recycleBinEnabled: true })).toEqual({ supported: false, enabled: false });
    expect(recycleBinState({})).toEqual({ supported: false, enabled: false });
  });

  it('deletes to the bin by default and for good with permanentDelete', async () => {
    const kept = await addItem('Goes to the bin');
    const gone = await addItem('Deleted for good');
    await deleteItem({ session, owner: admin(), id: kept });
    await deleteItem({ session, owner: admin(), id: gone, permanentDelete: true });
    expect(state().recycleBin.has(kept)).toBe(true);
    expect(state().recycleBin.has(gone)).toBe(false);
    expect(state().items.has(gone)).toBe(false);
    expect(lastRequests(2)).toEqual(['POST content/users/items/delete 200', 'POST content/users/items/delete 200']);
  });

  it('canRecycle: yes for a plain item; no with the views in offendingItems; no without them for a type the bin does not take', async () => {
    const plain = await addItem('Plain map');
    expect(await canRecycleItem({ session, owner: admin(), id: plain })).toEqual({ ok: true });
    const layer = [...state().items.values()].find((i) => i.json.title === 'Bike Lanes' && i.json.type === 'Feature Service')!;
    const view = [...state().items.values()].find((i) => i.json.title === 'Protected Bike Lanes')!;
    const refused = await canRecycleItem({ session, owner: layer.json.owner, id: layer.json.id });
    expect(refused).toMatchObject({ ok: false, offendingItems: [{ itemId: view.json.id }] });
    const site = await addItem('Hub site', 'Hub Site Application');
    const unsupported = await canRecycleItem({ session, owner: admin(), id: site });
    expect(unsupported).toMatchObject({ ok: false, messageCode: 'CONT_0298', offendingItems: [] });
    expect(lastRequests(1)).toEqual(['GET content/users/items/canRecycle 200']);
    // A hostile id stays one path segment: the item is not found, no other endpoint is reached.
    await expect(canRecycleItem({ session, owner: admin(), id: `${plain}/../../../community/self` })).rejects.toMatchObject({ kind: 'not_found' });
    expect(lastRequests(1)[0]).toMatch(/^GET content\/users\/items\/canRecycle /);
  });

  it('canRestore names the source a view waits for; restore brings items back with their ids, into a folder when asked', async () => {
    const layer = [...state().items.values()].find((i) => i.json.title === 'Bike Lanes' && i.json.type === 'Feature Service')!;
    const view = [...state().items.values()].find((i) => i.json.title === 'Protected Bike Lanes')!;
    const owner = layer.json.owner;
    const folder = [...state().folders.values()].find((f) => f.username === owner)!;
    for (const item of [view, layer]) await deleteItem({ session, owner, id: item.json.id });
    const waits = await canRestoreItem({ session, owner, id: view.json.id });
    expect(waits).toMatchObject({ ok: false, messageCode: 'CONT_00486', offendingItems: [{ itemId: layer.json.id }] });
    expect(await canRestoreItem({ session, owner, id: layer.json.id })).toEqual({ ok: true });
    await restoreRecycledItem({ session, owner, id: layer.json.id, folder: folder.id });
    await restoreRecycledItem({ session, owner, id: view.json.id });
    expect(lastRequests(2)).toEqual(['POST content/users/items/restore 200', 'POST content/users/items/restore 200']);
    expect(state().items.get(layer.json.id)?.json.ownerFolder).toBe(folder.id);
    expect(state().items.get(view.json.id)?.json.ownerFolder ?? null).toBeNull();
    // Not in the bin (any more): "does not exist".
    await expect(canRestoreItem({ session, owner, id: 'f'.repeat(32) })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('lists a user’s whole bin page by page, and empties an item of it for good', async () => {
    const before = (await listRecycleBin({ session, username: admin() })).length;
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push(await addItem(`Bin item ${i}`));
    for (const id of ids) await deleteItem({ session, owner: admin(), id });
    const listed = await listRecycleBin({ session, username: admin() });
    expect(listed.length).toBe(before + 105);
    expect(new Set(listed.map((i) => i.id)).size).toBe(listed.length);
    expect(lastRequests(2)).toEqual(['GET content/users 200', 'GET content/users 200']);
    await purgeRecycledItem({ session, owner: admin(), id: ids[0]! });
    expect(state().recycleBin.has(ids[0]!)).toBe(false);
    expect(state().items.has(ids[0]!)).toBe(false);
  }, 60_000);
});
