/**
 * The ArcGIS calls fixes make, one small typed function per endpoint on rest-js's `request()` (through the identity's
 * session: limits, retries, token refresh). Paths are relative to the portal's REST root; writes on an item go through
 * its owner's `content/users/<owner>/items/<id>/...` path as ArcGIS requires.
 */
import { getItem, getItemGroups, type IItem, moveItem as restMoveItem, protectItem as restProtectItem, removeItem, unprotectItem } from '@esri/arcgis-rest-portal';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { GroupMembership } from './fix.types.js';

const enc = encodeURIComponent;
const post = { httpMethod: 'POST' as const };

export interface PortalUser {
  username: string;
  fullName?: string;
  email?: string;
  disabled?: boolean;
  orgId?: string;
  role?: string;
}

export interface PortalFolder {
  id: string;
  title: string;
}

export interface UserContentPage {
  items: IItem[];
  folders?: PortalFolder[];
  nextStart: number;
}

export function readItem(session: ArcGISSession, id: string): Promise<IItem> {
  return session.call('item', () => getItem(id, { ...session.requestOptions, httpMethod: 'GET' }));
}

/** Ids of the groups an item is shared with (every group the caller can see: admin, member and other). */
export async function readItemGroupIds(session: ArcGISSession, id: string): Promise<string[]> {
  const groups = await session.call('item groups', () => getItemGroups(id, { ...session.requestOptions, httpMethod: 'GET' }));
  const ids = new Set<string>();
  for (const list of [groups.admin, groups.member, groups.other]) for (const group of list ?? []) if (typeof group.id === 'string') ids.add(group.id);
  return [...ids].sort();
}

export function readUser(session: ArcGISSession, username: string): Promise<PortalUser> {
  return session.request<PortalUser>(`${session.restUrl}/community/users/${enc(username)}`);
}

/** The user's folders (`content/users/<u>` lists them with the root items). */
export async function readFolders(session: ArcGISSession, username: string): Promise<PortalFolder[]> {
  const page = await session.request<UserContentPage>(`${session.restUrl}/content/users/${enc(username)}`, { start: 1, num: 1 });
  return (page.folders ?? []).map((f) => ({ id: f.id, title: f.title }));
}

/** Every item a user owns, with the title of its folder (null: root). */
export async function readUserItems(session: ArcGISSession, username: string): Promise<{ id: string; title: string; folder: string | null }[]> {
  const out: { id: string; title: string; folder: string | null }[] = [];
  const pageAll = async (path: string, folder: string | null) => {
    for (let start = 1; start > 0; ) {
      const page = await session.request<UserContentPage & { folders?: PortalFolder[] }>(`${session.restUrl}/content/users/${path}`, { start, num: 100 });
      for (const item of page.items ?? []) out.push({ id: item.id, title: String(item.title ?? ''), folder });
      start = page.nextStart > start ? page.nextStart : -1;
    }
  };
  await pageAll(enc(username), null);
  for (const folder of await readFolders(session, username)) await pageAll(`${enc(username)}/${enc(folder.id)}`, folder.title);
  return out;
}

/** Groups of the organization owned by the user. */
export async function readOwnedGroups(session: ArcGISSession, username: string, orgId: string): Promise<{ id: string; title: string }[]> {
  const out: { id: string; title: string }[] = [];
  for (let start = 1; start > 0; ) {
    const page = await session.request<{ results: { id: string; title: string; owner: string }[]; nextStart: number }>(`${session.restUrl}/community/groups`, {
      q: `owner:${username} AND orgid:${orgId}`,
      start,
      num: 100
    });
    // The search matches words; keep exactly this owner.
    for (const group of page.results ?? []) if (group.owner.toLowerCase() === username.toLowerCase()) out.push({ id: group.id, title: group.title });
    start = page.nextStart > start ? page.nextStart : -1;
  }
  return out;
}

/** rest-js's item writes need an authenticated session (fixes always run as the identity's administrator). */
function signedIn(session: ArcGISSession) {
  const { authentication, portal } = session.requestOptions;
  if (!authentication) throw new Error('Fixes need a signed-in identity; connect it first.');
  return { authentication, portal };
}

const itemPath = (session: ArcGISSession, owner: string, id: string) => `${session.restUrl}/content/users/${enc(owner)}/items/${enc(id)}`;

export async function protectItem(session: ArcGISSession, owner: string, id: string, value: boolean): Promise<void> {
  const options = { id, owner, ...signedIn(session) };
  await session.call(value ? 'protect item' : 'unprotect item', () => (value ? restProtectItem(options) : unprotectItem(options)));
}

/** Deletes an item (ArcGIS Online keeps it in the recycle bin; delete protection makes ArcGIS refuse). */
export async function deleteItem(session: ArcGISSession, owner: string, id: string): Promise<void> {
  await session.call('delete item', () => removeItem({ id, owner, ...signedIn(session) }));
}

/** Moves an item into one of its owner's folders (id; `/` is the root). */
export async function moveItem(session: ArcGISSession, owner: string, id: string, folder: string): Promise<void> {
  await session.call('move item', () => restMoveItem({ itemId: id, folderId: folder, owner, ...signedIn(session) }));
}

