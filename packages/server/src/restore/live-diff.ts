/**
 * A live item against its state in a snapshot, part by part: the item's properties, its data, resources, sharing,
 * thumbnail and metadata, each `same` or `changed` with what changed. Reads the live item only (nothing is written);
 * the parts a user picks from it are restored with an in-place restore limited to them (RestoreParams.parts).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { findItem, getItemDataBytes, getItemGroupIds, itemInfoUrl, itemMetadataUrl, itemResourceUrl, listItemResources } from '../arcgis/portal/index.js';
import { formatPath } from '../item-types/index.js';
import type { ItemEntry, Store } from '../store/index.js';
import type { ItemPartName } from './restore.types.js';

export interface PartChange {
  /** What changed: a property name, a JSON path of the data, a resource path, `access`, a group id. */
  what: string;
  /** How: `changed`, `only in the snapshot` (deleted since), `only live` (added since). */
  how: 'changed' | 'only in the snapshot' | 'only live';
  snapshot?: unknown;
  live?: unknown;
}

export interface PartDiff {
  part: ItemPartName;
  status: 'same' | 'changed';
  changes: PartChange[];
}

export interface LiveItemDiff {
  snapshotId: string;
  itemId: string;
  title: string;
  type: string;
  /** `deleted`: the item is gone; restore it with mode recreate. */
  live: 'exists' | 'deleted';
  parts: PartDiff[];
}

/** Item properties compared (the ones a restore writes back). */
const PROPERTIES = ['title', 'snippet', 'description', 'tags', 'typeKeywords', 'categories', 'accessInformation', 'licenseInfo', 'culture', 'url', 'extent', 'spatialReference', 'properties', 'protected'] as const;
/** Data paths listed per part at most; the rest is counted. */
const MAX_CHANGES = 50;

export async function diffLiveItem(input: { store: Store; snapshotId: string; entry: ItemEntry; session: ArcGISSession }): Promise<LiveItemDiff> {
  const { store, entry, session } = input;
  const head = { snapshotId: input.snapshotId, itemId: entry.id, title: entry.title, type: entry.type };
  const live = await findItem({ session, id: entry.id });
  if (!live) return { ...head, live: 'deleted', parts: [] };
  const snap = entry.item ? await store.getJson<Record<string, unknown>>(entry.item.hash) : {};
  const parts: PartDiff[] = [];
  const part = (name: ItemPartName, changes: PartChange[]) => parts.push({ part: name, status: changes.length === 0 ? 'same' : 'changed', changes: capped(changes) });

  const liveJson = live as unknown as Record<string, unknown>;
  part('item', PROPERTIES.flatMap((key) => {
    const a = normalise(key, snap[key]);
    const b = normalise(key, liveJson[key]);
    return isDeepStrictEqual(a, b) ? [] : [{ what: key, how: 'changed' as const, snapshot: a, live: b }];
  }));

  const liveData = await getItemDataBytes({ session, id: entry.id });
  const snapData = entry.data ? await store.blobs.get(entry.data.hash) : null;
  part('data', dataChanges(snapData, liveData, entry.data?.kind === 'json'));

  const liveResources = new Map((await listItemResources({ session, id: entry.id })).filter((r): r is typeof r & { resource: string } => typeof r.resource === 'string').map((r) => [r.resource, r]));
  const resourceChanges: PartChange[] = [];
  for (const r of entry.resources ?? []) {
    if (!liveResources.has(r.path)) {
      resourceChanges.push({ what: r.path, how: 'only in the snapshot', snapshot: { size: r.size } });
      continue;
    }
    const bytes = (await session.download(itemResourceUrl({ session, id: entry.id, path: r.path })))?.bytes ?? Buffer.alloc(0);
    if (!bytes.equals(await store.blobs.get(r.hash))) resourceChanges.push({ what: r.path, how: 'changed', snapshot: { size: r.size }, live: { size: bytes.length } });
  }
  const snapPaths = new Set((entry.resources ?? []).map((r) => r.path));
  for (const [path, r] of liveResources) if (!snapPaths.has(path)) resourceChanges.push({ what: path, how: 'only live', live: { size: r.size } });
  part('resources', resourceChanges);

  const sharing = entry.sharing ?? { access: 'private' as const, groups: [] };
  const liveGroups = await getItemGroupIds({ session, id: entry.id });
  const sharingChanges: PartChange[] = [];
  if (sharing.access !== live.access) sharingChanges.push({ what: 'access', how: 'changed', snapshot: sharing.access, live: live.access });
  for (const g of sharing.groups) if (!liveGroups.includes(g)) sharingChanges.push({ what: g, how: 'only in the snapshot' });
  for (const g of liveGroups) if (!sharing.groups.includes(g)) sharingChanges.push({ what: g, how: 'only live' });
  part('sharing', sharingChanges);

  const liveThumb = typeof live.thumbnail === 'string' && live.thumbnail !== '' ? live.thumbnail : null;
  const thumbChanges: PartChange[] = [];
  if (!entry.thumbnail && liveThumb) thumbChanges.push({ what: liveThumb, how: 'only live' });
  else if (entry.thumbnail && !liveThumb) thumbChanges.push({ what: entry.thumbnail.filename, how: 'only in the snapshot' });
  else if (entry.thumbnail && liveThumb) {
    const bytes = (await session.download(itemInfoUrl({ session, id: entry.id, path: liveThumb })))?.bytes;
    if (!bytes?.equals(await store.blobs.get(entry.thumbnail.hash))) thumbChanges.push({ what: liveThumb, how: 'changed' });
  }
  part('thumbnail', thumbChanges);

  const liveMeta = (await session.download(itemMetadataUrl({ session, id: entry.id })).catch(() => null))?.bytes ?? null;
  const snapMeta = entry.metadata ? await store.blobs.get(entry.metadata.hash) : null;
  part('metadata', snapMeta && !liveMeta ? [{ what: 'metadata.xml', how: 'only in the snapshot' }] : !snapMeta && liveMeta && liveMeta.length > 0 ? [{ what: 'metadata.xml', how: 'only live' }] : snapMeta && liveMeta && !snapMeta.equals(liveMeta) ? [{ what: 'metadata.xml', how: 'changed' }] : []);

  return { ...head, live: 'exists', parts };
}

