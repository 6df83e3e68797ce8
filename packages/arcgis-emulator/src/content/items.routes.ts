import { type Ctx, type EmulatorContext } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { listParam, startAndNum } from '../http/request.js';
import { reply } from '../http/reply.js';
import { type Router } from '../router.js';
import { canEditItem, canReadGroup, canReadItem } from '../state/permissions.js';
import { type ItemRecord } from '../state/types.js';
import { editableItem, pathUser, readableItem, safeResourcePath } from './content.helpers.js';
import { groupJson, memberType } from '../portal/views.js';
import { itemJsonFor } from './item-json.js';

/** Read endpoints of items: `content/items/<id>` and its data, resources, info files, groups and related items. */
export function registerItemReadRoutes(router: Router, emu: EmulatorContext): void {
  const base = `${emu.urls.paths.rest}/content/items/:id`;

  router.any(
    base,
    (ctx) => {
      const item = readableItem(ctx, ctx.params.id);
      countView(ctx, item);
      return itemJsonFor(item, ctx.user);
    },
    { name: 'content/items' }
  );

  router.any(`${base}/data`, (ctx) => itemData(ctx), { name: 'content/items/data' });

  router.any(`${base}/resources`, (ctx) => resourceList(ctx, readableItem(ctx, ctx.params.id)), { name: 'content/items/resources' });
  router.any(`${base}/resources/*path`, (ctx) => resourceFile(ctx), { name: 'content/items/resources/file' });
  router.any(`${base}/info/*path`, (ctx) => infoFile(ctx), { name: 'content/items/info' });
  router.any(`${base}/groups`, (ctx) => itemGroups(ctx), { name: 'content/items/groups' });
  router.any(`${base}/relatedItems`, (ctx) => relatedItems(ctx), { name: 'content/items/relatedItems' });

  // "User Item": the item with its sharing, for the owner and administrators
  const userItem = (ctx: Ctx) => {
    pathUser(ctx);
    const { item } = editableItem(ctx, ctx.params.id);
    return {
      item: itemJsonFor(item, ctx.user),
      sharing: { access: item.json.access, groups: [...item.groups] }
    };
  };
  const users = `${emu.urls.paths.rest}/content/users/:username`;
  router.get(`${users}/items/:id`, userItem, { name: 'content/users/items' });
  router.get(`${users}/:folderId/items/:id`, userItem, { name: 'content/users/items' });
  const userResources = (ctx: Ctx) => {
    pathUser(ctx);
    return resourceList(ctx, editableItem(ctx, ctx.params.id).item);
  };
  router.get(`${users}/items/:id/resources`, userResources, { name: 'content/users/items/resources' });
  router.get(`${users}/:folderId/items/:id/resources`, userResources, { name: 'content/users/items/resources' });
}

/**
 * `numViews`: ArcGIS counts views of an item's page and uses of its data. The emulator counts every request for the
 * item JSON or `/data` by anyone (owner included), and never search results or listings.
 */
function countView(ctx: Ctx, item: ItemRecord): void {
  item.json.numViews += 1;
  ctx.emu.markDirty();
}

/**
 * `/data`: JSON items answer their text; file items answer the bytes with their content type and file name;
 * items without data answer an empty body (rest-js getItemData then resolves to undefined).
 */
