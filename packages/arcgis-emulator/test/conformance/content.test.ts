import {
  addItemData,
  addItemRelationship,
  addItemResource,
  createFolder,
  createItem,
  createItemInFolder,
  getItem,
  getItemData,
  getItemGroups,
  getItemInfo,
  getItemMetadata,
  getItemResource,
  getItemResources,
  getItemStatus,
  getRelatedItems,
  getUserContent,
  moveItem,
  protectItem,
  reassignItem,
  removeFolder,
  removeItem,
  removeItemRelationship,
  removeItemResource,
  removeItemThumbnail,
  searchGroupContent,
  setItemAccess,
  shareItemWithGroup,
  unprotectItem,
  unshareItemWithGroup,
  updateItem,
  updateItemResource
} from '@esri/arcgis-rest-portal';
import { type ArcGISIdentityManager, ArcGISRequestError, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { type UserRecord } from '../../src/state/types.js';
import { addTestGroup, addTestUser, signInAs } from '../support/content-fixtures.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';

for (const kind of ['online', 'enterprise'] as const) {
  describe(`content with Esri's client (${kind})`, () => {
    let emu: EmulatorHandle;
    let admin: ArcGISIdentityManager;
    let alice: UserRecord;
    let aliceAuth: ArcGISIdentityManager;
    let bob: UserRecord;
    let bobAuth: ArcGISIdentityManager;

    beforeAll(async () => {
      emu = await startTestEmulator({ kind, seed: 'empty' });
      alice = addTestUser(emu, 'alice_pub', 'org_publisher');
      bob = addTestUser(emu, 'bob_user', 'org_user');
      admin = await signInAsAdmin(emu);
      aliceAuth = await signInAs(emu, alice);
      bobAuth = await signInAs(emu, bob);
    });
    afterAll(async () => {
      await emu?.close();
    });

    it('creates a JSON item, reads it back and its data, and counts views', async () => {
      const webmap = { operationalLayers: [], baseMap: { title: 'Topographic' }, version: '2.30' };
      const created = await createItem({
        item: { title: 'Parks web map', type: 'Web Map', tags: ['parks', 'city'], snippet: 'Parks', typeKeywords: ['Web Map', 'Explorer Web Map'], text: JSON.stringify(webmap) },
        authentication: aliceAuth
      });
      expect(created).toEqual({ success: true, id: expect.stringMatching(/^[0-9a-f]{32}$/), folder: null });

      const item = await getItem(created.id, { authentication: aliceAuth });
      expect(item).toMatchObject({
        id: created.id,
        owner: 'alice_pub',
        orgId: emu.orgId,
        title: 'Parks web map',
        type: 'Web Map',
        tags: ['parks', 'city'],
        typeKeywords: ['Web Map', 'Explorer Web Map'],
        access: 'private',
        ownerFolder: null,
        protected: false,
        size: JSON.stringify(webmap).length,
        itemControl: 'admin'
      });
      expect(item.created).toBe(item.modified);

      expect(await getItemData(created.id, { authentication: aliceAuth })).toEqual(webmap);
      const again = await getItem(created.id, { authentication: aliceAuth });
      expect(again.numViews).toBe(item.numViews + 2); // the data request and this item request each count
    });

    it('uploads a file item and downloads it with its type and name', async () => {
      const bytes = new TextEncoder().encode('name,count\nOak,3\nPine,5\n');
      const created = await createItem({
        item: { title: 'Trees', type: 'CSV' },
        file: new File([bytes], 'trees.csv', { type: 'text/csv' }),
        authentication: aliceAuth
      });
      const item = await getItem(created.id, { authentication: aliceAuth });
      expect(item).toMatchObject({ name: 'trees.csv', size: bytes.length, type: 'CSV' });
      const blob = (await getItemData(created.id, { authentication: aliceAuth, file: true })) as Blob;
      expect(Buffer.from(await blob.arrayBuffer()).toString()).toBe('name,count\nOak,3\nPine,5\n');
      const raw = await fetch(`${emu.restUrl}/content/items/${created.id}/data?token=${aliceAuth.token}`);
      expect(raw.headers.get('content-type')).toBe('text/csv');
      expect(raw.headers.get('content-disposition')).toContain('filename="trees.csv"');
    });

    it('answers an item without data with an empty body (getItemData resolves undefined)', async () => {
      const created = await createItem({ item: { title: 'Empty app', type: 'Web Mapping Application' }, authentication: aliceAuth });
      expect(await getItemData(created.id, { authentication: aliceAuth })).toBeUndefined();
    });

    it('updates fields, data, thumbnail and metadata and moves modified forward', async () => {
      const created = await createItem({ item: { title: 'Draft', type: 'Dashboard', description: 'old' }, authentication: aliceAuth });
      const before = await getItem(created.id, { authentication: aliceAuth });
      emu.context.clock.offsetMs += 60_000;
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const metadata = '<?xml version="1.0"?><metadata><dataIdInfo><idAbs>Roads</idAbs></dataIdInfo></metadata>';
      const result = await updateItem({
        item: { id: created.id, title: 'Final', snippet: 'Done', properties: { source: 'test' } },
        params: {
          thumbnail: new File([png], 'thumb.png', { type: 'image/png' }),
          metadata: new File([metadata], 'metadata.xml', { type: 'application/xml' }),
          text: JSON.stringify({ widgets: [] })
        },
        authentication: aliceAuth
      });
      expect(result).toEqual({ success: true, id: created.id });
      const after = await getItem(created.id, { authentication: aliceAuth });
      expect(after).toMatchObject({ title: 'Final', snippet: 'Done', description: 'old', properties: { source: 'test' }, thumbnail: 'thumbnail/thumb.png' });
      expect(after.modified).toBeGreaterThanOrEqual(before.modified + 60_000);
      expect((after as { thumbnailUrl?: string }).thumbnailUrl).toContain(`/content/items/${created.id}/info/thumbnail/thumb.png`);
      expect(await getItemData(created.id, { authentication: aliceAuth })).toEqual({ widgets: [] });
      expect(await getItemMetadata(created.id, { authentication: aliceAuth })).toBe(metadata);
      const thumb = (await getItemInfo(created.id, { fileName: 'thumbnail/thumb.png', readAs: 'arrayBuffer', authentication: aliceAuth })) as ArrayBuffer;
      expect(Buffer.from(thumb).equals(png)).toBe(true);
      const info = await getItemInfo(created.id, { authentication: aliceAuth });
      expect(info).toContain('<title>Final</title>');

      expect(await getItemStatus({ id: created.id, authentication: aliceAuth })).toEqual({ status: 'completed', statusMessage: 'completed', itemId: created.id });
      expect(await removeItemThumbnail({ id: created.id, authentication: aliceAuth })).toEqual({ success: true });
      expect((await getItem(created.id, { authentication: aliceAuth })).thumbnail).toBeNull();
      await addItemData({ id: created.id, text: JSON.stringify({ widgets: [1] }), authentication: aliceAuth });
      expect(await getItemData(created.id, { authentication: aliceAuth })).toEqual({ widgets: [1] });
    });

    it('clears fields only with clearEmptyFields', async () => {
      const created = await createItem({ item: { title: 'Clear me', type: 'Web Map', snippet: 'keep', description: 'go' }, authentication: aliceAuth });
      await updateItem({ item: { id: created.id, snippet: '' }, authentication: aliceAuth });
      expect((await getItem(created.id, { authentication: aliceAuth })).snippet).toBe('keep');
      await updateItem({ item: { id: created.id, description: '' }, params: { clearEmptyFields: true }, authentication: aliceAuth });
      expect((await getItem(created.id, { authentication: aliceAuth })).description).toBeNull();
    });

    it('manages folders, folder content paging and moves', async () => {
      const folder = await createFolder({ title: 'Projects', authentication: aliceAuth });
      expect(folder).toEqual({ success: true, folder: { username: 'alice_pub', id: expect.stringMatching(/^[0-9a-f]{32}$/), title: 'Projects' } });
      await expect(createFolder({ title: 'projects', authentication: aliceAuth })).rejects.toThrow(/Unable to create folder/);

      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await createItemInFolder({ folderId: folder.folder.id, item: { title: `In folder ${i}`, type: 'Web Map' }, authentication: aliceAuth });
        expect(r.folder).toBe(folder.folder.id);
        ids.push(r.id);
      }
      const page1 = await getUserContent({ folderId: folder.folder.id, num: 2, authentication: aliceAuth });
      expect(page1).toMatchObject({ username: 'alice_pub', total: 3, start: 1, num: 2, nextStart: 3, folders: [] });
      expect(page1.currentFolder).toMatchObject({ id: folder.folder.id, title: 'Projects', username: 'alice_pub' });
      expect(page1.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
      const page2 = await getUserContent({ folderId: folder.folder.id, start: 3, num: 2, authentication: aliceAuth });
      expect(page2).toMatchObject({ total: 3, nextStart: -1 });

      const root = await getUserContent({ authentication: aliceAuth });
      expect(root.currentFolder).toBeNull();
      expect((root.folders as { title: string }[]).map((f) => f.title)).toContain('Projects');
      expect(root.items.every((i) => i.ownerFolder === null)).toBe(true);

      const moved = await moveItem({ itemId: ids[0]!, folderId: '/', authentication: aliceAuth });
      expect(moved).toEqual({ success: true, itemId: ids[0], owner: 'alice_pub', folder: null });
      expect((await getItem(ids[0]!, { authentication: aliceAuth })).ownerFolder).toBeNull();
      await moveItem({ itemId: ids[0]!, folderId: folder.folder.id, authentication: aliceAuth });

      // deleting a folder deletes its items
      expect(await removeFolder({ folderId: folder.folder.id, authentication: aliceAuth })).toMatchObject({ success: true, folder: { id: folder.folder.id } });
      for (const id of ids) await expect(getItem(id, { authentication: aliceAuth })).rejects.toThrow(/does not exist or is inaccessible/);
    });

    it('protects items against deletion until unprotected', async () => {
      const { id } = await createItem({ item: { title: 'Keep', type: 'PDF' }, authentication: aliceAuth });
      expect(await protectItem({ id, authentication: aliceAuth })).toEqual({ success: true });
      expect((await getItem(id, { authentication: aliceAuth })).protected).toBe(true);
      const error = await removeItem({ id, authentication: aliceAuth }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArcGISRequestError);
      expect((error as ArcGISRequestError).message).toContain('Delete protection is turned on');
      await removeItem({ id, authentication: aliceAuth, params: { force: true } }).catch(() => undefined);
      expect((await getItem(id, { authentication: aliceAuth })).id).toBe(id);
      expect(await unprotectItem({ id, authentication: aliceAuth })).toEqual({ success: true });
      expect(await removeItem({ id, authentication: aliceAuth })).toEqual({ success: true, itemId: id });
    });

    it('lets an administrator reassign an item into a (new) folder of another user', async () => {
      const { id } = await createItem({ item: { title: 'Handover', type: 'Web Map' }, authentication: aliceAuth });
      // rest-js reassignItem() first checks the caller with getUser(): role org_admin and no roleId. The portal module
      // reports roleId 'org_admin' for built-in admins, which that check refuses, so the call goes through request().
      const adminUser = await admin.getUser();
      const result = adminUser.roleId
        ? await request(`${emu.restUrl}/content/users/alice_pub/items/${id}/reassign`, {
            params: { targetUsername: 'bob_user', targetFolderName: 'From Alice' },
            authentication: admin
          })
        : await reassignItem({ id, currentOwner: 'alice_pub', targetUsername: 'bob_user', targetFolderName: 'From Alice', authentication: admin });
      expect(result).toEqual({ success: true, itemId: id });
      const item = await getItem(id, { authentication: admin });
      expect(item.owner).toBe('bob_user');
      const bobFolders = (await getUserContent({ owner: 'bob_user', authentication: admin })).folders as { id: string; title: string }[];
      expect(bobFolders.find((f) => f.id === item.ownerFolder)?.title).toBe('From Alice');
      await expect(reassignItem({ id, currentOwner: 'bob_user', targetUsername: 'alice_pub', authentication: bobAuth })).rejects.toThrow(
        /not an organization administrator/
      );
    });

    it('shares with groups, the org and everyone, and reports item groups', async () => {
      const group = addTestGroup(emu, alice, `Team ${kind}`, ['bob_user']);
      const { id } = await createItem({ item: { title: 'Team map', type: 'Web Map' }, authentication: aliceAuth });
      await expect(getItem(id, { authentication: bobAuth })).rejects.toThrow(/permissions/);

      const shared = await shareItemWithGroup({ id, groupId: group.id, authentication: aliceAuth });
      expect(shared).toEqual({ itemId: id, notSharedWith: [] });
      expect((await getItem(id, { authentication: bobAuth })).access).toBe('shared');
      const groups = await getItemGroups(id, { authentication: bobAuth });
      expect(groups.member!.map((g) => g.id)).toEqual([group.id]);
      expect(groups.admin).toEqual([]);
      expect((await getItemGroups(id, { authentication: aliceAuth })).admin!.map((g) => g.id)).toEqual([group.id]);

      const content = await searchGroupContent({ groupId: group.id, q: '', authentication: bobAuth });
      expect(content.results.map((r) => r.id)).toEqual([id]);

      expect(await setItemAccess({ id, access: 'org', authentication: aliceAuth })).toMatchObject({ itemId: id, notSharedWith: [] });
      expect((await getItem(id, { authentication: aliceAuth })).access).toBe('org');
      await setItemAccess({ id, access: 'public', authentication: aliceAuth });
      expect((await getItem(id, { portal: emu.restUrl })).access).toBe('public');
      await setItemAccess({ id, access: 'private', authentication: aliceAuth });
      expect((await getItem(id, { authentication: aliceAuth })).access).toBe('shared'); // still in the group

      const unshared = await unshareItemWithGroup({ id, groupId: group.id, authentication: aliceAuth });
      expect(unshared).toEqual({ itemId: id, notUnsharedFrom: [] });
      expect((await getItem(id, { authentication: aliceAuth })).access).toBe('private');
      await expect(getItem(id, { authentication: bobAuth })).rejects.toThrow(/permissions/);
    });

    it('adds, lists, reads, updates and removes resources with nested paths', async () => {
      const { id } = await createItem({ item: { title: 'Story', type: 'StoryMap' }, authentication: aliceAuth });
      const png = Buffer.from('89504e470d0a1a0a', 'hex');
      expect(
        await addItemResource({ id, resource: new File([png], 'photo.png', { type: 'image/png' }), name: 'photo.png', prefix: 'images/2026', authentication: aliceAuth })
      ).toEqual({ success: true, itemId: id, owner: 'alice_pub', folder: null });
      await addItemResource({ id, content: '{"a":1}', name: 'config.json', authentication: aliceAuth });
      await addItemResource({ id, content: 'secret', name: 'notes.txt', private: true, authentication: aliceAuth });

      const list = await getItemResources(id, { authentication: aliceAuth });
      expect(list).toMatchObject({ total: 3, start: 1, num: 3, nextStart: -1 });
      expect(list.resources!.map((r: { resource: string }) => r.resource)).toEqual(['images/2026/photo.png', 'config.json', 'notes.txt']);
      expect(list.resources![0]).toEqual({ resource: 'images/2026/photo.png', created: expect.any(Number), size: png.length, access: 'inherit' });

      const paged = await getItemResources(id, { authentication: aliceAuth, params: { num: 2 } });
      expect(paged).toMatchObject({ total: 3, num: 2, nextStart: 3 });

      const blob = (await getItemResource(id, { fileName: 'images/2026/photo.png', authentication: aliceAuth })) as Blob;
      expect(Buffer.from(await blob.arrayBuffer()).equals(png)).toBe(true);
      expect(await getItemResource(id, { fileName: 'config.json', readAs: 'json', authentication: aliceAuth })).toEqual({ a: 1 });

      await updateItemResource({ id, content: '{"a":2}', name: 'config.json', authentication: aliceAuth });
      expect(await getItemResource(id, { fileName: 'config.json', readAs: 'json', authentication: aliceAuth })).toEqual({ a: 2 });

      // private resources are hidden from others who can read the item
      await setItemAccess({ id, access: 'org', authentication: aliceAuth });
      const asBob = await getItemResources(id, { authentication: bobAuth });
      expect(asBob.resources!.map((r: { resource: string }) => r.resource)).toEqual(['images/2026/photo.png', 'config.json']);
      expect(asBob.resources![0]).not.toHaveProperty('access');

      expect(await removeItemResource({ id, resource: 'config.json', authentication: aliceAuth })).toEqual({ success: true });
      expect((await getItemResources(id, { authentication: aliceAuth })).total).toBe(2);
      await removeItemResource({ id, resource: '', deleteAll: true, authentication: aliceAuth });
      expect((await getItemResources(id, { authentication: aliceAuth })).total).toBe(0);
    });

    it('relates items and lists related items in both directions', async () => {
      // WMA2Code: a Web Mapping Application and its Code Attachment (Esri's relationship types).
      const code = await createItem({ item: { title: 'Code', type: 'Code Attachment' }, authentication: aliceAuth });
      const app = await createItem({ item: { title: 'App', type: 'Web Mapping Application' }, authentication: aliceAuth });
      expect(
        await addItemRelationship({ originItemId: app.id, destinationItemId: code.id, relationshipType: 'WMA2Code', authentication: aliceAuth })
      ).toEqual({ success: true });
      const forward = await getRelatedItems({ id: app.id, relationshipType: 'WMA2Code', direction: 'forward', authentication: aliceAuth });
      expect(forward.total).toBe(1);
      expect(forward.relatedItems[0]!.id).toBe(code.id);
      const reverse = await getRelatedItems({ id: code.id, relationshipType: ['WMA2Code', 'Map2Service'], direction: 'reverse', authentication: aliceAuth });
      expect(reverse.relatedItems.map((i) => i.id)).toEqual([app.id]);
      expect(
        await removeItemRelationship({ originItemId: app.id, destinationItemId: code.id, relationshipType: 'WMA2Code', authentication: aliceAuth })
      ).toEqual({ success: true });
      expect((await getRelatedItems({ id: app.id, relationshipType: 'WMA2Code', authentication: aliceAuth })).total).toBe(0);
    });

    it('keeps items private to their owner and administrators', async () => {
      const { id } = await createItem({ item: { title: 'Private', type: 'Web Map' }, authentication: aliceAuth });
      expect((await getItem(id, { authentication: admin })).owner).toBe('alice_pub');
      await expect(updateItem({ item: { id, title: 'Hijacked' }, owner: 'alice_pub', authentication: bobAuth })).rejects.toThrow(/does not exist or is inaccessible/);
      expect(await updateItem({ item: { id, title: 'Fixed by admin' }, owner: 'alice_pub', authentication: admin })).toEqual({ success: true, id });
      await expect(getItemData(id, { portal: emu.restUrl })).rejects.toThrow(/Token Required/);
    });
  });
}
