import { type Ctx, type EmulatorContext, requireAdmin, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { listParam } from '../http/request.js';
import { type Router } from '../router.js';
import { PRIVILEGES } from '../seed/base.js';
import { isAdmin } from '../state/permissions.js';
import { type Role, type UserRecord } from '../state/types.js';
import { compileRecordQuery, type FieldSpecs, paginate, parseQuery, readPage, sortRecords } from './query.js';
import { canSeeUser, seesPrivateFields, storageUsage, userJson } from './views.js';

/** Custom roles ArcGIS creates in every org (ids as ArcGIS reports them). */
export const VIEWER_ROLE_ID = 'iAAAAAAAAAAAAAAA';
export const DATA_EDITOR_ROLE_ID = 'iBBBBBBBBBBBBBBB';

/** User types (license types) and the most a role may be given with them. */
const USER_TYPES = new Set(['viewerUT', 'contributorUT', 'mobileWorkerUT', 'creatorUT', 'GISProfessionalStdUT', 'GISProfessionalBasicUT', 'GISProfessionalAdvUT', 'editorUT', 'fieldWorkerUT', 'storytellerUT', 'insightsAnalystUT']);
const VIEW_ONLY_TYPES = new Set(['viewerUT']);
const ADMIN_CAPABLE_TYPES = new Set(['creatorUT', 'GISProfessionalStdUT', 'GISProfessionalBasicUT', 'GISProfessionalAdvUT']);

function userSpecs(viewer: UserRecord | null, emu: EmulatorContext): FieldSpecs<UserRecord> {
  const admin = isAdmin(viewer);
  return {
    username: { kind: 'keyword', get: (u) => u.username },
    fullname: { kind: 'text', get: (u) => u.fullName },
    firstname: { kind: 'text', get: (u) => u.firstName },
    lastname: { kind: 'text', get: (u) => u.lastName },
    description: { kind: 'text', get: (u) => u.description },
    tags: { kind: 'keyword', get: (u) => u.tags },
    orgid: { kind: 'keyword', get: (u) => u.orgId },
    provider: { kind: 'keyword', get: (u) => u.provider },
    created: { kind: 'number', get: (u) => u.created },
    modified: { kind: 'number', get: (u) => u.modified },
    access: { kind: 'keyword', get: (u) => u.access },
    // Private fields can be searched only by those who may see them.
    ...(admin
      ? {
          email: { kind: 'keyword' as const, get: (u: UserRecord) => u.email },
          role: { kind: 'keyword' as const, get: (u: UserRecord) => u.role },
          roleid: { kind: 'keyword' as const, get: (u: UserRecord) => u.roleId ?? u.role },
          lastlogin: { kind: 'number' as const, get: (u: UserRecord) => u.lastLogin },
          disabled: { kind: 'keyword' as const, get: (u: UserRecord) => String(u.disabled) },
          usertype: { kind: 'keyword' as const, get: (u: UserRecord) => u.userLicenseTypeId },
          userlicensetype: { kind: 'keyword' as const, get: (u: UserRecord) => u.userLicenseTypeId },
          level: { kind: 'keyword' as const, get: (u: UserRecord) => u.level },
          storageusage: { kind: 'number' as const, get: (u: UserRecord) => storageUsage(emu, u.username) }
        }
      : {})
  };
}

const FREE_TEXT = ['username', 'fullname', 'description', 'tags', 'email'];

function findUser(ctx: Ctx, username: string): UserRecord {
  const user = ctx.emu.state.getUser(username);
  if (!user || !canSeeUser(ctx.user, user)) throw errors.userNotFound(username);
  return user;
}

/** Users an org administrator manages: members of the admin's own org. */
function managedUser(ctx: Ctx, admin: UserRecord): UserRecord {
  const username = ctx.params.username ?? '';
  const user = ctx.emu.state.getUser(username);
  if (!user || user.orgId !== admin.orgId) throw errors.userNotFound(username);
  return user;
}

function checkPortalId(ctx: Ctx): void {
  const id = (ctx.params.portalId ?? '').toLowerCase();
  if (id !== 'self' && id !== ctx.emu.state.org.id.toLowerCase()) {
    throw new ArcGISError(400, 'Portal does not exist or is inaccessible.', { details: [] });
  }
}

export function registerUserRoutes(router: Router, emu: EmulatorContext): void {
  const rest = emu.urls.paths.rest;

  router.any(`${rest}/community/self`, (ctx) => userJson(emu, ctx.user, requireUser(ctx), { withGroups: true }), { name: 'community/self' });

  router.any(
    `${rest}/community/users`,
    (ctx) => {
      const specs = userSpecs(ctx.user, emu);
      const match = compileRecordQuery(parseQuery(ctx.req.params.q), specs, FREE_TEXT);
      const visible = [...emu.state.users.values()].filter((u) => canSeeUser(ctx.user, u) && !(u.disabled && !seesPrivateFields(ctx.user, u)));
      const found = sortRecords(
        visible.filter(match),
        ctx.req.params,
        specs,
        'username'
      );
      const page = paginate(found, readPage(ctx.req.params));
      return { query: ctx.req.params.q ?? '', ...page, results: page.results.map((u) => userJson(emu, ctx.user, u)) };
    },
    { name: 'community/users' }
  );

  router.any(
    `${rest}/community/users/:username`,
    (ctx) => {
      const user = findUser(ctx, ctx.params.username ?? '');
      return userJson(emu, ctx.user, user, { withGroups: seesPrivateFields(ctx.user, user) });
    },
    { name: 'community/users/<u>' }
  );

  router.post(`${rest}/community/users/:username/update`, (ctx) => updateUser(ctx), { name: 'community/users/<u>/update' });

  router.post(
    `${rest}/community/users/:username/disable`,
    (ctx) => {
      const admin = requireAdmin(ctx);
      const user = managedUser(ctx, admin);
      if (user.username.toLowerCase() === admin.username.toLowerCase()) {
        throw new ArcGISError(400, 'You cannot disable your own account.', { details: [] });
      }
      user.disabled = true;
      user.modified = emu.clock.now();
      emu.markDirty();
      return { success: true };
    },
    { name: 'community/users/<u>/disable' }
  );

  router.post(
    `${rest}/community/users/:username/enable`,
    (ctx) => {
      const admin = requireAdmin(ctx);
      const user = managedUser(ctx, admin);
      user.disabled = false;
      user.modified = emu.clock.now();
      emu.markDirty();
      return { success: true };
    },
    { name: 'community/users/<u>/enable' }
  );

  router.post(
    `${rest}/community/users/:username/delete`,
    (ctx) => {
      const admin = requireAdmin(ctx);
      const user = managedUser(ctx, admin);
      if (user.username.toLowerCase() === admin.username.toLowerCase()) {
        throw new ArcGISError(400, 'You cannot delete your own account.', { details: [] });
      }
      const ownsItems = emu.state.itemsOf(user.username).length > 0;
      const ownsGroups = [...emu.state.groups.values()].some((g) => g.owner.toLowerCase() === user.username.toLowerCase());
      if (ownsItems || ownsGroups) {
        // ArcGIS refuses until the account's content and groups are reassigned or deleted (wording *unverified*).
        throw new ArcGISError(400, `User '${user.username}' cannot be deleted as the user owns items or groups.`, {
          details: ['Transfer or delete the items and groups that the user owns, then delete the user.']
        });
      }
      for (const group of emu.state.groups.values()) {
        for (const member of [...group.members.keys()]) if (member.toLowerCase() === user.username.toLowerCase()) group.members.delete(member);
      }
      for (const folder of emu.state.foldersOf(user.username)) emu.state.folders.delete(folder.id);
      for (const [key, token] of emu.state.tokens) if (token.username.toLowerCase() === user.username.toLowerCase()) emu.state.tokens.delete(key);
      for (const [key, token] of emu.state.refreshTokens) if (token.username.toLowerCase() === user.username.toLowerCase()) emu.state.refreshTokens.delete(key);
      emu.state.users.delete(user.username.toLowerCase());
      emu.markDirty();
      return { success: true, username: user.username };
    },
    { name: 'community/users/<u>/delete' }
  );

  router.any(
    `${rest}/portals/:portalId/users`,
    (ctx) => {
      checkPortalId(ctx);
      const admin = requireAdmin(ctx);
      const specs = userSpecs(admin, emu);
      let users = [...emu.state.users.values()].filter((u) => u.orgId === admin.orgId);
      const role = ctx.req.params.role;
      if (role) users = users.filter((u) => u.role === role || u.roleId === role);
      const provider = ctx.req.params.provider;
      if (provider) users = users.filter((u) => u.provider === provider);
      const page = paginate(sortRecords(users, ctx.req.params, specs, 'username'), readPage(ctx.req.params));
      const { results, ...rest } = page;
      return { ...rest, users: results.map((u) => userJson(emu, admin, u)) };
    },
    { name: 'portals/self/users' }
  );

  router.any(
    `${rest}/portals/:portalId/users/search`,
    (ctx) => {
      checkPortalId(ctx);
      const admin = requireAdmin(ctx);
      const specs = userSpecs(admin, emu);
      const match = compileRecordQuery(parseQuery(ctx.req.params.q), specs, FREE_TEXT);
      const users = [...emu.state.users.values()].filter((u) => u.orgId === admin.orgId && match(u));
      const page = paginate(sortRecords(users, ctx.req.params, specs, 'username'), readPage(ctx.req.params));
      return { query: ctx.req.params.q ?? '', ...page, results: page.results.map((u) => userJson(emu, admin, u)) };
    },
    { name: 'portals/self/users/search' }
  );

  router.post(`${rest}/portals/:portalId/updateUserRole`, (ctx) => updateUserRole(ctx), { name: 'portals/self/updateUserRole' });
  router.post(`${rest}/portals/:portalId/updateUserLicenseType`, (ctx) => updateUserLicenseType(ctx), {
    name: 'portals/self/updateUserLicenseType'
  });
}

const UPDATABLE_TEXT = ['fullName', 'firstName', 'lastName', 'description', 'culture', 'region', 'units'] as const;

function updateUser(ctx: Ctx): object {
  const { emu } = ctx;
  const caller = requireUser(ctx);
  const user = findUser(ctx, ctx.params.username ?? '');
  const self = caller.username.toLowerCase() === user.username.toLowerCase();
  if (!self && !(isAdmin(caller) && caller.orgId === user.orgId)) throw errors.forbidden();
  const p = ctx.req.params;
  for (const field of UPDATABLE_TEXT) {
    const value = p[field];
    if (value === undefined) continue;
    if (field === 'units' && value !== '' && value !== 'english' && value !== 'metric') {
      throw errors.invalidParam("Invalid 'units'. Valid values are english and metric.");
    }
    (user as unknown as Record<string, string | null>)[field] = value === '' && field !== 'fullName' ? null : value;
  }
  if (p.firstName !== undefined || p.lastName !== undefined) {
    if (p.fullName === undefined) user.fullName = `${user.firstName} ${user.lastName}`.trim();
  }
  if (p.email !== undefined) {
    if (!/^[^\s@]+@[^\s@]+$/.test(p.email)) throw errors.invalidParam("Invalid 'email'.", [`'${p.email}' is not a valid email address.`]);
    user.email = p.email;
  }
  if (p.tags !== undefined) user.tags = listParam(p, 'tags');
  if (p.access !== undefined) {
    if (p.access !== 'private' && p.access !== 'org' && p.access !== 'public') {
      throw errors.invalidParam("Invalid 'access'. Valid values are private, org and public.");
    }
    user.access = p.access;
  }
  user.modified = emu.clock.now();
  emu.markDirty();
  return { success: true, username: user.username };
}

function privilegesFor(role: Role, roleId: string | null): string[] {
  if (roleId === VIEWER_ROLE_ID) return [...PRIVILEGES.viewer];
  if (roleId === DATA_EDITOR_ROLE_ID) return [...PRIVILEGES.viewer, 'features:user:edit'];
  return [...PRIVILEGES[role]];
}

function updateUserRole(ctx: Ctx): object {
  const { emu } = ctx;
  checkPortalId(ctx);
  const admin = requireAdmin(ctx);
  const p = ctx.req.params;
  if (!p.user) throw errors.missingParam('user');
  if (!p.role) throw errors.missingParam('role');
  const user = emu.state.getUser(p.user);
  if (!user || user.orgId !== admin.orgId) throw errors.userNotFound(p.user);
  let role: Role;
  let roleId: string | null;
  if (p.role === 'org_admin' || p.role === 'org_publisher' || p.role === 'org_user') {
    role = p.role;
    roleId = null;
  } else if (p.role === VIEWER_ROLE_ID || p.role === DATA_EDITOR_ROLE_ID) {
    role = 'org_user';
    roleId = p.role;
  } else {
    throw errors.invalidParam(`Invalid role '${p.role}'.`, ['Valid roles are org_admin, org_publisher, org_user or the id of a custom role.']);
  }
  if (user.username.toLowerCase() === admin.username.toLowerCase() && role !== 'org_admin') {
    throw new ArcGISError(400, 'You cannot change your own role.', { details: [] });
  }
  if (VIEW_ONLY_TYPES.has(user.userLicenseTypeId) && roleId !== VIEWER_ROLE_ID) {
    throw new ArcGISError(400, `The role is not compatible with the user type '${user.userLicenseTypeId}' of '${user.username}'.`, { details: [] });
  }
  if (role === 'org_admin' && !ADMIN_CAPABLE_TYPES.has(user.userLicenseTypeId)) {
    throw new ArcGISError(400, `The role is not compatible with the user type '${user.userLicenseTypeId}' of '${user.username}'.`, { details: [] });
  }
  user.role = role;
  user.roleId = roleId;
  user.privileges = privilegesFor(role, roleId);
  user.modified = emu.clock.now();
  emu.markDirty();
  return { success: true, username: user.username };
}

function updateUserLicenseType(ctx: Ctx): object {
  const { emu } = ctx;
  checkPortalId(ctx);
  const admin = requireAdmin(ctx);
  const p = ctx.req.params;
  const usernames = listParam(p, 'users');
  if (usernames.length === 0) throw errors.missingParam('users');
  const type = p.userLicenseType;
  if (!type) throw errors.missingParam('userLicenseType');
  if (!USER_TYPES.has(type)) throw errors.invalidParam(`Invalid user type '${type}'.`);
  const results = usernames.map((username) => {
    const user = emu.state.getUser(username);
    if (!user || user.orgId !== admin.orgId) {
      return { username, success: false, error: { code: 400, message: 'User does not exist or is inaccessible.', details: [] } };
    }
    const compatible = VIEW_ONLY_TYPES.has(type) ? user.roleId === VIEWER_ROLE_ID : user.role !== 'org_admin' || ADMIN_CAPABLE_TYPES.has(type);
    if (!compatible) {
      return {
        username: user.username,
        success: false,
        error: { code: 400, message: `The user type '${type}' is not compatible with the role of '${user.username}'.`, details: [] }
      };
    }
    user.userLicenseTypeId = type;
    user.modified = emu.clock.now();
    return { username: user.username, success: true };
  });
  emu.markDirty();
  return { success: results.every((r) => r.success), results };
}
