import { type EmulatorHandle } from '../../src/index.js';
import { newItemRecord, newUserRecord } from '../../src/state/records.js';
import { type GroupRecord, type ItemRecord, type Role, type UserRecord } from '../../src/state/types.js';

/** Test users are inserted straight into the emulator's state (the seed module owns the demo org). */
export function addUser(
  emu: EmulatorHandle,
  username: string,
  options: Partial<Pick<UserRecord, 'access' | 'disabled' | 'userLicenseTypeId' | 'roleId' | 'email' | 'lastLogin' | 'orgId'>> & { role?: Role } = {}
): UserRecord & { password: string } {
  const role = options.role ?? 'org_user';
  const now = emu.context.clock.now();
  const user = newUserRecord({
    username,
    id: `${username.replace(/[^a-z0-9]/gi, '')}0000000000000000`.slice(0, 32),
    fullName: `${username} Tester`,
    email: options.email ?? `${username}@example.test`,
    units: 'metric',
    access: options.access ?? 'org',
    orgId: options.orgId ?? emu.orgId,
    role,
    roleId: options.roleId ?? null,
    userLicenseTypeId: options.userLicenseTypeId ?? 'creatorUT',
    disabled: options.disabled ?? false,
    created: now - 86_400_000,
    lastLogin: options.lastLogin ?? -1,
    password: `${username}-Secret-1!`
  });
  emu.context.state.addUser(user);
  return user as UserRecord & { password: string };
}

/** A minimal item owned by `owner` with `size` bytes (for storageUsage and delete-user checks). */
export function addItem(emu: EmulatorHandle, owner: string, size: number, title = 'Test item'): ItemRecord {
  const now = emu.context.clock.now();
  const id = emu.context.state.newId();
  const item = newItemRecord({ id, owner, orgId: emu.orgId, created: now, title, type: 'CSV', typeKeywords: ['CSV'], culture: 'en-us', size });
  emu.context.state.addItem(item);
  return item;
}

export function groupById(emu: EmulatorHandle, id: string): GroupRecord | undefined {
  return emu.context.state.groups.get(id);
}

/** Signs in with generateToken over raw HTTP and returns the token. */
export async function tokenFor(emu: EmulatorHandle, username: string, password: string): Promise<string> {
  const response = await fetch(`${emu.restUrl}/generateToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, client: 'referer', referer: 'http://localhost', f: 'json' })
  });
  const body = (await response.json()) as { token?: string };
  if (!body.token) throw new Error(`generateToken failed for ${username}: ${JSON.stringify(body)}`);
  return body.token;
}
