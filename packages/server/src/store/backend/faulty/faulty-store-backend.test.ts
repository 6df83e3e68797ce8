// The faults no emulator shows (README.md in store/, "Emulator gaps"), over each backend: answers lost after the
// service acted, and a service that ignores conditional writes.
import { afterEach, expect, it } from 'vitest';
import { JournalWriter, readJournal } from '../../journal.js';
import { acquireLock, readLock } from '../../lock.js';
import { newSnapshotId } from '../../snapshot-id.js';
import { isStoreError } from '../../store-error.js';
import { initStore } from '../../store.js';
import { describeEachBackend } from '../../testing/backends.js';
import { TEST_ORG, buildSnapshot } from '../../testing/fixtures.js';
import { probeBackend } from '../probe.js';
import { FaultyStoreBackend } from './faulty-store-backend.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describeEachBackend('a store over a faulty backend', (kind, servers) => {
  async function faultyStore() {
    const at = await servers.location(kind, 'faulty-backend');
    const backend = new FaultyStoreBackend(await at.backend());
    const store = await initStore(backend, TEST_ORG);
    cleanups.push(async () => {
      await store.close();
      await at.cleanup();
    });
    return { store, backend };
  }

  it('takes the lock when the answer to its create was lost, and keeps it when a heartbeat answer was lost', async () => {
    const { store, backend } = await faultyStore();
    backend.inject({ method: 'create', kind: 'lose-answer', keyPrefix: 'locks/' });
    await expect(acquireLock(store, { kind: 'write', operation: 'backup' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    // The lock was created; a retry by the same process sees a lock of its own pid that no live lock object holds.
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup', heartbeatMs: 60_000 });
    expect(lock.tookOver?.reason).toMatch(/is gone/);
    backend.inject({ method: 'replace', kind: 'lose-answer', keyPrefix: 'locks/' });
    await lock.heartbeat(); // written, answer lost: survivable
    await lock.heartbeat(); // finds its own token stored, carries on
    expect(lock.lost).toBe(false);
    expect((await readLock(store))?.info?.token).toBe(lock.info.token);
    await lock.release();
    expect(await readLock(store)).toBeUndefined();
  });

  it('publishes a snapshot whose create answer was lost when retried, and never overwrites another', async () => {
    const { store, backend } = await faultyStore();
    const manifest = await buildSnapshot(store, [{ id: 'i1', title: 'Parks', data: 'parks' }]);
    backend.inject({ method: 'create', kind: 'lose-answer', keyPrefix: 'snapshots/' });
    await expect(store.writeSnapshot(manifest)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    expect((await store.readSnapshot(manifest.id)).id).toBe(manifest.id);
    await expect(store.writeSnapshot({ ...manifest, name: 'Other' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'snapshot_exists'));
  });

  it('keeps journal lines whose write failed and writes them at the next flush, once', async () => {
    const { store, backend } = await faultyStore();
    const runId = newSnapshotId();
    const blob = await store.blobs.put(Buffer.from('unit content'));
    const journal = await JournalWriter.open(store, runId, { operation: 'backup' }, { syncEveryLines: 1000 });
    await journal.append('item:1', [blob.hash]);
    backend.inject({ method: 'append', kind: 'fail' });
    await expect(journal.flush()).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    await journal.append('item:2', [blob.hash]);
    backend.inject({ method: 'append', kind: 'lose-answer' });
    await expect(journal.flush()).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    await journal.close();
    const read = await readJournal(store, runId);
    expect([...read!.units.keys()]).toEqual(['item:1', 'item:2']);
    expect(read!.damagedLines).toBe(0);
  });

  it('lets two writers both "hold" the lock on a service that ignores conditional writes, which the access check reports', async () => {
    const { store, backend } = await faultyStore();
    backend.inject({ method: 'create', kind: 'ignore-conditions', times: Infinity });
    backend.inject({ method: 'replace', kind: 'ignore-conditions', times: Infinity });
    const probe = await probeBackend(backend);
    expect(probe.ok).toBe(false);
    expect(probe.steps.find((s) => !s.ok)).toMatchObject({ step: 'conditional-create', message: expect.stringMatching(/ignores conditional writes/) });
    backend.clearFaults();
    expect(await probeBackend(backend)).toMatchObject({ ok: true });
    const keys = [];
    for await (const object of backend.list('orgkeeper-probe/')) keys.push(object.key);
    expect(keys).toEqual([]); // the probe cleans up after itself
    expect(store.location).toBe(backend.location);
  });
});
