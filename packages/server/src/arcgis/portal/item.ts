/**
 * One item: its JSON (rest-js `getItem`), its related items (rest-js `getRelatedItems`), the URLs of its byte parts (data, thumbnail, metadata; read by whoever stores
 * them: a backup streams them into the store), its data as bytes, and plain property updates. rest-js's `updateItem`
 * also rewrites thumbnails and serializes a whole item object, so updates here send exactly the parameters given.
 */
import { getItem as restGetItem, getRelatedItems as restGetRelatedItems, type IGetRelatedItemsResponse, type IItem, type ItemRelationshipType } from '@esri/arcgis-rest-portal';
import { itemUrl, orUndefined, POST, segment, segments, type SessionOptions, userItemUrl } from './portal-request.js';

export interface ItemOptions extends SessionOptions {
  id: string;
}

/** Writes on an item go through its owner's content path. */
export interface OwnedItemOptions extends ItemOptions {
  owner: string;
}

export function getItem({ session, id }: ItemOptions): Promise<IItem> {
  return session.call('item', () => restGetItem(segment(id), { ...session.requestOptions, httpMethod: 'GET' }));
}

/** The item, or undefined when it does not exist or the identity may not see it. */
export function findItem(options: ItemOptions): Promise<IItem | undefined> {
  return orUndefined(getItem(options));
}

export interface RelatedItemsOptions extends ItemOptions {
  direction: 'forward' | 'reverse';
  /** One type, or several asked at once (ArcGIS then does not say which type links each related item). */
  relationshipType: ItemRelationshipType | ItemRelationshipType[];
}

/** `content/items/<id>/relatedItems` (rest-js `getRelatedItems`). */
export function getRelatedItems({ session, id, direction, relationshipType }: RelatedItemsOptions): Promise<IGetRelatedItemsResponse> {
  return session.call('related items', () => restGetRelatedItems({ ...session.requestOptions, httpMethod: 'GET', id: segment(id), direction, relationshipType }));
}

/** `content/items/<id>/data`: JSON or a file; an empty body when the item has none. File downloads take no `f`. */
export function itemDataUrl({ session, id }: ItemOptions): string {
  return `${itemUrl(session, id)}/data`;
}

/** `content/items/<id>/info/<path>`: the thumbnail (path as the item's `thumbnail` names it). */
export function itemInfoUrl({ session, id, path }: ItemOptions & { path: string }): string {
  return `${itemUrl(session, id)}/info/${segments(path)}`;
}

/** `content/items/<id>/info/metadata/metadata.xml`: only there once someone edited the item's metadata. */
export function itemMetadataUrl(options: ItemOptions): string {
  return itemInfoUrl({ ...options, path: 'metadata/metadata.xml' });
}

/** The item's data as bytes; null when it has none. */
export async function getItemDataBytes(options: ItemOptions): Promise<Buffer | null> {
  const downloaded = await options.session.download(itemDataUrl(options));
  return downloaded?.bytes ?? null;
}

/** Item parameters as ArcGIS takes them: strings, and files as multipart parts. Undefined ones are not sent. */
export type ItemParams = Record<string, string | File | undefined>;

export function definedParams(params: ItemParams): Record<string, string | File> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string | File] => e[1] !== undefined));
}

/** `update` with exactly these parameters (`clearEmptyFields: 'true'` clears the ones sent empty). */
export async function updateItem({ session, owner, id, params }: OwnedItemOptions & { params: ItemParams }): Promise<void> {
  await session.request(`${userItemUrl(session, owner, id)}/update`, definedParams(params), POST);
}

/** Replaces the item's tags (an empty list clears them). */
export function setItemTags({ tags, ...options }: OwnedItemOptions & { tags: string[] }): Promise<void> {
  return updateItem({ ...options, params: tags.length > 0 ? { tags: tags.join(',') } : { tags: '', clearEmptyFields: 'true' } });
}

export async function deleteItemThumbnail({ session, owner, id }: OwnedItemOptions): Promise<void> {
  await session.request(`${userItemUrl(session, owner, id)}/deleteThumbnail`, {}, POST);
}

/** `content/items/<id>/setContentStatus`: org_authoritative, public_authoritative, deprecated, or null to clear. */
export async function setContentStatus({ session, id, status }: ItemOptions & { status: string | null }): Promise<void> {
  await session.request(`${itemUrl(session, id)}/setContentStatus`, status ? { status } : { status: '', clearEmptyFields: true }, POST);
}