/**
 * Gives an item to another user (administrators); the folder (a title, `/` the root) is created when missing.
 * rest-js's reassignItem asks for the caller's role before every call; fixes check the administrator once.
 */
export async function reassignItem(session: ArcGISSession, owner: string, id: string, targetUsername: string, targetFolderName: string): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/reassign`, { targetUsername, targetFolderName }, post);
}

/** Sets who can see the item beyond its groups: `everyone` implies the organization. */
export async function setItemAccess(session: ArcGISSession, owner: string, id: string, access: { everyone: boolean; org: boolean }): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/share`, { everyone: access.everyone, org: access.org, groups: '' }, post);
}

/** Shares with groups; returns the groups ArcGIS did not share with. */
export async function shareWithGroups(session: ArcGISSession, owner: string, id: string, groups: string[]): Promise<string[]> {
  const answer = await session.request<{ notSharedWith?: string[] }>(`${itemPath(session, owner, id)}/share`, { groups: groups.join(',') }, post);
  return answer.notSharedWith ?? [];
}

/** Stops sharing with groups; returns the groups ArcGIS did not unshare from. */
export async function unshareFromGroups(session: ArcGISSession, owner: string, id: string, groups: string[]): Promise<string[]> {
  const answer = await session.request<{ notUnsharedFrom?: string[] }>(`${itemPath(session, owner, id)}/unshare`, { groups: groups.join(',') }, post);
  return answer.notUnsharedFrom ?? [];
}

/** Replaces the item's tags (an empty list clears them). A plain update: rest-js's updateItem also rewrites thumbnails. */
export async function setItemTags(session: ArcGISSession, owner: string, id: string, tags: string[]): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/update`, tags.length > 0 ? { tags: tags.join(',') } : { tags: '', clearEmptyFields: true }, post);
}

/** `content/items/<id>/setContentStatus`: org_authoritative, public_authoritative, deprecated, or null to clear. */
export async function setContentStatus(session: ArcGISSession, id: string, status: string | null): Promise<void> {
  await session.request(`${session.restUrl}/content/items/${enc(id)}/setContentStatus`, status ? { status } : { status: '', clearEmptyFields: true }, post);
}

export async function setUserDisabled(session: ArcGISSession, username: string, disabled: boolean): Promise<void> {
  await session.request(`${session.restUrl}/community/users/${enc(username)}/${disabled ? 'disable' : 'enable'}`, {}, post);
}

export async function deleteUser(session: ArcGISSession, username: string): Promise<void> {
  await session.request(`${session.restUrl}/community/users/${enc(username)}/delete`, {}, post);
}

export async function reassignGroup(session: ArcGISSession, groupId: string, targetUsername: string): Promise<void> {
  await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/reassign`, { targetUsername }, post);
}

export async function readGroup(session: ArcGISSession, groupId: string): Promise<{ id: string; title: string; owner: string; access: string }> {
  return session.request(`${session.restUrl}/community/groups/${enc(groupId)}`);
}

/** `community/groups/<id>/users`: the owner, the managers (`admins`, with the owner) and the plain members. */
export interface GroupMembers {
  owner: string;
  admins: string[];
  users: string[];
}

export async function readGroupMembers(session: ArcGISSession, groupId: string): Promise<GroupMembers> {
  const answer = await session.request<Partial<GroupMembers>>(`${session.restUrl}/community/groups/${enc(groupId)}/users`);
  return { owner: String(answer.owner ?? ''), admins: answer.admins ?? [], users: answer.users ?? [] };
}

/** A user's membership of a group from its member list (names are case-insensitive in ArcGIS). */
export function membershipOf(members: GroupMembers, username: string): GroupMembership {
  const lower = username.toLowerCase();
  if (members.owner.toLowerCase() === lower || members.admins.some((u) => u.toLowerCase() === lower)) return 'admin';
  return members.users.some((u) => u.toLowerCase() === lower) ? 'member' : 'none';
}

/** `community/groups/<id>/removeUsers`; returns the users ArcGIS did not remove (non-members, the owner). */
export async function removeGroupUsers(session: ArcGISSession, groupId: string, users: string[]): Promise<string[]> {
  const answer = await session.request<{ notRemoved?: string[] }>(`${session.restUrl}/community/groups/${enc(groupId)}/removeUsers`, { users: users.join(',') }, post);
  return answer.notRemoved ?? [];
}

/**
 * `community/groups/<id>/updateUserMemberships`: makes members managers (`admin`) or managers members; returns the
 * users ArcGIS did not update (non-members, the owner).
 */
export async function updateGroupMemberships(session: ArcGISSession, groupId: string, users: string[], newMemberType: 'member' | 'admin'): Promise<string[]> {
  const answer = await session.request<{ results?: { username: string; success: boolean }[] }>(
    `${session.restUrl}/community/groups/${enc(groupId)}/updateUserMemberships`,
    { users: users.join(','), newMemberType },
    post
  );
  const updated = new Set((answer.results ?? []).filter((r) => r.success).map((r) => r.username.toLowerCase()));
  return users.filter((u) => !updated.has(u.toLowerCase()));
}

export async function setGroupAccess(session: ArcGISSession, groupId: string, access: 'private' | 'org' | 'public'): Promise<void> {
  await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/update`, { access }, post);
}