function itemData(ctx: Ctx) {
  const item = readableItem(ctx, ctx.params.id);
  countView(ctx, item);
  const data = item.data;
  if (!data) return reply.raw(Buffer.alloc(0), 'text/plain; charset=utf-8');
  if (data.kind === 'json') {
    const isJson = looksLikeJson(data.text);
    return reply.raw(data.text, isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
  }
  return reply.raw(data.blob.read(), data.blob.contentType, 200, {
    'Content-Disposition': contentDisposition(data.filename)
  });
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** Resource listing with paging and sorting; private resources and `access` only for the owner and admins. */
export function resourceList(ctx: Ctx, item: ItemRecord) {
  const privileged = canEditItem(ctx.user, item);
  let resources = [...item.resources.values()].filter((r) => privileged || r.access !== 'private');
  const sortField = (ctx.req.params.sortField ?? '').toLowerCase();
  const order = (ctx.req.params.sortOrder ?? 'asc').toLowerCase() === 'desc' ? -1 : 1;
  if (sortField === 'size' || sortField === 'created' || sortField === 'resource') {
    const key = (r: (typeof resources)[number]) => (sortField === 'resource' ? r.path.toLowerCase() : r[sortField]);
    resources = resources.sort((a, b) => (key(a) < key(b) ? -order : key(a) > key(b) ? order : 0));
  }
  const total = resources.length;
  // rest-js asks for num=1000 (getItemResources); ArcGIS pages resources up to 1000 at a time
  const { start, num } = startAndNum(ctx.req.params, 1000);
  const page = resources.slice(start - 1, start - 1 + num);
  const next = start + num;
  return {
    total,
    start,
    num: page.length,
    nextStart: num > 0 && next <= total ? next : -1,
    resources: page.map((r) => ({
      resource: r.path,
      created: r.created,
      size: r.size,
      ...(privileged ? { access: r.access } : {})
    }))
  };
}

/** File answers that do not exist: ArcGIS's storage answers them with HTTP 404 and a JSON error body. */
function missingFile(message: string): ArcGISError {
  return new ArcGISError(404, message, { httpStatus: 404 });
}

function resourceFile(ctx: Ctx) {
  const item = readableItem(ctx, ctx.params.id);
  const path = safeResourcePath(ctx.params.path ?? '');
  const resource = path ? item.resources.get(path) : undefined;
  if (!resource || (resource.access === 'private' && !canEditItem(ctx.user, item))) {
    throw missingFile('Resource does not exist or is inaccessible.');
  }
  return reply.raw(resource.blob.read(), resource.blob.contentType);
}

/**
 * `/info/<file>`: the thumbnail (`info/thumbnail/<name>`), `metadata/metadata.xml` and `iteminfo.xml`.
 * A missing info file answers ArcGIS's "Item info file does not exist or is inaccessible." (CONT_0036).
 */
function infoFile(ctx: Ctx) {
  const item = readableItem(ctx, ctx.params.id);
  const path = ctx.params.path ?? '';
  const missing = () =>
    new ArcGISError(400, 'Item info file does not exist or is inaccessible.', {
      messageCode: 'CONT_0036',
      details: ['Error getting Item Info from DataStore'],
      httpStatus: 404
    });
  if (path.toLowerCase() === 'metadata/metadata.xml') {
    if (!item.metadataXml) throw missing();
    return reply.raw(item.metadataXml.read(), 'application/xml');
  }
  if (path.toLowerCase() === 'iteminfo.xml') return reply.raw(itemInfoXml(item), 'application/xml');
  if (item.thumbnailBlob && item.json.thumbnail && path === item.json.thumbnail) {
    return reply.raw(item.thumbnailBlob.read(), item.thumbnailBlob.contentType);
  }
  throw missing();
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** `iteminfo.xml` as ArcGIS generates it from the item's fields. */
function itemInfoXml(item: ItemRecord): string {
  const j = item.json;
  const el = (name: string, value: string | null) => (value ? `<${name}>${xmlEscape(value)}</${name}>` : `<${name}/>`);
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' +
    `<ESRI_ItemInformation Culture="${xmlEscape(j.culture ?? 'en-us')}">` +
    el('name', j.name) +
    el('title', j.title) +
    el('thumbnail', j.thumbnail) +
    el('type', j.type) +
    `<typekeywords>${j.typeKeywords.map((k) => el('typekeyword', k)).join('')}</typekeywords>` +
    el('description', j.description) +
    `<tags>${j.tags.map((t) => el('tag', t)).join('')}</tags>` +
    el('snippet', j.snippet) +
    el('accessinformation', j.accessInformation) +
    el('licenseinfo', j.licenseInfo) +
    el('url', j.url) +
    '</ESRI_ItemInformation>'
  );
}

/** `/groups`: the groups the item is shared with that the caller can see, by the caller's membership in them. */
function itemGroups(ctx: Ctx) {
  const item = readableItem(ctx, ctx.params.id);
  const out = { admin: [] as unknown[], member: [] as unknown[], other: [] as unknown[] };
  for (const id of item.groups) {
    const group = ctx.emu.state.groups.get(id);
    if (!group || !canReadGroup(ctx.user, group)) continue;
    const json = groupJson(ctx.emu, ctx.user, group, { membership: true });
    const type = ctx.user ? memberType(group, ctx.user.username) : 'none';
    if (type === 'owner' || type === 'admin') out.admin.push(json);
    else if (type === 'member') out.member.push(json);
    else out.other.push(json);
  }
  return out;
}

/** `/relatedItems?relationshipType=...&direction=forward|reverse`. */
function relatedItems(ctx: Ctx) {
  const item = readableItem(ctx, ctx.params.id);
  const types = [...listParam(ctx.req.params, 'relationshipType'), ...listParam(ctx.req.params, 'relationshipTypes')];
  if (types.length === 0) throw errors.missingParam('relationshipType');
  const direction = (ctx.req.params.direction ?? 'forward').toLowerCase();
  if (direction !== 'forward' && direction !== 'reverse') {
    throw errors.invalidParam("Invalid 'direction'.", [`'direction' must be 'forward' or 'reverse', not '${ctx.req.params.direction}'.`]);
  }
  const wanted = new Set(types.map((t) => t.toLowerCase()));
  const related: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const r of ctx.emu.state.relationships) {
    if (!wanted.has(r.type.toLowerCase())) continue;
    const otherId = direction === 'forward' ? (r.originItemId === item.json.id ? r.destinationItemId : null) : r.destinationItemId === item.json.id ? r.originItemId : null;
    if (!otherId || seen.has(otherId)) continue;
    const other = ctx.emu.state.items.get(otherId);
    if (!other || !canReadItem(ctx.emu.state, ctx.user, other)) continue;
    seen.add(otherId);
    related.push(itemJsonFor(other, ctx.user));
  }
  return { total: related.length, relatedItems: related };
}

