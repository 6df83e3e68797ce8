/**
 * Test support: build realistic snapshots quickly. Used by the store's tests (and usable by the engine's); not part of
 * the store's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ItemEntry, SnapshotManifest, AttachmentEntry } from '../manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from '../manifest.js';
import { writeAttachmentList } from '../manifest-walk.js';
import { newSnapshotId } from '../snapshot-id.js';
import { type Store, type StoreOrg, initStore } from '../store.js';

export const TEST_ORG: StoreOrg = { id: 'orgAbc123', portalUrl: 'https://example.maps.arcgis.com', name: 'City of Example' };

export async function tempStore(prefix = 'orgkeeper-store-'): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), prefix));
  const dir = join(parent, 'store');
  const store = await initStore(dir, TEST_ORG);
  return { store, dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

export interface FakeItem {
  id: string;
  title: string;
  /** Distinct content for the item's data (same content = same blob). */
  data?: string;
  resources?: Record<string, string>;
  /** A hosted layer with this many features (chunked by 100) and these attachments. */
  features?: number;
  attachments?: { objectId: number; name: string; content: string }[];
}

/** Store an item's parts as blobs and return its entry. */
export async function storeItem(store: Store, item: FakeItem): Promise<ItemEntry> {
  const json = await store.putJson({ id: item.id, title: item.title, type: item.features ? 'Feature Service' : 'Web Map' });
  const entry: ItemEntry = { id: item.id, title: item.title, type: item.features ? 'Feature Service' : 'Web Map', owner: 'admin', modified: 1_700_000_000_000, status: 'ok', item: { hash: json.hash, size: json.size } };
  if (item.data !== undefined) {
    const data = await store.blobs.put(Buffer.from(item.data));
    entry.data = { hash: data.hash, size: data.size, kind: 'json' };
  }
  if (item.resources) {
    entry.resources = [];
    for (const [path, content] of Object.entries(item.resources)) {
      const r = await store.blobs.put(Buffer.from(content));
      entry.resources.push({ path, hash: r.hash, size: r.size });
    }
  }
  if (item.features !== undefined) {
    const definition = await store.putJson({ layers: [{ id: 0 }] });
    const layerDefinition = await store.putJson({ id: 0, name: 'Layer', fields: [] });
    const chunks = [];
    for (let from = 1; from <= item.features; from += 100) {
      const to = Math.min(item.features, from + 99);
      const features = Array.from({ length: to - from + 1 }, (_, i) => ({ attributes: { OBJECTID: from + i, item: item.id } }));
      const chunk = await store.putJson({ features }, { level: 1 });
      chunks.push({ fromOid: from, toOid: to, count: to - from + 1, hash: chunk.hash, size: chunk.size });
    }
    let attachments;
    if (item.attachments?.length) {
      const list: AttachmentEntry[] = [];
      for (const [i, a] of item.attachments.entries()) {
        const blob = await store.blobs.put(Buffer.from(a.content));
        list.push({ objectId: a.objectId, attachmentId: i + 1, name: a.name, hash: blob.hash, size: blob.size, contentType: 'image/jpeg' });
      }
      const ref = await writeAttachmentList(store.blobs, list);
      attachments = { hash: ref.hash, size: ref.size };
    }
    entry.service = {
      url: `https://services.example.com/${item.id}/FeatureServer`,
      definition: { hash: definition.hash, size: definition.size },
      layers: [{ id: 0, name: 'Layer', kind: 'layer', definition: { hash: layerDefinition.hash, size: layerDefinition.size }, featureCount: item.features, chunks, ...(attachments ? { attachments, attachmentCount: item.attachments!.length } : {}), status: 'ok' }]
    };
  }
  return entry;
}

/** Store items, their lists and return a manifest ready to write (not written). */
export async function buildSnapshot(store: Store, items: FakeItem[], options: { name?: string; at?: Date; id?: string } = {}): Promise<SnapshotManifest> {
  const entries = [];
  for (const item of items) entries.push(await storeItem(store, item));
  const itemList = await store.writeList('items', entries, { pageSize: 3 });
  const group = await store.putJson({ id: 'g1', title: 'Editors' });
  const groups = await store.writeList('groups', [{ id: 'g1', title: 'Editors', owner: 'admin', status: 'ok', definition: { hash: group.hash, size: group.size }, items: items.map((i) => i.id) }]);
  const profile = await store.putJson({ username: 'admin', role: 'org_admin' });
  const users = await store.writeList('users', [{ username: 'admin', role: 'org_admin', status: 'ok', profile: { hash: profile.hash, size: profile.size } }]);
  const at = options.at ?? new Date();
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    id: options.id ?? newSnapshotId(at),
    name: options.name ?? 'Nightly',
    org: { id: store.config.org.id, portalUrl: store.config.org.portalUrl },
    startedAt: at.toISOString(),
    finishedAt: new Date(at.getTime() + 1000).toISOString(),
    status: 'complete',
    counts: { items: { ok: items.length, skipped: 0, failed: 0 }, groups: 1, users: 1 },
    bytes: { read: 0, newStored: itemList.newStored },
    lists: { items: itemList.pages, groups: groups.pages, users: users.pages }
  };
}
