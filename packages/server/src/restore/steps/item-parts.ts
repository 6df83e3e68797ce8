/**
 * What an item step writes to an item, whether it creates or overwrites it: the item's properties and parts
 * (data, thumbnail, metadata) with their references rewritten, its resources and its sharing.
 */
import type { ItemEntry, Store } from '../../store/index.js';
import { getItemGroupIds, type ItemParams, listItemResources, removeItemResource, shareItem, unshareItem, writeItemResource } from '../../arcgis/portal/index.js';
import { itemTypeOf, rewritesData, rewritesResource } from '../../item-types/index.js';
import { type RewriteMaps, rewriteJsonText, rewriteReferences, stringRewriter } from '../references.js';
import type { PlanStep } from '../restore.types.js';
import { fileFrom, fileOf, type StepContext } from './step-context.js';
import { isSurveyForm, rewriteFile } from '../survey-package.js';

/** Properties of the item JSON that addItem and update accept (the rest is managed by ArcGIS). */
const TEXT_PROPERTIES = ['title', 'snippet', 'description', 'accessInformation', 'licenseInfo', 'culture', 'url', 'spatialReference', 'name'] as const;

export interface ItemJson {
  id: string;
  title?: string;
  type: string;
  typeKeywords?: string[];
  tags?: string[];
  categories?: string[];
  extent?: number[][] | null;
  properties?: Record<string, unknown> | null;
  protected?: boolean;
  [key: string]: unknown;
}

export /** addItem/update parameters from the snapshot's item JSON, references rewritten. */
function propertyParams(item: ItemJson, step: PlanStep, maps: RewriteMaps): Record<string, string> {
  const rewrite = stringRewriter(maps);
  const params: Record<string, string> = {};
  for (const key of TEXT_PROPERTIES) {
    const v = item[key];
    params[key] = typeof v === 'string' ? rewrite(v) : '';
  }
  params.title = step.title;
  params.tags = (item.tags ?? []).join(',');
  params.typeKeywords = (item.typeKeywords ?? []).map(rewrite).join(',');
  if (Array.isArray(item.categories)) params.categories = item.categories.join(',');
  const extent = item.extent;
  params.extent = Array.isArray(extent) && extent.length === 2 ? extent.flat().join(',') : '';
  params.properties = item.properties ? JSON.stringify(rewriteReferences(item.properties, maps).data) : '';
  return params;
}

export /** Data, thumbnail and metadata parameters for addItem/update. */
async function partParams(store: Store, entry: ItemEntry, maps: RewriteMaps, forUpdate: boolean): Promise<ItemParams> {
  const params: ItemParams = {};
  if (entry.data?.kind === 'json') {
    const text = (await store.blobs.get(entry.data.hash)).toString('utf8');
    // The catalogue decides: a notebook's code is listed in the plan, never rewritten.
    params.text = rewritesData(itemTypeOf(entry)) ? rewriteJsonText(text, maps).text : text;
  } else if (entry.data?.kind === 'file') {
    if (isSurveyForm(entry.type)) Object.assign(params, await surveyPackageParams(store, entry, maps));
    else {
      params.file = await fileOf(store, entry.data.hash, entry.data.filename ?? 'data', entry.data.contentType);
      params.filename = entry.data.filename;
    }
  } else if (forUpdate && !entry.service) {
    params.text = '';
  }
  if (entry.thumbnail) params.thumbnail = await fileOf(store, entry.thumbnail.hash, entry.thumbnail.filename, entry.thumbnail.contentType);
  if (entry.metadata) params.metadata = await fileOf(store, entry.metadata.hash, 'metadata.xml', 'application/xml');
  return params;
}

/** Resources added, updated and removed so they match the snapshot; JSON resources get their references rewritten. */
export async function syncResources(ctx: StepContext, owner: string, id: string, entry: ItemEntry, maps: RewriteMaps): Promise<void> {
  const { session, store } = ctx.input;
  const live = new Set((await listItemResources({ session: session, id: id })).map((r) => r.resource).filter((path): path is string => typeof path === 'string'));
  const wanted = new Map((entry.resources ?? []).map((r) => [r.path, r]));
  const spec = itemTypeOf(entry);
  for (const path of live) if (!wanted.has(path)) await removeItemResource({ session: session, owner: owner, id: id, path: path });
  for (const resource of wanted.values()) {
    let bytes = await store.blobs.get(resource.hash);
    if (rewritesResource(spec, resource.path) && (maps.ids.size > 0 || maps.urls.size > 0)) {
      const out = rewriteJsonText(bytes.toString('utf8'), maps);
      if (out.changed) bytes = Buffer.from(out.text, 'utf8');
    } else if (isSurveyForm(entry.type)) bytes = (await rewriteFile(resource.path, bytes, maps)).bytes;
    if (bytes.length === 0) bytes = Buffer.alloc(0);
    await writeItemResource({ session: session, owner: owner, id: id, path: resource.path, bytes: bytes, contentType: resource.contentType, mode: live.has(resource.path) ? 'update' : 'add' });
  }
}

/** Access level and groups as in the snapshot (groups mapped to the target's); other groups are unshared. */
export async function syncSharing(ctx: StepContext, owner: string, id: string, entry: ItemEntry, unshareOthers: boolean): Promise<void> {
  const { session, plan } = ctx.input;
  const sharing = entry.sharing ?? { access: 'private' as const, groups: [] };
  const groups: string[] = [];
  for (const g of sharing.groups) {
    const mapped = ctx.groups.get(g) ?? (plan.mode === 'clone' ? undefined : g);
    if (mapped) groups.push(mapped);
  }
  if (unshareOthers) {
    const current = await getItemGroupIds({ session: session, id: id });
    const extra = current.filter((g) => !groups.includes(g));
    if (extra.length > 0) await unshareItem({ session: session, owner: owner, id: id, groups: extra });
  }
  const everyone = sharing.access === 'public';
  const org = everyone || sharing.access === 'org';
  const notShared = await shareItem({ session: session, owner: owner, id: id, everyone, org, groups });
  if (notShared.length > 0) throw new Error(`Could not share with group(s) ${notShared.join(', ')} (they may be gone, or the owner may not share into them).`);
}

/** A Survey123 form's package (its data) with the service, view and form ids and URLs inside rewritten, and its name. */
export async function surveyPackageParams(store: Store, entry: ItemEntry, maps: RewriteMaps): Promise<ItemParams> {
  const data = entry.data!;
  const name = stringRewriter(maps)(data.filename ?? 'data');
  const { bytes } = await rewriteFile(name.endsWith('.zip') ? name : `${name}.zip`, await store.blobs.get(data.hash), maps);
  return { file: fileFrom(bytes, name, data.contentType), filename: name };
}
