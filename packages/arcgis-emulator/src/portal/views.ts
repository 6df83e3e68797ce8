import { type EmulatorContext } from '../context.js';
import { isAdmin, isMemberOf } from '../state/permissions.js';
import { trackStateWrites } from '../state/track-writes.js';
import { type GroupRecord, type UserRecord } from '../state/types.js';

/**
 * What ArcGIS shows of users and groups to whom. A user's private fields (email, lastLogin, privileges, role, storage,
 * groups...) are shown only to the user and to administrators of the user's organization; other members of the org
 * see the profile; anonymous callers and other orgs see public profiles only.
 */

export function sameUser(a: UserRecord | null, b: UserRecord): boolean {
  return !!a && a.username.toLowerCase() === b.username.toLowerCase();
}

/** Whether `viewer` may see `user` at all (ArcGIS answers "User does not exist or is inaccessible." otherwise). */
export function canSeeUser(viewer: UserRecord | null, user: UserRecord): boolean {
  if (sameUser(viewer, user)) return true;
  if (viewer && isAdmin(viewer) && viewer.orgId === user.orgId) return true;
  if (user.disabled) return false;
  if (user.access === 'public') return true;
  return !!viewer && viewer.orgId === user.orgId && user.access === 'org';
}

/** Whether `viewer` sees the private fields (self, or an administrator of the user's org). */
export function seesPrivateFields(viewer: UserRecord | null, user: UserRecord): boolean {
  return sameUser(viewer, user) || (!!viewer && isAdmin(viewer) && viewer.orgId === user.orgId);
}

/** Total size of the user's items (ArcGIS's `storageUsage`, bytes). */
export function storageUsage(emu: EmulatorContext, username: string): number {
  trackStateWrites(emu);
  return emu.state.contentOf(username).storage;
}

export function memberType(group: GroupRecord, username: string): 'owner' | 'admin' | 'member' | 'none' {
  const lower = username.toLowerCase();
  for (const [member, type] of group.members) if (member.toLowerCase() === lower) return type;
  return 'none';
}

export interface UserViewOptions {
  /** Adds `groups` (community/self, and community/users/<self>). */
  withGroups?: boolean;
}

export function userJson(emu: EmulatorContext, viewer: UserRecord | null, user: UserRecord, options: UserViewOptions = {}): Record<string, unknown> {
  const profile: Record<string, unknown> = {
    username: user.username,
    udn: null,
    id: user.id,
    fullName: user.fullName,
    firstName: user.firstName,
    lastName: user.lastName,
    description: user.description,
    tags: [...user.tags],
    culture: user.culture,
    region: user.region,
    units: user.units,
    thumbnail: user.thumbnail,
    access: user.access,
    created: user.created,
    modified: user.modified,
    provider: user.provider
  };
  const sameOrg = !!viewer && viewer.orgId === user.orgId;
  if (!sameOrg && !seesPrivateFields(viewer, user)) {
    // Public profile across organizations: no first/last name split.
    delete profile.firstName;
    delete profile.lastName;
    return profile;
  }
  profile.orgId = user.orgId;
  if (!seesPrivateFields(viewer, user)) return profile;

  // The private fields are added to the profile one by one (a user listing builds a hundred of these per page): the
  // keys and their order are those of the profile followed by the private fields, as ArcGIS answers them.
  const full = profile;
  if (emu.options.kind === 'online') {
    full.availableCredits = 500;
    full.assignedCredits = -1;
  }
  full.preferredView = null;
  full.email = user.email;
  full.userType = 'both';
  full.idpUsername = user.idpUsername;
  full.favGroupId = null;
  full.lastLogin = user.lastLogin;
  full.mfaEnabled = user.mfaEnabled;
  full.mfaEnforcementExempt = false;
  full.storageUsage = storageUsage(emu, user.username);
  full.storageQuota = user.storageQuota;
  full.role = user.role;
  full.privileges = [...user.privileges];
  // Only custom roles (Viewer, Data Editor, org-defined) carry a roleId; Esri's own client recognizes a built-in
  // administrator by `role === 'org_admin' && !roleId` (arcgis-rest-portal sharing helpers).
  if (user.roleId) full.roleId = user.roleId;
  full.level = user.level;
  full.userLicenseTypeId = user.userLicenseTypeId;
  full.disabled = user.disabled;
  full.cultureFormat = user.culture ? user.culture.split('-')[0] : null;
  if (options.withGroups) {
    full.groups = emu.state
      .groupsOf(user.username)
      .sort((a, b) => a.created - b.created)
      .map((g) => groupJson(emu, user, g, { membership: true }));
  }
  return full;
}

export interface GroupViewOptions {
  /** Adds `userMembership` for the viewer (group page, user's groups). */
  membership?: boolean;
}

export function groupJson(emu: EmulatorContext, viewer: UserRecord | null, group: GroupRecord, options: GroupViewOptions = {}): Record<string, unknown> {
  void emu;
  const json: Record<string, unknown> = {
    id: group.id,
    title: group.title,
    isInvitationOnly: group.isInvitationOnly,
    owner: group.owner,
    description: group.description,
    snippet: group.snippet,
    tags: [...group.tags],
    typeKeywords: [],
    phone: group.phone,
    sortField: group.sortField,
    sortOrder: group.sortOrder,
    isViewOnly: group.isViewOnly,
    isOpenData: group.isOpenData,
    featuredItemsId: null,
    thumbnail: group.thumbnail,
    created: group.created,
    modified: group.modified,
    access: group.access,
    capabilities: [...group.capabilities],
    isFav: group.isFav,
    isReadOnly: group.isReadOnly,
    protected: group.protected,
    autoJoin: group.autoJoin,
    notificationsEnabled: group.notificationsEnabled,
    provider: group.provider,
    providerGroupName: group.providerGroupName,
    leavingDisallowed: group.leavingDisallowed,
    hiddenMembers: group.hiddenMembers,
    membershipAccess: group.membershipAccess,
    displaySettings: { itemTypes: '' },
    orgId: group.orgId,
    properties: null
  };
  if (options.membership && viewer) {
    json.userMembership = { username: viewer.username, memberType: memberType(group, viewer.username), applications: 0 };
  }
  return json;
}

/** Whether `viewer` may manage the group (owner, group manager, or an administrator of the group's org). */
export function canManageGroup(viewer: UserRecord | null, group: GroupRecord): boolean {
  if (!viewer) return false;
  const type = memberType(group, viewer.username);
  if (type === 'owner' || type === 'admin') return true;
  return isAdmin(viewer) && viewer.orgId === group.orgId;
}

/** Whether `viewer` may list the group's members (members, and the org's administrators). */
export function canSeeMembers(viewer: UserRecord | null, group: GroupRecord): boolean {
  if (!viewer) return false;
  if (isAdmin(viewer) && viewer.orgId === group.orgId) return true;
  return isMemberOf(group, viewer.username);
}
