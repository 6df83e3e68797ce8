import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { errors } from '../errors.js';
import { listParam } from '../http/request.js';
import { type Router } from '../router.js';
import { canEditItem, canReadItem, deriveAccess, hasPrivilege, isAdmin, isMemberOf } from '../state/permissions.js';
import { type GroupRecord, type ItemRecord, type UserRecord } from '../state/types.js';
import { findItem, pathUser } from './content.helpers.js';
import { propagateSharing } from './composite-sharing.js';

/**
 * Item sharing: `share`/`unshare` per item (owner path `content/users/<u>/items/<id>/...` and the non-owner path
 * `content/items/<id>/...`) and in bulk (`content/users/<u>/shareItems`/`unshareItems`).
 *
 * `everyone` and `org` set the access level when sent (rest-js setItemAccess sends both); `groups` adds groups.
 * Groups the caller may not share to end up in `notSharedWith` instead of failing the request, as in ArcGIS.
 */
export function registerSharingRoutes(router: Router, emu: EmulatorContext): void {
  const rest = emu.urls.paths.rest;
  const users = `${rest}/content/users/:username`;

  const share = (ctx: Ctx) => {
    if (ctx.params.username) pathUser(ctx);
    const user = requireUser(ctx);
    const item = visibleItem(ctx, user, ctx.params.id);
    const { notSharedWith } = shareItem(ctx, user, item);
    return { notSharedWith, itemId: item.json.id };
  };
  const unshare = (ctx: Ctx) => {
    if (ctx.params.username) pathUser(ctx);
    const user = requireUser(ctx);
    const item = visibleItem(ctx, user, ctx.params.id);
    const { notUnsharedFrom } = unshareItem(ctx, user, item);
    return { notUnsharedFrom, itemId: item.json.id };
  };
  for (const prefix of [`${users}/items/:id`, `${users}/:folderId/items/:id`, `${rest}/content/items/:id`]) {
    router.post(`${prefix}/share`, share, { name: 'content/items/share' });
    router.post(`${prefix}/unshare`, unshare, { name: 'content/items/unshare' });
  }

  router.post(
    `${users}/shareItems`,
    (ctx) => {
      pathUser(ctx);
      const user = requireUser(ctx);
      const results = bulkIds(ctx).map((id) => {
        const item = lookup(ctx, user, id);
        if (!item) return { itemId: id, success: false, notSharedWith: listParam(ctx.req.params, 'groups') };
        try {
          return { itemId: item.json.id, success: true, ...shareItem(ctx, user, item) };
        } catch {
          return { itemId: item.json.id, success: false, notSharedWith: listParam(ctx.req.params, 'groups') };
        }
      });
      return { results };
    },
    { name: 'content/users/shareItems' }
  );

  router.post(
    `${users}/unshareItems`,
    (ctx) => {
      pathUser(ctx);
      const user = requireUser(ctx);
      const results = bulkIds(ctx).map((id) => {
        const item = lookup(ctx, user, id);
        if (!item) return { itemId: id, success: false, notUnsharedFrom: listParam(ctx.req.params, 'groups') };
        return { itemId: item.json.id, success: true, ...unshareItem(ctx, user, item) };
      });
      return { results };
    },
    { name: 'content/users/unshareItems' }
  );
}

function bulkIds(ctx: Ctx): string[] {
  const ids = listParam(ctx.req.params, 'items');
  if (ids.length === 0) throw errors.missingParam('items');
  if (ids.length > 100) throw errors.invalidParam('Unable to share items.', [`At most 100 items per request; ${ids.length} were given.`]);
  return ids;
}

function lookup(ctx: Ctx, user: UserRecord, id: string): ItemRecord | undefined {
  const item = ctx.emu.state.items.get(id) ?? ctx.emu.state.items.get(id.toLowerCase());
  return item && canReadItem(ctx.emu.state, user, item) ? item : undefined;
}

function visibleItem(ctx: Ctx, user: UserRecord, id: string | undefined): ItemRecord {
  const item = findItem(ctx, id);
  if (!canReadItem(ctx.emu.state, user, item)) throw errors.itemNotFound(item.json.id);
  return item;
}

function groupsParam(ctx: Ctx): string[] {
  return listParam(ctx.req.params, 'groups').filter((g) => g.trim() !== '');
}

function flag(ctx: Ctx, name: string): boolean | undefined {
  const value = ctx.req.params[name];
  if (value === undefined || value.trim() === '') return undefined;
  return value.trim().toLowerCase() === 'true';
}

/** Whether `user` may put `item` into `group`. */
function canShareTo(user: UserRecord, item: ItemRecord, group: GroupRecord): boolean {
  if (group.orgId !== user.orgId && !isMemberOf(group, user.username)) return false;
  if (isAdmin(user) && user.orgId === item.json.orgId) return true;
  if (!isMemberOf(group, user.username)) return false;
  if (group.isViewOnly) {
    const type = [...group.members].find(([name]) => name.toLowerCase() === user.username.toLowerCase())?.[1];
    return type === 'owner' || type === 'admin';
  }
  return true;
}

function shareItem(ctx: Ctx, user: UserRecord, item: ItemRecord): { notSharedWith: string[] } {
  const owner = canEditItem(user, item);
  const everyone = flag(ctx, 'everyone');
  const org = flag(ctx, 'org') ?? flag(ctx, 'account');
  if (everyone !== undefined || org !== undefined) {
    // only the owner or an administrator changes the access level
    if (!owner) throw errors.forbidden();
    if (everyone && !hasPrivilege(user, 'portal:user:shareToPublic')) throw errors.forbidden();
    if (org && !hasPrivilege(user, 'portal:user:shareToOrg')) throw errors.forbidden();
  }
  const notSharedWith: string[] = [];
  for (const id of groupsParam(ctx)) {
    const group = ctx.emu.state.groups.get(id) ?? ctx.emu.state.groups.get(id.toLowerCase());
    // a non-owner may share someone else's item only into groups where they may (group admins, shared update)
    if (!group || !canShareTo(user, item, group) || (!owner && !groupManager(user, group))) {
      notSharedWith.push(id);
      continue;
    }
    item.groups.add(group.id);
  }
  const wasPublic = item.json.access === 'public';
  const wasOrg = wasPublic || item.json.access === 'org';
  item.json.access = deriveAccess(everyone ?? wasPublic, org ?? wasOrg, item.groups.size);
  propagateSharing(ctx.emu, item);
  ctx.emu.markDirty();
  return { notSharedWith };
}

function groupManager(user: UserRecord, group: GroupRecord): boolean {
  const type = [...group.members].find(([name]) => name.toLowerCase() === user.username.toLowerCase())?.[1];
  return type === 'owner' || type === 'admin';
}

/** Owners and administrators unshare from any group; group owners and managers from their group. */
function unshareItem(ctx: Ctx, user: UserRecord, item: ItemRecord): { notUnsharedFrom: string[] } {
  const owner = canEditItem(user, item);
  const notUnsharedFrom: string[] = [];
  for (const id of groupsParam(ctx)) {
    const group = ctx.emu.state.groups.get(id) ?? ctx.emu.state.groups.get(id.toLowerCase());
    if (!group) {
      notUnsharedFrom.push(id);
      continue;
    }
    if (!owner && !groupManager(user, group)) {
      notUnsharedFrom.push(id);
      continue;
    }
    item.groups.delete(group.id);
  }
  if (item.json.access === 'shared' || item.json.access === 'private') item.json.access = deriveAccess(false, false, item.groups.size);
  propagateSharing(ctx.emu, item);
  ctx.emu.markDirty();
  return { notUnsharedFrom };
}
