import { type EmulatorState } from './state.js';
import { type GroupRecord, type ItemRecord, type UserRecord } from './types.js';

/** An administrator of the organization (built-in role org_admin) may read and change all of its content. */
export function isAdmin(user: UserRecord | null | undefined): boolean {
  return !!user && user.role === 'org_admin' && !user.disabled;
}

/** Whether the user holds a privilege; administrators hold every `portal:user:` one. */
export function hasPrivilege(user: UserRecord, privilege: string): boolean {
  return user.privileges.includes(privilege) || (isAdmin(user) && privilege.startsWith('portal:user:'));
}

export function isMemberOf(group: GroupRecord, username: string): boolean {
  const lower = username.toLowerCase();
  for (const m of group.members.keys()) if (m.toLowerCase() === lower) return true;
  return false;
}

export function isOwner(user: UserRecord | null | undefined, owner: string): boolean {
  return !!user && user.username.toLowerCase() === owner.toLowerCase();
}

/** Whether `user` (null = anonymous) can see the item, following ArcGIS's access levels. */
export function canReadItem(state: EmulatorState, user: UserRecord | null, item: ItemRecord): boolean {
  const { access, owner, orgId } = item.json;
  if (access === 'public') return true;
  if (!user) return false;
  if (isOwner(user, owner)) return true;
  if (isAdmin(user) && user.orgId === orgId) return true;
  if (access === 'org') return user.orgId === orgId;
  for (const groupId of item.groups) {
    const group = state.groups.get(groupId);
    if (group && isMemberOf(group, user.username)) return true;
  }
  return false;
}

/** Owner or an administrator of the item's organization. */
export function canEditItem(user: UserRecord | null, item: ItemRecord): boolean {
  if (!user) return false;
  return isOwner(user, item.json.owner) || (isAdmin(user) && user.orgId === item.json.orgId);
}

export function canReadGroup(user: UserRecord | null, group: GroupRecord): boolean {
  if (group.access === 'public') return true;
  if (!user) return false;
  if (isMemberOf(group, user.username)) return true;
  if (group.access === 'org') return user.orgId === group.orgId;
  return isAdmin(user) && user.orgId === group.orgId;
}

/** The item's access as ArcGIS reports it: 'shared' when shared with groups only. */
export function deriveAccess(everyone: boolean, org: boolean, groupCount: number): 'private' | 'shared' | 'org' | 'public' {
  if (everyone) return 'public';
  if (org) return 'org';
  return groupCount > 0 ? 'shared' : 'private';
}
