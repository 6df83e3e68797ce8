/**
 * `copyStore`: copy every snapshot of a store into another store of the same organization, on any backend (a folder
 * to S3, S3 to Azure, ...), plain or encrypted on either side, then verify the copy by reading every blob back.
 *
 * Blobs are streamed from one store to the other, decoded and checked against their names on the way out (a damaged
 * source blob stops the copy rather than being copied), and named and encoded by the target. Between two plain
 * stores names are the same SHA-256, so what the target has is skipped without reading it; otherwise (a keyed name on
 * either side) each blob gets the target's name, and the list pages and attachment lists that refer to it are
 * rewritten with the new names. Manifests are written last, as in a backup, so an interrupted copy leaves only whole
 * snapshots in the target; running it again copies the rest. The source snapshots are pinned (a forget cannot remove
 * them meanwhile) and the target is locked as a writer.
 */
import { check } from './check.js';
import { acquireLock } from './lock.js';
import type { AttachmentEntry, BlobRef, GroupEntry, ItemEntry, ListKind, SnapshotManifest, UserEntry } from './manifest.js';
import { readAttachmentList, readListPage, writeAttachmentList } from './manifest-walk.js';
import { pinSnapshots } from './pin.js';
import type { Store } from './store.js';
import { StoreError } from './store-error.js';

export interface CopyProgress {
  snapshot: string;
  /** Snapshots done, of `total`. */
  done: number;
  total: number;
  blobsCopied: number;
  bytesCopied: number;
}

export interface CopyOptions {
  onProgress?: (progress: CopyProgress) => void;
  signal?: AbortSignal;
  /** Read every blob of the target back afterwards (default true). */
  verify?: boolean;
}

export interface CopyResult {
  snapshots: { id: string; name: string; status: 'copied' | 'present' }[];
  /** Blobs written to the target by this copy. */
  blobsCopied: number;
  /** Blobs the target had already (skipped). */
  blobsPresent: number;
  /** Uncompressed bytes copied. */
  bytesCopied: number;
  verification?: { ok: boolean; blobsRead: number; problems: string[] };
}

export async function copyStore(source: Store, target: Store, options: CopyOptions = {}): Promise<CopyResult> {
  if (source.config.org.id !== target.config.org.id) {
    throw new StoreError('wrong_org', `The store at ${target.location} holds backups of ${target.config.org.name} (${target.config.org.id}), not of ${source.config.org.name}: copy into an empty location or into a store of the same organization.`);
  }
  if (source.config.storeId === target.config.storeId && source.location === target.location) throw new StoreError('invalid_location', 'The source and the target of a copy are the same store.');
  const listing = await source.listSnapshots();
  if (listing.unreadable.length > 0) {
    throw new StoreError('store_corrupt', `Snapshot ${listing.unreadable.map((u) => u.id).join(', ')} of ${source.location} cannot be read (${listing.unreadable[0]!.error}); run check on it before copying.`);
  }
  const result: CopyResult = { snapshots: [], blobsCopied: 0, blobsPresent: 0, bytesCopied: 0 };
  if (listing.snapshots.length === 0) return result;
  const lock = await acquireLock(target, { kind: 'write', operation: 'copy' });
  const pin = await pinSnapshots(source, listing.snapshots.map((s) => s.id), { operation: 'copy' });
  try {
    const present = new Set((await target.listSnapshots()).snapshots.map((s) => s.id));
    const copier = new BlobCopier(source, target, result, () => {
      options.signal?.throwIfAborted();
      lock.assertHeld();
      if (pin.lost) throw pin.signal.reason as StoreError;
    });
    for (const [index, manifest] of listing.snapshots.entries()) {
      if (present.has(manifest.id)) {
        result.snapshots.push({ id: manifest.id, name: manifest.name, status: 'present' });
      } else {
        const lists = { items: await copier.list(manifest, 'items'), groups: await copier.list(manifest, 'groups'), users: await copier.list(manifest, 'users') };
        lock.assertHeld();
        await target.writeSnapshot({ ...manifest, lists });
        result.snapshots.push({ id: manifest.id, name: manifest.name, status: 'copied' });
      }
      options.onProgress?.({ snapshot: manifest.id, done: index + 1, total: listing.snapshots.length, blobsCopied: result.blobsCopied, bytesCopied: result.bytesCopied });
    }
  } finally {
    await pin.release();
    await lock.release();
  }
  if (options.verify ?? true) {
    const verdict = await check(target, { readData: true });
    const copied = new Set(listing.snapshots.map((s) => s.id));
    const targetIds = new Set((await target.listSnapshots()).snapshots.map((s) => s.id));
    const problems = [
      ...[...copied].filter((id) => !targetIds.has(id)).map((id) => `snapshot ${id} is missing from the copy`),
      ...verdict.problems.map((p) => `blob ${p.hash} is ${p.problem}${p.detail ? ` (${p.detail})` : ''}`),
      ...verdict.unreadableLists.map((u) => `snapshot ${u.snapshotId}: ${u.what} cannot be read (${u.error})`),
      ...verdict.snapshots.unreadable.map((u) => `snapshot ${u.id} cannot be read (${u.error})`),
      ...verdict.errors
    ];
    result.verification = { ok: problems.length === 0, blobsRead: verdict.blobs.read, problems };
  }
  return result;
}

