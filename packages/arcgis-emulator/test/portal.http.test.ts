import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { addItem, addUser, tokenFor } from './portal/fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

const TOKEN_REQUIRED = { error: { code: 499, message: 'Token Required', details: [], messageCode: 'GWM_0003' } };
const FORBIDDEN = {
  error: { code: 403, message: 'You do not have permissions to access this resource or perform this operation.', details: [], messageCode: 'GWM_0003' }
};
const GROUP_NOT_FOUND = { error: { code: 400, message: 'Group does not exist or is inaccessible.', details: [], messageCode: 'COM_0003' } };

function fixture(name: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  delete json._comment;
  return json;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Every key of the fixture is in the answer with the same JSON type (a string may be null, as ArcGIS sends it). */
function expectShape(actual: unknown, expected: Record<string, unknown>): void {
  const body = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) {
    expect(body, `missing key ${key}`).toHaveProperty(key);
    const want = kindOf(value);
    const got = kindOf(body[key]);
    if (want === 'null' || (want === 'string' && got === 'null')) continue;
    expect(got, `type of ${key}`).toBe(want);
  }
}

describe.each(['online', 'enterprise'] as const)('portal, users and groups over raw HTTP (%s)', (kind) => {
  let emu: EmulatorHandle;
  let adminToken: string;
  let aliceToken: string;
  let bobToken: string;
  const get = (path: string, params: Record<string, string | number> = {}) => rawRequest(`${emu.restUrl}/${path}`, params).then((r) => r.body);
  const post = (path: string, params: Record<string, string | number> = {}) =>
    rawRequest(`${emu.restUrl}/${path}`, params, { method: 'POST' }).then((r) => r.body);

  beforeAll(async () => {
    emu = await startTestEmulator({ kind, seed: 'empty' });
    adminToken = await tokenFor(emu, emu.admin.username, emu.admin.password);
    const alice = addUser(emu, 'alice', { role: 'org_publisher', lastLogin: 1_600_000_000_000 });
    const bob = addUser(emu, 'bob');
    addUser(emu, 'hidden_harry', { access: 'private' });
    addUser(emu, 'public_pat', { access: 'public' });
    addUser(emu, 'viewer_vic', { userLicenseTypeId: 'viewerUT', roleId: 'iAAAAAAAAAAAAAAA' });
    addItem(emu, 'alice', 5000);
    addItem(emu, 'alice', 700);
    aliceToken = await tokenFor(emu, alice.username, alice.password);
    bobToken = await tokenFor(emu, bob.username, bob.password);
  });

  afterAll(async () => {
    await emu?.close();
  });

  describe('portals/self', () => {
    it('answers anonymously without a user, with the documented keys', async () => {
      const body = (await get('portals/self')) as Record<string, unknown>;
      expectShape(body, fixture('portal-self.json'));
      expect(body).not.toHaveProperty('user');
      expect(body.isPortal).toBe(kind === 'enterprise');
      expect(body.portalHostname).toBe(new URL(emu.portalUrl).host + (kind === 'enterprise' ? '/portal' : ''));
    });

    it('includes the caller as user, and answers as portals/<orgId> too', async () => {
      const self = (await get('portals/self', { token: aliceToken })) as { user: Record<string, unknown> };
      const { groups: _groups, ...userKeys } = fixture('community-self.json');
      expectShape(self.user, userKeys);
      expect(self.user).not.toHaveProperty('groups');
      expect(self.user.username).toBe('alice');
      expect(await get(`portals/${emu.orgId}`, { token: aliceToken })).toEqual(self);
      expect(await get('portals/NOTANORG')).toMatchObject({ error: { code: 400 } });
    });
  });

  describe('users', () => {
    it('community/self has the documented keys and needs a token', async () => {
      expect(await get('community/self')).toEqual(TOKEN_REQUIRED);
      const self = (await get('community/self', { token: aliceToken })) as Record<string, unknown>;
      expectShape(self, fixture('community-self.json'));
      expect(self).toMatchObject({ username: 'alice', storageUsage: 5700, lastLogin: expect.any(Number), role: 'org_publisher' });
      // built-in roles carry no roleId (Esri's client tells a built-in admin by its absence)
      expect(self).not.toHaveProperty('roleId');
      // a custom role (Viewer) does carry its roleId
      const viewer = (await get('community/users/viewer_vic', { token: adminToken })) as Record<string, unknown>;
      expect(viewer).toMatchObject({ role: 'org_user', roleId: 'iAAAAAAAAAAAAAAA' });
    });

    it('community/users/<u>: private fields for self and admins only; private profiles hidden from others', async () => {
      const byBob = (await get('community/users/alice', { token: bobToken })) as Record<string, unknown>;
      expect(byBob).toMatchObject({ username: 'alice', fullName: 'alice Tester', orgId: emu.orgId });
      for (const key of ['email', 'lastLogin', 'privileges', 'role', 'storageUsage', 'disabled', 'groups', 'userLicenseTypeId']) {
        expect(byBob, key).not.toHaveProperty(key);
      }
      expect(await get('community/users/alice', { token: adminToken })).toMatchObject({ email: 'alice@example.test', storageUsage: 5700, groups: [] });
      expect(await get('community/users/hidden_harry', { token: bobToken })).toEqual({
        error: { code: 400, message: 'User does not exist or is inaccessible.', details: ["User 'hidden_harry' does not exist or is inaccessible."], messageCode: 'COM_0097' }
      });
      expect(await get('community/users/hidden_harry', { token: adminToken })).toMatchObject({ username: 'hidden_harry' });
      // Anonymous callers see public profiles only, without org details.
      expect(await get('community/users/alice')).toMatchObject({ error: { messageCode: 'COM_0097' } });
      const pat = (await get('community/users/public_pat')) as Record<string, unknown>;
      expect(pat.username).toBe('public_pat');
      expect(pat).not.toHaveProperty('orgId');
      expect(pat).not.toHaveProperty('email');
    });

    it('community/users search shows what the caller may see', async () => {
      const anon = (await get('community/users', { q: '*', num: 100 })) as { results: { username: string }[] };
      expect(anon.results.map((u) => u.username)).toEqual(['public_pat']);
      const member = (await get('community/users', { q: '*', num: 100, token: bobToken })) as { results: { username: string }[]; total: number };
      expect(member.results.map((u) => u.username)).not.toContain('hidden_harry');
      expect(member.results.map((u) => u.username)).toContain('alice');
      const fullName = (await get('community/users', { q: 'fullname:alice', token: bobToken })) as { results: { username: string }[] };
      expect(fullName.results.map((u) => u.username)).toEqual(['alice']);
    });

    it('portals/self/users lists members with lastLogin, disabled, role, userLicenseTypeId and storage (admin only)', async () => {
      expect(await get('portals/self/users')).toEqual(TOKEN_REQUIRED);
      expect(await get('portals/self/users', { token: bobToken })).toEqual(FORBIDDEN);
      const page = (await get('portals/self/users', { token: adminToken, num: 2, sortField: 'username' })) as {
        total: number;
        start: number;
        num: number;
        nextStart: number;
        users: Record<string, unknown>[];
      };
      expect(page).toMatchObject({ total: 6, start: 1, num: 2, nextStart: 3 });
      expect(page.users.map((u) => u.username)).toEqual(['alice', 'bob']);
      expect(page.users[0]).toMatchObject({
        // alice signed in when the test began: generateToken recorded it
        lastLogin: expect.toSatisfy((v: number) => v > Date.now() - 60_000),
        disabled: false,
        role: 'org_publisher',
        userLicenseTypeId: 'creatorUT',
        storageUsage: 5700,
        storageQuota: expect.any(Number)
      });
      const search = (await get('portals/self/users/search', { token: adminToken, q: 'role:org_publisher' })) as {
        results: { username: string }[];
        nextStart: number;
      };
      expect(search.results.map((u) => u.username)).toEqual(['alice']);
      expect(search.nextStart).toBe(-1);
      const never = (await get('portals/self/users/search', { token: adminToken, q: 'username:hidden_harry' })) as { results: { lastLogin: number }[] };
      expect(never.results[0]!.lastLogin).toBe(-1);
      const sorted = (await get('portals/self/users/search', { token: adminToken, q: '*', sortField: 'lastlogin', sortOrder: 'desc', num: 1 })) as {
        results: { username: string }[];
      };
      expect(sorted.results[0]!.username).toBe('bob'); // the last to sign in (beforeAll)
      expect(await get('portals/self/users/search', { token: adminToken, q: 'title:(unclosed' })).toMatchObject({ error: { code: 400 } });
    });

    it('lets users update their own profile and admins update anyone', async () => {
      expect(await post('community/users/bob/update', { token: bobToken, fullName: 'Bob Builder', units: 'english' })).toEqual({
        success: true,
        username: 'bob'
      });
      expect(await get('community/users/bob', { token: bobToken })).toMatchObject({ fullName: 'Bob Builder', units: 'english' });
      expect(await post('community/users/alice/update', { token: bobToken, fullName: 'Mallory' })).toEqual(FORBIDDEN);
      expect(await post('community/users/alice/update', { token: adminToken, description: 'Publisher' })).toEqual({ success: true, username: 'alice' });
    });

    it('disables and enables accounts (admin)', async () => {
      const dora = addUser(emu, 'dora');
      expect(await post('community/users/dora/disable', { token: bobToken })).toEqual(FORBIDDEN);
      expect(await post('community/users/dora/disable', { token: adminToken })).toEqual({ success: true });
      const denied = await rawRequest(
        `${emu.restUrl}/generateToken`,
        { username: 'dora', password: dora.password, client: 'referer', referer: 'x' },
        { method: 'POST' }
      );
      expect(denied.body).toMatchObject({ error: { details: ['This account has been disabled.'] } });
      expect(await get('community/users/dora', { token: adminToken })).toMatchObject({ disabled: true });
      expect(await post('community/users/dora/enable', { token: adminToken })).toEqual({ success: true });
      expect(await tokenFor(emu, 'dora', dora.password)).toEqual(expect.any(String));
      expect(await post(`community/users/${emu.admin.username}/disable`, { token: adminToken })).toMatchObject({ error: { code: 400 } });
    });

    it('refuses to delete a user who owns items or groups', async () => {
      const eve = addUser(emu, 'eve');
      const item = addItem(emu, 'eve', 10);
      expect(await post('community/users/eve/delete', { token: adminToken })).toMatchObject({
        error: { code: 400, message: "User 'eve' cannot be deleted as the user owns items or groups." }
      });
      emu.context.state.items.delete(item.json.id);
      const eveToken = await tokenFor(emu, 'eve', eve.password);
      const group = (await post('community/createGroup', { token: eveToken, title: 'Eve’s group' })) as { group: { id: string } };
      expect(await post('community/users/eve/delete', { token: adminToken })).toMatchObject({ error: { code: 400 } });
      expect(await post(`community/groups/${group.group.id}/delete`, { token: adminToken })).toEqual({ success: true, groupId: group.group.id });
      expect(await post('community/users/eve/delete', { token: bobToken })).toEqual(FORBIDDEN);
      expect(await post('community/users/eve/delete', { token: adminToken })).toEqual({ success: true, username: 'eve' });
      expect(await get('community/users/eve', { token: adminToken })).toMatchObject({ error: { messageCode: 'COM_0097' } });
      expect(await get('community/self', { token: eveToken })).toEqual({ error: { code: 498, message: 'Invalid token.', details: [] } });
    });

    it('changes roles and user types with ArcGIS’s compatibility rules', async () => {
      addUser(emu, 'frank');
      expect(await post('portals/self/updateUserRole', { token: bobToken, user: 'frank', role: 'org_publisher' })).toEqual(FORBIDDEN);
      expect(await post('portals/self/updateUserRole', { token: adminToken, user: 'frank', role: 'org_publisher' })).toEqual({
        success: true,
        username: 'frank'
      });
      expect(await get('community/users/frank', { token: adminToken })).toMatchObject({
        role: 'org_publisher',
        privileges: expect.arrayContaining(['portal:publisher:publishFeatures'])
      });
      expect(await post('portals/self/updateUserRole', { token: adminToken, user: 'viewer_vic', role: 'org_publisher' })).toMatchObject({
        error: { code: 400 }
      });
      expect(await post('portals/self/updateUserRole', { token: adminToken, user: 'frank', role: 'nonsense' })).toMatchObject({ error: { code: 400 } });
      const types = (await post('portals/self/updateUserLicenseType', { token: adminToken, users: 'frank,ghost', userLicenseType: 'GISProfessionalAdvUT' })) as {
        results: { username: string; success: boolean }[];
      };
      expect(types.results).toEqual([
        { username: 'frank', success: true },
        expect.objectContaining({ username: 'ghost', success: false })
      ]);
      expect(await get('community/users/frank', { token: adminToken })).toMatchObject({ userLicenseTypeId: 'GISProfessionalAdvUT' });
    });
  });

  describe('groups', () => {
    let privateGroupId: string;

    beforeAll(async () => {
      const created = (await post('community/createGroup', { token: aliceToken, title: 'Secret Squirrels', access: 'private', tags: 'a,b' })) as {
        group: { id: string };
      };
      privateGroupId = created.group.id;
    });

    it('answers with the documented group keys', async () => {
      expectShape(await get(`community/groups/${privateGroupId}`, { token: aliceToken }), fixture('group.json'));
    });

    it('hides private groups from non-members, not from the org’s admins', async () => {
      expect(await get(`community/groups/${privateGroupId}`, { token: bobToken })).toEqual(GROUP_NOT_FOUND);
      expect(await get(`community/groups/${privateGroupId}`)).toEqual(GROUP_NOT_FOUND);
      const search = (await get('community/groups', { q: 'title:Secret', token: bobToken })) as { total: number };
      expect(search.total).toBe(0);
      expect(await get(`community/groups/${privateGroupId}`, { token: adminToken })).toMatchObject({
        id: privateGroupId,
        userMembership: { memberType: 'none' }
      });
      expect(await get(`community/groups/${privateGroupId}/users`, { token: adminToken })).toEqual({ owner: 'alice', admins: ['alice'], users: [] });
    });

    it('lets only managers change a group, refuses duplicates and oversize batches', async () => {
      const org = (await post('community/createGroup', { token: aliceToken, title: 'Open House', access: 'org' })) as { group: { id: string } };
      const id = org.group.id;
      expect(await get(`community/groups/${id}/users`, { token: bobToken })).toEqual(FORBIDDEN);
      expect(await post(`community/groups/${id}/update`, { token: bobToken, title: 'Mine now' })).toEqual(FORBIDDEN);
      expect(await post(`community/groups/${id}/addUsers`, { token: bobToken, users: 'bob' })).toEqual(FORBIDDEN);
      expect(await post('community/createGroup', { token: aliceToken, title: 'open house' })).toMatchObject({
        error: { code: 400, message: "You already have a group named 'open house'. Try a different name." }
      });
      const many = Array.from({ length: 26 }, (_, i) => `u${i}`).join(',');
      expect(await post(`community/groups/${id}/addUsers`, { token: aliceToken, users: many })).toMatchObject({ error: { code: 400 } });
      expect(await post(`community/groups/${id}/update`, { token: aliceToken, access: 'everyone' })).toMatchObject({ error: { code: 400 } });
      expect(await post(`community/groups/${id}/addUsers`, { token: aliceToken, admins: 'bob' })).toEqual({ notAdded: [] });
      // A group manager may now update it.
      expect(await post(`community/groups/${id}/update`, { token: bobToken, snippet: 'Managed by Bob' })).toEqual({ success: true, groupId: id });
      expect(await post('community/createGroup', { token: aliceToken })).toMatchObject({ error: { code: 400 } });
    });

    it('refuses group creation without the createGroup privilege', async () => {
      const viewer = emu.context.state.getUser('viewer_vic')!;
      viewer.privileges = ['portal:user:joinGroup', 'portal:user:viewOrgGroups'];
      const token = await tokenFor(emu, 'viewer_vic', viewer.password);
      expect(await post('community/createGroup', { token, title: 'Viewers' })).toEqual(FORBIDDEN);
    });

    it('reassigns a group (admin) and keeps the previous owner as manager', async () => {
      const created = (await post('community/createGroup', { token: aliceToken, title: 'Handover', access: 'org' })) as { group: { id: string } };
      const id = created.group.id;
      expect(await post(`community/groups/${id}/reassign`, { token: bobToken, targetUsername: 'bob' })).toEqual(FORBIDDEN);
      expect(await post(`community/groups/${id}/reassign`, { token: adminToken, targetUsername: 'ghost' })).toMatchObject({
        error: { messageCode: 'COM_0097' }
      });
      expect(await post(`community/groups/${id}/reassign`, { token: adminToken, targetUsername: 'bob' })).toEqual({ success: true, groupId: id });
      expect(await get(`community/groups/${id}/users`, { token: bobToken })).toEqual({ owner: 'bob', admins: ['bob', 'alice'], users: [] });
      expect(await get(`community/groups/${id}`, { token: bobToken })).toMatchObject({ owner: 'bob', userMembership: { memberType: 'owner' } });
      // Reassigning to the owner changes nothing (the owner does not turn into a manager of an ownerless group).
      expect(await post(`community/groups/${id}/reassign`, { token: adminToken, targetUsername: 'BOB' })).toEqual({ success: true, groupId: id });
      expect(await get(`community/groups/${id}/users`, { token: bobToken })).toEqual({ owner: 'bob', admins: ['bob', 'alice'], users: [] });
    });

    it('protects groups from deletion until unprotected; unshares items of a deleted group', async () => {
      const created = (await post('community/createGroup', { token: aliceToken, title: 'Keep Me' })) as { group: { id: string } };
      const id = created.group.id;
      expect(await post(`community/groups/${id}/protect`, { token: bobToken })).toMatchObject({ error: { code: 400 } }); // invisible to bob
      expect(await post(`community/groups/${id}/protect`, { token: aliceToken })).toEqual({ success: true });
      expect(await post(`community/groups/${id}/delete`, { token: aliceToken })).toEqual({
        error: { code: 400, message: 'Unable to delete group. Group is delete protected.', details: [], messageCode: 'COM_0033' }
      });
      expect(await post(`community/groups/${id}/unprotect`, { token: aliceToken })).toEqual({ success: true });
      const item = addItem(emu, 'alice', 1);
      item.groups.add(id);
      item.json.access = 'shared';
      expect(await post(`community/groups/${id}/delete`, { token: aliceToken })).toEqual({ success: true, groupId: id });
      expect(item.groups.has(id)).toBe(false);
      expect(item.json.access).toBe('private');
    });

    it('community/self lists the user’s groups with userMembership', async () => {
      const self = (await get('community/self', { token: aliceToken })) as { groups: { id: string; userMembership: { memberType: string } }[] };
      const secret = self.groups.find((g) => g.id === privateGroupId);
      expect(secret?.userMembership.memberType).toBe('owner');
    });
  });
});
