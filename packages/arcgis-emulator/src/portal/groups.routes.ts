import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { contentTypeFor } from '../content/content.helpers.js';
import { reply } from '../http/reply.js';
import { boolParam, listParam, type UploadedFile } from '../http/request.js';
import { type Router } from '../router.js';
import { canReadGroup, hasPrivilege, isAdmin } from '../state/permissions.js';
import { newGroupRecord } from '../state/records.js';
import { type GroupRecord, type UserRecord } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { compileRecordQuery, type FieldSpecs, paginate, parseQuery, readPage, sortRecords } from './query.js';
import { canManageGroup, canSeeMembers, groupJson, memberType } from './views.js';

/** ArcGIS adds or removes at most 25 users per call (addUsers/removeUsers documentation). */
const MAX_USERS_PER_CALL = 25;

const GROUP_SPECS: FieldSpecs<GroupRecord> = {
  id: { kind: 'keyword', get: (g) => g.id },
  title: { kind: 'text', get: (g) => g.title },
  owner: { kind: 'keyword', get: (g) => g.owner },
  description: { kind: 'text', get: (g) => g.description },
  snippet: { kind: 'text', get: (g) => g.snippet },
  tags: { kind: 'keyword', get: (g) => g.tags },
  orgid: { kind: 'keyword', get: (g) => g.orgId },
  access: { kind: 'keyword', get: (g) => g.access },
  created: { kind: 'number', get: (g) => g.created },
  modified: { kind: 'number', get: (g) => g.modified },
  isinvitationonly: { kind: 'keyword', get: (g) => String(g.isInvitationOnly) },
  isviewonly: { kind: 'keyword', get: (g) => String(g.isViewOnly) },
  protected: { kind: 'keyword', get: (g) => String(g.protected) },
  capabilities: { kind: 'keyword', get: (g) => g.capabilities },
  membershipaccess: { kind: 'keyword', get: (g) => g.membershipAccess }
};
const FREE_TEXT = ['title', 'description', 'snippet', 'tags', 'owner'];

/** Create Group / Update Group: "The maximum file size for an image is 1 MB." */
const MAX_THUMBNAIL_BYTES = 1024 * 1024;

const ACCESS = new Set(['private', 'org', 'public']);
const SORT_FIELDS = new Set(['title', 'owner', 'avgrating', 'numviews', 'created', 'modified']);

/** The group, or ArcGIS's "does not exist or is inaccessible" when the caller may not see it. */
function findGroup(ctx: Ctx): GroupRecord {
  const group = ctx.emu.state.groups.get(ctx.params.groupId ?? '');
  if (!group || !canSeeGroup(ctx.user, group)) throw errors.groupNotFound();
  return group;
}

/** Visibility, with the portal:admin:viewGroups rule: an org's admins see all of its groups. */
function canSeeGroup(user: UserRecord | null, group: GroupRecord): boolean {
  if (canReadGroup(user, group)) return true;
  return !!user && isAdmin(user) && user.orgId === group.orgId;
}

function requireManager(ctx: Ctx, group: GroupRecord): UserRecord {
  const user = requireUser(ctx);
  if (!canManageGroup(user, group)) throw errors.forbidden();
  return user;
}

function requireOwnerOrAdmin(ctx: Ctx, group: GroupRecord): UserRecord {
  const user = requireUser(ctx);
  const owner = group.owner.toLowerCase() === user.username.toLowerCase();
  if (!owner && !(isAdmin(user) && user.orgId === group.orgId)) throw errors.forbidden();
  return user;
}

