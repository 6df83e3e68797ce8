import { afterEach, expect, it } from 'vitest';
import type { BlobStore } from './blob-store/blob-store.js';
import { check, summarizeCheck } from './check.js';
import { readListPage } from './manifest-walk.js';
import { type Store, openStore } from './store.js';
import { describeEachBackend, tempStoreOn } from './testing/backends.js';
import { damageStoredBlob } from './testing/blob-damage.js';
import { buildSnapshot } from './testing/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describeEachBackend('check', (kind, servers) => {
  async function storeWithTwoSnapshots() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    const first = await buildSnapshot(t.store, [
      { id: 'parks', title: 'Parks', data: 'parks v1' },
      { id: 'hydrants', title: 'Hydrants', features: 150, attachments: [{ objectId: 7, name: 'valve.jpg', content: 'valve photo' }] }
    ], { name: 'Monday', at: new Date('2026-03-02T01:00:00Z') });
    await t.store.writeSnapshot(first);
    const second = await buildSnapshot(t.store, [
      { id: 'parks', title: 'Parks', data: 'parks v2' },
      { id: 'hydrants', title: 'Hydrants', features: 150, attachments: [{ objectId: 7, name: 'valve.jpg', content: 'valve photo' }] }
    ], { name: 'Tuesday', at: new Date('2026-03-03T01:00:00Z') });
    await t.store.writeSnapshot(second);
    return { ...t, first, second };
  }

  async function hashOf(store: Store, manifest: Awaited<ReturnType<typeof buildSnapshot>>, itemId: string) {
    const page = await readListPage(store.blobs, 'items', manifest.lists.items[0]!);
    return page.find((i) => i.id === itemId)!;
  }

    it('passes a healthy store, with and without reading data', async () => {
      const { store } = await storeWithTwoSnapshots();
      const structure = await check(store);
      expect(structure).toMatchObject({ ok: true, problems: [], unreadableLists: [], errors: [], snapshots: { total: 2 } });
      expect(structure.blobs.read).toBe(0);
      const full = await check(store, { readData: true });
      expect(full.ok).toBe(true);
      expect(full.blobs.read).toBe(full.blobs.referenced);
      expect(summarizeCheck(full)).toMatch(/^No problems: 2 snapshots/);
    });

    it('names the snapshots and items a missing blob affects', async () => {
      const { store, first, second } = await storeWithTwoSnapshots();
      const chunk = (await hashOf(store, first, 'hydrants')).service!.layers[0]!.chunks[1]!;
      await store.blobs.delete(chunk.hash);
      const result = await check(store);
      expect(result.ok).toBe(false);
      expect(result.problems).toHaveLength(1);
      const problem = result.problems[0]!;
      expect(problem).toMatchObject({ hash: chunk.hash, problem: 'missing' });
      expect(problem.affects.map((a) => a.snapshotId)).toEqual([first.id, second.id]);
      expect(problem.affects[0]!.items).toEqual([{ id: 'hydrants', title: 'Hydrants', parts: ['layer 0 features 101-150'] }]);
      expect(summarizeCheck(result)).toContain('hydrants "Hydrants"');
    });

    it('finds a corrupt blob only when reading data, and names what it affects', async () => {
      const { store, first } = await storeWithTwoSnapshots();
      const data = (await hashOf(store, first, 'parks')).data!;
      await damageStoredBlob(store.backend, data.hash);
      expect((await check(store)).ok).toBe(true); // structure alone cannot see it
      const result = await check(store, { readData: 100 });
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([
        expect.objectContaining({ hash: data.hash, problem: 'corrupt', affects: [expect.objectContaining({ snapshotId: first.id, snapshotName: 'Monday', items: [{ id: 'parks', title: 'Parks', parts: ['data'] }] })] })
      ]);
    });

    it('re-hashes a random share of blobs with readData as a percentage', async () => {
      const { store } = await storeWithTwoSnapshots();
      let seed = 42;
      const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      const result = await check(store, { readData: 25, random });
      expect(result.blobs.read).toBe(Math.ceil(result.blobs.referenced * 0.25));
      expect(result.ok).toBe(true);
    });

    it('reports a missing list page, and the entries it hid, without throwing', async () => {
      const { store, second } = await storeWithTwoSnapshots();
      await store.blobs.delete(second.lists.items[0]!.hash);
      const result = await check(store, { readData: true });
      expect(result.ok).toBe(false);
      expect(result.unreadableLists).toEqual([expect.objectContaining({ snapshotId: second.id, what: 'page 1 of the items list' })]);
      expect(result.problems[0]!.affects[0]!.lists).toEqual(['page 1 of the items list']);
    });

    it('does not report blobs of a snapshot forgotten and pruned while check runs', async () => {
      const { store, at, first } = await storeWithTwoSnapshots();
      const onlyFirst = first.lists.items[0]!.hash;
      // A blob store whose listing ends with a concurrent forget + prune of the first snapshot.
      const racing = await openStore(at.location, {
        blobStore: (inner) => {
          return Object.assign(Object.create(inner) as BlobStore, {
            async *list() {
              yield* inner.list();
              await store.deleteSnapshot(first.id);
              await inner.delete(onlyFirst);
            }
          });
        }
      });
      const result = await check(racing);
      await racing.close();
      expect(result.ok, summarizeCheck(result)).toBe(true);
    });

    it('reports an unreadable manifest and unreferenced blobs', async () => {
      const { store, first } = await storeWithTwoSnapshots();
      await store.backend.write(`snapshots/${first.id}.json`, Buffer.from('garbage'));
      const result = await check(store);
      expect(result.ok).toBe(false);
      expect(result.snapshots.unreadable.map((u) => u.id)).toEqual([first.id]);
      expect(result.blobs.unreferenced).toBeGreaterThan(0); // first snapshot's own blobs are no longer referenced
    });
});
