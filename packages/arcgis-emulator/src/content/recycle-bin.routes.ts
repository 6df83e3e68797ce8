import { type Ctx, type EmulatorContext } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { boolParam } from '../http/request.js';
import { type Router } from '../router.js';
import { type FolderRecord, type RecycledItemRecord, type UserRecord } from '../state/types.js';
import { checkAnswer, contentPage, editableItem, ownerFolder, pathUser, recycledItemFor } from './content.helpers.js';
import { itemJsonFor } from './item-json.js';
import { recycleRefusal, restoreFailure, restoreItem, restoreRefusal } from './recycle-bin.js';

/**
 * The recycle bin's operations on ArcGIS Online (recycle-bin.ts has the rules): `canRecycle`, `canRestore` (GET) and
 * `restore` (POST, optional `folder`) under `content/users/<user>[/<folderId>]/items/<id>/`. ArcGIS Enterprise does
 * not have them: there they stay "Invalid URL", as before.
 */
export function registerRecycleBinRoutes(router: Router, emu: EmulatorContext): void {
  if (emu.options.kind !== 'online') return;
  const users = `${emu.urls.paths.rest}/content/users/:username`;
  const itemOp = (op: string, method: 'any' | 'post', handler: (ctx: Ctx) => object) => {
    router[method](`${users}/items/:id/${op}`, handler, { name: `content/users/items/${op}` });
    router[method](`${users}/:folderId/items/:id/${op}`, handler, { name: `content/users/items/${op}` });
  };

  itemOp('canRecycle', 'any', (ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    return checkAnswer(item.json.id, recycleRefusal(ctx.emu, item));
  });

  itemOp('canRestore', 'any', (ctx) => {
    pathUser(ctx);
    const entry = recycledOrRefuse(ctx);
    if (entry instanceof ArcGISError) return checkAnswer(ctx.params.id ?? '', entry);
    return checkAnswer(entry.item.json.id, restoreRefusal(ctx.emu, entry));
  });

  itemOp('restore', 'post', (ctx) => {
    pathUser(ctx);
    const entry = recycledOrRefuse(ctx);
    if (entry instanceof ArcGISError) throw entry;
    const owner = ctx.emu.state.getUser(entry.item.json.owner);
    if (!owner) throw errors.userNotFound(entry.item.json.owner);
    // `folder` is a folder id of the item's owner; without it the item goes to the owner's root folder.
    const folderParam = (ctx.req.params.folder ?? '').trim();
    const folder = folderParam === '' || folderParam === '/' ? null : ownerFolder(ctx, owner, folderParam);
    const failure = restoreFailure(ctx.emu, entry);
    if (failure) return { itemId: entry.item.json.id, success: false, error: failure.toBody().error };
    restoreItem(ctx.emu, entry, folder?.id ?? null);
    return { itemId: entry.item.json.id, success: true };
  });
}

/**
 * The bin's item named in the path, or (UNVERIFIED wording) the error for a live item, which is not in the bin.
 * Items the caller cannot see, or that exist nowhere, do not exist.
 */
function recycledOrRefuse(ctx: Ctx): RecycledItemRecord | ArcGISError {
  const entry = recycledItemFor(ctx, ctx.params.id);
  if (entry) return entry;
  const { item } = editableItem(ctx, ctx.params.id);
  return new ArcGISError(400, 'Unable to restore item. The item is not in the recycle bin.', {
    details: [`Item '${item.json.id}' is not in the recycle bin.`],
    extra: { offendingItems: [] }
  });
}

/** Sort fields of the bin listing (the ArcGIS API for Python sends `modified`; its org listing owner, type, size). */
const SORT_FIELDS = ['modified', 'created', 'title', 'type', 'owner', 'size'] as const;

/**
 * `content/users/<user>[/<folderId>]?inRecycleBin=true`: the user's items in the bin, paged like user content, as
 * the ArcGIS API for Python's `RecycleBin.content` reads it (`items`, `nextStart`). With `foldersContent=true` (what
 * it sends) the whole bin; otherwise the items deleted from the root folder or from `<folderId>`, as User Content's
 * `foldersContent` works. Sorted by `sortField`/`sortOrder`, else in the order the items were deleted.
 */
export function recycledContent(ctx: Ctx, owner: UserRecord, folder: FolderRecord | null): object {
  const p = ctx.req.params;
  const everywhere = !folder && boolParam(p, 'foldersContent');
  const lower = owner.username.toLowerCase();
  const entries = [...ctx.emu.state.recycleBin.values()].filter(
    (e) => e.item.json.owner.toLowerCase() === lower && (everywhere || (e.item.json.ownerFolder ?? null) === (folder?.id ?? null))
  );
  const sortField = (p.sortField ?? '').trim();
  if (sortField !== '') {
    const field = SORT_FIELDS.find((f) => f.toLowerCase() === sortField.toLowerCase());
    if (!field) throw errors.invalidParam('Invalid sortField.', [`'sortField' must be one of ${SORT_FIELDS.join(', ')}, not '${sortField}'.`]);
    const desc = (p.sortOrder ?? 'asc').toLowerCase() === 'desc';
    entries.sort((a, b) => {
      const x = a.item.json[field];
      const y = b.item.json[field];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -order : order;
    });
  }
  return contentPage(ctx, owner, folder, entries, (e) => itemJsonFor(e.item, ctx.user));
}
