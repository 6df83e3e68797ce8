import { type EmulatorContext } from '../context.js';
import { type UploadedFile } from '../http/request.js';
import { type ItemData, type ItemJson, type ItemRecord } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { contentTypeFor, unable } from './content.helpers.js';
import { removeHostedServiceOf } from './hosted-service-link.js';
import { relationshipType } from './relationship-types.js';
import { ArcGISError } from '../errors.js';
import { serviceForItem } from '../features/hosted-service.factory.js';
import { allViewsOf } from '../features/view-layer.js';

/**
 * Item changes shared by the content routes: applying addItem/update parameters, keeping `modified` and `size`
 * the way ArcGIS maintains them, and deleting an item with everything that hangs off it.
 */

/** String fields that addItem/update set as they are sent (empty values only clear with `clearEmptyFields`). */
const TEXT_FIELDS = ['title', 'snippet', 'description', 'accessInformation', 'licenseInfo', 'culture', 'spatialReference', 'url', 'name'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** Parameter names are case-insensitive in ArcGIS (`typeKeywords`, `typekeywords`). */
function param(params: Record<string, string>, name: string): string | undefined {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(params)) if (key.toLowerCase() === lower) return params[key];
  return undefined;
}

function splitList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String).map((s) => s.trim()).filter((s) => s !== '');
    } catch {
      // fall through: ArcGIS accepts comma-separated lists
    }
  }
  return trimmed.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** `extent`: "xmin,ymin,xmax,ymax", or JSON [[xmin,ymin],[xmax,ymax]] as rest-js may send it. */
function parseExtent(value: string, verb: string): number[][] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  let nums: number[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw unable(verb, `Invalid extent '${value}': expected "xmin,ymin,xmax,ymax" or [[xmin,ymin],[xmax,ymax]].`);
    }
    nums = (Array.isArray(parsed) ? parsed.flat() : []).map(Number);
  } else {
    nums = trimmed.split(',').map((s) => Number(s.trim()));
  }
  if (nums.length !== 4 || nums.some((n) => !Number.isFinite(n))) {
    throw unable(verb, `Invalid extent '${value}': expected "xmin,ymin,xmax,ymax" or [[xmin,ymin],[xmax,ymax]].`);
  }
  return [
    [nums[0]!, nums[1]!],
    [nums[2]!, nums[3]!]
  ];
}

export interface ItemWriteInput {
  params: Record<string, string>;
  files: Record<string, UploadedFile>;
  /** 'add item' or 'update item', for error messages ("Unable to add item."). */
  verb: 'add item' | 'update item';
}

/**
 * Applies item parameters to `json`/`item`. Returns whether the item's data, thumbnail or metadata changed.
 * Validation happens before anything is changed, so a refused update leaves the item as it was.
 */
