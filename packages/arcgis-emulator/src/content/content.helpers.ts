import { type Ctx, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { startAndNum } from '../http/request.js';
import { canEditItem, canReadItem, isAdmin, isOwner } from '../state/permissions.js';
import { type FolderRecord, type ItemRecord, type RecycledItemRecord, type UserRecord } from '../state/types.js';

/** Looks an item up by id (ArcGIS ids are lower-case hex; look-ups tolerate upper case). */
export function findItem(ctx: Ctx, id: string | undefined): ItemRecord {
  const key = id ?? '';
  const item = ctx.emu.state.items.get(key) ?? ctx.emu.state.items.get(key.toLowerCase());
  if (!item) throw errors.itemNotFound(key);
  return item;
}

/**
 * An item the caller may read. Anonymous callers asking for a non-public item get 499 (rest-js then signs in and
 * retries), signed-in callers without access get 403 — both with messageCode GWM_0003 as ArcGIS sends them.
 */
export function readableItem(ctx: Ctx, id: string | undefined): ItemRecord {
  const item = findItem(ctx, id);
  if (!canReadItem(ctx.emu.state, ctx.user, item)) {
    if (!ctx.user) throw errors.tokenRequired();
    throw errors.forbidden();
  }
  return item;
}

/** An item the caller may change: its owner or an administrator of its organization. */
export function editableItem(ctx: Ctx, id: string | undefined): { item: ItemRecord; user: UserRecord } {
  const user = requireUser(ctx);
  const item = findItem(ctx, id);
  if (!canEditItem(user, item)) {
    // ArcGIS does not reveal private items to callers who cannot read them
    if (!canReadItem(ctx.emu.state, user, item)) throw errors.itemNotFound(item.json.id);
    throw errors.forbidden();
  }
  return { item, user };
}

/**
 * An item of the recycle bin the caller may restore or delete (its owner or an administrator of its organization),
 * or undefined when the bin has no such item. Callers who may not see it are told it does not exist.
 */
export function recycledItemFor(ctx: Ctx, id: string | undefined): RecycledItemRecord | undefined {
  const key = id ?? '';
  const bin = ctx.emu.state.recycleBin;
  const entry = bin.get(key) ?? bin.get(key.toLowerCase());
  if (!entry) return undefined;
  if (!canEditItem(requireUser(ctx), entry.item)) throw errors.itemNotFound(entry.item.json.id);
  return entry;
}

/** The user named in a `content/users/<username>` path. */
export function pathUser(ctx: Ctx): UserRecord {
  const username = ctx.params.username ?? '';
  const user = ctx.emu.state.getUser(username);
  if (!user) throw errors.userNotFound(username);
  return user;
}

/** The caller must be the path's user or an administrator of the same organization. */
export function requireSelfOrAdmin(ctx: Ctx, owner: UserRecord): UserRecord {
  const user = requireUser(ctx);
  if (isOwner(user, owner.username)) return user;
  if (isAdmin(user) && user.orgId === owner.orgId) return user;
  throw errors.forbidden();
}

/** A folder of `owner` from a `<folderId>` path segment; the root folder is not a folder record. */
export function ownerFolder(ctx: Ctx, owner: UserRecord, folderId: string | undefined): FolderRecord {
  const folder = folderId ? ctx.emu.state.folders.get(folderId) ?? ctx.emu.state.folders.get(folderId.toLowerCase()) : undefined;
  if (!folder || folder.username.toLowerCase() !== owner.username.toLowerCase()) throw errors.folderNotFound();
  return folder;
}

/** Finds a folder of `username` by id or by title (move and reassign accept either). */
export function folderByIdOrTitle(ctx: Ctx, username: string, value: string): FolderRecord | undefined {
  const folders = ctx.emu.state.foldersOf(username);
  return folders.find((f) => f.id === value) ?? folders.find((f) => f.title.toLowerCase() === value.toLowerCase());
}

export function folderJson(folder: FolderRecord): { username: string; id: string; title: string; created: number } {
  return { username: folder.username, id: folder.id, title: folder.title, created: folder.created };
}

/**
 * The answer of the "can" operations (canDelete, canRecycle, canRestore): `{itemId, success: true}`, or
 * `success: false` with the error as Esri's examples show it (code, messageCode, message, offendingItems; no details).
 */
export function checkAnswer(itemId: string, refusal: ArcGISError | undefined): object {
  if (!refusal) return { itemId, success: true };
  const { details: _d, ...error } = refusal.toBody().error;
  void _d;
  return { itemId, success: false, error };
}

/** ArcGIS's wording for a refused write on an item ("Unable to <verb> item.") with the reason as detail. */
export function unable(verb: string, detail: string, code = 400, messageCode?: string): ArcGISError {
  return new ArcGISError(code, `Unable to ${verb}.`, { details: [detail], ...(messageCode ? { messageCode } : {}) });
}

/**
 * A resource path relative to an item: `images/photo.png`. Paths that could escape the item's resources
 * (`..`, absolute, backslashes, empty segments) are refused.
 */
export function safeResourcePath(raw: string): string | undefined {
  const path = raw.trim();
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return undefined;
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return path;
}

/** Content type from a file name, for resources and data uploaded without one. */
export function contentTypeFor(filename: string, fallback = 'application/octet-stream'): string {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  const types: Record<string, string> = {
    json: 'application/json',
    txt: 'text/plain',
    csv: 'text/csv',
    xml: 'application/xml',
    html: 'text/html',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    svg: 'image/svg+xml',
    webp: 'image/webp',
    pdf: 'application/pdf',
    zip: 'application/zip',
    geojson: 'application/geo+json',
    kml: 'application/vnd.google-earth.kml+xml',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
  };
  return types[ext] ?? fallback;
}

/** The page of `items` a user content listing answers, with its paging fields. */
export function contentPage<T>(ctx: Ctx, owner: UserRecord, folder: FolderRecord | null, items: T[], toJson: (item: T) => Record<string, unknown>): object {
  const total = items.length;
  const { start, num } = startAndNum(ctx.req.params, 100);
  const page = items.slice(start - 1, start - 1 + num);
  const next = start + num;
  return {
    username: owner.username,
    total,
    start,
    num,
    nextStart: num > 0 && next <= total ? next : -1,
    currentFolder: folder ? folderJson(folder) : null,
    items: page.map(toJson),
    folders: folder ? [] : ctx.emu.state.foldersOf(owner.username).map(folderJson)
  };
}
