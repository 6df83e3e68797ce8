import { type Ctx, type EmulatorContext } from '../context.js';
import { errors } from '../errors.js';
import { boolParam } from '../http/request.js';
import { type Router } from '../router.js';
import { bufferBlob } from '../util/blob.js';
import { contentTypeFor, editableItem, pathUser, safeResourcePath, unable } from './content.helpers.js';
import { touch } from './item-store.js';

/** 10 MB is ArcGIS Online's limit for one item resource. */
const MAX_RESOURCE_BYTES = 10 * 1024 * 1024;

/**
 * `addResources`, `updateResources`, `removeResources` under `content/users/<u>/items/<id>/`. A resource is a file
 * (`file`, renamed by `fileName`) or text (`text` with `fileName`), stored under `resourcesPrefix` (nested folders).
 */
export function registerResourceRoutes(router: Router, emu: EmulatorContext): void {
  const users = `${emu.urls.paths.rest}/content/users/:username`;
  for (const prefix of [`${users}/items/:id`, `${users}/:folderId/items/:id`]) {
    router.post(`${prefix}/addResources`, (ctx) => writeResource(ctx, 'add'), { name: 'content/users/items/addResources' });
    router.post(`${prefix}/updateResources`, (ctx) => writeResource(ctx, 'update'), { name: 'content/users/items/updateResources' });
    router.post(`${prefix}/removeResources`, (ctx) => removeResources(ctx), { name: 'content/users/items/removeResources' });
  }
}

function writeResource(ctx: Ctx, mode: 'add' | 'update') {
  pathUser(ctx);
  const { item } = editableItem(ctx, ctx.params.id);
  const verb = mode === 'add' ? 'add resources' : 'update resources';
  const p = ctx.req.params;
  const file = ctx.req.files.file;
  const text = p.text;
  if (!file && (text === undefined || text === '')) throw unable(verb, "Either 'file' or 'text' must be specified.");
  const fileName = (p.fileName ?? '').trim() || file?.filename || '';
  if (fileName === '') throw unable(verb, "'fileName' must be specified with 'text'.");
  const prefix = (p.resourcesPrefix ?? '').trim().replace(/^\/+|\/+$/g, '');
  const path = safeResourcePath(prefix ? `${prefix}/${fileName}` : fileName);
  if (!path) throw unable(verb, `Invalid resource path '${prefix ? `${prefix}/` : ''}${fileName}': use relative paths without '..'.`);
  const access = (p.access ?? '').toLowerCase();
  if (access !== '' && access !== 'inherit' && access !== 'private') {
    throw unable(verb, `'access' must be 'inherit' or 'private', not '${p.access}'.`);
  }
  const bytes = file ? file.data : Buffer.from(text ?? '', 'utf8');
  if (bytes.length > MAX_RESOURCE_BYTES) throw unable(verb, `The resource is larger than the maximum of ${MAX_RESOURCE_BYTES} bytes.`);

  const existing = item.resources.get(path);
  if (mode === 'add' && existing) throw unable(verb, `Resource '${path}' already exists; use updateResources to replace it.`);
  if (mode === 'update' && !existing) throw unable(verb, `Resource '${path}' does not exist; use addResources to add it.`);

  const contentType = file && file.contentType !== 'application/octet-stream' ? file.contentType : contentTypeFor(fileName);
  const now = ctx.emu.clock.now();
  item.resources.set(path, {
    path,
    created: existing?.created ?? now,
    size: bytes.length,
    access: access === 'private' ? 'private' : access === 'inherit' ? 'inherit' : (existing?.access ?? 'inherit'),
    blob: bufferBlob(bytes, contentType)
  });
  touch(ctx.emu, item);
  return { success: true, itemId: item.json.id, owner: item.json.owner, folder: item.json.ownerFolder };
}

function removeResources(ctx: Ctx) {
  pathUser(ctx);
  const { item } = editableItem(ctx, ctx.params.id);
  if (boolParam(ctx.req.params, 'deleteAll')) {
    item.resources.clear();
  } else {
    const raw = ctx.req.params.resource;
    if (!raw) throw errors.missingParam('resource');
    const path = safeResourcePath(raw);
    if (!path || !item.resources.has(path)) throw unable('remove resources', `Resource '${raw}' does not exist.`);
    item.resources.delete(path);
  }
  touch(ctx.emu, item);
  return { success: true };
}
