/**
 * Reading and writing the list pages a manifest references, and walking every blob a snapshot references.
 */
import type { BlobStore } from './blob-store/blob-store.js';
import {
  type AttachmentEntry,
  type BlobRef,
  type ItemEntry,
  type ListEntryOf,
  type ListKind,
  type SnapshotManifest,
  attachmentEntryProblems,
  entryProblems
} from './manifest.js';
import { StoreError, describeError } from './store-error.js';

/** Entries per list page: small enough to read one page at a time, large enough that a big org has few pages. */
export const DEFAULT_PAGE_SIZE = 500;
const LIST_FORMAT = 'orgkeeper-list';

interface ListPage<K extends ListKind> {
  format: typeof LIST_FORMAT;
  kind: K;
  entries: ListEntryOf[K][];
}

const entryKey = (kind: ListKind, entry: unknown): string =>
  kind === 'users' ? (entry as { username: string }).username : (entry as { id: string }).id;

export interface WrittenList {
  pages: BlobRef[];
  /** Bytes this call added to the store (pages already stored cost nothing). */
  newStored: number;
}

/**
 * Validate and store a list as pages. Entries are sorted by id (username for users) so an unchanged organization
 * produces byte-identical pages that deduplicate across snapshots. Throws `invalid_entry` naming the first problems,
 * before storing anything.
 */
