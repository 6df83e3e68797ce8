/**
 * The portal calls a restore makes, one small typed function each on top of the session's `request()` (rest-js
 * `request` underneath: it sends a multipart body when a parameter is a File). Reads answer `undefined` for "does not
 * exist"; writes throw ArcGISFailure.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { ArcGISFailure } from '../arcgis/arcgis-errors.js';

const enc = encodeURIComponent;

export interface PortalSelf {
  id: string;
  isPortal: boolean;
  portalUrl: string;
  username: string;
}

export interface LiveItem {
  id: string;
  owner: string;
  title: string;
  type: string;
  typeKeywords?: string[];
  ownerFolder?: string | null;
  url?: string | null;
  access?: string;
  protected?: boolean;
  thumbnail?: string | null;
  [key: string]: unknown;
}

export interface LiveGroup {
  id: string;
  title: string;
  owner: string;
  [key: string]: unknown;
}

export interface LiveFolder {
  id: string;
  title: string;
}

const isNotFound = (error: unknown) =>
  error instanceof ArcGISFailure && (error.kind === 'not_found' || (error.kind === 'invalid' && /does not exist|not found/i.test(error.message)));

async function orUndefined<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function portalSelf(session: ArcGISSession): Promise<PortalSelf> {
  const self = await session.request<{ id?: string; isPortal?: boolean; user?: { username?: string } }>(`${session.restUrl}/portals/self`);
  const username = self.user?.username;
  if (!self.id || !username) throw new Error(`${session.portalUrl} did not say which organization and user this sign-in belongs to (portals/self).`);
  return { id: self.id, isPortal: self.isPortal === true, portalUrl: session.portalUrl, username };
}

export function getItem(session: ArcGISSession, id: string): Promise<LiveItem | undefined> {
  return orUndefined(session.request<LiveItem>(`${session.restUrl}/content/items/${enc(id)}`));
}

export function getGroup(session: ArcGISSession, id: string): Promise<LiveGroup | undefined> {
  return orUndefined(session.request<LiveGroup>(`${session.restUrl}/community/groups/${enc(id)}`));
}

export async function findGroupByTitle(session: ArcGISSession, orgId: string, title: string): Promise<LiveGroup | undefined> {
  const answer = await session.request<{ results?: LiveGroup[] }>(`${session.restUrl}/community/groups`, {
    q: `title:"${title.replace(/["\\]/g, ' ')}" AND orgid:${orgId}`,
    num: 100
  });
  return (answer.results ?? []).find((g) => g.title.toLowerCase() === title.toLowerCase());
}

/** The user's exact username when the user exists and is not disabled (a disabled user cannot own new content). */
export async function userExists(session: ArcGISSession, username: string): Promise<string | undefined> {
  const user = await orUndefined(session.request<{ username?: string; disabled?: boolean }>(`${session.restUrl}/community/users/${enc(username)}`));
  return user?.disabled ? undefined : user?.username;
}

/** The user's content in one folder (null: root), every page; and the user's folders. */
export async function userContent(session: ArcGISSession, username: string, folderId: string | null): Promise<{ items: LiveItem[]; folders: LiveFolder[] }> {
  const items: LiveItem[] = [];
  let folders: LiveFolder[] = [];
  const base = `${session.restUrl}/content/users/${enc(username)}${folderId ? `/${enc(folderId)}` : ''}`;
  for (let start = 1; start > 0; ) {
    const page = await session.request<{ items?: LiveItem[]; folders?: LiveFolder[]; nextStart?: number }>(base, { start, num: 100 });
    items.push(...(page.items ?? []));
    if (page.folders && page.folders.length > 0) folders = page.folders;
    const next = Number(page.nextStart ?? -1);
    start = next > start ? next : -1;
  }
  return { items, folders };
}

export async function createFolder(session: ArcGISSession, username: string, title: string): Promise<LiveFolder> {
  const answer = await session.request<{ folder?: LiveFolder }>(`${session.restUrl}/content/users/${enc(username)}/createFolder`, { title }, { httpMethod: 'POST' });
  if (!answer.folder?.id) throw new Error(`ArcGIS did not return the new folder "${title}".`);
  return answer.folder;
}

export type ItemParams = Record<string, string | File | undefined>;

const clean = (params: ItemParams): Record<string, string | File> =>
  Object.fromEntries(Object.entries(params).filter((e): e is [string, string | File] => e[1] !== undefined));

/** addItem into the signed-in user's root folder (ArcGIS only lets users add to their own content). */
export async function addItem(session: ArcGISSession, username: string, params: ItemParams): Promise<string> {
  const answer = await session.request<{ success?: boolean; id?: string }>(`${session.restUrl}/content/users/${enc(username)}/addItem`, clean(params), { httpMethod: 'POST' });
  if (!answer.id) throw new Error('ArcGIS did not return the new item id (addItem).');
  return answer.id;
}

const itemPath = (session: ArcGISSession, owner: string, id: string) => `${session.restUrl}/content/users/${enc(owner)}/items/${enc(id)}`;

export async function updateItem(session: ArcGISSession, owner: string, id: string, params: ItemParams): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/update`, clean(params), { httpMethod: 'POST' });
}

export async function deleteThumbnail(session: ArcGISSession, owner: string, id: string): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/deleteThumbnail`, {}, { httpMethod: 'POST' });
}

