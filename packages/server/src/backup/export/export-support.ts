/**
 * What the exporters share: finding an item in a snapshot, writing to a stream with backpressure, and turning names
 * from ArcGIS (untrusted) into safe file-name parts.
 */
import type { Writable } from 'node:stream';
import { AppError } from '../../errors/app-error.js';
import { type ItemEntry, type SnapshotManifest, type Store, assertSnapshotId, isSafeRelativePath, readListPage } from '../../store/index.js';

/** The snapshot's manifest and the item's entry; `not_found` (AppError) when the item is not in that snapshot. */
export async function findItemEntry(store: Store, snapshotId: string, itemId: string): Promise<{ manifest: SnapshotManifest; entry: ItemEntry }> {
  assertSnapshotId(snapshotId);
  const manifest = await store.readSnapshot(snapshotId);
  // Entries are sorted by id across pages (code-unit order), so the scan stops at the first page that reaches the id.
  for (const page of manifest.lists.items) {
    const entries = await readListPage(store.blobs, 'items', page);
    const last = entries[entries.length - 1];
    if (last === undefined || last.id < itemId) continue;
    const entry = entries.find((e) => e.id === itemId);
    if (entry) return { manifest, entry };
    break;
  }
  throw new AppError('not_found', `Item ${JSON.stringify(itemId)} is not in snapshot ${snapshotId}. List the snapshot's items (orgkeeper snapshot show ${snapshotId}) to find its id.`);
}

/** Write a chunk and wait when the stream asks to (memory stays bounded however slow the reader is). */
export async function writeChunk(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed) throw new Error('The output was closed before the export finished.');
  if (out.write(chunk)) return;
  // Wait for drain; fail if the stream errors or closes first instead of waiting forever. Listeners are removed
  // either way, so millions of writes do not pile them up.
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('The output was closed before the export finished.'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const RESERVED = /[<>:"|?*\\/]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * A name from ArcGIS (a layer name, a title) as one safe file-name part: control and reserved characters become `_`,
 * trailing dots and spaces go, device names get a `_` prefix, long names are cut. `fallback` when nothing is left.
 */
export function safeNamePart(name: unknown, fallback: string, maxLength = 80): string {
  let cleaned = (typeof name === 'string' ? name : '').replace(CONTROL, '').replace(RESERVED, '_').trim();
  cleaned = Array.from(cleaned).slice(0, maxLength).join('').replace(/[. ]+$/, '');
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return fallback;
  if (WINDOWS_DEVICE.test(cleaned)) cleaned = `_${cleaned}`;
  return isSafeRelativePath(cleaned) ? cleaned : fallback;
}

/** Text from ArcGIS shown in a plain-text file: no control characters (no terminal escape sequences), one line. */
export function plainLine(text: unknown): string {
  return (typeof text === 'string' ? text : String(text ?? '')).replace(CONTROL, ' ');
}
