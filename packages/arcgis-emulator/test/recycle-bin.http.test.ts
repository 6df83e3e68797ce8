/**
 * ArcGIS Online's recycle bin over raw HTTP: what Esri's REST reference (recycle bin reference, Delete Item, Delete
 * Items, Can Recycle Item, Can Restore, Restore), ArcGIS Online's "Delete items" page and the ArcGIS API for Python's
 * RecycleBin say, and ArcGIS Enterprise left as it was. Conformance with Esri's JS client: conformance/recycle-bin.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorOptions } from '../src/index.js';
import { DEMO_EXPECTATIONS, DEMO_SERVICE_NAMES } from '../src/seed/demo-expectations.js';
import { type UserRecord } from '../src/state/types.js';
import { addTestGroup, addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { createTreesService, serviceUrlOf, tokenFor, TREE_COUNT } from './support/feature-fixtures.js';

type Body = Record<string, unknown>;
type ErrorBody = { code: number; message: string; details?: string[]; messageCode?: string; offendingItems?: Body[] };
const errorOf = (body: Body) => body.error as ErrorBody | undefined;
const HOUR = 3600 * 1000;

/** An emulator with the admin's token and small helpers around it. */
async function harness(options: EmulatorOptions = {}) {
  const emu = await startTestEmulator({ seed: 'empty', ...options });
  const token = await tokenFor(emu, emu.admin.username, emu.admin.password);
  const users = `${emu.restUrl}/content/users`;
  const post = async (url: string, params: Record<string, string | number | boolean> = {}, as = token) =>
    (await rawRequest(url, { ...params, token: as }, { method: 'POST' })).body as Body;
  const get = async (url: string, params: Record<string, string | number | boolean> = {}, as: string | null = token) =>
    (await rawRequest(url, as ? { ...params, token: as } : params)).body as Body;
  const addItem = async (owner: string, params: Record<string, string | number | boolean>, as = token) => {
    const added = await post(`${users}/${owner}/addItem`, { title: 'An item', type: 'Web Map', text: JSON.stringify({ operationalLayers: [] }), ...params }, as);
    expect(added, JSON.stringify(added)).toMatchObject({ success: true });
    return added.id as string;
  };
  const control = async (path: string, params: Record<string, string | number> = {}, method: 'GET' | 'POST' = 'POST') =>
    (await rawRequest(`${new URL(emu.portalUrl).origin}/__emulator/${path}`, params, { method })).body as Body;
  const advanceHours = (hours: number) => control('clock', { advanceMs: hours * HOUR });
  const binIds = async (owner = emu.admin.username, as = token) =>
    ((await get(`${users}/${owner}`, { inRecycleBin: true, foldersContent: true, num: 100 }, as)).items as Body[]).map((i) => i.id as string);
  return { emu, token, users, post, get, addItem, control, advanceHours, binIds };
}