export async function reassignItem(session: ArcGISSession, owner: string, id: string, targetUsername: string, targetFolderName: string | null): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/reassign`, { targetUsername, targetFolderName: targetFolderName ?? '/' }, { httpMethod: 'POST' });
}

export async function moveItem(session: ArcGISSession, owner: string, id: string, folder: string | null): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/move`, { folder: folder ?? '/' }, { httpMethod: 'POST' });
}

export async function setProtected(session: ArcGISSession, owner: string, id: string, value: boolean): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/${value ? 'protect' : 'unprotect'}`, {}, { httpMethod: 'POST' });
}

export async function listResources(session: ArcGISSession, id: string): Promise<string[]> {
  const paths: string[] = [];
  for (let start = 1; start > 0; ) {
    const page = await session.request<{ resources?: { resource?: string }[]; nextStart?: number }>(`${session.restUrl}/content/items/${enc(id)}/resources`, { start, num: 1000 });
    for (const r of page.resources ?? []) if (typeof r.resource === 'string') paths.push(r.resource);
    const next = Number(page.nextStart ?? -1);
    start = next > start ? next : -1;
  }
  return paths;
}

export async function writeResource(session: ArcGISSession, owner: string, id: string, path: string, bytes: Buffer, contentType: string | undefined, mode: 'add' | 'update'): Promise<void> {
  const slash = path.lastIndexOf('/');
  const fileName = slash >= 0 ? path.slice(slash + 1) : path;
  const prefix = slash >= 0 ? path.slice(0, slash) : undefined;
  const file = new File([new Uint8Array(bytes)], fileName, { type: contentType ?? 'application/octet-stream' });
  await session.request(
    `${itemPath(session, owner, id)}/${mode === 'add' ? 'addResources' : 'updateResources'}`,
    clean({ file, fileName, resourcesPrefix: prefix }),
    { httpMethod: 'POST' }
  );
}

export async function removeResource(session: ArcGISSession, owner: string, id: string, path: string): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/removeResources`, { resource: path }, { httpMethod: 'POST' });
}

export async function itemGroups(session: ArcGISSession, id: string): Promise<string[]> {
  const answer = await session.request<{ admin?: { id: string }[]; member?: { id: string }[]; other?: { id: string }[] }>(`${session.restUrl}/content/items/${enc(id)}/groups`);
  return [...new Set([...(answer.admin ?? []), ...(answer.member ?? []), ...(answer.other ?? [])].map((g) => g.id))];
}

export async function shareItem(
  session: ArcGISSession,
  owner: string,
  id: string,
  options: { everyone: boolean; org: boolean; groups: string[] }
): Promise<string[]> {
  const answer = await session.request<{ notSharedWith?: string[] }>(
    `${itemPath(session, owner, id)}/share`,
    { everyone: String(options.everyone), org: String(options.org), groups: options.groups.join(',') },
    { httpMethod: 'POST' }
  );
  return answer.notSharedWith ?? [];
}

export async function unshareItem(session: ArcGISSession, owner: string, id: string, groups: string[]): Promise<void> {
  await session.request(`${itemPath(session, owner, id)}/unshare`, { groups: groups.join(',') }, { httpMethod: 'POST' });
}

/** createGroup parameters: strings, and the thumbnail as a File (sent as a multipart part named by its file name). */
export type GroupParams = Record<string, string> & { thumbnail?: File };

export async function createGroup(session: ArcGISSession, params: GroupParams): Promise<LiveGroup> {
  const answer = await session.request<{ group?: LiveGroup }>(`${session.restUrl}/community/createGroup`, params, { httpMethod: 'POST' });
  if (!answer.group?.id) throw new Error(`ArcGIS did not return the new group "${params.title ?? ''}".`);
  return answer.group;
}

export async function addGroupUsers(session: ArcGISSession, groupId: string, users: string[], admins: string[]): Promise<void> {
  // ArcGIS adds at most 25 users per call.
  const all = [...users.map((u) => ({ u, admin: false })), ...admins.map((u) => ({ u, admin: true }))];
  for (let i = 0; i < all.length; i += 25) {
    const batch = all.slice(i, i + 25);
    const params: Record<string, string> = {};
    const plain = batch.filter((b) => !b.admin).map((b) => b.u);
    const managers = batch.filter((b) => b.admin).map((b) => b.u);
    if (plain.length > 0) params.users = plain.join(',');
    if (managers.length > 0) params.admins = managers.join(',');
    await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/addUsers`, params, { httpMethod: 'POST' });
  }
}

export async function removeGroupUsers(session: ArcGISSession, groupId: string, users: string[]): Promise<void> {
  await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/removeUsers`, { users: users.join(',') }, { httpMethod: 'POST' });
}

/** Update Group with only a new thumbnail (multipart; the File's name becomes the group's `thumbnail`). */
export async function setGroupThumbnail(session: ArcGISSession, groupId: string, thumbnail: File): Promise<void> {
  await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/update`, { thumbnail }, { httpMethod: 'POST' });
}

/** The bytes of a group's thumbnail; undefined when the group has none under that name (or cannot be read). */
export async function groupThumbnail(session: ArcGISSession, groupId: string, name: string): Promise<Buffer | undefined> {
  const file = await orUndefined(session.download(`${session.restUrl}/community/groups/${enc(groupId)}/info/${enc(name)}`));
  return file?.bytes;
}

export async function reassignGroup(session: ArcGISSession, groupId: string, targetUsername: string): Promise<void> {
  await session.request(`${session.restUrl}/community/groups/${enc(groupId)}/reassign`, { targetUsername }, { httpMethod: 'POST' });
}
