import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { type EmulatorHandle } from '../../src/index.js';
import { PRIVILEGES } from '../../src/seed/base.js';
import { type GroupRecord, type Role, type UserRecord } from '../../src/state/types.js';

/** Adds a user of the emulated org directly in state (content tests need owners other than the admin). */
export function addTestUser(emu: EmulatorHandle, username: string, role: Role = 'org_publisher', password = 'Test-Pass-2026!'): UserRecord {
  const state = emu.context.state;
  const now = emu.context.clock.now();
  const privileges = role === 'org_admin' ? PRIVILEGES.org_admin : role === 'org_publisher' ? PRIVILEGES.org_publisher : PRIVILEGES.org_user;
  return state.addUser({
    username,
    id: state.newId(),
    fullName: username,
    firstName: username,
    lastName: 'Test',
    email: `${username}@example.test`,
    description: null,
    tags: [],
    culture: 'en',
    region: 'US',
    units: 'english',
    thumbnail: null,
    access: 'org',
    orgId: state.org.id,
    role,
    roleId: null,
    privileges: [...privileges],
    userLicenseTypeId: 'creatorUT',
    level: '2',
    disabled: false,
    provider: 'arcgis',
    idpUsername: null,
    created: now,
    modified: now,
    lastLogin: -1,
    storageQuota: 2199023255552,
    mfaEnabled: false,
    password
  });
}

/** Signs a test user in through `generateToken` with Esri's client. */
export async function signInAs(emu: EmulatorHandle, user: UserRecord): Promise<ArcGISIdentityManager> {
  return ArcGISIdentityManager.signIn({ username: user.username, password: user.password, portal: emu.restUrl });
}

/** Adds a group owned by `owner` with `members` directly in state. */
export function addTestGroup(emu: EmulatorHandle, owner: UserRecord, title: string, members: string[] = [], access: GroupRecord['access'] = 'org'): GroupRecord {
  const state = emu.context.state;
  const now = emu.context.clock.now();
  return state.addGroup({
    id: state.newId(),
    title,
    owner: owner.username,
    description: null,
    snippet: null,
    tags: [],
    phone: null,
    sortField: 'title',
    sortOrder: 'asc',
    isViewOnly: false,
    isInvitationOnly: true,
    thumbnail: null,
    created: now,
    modified: now,
    access,
    capabilities: [],
    isFav: false,
    isReadOnly: false,
    protected: false,
    autoJoin: false,
    notificationsEnabled: false,
    provider: null,
    providerGroupName: null,
    leavingDisallowed: false,
    hiddenMembers: false,
    membershipAccess: 'org',
    isOpenData: false,
    orgId: state.org.id,
    members: new Map([[owner.username, 'owner' as const], ...members.map((m) => [m, 'member' as const] as const)])
  });
}
