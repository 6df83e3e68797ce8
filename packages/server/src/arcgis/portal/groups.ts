/**
 * Groups: one group (rest-js `getGroup`), group searches (rest-js `searchGroups`: the organization's groups, a user's,
 * one by title), and the administrator's writes. rest-js's `createGroup` and `updateGroup` send the whole group object
 * (its id included) as parameters; these send exactly the parameters given, a thumbnail as a multipart file.
 */
import { getGroup as restGetGroup, type IGroup, type ISearchResult, searchGroups } from '@esri/arcgis-rest-portal';
import { type Listing, type PageAllOptions, pageAll, PAGE_SIZE } from './paging.js';
import { groupUrl, nextStartOf, orUndefined, POST, segment, segments, type SessionOptions } from './portal-request.js';

export interface GroupOptions extends SessionOptions {
  id: string;
}

export function getGroup({ session, id }: GroupOptions): Promise<IGroup> {
  return session.call('group', () => restGetGroup(segment(id), { ...session.requestOptions, httpMethod: 'GET' }));
}

/** The group, or undefined when it does not exist or the identity may not see it. */
export function findGroup(options: GroupOptions): Promise<IGroup | undefined> {
  return orUndefined(getGroup(options));
}

interface GroupSearch {
  q: string;
  start?: number;
  num?: number;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

function searchGroupsPage({ session, ...search }: SessionOptions & GroupSearch): Promise<ISearchResult<IGroup>> {
  return session.call('groups', () => searchGroups({ ...search, ...session.requestOptions, httpMethod: 'GET' }) as Promise<ISearchResult<IGroup>>);
}

/** Every group of the organization, sorted by title, up to the search cap (`capped` says when more exist). */
export function listOrgGroups({ session, orgId, ...options }: SessionOptions & PageAllOptions & { orgId: string }): Promise<Listing<IGroup>> {
  return pageAll((start) => searchGroupsPage({ session, q: `orgid:${orgId}`, start, num: PAGE_SIZE, sortField: 'title', sortOrder: 'asc' }), options);
}

/** The organization's groups owned by the user. */
export async function listOwnedGroups({ session, username, orgId }: SessionOptions & { username: string; orgId: string }): Promise<{ id: string; title: string }[]> {
  const out: { id: string; title: string }[] = [];
  for (let start = 1; start > 0; ) {
    const page = await searchGroupsPage({ session, q: `owner:${username} AND orgid:${orgId}`, start, num: PAGE_SIZE });
    // The search matches words; keep exactly this owner.
    for (const group of page.results ?? []) if (String(group.owner).toLowerCase() === username.toLowerCase()) out.push({ id: group.id, title: String(group.title ?? '') });
    start = nextStartOf(page, start);
  }
  return out;
}

/** The organization's group with this title (ignoring case), if any. */
export async function findGroupByTitle({ session, orgId, title }: SessionOptions & { orgId: string; title: string }): Promise<IGroup | undefined> {
  const answer = await searchGroupsPage({ session, q: `title:"${title.replace(/["\\]/g, ' ')}" AND orgid:${orgId}`, num: PAGE_SIZE });
  return (answer.results ?? []).find((g) => String(g.title).toLowerCase() === title.toLowerCase());
}

/** createGroup / update parameters: strings, and the thumbnail as a File (a multipart part named by its file name). */
export type GroupParams = Record<string, string> & { thumbnail?: File };

export async function createGroup({ session, params }: SessionOptions & { params: GroupParams }): Promise<IGroup> {
  const answer = await session.request<{ group?: IGroup }>(`${session.restUrl}/community/createGroup`, params, POST);
  if (!answer.group?.id) throw new Error(`ArcGIS did not return the new group "${params.title ?? ''}".`);
  return answer.group;
}

/** What OrgKeeper changes on a group: a new thumbnail (its file name becomes the group's `thumbnail`), the access level. */
export interface GroupUpdate {
  thumbnail?: File;
  access?: 'private' | 'org' | 'public';
}

/** `community/groups/<id>/update` with only the given properties. */
export async function updateGroup({ session, id, params }: GroupOptions & { params: GroupUpdate }): Promise<void> {
  await session.request(`${groupUrl(session, id)}/update`, { ...params }, POST);
}

export async function reassignGroup({ session, id, targetUsername }: GroupOptions & { targetUsername: string }): Promise<void> {
  await session.request(`${groupUrl(session, id)}/reassign`, { targetUsername }, POST);
}

/** `community/groups/<id>/info/<name>`: the group's thumbnail, under the name its `thumbnail` gives. */
export function groupThumbnailUrl({ session, id, name }: GroupOptions & { name: string }): string {
  return `${groupUrl(session, id)}/info/${segments(name)}`;
}

/** The bytes of a group's thumbnail; undefined when the group has none under that name. */
export async function getGroupThumbnail(options: GroupOptions & { name: string }): Promise<Buffer | undefined> {
  const file = await orUndefined(options.session.download(groupThumbnailUrl(options)));
  return file?.bytes;
}
