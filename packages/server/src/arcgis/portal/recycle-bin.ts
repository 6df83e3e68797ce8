/**
 * ArcGIS Online's recycle bin (June 2024): whether the organization has it (`portals/self`), whether an item can go
 * there (`canRecycle`) or come back (`canRestore`), bringing it back with its id (`restore`), and a user's items in it.
 * ArcGIS Enterprise has none.
 *
 * From Esri's REST reference (Recycle bin reference, Delete Item, Can Recycle Item, Can Restore, Restore) and what the
 * ArcGIS API for Python calls (`RecycleBin.content`, `RecycleItem.restore`, `RecycleItem.delete`):
 * - `portals/self` has `recycleBinSupported` and `recycleBinEnabled` (the Python API checks only the latter);
 * - a delete without `permanentDelete` moves a supported item to the bin for at least 14 days (336 hours);
 * - `canRecycle` and `canRestore` (GET) answer `{itemId, success}`, or `success: false` with an `error` holding the
 *   reason and the items in the way (`offendingItems`: a hosted layer's views, a view's source still in the bin);
 * - `restore` (POST, optional `folder` id, the root without it) answers `{itemId, success}`;
 * - a user's bin is `content/users/<user>?inRecycleBin=true&foldersContent=true`, paged like user content.
 * Esri documents no organization-wide listing URL (the Python API's `org_recyclebin` takes one from elsewhere), nor
 * who deleted an item or when: the listing is the item JSON as it was.
 *
 * Plain requests: rest-js 4.10.2 has none of these endpoints. canRecycle's and canRestore's refusals come with an
 * `error` member, which rest-js turns into a thrown error: they are read back from its response.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { ArcGISFailure } from '../arcgis-errors.js';
import type { OwnedItemOptions } from './item.js';
import { PAGE_SIZE } from './paging.js';
import type { PortalSelf } from './portal-self.js';
import { nextStartOf, POST, segment, type SessionOptions, userItemUrl } from './portal-request.js';

/** "At least 14 days (336 hours)": the earliest an item in the bin is purged, counted from its delete. */
export const RECYCLE_BIN_RETENTION_MS = 336 * 3600 * 1000;

/** The organization's recycle bin as `portals/self` describes it. */
export interface RecycleBinState {
  /** ArcGIS Online with the bin available (not Enterprise, not a trial organization). */
  supported: boolean;
  /** Deletes go to the bin unless they ask for a permanent delete. */
  enabled: boolean;
}

/** The bin's state from `portals/self` (Enterprise, and Online organizations that do not say, have none). */
export function recycleBinState(self: PortalSelf): RecycleBinState {
  if (self.isPortal === true) return { supported: false, enabled: false };
  const enabled = self.recycleBinEnabled === true;
  return { supported: self.recycleBinSupported === true || enabled, enabled };
}

/** An item in the way of a recycle or a restore (`offendingItems`). */
export interface OffendingItem {
  itemId: string;
  title?: string;
  type?: string;
}

/** canRecycle's or canRestore's answer: `ok`, or why not with the items in the way. */
export type BinCheck = { ok: true } | { ok: false; message: string; messageCode?: string; offendingItems: OffendingItem[] };

async function binCheck(url: string, options: SessionOptions): Promise<BinCheck> {
  try {
    const answer = await options.session.request<{ success?: unknown }>(url);
    if (answer.success === true) return { ok: true };
    return { ok: false, message: 'ArcGIS answered without success.', offendingItems: [] };
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) return refusal;
    throw error;
  }
}

/** A refusal in a `{success: false, error: {..., offendingItems}}` answer (rest-js threw it as an error). */
function refusalOf(error: unknown): Extract<BinCheck, { ok: false }> | undefined {
  if (!(error instanceof ArcGISFailure) || error.kind !== 'invalid') return undefined;
  const body = error.response as { success?: unknown; error?: { offendingItems?: unknown } } | undefined;
  if (!body || body.success !== false) return undefined;
  const raw = Array.isArray(body.error?.offendingItems) ? (body.error.offendingItems as unknown[]) : [];
  const offendingItems = raw
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && typeof (o as { itemId?: unknown }).itemId === 'string')
    .map((o) => ({ itemId: String(o.itemId), ...(typeof o.title === 'string' ? { title: o.title } : {}), ...(typeof o.type === 'string' ? { type: o.type } : {}) }));
  return { ok: false, message: error.message, ...(error.messageCode ? { messageCode: error.messageCode } : {}), offendingItems };
}

/** `canRecycle`: whether a delete without `permanentDelete` would put the live item in the bin. */
export function canRecycleItem({ session, owner, id }: OwnedItemOptions): Promise<BinCheck> {
  return binCheck(`${userItemUrl(session, owner, id)}/canRecycle`, { session });
}

/** `canRestore`: whether the item in the bin can be restored now (a view waits for its source). */
export function canRestoreItem({ session, owner, id }: OwnedItemOptions): Promise<BinCheck> {
  return binCheck(`${userItemUrl(session, owner, id)}/canRestore`, { session });
}

export interface RestoreItemOptions extends OwnedItemOptions {
  /** One of the owner's folder ids; null or absent: the root folder. */
  folder?: string | null;
}

/**
 * `restore`: brings the item back from the bin with its id. A restore ArcGIS refuses (`success: false`) throws with
 * its reason; ask `canRestore` first, since the refusal of a view waiting for its source comes as a server error.
 */
export async function restoreRecycledItem({ session, owner, id, folder }: RestoreItemOptions): Promise<void> {
  const answer = await session.request<{ success?: unknown; error?: { message?: unknown } }>(`${userItemUrl(session, owner, id)}/restore`, folder ? { folder } : {}, POST);
  if (answer.success !== true) throw new Error(`ArcGIS did not restore item ${id} from the recycle bin: ${String(answer.error?.message ?? 'no reason given')}`);
}

/** `delete` with `permanentDelete=true` on an item in the bin: empties it of that item (RecycleItem.delete). */
export async function purgeRecycledItem({ session, owner, id }: OwnedItemOptions): Promise<void> {
  await session.request(`${userItemUrl(session, owner, id)}/delete`, { permanentDelete: true }, POST);
}

/** An item in a user's bin: the item JSON as it was when deleted. */
export type RecycledItem = IItem;

/** Every item in the user's recycle bin, every folder it was deleted from (`inRecycleBin=true&foldersContent=true`). */
export async function listRecycleBin({ session, username }: SessionOptions & { username: string }): Promise<RecycledItem[]> {
  const items: RecycledItem[] = [];
  const url = `${session.restUrl}/content/users/${segment(username)}`;
  for (let start = 1; start > 0; ) {
    const page = await session.request<{ items?: unknown; nextStart?: unknown }>(url, {
      inRecycleBin: true,
      foldersContent: true,
      start,
      num: PAGE_SIZE,
      sortField: 'modified',
      sortOrder: 'desc'
    });
    const found = Array.isArray(page.items) ? (page.items as RecycledItem[]) : [];
    items.push(...found.filter((i) => typeof i?.id === 'string'));
    start = found.length === 0 ? -1 : nextStartOf(page, start);
  }
  return items;
}
