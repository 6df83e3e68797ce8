/**
 * The snapshot index's rows (snapshot-index.repository.ts) built from a snapshot's manifest entries, and the API's views
 * of them (backup-views.types.ts): what the snapshot browser lists without reading the store again.
 */
import type { ItemEntry } from '../store/index.js';
import type { SnapshotItemView, SnapshotView } from './backup-views.types.js';
import { takenAlongSummary } from './item-dependencies.js';
import type { SnapshotIndexRow, SnapshotItemRow } from './snapshot-index.repository.js';

export function snapshotView(row: SnapshotIndexRow): SnapshotView {
  return {
    id: row.snapshot_id,
    name: row.name,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    parent: row.parent,
    tags: JSON.parse(row.tags) as string[],
    items: row.items_ok + row.items_skipped + row.items_failed,
    counts: {
      ok: row.items_ok,
      skipped: row.items_skipped,
      failed: row.items_failed,
      groups: row.groups,
      users: row.users,
      layers: row.layers,
      features: Number(row.features),
      attachments: row.attachments
    },
    bytesRead: Number(row.bytes_read),
    newBytes: Number(row.new_bytes)
  };
}

export function itemRow(identityId: string, snapshotId: string, entry: ItemEntry, chosen: (itemId: string) => boolean): SnapshotItemRow {
  const layers = entry.service?.layers ?? [];
  const taken = takenAlongSummary(entry, chosen);
  return {
    identity_id: identityId,
    snapshot_id: snapshotId,
    item_id: entry.id,
    title: entry.title,
    title_key: entry.title.toLowerCase(),
    type: entry.type,
    owner: entry.owner,
    folder_id: entry.folderId ?? null,
    modified: entry.modified,
    status: entry.status,
    layers: layers.length,
    features: layers.reduce((sum, l) => sum + l.featureCount, 0),
    carried_from: entry.carriedFrom ?? null,
    needed_by_id: taken?.itemId ?? null,
    needed_by_title: taken?.title ?? null,
    needed_by_need: taken?.need ?? null,
    needed_by_count: taken?.neededBy ?? 0
  };
}

export function itemView(row: SnapshotItemRow): SnapshotItemView {
  return {
    id: row.item_id,
    title: row.title,
    type: row.type,
    owner: row.owner,
    folderId: row.folder_id,
    modified: isoTime(Number(row.modified)),
    status: row.status,
    layers: row.layers,
    features: Number(row.features),
    carriedFrom: row.carried_from,
    takenAlong:
      row.needed_by_id === null
        ? null
        : { itemId: row.needed_by_id, title: row.needed_by_title ?? '', need: row.needed_by_need ?? '', neededBy: Number(row.needed_by_count) }
  };
}

export const isoTime = (ms: number) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : '');
