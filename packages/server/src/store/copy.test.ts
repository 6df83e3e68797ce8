import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyBlobStore } from './blob-store/faulty/faulty-blob-store.js';
import { check } from './check.js';
import { copyStore } from './copy.js';
import { isStoreError } from './store-error.js';
import { type Store, type InitStoreOptions, initStore } from './store.js';
import { type BackendKind, useTestServers } from './testing/backends.js';
import { damageStoredBlob } from './testing/blob-damage.js';
import { TEST_ORG, buildSnapshot } from './testing/fixtures.js';

const servers = useTestServers();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const keys = { passphrase: 'copy test passphrase', masterKey: randomBytes(32), scrypt: { N: 2 ** 12, r: 8, p: 1 } };

async function storeOn(kind: BackendKind, options: InitStoreOptions = {}): Promise<Store> {
  const at = await servers.location(kind, 'copy');
  const store = await initStore(at.location, TEST_ORG, options);
  cleanups.push(async () => {
    await store.close();
    await at.cleanup();
  });
  return store;
}

async function withSnapshots(store: Store, days = 2, from = 1): Promise<string[]> {
  const ids = [];
  for (let day = from; day < from + days; day++) {
    const manifest = await buildSnapshot(
      store,
      [
        { id: 'map', title: 'City Map', data: `web map v${day}`, resources: { 'img/a.png': 'png bytes', [`notes/${day}.txt`]: `day ${day}` } },
        { id: 'hydrants', title: 'Hydrants', features: 120 + day, attachments: [{ objectId: 1, name: 'valve.jpg', content: 'valve photo' }] }
      ],
      { name: `Day ${day}`, at: new Date(`2026-04-0${day}T06:00:00Z`) }
    );
    await store.writeSnapshot(manifest);
    ids.push(manifest.id);
  }
  return ids;
}

/** Every item of every snapshot, with its parts' content (not names): what a restore would see. */
async function contents(store: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const manifest of (await store.listSnapshots()).snapshots) {
    for await (const item of store.readList(manifest, 'items')) {
      const data = item.data ? (await store.blobs.get(item.data.hash)).toString() : undefined;
      const resources = [];
      for (const r of item.resources ?? []) resources.push([r.path, (await store.blobs.get(r.hash)).toString()]);
      const chunks = [];
      for (const layer of item.service?.layers ?? []) for (const chunk of layer.chunks) chunks.push((await store.blobs.get(chunk.hash)).length);
      out.push({ snapshot: manifest.id, name: manifest.name, id: item.id, data, resources, chunks });
    }
  }
  return out;
}

describe('copyStore', () => {
  const pairs: [BackendKind, BackendKind, string, InitStoreOptions, InitStoreOptions][] = [
    ['disk', 's3', 'plain to plain', {}, {}],
    ['s3', 'azure', 'plain to encrypted', {}, { encrypt: true, keys }],
    ['azure', 'disk', 'encrypted to plain', { encrypt: true, keys }, {}],
    ['disk', 'disk', 'encrypted to encrypted (another store key)', { encrypt: true, keys }, { encrypt: true, keys }]
  ];
  for (const [from, to, what, sourceOptions, targetOptions] of pairs) {
    it(`copies and verifies ${from} to ${to}, ${what}, and a second run copies only what is new`, async () => {
      const source = await storeOn(from, sourceOptions);
      const ids = await withSnapshots(source);
      const target = await storeOn(to, targetOptions);
      const first = await copyStore(source, target);
      expect(first.snapshots.map((s) => [s.id, s.status])).toEqual(ids.map((id) => [id, 'copied']));
      expect(first.verification).toMatchObject({ ok: true, problems: [] });
      expect(first.blobsCopied).toBeGreaterThan(0);
      expect(await contents(target)).toEqual(await contents(source));

      const [third] = await withSnapshots(source, 1, 3);
      const second = await copyStore(source, target);
      expect(second.snapshots.filter((s) => s.status === 'copied').map((s) => s.id)).toEqual([third]);
      expect(await contents(target)).toEqual(await contents(source));
      expect((await check(target, { readData: true })).ok).toBe(true);
    });
  }

  it('stops at a damaged source blob without writing that snapshot, and resumes after a failure', async () => {
    const source = await storeOn('disk');
    const [firstId] = await withSnapshots(source, 1);
    const item = await (async () => {
      for await (const entry of source.readList(await source.readSnapshot(firstId!), 'items')) if (entry.id === 'map') return entry;
      throw new Error('no map');
    })();
    await damageStoredBlob(source.backend, item.data!.hash);
    const target = await storeOn('s3');
    await expect(copyStore(source, target)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_corrupt'));
    expect((await target.listSnapshots()).snapshots).toEqual([]);

    const healthy = await storeOn('disk');
    await withSnapshots(healthy, 2);
    let faulty: FaultyBlobStore | undefined;
    const at = await servers.location('azure', 'copy');
    const failing = await initStore(at.location, TEST_ORG, { blobStore: (inner) => (faulty = new FaultyBlobStore(inner)) });
    cleanups.push(() => failing.close());
    faulty!.inject({ method: 'putStream', kind: 'fail', after: 8 });
    await expect(copyStore(healthy, failing)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    faulty!.clearFaults();
    const resumed = await copyStore(healthy, failing);
    expect(resumed.verification?.ok).toBe(true);
    expect(await contents(failing)).toEqual(await contents(healthy));
  });

  it("refuses another organization's store as the target", async () => {
    const source = await storeOn('disk');
    await withSnapshots(source, 1);
    const at = await servers.location('disk', 'copy');
    const other = await initStore(at.location, { id: 'otherOrg', portalUrl: 'https://other.example.com', name: 'Other' });
    cleanups.push(async () => {
      await other.close();
      await at.cleanup();
    });
    await expect(copyStore(source, other)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'wrong_org'));
  });
});
