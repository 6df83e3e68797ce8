/**
 * What a snapshot holds. The manifest itself stays small (a few KB whatever the organization's size): the lists of
 * items, groups and users live in JSON "list page" blobs it references, and each entry references the blobs that hold
 * that item's parts. Everything the engine fills in is typed here; `validate*` functions check what is read back from
 * disk (a manifest is input like any other: it may be damaged or hand-edited).
 *
 * Kept long: the format's types and the checks of what is read back stay side by side, so a field and its check
 * change together.
 */
import { isBlobHash } from './hash.js';
import { isSafeRelativePath } from './safe-path.js';
import { isSnapshotId } from './snapshot-id.js';
import { StoreError } from './store-error.js';

export const MANIFEST_FORMAT = 'orgkeeper-snapshot';
export const MANIFEST_VERSION = 1;

/** A blob and the uncompressed size of its content. */
export interface BlobRef {
  hash: string;
  size: number;
}

export type EntryStatus = 'ok' | 'skipped' | 'failed';

/** Why a part (or a whole item) is missing from the snapshot: logged, never silently absent. */
export interface PartProblem {
  /** `item`, `data`, `thumbnail`, `metadata`, `resources`, `resource:<path>`, `sharing`, `related`, `service`, `layer:<id>`, ... */
  part: string;
  status: 'skipped' | 'failed';
  reason: string;
  /** A machine-readable cause where one exists (an ArcGIS error code, `forbidden`, `timeout`). */
  code?: string;
}

/** `/data` of an item: JSON (web maps, apps) or a file (PDF, CSV, shapefile ZIP, ...). */
export interface DataPart extends BlobRef {
  kind: 'json' | 'file';
  /** For files: the name to restore or export it under (validated with safeRelativePath). */
  filename?: string;
  contentType?: string;
}

export interface FilePart extends BlobRef {
  filename: string;
  contentType?: string;
}

export interface ResourceEntry extends BlobRef {
  /** The resource's path inside the item's resources, e.g. `images/logo.png` (validated with safeRelativePath). */
  path: string;
  contentType?: string;
}

export interface SharingEntry {
  access: 'private' | 'shared' | 'org' | 'public';
  /** Ids of the groups the item is shared with. */
  groups: string[];
}

export interface RelatedItemEntry {
  relationshipType: string;
  direction: 'forward' | 'reverse';
  itemId: string;
}

/**
 * Why a backup of chosen items took this one along (backup/item-dependencies.ts): the chosen (or taken) item that needs
 * it, in words, and the relationship that links them. Absent on items chosen or in a full backup.
 */
export interface NeededBy {
  /** The item that needs this one. */
  itemId: string;
  /** Its title when the backup read it (ArcGIS's text, untrusted). */
  title: string;
  /** What this item is to it: `service of survey`, `data of survey`, `source of view`, `view of service`. */
  need: string;
  relationshipType: string;
}

/** Features with object ids in [fromOid, toOid], as one JSON blob (a FeatureSet page). Unchanged ranges deduplicate. */
export interface FeatureChunk extends BlobRef {
  fromOid: number;
  toOid: number;
  count: number;
}

/** One attachment; the layer's list of these is itself a JSON blob (`LayerEntry.attachments`). */
export interface AttachmentEntry extends BlobRef {
  objectId: number;
  attachmentId: number;
  /** File name as ArcGIS gives it (validated with safeRelativePath). */
  name: string;
  contentType?: string;
  keywords?: string;
  globalId?: string;
  /** Stored attachments are never modified in place in ArcGIS; kept for diffs. */
  exifInfo?: unknown;
}

export interface LayerEntry {
  id: number;
  name: string;
  kind: 'layer' | 'table';
  /** The full layer definition (fields, domains, drawing info, relationships, indexes, templates). */
  definition: BlobRef;
  objectIdField?: string;
  featureCount: number;
  chunks: FeatureChunk[];
  /** JSON blob: AttachmentEntry[] for the layer (absent when the layer has no attachments). */
  attachments?: BlobRef;
  attachmentCount?: number;
  /** `editingInfo.lastEditDate` (epoch ms) when read: an unchanged value lets the next run carry the layer over. */
  lastEditDate?: number;
  /** Server generation for `extractChanges` when the service tracks changes. */
  serverGen?: number;
  status: EntryStatus;
  problems?: PartProblem[];
}