/** Copies blobs once each, and rewrites list entries with the target's names. */
class BlobCopier {
  /** Source name -> target name, for blobs copied or found in this run. */
  private readonly names = new Map<string, string>();
  private readonly sameNames: boolean;

  constructor(
    private readonly source: Store,
    private readonly target: Store,
    private readonly result: CopyResult,
    private readonly checkpoint: () => void
  ) {
    // Only plain stores share names (SHA-256 of the content); keyed names differ from store to store.
    this.sameNames = !source.encrypted && !target.encrypted;
  }

  async list<K extends ListKind>(manifest: SnapshotManifest, kind: K): Promise<BlobRef[]> {
    const pages: BlobRef[] = [];
    for (const page of manifest.lists[kind]) {
      const entries = await readListPage(this.source.blobs, kind, page);
      const rewritten = [];
      for (const entry of entries) {
        if (kind === 'items') rewritten.push(await this.item(entry as ItemEntry));
        else if (kind === 'groups') rewritten.push(await this.group(entry as GroupEntry));
        else rewritten.push(await this.user(entry as UserEntry));
      }
      // One page per source page, so the copy has the same shape.
      const written = await this.target.writeList(kind, rewritten as never[], { pageSize: Math.max(1, rewritten.length) });
      pages.push(...written.pages);
    }
    return pages;
  }

  private async item(entry: ItemEntry): Promise<ItemEntry> {
    const copy: ItemEntry = { ...entry };
    if (entry.item) copy.item = await this.ref(entry.item);
    if (entry.data) copy.data = await this.ref(entry.data);
    if (entry.thumbnail) copy.thumbnail = await this.ref(entry.thumbnail);
    if (entry.metadata) copy.metadata = await this.ref(entry.metadata);
    if (entry.resources) {
      copy.resources = [];
      for (const resource of entry.resources) copy.resources.push(await this.ref(resource));
    }
    if (entry.service) {
      const layers = [];
      for (const layer of entry.service.layers) {
        const chunks = [];
        for (const chunk of layer.chunks) chunks.push(await this.ref(chunk));
        layers.push({ ...layer, definition: await this.ref(layer.definition), chunks, ...(layer.attachments ? { attachments: await this.attachments(layer.attachments) } : {}) });
      }
      copy.service = { ...entry.service, definition: await this.ref(entry.service.definition), layers };
    }
    return copy;
  }

  private async group(entry: GroupEntry): Promise<GroupEntry> {
    const copy: GroupEntry = { ...entry };
    if (entry.definition) copy.definition = await this.ref(entry.definition);
    if (entry.members) copy.members = await this.ref(entry.members);
    if (entry.thumbnail) copy.thumbnail = await this.ref(entry.thumbnail);
    return copy;
  }

  private async user(entry: UserEntry): Promise<UserEntry> {
    return entry.profile ? { ...entry, profile: await this.ref(entry.profile) } : entry;
  }

  private async attachments(ref: BlobRef): Promise<BlobRef> {
    const known = this.names.get(ref.hash);
    if (known !== undefined) return { hash: known, size: ref.size };
    const entries = await readAttachmentList(this.source.blobs, ref);
    const rewritten: AttachmentEntry[] = [];
    for (const entry of entries) rewritten.push(await this.ref(entry));
    const written = await writeAttachmentList(this.target.blobs, rewritten);
    this.names.set(ref.hash, written.hash);
    if (written.newStored > 0) this.result.blobsCopied += 1;
    return { hash: written.hash, size: written.size };
  }

  /** The same reference under the target's name for the blob, copying the blob unless the target has it. */
  private async ref<R extends BlobRef>(ref: R): Promise<R> {
    return { ...ref, hash: await this.blob(ref.hash) };
  }

  private async blob(hash: string): Promise<string> {
    const known = this.names.get(hash);
    if (known !== undefined) return known;
    this.checkpoint();
    if (this.sameNames && (await this.target.blobs.has(hash))) {
      this.result.blobsPresent += 1;
      this.names.set(hash, hash);
      return hash;
    }
    // Decoded and checked against its name while it streams out of the source; named by the target on the way in.
    const put = await this.target.blobs.putStream(await this.source.blobs.getStream(hash));
    if (this.sameNames && put.hash !== hash) throw new StoreError('blob_corrupt', `Blob ${hash} was copied as ${put.hash}: the source changed while it was read.`);
    if (put.isNew) {
      this.result.blobsCopied += 1;
      this.result.bytesCopied += put.size;
    } else {
      this.result.blobsPresent += 1;
    }
    this.names.set(hash, put.hash);
    return put.hash;
  }
}
