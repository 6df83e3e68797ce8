/**
 * Where an item lives and whether it may be deleted: reassign (administrators), move between the owner's folders,
 * delete protection and delete. rest-js's `moveItem`, `protectItem`, `unprotectItem` and `removeItem` where they send
 * exactly the request; `reassignItem` is a plain request because rest-js's asks for the caller's role before every call
 * (the callers check the administrator once).
 */
import { moveItem as restMoveItem, protectItem, removeItem, unprotectItem } from '@esri/arcgis-rest-portal';
import type { OwnedItemOptions } from './item.js';
import { POST, segment, signedIn, userItemUrl } from './portal-request.js';

export interface ReassignItemOptions extends OwnedItemOptions {
  targetUsername: string;
  /** A folder title of the receiver (created when missing); null, absent or `/`: the root. */
  targetFolderName?: string | null;
}

export async function reassignItem({ session, owner, id, targetUsername, targetFolderName }: ReassignItemOptions): Promise<void> {
  await session.request(`${userItemUrl(session, owner, id)}/reassign`, { targetUsername, targetFolderName: targetFolderName ?? '/' }, POST);
}

export interface MoveItemOptions extends OwnedItemOptions {
  /** One of the owner's folder ids; null or `/`: the root. */
  folder: string | null;
}

export async function moveItem({ session, owner, id, folder }: MoveItemOptions): Promise<void> {
  await session.call('move item', () => restMoveItem({ ...signedIn(session), owner: segment(owner), itemId: segment(id), folderId: folder ?? '/' }));
}

/** Turns delete protection on or off. */
export async function setItemProtected({ session, owner, id, value }: OwnedItemOptions & { value: boolean }): Promise<void> {
  const options = { ...signedIn(session), owner: segment(owner), id: segment(id) };
  await session.call(value ? 'protect item' : 'unprotect item', () => (value ? protectItem(options) : unprotectItem(options)));
}

/**
 * Deletes the item (delete protection makes ArcGIS refuse). Where ArcGIS Online's recycle bin is on, a supported item
 * goes there unless `permanentDelete` (see recycle-bin.ts); Enterprise ignores the parameter.
 */
export async function deleteItem({ session, owner, id, permanentDelete }: OwnedItemOptions & { permanentDelete?: boolean }): Promise<void> {
  const params = permanentDelete === undefined ? {} : { params: { permanentDelete } };
  await session.call('delete item', () => removeItem({ ...signedIn(session), owner: segment(owner), id: segment(id), ...params }));
}
