import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreLock, acquireLock, readLock } from './lock.js';
import { isStoreError } from './store-error.js';
import type { Store } from './store.js';
import { describeEachBackend, tempStoreOn } from './testing/backends.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const LOCK = 'locks/lock.json';
const readLockFile = async (store: Store) => JSON.parse((await store.backend.read(LOCK))!.bytes.toString('utf8'));

describeEachBackend('store lock (one process)', (kind, servers) => {
  async function fresh() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    return t;
  }

  it('writes who holds it, refuses a second holder with a clear message, and releases', async () => {
    const { store } = await fresh();
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
    const info = await readLockFile(store);
    expect(info).toMatchObject({ pid: process.pid, kind: 'write', operation: 'backup', token: lock.info.token });
    await expect(acquireLock(store, { kind: 'exclusive', operation: 'prune' })).rejects.toThrow(/in use by backup \(pid \d+ on .*last heartbeat was 0 s ago. Wait for it to finish/);
    expect((await readLock(store))?.stale).toBe(false);
    await lock.release();
    await lock.release(); // idempotent
    expect(await readLock(store)).toBeUndefined();
    const again = await acquireLock(store, { kind: 'exclusive', operation: 'prune' });
    await again.release();
  });

  it('refreshes its heartbeat', async () => {
    const { store } = await fresh();
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup', staleAfterMs: 2000, heartbeatMs: 50 });
    try {
      const first = (await readLockFile(store)).heartbeatAt;
      await sleep(200);
      const later = (await readLockFile(store)).heartbeatAt;
      expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
    } finally {
      await lock.release();
    }
  });

  it('waits for a holder that finishes within waitMs', async () => {
    const { store } = await fresh();
    const first = await acquireLock(store, { kind: 'write', operation: 'backup' });
    // The release is awaited before the test ends: the store's folder is removed afterwards, and a waiter in this
    // process may take over as soon as the first holder has let go, before its release has finished.
    const released = new Promise<void>((resolve, reject) => setTimeout(() => first.release().then(resolve, reject), 300));
    const second = await acquireLock(store, { kind: 'write', operation: 'backup', waitMs: 5000 });
    await second.release();
    await released;
  });

  it('takes over a lock whose heartbeat is too old; the old holder learns it lost the lock and cannot remove the new one', async () => {
    const { store } = await fresh();
    const lost: unknown[] = [];
    const old: StoreLock = await acquireLock(store, { kind: 'write', operation: 'backup', staleAfterMs: 150, heartbeatMs: 60_000, onLost: (e) => lost.push(e) });
    await sleep(300); // no heartbeat for longer than staleAfterMs: a frozen holder
    const fresh2 = await acquireLock(store, { kind: 'exclusive', operation: 'prune', staleAfterMs: 150 });
    expect(fresh2.tookOver?.reason).toMatch(/last heartbeat was \d+ s ago/);
    await old.heartbeat();
    expect(old.lost).toBe(true);
    expect(old.signal.reason).toSatisfy((e: unknown) => isStoreError(e, 'lock_lost'));
    expect(lost).toHaveLength(1);
    expect(() => old.assertHeld()).toThrow(/lost: it is now held by prune/);
    await old.release();
    expect((await readLock(store))?.info?.token).toBe(fresh2.info.token);
    await fresh2.release();
  });

  it('treats an unreadable lock file as in use while young and as stale when old', async () => {
    const { store } = await fresh();
    await store.backend.write(LOCK, Buffer.from(''));
    await expect(acquireLock(store, { kind: 'write', operation: 'backup', staleAfterMs: 60_000 })).rejects.toThrow(/still writing its lock file/);
    // Object storage gives modification times to the second.
    await sleep(2_200);
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup', staleAfterMs: 1_000 });
    expect(lock.tookOver?.reason).toMatch(/unreadable/);
    await lock.release();
  });

  it('treats a lock from this host with a dead pid as stale at once', async () => {
    const { store } = await fresh();
    const { hostname } = await import('node:os');
    const now = new Date().toISOString();
    await store.backend.write(LOCK, Buffer.from(JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), kind: 'write', operation: 'backup', startedAt: now, heartbeatAt: now, token: 'dead' })));
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
    expect(lock.tookOver?.reason).toMatch(/process \d+ on this host is gone/);
    await lock.release();
  });

  it('lets exactly one of many takers of a stale lock win', async () => {
    const { store } = await fresh();
    const now = new Date(Date.now() - 10 * 60_000).toISOString();
    await store.backend.write(LOCK, Buffer.from(JSON.stringify({ pid: 1, hostname: 'gone.example', kind: 'write', operation: 'backup', startedAt: now, heartbeatAt: now, token: 'old' })));
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => acquireLock(store, { kind: 'write', operation: 'backup' })));
    const winners = outcomes.filter((o): o is PromiseFulfilledResult<StoreLock> => o.status === 'fulfilled').map((o) => o.value);
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toSatisfy((e: unknown) => isStoreError(e, 'locked'));
    expect((await readLock(store))?.info?.token).toBe(winners[0]!.info.token);
    await winners[0]!.release();
  });

  it('a holder whose heartbeat write went through but whose answer was lost keeps its lock', async () => {
    const { store } = await fresh();
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup', heartbeatMs: 60_000 });
    // A beat the service applied while the client saw an error: what is stored is newer than what the holder knows.
    const current = await store.backend.read(LOCK);
    await store.backend.write(LOCK, Buffer.from(JSON.stringify({ ...JSON.parse(current!.bytes.toString('utf8')), heartbeatAt: new Date().toISOString() })));
    await lock.heartbeat();
    expect(lock.lost).toBe(false);
    expect((await readLock(store))?.info?.token).toBe(lock.info.token);
    await lock.release();
    expect(await readLock(store)).toBeUndefined();
  });
});

describe('store lock on disk', () => {
  it('cleans tmp when a writer takes the lock', async () => {
    const { tempStore } = await import('./testing/fixtures.js');
    const { store, dir, cleanup } = await tempStore();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'tmp', 'blob-9-abc.tmp'), 'partial');
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
    expect(lock.cleanedTemporaryFiles).toBe(1);
    await lock.release();
  });
});
