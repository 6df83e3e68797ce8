/**
 * `prune`: delete the blobs no snapshot references, under the exclusive lock. Never deletes a blob named in a journal
 * (a run that is running or can be resumed still needs it), and refuses to run at all when a snapshot or one of its
 * lists cannot be read: it could not know what that snapshot references, and deleting is forever. Snapshots pinned by
 * readers (pin.ts) still exist (forget keeps them), so their blobs are referenced and kept.
 */
import { type JournalSummary, journalBlobs, listJournals } from './journal.js';
import { type StoreLock, acquireLock } from './lock.js';
import { referencedBlobs } from './manifest-walk.js';
import { clearStalePins, describePin, pinnedSnapshots } from './pin.js';
import type { Store } from './store.js';
import { StoreError, describeError } from './store-error.js';

export interface PruneOptions {
  dryRun?: boolean;
  /** An exclusive lock the caller already holds; otherwise one is taken (and released) here. */
  lock?: StoreLock;
  /** For the lock taken here. */
  staleAfterMs?: number;
  onProgress?: (progress: { phase: 'snapshots' | 'delete'; done: number; total: number }) => void;
}

export interface PruneResult {
  dryRun: boolean;
  snapshots: number;
  referencedBlobs: number;
  /** Unreferenced blobs kept because a journal names them. */
  protectedByJournals: number;
  journals: JournalSummary[];
  /** Blobs no snapshot or journal references (deleted unless dry run). */
  unreferencedBlobs: number;
  deletedBlobs: number;
  /** Stored (compressed) bytes freed, or that would be freed in a dry run. */
  bytesFreed: number;
  tmpFilesRemoved: number;
  /** Snapshots pinned by running readers (restore, export): their blobs are kept (as referenced). */
  inUse: { id: string; operation: string }[];
  /** Pins of readers that are gone, removed (a real run only). */
  stalePinsCleared: number;
  errors: { hash: string; error: string }[];
}

export async function prune(store: Store, options: PruneOptions = {}): Promise<PruneResult> {
  const dryRun = options.dryRun ?? false;
  if (options.lock && options.lock.info.kind !== 'exclusive') {
    throw new StoreError('locked', 'Prune needs the exclusive lock; the lock passed in is a write lock.');
  }
  // A dry run deletes nothing, so it needs no lock and can run beside a backup.
  const lock = dryRun ? undefined : (options.lock ?? (await acquireLock(store, { kind: 'exclusive', operation: 'prune', ...(options.staleAfterMs ? { staleAfterMs: options.staleAfterMs } : {}) })));
  try {
    const stalePinsCleared = dryRun ? 0 : (await clearStalePins(store)).length;
    // Pins before the listing: a pin taken later is on a snapshot that exists then, and nothing can delete it while
    // this prune runs (forget needs the lock) or once it is pinned, so it is in the listing.
    const pinned = await pinnedSnapshots(store);
    const listing = await store.listSnapshots();
    const listed = new Set(listing.snapshots.map((s) => s.id));
    const pinnedButGone = [...pinned.keys()].filter((id) => !listed.has(id));
    if (pinnedButGone.length > 0) {
      // Only possible when a manifest was deleted by hand: what the reader still needs is unknown.
      throw new StoreError('prune_unsafe', `Prune did not delete anything: snapshot ${pinnedButGone.join(', ')} is in use by ${pinned.get(pinnedButGone[0]!)!.map(describePin).join(' and ')}, but its manifest is gone, so the blobs it needs are unknown. Run prune again when that has finished.`);
    }
    if (listing.unreadable.length > 0) {
      throw new StoreError('prune_unsafe', `Prune did not delete anything: snapshot ${listing.unreadable.map((u) => u.id).join(', ')} cannot be read (${listing.unreadable[0]!.error}), so the blobs it references are unknown. Run check, then repair or delete that snapshot.`);
    }
    const referenced = new Set<string>();
    for (const [index, snapshot] of listing.snapshots.entries()) {
      try {
        for await (const hash of referencedBlobs(store.blobs, snapshot)) referenced.add(hash);
      } catch (error) {
        throw new StoreError('prune_unsafe', `Prune did not delete anything: ${describeError(error)} Run check, then repair or delete that snapshot.`, { cause: error });
      }
      options.onProgress?.({ phase: 'snapshots', done: index + 1, total: listing.snapshots.length });
    }
    const journals = await listJournals(store);
    const inJournals = await journalBlobs(store);

    const doomed: { hash: string; storedSize: number }[] = [];
    let protectedCount = 0;
    for await (const blob of store.blobs.list()) {
      if (referenced.has(blob.hash)) continue;
      if (inJournals.has(blob.hash)) protectedCount += 1;
      else doomed.push(blob);
    }
    const result: PruneResult = {
      dryRun,
      snapshots: listing.snapshots.length,
      referencedBlobs: referenced.size,
      protectedByJournals: protectedCount,
      journals,
      unreferencedBlobs: doomed.length,
      deletedBlobs: 0,
      bytesFreed: 0,
      tmpFilesRemoved: 0,
      inUse: [...pinned].flatMap(([id, holders]) => holders.map((h) => ({ id, operation: h.operation }))),
      stalePinsCleared,
      errors: []
    };
    if (dryRun) {
      result.bytesFreed = doomed.reduce((sum, b) => sum + b.storedSize, 0);
      return result;
    }
    for (const [index, blob] of doomed.entries()) {
      lock!.assertHeld(); // a lost lock means another writer may now rely on these blobs
      try {
        result.bytesFreed += await store.blobs.delete(blob.hash);
        result.deletedBlobs += 1;
      } catch (error) {
        result.errors.push({ hash: blob.hash, error: describeError(error) });
      }
      options.onProgress?.({ phase: 'delete', done: index + 1, total: doomed.length });
    }
    result.tmpFilesRemoved = (options.lock ? 0 : lock!.cleanedTemporaryFiles) + (await store.cleanTemporaryFiles());
    return result;
  } finally {
    if (lock && !options.lock) await lock.release();
  }
}
