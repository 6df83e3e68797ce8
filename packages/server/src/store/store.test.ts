import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { referencedBlobs, walkSnapshot } from './manifest-walk.js';
import { newSnapshotId, snapshotIdTime } from './snapshot-id.js';
import { initStore, openStore } from './store.js';
import { isStoreError } from './store-error.js';
import { type BackendKind, type TestServers, describeEachBackend, tempStoreOn } from './testing/backends.js';
import { TEST_ORG, buildSnapshot, storeItem } from './testing/fixtures.js';
import type { ObjectStoreBackend } from './backend/object/object-store-backend.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-store-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
const code = (c: string) => (e: unknown) => isStoreError(e) && e.code === c;

describeEachBackend('store', (kind: BackendKind, servers: TestServers) => {
  async function fresh() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    return t;
  }
  async function emptyLocation() {
    const at = await servers.location(kind, 'empty');
    cleanups.push(at.cleanup);
    return at;
  }

  describe('initStore and openStore', () => {
    it('creates a self-describing store with no absolute paths inside', async () => {
      const { store, at } = await fresh();
      const config = JSON.parse((await store.backend.read('store.json'))!.bytes.toString('utf8'));
      expect(config).toMatchObject({ format: 'orgkeeper-store', version: 1, org: TEST_ORG, hash: 'sha256', compression: 'gzip' });
      expect(config.storeId).toBe(store.config.storeId);
      if (kind === 'disk') expect((await readdir(at.dir!)).sort()).toEqual(['blobs', 'journal', 'locks', 'pins', 'snapshots', 'store.json', 'tmp']);
      else expect(await store.backend.topLevelEntries()).toEqual(['store.json']);
      expect(JSON.stringify(config)).not.toContain(kind === 'disk' ? at.dir! : at.text);
    });

    it('re-attaches a store moved elsewhere, snapshots and all', async () => {
      const { store, at } = await fresh();
      const manifest = await buildSnapshot(store, [{ id: 'i1', title: 'Parks', data: '{"a":1}' }]);
      await store.writeSnapshot(manifest);
      let moved;
      if (kind === 'disk') {
        moved = join(await tempDir(), 'elsewhere', 'backups');
        await mkdir(join(moved, '..'), { recursive: true });
        await cp(at.dir!, moved, { recursive: true });
        await rm(at.dir!, { recursive: true });
      } else {
        // Copied object by object to another prefix, as a bucket copy or a sync tool would.
        const target = await emptyLocation();
        const from = (store.backend as ObjectStoreBackend).client;
        const to = ((await target.backend()) as ObjectStoreBackend).client;
        for await (const object of from.list('', true)) await to.put(object.key, (await from.get(object.key))!.bytes);
        await to.close();
        moved = target.location;
      }
      const reopened = await openStore(moved, { expectOrgId: TEST_ORG.id });
      cleanups.push(() => reopened.close());
      expect(reopened.config.storeId).toBe(store.config.storeId);
      const { snapshots } = await reopened.listSnapshots();
      expect(snapshots.map((s) => s.id)).toEqual([manifest.id]);
      const items = [];
      for await (const item of reopened.readList(snapshots[0]!, 'items')) items.push(item);
      expect(await reopened.blobs.get(items[0]!.data!.hash)).toEqual(Buffer.from('{"a":1}'));
    });

    it('opens the existing store when initialized again for the same org, refuses another org', async () => {
      const { store, at } = await fresh();
      const again = await initStore(at.location, { ...TEST_ORG, portalUrl: 'https://new-url.example.com/portal' });
      cleanups.push(() => again.close());
      expect(again.config.storeId).toBe(store.config.storeId);
      await expect(initStore(at.location, { id: 'otherOrg', portalUrl: 'https://x', name: 'X' })).rejects.toSatisfy(code('wrong_org'));
      await expect(openStore(at.location, { expectOrgId: 'otherOrg' })).rejects.toThrow(/holds backups of organization City of Example/);
    });

    it('of two processes creating a store in one empty location at once, one creates it and the other opens it', async () => {
      const at = await emptyLocation();
      const stores = await Promise.all([initStore(at.location, TEST_ORG), initStore(at.location, TEST_ORG)]);
      cleanups.push(() => Promise.all(stores.map((s) => s.close())).then(() => undefined));
      expect(stores[0]!.config.storeId).toBe(stores[1]!.config.storeId);
    });

    it('refuses a non-empty location that is not a store', async () => {
      const at = await emptyLocation();
      const backend = await at.backend();
      cleanups.push(() => backend.close());
      await backend.write('notes.txt', Buffer.from('mine'));
      await expect(initStore(at.location, TEST_ORG)).rejects.toSatisfy(code('folder_not_empty'));
      await expect(initStore(at.location, TEST_ORG)).rejects.toThrow(kind === 'disk' ? /"notes.txt".*Choose an empty folder/ : /"notes.txt".*Choose an empty location/);
    });

    it('explains what is wrong with a location that is not a valid store', async () => {
      const at = await emptyLocation();
      const backend = await at.backend();
      cleanups.push(() => backend.close());
      await expect(openStore(at.location)).rejects.toSatisfy(code('not_a_store'));
      await expect(openStore(at.location)).rejects.toThrow(/does not contain an OrgKeeper backup store/);
      await backend.write('store.json', Buffer.from('{not json'));
      await expect(openStore(at.location)).rejects.toSatisfy(code('store_corrupt'));
      await backend.write('store.json', Buffer.from(JSON.stringify({ format: 'something-else' })));
      await expect(openStore(at.location)).rejects.toSatisfy(code('not_a_store'));
      await backend.write('store.json', Buffer.from(JSON.stringify({ format: 'orgkeeper-store', version: 3 })));
      await expect(openStore(at.location)).rejects.toThrow(/newer OrgKeeper.*Upgrade/);
      await backend.write('store.json', Buffer.from(JSON.stringify({ format: 'orgkeeper-store', version: 1, storeId: 'x', createdAt: 'x', org: TEST_ORG, hash: 'md5', compression: 'gzip' })));
      await expect(openStore(at.location)).rejects.toThrow(/hash "md5" is not supported/);
      // An encrypted store (version 2) says how it is encrypted; a plain one (version 1) never is.
      await backend.write('store.json', Buffer.from(JSON.stringify({ format: 'orgkeeper-store', version: 2, storeId: 'x', createdAt: 'x', org: TEST_ORG, hash: 'hmac-sha256', compression: 'gzip' })));
      await expect(openStore(at.location)).rejects.toThrow(/encryption "undefined" is not supported/);
      await backend.write('store.json', Buffer.from(JSON.stringify({ format: 'orgkeeper-store', version: 1, storeId: 'x', createdAt: 'x', org: TEST_ORG, hash: 'sha256', compression: 'gzip', encryption: { cipher: 'aes-256-gcm-stream' } })));
      await expect(openStore(at.location)).rejects.toThrow(/a version 1 store is never encrypted/);
    });
  });

  describe('snapshots', () => {
    it('ids sort by time and carry it', () => {
      const a = newSnapshotId(new Date('2026-01-02T03:04:05.006Z'));
      const b = newSnapshotId(new Date('2026-01-02T03:04:05.007Z'));
      expect(a).toMatch(/^20260102T030405006Z-[0-9a-f]{8}$/);
      expect(a < b).toBe(true);
      expect(snapshotIdTime(a).toISOString()).toBe('2026-01-02T03:04:05.006Z');
    });

    it('writes, lists (oldest first), reads and deletes snapshots', async () => {
      const { store } = await fresh();
      const older = await buildSnapshot(store, [{ id: 'i1', title: 'A', data: 'x' }], { at: new Date('2026-03-01T00:00:00Z') });
      const newer = await buildSnapshot(store, [{ id: 'i1', title: 'A', data: 'y' }], { at: new Date('2026-03-02T00:00:00Z') });
      await store.writeSnapshot(newer);
      await store.writeSnapshot(older);
      expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([older.id, newer.id]);
      expect(await store.readSnapshot(older.id)).toEqual(older);
      await expect(store.writeSnapshot(older)).rejects.toSatisfy(code('snapshot_exists'));
      await store.deleteSnapshot(older.id);
      await expect(store.readSnapshot(older.id)).rejects.toSatisfy(code('snapshot_not_found'));
      await expect(store.deleteSnapshot(older.id)).rejects.toSatisfy(code('snapshot_not_found'));
      const keys = [];
      for await (const object of store.backend.list('snapshots/')) keys.push(object.key);
      expect(keys).toEqual([`snapshots/${newer.id}.json`]);
    });

    it('refuses to write a snapshot whose blobs are not all stored', async () => {
      const { store } = await fresh();
      const manifest = await buildSnapshot(store, [{ id: 'i1', title: 'Roads', data: 'road data' }]);
      const dataHash = (await storeItem(store, { id: 'i1', title: 'Roads', data: 'road data' })).data!.hash;
      await store.blobs.delete(dataHash);
      await expect(store.writeSnapshot(manifest)).rejects.toThrow(/item i1 "Roads" \(data\)/);
      await expect(store.writeSnapshot(manifest)).rejects.toSatisfy(code('missing_blobs'));
      expect((await store.listSnapshots()).snapshots).toEqual([]);
    });

    it('rejects malformed manifests and ids', async () => {
      const { store } = await fresh();
      const manifest = await buildSnapshot(store, []);
      await expect(store.writeSnapshot({ ...manifest, status: 'done' as 'complete' })).rejects.toSatisfy(code('store_corrupt'));
      await expect(store.readSnapshot('../store')).rejects.toSatisfy(code('invalid_id'));
      await expect(store.writeSnapshot({ ...manifest, org: { id: 'someoneElse', portalUrl: 'https://x' } })).rejects.toSatisfy(code('wrong_org'));
    });

    it('lists a damaged manifest as unreadable instead of failing the listing', async () => {
      const { store } = await fresh();
      const good = await buildSnapshot(store, [{ id: 'i1', title: 'A' }]);
      await store.writeSnapshot(good);
      const badId = newSnapshotId();
      await store.backend.write(`snapshots/${badId}.json`, Buffer.from('{"format":"orgkeeper-snapshot","version":1'));
      const listing = await store.listSnapshots();
      expect(listing.snapshots.map((s) => s.id)).toEqual([good.id]);
      expect(listing.unreadable).toEqual([expect.objectContaining({ id: badId, code: 'store_corrupt' })]);
    });

    it('walks every blob a snapshot references, with its owner', async () => {
      const { store } = await fresh();
      const manifest = await buildSnapshot(store, [
        { id: 'i1', title: 'Map', data: 'web map', resources: { 'images/a.png': 'png', 'b.json': '{}' } },
        { id: 'i2', title: 'Hydrants', features: 250, attachments: [{ objectId: 3, name: 'photo.jpg', content: 'jpeg bytes' }] }
      ]);
      const hashes = new Set<string>();
      for await (const hash of referencedBlobs(store.blobs, manifest)) hashes.add(hash);
      const stored = new Set<string>();
      for await (const blob of store.blobs.list()) stored.add(blob.hash);
      expect(hashes).toEqual(stored); // everything stored by buildSnapshot is referenced
      const parts = [];
      for await (const event of walkSnapshot(store.blobs, manifest)) if (event.owner.kind === 'item' && event.owner.id === 'i2') parts.push(event.owner.part);
      expect(parts).toEqual([
        'item',
        'service definition',
        'layer 0 definition',
        'layer 0 features 1-100',
        'layer 0 features 101-200',
        'layer 0 features 201-250',
        'layer 0 attachment list',
        'layer 0 attachment 3/1 photo.jpg'
      ]);
    });

    it('stores lists in sorted pages that deduplicate across snapshots', async () => {
      const { store } = await fresh();
      const entries = await Promise.all(['c', 'a', 'b', 'd'].map((id) => storeItem(store, { id, title: id.toUpperCase() })));
      const first = await store.writeList('items', entries, { pageSize: 2 });
      const second = await store.writeList('items', [...entries].reverse(), { pageSize: 2 });
      expect(second.pages).toEqual(first.pages);
      expect(second.newStored).toBe(0);
      const manifest = { ...(await buildSnapshot(store, [])), lists: { items: first.pages, groups: [], users: [] } };
      const ids = [];
      for await (const item of store.readList(manifest, 'items')) ids.push(item.id);
      expect(ids).toEqual(['a', 'b', 'c', 'd']);
    });

    it('refuses list entries with unsafe paths or bad hashes before storing anything', async () => {
      const { store } = await fresh();
      const entry = await storeItem(store, { id: 'i1', title: 'A', resources: { 'ok.txt': 'x' } });
      entry.resources![0]!.path = '../../etc/cron.d/evil';
      await expect(store.writeList('items', [entry])).rejects.toSatisfy(code('invalid_entry'));
      await expect(store.writeList('items', [entry])).rejects.toThrow(/resources\[0\]\.path is not a safe relative path/);
      await expect(store.writeList('items', [{ ...entry, resources: [], item: { hash: 'abc', size: 1 } }])).rejects.toThrow(/item\.hash is not a SHA-256/);
    });

  });
});

describe('store on disk', () => {
  it('ignores OS litter in an otherwise empty folder', async () => {
    const mount = await tempDir();
    await mkdir(join(mount, 'lost+found'));
    await writeFile(join(mount, '.DS_Store'), '');
    await expect(initStore(mount, TEST_ORG)).resolves.toBeDefined();
    await expect(openStore(join(mount, 'missing'))).rejects.toThrow(/does not contain an OrgKeeper backup store/);
  });

  it('cleans partial writes left in tmp and temporary manifests', async () => {
    const dir = join(await tempDir(), 'store');
    const store = await initStore(dir, TEST_ORG);
    await writeFile(join(dir, 'tmp', 'blob-123-abc.tmp'), 'partial');
    await writeFile(join(dir, 'snapshots', '.x.json.1.abc.tmp'), 'partial');
    expect(await store.cleanTemporaryFiles()).toBe(2);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'snapshots'))).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'store.json'), 'utf8')).storeId).toBe(store.config.storeId);
  });
});
