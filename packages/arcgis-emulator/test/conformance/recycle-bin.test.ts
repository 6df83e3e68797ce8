import { createFolder, createItem, getItem, getItemData, getSelf, isServiceNameAvailable, removeItem, searchItems } from '@esri/arcgis-rest-portal';
import { type ArcGISIdentityManager, ArcGISRequestError, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';
import { createTreesService } from '../support/feature-fixtures.js';

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error
  );
  expect(e).toBeInstanceOf(ArcGISRequestError);
  return e as ArcGISRequestError & { response: { itemId?: string; error: { code: number; messageCode?: string; offendingItems?: { itemId: string }[] } } };
};

/**
 * The recycle bin driven by Esri's own client. @esri/arcgis-rest-portal 4.x has no recycle bin functions: deletes go
 * through `removeItem` with `params: { permanentDelete }`, the bin's operations through `request()` (as the ArcGIS
 * API for Python calls them). Answers with an `error` member (canRecycle/canRestore/restore refusals) make
 * `request()` reject with ArcGISRequestError, whose `response` keeps the whole answer.
 */
describe("the recycle bin with Esri's client (online)", () => {
  let emu: EmulatorHandle;
  let session: ArcGISIdentityManager;
  let owner: string;
  let users: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    session = await signInAsAdmin(emu);
    owner = emu.admin.username;
    users = `${emu.restUrl}/content/users/${owner}`;
  });
  afterAll(async () => {
    await emu.close();
  });

  it('getSelf reports the bin', async () => {
    const self = await getSelf({ authentication: session });
    expect(self).toMatchObject({ recycleBinSupported: true, recycleBinEnabled: true });
  });

  it('removeItem moves an item to the bin; getItem and searchItems no longer find it; restore brings it back with its id', async () => {
    const created = await createItem({ authentication: session, item: { title: 'Conformance bin map', type: 'Web Map', tags: ['bin-conformance'] }, text: { operationalLayers: [], version: '2.31' } } as never);
    const id = created.id;
    const removed = await removeItem({ id, owner, authentication: session, params: { permanentDelete: false } });
    expect(removed).toEqual({ success: true, itemId: id });
    const missing = await failure(getItem(id, { authentication: session }));
    expect(missing.code).toBe('CONT_0001');
    expect((await searchItems({ q: 'tags:bin-conformance', authentication: session })).total).toBe(0);

    // what the ArcGIS API for Python's RecycleBin.content sends
    const bin = await request(users, { authentication: session, httpMethod: 'GET', params: { inRecycleBin: true, foldersContent: true, start: 1, num: 20, sortField: 'modified', sortOrder: 'desc' } });
    expect(bin.items.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(await request(`${users}/items/${id}/canRestore`, { authentication: session, httpMethod: 'GET' })).toEqual({ itemId: id, success: true });

    const folder = await createFolder({ title: 'Back from the bin', authentication: session });
    const restored = await request(`${users}/items/${id}/restore`, { authentication: session, params: { folder: folder.folder.id } });
    expect(restored).toEqual({ itemId: id, success: true });
    const item = await getItem(id, { authentication: session });
    expect(item).toMatchObject({ id, ownerFolder: folder.folder.id });
    expect(await getItemData(id, { authentication: session })).toEqual({ operationalLayers: [], version: '2.31' });
  });

  it('removeItem with permanentDelete deletes for good, also from the bin (as RecycleItem.delete does)', async () => {
    const a = (await createItem({ authentication: session, item: { title: 'Gone at once', type: 'Web Map' } })).id;
    expect(await removeItem({ id: a, owner, authentication: session, params: { permanentDelete: true } })).toEqual({ success: true, itemId: a });
    expect((await failure(request(`${users}/items/${a}/canRestore`, { authentication: session, httpMethod: 'GET' }))).code).toBe('CONT_0001');

    const b = (await createItem({ authentication: session, item: { title: 'Binned first', type: 'Web Map' } })).id;
    await removeItem({ id: b, owner, authentication: session });
    expect(await removeItem({ id: b, owner, authentication: session, params: { permanentDelete: true } })).toEqual({ success: true, itemId: b });
    const bin = await request(users, { authentication: session, httpMethod: 'GET', params: { inRecycleBin: true, foldersContent: true } });
    expect(bin.items.map((i: { id: string }) => i.id)).not.toContain(b);
  });

  it('canRecycle refuses an unsupported type as Esri documents (CONT_0298), and the service name of a layer in the bin stays taken', async () => {
    const site = (await createItem({ authentication: session, item: { title: 'A hub site', type: 'Hub Site Application' }, text: {} } as never)).id;
    const refused = await failure(request(`${users}/items/${site}/canRecycle`, { authentication: session, httpMethod: 'GET' }));
    expect(refused.response).toMatchObject({ itemId: site, success: false, error: { code: 400, messageCode: 'CONT_0298', offendingItems: [] } });

    createTreesService(emu);
    const treesId = emu.context.state.getService('Trees')!.itemId;
    expect(await request(`${users}/items/${treesId}/canRecycle`, { authentication: session, httpMethod: 'GET' })).toEqual({ itemId: treesId, success: true });
    await removeItem({ id: treesId, owner, authentication: session });
    expect(await isServiceNameAvailable('Trees', 'Feature Service', session)).toEqual({ available: false });
    await request(`${users}/items/${treesId}/restore`, { authentication: session });
    expect((await getItem(treesId, { authentication: session })).id).toBe(treesId);
  });
});
