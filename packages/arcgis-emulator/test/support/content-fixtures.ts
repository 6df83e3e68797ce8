import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { type EmulatorHandle } from '../../src/index.js';
import { newGroupRecord, newUserRecord } from '../../src/state/records.js';
import { type GroupRecord, type Role, type UserRecord } from '../../src/state/types.js';

/** Adds a user of the emulated org directly in state (content tests need owners other than the admin). */
export function addTestUser(emu: EmulatorHandle, username: string, role: Role = 'org_publisher', password = 'Test-Pass-2026!'): UserRecord {
  const state = emu.context.state;
  const now = emu.context.clock.now();
  return state.addUser(
    newUserRecord({ username, id: state.newId(), fullName: username, lastName: 'Test', orgId: state.org.id, role, created: now, password })
  );
}

/** Signs a test user in through `generateToken` with Esri's client. */
export async function signInAs(emu: EmulatorHandle, user: UserRecord): Promise<ArcGISIdentityManager> {
  return ArcGISIdentityManager.signIn({ username: user.username, password: user.password, portal: emu.restUrl });
}

/** Adds a group owned by `owner` with `members` directly in state. */
export function addTestGroup(emu: EmulatorHandle, owner: UserRecord, title: string, members: string[] = [], access: GroupRecord['access'] = 'org'): GroupRecord {
  const state = emu.context.state;
  const now = emu.context.clock.now();
  return state.addGroup(
    newGroupRecord({
      id: state.newId(),
      title,
      owner: owner.username,
      orgId: state.org.id,
      created: now,
      access,
      isInvitationOnly: true,
      members: new Map([[owner.username, 'owner' as const], ...members.map((m) => [m, 'member' as const] as const)])
    })
  );
}
