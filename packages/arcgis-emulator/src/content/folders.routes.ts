import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { errors } from '../errors.js';
import { boolParam } from '../http/request.js';
import { type Router } from '../router.js';
import { hasPrivilege, isOwner } from '../state/permissions.js';
import { type FolderRecord } from '../state/types.js';
import { contentPage, ownerFolder, pathUser, requireSelfOrAdmin, unable } from './content.helpers.js';
import { itemJsonFor } from './item-json.js';
import { deleteItemRecord } from './item-store.js';
import { recycledContent } from './recycle-bin.routes.js';

/** User content (root folder and folders), `createFolder` and folder `delete`. */
export function registerFolderRoutes(router: Router, emu: EmulatorContext): void {
  const users = `${emu.urls.paths.rest}/content/users/:username`;

  router.get(users, (ctx) => userContent(ctx, null), { name: 'content/users' });
  router.get(`${users}/:folderId`, (ctx) => userContent(ctx, ctx.params.folderId ?? null), { name: 'content/users/folder' });

  router.post(
    `${users}/createFolder`,
    (ctx) => {
      const owner = pathUser(ctx);
      const user = requireUser(ctx);
      if (!isOwner(user, owner.username)) throw errors.forbidden();
      if (!hasPrivilege(user, 'portal:user:createItem')) throw errors.forbidden();
      const title = (ctx.req.params.title ?? '').trim();
      if (title === '') throw errors.missingParam('title');
      // Folder titles are unique per user (case-insensitively); ArcGIS refuses a second folder of the same title.
      if (ctx.emu.state.foldersOf(owner.username).some((f) => f.title.toLowerCase() === title.toLowerCase())) {
        throw unable('create folder', `Folder title '${title}' not available.`);
      }
      if (/[\\/]/.test(title) || title.length > 255) {
        throw unable('create folder', `Folder title '${title}' is not valid: it cannot contain '/' or '\\' or exceed 255 characters.`);
      }
      const folder = ctx.emu.state.addFolder({ id: ctx.emu.state.newId(), title, username: owner.username, created: ctx.emu.clock.now() });
      ctx.emu.markDirty();
      return { success: true, folder: { username: folder.username, id: folder.id, title: folder.title } };
    },
    { name: 'content/users/createFolder' }
  );

  router.post(
    `${users}/:folderId/delete`,
    (ctx) => {
      const owner = pathUser(ctx);
      requireSelfOrAdmin(ctx, owner);
      const folder = ownerFolder(ctx, owner, ctx.params.folderId);
      // "Deleting a folder also deletes all items that it contains"; a protected item keeps the folder alive.
      const items = [...ctx.emu.state.items.values()].filter((i) => i.json.ownerFolder === folder.id);
      const protectedItem = items.find((i) => i.json.protected);
      if (protectedItem) {
        throw unable('delete folder', `The folder contains the delete-protected item '${protectedItem.json.id}'; unprotect or move it first.`);
      }
      for (const item of items) deleteItemRecord(ctx.emu, item);
      ctx.emu.state.folders.delete(folder.id);
      ctx.emu.markDirty();
      return { success: true, folder: { username: folder.username, id: folder.id, title: folder.title } };
    },
    { name: 'content/users/folder/delete' }
  );
}

/** `content/users/<u>[/<folderId>]`: the owner's items in the folder, paged, and (at the root) the folders. */
function userContent(ctx: Ctx, folderId: string | null) {
  const owner = pathUser(ctx);
  requireSelfOrAdmin(ctx, owner);
  const folder: FolderRecord | null = folderId ? ownerFolder(ctx, owner, folderId) : null;
  if (ctx.emu.options.kind === 'online' && boolParam(ctx.req.params, 'inRecycleBin')) return recycledContent(ctx, owner, folder);
  const lower = owner.username.toLowerCase();
  const items = [...ctx.emu.state.items.values()].filter(
    (i) => i.json.owner.toLowerCase() === lower && (i.json.ownerFolder ?? null) === (folder?.id ?? null)
  );
  return contentPage(ctx, owner, folder, items, (i) => itemJsonFor(i, ctx.user));
}