export async function applyItemParams(emu: EmulatorContext, item: ItemRecord, input: ItemWriteInput): Promise<void> {
  const { params, files, verb } = input;
  const clearEmpty = (param(params, 'clearEmptyFields') ?? '').toLowerCase() === 'true';
  const staged: Partial<ItemJson> = {};

  for (const field of TEXT_FIELDS) {
    const value = param(params, field);
    if (value === undefined) continue;
    if (value === '') {
      if (clearEmpty && field !== 'title') (staged as Record<TextField, string | null>)[field] = null;
      continue;
    }
    (staged as Record<TextField, string | null>)[field] = value;
  }
  for (const [field, key] of [
    ['tags', 'tags'],
    ['typeKeywords', 'typeKeywords'],
    ['categories', 'categories']
  ] as const) {
    const value = param(params, key);
    if (value === undefined) continue;
    if (value.trim() === '' && !clearEmpty) continue;
    staged[field] = splitList(value);
  }
  const extent = param(params, 'extent');
  if (extent !== undefined && (extent.trim() !== '' || clearEmpty)) staged.extent = parseExtent(extent, verb);
  const properties = param(params, 'properties');
  if (properties !== undefined && (properties.trim() !== '' || clearEmpty)) {
    if (properties.trim() === '') staged.properties = null;
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(properties);
      } catch {
        throw unable(verb, "Invalid JSON in 'properties' parameter.");
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw unable(verb, "'properties' must be a JSON object.");
      }
      staged.properties = parsed as Record<string, unknown>;
    }
  }
  if (staged.title !== undefined && staged.title !== null && staged.title.length > 256) {
    throw unable(verb, 'The title cannot be longer than 256 characters.');
  }
  if (staged.snippet && staged.snippet.length > 2048) throw unable(verb, 'The summary (snippet) cannot be longer than 2048 characters.');

  // data: an uploaded file or `text`
  let data: ItemData | null | undefined;
  const file = files.file;
  const text = param(params, 'text');
  if (file) {
    const filename = param(params, 'filename') ?? file.filename;
    const contentType = file.contentType === 'application/octet-stream' ? contentTypeFor(filename) : file.contentType;
    data = { kind: 'file', blob: bufferBlob(file.data, contentType), filename };
    staged.name ??= filename;
  } else if (text !== undefined && (text !== '' || clearEmpty)) {
    data = text === '' ? null : { kind: 'json', text };
  }

  // thumbnail: an uploaded file (`thumbnail`) or a URL to fetch (`thumbnailurl`)
  let thumbnail: { name: string; data: Buffer; contentType: string } | undefined;
  const thumbFile = files.thumbnail;
  if (thumbFile) {
    if (thumbFile.data.length > 10 * 1024 * 1024) throw unable(verb, 'The thumbnail is larger than the maximum of 10 MB.');
    thumbnail = { name: thumbFile.filename, data: thumbFile.data, contentType: thumbFile.contentType === 'application/octet-stream' ? contentTypeFor(thumbFile.filename, 'image/png') : thumbFile.contentType };
  } else {
    const thumbUrl = param(params, 'thumbnailUrl');
    if (thumbUrl) thumbnail = await downloadThumbnail(thumbUrl, verb);
  }
  const metadataFile = files.metadata;

  // everything validated: apply
  Object.assign(item.json, staged);
  if (data !== undefined) item.data = data;
  if (thumbnail) {
    item.thumbnailBlob = bufferBlob(thumbnail.data, thumbnail.contentType);
    item.json.thumbnail = `thumbnail/${thumbnail.name.replace(/[/\\]/g, '_')}`;
  }
  if (metadataFile) item.metadataXml = bufferBlob(metadataFile.data, 'application/xml');
  item.json.size = computeSize(item);
  touch(emu, item);
}

async function downloadThumbnail(url: string, verb: string): Promise<{ name: string; data: Buffer; contentType: string }> {
  const dataUrl = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (dataUrl) {
    const contentType = dataUrl[1] ?? 'image/png';
    const data = dataUrl[2] ? Buffer.from(dataUrl[3]!, 'base64') : Buffer.from(decodeURIComponent(dataUrl[3]!));
    return { name: `thumbnail.${contentType.split('/')[1] ?? 'png'}`, data, contentType };
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = Buffer.from(await response.arrayBuffer());
    const name = new URL(url).pathname.split('/').pop() || 'thumbnail.png';
    return { name, data, contentType: response.headers.get('content-type') ?? contentTypeFor(name, 'image/png') };
  } catch (error) {
    throw unable(verb, `Could not download the thumbnail from '${url}': ${error instanceof Error ? error.message : String(error)}.`);
  }
}

/** ArcGIS reports the size of an item's data in `size` (bytes of the file or of the JSON text). */
export function computeSize(item: ItemRecord): number {
  if (!item.data) return 0;
  return item.data.kind === 'file' ? item.data.blob.size : Buffer.byteLength(item.data.text);
}

