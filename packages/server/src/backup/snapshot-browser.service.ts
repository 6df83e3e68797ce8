/**
 * Browsing an identity's backups for the API and CLI: snapshots, their items, an item's detail, diffs and exports.
 * The store (the identity's File Location) is the truth; the database holds only an index of it (snapshot_index,
 * snapshot_items) for fast listing and search. The index follows the store on every listing (snapshots written by the
 * CLI or another server are added, forgotten ones removed) and `reindex` rebuilds it from the folder alone.
 */
import type { Writable } from 'node:stream';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository, IdentityStores } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import {
  type ItemEntry,
  type SnapshotManifest,
  type Store,
  StoreError,
  type UnreadableSnapshot,
  diffSnapshots,
  isSnapshotId
} from '../store/index.js';
import { exportItemZip } from './export/item-zip.js';
import { findItemEntry } from './export/export-support.js';
import { layerToGeoJSON, type GeoJSONExportResult } from './export/layer-geojson.js';
import type { BackupIdentity } from './backup.types.js';
import { backupIdentity } from './backup-identity.js';
import { chosenItems } from './item-dependencies.js';
import { isoTime, itemRow, itemView, snapshotView } from './snapshot-index-rows.js';
import type {
  ItemDetailView,
  ItemEntryView,
  SnapshotDetailView,
  SnapshotDiffView,
  SnapshotItemPage,
  SnapshotListView
} from './backup-views.types.js';
import { SNAPSHOT_INDEX_VERSION, type SnapshotIndexRepository, type SnapshotIndexRow } from './snapshot-index.repository.js';

// The API's JSON shapes live in backup-views.types.ts (the web app imports them); re-exported for existing importers.
export type { SnapshotItemView, SnapshotView } from './backup-views.types.js';

export interface ReindexResult {
  identityId: string;
  snapshots: number;
  items: number;
  /** Manifests that exist but cannot be read: not indexed, listed so the user can look at them. */
  unreadable: UnreadableSnapshot[];
  durationMs: number;
}

export interface SnapshotBrowserDeps {
  identities: IdentityRepository;
  /** Opens identities' stores (location credentials, encryption keys). */
  stores: IdentityStores;
  index: SnapshotIndexRepository;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
}

const ITEM_ID = /^[0-9A-Za-z]{1,64}$/;

export class SnapshotBrowser {
  constructor(private readonly deps: SnapshotBrowserDeps) {}

  /** Opens identities' stores (for operations that work on a store: check, prune). */
  get stores(): IdentityStores {
    return this.deps.stores;
  }

  async identity(identityId: string): Promise<IdentityRow> {
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    return row;
  }

  /**
   * What a backup (or a fix's backup) needs to know about the identity: its organization (so it must have connected
   * once) and how its store is opened or created (location credentials, encryption as chosen).
   */
  backupIdentity(row: IdentityRow): BackupIdentity {
    const identity = backupIdentity(row);
    const org = { id: identity.orgId, portalUrl: identity.portalUrl, name: identity.portalName ?? identity.name };
    return { ...identity, openStore: () => this.deps.stores.openOrCreate(row, org) };
  }