/** Applies create/update parameters to a group; throws ArcGIS's errors for bad values. */
function applyGroupParams(group: GroupRecord, p: Record<string, string>): void {
  if (p.title !== undefined) {
    if (!p.title.trim()) throw errors.invalidParam("'title' must be specified.", ["'title' must be specified."]);
    group.title = p.title;
  }
  if (p.access !== undefined) {
    if (!ACCESS.has(p.access)) throw errors.invalidParam("Invalid 'access'. Valid values are private, org and public.");
    group.access = p.access as GroupRecord['access'];
  }
  if (p.description !== undefined) group.description = p.description || null;
  if (p.snippet !== undefined) {
    if (p.snippet.length > 250) throw errors.invalidParam('The snippet cannot be longer than 250 characters.');
    group.snippet = p.snippet || null;
  }
  if (p.phone !== undefined) group.phone = p.phone || null;
  if (p.tags !== undefined) group.tags = listParam(p, 'tags');
  if (p.sortField !== undefined && p.sortField !== '') {
    if (!SORT_FIELDS.has(p.sortField.toLowerCase())) throw errors.invalidParam(`Invalid 'sortField' '${p.sortField}'.`);
    group.sortField = p.sortField;
  }
  if (p.sortOrder !== undefined && p.sortOrder !== '') {
    if (p.sortOrder !== 'asc' && p.sortOrder !== 'desc') throw errors.invalidParam("Invalid 'sortOrder'. Valid values are asc and desc.");
    group.sortOrder = p.sortOrder;
  }
  if (p.isViewOnly !== undefined) group.isViewOnly = boolParam(p, 'isViewOnly');
  if (p.isInvitationOnly !== undefined) group.isInvitationOnly = boolParam(p, 'isInvitationOnly');
  if (p.autoJoin !== undefined) group.autoJoin = boolParam(p, 'autoJoin');
  if (p.hiddenMembers !== undefined) group.hiddenMembers = boolParam(p, 'hiddenMembers');
  if (p.leavingDisallowed !== undefined) group.leavingDisallowed = boolParam(p, 'leavingDisallowed');
  if (p.isOpenData !== undefined) group.isOpenData = boolParam(p, 'isOpenData');
  if (p.membershipAccess !== undefined && p.membershipAccess !== '') {
    if (p.membershipAccess !== 'org' && p.membershipAccess !== 'collaboration' && p.membershipAccess !== 'none') {
      throw errors.invalidParam("Invalid 'membershipAccess'. Valid values are org, collaboration and none.");
    }
    group.membershipAccess = p.membershipAccess;
  }
  if (p.capabilities !== undefined) {
    const caps = listParam(p, 'capabilities');
    for (const cap of caps) if (cap !== 'updateitemcontrol') throw errors.invalidParam(`Invalid capability '${cap}'.`);
    group.capabilities = caps;
  }
}

/** The uploaded `thumbnail` part, checked before anything changes; its file name becomes the group's `thumbnail`. */
function thumbnailUpload(file: UploadedFile | undefined): { name: string; data: Buffer; contentType: string } | undefined {
  if (!file) return undefined;
  if (file.data.length === 0) throw errors.invalidParam('The thumbnail file is empty.');
  if (file.data.length > MAX_THUMBNAIL_BYTES) throw errors.invalidParam('The thumbnail is larger than the maximum of 1 MB.');
  const name = (file.filename || 'thumbnail.png').replace(/[/\\]/g, '_');
  const contentType = file.contentType === 'application/octet-stream' || !file.contentType ? contentTypeFor(name, 'image/png') : file.contentType;
  if (!contentType.startsWith('image/')) throw errors.invalidParam('The thumbnail must be a PNG, GIF or JPEG image.');
  return { name, data: file.data, contentType };
}

function setThumbnail(group: GroupRecord, upload: { name: string; data: Buffer; contentType: string } | null): void {
  group.thumbnail = upload ? upload.name : null;
  group.thumbnailBlob = upload ? bufferBlob(upload.data, upload.contentType) : null;
}

function assertUniqueTitle(ctx: Ctx, owner: string, title: string, exceptId?: string): void {
  for (const g of ctx.emu.state.groups.values()) {
    if (g.id !== exceptId && g.owner.toLowerCase() === owner.toLowerCase() && g.title.toLowerCase() === title.toLowerCase()) {
      throw new ArcGISError(400, `You already have a group named '${title}'. Try a different name.`, { messageCode: 'COM_0044', details: [] });
    }
  }
}

