import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityStore, runBackup } from '../src/backup/backup.engine.js';
import type { BackupIdentity } from '../src/backup/backup.types.js';
import { acquireLock, check, type ItemEntry, openStore } from '../src/store/index.js';
import { NON_ADMIN, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import type { RetryPolicy } from '../src/arcgis/retry.js';
import { sessionFor } from './support/emulator-session.js';

/** Patient enough to get through the injected faults, quick enough for a test. */
const RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 40, maxThrottleAttempts: 30 };

describe('runBackup under server errors, dropped connections and a busy store', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let identity: BackupIdentity;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder('orgkeeper-backup-faults-');
    identity = { id: 'identity-f', name: 'Faulty', fileLocation: `${folder.path}/store`, orgId: emu.orgId, portalUrl: emu.portalUrl };
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('retries through 5xx answers and connections reset mid-body, and stores exactly the same content', async () => {
    // Every request is faulted, the token endpoints included (rest-js caches a failed server-token request; the token
    // source replaces its identity manager after one, see arcgis/token-source.ts).
    emu.faults.update({ errorRate: 0.08, resetRate: 0.05, errorStyle: 'mixed', pathFilter: [] });
    let faulty;
    try {
      faulty = await runBackup({ identity, session: sessionFor(emu, { retry: RETRY }), name: 'Under faults' });
    } finally {
      emu.faults.update({ errorRate: 0, resetRate: 0, pathFilter: [] });
    }
    expect(emu.requestLog.snapshot(0).byFault).not.toEqual({});
    expect(faulty.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(faulty.status).toBe('complete');

    // A clean run into another store must give the same blobs for every part.
    const clean = await runBackup({ identity: { ...identity, fileLocation: `${folder.path}/clean` }, session: sessionFor(emu, { retry: RETRY }), name: 'Clean' });
    const parts = async (dir: string, id: string) => {
      const store = await openStore(dir);
      const map = new Map<string, Omit<ItemEntry, 'stats' | 'item' | 'sharing' | 'service'>>();
      for await (const { stats: _s, item: _i, service: _v, ...entry } of store.readList(await store.readSnapshot(id), 'items')) map.set(entry.id, entry);
      return map;
    };
    // Item JSON differs between runs (ArcGIS counts views); data, resources, thumbnails and metadata must not.
    expect(await parts(`${folder.path}/store`, faulty.snapshotId)).toEqual(await parts(`${folder.path}/clean`, clean.snapshotId));
    expect((await check(await openStore(`${folder.path}/store`), { readData: true })).ok).toBe(true);
  }, 60_000);

  it('backs up what a non-administrator may read and says what it could not', async () => {
    const result = await runBackup({ identity: { ...identity, fileLocation: `${folder.path}/publisher` }, session: sessionFor(emu, { user: NON_ADMIN, retry: RETRY }) });
    expect(result.problems).toContainEqual({ kind: 'user', id: '*', reason: expect.stringMatching(/^The users could not be listed \(this needs an administrator\)/) });
    expect(result.counts.users).toBe(0);
    expect(result.counts.ok).toBeGreaterThan(0);
    expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
    expect(result.status).toBe('complete');
  }, 30_000);

  it('refuses to run while another process holds the store', async () => {
    const store = await openIdentityStore(identity);
    const lock = await acquireLock(store, { kind: 'exclusive', operation: 'prune' });
    try {
      await expect(runBackup({ identity, session: sessionFor(emu, { retry: RETRY }) })).rejects.toMatchObject({ code: 'locked', message: expect.stringMatching(/in use by .*prune/) });
    } finally {
      await lock.release();
    }
  }, 30_000);

  it('refuses a File Location that holds other files', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    const other = `${folder.path}/not-empty`;
    await mkdir(other);
    await writeFile(`${other}/report.docx`, 'unrelated');
    await expect(runBackup({ identity: { ...identity, fileLocation: other }, session: sessionFor(emu, { retry: RETRY }) })).rejects.toMatchObject({ code: 'folder_not_empty' });
  }, 30_000);
});
