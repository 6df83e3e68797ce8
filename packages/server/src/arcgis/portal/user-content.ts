/**
 * A user's content (`content/users/<u>[/<folderId>]`, rest-js `getUserContent`): the items of one folder, page by page,
 * and the user's folders, which ArcGIS lists with every page of the root whatever its size. Creating a folder is
 * rest-js `createFolder`.
 */
import { createFolder as restCreateFolder, getUserContent, type IItem, type IUserContentResponse } from '@esri/arcgis-rest-portal';
import type { ArcGISSession } from '../arcgis-session.js';
import { PAGE_SIZE } from './paging.js';
import { nextStartOf, segment, type SessionOptions, signedIn } from './portal-request.js';

/** A folder of a user's content. */
export interface PortalFolder {
  id: string;
  title: string;
}

export interface UserContentOptions extends SessionOptions {
  username: string;
  /** The folder's id; null or absent: the root folder. */
  folderId?: string | null;
}

/**
 * One page of a user's content without the session's retries: for use inside a `session.call` that retries as a whole
 * (add-item.ts). Everything else goes through `getUserContentPage`.
 */
export function fetchUserContentPage(requestOptions: ArcGISSession['requestOptions'], username: string, folderId: string | null | undefined, start: number, num: number): Promise<IUserContentResponse> {
  return getUserContent({ ...requestOptions, owner: segment(username), ...(folderId ? { folderId: segment(folderId) } : {}), start, num, httpMethod: 'GET' });
}

export function getUserContentPage({ session, username, folderId, start = 1, num = PAGE_SIZE }: UserContentOptions & { start?: number; num?: number }): Promise<IUserContentResponse> {
  return session.call('content/users', () => fetchUserContentPage(session.requestOptions, username, folderId, start, num));
}

/** The user's folders: one page of one item is enough, the folders come with the root listing whatever its size. */
export async function getUserFolders({ session, username }: SessionOptions & { username: string }): Promise<PortalFolder[]> {
  const root = await getUserContentPage({ session, username, num: 1 });
  return (root.folders ?? [])
    .filter((f) => typeof f?.id === 'string' && f.id !== '')
    .map((f) => ({ id: f.id, title: String(f.title ?? '') }));
}

/** Every item of one folder of the user (every page), and the user's folders. */
export async function listUserContent(options: UserContentOptions): Promise<{ items: IItem[]; folders: PortalFolder[] }> {
  const items: IItem[] = [];
  let folders: PortalFolder[] = [];
  for (let start = 1; start > 0; ) {
    const page = await getUserContentPage({ ...options, start });
    items.push(...(page.items ?? []));
    if (page.folders && page.folders.length > 0) folders = page.folders.map((f) => ({ id: f.id, title: String(f.title ?? '') }));
    start = nextStartOf(page, start);
  }
  return { items, folders };
}

/**
 * Every item the user owns as the content listing gives it (the root and each folder, every page), with its folder
 * (null: the root), and the user's folders. The folders' listings are read together.
 */
export async function listAllUserContent({ session, username }: SessionOptions & { username: string }): Promise<{ items: { item: IItem; folder: PortalFolder | null }[]; folders: PortalFolder[] }> {
  const root = await listUserContent({ session, username });
  const inFolders = await Promise.all(root.folders.map(async (folder) => (await listUserContent({ session, username, folderId: folder.id })).items.map((item) => ({ item, folder }))));
  return { items: [...root.items.map((item) => ({ item, folder: null })), ...inFolders.flat()], folders: root.folders };
}

/** Every item the user owns, in every folder, with the title of its folder (null: the root). */
export async function listUserItems(options: SessionOptions & { username: string }): Promise<{ id: string; title: string; folder: string | null }[]> {
  const { items } = await listAllUserContent(options);
  return items.map(({ item, folder }) => ({ id: item.id, title: String(item.title ?? ''), folder: folder?.title ?? null }));
}

export interface CreateFolderOptions extends SessionOptions {
  username: string;
  title: string;
}

export async function createFolder({ session, username, title }: CreateFolderOptions): Promise<PortalFolder> {
  const answer = await session.call('create folder', () => restCreateFolder({ ...signedIn(session), owner: segment(username), title }));
  if (!answer.folder?.id) throw new Error(`ArcGIS did not return the new folder "${title}".`);
  return { id: answer.folder.id, title: answer.folder.title ?? title };
}