export interface HostedServiceEntry {
  url: string;
  /** The service JSON (FeatureServer root). */
  definition: BlobRef;
  serverGen?: number;
  lastEditDate?: number;
  layers: LayerEntry[];
  /**
   * Set for a hosted feature layer view (`isView`): where its rows come from. A view's layers hold their definitions
   * only (no chunks, no attachments): its rows are stored once, under its source.
   */
  view?: ViewEntry;
}

/** A hosted feature layer view's link to its sources. */
export interface ViewEntry {
  /** The services the view reads from, as `<view>/sources` lists them. */
  sources: { url: string; itemId?: string }[];
  /** Per view layer: its source service (one of `sources`) and layer, and how the view was defined on it. */
  layers: ViewLayerEntry[];
}

export interface ViewLayerEntry {
  /** The view layer's id. */
  id: number;
  sourceUrl: string;
  sourceLayerId: number;
  /**
   * `adminLayerInfo.viewLayerDefinition` without its source names (fields shown, spatial filter), when it could be read;
   * a join view's keeps its `table` whole (the main and related sources by service name, fields, join keys, topFilter).
   */
  viewLayerDefinition?: Record<string, unknown>;
}

/**
 * An item whose URL is not a hosted service of the organization (another origin, or a "Hosted Service" on none of the
 * org's hosting servers): its item JSON and parts are kept, its URL was never requested and has no service data.
 */
export interface ExternalReference {
  url: string;
  /** Why it is external, for people. */
  reason: string;
}

/** Per-item figures for the run log (bytes read from ArcGIS, new bytes stored, time spent). */
export interface EntryStats {
  bytesRead: number;
  newBytesStored: number;
  durationMs: number;
}

export interface ItemEntry {
  id: string;
  title: string;
  type: string;
  owner: string;
  /** Owner's folder id, or null for the root folder. */
  folderId?: string | null;
  /** The item's `modified` (epoch ms): unchanged means the next run carries the item over. */
  modified: number;
  status: EntryStatus;
  problems?: PartProblem[];
  /** The item JSON (`/content/items/<id>`). */
  item?: BlobRef;
  data?: DataPart;
  thumbnail?: FilePart;
  /** metadata.xml */
  metadata?: BlobRef;
  resources?: ResourceEntry[];
  sharing?: SharingEntry;
  related?: RelatedItemEntry[];
  /**
   * Only for a hosted feature service of the organization. A snapshot taken before OrgKeeper checked URLs may hold one
   * read from another origin: carrying it over and restoring it check the URL again.
   */
  service?: HostedServiceEntry;
  /** Set for an external reference (never with `service`): restore puts back the item only, nothing requests its URL. */
  external?: ExternalReference;
  /** Set when the entry was carried over unchanged from an earlier snapshot (its id). */
  carriedFrom?: string;
  /** Set when a backup of chosen items took this item along because others need it (not chosen itself). */
  neededBy?: NeededBy[];
  stats?: EntryStats;
}

export interface GroupEntry {
  id: string;
  title: string;
  owner: string;
  status: EntryStatus;
  problems?: PartProblem[];
  /** The group JSON. */
  definition?: BlobRef;
  /** JSON blob: the group's members (`/community/groups/<id>/users`). */
  members?: BlobRef;
  /** The group's thumbnail image (`/community/groups/<id>/info/<filename>`); `filename` is the group JSON's `thumbnail`. */
  thumbnail?: FilePart;
  /** Ids of the items shared with the group. */
  items?: string[];
}

export interface UserEntry {
  username: string;
  fullName?: string;
  role?: string;
  userLicenseTypeId?: string;
  status: EntryStatus;
  problems?: PartProblem[];
  /** The user JSON (profile, role, user type, ...). */
  profile?: BlobRef;
  groups?: string[];
  folders?: { id: string; title: string }[];
}

export type ListKind = 'items' | 'groups' | 'users';
export interface ListEntryOf {
  items: ItemEntry;
  groups: GroupEntry;
  users: UserEntry;
}

export interface SnapshotCounts {
  items: { ok: number; skipped: number; failed: number };
  groups: number;
  users: number;
  layers?: number;
  features?: number;
  attachments?: number;
}