  /** The identity's store, or undefined while its File Location holds no store yet (nothing backed up). */
  async openStore(row: IdentityRow): Promise<Store | undefined> {
    try {
      return await this.deps.stores.open(row);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'not_a_store') return undefined;
      throw storeFailure(row, error);
    }
  }

  private async requireStore(row: IdentityRow): Promise<Store> {
    const store = await this.openStore(row);
    if (!store) throw new AppError('not_found', `"${row.name}" has no backups yet: its File Location ${row.file_location} holds no backup store.`);
    return store;
  }

  /** The identity's snapshots, oldest first, from the index after bringing it in line with the store. */
  async listSnapshots(identityId: string): Promise<SnapshotListView> {
    const row = await this.identity(identityId);
    const store = await this.openStore(row);
    const unreadable = store ? await this.sync(row, store) : [];
    if (!store) await this.deps.index.deleteSnapshots(row.id);
    const rows = await this.deps.index.listSnapshots(row.id);
    return { snapshots: rows.map(snapshotView), unreadable };
  }

  /** Indexes the store's snapshots the index lacks and drops those the store no longer has. */
  private async sync(row: IdentityRow, store: Store): Promise<UnreadableSnapshot[]> {
    const listing = await store.listSnapshots().catch((error: unknown) => {
      throw storeFailure(row, error);
    });
    const indexed = new Set((await this.deps.index.listSnapshots(row.id)).map((r) => r.snapshot_id));
    const present = new Set(listing.snapshots.map((s) => s.id));
    await this.deps.index.deleteSnapshots(row.id, [...indexed].filter((id) => !present.has(id)));
    for (const manifest of listing.snapshots) {
      if (!indexed.has(manifest.id)) await this.indexSnapshot(row.id, store, manifest);
    }
    return listing.unreadable;
  }

  /** (Re)writes one snapshot's index rows from its manifest and item list. */
  async indexSnapshot(identityId: string, store: Store, manifest: SnapshotManifest): Promise<number> {
    const entries: ItemEntry[] = [];
    for await (const entry of store.readList(manifest, 'items')) entries.push(entry);
    const chosen = chosenItems(entries);
    const items = entries.map((entry) => itemRow(identityId, manifest.id, entry, chosen));
    const c = manifest.counts;
    await this.deps.index.replaceSnapshot(
      {
        identity_id: identityId,
        snapshot_id: manifest.id,
        name: manifest.name,
        started_at: manifest.startedAt,
        finished_at: manifest.finishedAt,
        status: manifest.status,
        parent: manifest.parent ?? null,
        tags: JSON.stringify(manifest.tags ?? []),
        items_ok: c.items.ok,
        items_skipped: c.items.skipped,
        items_failed: c.items.failed,
        groups: c.groups,
        users: c.users,
        layers: c.layers ?? 0,
        features: c.features ?? 0,
        attachments: c.attachments ?? 0,
        bytes_read: manifest.bytes.read,
        new_bytes: manifest.bytes.newStored,
        indexed_at: this.deps.clock().toISOString(),
        index_version: SNAPSHOT_INDEX_VERSION
      },
      items
    );
    return items.length;
  }

  /** Rebuilds the identity's whole index from its File Location alone. */
  async reindex(identityId: string, actor: Actor): Promise<ReindexResult> {
    const started = Date.now();
    const row = await this.identity(identityId);
    try {
      const store = await this.openStore(row);
      const listing = store ? await store.listSnapshots() : { snapshots: [], unreadable: [] };
      await this.deps.index.deleteSnapshots(row.id);
      let items = 0;
      for (const manifest of listing.snapshots) items += await this.indexSnapshot(row.id, store!, manifest);
      const result: ReindexResult = { identityId: row.id, snapshots: listing.snapshots.length, items, unreadable: listing.unreadable, durationMs: Date.now() - started };
      await this.deps.audit.record({
        actor,
        action: 'store.reindex',
        target: row.id,
        result: 'success',
        details: { identity: row.name, snapshots: result.snapshots, items, unreadable: listing.unreadable.length }
      });
      return result;
    } catch (error) {
      const failure = error instanceof AppError ? error : storeFailure(row, error);
      await this.deps.audit.record({ actor, action: 'store.reindex', target: row.id, result: 'failure', details: { identity: row.name, error: failure.message } });
      throw failure;
    }
  }

  /** A snapshot's manifest summary, with its item counts per type and owner from the index. */
  async getSnapshot(identityId: string, snapshotId: string): Promise<SnapshotDetailView> {
    const { row, store, manifest } = await this.snapshot(identityId, snapshotId);
    const indexed = await this.indexedSnapshot(row, store, manifest);
    const facets = await this.deps.index.facets(row.id, manifest.id);
    return { snapshot: { ...snapshotView(indexed), org: manifest.org }, types: facets.types, owners: facets.owners };
  }

  async listItems(identityId: string, snapshotId: string, filter: { q?: string; type?: string; owner?: string; status?: string; start: number; num: number }): Promise<SnapshotItemPage> {
    const { row, store, manifest } = await this.snapshot(identityId, snapshotId);
    await this.indexedSnapshot(row, store, manifest);
    const { total, rows } = await this.deps.index.searchItems(row.id, manifest.id, {
      ...(filter.q ? { q: filter.q } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.owner ? { owner: filter.owner } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      offset: filter.start - 1,
      limit: filter.num
    });
    const next = filter.start + rows.length;
    // Paged like ArcGIS search: 1-based start, nextStart -1 on the last page.
    return { total, start: filter.start, num: filter.num, nextStart: next <= total && rows.length > 0 ? next : -1, items: rows.map(itemView) };
  }

  /**
   * The snapshot's index row, indexing the snapshot first when the index lacks it or holds it in an older shape (a
   * snapshot indexed before items carried who needs them): once per snapshot, so its items are listed rightly.
   */
  private async indexedSnapshot(row: IdentityRow, store: Store, manifest: SnapshotManifest): Promise<SnapshotIndexRow> {
    const indexed = await this.deps.index.findSnapshot(row.id, manifest.id);
    if (indexed && indexed.index_version >= SNAPSHOT_INDEX_VERSION) return indexed;
    await this.indexSnapshot(row.id, store, manifest);
    return (await this.deps.index.findSnapshot(row.id, manifest.id))!;
  }

  /** An item as stored in a snapshot: its entry (parts, layers with feature counts, problems) and its item JSON. */
  async itemDetail(identityId: string, snapshotId: string, itemId: string): Promise<ItemDetailView> {
    if (!ITEM_ID.test(itemId)) throw new AppError('not_found', `"${itemId}" is not an ArcGIS item id.`);
    const { row, store } = await this.snapshot(identityId, snapshotId);
    const { entry } = await findItemEntry(store, snapshotId, itemId).catch((error: unknown) => {
      throw error instanceof AppError ? error : storeFailure(row, error);
    });
    let itemJson: ItemDetailView['itemJson'] = null;
    if (entry.item) itemJson = await store.getJson<Record<string, unknown>>(entry.item.hash).catch(() => null);
    return { item: entryView(entry), itemJson };
  }

  async diff(identityId: string, from: string, to: string): Promise<SnapshotDiffView> {
    const a = await this.snapshot(identityId, from);
    const b = await this.snapshot(identityId, to);
    return diffSnapshots(a.store, a.manifest, b.manifest).catch((error: unknown) => {
      throw storeFailure(a.row, error);
    });
  }

  /** Checks the item is there (so a wrong id answers 404 before streaming starts), then returns the writer. */
  async itemZip(identityId: string, snapshotId: string, itemId: string): Promise<{ filename: string; write: (out: Writable) => Promise<unknown> }> {
    if (!ITEM_ID.test(itemId)) throw new AppError('not_found', `"${itemId}" is not an ArcGIS item id.`);
    const { store } = await this.snapshot(identityId, snapshotId);
    await findItemEntry(store, snapshotId, itemId);
    return { filename: `${itemId}-${snapshotId}.zip`, write: (out) => exportItemZip(store, snapshotId, itemId, out) };
  }

  async layerGeoJSON(identityId: string, snapshotId: string, itemId: string, layerId: number): Promise<{ filename: string; write: (out: Writable) => Promise<GeoJSONExportResult> }> {
    if (!ITEM_ID.test(itemId)) throw new AppError('not_found', `"${itemId}" is not an ArcGIS item id.`);
    const { store } = await this.snapshot(identityId, snapshotId);
    const { entry } = await findItemEntry(store, snapshotId, itemId);
    if (!entry.service?.layers.some((l) => l.id === layerId)) {
      const ids = entry.service?.layers.map((l) => l.id) ?? [];
      throw new AppError('not_found', ids.length === 0 ? `Item ${itemId} holds no hosted layers.` : `Item ${itemId} has no layer ${layerId}; its layers are ${ids.join(', ')}.`);
    }
    return { filename: `${itemId}-layer-${layerId}.geojson`, write: (out) => layerToGeoJSON(store, snapshotId, itemId, layerId, out) };
  }

  private async snapshot(identityId: string, snapshotId: string): Promise<{ row: IdentityRow; store: Store; manifest: SnapshotManifest }> {
    const row = await this.identity(identityId);
    if (!isSnapshotId(snapshotId)) throw new AppError('not_found', `"${snapshotId}" is not a snapshot id (they look like 20260101T120000000Z-1a2b3c4d).`);
    const store = await this.requireStore(row);
    try {
      return { row, store, manifest: await store.readSnapshot(snapshotId) };
    } catch (error) {
      if (error instanceof StoreError && error.code === 'snapshot_not_found') {
        throw new AppError('not_found', `Snapshot ${snapshotId} is not among "${row.name}"'s backups; it may have been forgotten.`);
      }
      throw storeFailure(row, error);
    }
  }
}

