import {
  addGroupUsers,
  createGroup,
  getGroup,
  getGroupUsers,
  getSelf,
  getUser,
  protectGroup,
  removeGroup,
  removeGroupUsers,
  searchGroups,
  searchUsers,
  unprotectGroup,
  updateGroup
} from '@esri/arcgis-rest-portal';
import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { addItem, addUser } from '../portal/fixtures.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';

/** Portal, user and group calls through Esri's @esri/arcgis-rest-portal, on both kinds. */
describe.each(['online', 'enterprise'] as const)('portal with Esri’s client (%s)', (kind) => {
  let emu: EmulatorHandle;
  let admin: ArcGISIdentityManager;
  let member: ArcGISIdentityManager;
  const memberName = `member_${kind}`;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind, seed: 'empty' });
    admin = await signInAsAdmin(emu);
    const user = addUser(emu, memberName, { role: 'org_publisher' });
    for (let i = 0; i < 12; i++) addUser(emu, `paged_${String(i).padStart(2, '0')}_${kind}`);
    addItem(emu, memberName, 1000);
    addItem(emu, memberName, 234);
    member = await ArcGISIdentityManager.signIn({ username: user.username, password: user.password, portal: emu.restUrl });
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('getSelf describes the portal and the caller', async () => {
    const portal = await getSelf({ authentication: admin });
    expect(portal).toMatchObject({
      id: emu.orgId,
      isPortal: kind === 'enterprise',
      portalMode: kind === 'enterprise' ? 'singletenant' : 'multitenant',
      supportsOAuth: true,
      name: emu.context.state.org.name,
      maxTokenExpirationMinutes: expect.any(Number),
      allowedRedirectUris: [],
      authorizedCrossOriginDomains: [],
      user: { username: emu.admin.username, role: 'org_admin', email: expect.any(String) }
    });
    expect(typeof portal.currentVersion).toBe('string');
    if (kind === 'online') expect(portal.subscriptionInfo).toMatchObject({ type: expect.any(String) });
    else expect(portal).not.toHaveProperty('subscriptionInfo');
  });

  it('getUser shows private fields to the user and to admins only', async () => {
    const self = await getUser({ authentication: member });
    expect(self).toMatchObject({ username: memberName, email: `${memberName}@example.test`, storageUsage: 1234, role: 'org_publisher', groups: [] });
    const seenByAdmin = await getUser({ username: memberName, authentication: admin });
    expect(seenByAdmin).toMatchObject({ email: `${memberName}@example.test`, lastLogin: expect.any(Number), storageUsage: 1234 });
    const adminSeenByMember = await getUser({ username: emu.admin.username, authentication: member });
    expect(adminSeenByMember.username).toBe(emu.admin.username);
    expect(adminSeenByMember).not.toHaveProperty('email');
    expect(adminSeenByMember).not.toHaveProperty('lastLogin');
    expect(adminSeenByMember).not.toHaveProperty('privileges');
  });

  it('searchUsers pages with nextStart (admin)', async () => {
    const first = await searchUsers({ q: 'username:paged_*', num: 5, sortField: 'username', authentication: admin });
    expect(first.total).toBe(12);
    expect(first.results.map((u) => u.username)).toEqual([0, 1, 2, 3, 4].map((i) => `paged_0${i}_${kind}`));
    expect(first.nextStart).toBe(6);
    const last = await searchUsers({ q: 'username:paged_*', num: 5, start: 11, sortField: 'username', authentication: admin });
    expect(last.results).toHaveLength(2);
    expect(last.nextStart).toBe(-1);
    expect(last.results[0]).toMatchObject({ lastLogin: -1, disabled: false, role: 'org_user', userLicenseTypeId: 'creatorUT' });
    await expect(searchUsers({ q: '*', authentication: member })).rejects.toMatchObject({ code: 'GWM_0003' });
  });

  it('creates, reads, updates, fills, empties, protects and removes a group', async () => {
    const created = await createGroup({
      group: { title: `Field Crews ${kind}`, access: 'org', tags: ['field', 'crews'], description: 'Crew maps' },
      authentication: member
    });
    expect(created.success).toBe(true);
    const id = created.group.id;
    expect(created.group).toMatchObject({ title: `Field Crews ${kind}`, owner: memberName, access: 'org', tags: ['field', 'crews'] });

    const fetched = await getGroup(id, { authentication: member });
    expect(fetched).toMatchObject({ id, userMembership: { username: memberName, memberType: 'owner' } });

    const updated = await updateGroup({ group: { id, snippet: 'Crews in the field', access: 'private' }, authentication: member });
    expect(updated).toEqual({ success: true, groupId: id });
    expect((await getGroup(id, { authentication: member })).snippet).toBe('Crews in the field');

    const added = await addGroupUsers({ id, users: ['paged_00_' + kind, 'ghost_user'], admins: ['paged_01_' + kind], authentication: member });
    expect(added.notAdded).toEqual(['ghost_user']);
    const users = await getGroupUsers(id, { authentication: member });
    expect(users.owner).toBe(memberName);
    expect(users.admins.sort()).toEqual([memberName, `paged_01_${kind}`].sort());
    expect(users.users).toEqual([`paged_00_${kind}`]);

    const removed = await removeGroupUsers({ id, users: [`paged_00_${kind}`, memberName], authentication: member });
    expect(removed.notRemoved).toEqual([memberName]);
    expect((await getGroupUsers(id, { authentication: member })).users).toEqual([]);

    const found = await searchGroups({ q: `title:"Field Crews ${kind}"`, authentication: admin });
    expect(found.results.map((g) => g.id)).toEqual([id]);

    expect(await protectGroup({ id, authentication: member })).toEqual({ success: true });
    await expect(removeGroup({ id, authentication: member })).rejects.toMatchObject({ name: 'ArcGISRequestError' });
    expect(await unprotectGroup({ id, authentication: admin })).toEqual({ success: true });
    expect(await removeGroup({ id, authentication: member })).toEqual({ success: true, groupId: id });
    await expect(getGroup(id, { authentication: member })).rejects.toMatchObject({ code: 'COM_0003' });
  });
});
