/**
 * What changed between two snapshots: items, groups and users added, removed and changed, and for a changed item which
 * parts changed. Compares blob hashes, so it reads only the list pages, never the content.
 */
import type { GroupEntry, ItemEntry, SnapshotManifest, UserEntry } from './manifest.js';
import type { Store } from './store.js';

export interface ItemSummary {
  id: string;
  title: string;
  type: string;
  owner: string;
}

export interface ItemChange extends ItemSummary {
  /** `item`, `data`, `thumbnail`, `metadata`, `resources`, `sharing`, `related`, `status`, `owner`, `folder`,
   *  `service definition`, `layer <id> definition|features|attachments`, `layer <id> added|removed`. */
  parts: string[];
}

export interface EntryDiff<S, C> {
  added: S[];
  removed: S[];
  changed: C[];
  unchanged: number;
}

export interface SnapshotDiff {
  from: string;
  to: string;
  items: EntryDiff<ItemSummary, ItemChange>;
  groups: EntryDiff<{ id: string; title: string }, { id: string; title: string; parts: string[] }>;
  users: EntryDiff<{ username: string }, { username: string; parts: string[] }>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sorted = <T>(values: readonly T[] | undefined, key: (v: T) => string) => [...(values ?? [])].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));

/** The parts of an item that differ between two entries for it (empty when unchanged). */
export function changedItemParts(a: ItemEntry, b: ItemEntry): string[] {
  const parts: string[] = [];
  if (a.status !== b.status) parts.push('status');
  if (a.owner !== b.owner) parts.push('owner');
  if ((a.folderId ?? null) !== (b.folderId ?? null)) parts.push('folder');
  if (a.item?.hash !== b.item?.hash) parts.push('item');
  if (!same(a.data && [a.data.hash, a.data.filename], b.data && [b.data.hash, b.data.filename])) parts.push('data');
  if (a.thumbnail?.hash !== b.thumbnail?.hash) parts.push('thumbnail');
  if (a.metadata?.hash !== b.metadata?.hash) parts.push('metadata');
  const resources = (e: ItemEntry) => sorted(e.resources, (r) => r.path).map((r) => [r.path, r.hash]);
  if (!same(resources(a), resources(b))) parts.push('resources');
  const sharing = (e: ItemEntry) => e.sharing && [e.sharing.access, [...e.sharing.groups].sort()];
  if (!same(sharing(a), sharing(b))) parts.push('sharing');
  const related = (e: ItemEntry) => sorted(e.related, (r) => `${r.relationshipType}|${r.direction}|${r.itemId}`);
  if (!same(related(a), related(b))) parts.push('related');
  if (a.service?.definition.hash !== b.service?.definition.hash) parts.push('service definition');
  const layersA = new Map((a.service?.layers ?? []).map((l) => [l.id, l]));
  const layersB = new Map((b.service?.layers ?? []).map((l) => [l.id, l]));
  for (const [id, la] of layersA) {
    const lb = layersB.get(id);
    if (!lb) {
      parts.push(`layer ${id} removed`);
      continue;
    }
    if (la.definition.hash !== lb.definition.hash) parts.push(`layer ${id} definition`);
    if (!same(la.chunks.map((c) => c.hash), lb.chunks.map((c) => c.hash))) parts.push(`layer ${id} features`);
    if (la.attachments?.hash !== lb.attachments?.hash) parts.push(`layer ${id} attachments`);
  }
  for (const id of layersB.keys()) if (!layersA.has(id)) parts.push(`layer ${id} added`);
  return parts;
}

function diffEntries<E, S, C>(from: Map<string, E>, to: Map<string, E>, summary: (e: E) => S, change: (a: E, b: E) => C | undefined): EntryDiff<S, C> {
  const result: EntryDiff<S, C> = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [key, a] of from) {
    const b = to.get(key);
    if (b === undefined) result.removed.push(summary(a));
    else {
      const c = change(a, b);
      if (c === undefined) result.unchanged += 1;
      else result.changed.push(c);
    }
  }
  for (const [key, b] of to) if (!from.has(key)) result.added.push(summary(b));
  return result;
}

async function load<E>(entries: AsyncIterable<E>, key: (e: E) => string): Promise<Map<string, E>> {
  const map = new Map<string, E>();
  for await (const entry of entries) map.set(key(entry), entry);
  return map;
}

/** Diff two snapshots (ids or manifests already read). Throws if a snapshot or one of its lists cannot be read. */
export async function diffSnapshots(store: Store, from: string | SnapshotManifest, to: string | SnapshotManifest): Promise<SnapshotDiff> {
  const a = typeof from === 'string' ? await store.readSnapshot(from) : from;
  const b = typeof to === 'string' ? await store.readSnapshot(to) : to;
  const itemSummary = (e: ItemEntry): ItemSummary => ({ id: e.id, title: e.title, type: e.type, owner: e.owner });
  const items = diffEntries(
    await load(store.readList(a, 'items'), (e) => e.id),
    await load(store.readList(b, 'items'), (e) => e.id),
    itemSummary,
    (x, y) => {
      const parts = changedItemParts(x, y);
      if (x.title !== y.title) parts.unshift('title');
      return parts.length > 0 ? { ...itemSummary(y), parts } : undefined;
    }
  );
  const groups = diffEntries(
    await load(store.readList(a, 'groups'), (e) => e.id),
    await load(store.readList(b, 'groups'), (e) => e.id),
    (g: GroupEntry) => ({ id: g.id, title: g.title }),
    (x, y) => {
      const parts: string[] = [];
      if (x.definition?.hash !== y.definition?.hash) parts.push('definition');
      if (x.members?.hash !== y.members?.hash) parts.push('members');
      if (x.thumbnail?.hash !== y.thumbnail?.hash || x.thumbnail?.filename !== y.thumbnail?.filename) parts.push('thumbnail');
      if (!same([...(x.items ?? [])].sort(), [...(y.items ?? [])].sort())) parts.push('items');
      if (x.status !== y.status) parts.push('status');
      return parts.length > 0 ? { id: y.id, title: y.title, parts } : undefined;
    }
  );
  const users = diffEntries(
    await load(store.readList(a, 'users'), (e) => e.username),
    await load(store.readList(b, 'users'), (e) => e.username),
    (u: UserEntry) => ({ username: u.username }),
    (x, y) => {
      const parts: string[] = [];
      if (x.profile?.hash !== y.profile?.hash) parts.push('profile');
      if (x.role !== y.role) parts.push('role');
      if (x.userLicenseTypeId !== y.userLicenseTypeId) parts.push('user type');
      if (!same([...(x.groups ?? [])].sort(), [...(y.groups ?? [])].sort())) parts.push('groups');
      if (!same(sorted(x.folders, (f) => f.id), sorted(y.folders, (f) => f.id))) parts.push('folders');
      if (x.status !== y.status) parts.push('status');
      return parts.length > 0 ? { username: y.username, parts } : undefined;
    }
  );
  return { from: a.id, to: b.id, items, groups, users };
}
