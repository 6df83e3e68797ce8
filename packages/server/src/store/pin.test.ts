import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiskStoreBackend } from './backend/disk/disk-store-backend.js';
import { check } from './check.js';
import { forget } from './forget.js';
import { type PinInfo, type SnapshotPin, PIN_FORMAT, PIN_VERSION, clearStalePins, listPins, pinSnapshots, pinnedSnapshots } from './pin.js';
import { prune } from './prune.js';
import { isStoreError } from './store-error.js';
import type { Store } from './store.js';
import { type BackendKind, type TestServers, describeEachBackend, tempStoreOn } from './testing/backends.js';
import { buildSnapshot } from './testing/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describeEachBackend('pins', (kind: BackendKind, servers: TestServers) => {
  /** A store with snapshots on consecutive days, oldest first; each has a blob of its own. */
  async function storeWith(days: number): Promise<{ store: Store; ids: string[] }> {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    const ids: string[] = [];
    for (let day = 1; day <= days; day++) {
      const m = await buildSnapshot(t.store, [{ id: 'shared', title: 'Shared', data: 'same in every snapshot' }, { id: `only${day}`, title: `Day ${day}`, data: `only in day ${day}` }], { at: new Date(`2026-03-0${day}T12:00:00Z`) });
      await t.store.writeSnapshot(m);
      ids.push(m.id);
    }
    return { store: t.store, ids };
  }

  async function pin(store: Store, ids: string[], operation = 'restore', options: { staleAfterMs?: number; heartbeatMs?: number } = {}): Promise<SnapshotPin> {
    const p = await pinSnapshots(store, ids, { operation, ...options });
    cleanups.push(() => p.release());
    return p;
  }

  async function pinFiles(store: Store): Promise<string[]> {
    const names: string[] = [];
    for await (const object of store.backend.list('pins/')) if (object.key.endsWith('.json')) names.push(object.key.slice('pins/'.length));
    return names.sort();
  }

  const pinKey = (pinId: string) => `pins/${pinId}.json`;
  const readPin = async (store: Store, pinId: string) => JSON.parse((await store.backend.read(pinKey(pinId)))!.bytes.toString('utf8')) as PinInfo;

  /** A pid that is certainly not running: a child that has already exited. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    expect(child.pid).toBeGreaterThan(0);
    return child.pid!;
  }

  async function writeForeignPin(store: Store, snapshotIds: string[], fields: Partial<PinInfo>): Promise<string> {
    const info: PinInfo = { format: PIN_FORMAT, version: PIN_VERSION, pinId: `pin-${Math.random().toString(16).slice(2)}`, snapshotIds, operation: 'restore', pid: 1, hostname: hostname(), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), ...fields };
    await store.backend.write(pinKey(info.pinId), Buffer.from(JSON.stringify(info)));
    return `${info.pinId}.json`;
  }

  describe('snapshot pins', () => {
    it('writes who reads which snapshots, is listed as live, and is removed on release', async () => {
      const { store, ids } = await storeWith(2);
      const p = await pinSnapshots(store, [ids[0]!, ids[0]!, ids[1]!], { operation: 'export' });
      const files = await pinFiles(store);
      expect(files).toEqual([`${p.info.pinId}.json`]);
      const written = await readPin(store, p.info.pinId);
      expect(written).toMatchObject({ format: 'orgkeeper-pin', version: 1, snapshotIds: [ids[0], ids[1]], operation: 'export', pid: process.pid, hostname: hostname() });
      expect((await listPins(store)).map((s) => s.stale)).toEqual([false]);
      expect([...(await pinnedSnapshots(store)).keys()].sort()).toEqual([ids[0], ids[1]].sort());
      await p.release();
      await p.release(); // idempotent
      expect(await pinFiles(store)).toEqual([]);
      expect((await pinnedSnapshots(store)).size).toBe(0);
    });

    it('refuses to pin a snapshot that does not exist, leaving no pin behind', async () => {
      const { store, ids } = await storeWith(1);
      await expect(pinSnapshots(store, [ids[0]!, '20200101T000000000Z-00000000'], { operation: 'restore' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'snapshot_not_found'));
      await expect(pinSnapshots(store, ['../../etc'], { operation: 'restore' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
      await expect(pinSnapshots(store, [], { operation: 'restore' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
      expect(await pinFiles(store)).toEqual([]);
    });

    it('refreshes its heartbeat, pins again after being cleared as stale, and is lost when its snapshot went meanwhile', async () => {
      const { store, ids } = await storeWith(2);
      const p = await pin(store, [ids[0]!], 'restore', { staleAfterMs: 5_000, heartbeatMs: 30 });
      const first = p.info.heartbeatAt;
      const beatOnDisk = async () => (await readPin(store, p.info.pinId)).heartbeatAt;
      // The timer beats every 30 ms; allow for a loaded machine.
      for (let waited = 0; (await beatOnDisk()) === first && waited < 3000; waited += 20) await sleep(20);
      expect((await beatOnDisk()) > first).toBe(true);

      await p.release();

      // A pin without timer beats, so that no beat already under way can race the removal below.
      const r = await pin(store, [ids[0]!], 'restore', { staleAfterMs: 5_000, heartbeatMs: 60_000 });
      await store.backend.delete(pinKey(r.info.pinId)); // as if removed as stale while this process was frozen
      await r.heartbeat();
      expect(r.lost).toBe(false);
      expect(await pinFiles(store)).toEqual([`${r.info.pinId}.json`]);

      const q = await pin(store, [ids[1]!], 'export', { staleAfterMs: 5_000, heartbeatMs: 60_000 });
      await store.backend.delete(pinKey(q.info.pinId));
      await store.backend.delete(`snapshots/${ids[1]}.json`);
      await q.heartbeat();
      expect(q.lost).toBe(true);
      expect(q.signal.reason).toSatisfy((e: unknown) => isStoreError(e, 'pin_lost'));
    });

    it('judges pins of dead processes and silent hosts stale, and clears them', async () => {
      const { store, ids } = await storeWith(1);
      const dead = await writeForeignPin(store, [ids[0]!], { pid: deadPid() });
      const silent = await writeForeignPin(store, [ids[0]!], { hostname: 'another-host.example', pid: process.pid, heartbeatAt: new Date(Date.now() - 10 * 60_000).toISOString() });
      const alive = await writeForeignPin(store, [ids[0]!], { hostname: 'another-host.example', pid: process.pid });
      const states = await listPins(store);
      expect(states.filter((s) => s.stale).map((s) => s.reason).sort()).toEqual([expect.stringMatching(/its last heartbeat was \d+ s ago/), expect.stringMatching(/process \d+ on this host is gone/)]);
      const cleared = await clearStalePins(store);
      expect(cleared).toHaveLength(2);
      const left = await pinFiles(store);
      expect(left).toEqual([alive]);
      expect(left).not.toContain(dead);
      expect(left).not.toContain(silent);
    });

    it('sees this process\'s pins from an earlier incarnation (same pid, unknown pin id) as stale', async () => {
      const { store, ids } = await storeWith(1);
      await writeForeignPin(store, [ids[0]!], { pid: process.pid });
      expect((await listPins(store))[0]).toMatchObject({ stale: true, reason: `process ${process.pid} on this host is gone` });
    });
  });

  describe('forget with pinned snapshots', () => {
    it('keeps a pinned snapshot, says it is in use (also in a dry run), and removes it once released', async () => {
      const { store, ids } = await storeWith(3);
      const p = await pin(store, [ids[0]!], 'restore');
      const dry = await forget(store, { keepLast: 1 }, { dryRun: true, timeZone: 'UTC' });
      expect(dry.remove.map((r) => r.id)).toEqual([ids[1]]);
      expect(dry.keep.map((k) => [k.id, k.reasons])).toEqual([
        [ids[2], ['last 1']],
        [ids[0], ['in use by restore']]
      ]);
      expect(dry.inUse).toEqual([{ id: ids[0], operation: 'restore', pid: process.pid, hostname: hostname(), since: p.info.startedAt }]);

      const real = await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      expect(real.removed).toEqual([ids[1]]);
      expect(real.keep.map((k) => k.id)).toEqual([ids[2], ids[0]]);
      expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([ids[0], ids[2]]);
      await expect(store.deleteSnapshot(ids[0]!)).rejects.toThrow(/is in use by restore \(pid \d+ on .*\), so it was not removed/);

      await p.release();
      const after = await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      expect(after.removed).toEqual([ids[0]]);
      expect(after.inUse).toEqual([]);
    });

    it('keeps a snapshot pinned after forget listed it', async () => {
      const { store, ids } = await storeWith(3);
      const list = store.listSnapshots.bind(store);
      let late: SnapshotPin | undefined;
      // The reader pins between forget's listing and its deletions.
      store.listSnapshots = async () => {
        const listing = await list();
        late = await pin(store, [ids[0]!], 'export');
        return listing;
      };
      const result = await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      expect(late).toBeDefined();
      expect(result.removed).toEqual([ids[1]]);
      expect(result.remove.map((r) => r.id)).toEqual([ids[1]]);
      expect(result.keep.find((k) => k.id === ids[0])?.reasons).toEqual(['in use by export']);
      expect(result.inUse.map((u) => u.id)).toEqual([ids[0]]);
      expect(await store.readSnapshot(ids[0]!)).toMatchObject({ id: ids[0] });
    });

    it('ignores a stale pin of a dead process, and clears it in a real run only', async () => {
      const { store, ids } = await storeWith(2);
      await writeForeignPin(store, [ids[0]!], { pid: deadPid() });
      const dry = await forget(store, { keepLast: 1 }, { dryRun: true, timeZone: 'UTC' });
      expect(dry.remove.map((r) => r.id)).toEqual([ids[0]]);
      expect(dry.inUse).toEqual([]);
      expect(await pinFiles(store)).toHaveLength(1); // a dry run changes nothing
      const real = await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      expect(real.removed).toEqual([ids[0]]);
      expect(real.stalePinsCleared).toBe(1);
      expect(await pinFiles(store)).toEqual([]);
    });

    it('never removes a snapshot a racing reader managed to pin (many readers, repeated)', async () => {
      for (let round = 0; round < 5; round++) {
        const { store, ids } = await storeWith(6);
        const older = ids.slice(0, -1);
        const readers = older.map(async (id, i) => {
          await sleep(Math.random() * 8 * (i + 1));
          try {
            return { id, pin: await pinSnapshots(store, [id], { operation: 'restore' }) };
          } catch (error) {
            expect(error).toSatisfy((e: unknown) => isStoreError(e, 'snapshot_not_found'));
            return { id, pin: undefined };
          }
        });
        const result = await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
        const outcomes = await Promise.all(readers);
        const present = new Set((await store.listSnapshots()).snapshots.map((s) => s.id));
        for (const o of outcomes) {
          // A reader holds a pin exactly when its snapshot is still there.
          expect(present.has(o.id)).toBe(o.pin !== undefined);
          await o.pin?.release();
        }
        expect(result.removed.length + result.inUse.length).toBe(older.length);
      }
    });
  });

  describe('prune with pinned snapshots', () => {
    it('keeps the blobs of a pinned snapshot that forget kept', async () => {
      const { store, ids } = await storeWith(2);
      const p = await pin(store, [ids[0]!], 'restore');
      await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      const result = await prune(store);
      expect(result.inUse).toEqual([{ id: ids[0], operation: 'restore' }]);
      expect(result.deletedBlobs).toBe(0);
      // Every blob of the pinned snapshot is still readable.
      expect((await check(store, { readData: true })).ok).toBe(true);
      const items = [];
      for await (const item of store.readList(await store.readSnapshot(ids[0]!), 'items')) items.push(item.id);
      expect(items).toContain('only1');

      await p.release();
      await forget(store, { keepLast: 1 }, { timeZone: 'UTC' });
      const freed = await prune(store);
      expect(freed.deletedBlobs).toBeGreaterThan(0); // the first day's own blobs and list pages
      expect((await check(store, { readData: true })).ok).toBe(true);
    });

    it('clears stale pins, and refuses to delete anything when a pinned snapshot\'s manifest was deleted by hand', async () => {
      const { store, ids } = await storeWith(2);
      await writeForeignPin(store, [ids[1]!], { pid: deadPid() });
      expect((await prune(store, { dryRun: true })).stalePinsCleared).toBe(0);
      const cleaned = await prune(store);
      expect(cleaned).toMatchObject({ stalePinsCleared: 1, inUse: [] });
      expect(await pinFiles(store)).toEqual([]);

      await store.blobs.put(Buffer.from('unreferenced'));
      const p = await pin(store, [ids[0]!], 'restore');
      await store.backend.delete(`snapshots/${ids[0]}.json`);
      await expect(prune(store)).rejects.toThrow(/is in use by restore .*but its manifest is gone/);
      await p.release();
      const result = await prune(store);
      expect(result.deletedBlobs).toBeGreaterThan(0);
    });

    it('works on a store created before pins existed (no pins folder)', async () => {
      const { store, ids } = await storeWith(2);
      if (kind === 'disk') await rm((store.backend as DiskStoreBackend).paths.pins, { recursive: true });
      expect((await prune(store, { dryRun: true })).inUse).toEqual([]);
      expect((await forget(store, { keepLast: 1 }, { timeZone: 'UTC' })).removed).toEqual([ids[0]]);
      const p = await pin(store, [ids[1]!]);
      expect(p.lost).toBe(false);
    });
  });
});
