import { appendFile } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import type { DiskStoreBackend } from './backend/disk/disk-store-backend.js';
import { JournalWriter, discardJournal, journalBlobs, listJournals, readJournal } from './journal.js';
import { newSnapshotId } from './snapshot-id.js';
import { isStoreError } from './store-error.js';
import { describeEachBackend, tempStoreOn } from './testing/backends.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describeEachBackend('journal', (kind, servers) => {
  async function fresh() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    return t;
  }

  it('records units, survives a torn last line, and resumes by appending', async () => {
    const t = await fresh();
    const runId = newSnapshotId();
    const a = await t.store.blobs.put(Buffer.from('a'));
    const b = await t.store.blobs.put(Buffer.from('b'));
    const journal = await JournalWriter.open(t.store, runId, { operation: 'backup', data: { name: 'Nightly' } }, { syncEveryLines: 2 });
    await Promise.all([journal.append('item:1', [a.hash], { title: 'One' }), journal.append('item:2', [b.hash])]);
    await journal.close();
    // Killed mid-line: only an appended file can tear (a batch on object storage is one object, whole or absent).
    if (kind === 'disk') await appendFile((t.store.backend as DiskStoreBackend).pathOf(`journal/${runId}.jsonl`), '{"type":"unit","key":"item:3","blo');

    const read = await readJournal<{ title: string }>(t.store, runId);
    expect(read!.header).toMatchObject({ type: 'run', runId, operation: 'backup', data: { name: 'Nightly' }, pid: process.pid });
    expect([...read!.units.keys()]).toEqual(['item:1', 'item:2']);
    expect(read!.units.get('item:1')!.data).toEqual({ title: 'One' });
    expect(read!.damagedLines).toBe(kind === 'disk' ? 1 : 0);

    const resumed = await JournalWriter.open(t.store, runId, { operation: 'backup' });
    await resumed.append('item:3', [a.hash, b.hash]);
    await resumed.close();
    const again = await readJournal(t.store, runId);
    expect([...again!.units.keys()]).toEqual(['item:1', 'item:2', 'item:3']);
    expect((await t.store.backend.readLog(`journal/${runId}.jsonl`))!.bytes.toString('utf8').match(/"type":"run"/g)).toHaveLength(1);

    expect(await journalBlobs(t.store)).toEqual(new Set([a.hash, b.hash]));
    expect((await listJournals(t.store)).map((j) => [j.runId, j.units])).toEqual([[runId, 3]]);
    await discardJournal(t.store, runId);
    expect(await listJournals(t.store)).toEqual([]);
    expect(await readJournal(t.store, runId)).toBeUndefined();
  });

  it('rejects bad hashes and run ids', async () => {
    const t = await fresh();
    await expect(JournalWriter.open(t.store, '../../x', { operation: 'backup' })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
    const journal = await JournalWriter.open(t.store, newSnapshotId(), { operation: 'backup' });
    await expect(journal.append('item:1', ['not-a-hash'])).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
    await journal.discard();
  });
});