export interface SnapshotManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** Sortable, time-based plus random (see snapshot-id.ts); also the file name. */
  id: string;
  /** Shown to users; editable before the backup starts. */
  name: string;
  org: { id: string; portalUrl: string };
  /** ISO 8601 UTC. */
  startedAt: string;
  finishedAt: string;
  /** `partial`: the run stopped early or some items failed; the snapshot still holds everything it lists. */
  status: 'complete' | 'partial';
  /** The snapshot this run compared against to carry unchanged items over. */
  parent?: string;
  counts: SnapshotCounts;
  bytes: {
    /** Bytes downloaded from ArcGIS by this run. */
    read: number;
    /** Bytes this run added to the store (compressed, new blobs only). */
    newStored: number;
  };
  /** Pages of the lists, each a JSON blob `{ kind, entries }` (see list-pages in manifest-walk.ts). */
  lists: { items: BlobRef[]; groups: BlobRef[]; users: BlobRef[] };
  tags?: string[];
  /** Host and OrgKeeper version that wrote it, for support. */
  host?: string;
  toolVersion?: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation. Hand-written (not a schema library) because it also checks what a schema cannot: hash formats, safe paths,
// chunk ranges; messages name the field so a damaged manifest can be found and understood.

type Problems = string[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isIsoDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));

function checkBlobRef(value: unknown, at: string, problems: Problems): void {
  if (!isObject(value)) problems.push(`${at} is not a blob reference`);
  else {
    if (!isBlobHash(value.hash)) problems.push(`${at}.hash is not a SHA-256 hex hash`);
    if (!isCount(value.size)) problems.push(`${at}.size is not a byte count`);
  }
}

function checkOptionalBlobRef(value: unknown, at: string, problems: Problems): void {
  if (value !== undefined) checkBlobRef(value, at, problems);
}

function checkPath(value: unknown, at: string, problems: Problems): void {
  if (!isSafeRelativePath(value)) problems.push(`${at} is not a safe relative path: ${JSON.stringify(value)}`);
}

function checkStatus(value: unknown, at: string, problems: Problems): void {
  if (value !== 'ok' && value !== 'skipped' && value !== 'failed') problems.push(`${at}.status must be ok, skipped or failed`);
}

function checkProblems(value: unknown, at: string, problems: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) return void problems.push(`${at}.problems is not a list`);
  value.forEach((p, i) => {
    if (!isObject(p) || typeof p.part !== 'string' || typeof p.reason !== 'string' || (p.status !== 'skipped' && p.status !== 'failed')) {
      problems.push(`${at}.problems[${i}] needs part, status (skipped|failed) and reason`);
    }
  });
}

function checkLayer(layer: unknown, at: string, problems: Problems): void {
  if (!isObject(layer)) return void problems.push(`${at} is not a layer entry`);
  if (!Number.isInteger(layer.id)) problems.push(`${at}.id is not a layer id`);
  if (layer.kind !== 'layer' && layer.kind !== 'table') problems.push(`${at}.kind must be layer or table`);
  checkBlobRef(layer.definition, `${at}.definition`, problems);
  if (!isCount(layer.featureCount)) problems.push(`${at}.featureCount is not a count`);
  if (!Array.isArray(layer.chunks)) problems.push(`${at}.chunks is not a list`);
  else
    layer.chunks.forEach((chunk, i) => {
      checkBlobRef(chunk, `${at}.chunks[${i}]`, problems);
      if (isObject(chunk) && (!Number.isInteger(chunk.fromOid) || !Number.isInteger(chunk.toOid) || (chunk.toOid as number) < (chunk.fromOid as number) || !isCount(chunk.count))) {
        problems.push(`${at}.chunks[${i}] needs fromOid <= toOid and a count`);
      }
    });
  checkOptionalBlobRef(layer.attachments, `${at}.attachments`, problems);
  checkStatus(layer.status, at, problems);
  checkProblems(layer.problems, at, problems);
}

function checkView(view: unknown, at: string, problems: Problems): void {
  if (!isObject(view) || !Array.isArray(view.sources) || !Array.isArray(view.layers)) return void problems.push(`${at} needs sources and layers lists`);
  view.sources.forEach((s, i) => {
    if (!isObject(s) || typeof s.url !== 'string' || (s.itemId !== undefined && typeof s.itemId !== 'string')) problems.push(`${at}.sources[${i}] needs a url (and an itemId string when set)`);
  });
  view.layers.forEach((l, i) => {
    if (!isObject(l) || !Number.isInteger(l.id) || typeof l.sourceUrl !== 'string' || !Number.isInteger(l.sourceLayerId)) problems.push(`${at}.layers[${i}] needs id, sourceUrl and sourceLayerId`);
    else if (l.viewLayerDefinition !== undefined && !isObject(l.viewLayerDefinition)) problems.push(`${at}.layers[${i}].viewLayerDefinition is not an object`);
  });
}