/** A store problem as an AppError that says which identity and folder, and what the store said. */
export function storeFailure(row: IdentityRow, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof StoreError) {
    // Problems the user resolves (another writer, a folder of another organization or a newer OrgKeeper), not server faults.
    if (['locked', 'wrong_org', 'unsupported_version', 'folder_not_empty'].includes(error.code)) {
      return new AppError('conflict', `The backups of "${row.name}" at ${row.file_location}: ${error.message}`, { cause: error });
    }
    return new AppError('store_error', `The backups of "${row.name}" at ${row.file_location} cannot be read: ${error.message}`, { cause: error });
  }
  return new AppError('store_error', `The backups of "${row.name}" at ${row.file_location} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}


/** The parts an entry holds, by name (what the per-item log's "parts" column lists). */
export function entryParts(entry: ItemEntry): string[] {
  const parts: string[] = [];
  if (entry.item) parts.push('item');
  if (entry.data) parts.push('data');
  if (entry.thumbnail) parts.push('thumbnail');
  if (entry.metadata) parts.push('metadata');
  if ((entry.resources?.length ?? 0) > 0) parts.push('resources');
  if (entry.sharing) parts.push('sharing');
  if ((entry.related?.length ?? 0) > 0) parts.push('related');
  if (entry.service) parts.push('service');
  for (const layer of entry.service?.layers ?? []) parts.push(`layer ${layer.id}`);
  return parts;
}

/** An item entry for the item detail page: parts with their sizes, layers with feature counts, no internal hashes. */
function entryView(entry: ItemEntry): ItemEntryView {
  const blob = (ref: { size?: number } | undefined) => (ref ? { size: ref.size ?? null } : null);
  return {
    id: entry.id,
    title: entry.title,
    type: entry.type,
    owner: entry.owner,
    folderId: entry.folderId ?? null,
    modified: isoTime(entry.modified),
    status: entry.status,
    problems: entry.problems ?? [],
    carriedFrom: entry.carriedFrom ?? null,
    stats: entry.stats ?? null,
    parts: {
      item: blob(entry.item),
      data: entry.data ? { kind: entry.data.kind, filename: entry.data.filename ?? null, contentType: entry.data.contentType ?? null, size: entry.data.size ?? null } : null,
      thumbnail: entry.thumbnail ? { filename: entry.thumbnail.filename, contentType: entry.thumbnail.contentType ?? null, size: entry.thumbnail.size ?? null } : null,
      metadata: blob(entry.metadata),
      resources: (entry.resources ?? []).map((r) => ({ path: r.path, contentType: r.contentType ?? null, size: r.size ?? null })),
      sharing: entry.sharing ?? null,
      related: entry.related ?? []
    },
    service: entry.service
      ? {
          url: entry.service.url,
          layers: entry.service.layers.map((l) => ({
            id: l.id,
            name: l.name,
            kind: l.kind,
            featureCount: l.featureCount,
            attachmentCount: l.attachmentCount ?? 0,
            chunks: l.chunks.length,
            status: l.status,
            problems: l.problems ?? []
          }))
        }
      : null,
    external: entry.external ? { url: entry.external.url, reason: entry.external.reason } : null,
    neededBy: (entry.neededBy ?? []).map(({ itemId, title, need, relationshipType }) => ({ itemId, title, need, relationshipType }))
  };
}
