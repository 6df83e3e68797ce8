// What is selected on the Backup page's map, as a set of item ids, with the groupings the map and the bulk controls
// toggle (owner, folder, type) and the request "Back up now" sends.
import type { BackupRequest, ContentMap } from '../../api/backup.api';

/** The server accepts at most this many item ids in one backup request. */
export const MAX_ITEMS_PER_REQUEST = 10_000;

export interface MapIndex {
  allIds: string[];
  byOwner: Map<string, string[]>;
  byFolder: Map<string, string[]>;
  byType: Map<string, string[]>;
  sizeOf: Map<string, number>;
}

function push(map: Map<string, string[]>, key: string, id: string): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

export function indexMap(map: ContentMap): MapIndex {
  const index: MapIndex = { allIds: [], byOwner: new Map(), byFolder: new Map(), byType: new Map(), sizeOf: new Map() };
  for (const item of map.items) {
    index.allIds.push(item.id);
    push(index.byOwner, item.owner, item.id);
    if (item.folderId) push(index.byFolder, item.folderId, item.id);
    push(index.byType, item.type, item.id);
    index.sizeOf.set(item.id, item.size);
  }
  return index;
}

export type TriState = 'all' | 'some' | 'none';

export function triState(ids: readonly string[], selected: ReadonlySet<string>): TriState {
  let count = 0;
  for (const id of ids) if (selected.has(id)) count++;
  if (count === 0) return 'none';
  return count === ids.length ? 'all' : 'some';
}

/** Selects or deselects every id (a new set). */
export function setAll(ids: readonly string[], selected: ReadonlySet<string>, on: boolean): Set<string> {
  const next = new Set(selected);
  for (const id of ids) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** A block's click: everything in it off when all of it is selected, else all of it on. */
export function toggle(ids: readonly string[], selected: ReadonlySet<string>): Set<string> {
  return setAll(ids, selected, triState(ids, selected) !== 'all');
}

export interface Tally {
  items: number;
  size: number;
  everything: boolean;
}

export function tally(selected: ReadonlySet<string>, index: MapIndex): Tally {
  let size = 0;
  let items = 0;
  for (const id of selected) {
    const itemSize = index.sizeOf.get(id);
    if (itemSize === undefined) continue;
    items++;
    size += itemSize;
  }
  return { items, size, everything: items === index.allIds.length && items > 0 };
}

/**
 * The backup request for a selection: everything selected backs up the whole organization (items, groups and users,
 * and items created since the map was read); otherwise the chosen items. Returns a message instead when it cannot run.
 */
export function backupRequest(name: string, selected: ReadonlySet<string>, index: MapIndex, withDependencies = true): BackupRequest | { problem: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { problem: 'Give the backup a name.' };
  const counts = tally(selected, index);
  if (counts.items === 0) return { problem: 'Select at least one item on the map.' };
  if (counts.everything) return { name: trimmed };
  if (counts.items > MAX_ITEMS_PER_REQUEST) {
    return { problem: `A backup of chosen items can hold at most ${MAX_ITEMS_PER_REQUEST.toLocaleString('en-US')}; select everything, or fewer items.` };
  }
  // Chosen items take along what they need (a survey's service and views) unless the user turns it off.
  return { name: trimmed, items: index.allIds.filter((id) => selected.has(id)), ...(withDependencies ? {} : { withDependencies: false }) };
}
