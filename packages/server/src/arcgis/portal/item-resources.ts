/**
 * An item's resources: the listing (rest-js `getItemResources`, up to 1000 a page), each resource's URL (read by whoever
 * stores it), and `addResources` / `updateResources` / `removeResources` on the owner's item path. rest-js's
 * `addItemResource` and `updateItemResource` take a resource `name` and `prefix` apart; these take the path.
 */
import { getItemResources } from '@esri/arcgis-rest-portal';
import type { ItemOptions, OwnedItemOptions } from './item.js';
import { definedParams } from './item.js';
import { itemUrl, nextStartOf, POST, segment, segments, userItemUrl } from './portal-request.js';

/** Resource listing page size (ArcGIS pages resources up to 1000 at a time). */
const RESOURCE_PAGE = 1000;

/** One resource as the listing describes it; `resource` is its path (hostile: check it before using it as a file path). */
export interface ItemResource {
  resource?: unknown;
  size?: number;
  created?: number;
  access?: string;
}

/** Every resource of the item, every page. */
export async function listItemResources({ session, id }: ItemOptions): Promise<ItemResource[]> {
  const resources: ItemResource[] = [];
  for (let start = 1; start > 0; ) {
    const page = await session.call('item resources', () => getItemResources(segment(id), { ...session.requestOptions, httpMethod: 'GET', params: { start, num: RESOURCE_PAGE } }));
    resources.push(...((page.resources ?? []) as ItemResource[]));
    start = nextStartOf(page, start);
  }
  return resources;
}

/** `content/items/<id>/resources/<path>`: one resource's bytes. */
export function itemResourceUrl({ session, id, path }: ItemOptions & { path: string }): string {
  return `${itemUrl(session, id)}/resources/${segments(path)}`;
}

export interface WriteItemResourceOptions extends OwnedItemOptions {
  path: string;
  bytes: Buffer;
  contentType?: string;
  /** `add` a new resource or `update` an existing one. */
  mode: 'add' | 'update';
}

/** Uploads one resource (multipart: the file, its name and the folder prefix of its path). */
export async function writeItemResource({ session, owner, id, path, bytes, contentType, mode }: WriteItemResourceOptions): Promise<void> {
  const slash = path.lastIndexOf('/');
  const fileName = slash >= 0 ? path.slice(slash + 1) : path;
  const prefix = slash >= 0 ? path.slice(0, slash) : undefined;
  const file = new File([new Uint8Array(bytes)], fileName, { type: contentType ?? 'application/octet-stream' });
  await session.request(
    `${userItemUrl(session, owner, id)}/${mode === 'add' ? 'addResources' : 'updateResources'}`,
    definedParams({ file, fileName, resourcesPrefix: prefix }),
    POST
  );
}

export async function removeItemResource({ session, owner, id, path }: OwnedItemOptions & { path: string }): Promise<void> {
  await session.request(`${userItemUrl(session, owner, id)}/removeResources`, { resource: path }, POST);
}