describe('portals/self reports the recycle bin', () => {
  const cases: [string, EmulatorOptions, Body, string[]][] = [
    ['the demo org (on, as for organizations created since June 2024)', { seed: 'demo' }, { recycleBinSupported: true, recycleBinEnabled: true }, []],
    ['an older organization that did not opt in', { recycleBin: 'disabled' }, { recycleBinSupported: true, recycleBinEnabled: false }, []],
    ['an organization type without a bin (recycleBinEnabled is not returned)', { recycleBin: 'unsupported' }, { recycleBinSupported: false }, ['recycleBinEnabled']],
    ['ArcGIS Enterprise (no recycle bin at all)', { kind: 'enterprise' }, {}, ['recycleBinSupported', 'recycleBinEnabled']]
  ];
  for (const [name, options, expected, absent] of cases) {
    it(name, async () => {
      const emu = await startTestEmulator({ seed: 'empty', ...options });
      try {
        const self = (await rawRequest(`${emu.restUrl}/portals/self`)).body as Body;
        expect(self).toMatchObject(expected);
        for (const key of absent) expect(self).not.toHaveProperty(key);
      } finally {
        await emu.close();
      }
    });
  }

  it('a seed file turns it off, and the control route switches it at runtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-bin-seed-'));
    const file = join(dir, 'old-org.json');
    writeFileSync(file, JSON.stringify({ format: 'arcgis-emulator-seed/1', recycleBin: { enabled: false } }));
    const h = await harness({ seed: file });
    try {
      expect(await h.get(`${h.emu.restUrl}/portals/self`)).toMatchObject({ recycleBinSupported: true, recycleBinEnabled: false });
      expect(await h.control('recycle-bin', { enabled: 'true' })).toMatchObject({ supported: true, enabled: true, retentionMs: 336 * HOUR, items: [] });
      expect(await h.get(`${h.emu.restUrl}/portals/self`)).toMatchObject({ recycleBinSupported: true, recycleBinEnabled: true });
      expect(await h.control('recycle-bin', { mode: 'unsupported' })).toMatchObject({ supported: false, enabled: false });
      expect(await h.get(`${h.emu.restUrl}/portals/self`)).not.toHaveProperty('recycleBinEnabled');
      // bad input says what is wrong
      expect(errorOf(await h.control('recycle-bin', { enabled: 'yes' }))!.message).toMatch(/enabled must be true or false/);
      expect(errorOf(await h.control('recycle-bin', { retention: '1' }))!.message).toMatch(/Unknown recycle bin setting: retention/);
    } finally {
      await h.emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a seed file or option that gives ArcGIS Enterprise a recycle bin', async () => {
    await expect(startTestEmulator({ kind: 'enterprise', recycleBin: 'enabled' })).rejects.toThrow(/ArcGIS Enterprise has no recycle bin/);
    const dir = mkdtempSync(join(tmpdir(), 'emu-bin-seed-'));
    const file = join(dir, 'enterprise.json');
    writeFileSync(file, JSON.stringify({ recycleBin: { enabled: true } }));
    try {
      await expect(startTestEmulator({ kind: 'enterprise', seed: file })).rejects.toThrow(/recycleBin: ArcGIS Enterprise has no recycle bin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deleting to the recycle bin and restoring (online)', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let alice: UserRecord;
  let aliceToken: string;
  let bob: UserRecord;
  let bobToken: string;

  beforeAll(async () => {
    h = await harness();
    alice = addTestUser(h.emu, 'alice_bin', 'org_publisher');
    aliceToken = await tokenFor(h.emu, alice.username, alice.password);
    bob = addTestUser(h.emu, 'bob_bin', 'org_publisher');
    bobToken = await tokenFor(h.emu, bob.username, bob.password);
  });
  afterAll(async () => {
    await h.emu.close();
  });

  it('moves an item to the bin: gone from reads, search, listings and groups; listed in the bin; restored with its id', async () => {
    const group = addTestGroup(h.emu, alice, 'Bin watchers', [bob.username]);
    const data = JSON.stringify({ operationalLayers: [{ id: 'a', title: 'A layer' }], version: '2.31' });
    const id = await h.addItem(alice.username, { title: 'Parks map (bin)', text: data, categories: '/Categories/Parks', tags: 'bin-test' }, aliceToken);
    await h.post(`${h.users}/${alice.username}/items/${id}/addResources`, { fileName: 'notes.json', text: '{"a":1}' }, aliceToken);
    expect(await h.post(`${h.users}/${alice.username}/items/${id}/share`, { everyone: false, org: true, groups: group.id }, aliceToken)).toMatchObject({ notSharedWith: [] });
    const before = await h.get(`${h.emu.restUrl}/content/items/${id}`, {}, aliceToken);
    expect(before).toMatchObject({ access: 'org', categories: ['/Categories/Parks'] });
    const sizeBefore = (await h.get(`${h.emu.restUrl}/portals/self`)).storageUsage as number;

    expect(await h.get(`${h.users}/${alice.username}/items/${id}/canRecycle`, {}, aliceToken)).toEqual({ itemId: id, success: true });
    // permanentDelete defaults to false: the item goes to the bin
    expect(await h.post(`${h.users}/${alice.username}/items/${id}/delete`, {}, aliceToken)).toEqual({ success: true, itemId: id });

    // not readable as an item (as a deleted item answers), not found by search, not in content listings nor its group
    expect(errorOf(await h.get(`${h.emu.restUrl}/content/items/${id}`, {}, aliceToken))).toMatchObject({ code: 400, messageCode: 'CONT_0001' });
    expect(errorOf(await h.get(`${h.emu.restUrl}/content/items/${id}/data`, {}, aliceToken))).toMatchObject({ messageCode: 'CONT_0001' });
    expect((await h.get(`${h.emu.restUrl}/search`, { q: 'tags:bin-test' }, aliceToken)).total).toBe(0);
    expect((await h.get(`${h.emu.restUrl}/search`, { q: `id:${id}` })).total).toBe(0);
    expect(((await h.get(`${h.users}/${alice.username}`, {}, aliceToken)).items as Body[]).map((i) => i.id)).not.toContain(id);
    expect(((await h.get(`${h.emu.restUrl}/content/groups/${group.id}/search`, { q: '' }, bobToken)).results as Body[]).map((i) => i.id)).not.toContain(id);
    // items in the bin still cost storage
    expect((await h.get(`${h.emu.restUrl}/portals/self`)).storageUsage).toBe(sizeBefore);

    // the ArcGIS API for Python's listing of the user's bin
    const listed = await h.get(`${h.users}/${alice.username}`, { inRecycleBin: true, foldersContent: true, start: 1, num: 20, sortField: 'modified', sortOrder: 'desc' }, aliceToken);
    expect(listed).toMatchObject({ username: alice.username, total: 1, start: 1, nextStart: -1 });
    expect((listed.items as Body[])[0]).toMatchObject({ id, title: 'Parks map (bin)', type: 'Web Map', owner: alice.username, categories: [] });
    // the control route tells who deleted it and when it goes
    const bin = (await h.control('recycle-bin', {}, 'GET')).items as Body[];
    const entry = bin.find((e) => e.itemId === id)!;
    expect(entry).toMatchObject({ owner: alice.username, deletedBy: alice.username });
    expect((entry.purgeAt as number) - (entry.deletedAt as number)).toBe(336 * HOUR);

    expect(await h.get(`${h.users}/${alice.username}/items/${id}/canRestore`, {}, aliceToken)).toEqual({ itemId: id, success: true });
    expect(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, {}, aliceToken)).toEqual({ itemId: id, success: true });

    // same id, data and resources; the root folder; categories gone; shared with its owner only
    const after = await h.get(`${h.emu.restUrl}/content/items/${id}`, {}, aliceToken);
    expect(after).toMatchObject({ id, title: 'Parks map (bin)', ownerFolder: null, categories: [], access: 'private' });
    expect((await rawRequest(`${h.emu.restUrl}/content/items/${id}/data`, { token: aliceToken })).text).toBe(data);
    expect(((await h.get(`${h.emu.restUrl}/content/items/${id}/resources`, {}, aliceToken)).resources as Body[]).map((r) => r.resource)).toEqual(['notes.json']);
    expect(await h.get(`${h.emu.restUrl}/content/items/${id}/groups`, {}, aliceToken)).toEqual({ admin: [], member: [], other: [] });
    expect(errorOf(await h.get(`${h.emu.restUrl}/content/items/${id}`, {}, bobToken))).toMatchObject({ code: 403 });
    expect((await h.get(`${h.emu.restUrl}/search`, { q: 'tags:bin-test' }, aliceToken)).total).toBe(1);
    expect(await h.binIds(alice.username, aliceToken)).toEqual([]);
  });

  it('restores into a folder of the owner, and refuses a folder that is not theirs', async () => {
    const folder = (await h.post(`${h.users}/${alice.username}/createFolder`, { title: 'Restored here' }, aliceToken)).folder as Body;
    const bobFolder = (await h.post(`${h.users}/${bob.username}/createFolder`, { title: 'Not alice' }, bobToken)).folder as Body;
    const id = await h.addItem(alice.username, { title: 'Into a folder' }, aliceToken);
    await h.post(`${h.users}/${alice.username}/items/${id}/delete`, {}, aliceToken);
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, { folder: bobFolder.id as string }, aliceToken))).toMatchObject({ messageCode: 'CONT_0002' });
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, { folder: 'Restored here' }, aliceToken))).toMatchObject({ messageCode: 'CONT_0002' });
    expect(await h.binIds(alice.username, aliceToken)).toContain(id);
    expect(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, { folder: folder.id as string }, aliceToken)).toEqual({ itemId: id, success: true });
    const inFolder = await h.get(`${h.users}/${alice.username}/${folder.id as string}`, {}, aliceToken);
    expect((inFolder.items as Body[]).map((i) => i.id)).toEqual([id]);
    expect(await h.get(`${h.emu.restUrl}/content/items/${id}`, {}, aliceToken)).toMatchObject({ ownerFolder: folder.id });
  });

  it('lists only the caller\'s own bin, or a member\'s for an administrator; others cannot restore or delete it', async () => {
    const id = await h.addItem(alice.username, { title: 'Private loss' }, aliceToken);
    await h.post(`${h.users}/${alice.username}/items/${id}/delete`, {}, aliceToken);
    expect(errorOf(await h.get(`${h.users}/${alice.username}`, { inRecycleBin: true }, bobToken))).toMatchObject({ code: 403 });
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, {}, bobToken))).toMatchObject({ messageCode: 'CONT_0001' });
    expect(errorOf(await h.get(`${h.users}/${alice.username}/items/${id}/canRestore`, {}, bobToken))).toMatchObject({ messageCode: 'CONT_0001' });
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/${id}/delete`, { permanentDelete: true }, bobToken))).toMatchObject({ messageCode: 'CONT_0001' });
    // nor may they ask whether someone else's item can be recycled
    const live = await h.addItem(alice.username, { title: 'Not bob\'s' }, aliceToken);
    expect(errorOf(await h.get(`${h.users}/${alice.username}/items/${live}/canRecycle`, {}, bobToken))).toMatchObject({ messageCode: 'CONT_0001' });
    // an administrator manages members' bins: lists it and restores from it
    expect(await h.binIds(alice.username)).toContain(id);
    expect(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, {})).toEqual({ itemId: id, success: true });
    // the Python API's listing pages and sorts the bin
    const ids = [];
    for (const title of ['b-second', 'a-first', 'c-third']) {
      const added = await h.addItem(bob.username, { title }, bobToken);
      await h.post(`${h.users}/${bob.username}/items/${added}/delete`, {}, bobToken);
      ids.push(added);
    }
    const page1 = await h.get(`${h.users}/${bob.username}`, { inRecycleBin: true, foldersContent: true, sortField: 'title', sortOrder: 'asc', num: 2 }, bobToken);
    expect(page1).toMatchObject({ total: 3, nextStart: 3 });
    expect((page1.items as Body[]).map((i) => i.title)).toEqual(['a-first', 'b-second']);
    const page2 = await h.get(`${h.users}/${bob.username}`, { inRecycleBin: true, foldersContent: true, sortField: 'title', sortOrder: 'asc', num: 2, start: 3 }, bobToken);
    expect(page2).toMatchObject({ total: 3, nextStart: -1 });
    expect(errorOf(await h.get(`${h.users}/${bob.username}`, { inRecycleBin: true, sortField: 'colour' }, bobToken))!.details![0]).toMatch(/'sortField' must be one of/);
  });

  it('keeps a hosted layer\'s service and rows in the bin, its name taken, and brings them back with the item', async () => {
    createTreesService(h.emu);
    const trees = serviceUrlOf(h.emu, 'Trees');
    const itemId = h.emu.context.state.getService('Trees')!.itemId;
    expect(await h.post(`${h.users}/${h.emu.admin.username}/items/${itemId}/delete`)).toEqual({ success: true, itemId });
    // the service answers as missing, but its name stays reserved
    expect(errorOf(await h.get(`${trees}/0/query`, { where: '1=1', returnCountOnly: true }))).toBeDefined();
    expect(await h.get(`${h.emu.restUrl}/portals/self/isServiceNameAvailable`, { name: 'Trees', type: 'Feature Service' })).toEqual({ available: false });
    const again = await h.post(`${h.users}/${h.emu.admin.username}/createService`, {
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Trees', capabilities: 'Query' })
    });
    expect(errorOf(again)).toMatchObject({ code: 409, message: `Service name 'Trees' already exists for '${h.emu.orgId}'` });

    expect(await h.post(`${h.users}/${h.emu.admin.username}/items/${itemId}/restore`)).toEqual({ itemId, success: true });
    expect(await h.get(`${trees}/0/query`, { where: '1=1', returnCountOnly: true })).toEqual({ count: TREE_COUNT });
    expect((await h.get(`${trees}/0/1/attachments`)).attachmentInfos).toHaveLength(1);
  });

  it('answers canRestore and restore for items that are not in the bin', async () => {
    const id = await h.addItem(alice.username, { title: 'Alive' }, aliceToken);
    const can = await h.get(`${h.users}/${alice.username}/items/${id}/canRestore`, {}, aliceToken);
    expect(can).toMatchObject({ itemId: id, success: false, error: { code: 400 } });
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/${id}/restore`, {}, aliceToken))!.message).toMatch(/not in the recycle bin/);
    expect(errorOf(await h.post(`${h.users}/${alice.username}/items/0123456789abcdef0123456789abcdef/restore`, {}, aliceToken))).toMatchObject({ messageCode: 'CONT_0001' });
  });
});