/** Problems in one item entry (empty when valid). */
export function itemEntryProblems(entry: unknown, at = 'item'): string[] {
  const problems: Problems = [];
  if (!isObject(entry)) return [`${at} is not an object`];
  for (const key of ['id', 'title', 'type', 'owner'] as const) if (typeof entry[key] !== 'string') problems.push(`${at}.${key} is not a string`);
  if (typeof entry.id === 'string') at = `item ${entry.id}`;
  if (typeof entry.modified !== 'number') problems.push(`${at}.modified is not a time in epoch milliseconds`);
  checkStatus(entry.status, at, problems);
  checkProblems(entry.problems, at, problems);
  checkOptionalBlobRef(entry.item, `${at}.item`, problems);
  checkOptionalBlobRef(entry.metadata, `${at}.metadata`, problems);
  if (entry.data !== undefined) {
    checkBlobRef(entry.data, `${at}.data`, problems);
    const data = entry.data as Record<string, unknown>;
    if (data.kind !== 'json' && data.kind !== 'file') problems.push(`${at}.data.kind must be json or file`);
    if (data.filename !== undefined) checkPath(data.filename, `${at}.data.filename`, problems);
  }
  if (entry.thumbnail !== undefined) {
    checkBlobRef(entry.thumbnail, `${at}.thumbnail`, problems);
    checkPath((entry.thumbnail as Record<string, unknown>).filename, `${at}.thumbnail.filename`, problems);
  }
  if (entry.resources !== undefined) {
    if (!Array.isArray(entry.resources)) problems.push(`${at}.resources is not a list`);
    else
      entry.resources.forEach((r, i) => {
        checkBlobRef(r, `${at}.resources[${i}]`, problems);
        if (isObject(r)) checkPath(r.path, `${at}.resources[${i}].path`, problems);
      });
  }
  if (entry.sharing !== undefined) {
    const s = entry.sharing as Record<string, unknown>;
    if (!isObject(s) || !['private', 'shared', 'org', 'public'].includes(s.access as string) || !Array.isArray(s.groups)) {
      problems.push(`${at}.sharing needs access (private|shared|org|public) and groups`);
    }
  }
  if (entry.service !== undefined) {
    const service = entry.service as Record<string, unknown>;
    if (!isObject(service)) problems.push(`${at}.service is not an object`);
    else {
      if (typeof service.url !== 'string') problems.push(`${at}.service.url is not a string`);
      checkBlobRef(service.definition, `${at}.service.definition`, problems);
      if (!Array.isArray(service.layers)) problems.push(`${at}.service.layers is not a list`);
      else service.layers.forEach((layer, i) => checkLayer(layer, `${at}.service.layers[${i}]`, problems));
      if (service.view !== undefined) checkView(service.view, `${at}.service.view`, problems);
    }
  }
  if (entry.external !== undefined) {
    const external = entry.external as Record<string, unknown>;
    if (!isObject(external) || typeof external.url !== 'string' || typeof external.reason !== 'string') problems.push(`${at}.external needs url and reason`);
    if (entry.service !== undefined) problems.push(`${at} is an external reference and cannot have a service`);
  }
  if (entry.carriedFrom !== undefined && !isSnapshotId(entry.carriedFrom)) problems.push(`${at}.carriedFrom is not a snapshot id`);
  if (entry.neededBy !== undefined) {
    const fine = Array.isArray(entry.neededBy) && entry.neededBy.every((n) => isObject(n) && ['itemId', 'title', 'need', 'relationshipType'].every((k) => typeof n[k] === 'string'));
    if (!fine) problems.push(`${at}.neededBy needs a list of {itemId, title, need, relationshipType}`);
  }
  return problems;
}

export function groupEntryProblems(entry: unknown, at = 'group'): string[] {
  const problems: Problems = [];
  if (!isObject(entry)) return [`${at} is not an object`];
  for (const key of ['id', 'title', 'owner'] as const) if (typeof entry[key] !== 'string') problems.push(`${at}.${key} is not a string`);
  checkStatus(entry.status, at, problems);
  checkProblems(entry.problems, at, problems);
  checkOptionalBlobRef(entry.definition, `${at}.definition`, problems);
  checkOptionalBlobRef(entry.members, `${at}.members`, problems);
  if (entry.thumbnail !== undefined) {
    checkBlobRef(entry.thumbnail, `${at}.thumbnail`, problems);
    checkPath((entry.thumbnail as Record<string, unknown>).filename, `${at}.thumbnail.filename`, problems);
  }
  return problems;
}

