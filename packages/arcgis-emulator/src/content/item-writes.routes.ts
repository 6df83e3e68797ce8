import { type Ctx, type EmulatorContext, requireAdmin, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { boolParam, listParam } from '../http/request.js';
import { type Router } from '../router.js';
import { canEditItem, canReadItem, hasPrivilege, isAdmin as isAdminUser, isOwner } from '../state/permissions.js';
import { newItemRecord } from '../state/records.js';
import { type ItemRecord, type UserRecord } from '../state/types.js';
import {
  editableItem,
  findItem,
  folderByIdOrTitle,
  ownerFolder,
  checkAnswer,
  pathUser,
  recycledItemFor,
  unable
} from './content.helpers.js';
import { applyItemParams, touch } from './item-store.js';
import { deleteOrRecycle, deleteRecycled, deleteRefusal } from './recycle-bin.js';
import { copySharing } from './composite-sharing.js';
import { endProblem, RELATIONSHIP_TYPES, relationshipType } from './relationship-types.js';

const MAX_BULK_ITEMS = 100;

/** Item writes under `content/users/<owner>[/<folderId>]/`. */
export function registerItemWriteRoutes(router: Router, emu: EmulatorContext): void {
  const users = `${emu.urls.paths.rest}/content/users/:username`;
  /** Registers a POST operation on an item both at `items/<id>/<op>` and at `<folderId>/items/<id>/<op>`. */
  const itemOp = (op: string, handler: (ctx: Ctx) => Promise<object> | object) => {
    router.post(`${users}/items/:id/${op}`, handler, { name: `content/users/items/${op}` });
    router.post(`${users}/:folderId/items/:id/${op}`, handler, { name: `content/users/items/${op}` });
  };

  router.post(`${users}/addItem`, (ctx) => addItem(ctx), { name: 'content/users/addItem' });
  router.post(`${users}/:folderId/addItem`, (ctx) => addItem(ctx), { name: 'content/users/addItem' });

  itemOp('update', async (ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    await applyItemParams(ctx.emu, item, { params: ctx.req.params, files: ctx.req.files, verb: 'update item' });
    return { success: true, id: item.json.id };
  });

  // Delete Item and Delete Items: `permanentDelete` (ArcGIS Online, default false) chooses between the recycle bin
  // and a permanent delete (recycle-bin.ts). `force` only concerns orphaned items of an unfederated server (ArcGIS
  // Enterprise 10.6.1+); it never overrides delete protection.
  itemOp('delete', (ctx) => {
    pathUser(ctx);
    const itemId = deleteOne(ctx, requireUser(ctx), ctx.params.id ?? '', boolParam(ctx.req.params, 'permanentDelete'));
    return { success: true, itemId };
  });

  router.post(
    `${users}/deleteItems`,
    (ctx) => {
      pathUser(ctx);
      const user = requireUser(ctx);
      const ids = listParam(ctx.req.params, 'items');
      if (ids.length === 0) throw errors.missingParam('items');
      if (ids.length > MAX_BULK_ITEMS) {
        throw unable('delete items', `At most ${MAX_BULK_ITEMS} items can be deleted per request; ${ids.length} were given.`);
      }
      const permanent = boolParam(ctx.req.params, 'permanentDelete');
      const results = ids.map((id) => {
        try {
          return { itemId: deleteOne(ctx, user, id, permanent), success: true };
        } catch (error) {
          if (error instanceof ArcGISError) return { itemId: id, success: false, error: error.toBody().error };
          throw error;
        }
      });
      return { results };
    },
    { name: 'content/users/deleteItems' }
  );

  itemOp('move', (ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    const target = (ctx.req.params.folder ?? '').trim();
    if (target === '') throw errors.missingParam('folder');
    let folderId: string | null = null;
    if (target !== '/') {
      const folder = folderByIdOrTitle(ctx, item.json.owner, target);
      if (!folder) throw errors.folderNotFound();
      folderId = folder.id;
    }
    item.json.ownerFolder = folderId;
    ctx.emu.markDirty();
    return { success: true, itemId: item.json.id, owner: item.json.owner, folder: folderId };
  });

  // "Move Items": several items of the user into one folder (`/` = root), with per-item results
  router.post(
    `${users}/moveItems`,
    (ctx) => {
      const owner = pathUser(ctx);
      const user = requireUser(ctx);
      const ids = listParam(ctx.req.params, 'items');
      if (ids.length === 0) throw errors.missingParam('items');
      if (ids.length > MAX_BULK_ITEMS) throw unable('move items', `At most ${MAX_BULK_ITEMS} items can be moved per request; ${ids.length} were given.`);
      const target = (ctx.req.params.folder ?? '').trim();
      if (target === '') throw errors.missingParam('folder');
      const folder = target === '/' ? null : folderByIdOrTitle(ctx, owner.username, target);
      if (folder === undefined) throw errors.folderNotFound();
      const results = ids.map((id) => {
        const item = ctx.emu.state.items.get(id) ?? ctx.emu.state.items.get(id.toLowerCase());
        if (!item || !canReadItem(ctx.emu.state, user, item)) return { itemId: id, success: false, error: errors.itemNotFound(id).toBody().error };
        if (!canEditItem(user, item) || !isOwner(owner, item.json.owner)) return { itemId: id, success: false, error: errors.forbidden().toBody().error };
        item.json.ownerFolder = folder?.id ?? null;
        return { itemId: item.json.id, success: true };
      });
      ctx.emu.markDirty();
      return { results };
    },
    { name: 'content/users/moveItems' }
  );

  itemOp('reassign', (ctx) => {
    pathUser(ctx);
    const admin = requireAdmin(ctx);
    const item = findItem(ctx, ctx.params.id);
    if (item.json.orgId !== admin.orgId) throw errors.forbidden();
    const targetName = ctx.req.params.targetUsername ?? '';
    if (targetName === '') throw errors.missingParam('targetUsername');
    const target = ctx.emu.state.getUser(targetName);
    if (!target || target.orgId !== admin.orgId) throw errors.userNotFound(targetName);
    if (target.disabled) throw unable('reassign item', `User '${target.username}' is disabled.`);
    if (!hasPrivilege(target, 'portal:user:createItem')) {
      throw unable('reassign item', `User '${target.username}' does not have the privileges to own content.`);
    }
    // "If the target folder doesn't exist, it will be created"; `/` or nothing is the root folder.
    const folderName = (ctx.req.params.targetFolderName ?? '').trim();
    let folderId: string | null = null;
    if (folderName !== '' && folderName !== '/') {
      const folder =
        folderByIdOrTitle(ctx, target.username, folderName) ??
        ctx.emu.state.addFolder({ id: ctx.emu.state.newId(), title: folderName, username: target.username, created: ctx.emu.clock.now() });
      folderId = folder.id;
    }
    item.json.owner = target.username;
    item.json.ownerFolder = folderId;
    ctx.emu.markDirty();
    return { success: true, itemId: item.json.id };
  });

  // rest-js removeItemThumbnail()
  itemOp('deleteThumbnail', (ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    item.thumbnailBlob = null;
    item.json.thumbnail = null;
    touch(ctx.emu, item);
    return { success: true };
  });

  // rest-js getItemStatus(): every upload here completes synchronously, so an existing item's status is 'completed'
  const status = (ctx: Ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    return { status: 'completed', statusMessage: 'completed', itemId: item.json.id };
  };
  router.any(`${users}/items/:id/status`, status, { name: 'content/users/items/status' });
  router.any(`${users}/:folderId/items/:id/status`, status, { name: 'content/users/items/status' });

  // `content/items/<id>/setContentStatus` (POST only; developers.arcgis.com/rest/users-groups-and-items/set-content-status.htm):
  // `status` org_authoritative | public_authoritative | deprecated; an empty status with `clearEmptyFields=true` removes
  // it. Authoritative items are protected from deletion too. The item JSON then carries `contentStatus`.
  router.post(`${emu.urls.paths.rest}/content/items/:id/setContentStatus`, (ctx) => setContentStatus(ctx), { name: 'content/items/setContentStatus' });

  // Can Delete Item (Enterprise 10.6.1+, Online): whether delete would succeed, and which items stand in the way. On an
  // Online organization with the recycle bin, as a delete without `permanentDelete` would go (recycle-bin.ts).
  itemOp('canDelete', (ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    const blocked = item.json.protected
      ? new ArcGISError(400, 'Unable to delete item. Delete protection is turned on.', { messageCode: 'CONT_0048', extra: { offendingItems: [] } })
      : deleteRefusal(ctx.emu, item, false);
    return checkAnswer(item.json.id, blocked);
  });

  itemOp('protect', (ctx) => setProtected(ctx, true));
  itemOp('unprotect', (ctx) => setProtected(ctx, false));

  router.post(`${users}/addRelationship`, (ctx) => relationship(ctx, 'add'), { name: 'content/users/addRelationship' });
  router.post(`${users}/deleteRelationship`, (ctx) => relationship(ctx, 'delete'), { name: 'content/users/deleteRelationship' });
}

/**
 * Deletes one item for `delete`/`deleteItems`: a live item to the recycle bin or for good (deleteOrRecycle); an item
 * already in the bin only with `permanentDelete=true`, as the ArcGIS API for Python empties the bin. Returns its id.
 */
function deleteOne(ctx: Ctx, user: UserRecord, id: string, permanent: boolean): string {
  const item = ctx.emu.state.items.get(id) ?? ctx.emu.state.items.get(id.toLowerCase());
  if (!item) {
    const recycled = permanent ? recycledItemFor(ctx, id) : undefined;
    if (!recycled) throw errors.itemNotFound(id);
    deleteRecycled(ctx.emu, recycled);
    return recycled.item.json.id;
  }
  if (!canEditItem(user, item)) throw canReadItem(ctx.emu.state, user, item) ? errors.forbidden() : errors.itemNotFound(id);
  if (item.json.protected) throw deleteProtected(item);
  deleteOrRecycle(ctx.emu, item, user.username, permanent);
  return item.json.id;
}

function deleteProtected(item: ItemRecord): ArcGISError {
  return new ArcGISError(400, 'Unable to delete item. Delete protection is turned on.', {
    details: [`Item '${item.json.id}' is protected; unprotect it before deleting it.`]
  });
}

const CONTENT_STATUSES = ['org_authoritative', 'public_authoritative', 'deprecated'];

function setContentStatus(ctx: Ctx): object {
  const user = requireUser(ctx);
  const item = findItem(ctx, ctx.params.id);
  if (!canReadItem(ctx.emu.state, user, item)) throw errors.itemNotFound(item.json.id);
  // The caller needs portal:admin:updateItems (administrators hold it), for items of their own organization.
  const mayUpdate = (isAdminUser(user) || user.privileges.includes('portal:admin:updateItems')) && user.orgId === item.json.orgId;
  if (!mayUpdate) throw errors.forbidden();
  const status = (ctx.req.params.status ?? '').trim();
  if (status === '') {
    if (!boolParam(ctx.req.params, 'clearEmptyFields')) throw errors.missingParam('status');
    delete item.json.contentStatus;
  } else {
    if (!CONTENT_STATUSES.includes(status)) {
      throw errors.invalidParam('Unable to set content status.', [`'status' must be one of ${CONTENT_STATUSES.join(', ')}; '${status}' is not.`]);
    }
    item.json.contentStatus = status;
    if (status !== 'deprecated') item.json.protected = true;
  }
  ctx.emu.markDirty();
  return { success: true };
}

function setProtected(ctx: Ctx, value: boolean): object {
  pathUser(ctx);
  const { item } = editableItem(ctx, ctx.params.id);
  item.json.protected = value;
  ctx.emu.markDirty();
  return { success: true };
}

async function addItem(ctx: Ctx): Promise<object> {
  const owner = pathUser(ctx);
  const user = requireUser(ctx);
  // Only the user adds items to their own content, even an administrator cannot add to someone else's.
  if (!isOwner(user, owner.username)) throw errors.forbidden();
  if (!hasPrivilege(user, 'portal:user:createItem')) throw errors.forbidden();
  const folder = ctx.params.folderId ? ownerFolder(ctx, owner, ctx.params.folderId) : null;
  const params = ctx.req.params;
  const file = ctx.req.files.file;
  if (params.multipart?.toLowerCase() === 'true' || params.async?.toLowerCase() === 'true') {
    throw unable('add item', 'Multipart and asynchronous uploads (addPart/commit) are not supported by this emulator; upload the file in one request.');
  }
  const type = (params.type ?? '').trim();
  if (type === '') throw unable('add item', "'type' must be specified.");
  const title = (params.title ?? '').trim() || file?.filename || '';
  if (title === '') throw unable('add item', "'title' must be specified.");

  const state = ctx.emu.state;
  let id = state.newId();
  const wantedId = (params.itemIdToCreate ?? '').trim();
  // itemIdToCreate is an ArcGIS Enterprise (10.8.1+) parameter; ArcGIS Online does not know it and ignores it.
  if (wantedId !== '' && ctx.emu.options.kind === 'enterprise') {
    if (!/^[0-9a-f]{32}$/.test(wantedId)) {
      throw unable('add item', `'itemIdToCreate' must be 32 lower-case hexadecimal characters, not '${wantedId}'.`);
    }
    if (state.items.has(wantedId)) throw unable('add item', `An item with the id '${wantedId}' already exists.`);
    id = wantedId;
  }

  if (boolParam(params, 'overwrite')) {
    // overwrite: replace the owner's item of the same type and file name (or title) in the same folder
    const name = params.filename ?? file?.filename;
    const existing = [...state.items.values()].find(
      (i) =>
        isOwner(owner, i.json.owner) &&
        i.json.type === type &&
        i.json.ownerFolder === (folder?.id ?? null) &&
        (name ? i.json.name === name : i.json.title === title)
    );
    if (existing) {
      await applyItemParams(ctx.emu, existing, { params: { ...params, title }, files: ctx.req.files, verb: 'add item' });
      return { success: true, id: existing.json.id, folder: folder?.id ?? null };
    }
  }

  const item = newItemRecord({ id, owner: owner.username, orgId: owner.orgId, created: ctx.emu.clock.now(), type, title, ownerFolder: folder?.id ?? null });
  await applyItemParams(ctx.emu, item, { params: { ...params, title }, files: ctx.req.files, verb: 'add item' });
  item.json.created = item.json.modified;
  state.addItem(item);
  ctx.emu.markDirty();
  return { success: true, id, folder: folder?.id ?? null };
}

/**
 * `addRelationship` / `deleteRelationship` (`originItemId`, `destinationItemId`, `relationshipType`; Esri's
 * example sends `relationshipTypes`). The relationship type decides which item types may be related and who must
 * own them (relationship-types.ts); "Users can only delete relationships they create".
 */
function relationship(ctx: Ctx, action: 'add' | 'delete'): object {
  const pathOwner = pathUser(ctx);
  const user = requireUser(ctx);
  // The path's user acts; an administrator of the user's organization may act for them.
  if (!isOwner(user, pathOwner.username) && !(isAdminUser(user) && user.orgId === pathOwner.orgId)) throw errors.forbidden();
  const p = ctx.req.params;
  const typeName = p.relationshipType ?? p.relationshipTypes;
  for (const [name, value] of [['originItemId', p.originItemId], ['destinationItemId', p.destinationItemId], ['relationshipType', typeName]] as const) {
    if (!value) throw errors.missingParam(name);
  }
  const verb = action === 'add' ? 'add relationship' : 'delete relationship';
  const type = relationshipType(typeName!);
  if (!type) {
    throw unable(verb, `'${typeName}' is not a relationship type. See Esri's relationship types: ${RELATIONSHIP_TYPES.map((t) => t.name).join(', ')}, ...`);
  }
  const origin = findItem(ctx, p.originItemId);
  const destination = findItem(ctx, p.destinationItemId);
  for (const item of [origin, destination]) if (!canReadItem(ctx.emu.state, user, item)) throw errors.itemNotFound(item.json.id);
  const rels = ctx.emu.state.relationships;
  const index = rels.findIndex((r) => r.originItemId === origin.json.id && r.destinationItemId === destination.json.id && r.type.toLowerCase() === type.name.toLowerCase());
  if (action === 'delete') {
    if (index < 0) throw unable(verb, `No '${type.name}' relationship from '${origin.json.id}' to '${destination.json.id}' exists.`);
    const r = rels[index]!;
    const creator = r.createdBy ?? origin.json.owner;
    if (!isOwner(pathOwner, creator) && !(isAdminUser(user) && user.orgId === origin.json.orgId)) {
      throw unable(verb, `Only its creator ('${creator}') or an administrator can delete this relationship.`, 403);
    }
    rels.splice(index, 1);
    ctx.emu.markDirty();
    return { success: true };
  }
  for (const [end, item] of [['origin', origin], ['destination', destination]] as const) {
    const problem = endProblem(type, end, item);
    if (problem) throw unable(verb, problem);
  }
  const mustOwn = (item: ItemRecord, what: string) => {
    if (!isOwner(pathOwner, item.json.owner)) throw unable(verb, `${type.name} relationships need '${pathOwner.username}' to own ${what} ('${item.json.id}' belongs to '${item.json.owner}').`);
  };
  if (type.rules.includes('mustOwnAllItems')) {
    mustOwn(origin, 'both items');
    mustOwn(destination, 'both items');
  }
  if (type.rules.includes('mustOwnOriginItem')) mustOwn(origin, 'the origin item');
  if (type.rules.includes('mustOwnDestinationItem')) mustOwn(destination, 'the destination item');
  if (index < 0) {
    rels.push({ type: type.name, originItemId: origin.json.id, destinationItemId: destination.json.id, created: ctx.emu.clock.now(), createdBy: pathOwner.username });
    if (type.rules.includes('copyOriginShareOnAdd')) copySharing(origin, destination);
  }
  ctx.emu.markDirty();
  return { success: true };
}
