import { spawnSync } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { DiskStoreBackend } from './backend/disk/disk-store-backend.js';
import { check } from './check.js';
import { JournalWriter } from './journal.js';
import { acquireLock } from './lock.js';
import { prune } from './prune.js';
import { newSnapshotId } from './snapshot-id.js';
import { isStoreError } from './store-error.js';
import { describeEachBackend, tempStoreOn } from './testing/backends.js';
import { buildSnapshot } from './testing/fixtures.js';

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid!;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describeEachBackend('prune', (kind, servers) => {
  async function setup() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    const kept = await buildSnapshot(t.store, [{ id: 'a', title: 'A', data: 'shared', resources: { 'r.txt': 'kept resource' } }], { at: new Date('2026-03-02T00:00:00Z') });
    const dropped = await buildSnapshot(t.store, [{ id: 'a', title: 'A', data: 'shared' }, { id: 'b', title: 'B', data: 'only in the forgotten snapshot' }], { at: new Date('2026-03-01T00:00:00Z') });
    await t.store.writeSnapshot(kept);
    await t.store.writeSnapshot(dropped);
    return { ...t, kept, dropped };
  }

  async function countBlobs(store: Awaited<ReturnType<typeof setup>>['store']) {
    let n = 0;
    for await (const _ of store.blobs.list()) n += 1;
    return n;
  }

    it('deletes only blobs no snapshot references, and check stays clean', async () => {
      const { store, dropped } = await setup();
      const before = await countBlobs(store);
      expect((await prune(store)).deletedBlobs).toBe(0);
      await store.deleteSnapshot(dropped.id);
      const dry = await prune(store, { dryRun: true });
      expect(dry.deletedBlobs).toBe(0);
      expect(dry.unreferencedBlobs).toBeGreaterThan(0);
      expect(dry.bytesFreed).toBeGreaterThan(0);
      expect(await countBlobs(store)).toBe(before);
      const result = await prune(store);
      expect(result).toMatchObject({ dryRun: false, snapshots: 1, deletedBlobs: dry.unreferencedBlobs, bytesFreed: dry.bytesFreed, errors: [] });
      expect(await countBlobs(store)).toBe(before - result.deletedBlobs);
      const after = await check(store, { readData: true });
      expect(after.ok).toBe(true);
      expect(after.blobs.unreferenced).toBe(0);
    });

    it('never deletes a blob named in a journal of a resumable run', async () => {
      const { store } = await setup();
      const orphan = await store.blobs.put(Buffer.from('stored by an interrupted backup'));
      const runId = newSnapshotId();
      const journal = await JournalWriter.open(store, runId, { operation: 'backup' });
      await journal.append('item:zzz', [orphan.hash]);
      await journal.close();
      const result = await prune(store);
      expect(result.protectedByJournals).toBe(1);
      expect(result.journals.map((j) => j.runId)).toEqual([runId]);
      expect(await store.blobs.has(orphan.hash)).toBe(true);
    });

    it('refuses to delete anything when a snapshot cannot be read', async () => {
      const { store, kept } = await setup();
      await store.blobs.put(Buffer.from('unreferenced'));
      const before = await countBlobs(store);
      await store.backend.write(`snapshots/${kept.id}.json`, Buffer.from('{"broken":'));
      await expect(prune(store)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'prune_unsafe'));
      expect(await countBlobs(store)).toBe(before);
    });

    it('refuses to delete anything when a list page is missing', async () => {
      const { store, kept } = await setup();
      await store.blobs.delete(kept.lists.items[0]!.hash);
      await store.blobs.put(Buffer.from('unreferenced'));
      const before = await countBlobs(store);
      await expect(prune(store)).rejects.toThrow(/page 1 of the items list.*Run check/);
      expect(await countBlobs(store)).toBe(before);
    });

    it('waits for no one: a store locked by a backup makes prune fail with who holds it', async () => {
      const { store } = await setup();
      const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
      try {
        await expect(prune(store)).rejects.toThrow(/in use by backup \(pid \d+/);
        await expect(prune(store, { lock })).rejects.toThrow(/needs the exclusive lock/);
      } finally {
        await lock.release();
      }
    });

    it('cleans partial writes', async () => {
      const { store, at } = await setup();
      // On disk a file in tmp/; on object storage the local spool file of a writer that was killed mid-upload.
      const partial = kind === 'disk' ? join((store.backend as DiskStoreBackend).paths.tmp, 'blob-1-deadbeef.tmp') : join(at.spoolDir!, `orgkeeper-spool-${deadPid()}-deadbeef.tmp`);
      await writeFile(partial, 'partial');
      expect((await prune(store)).tmpFilesRemoved).toBe(1);
      await expect(stat(partial)).rejects.toThrow(/ENOENT/);
    });
});