export function userEntryProblems(entry: unknown, at = 'user'): string[] {
  const problems: Problems = [];
  if (!isObject(entry)) return [`${at} is not an object`];
  if (typeof entry.username !== 'string') problems.push(`${at}.username is not a string`);
  checkStatus(entry.status, at, problems);
  checkProblems(entry.problems, at, problems);
  checkOptionalBlobRef(entry.profile, `${at}.profile`, problems);
  return problems;
}

export const entryProblems: Record<ListKind, (entry: unknown, at?: string) => string[]> = {
  items: itemEntryProblems,
  groups: groupEntryProblems,
  users: userEntryProblems
};

export function attachmentEntryProblems(entry: unknown, at = 'attachment'): string[] {
  const problems: Problems = [];
  if (!isObject(entry)) return [`${at} is not an object`];
  checkBlobRef(entry, at, problems);
  if (!Number.isInteger(entry.objectId) || !Number.isInteger(entry.attachmentId)) problems.push(`${at} needs objectId and attachmentId`);
  checkPath(entry.name, `${at}.name`, problems);
  return problems;
}

/**
 * Check a manifest read from disk (or about to be written). Throws `unsupported_version` for a newer format and
 * `store_corrupt` naming the fields otherwise; `expectedId` is the id its file name says.
 */
export function validateManifest(value: unknown, expectedId?: string): SnapshotManifest {
  const where = expectedId === undefined ? 'Snapshot manifest' : `Snapshot ${expectedId}`;
  if (!isObject(value) || value.format !== MANIFEST_FORMAT) {
    throw new StoreError('store_corrupt', `${where} is not an OrgKeeper snapshot manifest (format is not "${MANIFEST_FORMAT}").`);
  }
  if (typeof value.version !== 'number' || value.version > MANIFEST_VERSION) {
    throw new StoreError('unsupported_version', `${where} has format version ${String(value.version)}, newer than this OrgKeeper understands (${MANIFEST_VERSION}). Upgrade OrgKeeper to read it.`);
  }
  const problems: Problems = [];
  if (value.version !== MANIFEST_VERSION) problems.push(`version ${String(value.version)} is unknown`);
  if (!isSnapshotId(value.id)) problems.push('id is not a snapshot id');
  else if (expectedId !== undefined && value.id !== expectedId) problems.push(`id ${value.id} does not match its file name`);
  if (typeof value.name !== 'string') problems.push('name is not a string');
  if (!isObject(value.org) || typeof value.org.id !== 'string' || typeof value.org.portalUrl !== 'string') problems.push('org needs id and portalUrl');
  if (!isIsoDate(value.startedAt)) problems.push('startedAt is not an ISO date');
  if (!isIsoDate(value.finishedAt)) problems.push('finishedAt is not an ISO date');
  if (value.status !== 'complete' && value.status !== 'partial') problems.push('status must be complete or partial');
  if (value.parent !== undefined && !isSnapshotId(value.parent)) problems.push('parent is not a snapshot id');
  const counts = value.counts as Record<string, unknown> | undefined;
  const itemCounts = isObject(counts) ? (counts.items as Record<string, unknown> | undefined) : undefined;
  if (!isObject(counts) || !isObject(itemCounts) || !isCount(itemCounts.ok) || !isCount(itemCounts.skipped) || !isCount(itemCounts.failed) || !isCount(counts.groups) || !isCount(counts.users)) {
    problems.push('counts needs items {ok, skipped, failed}, groups and users');
  }
  if (!isObject(value.bytes) || !isCount(value.bytes.read) || !isCount(value.bytes.newStored)) problems.push('bytes needs read and newStored');
  if (!isObject(value.lists)) problems.push('lists is missing');
  else
    for (const kind of ['items', 'groups', 'users'] as const) {
      const pages = value.lists[kind];
      if (!Array.isArray(pages)) problems.push(`lists.${kind} is not a list of blobs`);
      else pages.forEach((page, i) => checkBlobRef(page, `lists.${kind}[${i}]`, problems));
    }
  if (problems.length > 0) {
    throw new StoreError('store_corrupt', `${where} is damaged: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}.`);
  }
  return value as unknown as SnapshotManifest;
}