describe('views and their source in the recycle bin (online)', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let sourceId: string;
  let viewId: string;
  const view = () => serviceUrlOf(h.emu, 'Trees_bin_view');

  beforeAll(async () => {
    h = await harness();
    createTreesService(h.emu);
    sourceId = h.emu.context.state.getService('Trees')!.itemId;
    const created = await h.post(`${h.users}/${h.emu.admin.username}/createService`, {
      isView: true,
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Trees_bin_view', isView: true, capabilities: 'Query' })
    });
    viewId = created.itemId as string;
    await h.post(`${(created.serviceurl as string).replace('/rest/services', '/rest/admin/services')}/addToDefinition`, {
      addToDefinition: JSON.stringify({ layers: [{ name: 'Trees', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId: 0 } } }] })
    });
  });
  afterAll(async () => {
    await h.emu.close();
  });

  it('will not recycle a source while a view of it is outside the bin', async () => {
    const admin = `${h.users}/${h.emu.admin.username}`;
    const can = await h.get(`${admin}/items/${sourceId}/canRecycle`);
    expect(can).toMatchObject({ itemId: sourceId, success: false, error: { code: 400, offendingItems: [{ itemId: viewId, title: 'Trees_bin_view', type: 'Feature Service' }] } });
    expect(errorOf(await h.post(`${admin}/items/${sourceId}/delete`))).toMatchObject({ messageCode: 'CONT_00481' });
    expect(h.emu.context.state.items.has(sourceId)).toBe(true);
  });

  it('recycles the view, then the source; refuses to delete the source for good while its view is in the bin', async () => {
    const admin = `${h.users}/${h.emu.admin.username}`;
    expect(await h.post(`${admin}/items/${viewId}/delete`)).toEqual({ success: true, itemId: viewId });
    expect(await h.get(`${admin}/items/${sourceId}/canRecycle`)).toEqual({ itemId: sourceId, success: true });
    // the view in the bin still holds on to its source layer, which would be missing when it comes back
    const adminTrees = serviceUrlOf(h.emu, 'Trees').replace('/rest/services', '/rest/admin/services');
    const layerGone = await h.post(`${adminTrees}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ layers: [{ id: 0 }] }) });
    expect(errorOf(layerGone)!.details![0]).toMatch(/source of the views 'Trees_bin_view'/);
    const permanent = errorOf(await h.post(`${admin}/items/${sourceId}/delete`, { permanentDelete: true }));
    expect(permanent).toMatchObject({ messageCode: 'CONT_00481', offendingItems: [{ itemId: viewId }] });
    expect(permanent!.details![0]).toMatch(/in the recycle bin/);
    expect(await h.post(`${admin}/items/${sourceId}/delete`)).toEqual({ success: true, itemId: sourceId });
    expect(await h.binIds()).toEqual([viewId, sourceId]);
  });

  it('will not restore the view before its source (CONT_00486, then CONT_0295 naming the source)', async () => {
    const admin = `${h.users}/${h.emu.admin.username}`;
    expect(await h.get(`${admin}/items/${viewId}/canRestore`)).toEqual({
      itemId: viewId,
      success: false,
      error: {
        code: 400,
        messageCode: 'CONT_00486',
        message: 'Unable to restore item. This service item has a required related Service item in recycle bin.',
        offendingItems: [{ itemId: sourceId, title: 'City trees', type: 'Feature Service' }]
      }
    });
    // while in the bin the view answers as missing, and no new view can be made of the source
    expect(errorOf(await h.get(`${view()}/0/query`, { where: '1=1', returnCountOnly: true }))).toBeDefined();
    const another = await h.post(`${h.users}/${h.emu.admin.username}/createService`, {
      isView: true,
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Trees_late_view', isView: true, capabilities: 'Query' })
    });
    const refused = await h.post(`${(another.serviceurl as string).replace('/rest/services', '/rest/admin/services')}/addToDefinition`, {
      addToDefinition: JSON.stringify({ layers: [{ name: 'Trees', adminLayerInfo: { viewLayerDefinition: { sourceServiceName: 'Trees', sourceLayerId: 0 } } }] })
    });
    expect(JSON.stringify(errorOf(refused))).toMatch(/in the recycle bin/);
    expect(await h.post(`${admin}/items/${viewId}/restore`)).toEqual({
      itemId: viewId,
      success: false,
      error: { code: 500, messageCode: 'CONT_0295', message: `Unable to restore item: ${sourceId}.`, details: [`Unable to restore item from recycle bin: ${sourceId}`] }
    });
    expect(await h.binIds()).toContain(viewId);
  });

  it('restores the source then the view, which shows its rows again', async () => {
    const admin = `${h.users}/${h.emu.admin.username}`;
    expect(await h.post(`${admin}/items/${sourceId}/restore`)).toEqual({ itemId: sourceId, success: true });
    expect(await h.get(`${admin}/items/${viewId}/canRestore`)).toEqual({ itemId: viewId, success: true });
    expect(await h.post(`${admin}/items/${viewId}/restore`)).toEqual({ itemId: viewId, success: true });
    expect(await h.get(`${view()}/0/query`, { where: '1=1', returnCountOnly: true })).toEqual({ count: TREE_COUNT });
    const related = await h.get(`${h.emu.restUrl}/content/items/${viewId}/relatedItems`, { relationshipType: 'Service2Data', direction: 'forward' });
    expect((related.relatedItems as Body[]).map((i) => i.id)).toEqual([sourceId]);
  });
});

describe('delete choices (online)', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    await h.emu.close();
  });

  it('deleteItems sends supported items to the bin and deletes unsupported types for good', async () => {
    const owner = h.emu.admin.username;
    const map = await h.addItem(owner, { title: 'Supported map' });
    const site = await h.addItem(owner, { title: 'Hub site', type: 'Hub Site Application', text: '{}' });
    expect(await h.get(`${h.users}/${owner}/items/${site}/canRecycle`)).toEqual({
      itemId: site,
      success: false,
      error: { code: 400, messageCode: 'CONT_0298', message: `Unable to recycle item ${site}. Item is part of an unsupported relationship type or item type.`, offendingItems: [] }
    });
    const missing = '0123456789abcdef0123456789abcdef';
    const answer = await h.post(`${h.users}/${owner}/deleteItems`, { items: `${map},${site},${missing}`, permanentDelete: false });
    expect(answer.results).toEqual([
      { itemId: map, success: true },
      { itemId: site, success: true },
      { itemId: missing, success: false, error: expect.objectContaining({ code: 400, messageCode: 'CONT_0001' }) }
    ]);
    expect(await h.binIds()).toEqual([map]);
    expect(h.emu.context.state.recycleBin.has(site) || h.emu.context.state.items.has(site)).toBe(false);
    expect(errorOf(await h.get(`${h.users}/${owner}/items/${site}/canRestore`))).toMatchObject({ messageCode: 'CONT_0001' });
    // at most 100 ids
    const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0')).join(',');
    expect(errorOf(await h.post(`${h.users}/${owner}/deleteItems`, { items: many }))!.details![0]).toMatch(/At most 100 items/);
  });

  it('items related by a relationship that deletes its destination are not supported either', async () => {
    const owner = h.emu.admin.username;
    const app = await h.addItem(owner, { title: 'App with code', type: 'Web Mapping Application', text: '{}' });
    const code = await h.addItem(owner, { title: 'App code', type: 'Code Attachment', text: '{}' });
    expect(await h.post(`${h.users}/${owner}/addRelationship`, { originItemId: app, destinationItemId: code, relationshipType: 'WMA2Code' })).toEqual({ success: true });
    expect(await h.get(`${h.users}/${owner}/items/${app}/canRecycle`)).toMatchObject({ success: false, error: { messageCode: 'CONT_0298' } });
    expect(await h.post(`${h.users}/${owner}/items/${app}/delete`)).toEqual({ success: true, itemId: app });
    for (const id of [app, code]) expect(h.emu.context.state.items.has(id) || h.emu.context.state.recycleBin.has(id)).toBe(false);
  });

  it('a web map goes to the bin but its offline map areas and their packages are deleted at once', async () => {
    const owner = h.emu.admin.username;
    const map = await h.addItem(owner, { title: 'Offline map' });
    const area = await h.addItem(owner, { title: 'Downtown area', type: 'Map Area', text: '{}' });
    const pkg = await h.addItem(owner, { title: 'Downtown tiles', type: 'Tile Package', text: '{}' });
    expect(await h.post(`${h.users}/${owner}/addRelationship`, { originItemId: map, destinationItemId: area, relationshipType: 'Map2Area' })).toEqual({ success: true });
    expect(await h.post(`${h.users}/${owner}/addRelationship`, { originItemId: area, destinationItemId: pkg, relationshipType: 'Area2Package' })).toEqual({ success: true });
    expect(await h.post(`${h.users}/${owner}/items/${map}/delete`)).toEqual({ success: true, itemId: map });
    expect(await h.binIds()).toContain(map);
    for (const id of [area, pkg]) expect(h.emu.context.state.items.has(id) || h.emu.context.state.recycleBin.has(id)).toBe(false);
  });

  it('permanentDelete=true deletes for good; the bin is emptied item by item as the Python API does', async () => {
    const owner = h.emu.admin.username;
    const gone = await h.addItem(owner, { title: 'Gone for good' });
    expect(await h.post(`${h.users}/${owner}/items/${gone}/delete`, { permanentDelete: true })).toEqual({ success: true, itemId: gone });
    expect(await h.binIds()).not.toContain(gone);
    const binned = await h.addItem(owner, { title: 'Binned then emptied' });
    await h.post(`${h.users}/${owner}/items/${binned}/delete`);
    // a plain delete does not reach an item in the bin
    expect(errorOf(await h.post(`${h.users}/${owner}/items/${binned}/delete`))).toMatchObject({ messageCode: 'CONT_0001' });
    expect(await h.post(`${h.users}/${owner}/items/${binned}/delete`, { permanentDelete: true })).toEqual({ success: true, itemId: binned });
    expect(await h.binIds()).not.toContain(binned);
    expect(errorOf(await h.post(`${h.users}/${owner}/items/${binned}/restore`))).toMatchObject({ messageCode: 'CONT_0001' });
  });

  it('purges an item 336 hours after it went to the bin (emulator clock), freeing its service name', async () => {
    const owner = h.emu.admin.username;
    const created = await h.post(`${h.users}/${owner}/createService`, {
      outputType: 'featureService',
      createParameters: JSON.stringify({ name: 'Short_lived', capabilities: 'Query', layers: [{ name: 'Points', geometryType: 'esriGeometryPoint', fields: [] }] })
    });
    const itemId = created.itemId as string;
    await h.post(`${h.users}/${owner}/items/${itemId}/delete`);
    // tokens expire too when the clock moves: sign in again after each jump
    await h.advanceHours(335);
    const later = await tokenFor(h.emu, owner, h.emu.admin.password);
    expect(await h.binIds(owner, later)).toContain(itemId);
    await h.advanceHours(1);
    const expired = await tokenFor(h.emu, owner, h.emu.admin.password);
    expect(await h.binIds(owner, expired)).not.toContain(itemId);
    expect(h.emu.context.state.getService('Short_lived')).toBeUndefined();
    expect(errorOf(await h.post(`${h.users}/${owner}/items/${itemId}/restore`, {}, expired))).toMatchObject({ messageCode: 'CONT_0001' });
    expect(await h.get(`${h.emu.restUrl}/portals/self/isServiceNameAvailable`, { name: 'Short_lived', type: 'Feature Service' }, expired)).toEqual({ available: true });
  });
});

describe('an organization whose recycle bin is off (online)', () => {
  for (const mode of ['disabled', 'unsupported'] as const) {
    it(`deletes permanently (${mode}); canRecycle says no; the bin listing is empty`, async () => {
      const h = await harness({ recycleBin: mode });
      try {
        const owner = h.emu.admin.username;
        createTreesService(h.emu);
        const itemId = h.emu.context.state.getService('Trees')!.itemId;
        const can = await h.get(`${h.users}/${owner}/items/${itemId}/canRecycle`);
        expect(can).toMatchObject({ itemId, success: false, error: { code: 400 } });
        expect((can.error as ErrorBody).message).toMatch(/recycle bin is not enabled/);
        expect(await h.post(`${h.users}/${owner}/items/${itemId}/delete`, { permanentDelete: false })).toEqual({ success: true, itemId });
        expect(h.emu.context.state.getService('Trees')).toBeUndefined();
        expect(await h.binIds()).toEqual([]);
        expect(await h.get(`${h.emu.restUrl}/portals/self/isServiceNameAvailable`, { name: 'Trees', type: 'Feature Service' })).toEqual({ available: true });
      } finally {
        await h.emu.close();
      }
    });
  }
});

describe('ArcGIS Enterprise has no recycle bin', () => {
  it('deletes permanently whatever permanentDelete says, and the bin operations are unknown URLs', async () => {
    const h = await harness({ kind: 'enterprise' });
    try {
      const owner = h.emu.admin.username;
      const id = await h.addItem(owner, { title: 'Enterprise map' });
      for (const [op, method] of [['canRecycle', 'GET'], ['canRestore', 'GET'], ['restore', 'POST']] as const) {
        const url = `${h.users}/${owner}/items/${id}/${op}`;
        const body = method === 'GET' ? await h.get(url) : await h.post(url);
        expect(errorOf(body), op).toMatchObject({ code: 400, message: 'Invalid URL' });
      }
      expect(await h.post(`${h.users}/${owner}/items/${id}/delete`, { permanentDelete: false })).toEqual({ success: true, itemId: id });
      expect(h.emu.context.state.items.has(id) || h.emu.context.state.recycleBin.has(id)).toBe(false);
      // inRecycleBin means nothing to Enterprise: the ordinary listing
      const listing = await h.get(`${h.users}/${owner}`, { inRecycleBin: true });
      expect((listing.items as Body[]).map((i) => i.type)).toContain('Application');
    } finally {
      await h.emu.close();
    }
  });
});

describe('the demo organization', () => {
  it('recycles the stand-alone view and its source, Bike Lanes, and restores them in order', async () => {
    const h = await harness({ seed: 'demo' });
    try {
      const ids = DEMO_EXPECTATIONS.ids;
      const bikeLanes = h.emu.context.state.getService(DEMO_SERVICE_NAMES.bikeLanes)!;
      const source = h.emu.context.state.items.get(bikeLanes.itemId)!;
      const viewItem = h.emu.context.state.items.get(ids['view-bike-lanes-protected'])!;
      const sourcePath = `${h.users}/${source.json.owner}`;
      const viewPath = `${h.users}/${viewItem.json.owner}`;
      expect(await h.get(`${sourcePath}/items/${source.json.id}/canRecycle`)).toMatchObject({ success: false, error: { offendingItems: [{ itemId: viewItem.json.id }] } });
      expect(await h.post(`${viewPath}/items/${viewItem.json.id}/delete`)).toMatchObject({ success: true });
      expect(await h.post(`${sourcePath}/items/${source.json.id}/delete`)).toMatchObject({ success: true });
      expect(await h.binIds(source.json.owner)).toContain(source.json.id);
      expect(await h.get(`${viewPath}/items/${viewItem.json.id}/canRestore`)).toMatchObject({ success: false, error: { messageCode: 'CONT_00486' } });
      expect(await h.post(`${sourcePath}/items/${source.json.id}/restore`)).toEqual({ itemId: source.json.id, success: true });
      expect(await h.post(`${viewPath}/items/${viewItem.json.id}/restore`)).toEqual({ itemId: viewItem.json.id, success: true });
      const count = await h.get(`${serviceUrlOf(h.emu, DEMO_SERVICE_NAMES.bikeLanes)}/0/query`, { where: '1=1', returnCountOnly: true });
      expect(count.count).toBeGreaterThan(0);
    } finally {
      await h.emu.close();
    }
  });
});

describe('--state-dir keeps the recycle bin', () => {
  it('an item and a hosted layer in the bin survive a restart, and are restored afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-bin-state-'));
    try {
      const a = await harness({ stateDir: dir });
      createTreesService(a.emu);
      const treesId = a.emu.context.state.getService('Trees')!.itemId;
      const mapId = await a.addItem(a.emu.admin.username, { title: 'Kept in the bin', text: '{"v":1}' });
      await a.post(`${a.users}/${a.emu.admin.username}/items/${treesId}/delete`);
      await a.post(`${a.users}/${a.emu.admin.username}/items/${mapId}/delete`);
      const before = (await a.control('recycle-bin', {}, 'GET')).items as Body[];
      await a.emu.close();

      const b = await harness({ stateDir: dir });
      try {
        expect((await b.control('recycle-bin', {}, 'GET')).items).toEqual(before);
        expect(await b.binIds()).toEqual([treesId, mapId]);
        expect(await b.get(`${b.emu.restUrl}/portals/self/isServiceNameAvailable`, { name: 'Trees', type: 'Feature Service' })).toEqual({ available: false });
        expect(await b.post(`${b.users}/${b.emu.admin.username}/items/${treesId}/restore`)).toEqual({ itemId: treesId, success: true });
        expect(await b.post(`${b.users}/${b.emu.admin.username}/items/${mapId}/restore`)).toEqual({ itemId: mapId, success: true });
        expect(await b.get(`${serviceUrlOf(b.emu, 'Trees')}/0/query`, { where: '1=1', returnCountOnly: true })).toEqual({ count: TREE_COUNT });
        expect((await rawRequest(`${b.emu.restUrl}/content/items/${mapId}/data`, { token: b.token })).text).toBe('{"v":1}');
      } finally {
        await b.emu.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
