import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { issueToken } from '../src/auth/tokens.js';
import { type UserRecord } from '../src/state/types.js';
import { addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

/** Raw HTTP: status codes and ArcGIS error bodies of the content endpoints, for both kinds of portal. */
for (const kind of ['online', 'enterprise'] as const) {
  describe(`content errors over HTTP (${kind})`, () => {
    let emu: EmulatorHandle;
    let rest: string;
    let alice: UserRecord;
    let aliceToken: string;
    let bobToken: string;
    let adminToken: string;
    let viewerToken: string;

    beforeAll(async () => {
      emu = await startTestEmulator({ kind, seed: 'empty' });
      rest = emu.restUrl;
      alice = addTestUser(emu, 'alice_pub', 'org_publisher');
      addTestUser(emu, 'bob_user', 'org_user');
      const viewer = addTestUser(emu, 'vera_viewer', 'org_user');
      viewer.privileges = ['portal:user:joinGroup', 'portal:user:viewOrgItems'];
      aliceToken = issueToken(emu.context, 'alice_pub', 60).token;
      bobToken = issueToken(emu.context, 'bob_user', 60).token;
      adminToken = issueToken(emu.context, emu.admin.username, 60).token;
      viewerToken = issueToken(emu.context, 'vera_viewer', 60).token;
    });
    afterAll(async () => {
      await emu?.close();
    });

    const addItem = async (params: Record<string, string> = {}) => {
      const r = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'Item', type: 'Web Map', token: aliceToken, ...params }, { method: 'POST' });
      expect(r.body).toMatchObject({ success: true });
      return (r.body as { id: string }).id;
    };
    const errorOf = (r: { body: unknown }) => (r.body as { error: { code: number; message: string; messageCode?: string; details: string[] } }).error;

    it('answers an unknown item with 400 CONT_0001 in an HTTP 200', async () => {
      const r = await rawRequest(`${rest}/content/items/0123456789abcdef0123456789abcdef`, { token: aliceToken });
      expect(r.status).toBe(200);
      expect(errorOf(r)).toMatchObject({ code: 400, messageCode: 'CONT_0001', message: 'Item does not exist or is inaccessible.' });
    });

    it('answers another user’s private item with 403 GWM_0003, and anonymous callers with 499', async () => {
      const id = await addItem();
      const forbidden = await rawRequest(`${rest}/content/items/${id}`, { token: bobToken });
      expect(errorOf(forbidden)).toMatchObject({ code: 403, messageCode: 'GWM_0003' });
      const anonymous = await rawRequest(`${rest}/content/items/${id}/data`);
      expect(errorOf(anonymous)).toMatchObject({ code: 499, message: 'Token Required' });
      const admin = await rawRequest(`${rest}/content/items/${id}`, { token: adminToken });
      expect(admin.body).toMatchObject({ id, owner: 'alice_pub' });
      const invalid = await rawRequest(`${rest}/content/items/${id}`, { token: 'not-a-token' });
      expect(errorOf(invalid)).toMatchObject({ code: 498 });
    });

    it('refuses changes by others: update and delete are not found for those who cannot see the item, 403 for readers', async () => {
      const id = await addItem();
      const update = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/update`, { title: 'x', token: bobToken }, { method: 'POST' });
      expect(errorOf(update)).toMatchObject({ code: 400, messageCode: 'CONT_0001' });
      await rawRequest(`${rest}/content/users/alice_pub/items/${id}/share`, { org: true, token: aliceToken }, { method: 'POST' });
      const del = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/delete`, { token: bobToken }, { method: 'POST' });
      expect(errorOf(del)).toMatchObject({ code: 403, messageCode: 'GWM_0003' });
      const listing = await rawRequest(`${rest}/content/users/alice_pub`, { token: bobToken });
      expect(errorOf(listing)).toMatchObject({ code: 403 });
    });

    it('requires POST for writes', async () => {
      const id = await addItem();
      const r = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/delete`, { token: aliceToken });
      expect(errorOf(r).code).toBe(405);
    });

    it('refuses to delete a protected item, also in deleteItems, and reports per-item results', async () => {
      const keep = await addItem();
      const drop = await addItem();
      await rawRequest(`${rest}/content/users/alice_pub/items/${keep}/protect`, { token: aliceToken }, { method: 'POST' });
      const single = await rawRequest(`${rest}/content/users/alice_pub/items/${keep}/delete`, { force: true, token: adminToken }, { method: 'POST' });
      expect(errorOf(single)).toMatchObject({ code: 400, message: 'Unable to delete item. Delete protection is turned on.' });
      const bulk = await rawRequest(
        `${rest}/content/users/alice_pub/deleteItems`,
        { items: `${keep},${drop},ffffffffffffffffffffffffffffffff`, token: aliceToken },
        { method: 'POST' }
      );
      expect(bulk.body).toEqual({
        results: [
          { itemId: keep, success: false, error: expect.objectContaining({ code: 400, message: 'Unable to delete item. Delete protection is turned on.' }) },
          { itemId: drop, success: true },
          { itemId: 'ffffffffffffffffffffffffffffffff', success: false, error: expect.objectContaining({ code: 400, messageCode: 'CONT_0001' }) }
        ]
      });
      const tooMany = await rawRequest(
        `${rest}/content/users/alice_pub/deleteItems`,
        { items: Array.from({ length: 101 }, (_, i) => String(i)).join(','), token: aliceToken },
        { method: 'POST' }
      );
      expect(errorOf(tooMany)).toMatchObject({ code: 400, message: 'Unable to delete items.' });
    });

    it('validates addItem parameters', async () => {
      const noType = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'x', token: aliceToken }, { method: 'POST' });
      expect(errorOf(noType)).toMatchObject({ code: 400, message: 'Unable to add item.', details: ["'type' must be specified."] });
      const badProps = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'x', type: 'Web Map', properties: '{oops', token: aliceToken }, { method: 'POST' });
      expect(errorOf(badProps)).toMatchObject({ code: 400, details: ["Invalid JSON in 'properties' parameter."] });
      const badExtent = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'x', type: 'Web Map', extent: '1,2,3', token: aliceToken }, { method: 'POST' });
      expect(errorOf(badExtent).details[0]).toContain('Invalid extent');
      const others = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'x', type: 'Web Map', token: adminToken }, { method: 'POST' });
      expect(errorOf(others)).toMatchObject({ code: 403 });
      const viewer = await rawRequest(`${rest}/content/users/vera_viewer/addItem`, { title: 'x', type: 'Web Map', token: viewerToken }, { method: 'POST' });
      expect(errorOf(viewer)).toMatchObject({ code: 403 });
      const noUser = await rawRequest(`${rest}/content/users/nobody_here/addItem`, { title: 'x', type: 'Web Map', token: aliceToken }, { method: 'POST' });
      expect(errorOf(noUser)).toMatchObject({ code: 400 });
      const noFolder = await rawRequest(`${rest}/content/users/alice_pub/0123456789abcdef0123456789abcdef/addItem`, { title: 'x', type: 'Web Map', token: aliceToken }, { method: 'POST' });
      expect(errorOf(noFolder)).toMatchObject({ code: 400, messageCode: 'CONT_0002' });
    });

    it('keeps an item id with itemIdToCreate on Enterprise only', async () => {
      const wanted = kind === 'enterprise' ? 'abcdefabcdefabcdefabcdefabcdef01' : 'abcdefabcdefabcdefabcdefabcdef02';
      const r = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'Kept', type: 'Web Map', itemIdToCreate: wanted, token: aliceToken }, { method: 'POST' });
      const id = (r.body as { id: string }).id;
      if (kind === 'enterprise') {
        expect(id).toBe(wanted);
        const again = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'Kept', type: 'Web Map', itemIdToCreate: wanted, token: aliceToken }, { method: 'POST' });
        expect(errorOf(again).details[0]).toContain('already exists');
      } else {
        expect(id).not.toBe(wanted);
      }
    });

    it('answers missing files: empty /data, 404 for resources and metadata', async () => {
      const id = await addItem();
      const data = await fetch(`${rest}/content/items/${id}/data?token=${aliceToken}`);
      expect(data.status).toBe(200);
      expect(await data.text()).toBe('');
      const resource = await fetch(`${rest}/content/items/${id}/resources/missing.json?token=${aliceToken}`);
      expect(resource.status).toBe(404);
      const metadata = await fetch(`${rest}/content/items/${id}/info/metadata/metadata.xml?token=${aliceToken}`);
      expect(metadata.status).toBe(404);
      expect(((await metadata.json()) as { error: { messageCode: string } }).error.messageCode).toBe('CONT_0036');
    });

    it('refuses resource paths that leave the item, duplicates and missing resources', async () => {
      const id = await addItem();
      const base = `${rest}/content/users/alice_pub/items/${id}`;
      const escape = await rawRequest(`${base}/addResources`, { text: 'x', fileName: 'a.txt', resourcesPrefix: '../../etc', token: aliceToken }, { method: 'POST' });
      expect(errorOf(escape)).toMatchObject({ code: 400, message: 'Unable to add resources.' });
      await rawRequest(`${base}/addResources`, { text: 'x', fileName: 'a.txt', token: aliceToken }, { method: 'POST' });
      const dup = await rawRequest(`${base}/addResources`, { text: 'y', fileName: 'a.txt', token: aliceToken }, { method: 'POST' });
      expect(errorOf(dup).details[0]).toContain('already exists');
      const missing = await rawRequest(`${base}/updateResources`, { text: 'y', fileName: 'b.txt', token: aliceToken }, { method: 'POST' });
      expect(errorOf(missing).details[0]).toContain('does not exist');
      const noResource = await rawRequest(`${base}/removeResources`, { token: aliceToken }, { method: 'POST' });
      expect(errorOf(noResource)).toMatchObject({ code: 400, message: "'resource' must be specified." });
    });

    it('maintains modified for resource changes but not for sharing or moves', async () => {
      const id = await addItem();
      const item = emu.context.state.items.get(id)!;
      const t0 = item.json.modified;
      emu.context.clock.offsetMs += 10_000;
      await rawRequest(`${rest}/content/users/alice_pub/items/${id}/share`, { org: true, token: aliceToken }, { method: 'POST' });
      expect(item.json.modified).toBe(t0);
      await rawRequest(`${rest}/content/users/alice_pub/items/${id}/addResources`, { text: '{}', fileName: 'c.json', token: aliceToken }, { method: 'POST' });
      expect(item.json.modified).toBeGreaterThanOrEqual(t0 + 10_000);
    });

    it('reports groups it could not share to and requires admin for reassign', async () => {
      const id = await addItem();
      const r = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/share`, { groups: 'ffffffffffffffffffffffffffffffff', token: aliceToken }, { method: 'POST' });
      expect(r.body).toEqual({ notSharedWith: ['ffffffffffffffffffffffffffffffff'], itemId: id });
      const reassign = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/reassign`, { targetUsername: 'bob_user', token: aliceToken }, { method: 'POST' });
      expect(errorOf(reassign)).toMatchObject({ code: 403 });
      const noTarget = await rawRequest(`${rest}/content/users/alice_pub/items/${id}/reassign`, { token: adminToken }, { method: 'POST' });
      expect(errorOf(noTarget)).toMatchObject({ code: 400, message: "'targetUsername' must be specified." });
      expect(alice.username).toBe('alice_pub');
    });

    it('rejects a malformed search query and bad relatedItems parameters with clear errors', async () => {
      const bad = await rawRequest(`${rest}/search`, { q: 'title:(parks OR', token: aliceToken });
      expect(errorOf(bad)).toMatchObject({ code: 400, message: 'Unable to perform query. Please check your parameters.' });
      const id = await addItem();
      const rel = await rawRequest(`${rest}/content/items/${id}/relatedItems`, { token: aliceToken });
      expect(errorOf(rel)).toMatchObject({ code: 400, message: "'relationshipType' must be specified." });
    });

    it('deletes the hosted service with its Feature Service item', async () => {
      const created = await rawRequest(
        `${rest}/content/users/alice_pub/createService`,
        {
          outputType: 'featureService',
          createParameters: JSON.stringify({ name: `Doomed_${kind}`, serviceDescription: '', capabilities: 'Query', spatialReference: { wkid: 102100 } }),
          token: aliceToken
        },
        { method: 'POST' }
      );
      const { itemId, serviceurl } = created.body as { itemId: string; serviceurl: string };
      expect(itemId).toMatch(/^[0-9a-f]{32}$/);
      expect(((await rawRequest(serviceurl, { token: aliceToken })).body as { error?: unknown }).error).toBeUndefined();
      // permanently (ArcGIS Online would otherwise keep it, and its service, in the recycle bin: recycle-bin.http.test.ts)
      const del = await rawRequest(`${rest}/content/users/alice_pub/items/${itemId}/delete`, { permanentDelete: true, token: aliceToken }, { method: 'POST' });
      expect(del.body).toEqual({ success: true, itemId });
      expect([...emu.context.state.services.values()].some((svc) => svc.itemId === itemId)).toBe(false);
      expect(((await rawRequest(serviceurl, { token: aliceToken })).body as { error?: unknown }).error).toBeDefined();
    });

    it('moves several items at once with per-item results', async () => {
      const a = await addItem();
      const b = await addItem();
      const folder = (await rawRequest(`${rest}/content/users/alice_pub/createFolder`, { title: 'Bulk move', token: aliceToken }, { method: 'POST' })).body as {
        folder: { id: string };
      };
      const moved = await rawRequest(`${rest}/content/users/alice_pub/moveItems`, { items: `${a},${b},nope`, folder: folder.folder.id, token: aliceToken }, { method: 'POST' });
      expect(moved.body).toEqual({
        results: [
          { itemId: a, success: true },
          { itemId: b, success: true },
          { itemId: 'nope', success: false, error: expect.objectContaining({ code: 400, messageCode: 'CONT_0001' }) }
        ]
      });
      expect(emu.context.state.items.get(a)!.json.ownerFolder).toBe(folder.folder.id);
      const back = await rawRequest(`${rest}/content/users/alice_pub/moveItems`, { items: a, folder: '/', token: aliceToken }, { method: 'POST' });
      expect(back.body).toEqual({ results: [{ itemId: a, success: true }] });
      const noFolder = await rawRequest(`${rest}/content/users/alice_pub/moveItems`, { items: a, folder: 'No such folder', token: aliceToken }, { method: 'POST' });
      expect(errorOf(noFolder)).toMatchObject({ code: 400, messageCode: 'CONT_0002' });
    });

    it('answers f=pjson and HTML like other REST resources', async () => {
      const id = await addItem();
      const html = await fetch(`${rest}/content/items/${id}?token=${aliceToken}`);
      expect(html.headers.get('content-type')).toContain('text/html');
      const pjson = await fetch(`${rest}/content/items/${id}?f=pjson&token=${aliceToken}`);
      expect(await pjson.text()).toContain('\n  "id"');
    });
  });
}