export async function writeList<K extends ListKind>(
  blobs: BlobStore,
  kind: K,
  entries: readonly ListEntryOf[K][],
  options: { pageSize?: number } = {}
): Promise<WrittenList> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const problems = entries.flatMap((entry, i) => entryProblems[kind](entry, `${kind}[${i}]`));
  if (problems.length > 0) {
    throw new StoreError('invalid_entry', `Cannot store the ${kind} list: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}.`);
  }
  const sorted = [...entries].sort((a, b) => {
    const ka = entryKey(kind, a);
    const kb = entryKey(kind, b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const pages: BlobRef[] = [];
  let newStored = 0;
  for (let start = 0; start < sorted.length; start += pageSize) {
    const page: ListPage<K> = { format: LIST_FORMAT, kind, entries: sorted.slice(start, start + pageSize) };
    const result = await blobs.put(Buffer.from(JSON.stringify(page)));
    pages.push({ hash: result.hash, size: result.size });
    newStored += result.storedSize;
  }
  return { pages, newStored };
}

/** One page's entries, validated. Throws `blob_not_found`, `blob_corrupt` or `store_corrupt`. */
export async function readListPage<K extends ListKind>(blobs: BlobStore, kind: K, page: BlobRef): Promise<ListEntryOf[K][]> {
  const bytes = await blobs.get(page.hash);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new StoreError('store_corrupt', `List page ${page.hash} is not JSON (${describeError(error)}).`);
  }
  const value = parsed as Partial<ListPage<K>>;
  if (value.format !== LIST_FORMAT || value.kind !== kind || !Array.isArray(value.entries)) {
    throw new StoreError('store_corrupt', `Blob ${page.hash} is not a page of the ${kind} list.`);
  }
  const problems = value.entries.flatMap((entry, i) => entryProblems[kind](entry, `${kind}[${i}]`));
  if (problems.length > 0) throw new StoreError('store_corrupt', `List page ${page.hash} is damaged: ${problems.slice(0, 3).join('; ')}.`);
  return value.entries;
}

/** Every entry of a list, one page in memory at a time. */
export async function* readList<K extends ListKind>(blobs: BlobStore, kind: K, pages: readonly BlobRef[]): AsyncGenerator<ListEntryOf[K]> {
  for (const page of pages) yield* await readListPage(blobs, kind, page);
}

/** Store a layer's attachment list (sorted by object id, then attachment id, for dedup). */
export async function writeAttachmentList(blobs: BlobStore, entries: readonly AttachmentEntry[]): Promise<BlobRef & { newStored: number }> {
  const problems = entries.flatMap((entry, i) => attachmentEntryProblems(entry, `attachments[${i}]`));
  if (problems.length > 0) throw new StoreError('invalid_entry', `Cannot store the attachment list: ${problems.slice(0, 5).join('; ')}.`);
  const sorted = [...entries].sort((a, b) => a.objectId - b.objectId || a.attachmentId - b.attachmentId);
  const result = await blobs.put(Buffer.from(JSON.stringify({ format: LIST_FORMAT, kind: 'attachments', entries: sorted })));
  return { hash: result.hash, size: result.size, newStored: result.storedSize };
}

export async function readAttachmentList(blobs: BlobStore, ref: BlobRef): Promise<AttachmentEntry[]> {
  const bytes = await blobs.get(ref.hash);
  let value: { format?: unknown; kind?: unknown; entries?: unknown };
  try {
    value = JSON.parse(bytes.toString('utf8')) as typeof value;
  } catch (error) {
    throw new StoreError('store_corrupt', `Attachment list ${ref.hash} is not JSON (${describeError(error)}).`);
  }
  if (value.format !== LIST_FORMAT || value.kind !== 'attachments' || !Array.isArray(value.entries)) {
    throw new StoreError('store_corrupt', `Blob ${ref.hash} is not an attachment list.`);
  }
  const problems = value.entries.flatMap((entry, i) => attachmentEntryProblems(entry, `attachments[${i}]`));
  if (problems.length > 0) throw new StoreError('store_corrupt', `Attachment list ${ref.hash} is damaged: ${problems.slice(0, 3).join('; ')}.`);
  return value.entries as AttachmentEntry[];
}

// ---------------------------------------------------------------------------------------------------------------------

/** What a referenced blob belongs to, so check can say which items a damaged blob affects. */
export type BlobOwner =
  | { kind: 'list'; list: ListKind; page: number }
  | { kind: 'item'; id: string; title: string; part: string }
  | { kind: 'group'; id: string; title: string; part: string }
  | { kind: 'user'; username: string; part: string };

export type WalkEvent =
  | { type: 'blob'; hash: string; owner: BlobOwner }
  /** A list or attachment-list blob could not be read: the blobs it lists are unknown (the blob itself was yielded). */
  | { type: 'unreadable'; hash: string; owner: BlobOwner; error: string; code?: string };

/**
 * Every blob a snapshot references, with its owner, reading list pages and attachment lists as it goes (one page in
 * memory at a time). Never throws for a missing or damaged list blob: it yields an `unreadable` event and goes on.
 */
export async function* walkSnapshot(blobs: BlobStore, manifest: SnapshotManifest): AsyncGenerator<WalkEvent> {
  for (const kind of ['items', 'groups', 'users'] as const) {
    for (const [index, page] of manifest.lists[kind].entries()) {
      const owner: BlobOwner = { kind: 'list', list: kind, page: index };
      yield { type: 'blob', hash: page.hash, owner };
      let entries: ListEntryOf[typeof kind][];
      try {
        entries = await readListPage(blobs, kind, page);
      } catch (error) {
        yield unreadable(page.hash, owner, error);
        continue;
      }
      for (const entry of entries) {
        if (kind === 'items') yield* walkItem(blobs, entry as ItemEntry);
        else if (kind === 'groups') {
          const group = entry as ListEntryOf['groups'];
          const part = (p: string): BlobOwner => ({ kind: 'group', id: group.id, title: group.title, part: p });
          if (group.definition) yield { type: 'blob', hash: group.definition.hash, owner: part('definition') };
          if (group.members) yield { type: 'blob', hash: group.members.hash, owner: part('members') };
          if (group.thumbnail) yield { type: 'blob', hash: group.thumbnail.hash, owner: part('thumbnail') };
        } else {
          const user = entry as ListEntryOf['users'];
          if (user.profile) yield { type: 'blob', hash: user.profile.hash, owner: { kind: 'user', username: user.username, part: 'profile' } };
        }
      }
    }
  }
}

async function* walkItem(blobs: BlobStore, item: ItemEntry): AsyncGenerator<WalkEvent> {
  const part = (p: string): BlobOwner => ({ kind: 'item', id: item.id, title: item.title, part: p });
  if (item.item) yield { type: 'blob', hash: item.item.hash, owner: part('item') };
  if (item.data) yield { type: 'blob', hash: item.data.hash, owner: part('data') };
  if (item.thumbnail) yield { type: 'blob', hash: item.thumbnail.hash, owner: part('thumbnail') };
  if (item.metadata) yield { type: 'blob', hash: item.metadata.hash, owner: part('metadata') };
  for (const resource of item.resources ?? []) yield { type: 'blob', hash: resource.hash, owner: part(`resource ${resource.path}`) };
  if (!item.service) return;
  yield { type: 'blob', hash: item.service.definition.hash, owner: part('service definition') };
  for (const layer of item.service.layers) {
    yield { type: 'blob', hash: layer.definition.hash, owner: part(`layer ${layer.id} definition`) };
    for (const chunk of layer.chunks) {
      yield { type: 'blob', hash: chunk.hash, owner: part(`layer ${layer.id} features ${chunk.fromOid}-${chunk.toOid}`) };
    }
    if (!layer.attachments) continue;
    const listOwner = part(`layer ${layer.id} attachment list`);
    yield { type: 'blob', hash: layer.attachments.hash, owner: listOwner };
    let attachments: AttachmentEntry[];
    try {
      attachments = await readAttachmentList(blobs, layer.attachments);
    } catch (error) {
      yield unreadable(layer.attachments.hash, listOwner, error);
      continue;
    }
    for (const a of attachments) {
      yield { type: 'blob', hash: a.hash, owner: part(`layer ${layer.id} attachment ${a.objectId}/${a.attachmentId} ${a.name}`) };
    }
  }
}

function unreadable(hash: string, owner: BlobOwner, error: unknown): WalkEvent {
  const code = error instanceof StoreError ? error.code : undefined;
  return code === undefined ? { type: 'unreadable', hash, owner, error: describeError(error) } : { type: 'unreadable', hash, owner, error: describeError(error), code };
}

/**
 * The distinct blob hashes a snapshot references. Throws (`store_corrupt`) when a list cannot be read, because then the
 * answer would be incomplete, and callers such as prune must not act on an incomplete answer.
 */
export async function* referencedBlobs(blobs: BlobStore, manifest: SnapshotManifest): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const event of walkSnapshot(blobs, manifest)) {
    if (event.type === 'unreadable') {
      throw new StoreError('store_corrupt', `Snapshot ${manifest.id}: cannot read ${describeOwner(event.owner)} (blob ${event.hash}): ${event.error}`);
    }
    if (seen.has(event.hash)) continue;
    seen.add(event.hash);
    yield event.hash;
  }
}

export function describeOwner(owner: BlobOwner): string {
  switch (owner.kind) {
    case 'list':
      return `page ${owner.page + 1} of the ${owner.list} list`;
    case 'item':
      return `item ${owner.id} "${owner.title}" (${owner.part})`;
    case 'group':
      return `group ${owner.id} "${owner.title}" (${owner.part})`;
    case 'user':
      return `user ${owner.username} (${owner.part})`;
  }
}
