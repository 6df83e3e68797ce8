/**
 * A group's members: the list (rest-js `getGroupUsers`) and the administrator's changes to it. rest-js's
 * `addGroupUsers` and `removeGroupUsers` send users and managers in separate parallel requests and turn failures into
 * an `errors` list, and its `updateUserMemberships` posts to `updateUsers`; these send one request per batch, throw
 * ArcGIS's error, and use `updateUserMemberships` as Esri's REST reference names it.
 */
import { getGroupUsers } from '@esri/arcgis-rest-portal';
import { groupUrl, POST, segment } from './portal-request.js';
import type { GroupOptions } from './groups.js';

/**
 * `community/groups/<id>/users` as ArcGIS answers it: the owner, the managers (`admins`, with the owner) and the plain
 * members. Kept as answered (a backup stores it byte for byte), so every field may be missing.
 */
export interface GroupMembers {
  owner?: string;
  admins?: string[];
  users?: string[];
}

/** ArcGIS adds or removes at most 25 users per call. */
const USERS_PER_CALL = 25;

export function getGroupMembers({ session, id }: GroupOptions): Promise<GroupMembers> {
  return session.call('group users', () => getGroupUsers(segment(id), { ...session.requestOptions, httpMethod: 'GET' }) as Promise<GroupMembers>);
}

/** Adds members (`users`) and managers (`admins`), 25 per request. */
export async function addGroupUsers({ session, id, users, admins }: GroupOptions & { users: string[]; admins: string[] }): Promise<void> {
  const all = [...users.map((u) => ({ u, admin: false })), ...admins.map((u) => ({ u, admin: true }))];
  for (let i = 0; i < all.length; i += USERS_PER_CALL) {
    const batch = all.slice(i, i + USERS_PER_CALL);
    const params: Record<string, string> = {};
    const plain = batch.filter((b) => !b.admin).map((b) => b.u);
    const managers = batch.filter((b) => b.admin).map((b) => b.u);
    if (plain.length > 0) params.users = plain.join(',');
    if (managers.length > 0) params.admins = managers.join(',');
    await session.request(`${groupUrl(session, id)}/addUsers`, params, POST);
  }
}

/** `removeUsers`; answers the users ArcGIS did not remove (non-members, the owner). */
export async function removeGroupUsers({ session, id, users }: GroupOptions & { users: string[] }): Promise<string[]> {
  const answer = await session.request<{ notRemoved?: string[] }>(`${groupUrl(session, id)}/removeUsers`, { users: users.join(',') }, POST);
  return answer.notRemoved ?? [];
}

/**
 * `updateUserMemberships`: makes members managers (`admin`) or managers members; answers the users ArcGIS did not
 * update (non-members, the owner).
 */
export async function updateGroupMemberships({ session, id, users, newMemberType }: GroupOptions & { users: string[]; newMemberType: 'member' | 'admin' }): Promise<string[]> {
  const answer = await session.request<{ results?: { username: string; success: boolean }[] }>(
    `${groupUrl(session, id)}/updateUserMemberships`,
    { users: users.join(','), newMemberType },
    POST
  );
  const updated = new Set((answer.results ?? []).filter((r) => r.success).map((r) => r.username.toLowerCase()));
  return users.filter((u) => !updated.has(u.toLowerCase()));
}