/** Values as ArcGIS gives them back (an empty extent is `[]` or null, a missing property null). */
function normalise(key: string, value: unknown): unknown {
  if (value === undefined || value === '' || (key === 'extent' && Array.isArray(value) && value.length === 0)) return null;
  if (key === 'protected') return Boolean(value);
  return value;
}

/** JSON data: the paths whose values differ; files: whether the bytes differ. */
function dataChanges(snap: Buffer | null, live: Buffer | null, json: boolean): PartChange[] {
  if (!snap && (!live || live.length === 0)) return [];
  if (!snap) return [{ what: 'data', how: 'only live', live: { size: live!.length } }];
  if (!live || live.length === 0) return [{ what: 'data', how: 'only in the snapshot', snapshot: { size: snap.length } }];
  if (snap.equals(live)) return [];
  if (json) {
    try {
      return jsonChanges(JSON.parse(snap.toString('utf8')) as unknown, JSON.parse(live.toString('utf8')) as unknown);
    } catch {
      // Not JSON on one side: compared as bytes.
    }
  }
  return [{ what: 'data', how: 'changed', snapshot: { size: snap.length }, live: { size: live.length } }];
}

/** Leaf values (strings, numbers, booleans, null) by JSON path on each side, compared. */
function jsonChanges(a: unknown, b: unknown): PartChange[] {
  const leaves = (value: unknown) => {
    const out = new Map<string, unknown>();
    const walk = (v: unknown, path: (string | number)[], depth: number) => {
      if (depth > 64) return;
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], depth + 1));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k], depth + 1);
      else out.set(formatPath(path) || '(root)', v);
    };
    walk(value, [], 0);
    return out;
  };
  const left = leaves(a);
  const right = leaves(b);
  const changes: PartChange[] = [];
  for (const [path, v] of left) {
    if (!right.has(path)) changes.push({ what: path, how: 'only in the snapshot', snapshot: v });
    else if (!isDeepStrictEqual(v, right.get(path))) changes.push({ what: path, how: 'changed', snapshot: v, live: right.get(path) });
  }
  for (const [path, v] of right) if (!left.has(path)) changes.push({ what: path, how: 'only live', live: v });
  return changes;
}

function capped(changes: PartChange[]): PartChange[] {
  if (changes.length <= MAX_CHANGES) return changes;
  return [...changes.slice(0, MAX_CHANGES), { what: `and ${changes.length - MAX_CHANGES} more`, how: 'changed' }];
}

