/**
 * Who can see an item: the groups it is shared with (rest-js `getItemGroups`), and `share` / `unshare` on the owner's
 * item path. rest-js's `shareItemWithGroup` and `setItemAccess` first read the caller, the group's members or the item
 * (several requests per call) and share with one group at a time; these send the one request.
 */
import { getItemGroups } from '@esri/arcgis-rest-portal';
import type { ItemOptions, OwnedItemOptions } from './item.js';
import { POST, segment, userItemUrl } from './portal-request.js';

/** Ids of the groups the item is shared with that the identity can see (admin, member and other), sorted. */
export async function getItemGroupIds({ session, id }: ItemOptions): Promise<string[]> {
  const groups = await session.call('item groups', () => getItemGroups(segment(id), { ...session.requestOptions, httpMethod: 'GET' }));
  const ids = new Set<string>();
  for (const list of [groups.admin, groups.member, groups.other]) for (const group of list ?? []) if (typeof group.id === 'string') ids.add(group.id);
  return [...ids].sort();
}

export interface ShareItemOptions extends OwnedItemOptions {
  /** Share with everyone (public; implies the organization). Absent: not sent, ArcGIS leaves it as it is. */
  everyone?: boolean;
  /** Share with the organization. Absent: not sent. */
  org?: boolean;
  /** Group ids to share with (an empty list is sent as such). Absent: not sent. */
  groups?: string[];
}

/** `share`; answers the groups ArcGIS did not share with. */
export async function shareItem({ session, owner, id, everyone, org, groups }: ShareItemOptions): Promise<string[]> {
  const params: Record<string, string> = {};
  if (everyone !== undefined) params.everyone = String(everyone);
  if (org !== undefined) params.org = String(org);
  if (groups !== undefined) params.groups = groups.join(',');
  const answer = await session.request<{ notSharedWith?: string[] }>(`${userItemUrl(session, owner, id)}/share`, params, POST);
  return answer.notSharedWith ?? [];
}

/** `unshare` from groups; answers the groups ArcGIS did not unshare from. */
export async function unshareItem({ session, owner, id, groups }: OwnedItemOptions & { groups: string[] }): Promise<string[]> {
  const answer = await session.request<{ notUnsharedFrom?: string[] }>(`${userItemUrl(session, owner, id)}/unshare`, { groups: groups.join(',') }, POST);
  return answer.notUnsharedFrom ?? [];
}