export function registerGroupRoutes(router: Router, emu: EmulatorContext): void {
  const rest = emu.urls.paths.rest;

  router.post(
    `${rest}/community/createGroup`,
    (ctx) => {
      const user = requireUser(ctx);
      if (!hasPrivilege(user, 'portal:user:createGroup')) throw errors.forbidden();
      const p = ctx.req.params;
      if (!p.title?.trim()) throw errors.invalidParam("'title' must be specified.", ["'title' must be specified."]);
      assertUniqueTitle(ctx, user.username, p.title);
      const access = p.access ?? 'private';
      if (access === 'public' && !hasPrivilege(user, 'portal:user:shareGroupToPublic') && !isAdmin(user)) throw errors.forbidden();
      const thumbnail = thumbnailUpload(ctx.req.files.thumbnail);
      const group = newGroupRecord({ id: emu.state.newId(), title: p.title, owner: user.username, orgId: user.orgId, created: emu.clock.now() });
      applyGroupParams(group, { ...p, access });
      if (thumbnail) setThumbnail(group, thumbnail);
      emu.state.addGroup(group);
      emu.markDirty();
      return { success: true, group: groupJson(emu, user, group) };
    },
    { name: 'community/createGroup' }
  );

  router.any(
    `${rest}/community/groups`,
    (ctx) => {
      const match = compileRecordQuery(parseQuery(ctx.req.params.q), GROUP_SPECS, FREE_TEXT);
      const visible = [...emu.state.groups.values()].filter((g) => canSeeGroup(ctx.user, g) && match(g));
      const page = paginate(sortRecords(visible, ctx.req.params, GROUP_SPECS, 'title'), readPage(ctx.req.params));
      return { query: ctx.req.params.q ?? '', ...page, results: page.results.map((g) => groupJson(emu, ctx.user, g)) };
    },
    { name: 'community/groups' }
  );

  router.any(
    `${rest}/community/groups/:groupId`,
    (ctx) => groupJson(emu, ctx.user, findGroup(ctx), { membership: true }),
    { name: 'community/groups/<id>' }
  );

  router.post(
    `${rest}/community/groups/:groupId/update`,
    (ctx) => {
      const group = findGroup(ctx);
      const user = requireManager(ctx, group);
      const p = ctx.req.params;
      if (p.title !== undefined) assertUniqueTitle(ctx, group.owner, p.title, group.id);
      if (p.access === 'public' && group.access !== 'public' && !hasPrivilege(user, 'portal:user:shareGroupToPublic') && !isAdmin(user)) {
        throw errors.forbidden();
      }
      const thumbnail = thumbnailUpload(ctx.req.files.thumbnail);
      applyGroupParams(group, p);
      if (thumbnail) setThumbnail(group, thumbnail);
      // An empty `thumbnail` with clearEmptyFields removes the thumbnail, like any other emptied field.
      else if (p.thumbnail === '' && boolParam(p, 'clearEmptyFields')) setThumbnail(group, null);
      group.modified = emu.clock.now();
      emu.markDirty();
      return { success: true, groupId: group.id };
    },
    { name: 'community/groups/<id>/update' }
  );

  // Delete Group Thumbnail: the owner, a group manager or an org admin.
  router.post(
    `${rest}/community/groups/:groupId/deleteThumbnail`,
    (ctx) => {
      const group = findGroup(ctx);
      requireManager(ctx, group);
      setThumbnail(group, null);
      group.modified = emu.clock.now();
      emu.markDirty();
      return { success: true };
    },
    { name: 'community/groups/<id>/deleteThumbnail' }
  );

  // Group Thumbnail: the image, readable by whoever may see the group (a private group's members, the org's admins).
  router.get(
    `${rest}/community/groups/:groupId/info/:fileName`,
    (ctx) => {
      const group = findGroup(ctx);
      if (!group.thumbnail || !group.thumbnailBlob || ctx.params.fileName !== group.thumbnail) {
        throw new ArcGISError(400, 'Group thumbnail does not exist or is inaccessible.', { details: [], httpStatus: 404 });
      }
      return reply.raw(group.thumbnailBlob.read(), group.thumbnailBlob.contentType);
    },
    { name: 'community/groups/<id>/info' }
  );

  router.post(
    `${rest}/community/groups/:groupId/delete`,
    (ctx) => {
      const group = findGroup(ctx);
      requireOwnerOrAdmin(ctx, group);
      if (group.protected) {
        throw new ArcGISError(400, 'Unable to delete group. Group is delete protected.', { messageCode: 'COM_0033', details: [] });
      }
      emu.state.groups.delete(group.id);
      // Items stay; they are no longer shared with the deleted group.
      for (const item of emu.state.items.values()) {
        if (item.groups.delete(group.id) && item.json.access === 'shared' && item.groups.size === 0) item.json.access = 'private';
      }
      emu.markDirty();
      return { success: true, groupId: group.id };
    },
    { name: 'community/groups/<id>/delete' }
  );

  router.any(
    `${rest}/community/groups/:groupId/users`,
    (ctx) => {
      const group = findGroup(ctx);
      if (!canSeeMembers(ctx.user, group)) throw errors.forbidden();
      // With hidden members, only the group's managers (and the org's admins) see the member list.
      if (group.hiddenMembers && !canManageGroup(ctx.user, group)) throw errors.forbidden();
      const admins: string[] = [];
      const users: string[] = [];
      for (const [username, type] of group.members) {
        if (type === 'owner' || type === 'admin') admins.push(username);
        else users.push(username);
      }
      return { owner: group.owner, admins, users };
    },
    { name: 'community/groups/<id>/users' }
  );

  router.post(
    `${rest}/community/groups/:groupId/addUsers`,
    (ctx) => {
      const group = findGroup(ctx);
      const manager = requireManager(ctx, group);
      const users = listParam(ctx.req.params, 'users');
      const admins = listParam(ctx.req.params, 'admins');
      if (users.length + admins.length > MAX_USERS_PER_CALL) {
        throw errors.invalidParam(`You can add at most ${MAX_USERS_PER_CALL} users at a time.`);
      }
      const notAdded: string[] = [];
      const add = (username: string, type: 'admin' | 'member') => {
        const user = emu.state.getUser(username);
        // Users are added directly only from the manager's own organization; others must be invited.
        if (!user || user.disabled || user.orgId !== manager.orgId) {
          notAdded.push(username);
          return;
        }
        const current = memberType(group, user.username);
        if (current === 'owner') return;
        if (current !== 'none') {
          for (const key of [...group.members.keys()]) if (key.toLowerCase() === user.username.toLowerCase()) group.members.delete(key);
        }
        // Adding an existing member as admin promotes them; adding an admin as a user keeps them admin.
        group.members.set(user.username, current === 'admin' && type === 'member' ? 'admin' : type);
      };
      for (const u of users) add(u, 'member');
      for (const u of admins) add(u, 'admin');
      group.modified = emu.clock.now();
      emu.markDirty();
      return { notAdded };
    },
    { name: 'community/groups/<id>/addUsers' }
  );

  router.post(
    `${rest}/community/groups/:groupId/removeUsers`,
    (ctx) => {
      const group = findGroup(ctx);
      requireManager(ctx, group);
      const users = listParam(ctx.req.params, 'users');
      if (users.length > MAX_USERS_PER_CALL) throw errors.invalidParam(`You can remove at most ${MAX_USERS_PER_CALL} users at a time.`);
      const notRemoved: string[] = [];
      for (const username of users) {
        const type = memberType(group, username);
        // The owner cannot be removed (reassign the group first); non-members cannot be removed.
        if (type === 'none' || type === 'owner') {
          notRemoved.push(username);
          continue;
        }
        for (const key of [...group.members.keys()]) if (key.toLowerCase() === username.toLowerCase()) group.members.delete(key);
      }
      group.modified = emu.clock.now();
      emu.markDirty();
      return { notRemoved };
    },
    { name: 'community/groups/<id>/removeUsers' }
  );

  /**
   * Update User Memberships: the group's owner, its managers and the org's administrators turn members into managers
   * (`admin`) or managers into members. Only current members change; the owner's type cannot be changed. Each user is
   * reported as `{username, success}` in `results`.
   */
  const updateMemberships = (ctx: Ctx, changes: { username: string; type: 'admin' | 'member' }[]) => {
    const group = findGroup(ctx);
    requireManager(ctx, group);
    const results: { username: string; success: boolean }[] = [];
    for (const { username, type } of changes) {
      const current = memberType(group, username);
      if (current === 'none' || current === 'owner') {
        results.push({ username, success: false });
        continue;
      }
      // Keep the username as the group stores it (names are case-insensitive).
      const key = [...group.members.keys()].find((k) => k.toLowerCase() === username.toLowerCase())!;
      group.members.set(key, type);
      results.push({ username: key, success: true });
    }
    group.modified = emu.clock.now();
    emu.markDirty();
    return { results };
  };

  router.post(
    `${rest}/community/groups/:groupId/updateUserMemberships`,
    (ctx) => {
      const users = listParam(ctx.req.params, 'users');
      if (users.length === 0) throw errors.missingParam('users');
      const type = ctx.req.params.newMemberType;
      if (!type) throw errors.missingParam('newMemberType');
      if (type !== 'admin' && type !== 'member') throw errors.invalidParam(`Invalid newMemberType '${type}'. Use 'member' or 'admin'.`);
      return updateMemberships(ctx, users.map((username) => ({ username, type })));
    },
    { name: 'community/groups/<id>/updateUserMemberships' }
  );

  // The form Esri's rest-js (4.x `updateUserMemberships`) posts: `users` become members, `admins` become managers.
  router.post(
    `${rest}/community/groups/:groupId/updateUsers`,
    (ctx) => {
      const users = listParam(ctx.req.params, 'users');
      const admins = listParam(ctx.req.params, 'admins');
      if (users.length + admins.length === 0) throw errors.missingParam('users');
      return updateMemberships(ctx, [
        ...users.map((username) => ({ username, type: 'member' as const })),
        ...admins.map((username) => ({ username, type: 'admin' as const }))
      ]);
    },
    { name: 'community/groups/<id>/updateUsers' }
  );

  router.post(
    `${rest}/community/groups/:groupId/reassign`,
    (ctx) => {
      const group = findGroup(ctx);
      const caller = requireUser(ctx);
      const isOrgAdmin = isAdmin(caller) && caller.orgId === group.orgId;
      if (!isOrgAdmin && group.owner.toLowerCase() !== caller.username.toLowerCase()) throw errors.forbidden();
      const targetName = ctx.req.params.targetUsername;
      if (!targetName) throw errors.missingParam('targetUsername');
      const target = emu.state.getUser(targetName);
      if (!target || target.orgId !== group.orgId) throw errors.userNotFound(targetName);
      if (target.disabled) throw errors.invalidParam(`User '${target.username}' is disabled.`);
      // Only an admin may hand a group to someone who is not already its manager (ArcGIS's rule for owners).
      if (!isOrgAdmin && memberType(group, target.username) !== 'admin') {
        throw errors.invalidParam(`User '${target.username}' must be a manager of the group to become its owner.`);
      }
      const previous = group.owner;
      // Already the owner: nothing to hand over.
      if (previous.toLowerCase() === target.username.toLowerCase()) return { success: true, groupId: group.id };
      for (const key of [...group.members.keys()]) {
        if (key.toLowerCase() === target.username.toLowerCase() || key.toLowerCase() === previous.toLowerCase()) group.members.delete(key);
      }
      group.members.set(target.username, 'owner');
      // The previous owner stays in the group as a manager.
      const previousUser = emu.state.getUser(previous);
      if (previousUser) group.members.set(previousUser.username, 'admin');
      group.owner = target.username;
      group.modified = emu.clock.now();
      emu.markDirty();
      return { success: true, groupId: group.id };
    },
    { name: 'community/groups/<id>/reassign' }
  );

  for (const action of ['protect', 'unprotect'] as const) {
    router.post(
      `${rest}/community/groups/:groupId/${action}`,
      (ctx) => {
        const group = findGroup(ctx);
        requireOwnerOrAdmin(ctx, group);
        group.protected = action === 'protect';
        group.modified = emu.clock.now();
        emu.markDirty();
        return { success: true };
      },
      { name: `community/groups/<id>/${action}` }
    );
  }

  // Members can leave groups they do not own (part of membership management OrgKeeper's clean-up relies on).
  router.post(
    `${rest}/community/groups/:groupId/leave`,
    (ctx) => {
      const group = findGroup(ctx);
      const user = requireUser(ctx);
      const type = memberType(group, user.username);
      if (type === 'none') throw errors.invalidParam('You are not a member of this group.');
      if (type === 'owner') throw errors.invalidParam('The owner cannot leave the group. Reassign the group first.');
      if (group.leavingDisallowed && !isAdmin(user)) throw errors.forbidden('Leaving this group is not allowed.');
      for (const key of [...group.members.keys()]) if (key.toLowerCase() === user.username.toLowerCase()) group.members.delete(key);
      emu.markDirty();
      return { success: true, groupId: group.id };
    },
    { name: 'community/groups/<id>/leave' }
  );
}
