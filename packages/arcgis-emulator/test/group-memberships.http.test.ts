import { addGroupUsers, createGroup, getGroupUsers, updateUserMemberships } from '@esri/arcgis-rest-portal';
import { ArcGISIdentityManager, ArcGISRequestError } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { addUser } from './portal/fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

/** The group's members by type, sorted, as `community/groups/<id>/users` lists them. */
async function members(groupId: string, authentication: ArcGISIdentityManager): Promise<{ owner: string; admins: string[]; users: string[] }> {
  const list = await getGroupUsers(groupId, { authentication });
  return { owner: list.owner, admins: [...list.admins].sort(), users: [...list.users].sort() };
}

describe('Update User Memberships (community/groups/<id>/updateUserMemberships, rest-js updateUserMemberships)', () => {
  let emu: EmulatorHandle;
  let alice: ArcGISIdentityManager;
  let bob: ArcGISIdentityManager;
  let carol: ArcGISIdentityManager;
  let admin: ArcGISIdentityManager;
  let groupId: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    const signIn = (u: { username: string; password: string }) => ArcGISIdentityManager.signIn({ username: u.username, password: u.password, portal: emu.restUrl });
    alice = await signIn(addUser(emu, 'alice'));
    bob = await signIn(addUser(emu, 'bob'));
    carol = await signIn(addUser(emu, 'carol'));
    addUser(emu, 'dave');
    admin = await signIn(emu.admin);
    groupId = (await createGroup({ group: { title: 'Survey crews', tags: ['ops'], access: 'org' }, authentication: alice })).group.id;
    const added = await addGroupUsers({ id: groupId, users: ['bob', 'carol'], authentication: alice });
    expect(added.notAdded).toEqual([]);
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('the owner makes a member a manager and back; each user is reported with success', async () => {
    const promoted = await updateUserMemberships({ id: groupId, users: ['bob'], newMemberType: 'admin', authentication: alice });
    expect(promoted).toEqual({ results: [{ username: 'bob', success: true }] });
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice', 'bob'], users: ['carol'] });

    const demoted = await updateUserMemberships({ id: groupId, users: ['bob'], newMemberType: 'member', authentication: alice });
    expect(demoted).toEqual({ results: [{ username: 'bob', success: true }] });
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice'], users: ['bob', 'carol'] });
  });

  it('non-members, unknown users and the owner are reported as not updated; the others still change', async () => {
    const answer = await updateUserMemberships({ id: groupId, users: ['dave', 'ghost_user', 'alice', 'CAROL'], newMemberType: 'admin', authentication: alice });
    expect(answer.results).toEqual([
      { username: 'dave', success: false },
      { username: 'ghost_user', success: false },
      { username: 'alice', success: false },
      { username: 'carol', success: true }
    ]);
    // The owner stays the owner, the non-member stays out.
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice', 'carol'], users: ['bob'] });
  });

  it('group managers and org administrators may change memberships; plain members may not', async () => {
    // carol is a manager now (previous test).
    expect((await updateUserMemberships({ id: groupId, users: ['bob'], newMemberType: 'admin', authentication: carol })).results).toEqual([{ username: 'bob', success: true }]);
    expect((await updateUserMemberships({ id: groupId, users: ['bob', 'carol'], newMemberType: 'member', authentication: admin })).results).toEqual([
      { username: 'bob', success: true },
      { username: 'carol', success: true }
    ]);
    const refused = await updateUserMemberships({ id: groupId, users: ['carol'], newMemberType: 'admin', authentication: bob }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ArcGISRequestError);
    expect((refused as ArcGISRequestError).response).toMatchObject({ error: { code: 403 } });
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice'], users: ['bob', 'carol'] });
  });

  it('the documented form takes users (comma-separated) and newMemberType, and checks both', async () => {
    const url = `${emu.restUrl}/community/groups/${groupId}/updateUserMemberships`;
    const ok = await rawRequest(url, { users: 'bob,carol', newMemberType: 'admin', token: alice.token }, { method: 'POST' });
    expect(ok.body).toEqual({ results: [{ username: 'bob', success: true }, { username: 'carol', success: true }] });
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice', 'bob', 'carol'], users: [] });

    const back = await rawRequest(url, { users: 'carol', newMemberType: 'member', token: alice.token }, { method: 'POST' });
    expect(back.body).toEqual({ results: [{ username: 'carol', success: true }] });

    expect((await rawRequest(url, { users: 'bob', newMemberType: 'owner', token: alice.token }, { method: 'POST' })).body).toMatchObject({ error: { code: 400 } });
    expect((await rawRequest(url, { users: 'bob', token: alice.token }, { method: 'POST' })).body).toMatchObject({ error: { code: 400, message: "'newMemberType' must be specified." } });
    expect((await rawRequest(url, { newMemberType: 'member', token: alice.token }, { method: 'POST' })).body).toMatchObject({ error: { code: 400, message: "'users' must be specified." } });
    // Nothing changed by the refused calls.
    expect(await members(groupId, alice)).toEqual({ owner: 'alice', admins: ['alice', 'bob'], users: ['carol'] });
  });

  it('a group the caller cannot see is "does not exist or is inaccessible"', async () => {
    const hidden = (await createGroup({ group: { title: 'Private crews', tags: ['ops'], access: 'private' }, authentication: alice })).group.id;
    const answer = await rawRequest(`${emu.restUrl}/community/groups/${hidden}/updateUserMemberships`, { users: 'bob', newMemberType: 'admin', token: bob.token }, { method: 'POST' });
    expect(answer.body).toMatchObject({ error: { code: 400, messageCode: 'COM_0003' } });
  });
});