/** `modified` changes with data, properties, resources and thumbnail, as in ArcGIS; sharing and moves leave it. */
export function touch(emu: EmulatorContext, item: ItemRecord): void {
  item.json.modified = Math.max(emu.clock.now(), item.json.created);
  emu.markDirty();
}

/**
 * Why the item cannot be deleted because of other items, or undefined. A hosted feature layer with views: "When
 * deleting items, you must delete the dependent layers before you can delete the primary item" (ArcGIS Online and
 * Enterprise "Layer item management"); with `deleteSourceWithViews: 'cascade'` the views go with it instead. The
 * answer is the one Esri documents for an item with dependents (Can Delete Item: CONT_00481, `offendingItems`).
 * Views in the recycle bin count: "Before you can permanently delete a hosted feature layer, you must permanently
 * delete its dependent layers" (ArcGIS Online "Delete items").
 */
export function dependentsBlocker(emu: EmulatorContext, item: ItemRecord): ArcGISError | undefined {
  if (emu.options.deleteSourceWithViews === 'cascade') return undefined;
  return viewsBlocker(emu, item, viewItemsOf(emu, item), 'Unable to delete item. This service item has a related Service item', 'delete them first');
}

/** The CONT_00481 refusal naming `views` (see dependentsBlocker), or undefined when there are none. */
export function viewsBlocker(emu: EmulatorContext, item: ItemRecord, views: ItemRecord[], message: string, advice: string): ArcGISError | undefined {
  if (views.length === 0) return undefined;
  const describe = (v: ItemRecord) => `'${v.json.title}' (${v.json.id}${emu.state.recycleBin.has(v.json.id) ? ', in the recycle bin' : ''})`;
  return new ArcGISError(400, message, {
    messageCode: 'CONT_00481',
    details: [`'${item.json.title}' is the source of ${views.length} hosted feature layer view(s); ${advice}: ${views.map(describe).join(', ')}.`],
    extra: { offendingItems: views.map((v) => ({ itemId: v.json.id, title: v.json.title, type: v.json.type })) }
  });
}

/** The items of the views of the hosted service an item represents, those in the recycle bin included. */
export function viewItemsOf(emu: EmulatorContext, item: ItemRecord): ItemRecord[] {
  if (item.json.type !== 'Feature Service') return [];
  const service = serviceForItem(emu, item.json.id) ?? emu.state.recycleBin.get(item.json.id)?.service;
  if (!service) return [];
  return allViewsOf(emu, service)
    .map((view) => emu.state.items.get(view.itemId) ?? emu.state.recycleBin.get(view.itemId)?.item)
    .filter((v): v is ItemRecord => !!v);
}

/**
 * Removes an item for good, from the organization or from the recycle bin, with what belongs to it: its
 * relationships, for a hosted Feature Service the service, the destinations of its `compositeDelete` relationships
 * and (in 'cascade' mode) the views of its service. Returns the ids of every item deleted.
 */
export function deleteItemRecord(emu: EmulatorContext, item: ItemRecord, deleted = new Set<string>()): string[] {
  const id = item.json.id;
  if (deleted.has(id)) return [...deleted];
  deleted.add(id);
  const rels = emu.state.relationships;
  const composite = rels
    .filter((r) => r.originItemId === id && relationshipType(r.type)?.rules.includes('compositeDelete'))
    .map((r) => emu.state.items.get(r.destinationItemId))
    .filter((d): d is ItemRecord => !!d && !d.json.protected);
  const views = emu.options.deleteSourceWithViews === 'cascade' ? viewItemsOf(emu, item) : [];
  for (const dependent of [...views, ...composite]) deleteItemRecord(emu, dependent, deleted);
  emu.state.items.delete(id);
  emu.state.recycleBin.delete(id);
  for (let i = rels.length - 1; i >= 0; i--) {
    const r = rels[i]!;
    if (r.originItemId === id || r.destinationItemId === id) rels.splice(i, 1);
  }
  removeHostedServiceOf(emu, item);
  emu.markDirty();
  return [...deleted];
}
