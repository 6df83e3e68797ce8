// Crash safety: a writer (blobs, streamed blobs, journal, lists, manifests, forget + prune) is SIGKILLed at random
// moments, many times. After every kill, every snapshot it reported as written is intact and check is clean; the next
// writer takes over the dead writer's lock and completes.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { DiskStoreBackend } from '../src/store/backend/disk/disk-store-backend.js';
import { check, summarizeCheck } from '../src/store/check.js';
import { listJournals, readJournal } from '../src/store/journal.js';
import { readLock } from '../src/store/lock.js';
import { openStore } from '../src/store/store.js';
import { type TestLocation, describeEachBackend, tempStoreOn } from '../src/store/testing/backends.js';
import { cleanUpAfterEach } from './support/child-cleanup.js';

const writer = fileURLToPath(new URL('../src/store/testing/crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const { running, cleanups } = cleanUpAfterEach();

function runWriter(at: TestLocation, seed: number, options: { killAfterMs?: number; count?: number }) {
  const proc = spawn(process.execPath, ['--import', 'tsx', writer, at.text, String(seed), ...(options.count ? [String(options.count)] : [])], {
    cwd: repoRoot,
    env: { ...process.env, ...at.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  running.add(proc);
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    // Kill at a random moment after start-up, while it writes.
    if (options.killAfterMs !== undefined && parts.includes('ready')) setTimeout(() => proc.kill('SIGKILL'), options.killAfterMs);
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    })
  );
  return { lines, exited, stderr: () => stderr };
}

// Object storage is slower per write, so its writer gets longer before each kill, and fewer rounds keep the run short.
const ROUNDS = { disk: { rounds: 30, killWithinMs: 1500, written: 5 }, s3: { rounds: 6, killWithinMs: 4000, written: 2 }, azure: { rounds: 6, killWithinMs: 4000, written: 2 } };

describeEachBackend('store crash safety', (kind, servers) => {
  it('keeps earlier snapshots intact and check clean when the writer is killed at random moments', async () => {
    const { store: created, at, cleanup } = await tempStoreOn(servers, kind, { label: 'crash' });
    cleanups.push(cleanup);
    const plan = ROUNDS[kind];
    const mustSurvive = new Set<string>();
    let random = 7;
    const next = () => ((random = (random * 48271) % 2147483647) / 2147483647);
    let written = 0;
    for (let round = 0; round < plan.rounds; round++) {
      const run = runWriter(at, round + 1, { killAfterMs: Math.floor(next() * plan.killWithinMs) });
      const { signal, code } = await run.exited;
      expect(signal, `writer ended by itself (code ${code}): ${run.stderr()}`).toBe('SIGKILL');
      for (const line of run.lines) {
        const [word, id] = line.split(' ');
        if (word === 'snapshot') {
          mustSurvive.add(id!);
          written += 1;
        }
        if (word === 'forgetting') mustSurvive.delete(id!);
      }
      const store = await openStore(at.location);
      const result = await check(store, { readData: round % 10 === 9 || round === plan.rounds - 1 ? true : 0 });
      expect(result.ok, `round ${round}: ${summarizeCheck(result)}`).toBe(true);
      const present = new Set((await store.listSnapshots()).snapshots.map((s) => s.id));
      for (const id of mustSurvive) expect(present.has(id), `round ${round}: snapshot ${id} lost`).toBe(true);
      // A resumable run's journal only names blobs that are stored: resuming can skip those units safely.
      for (const journal of await listJournals(store)) {
        const contents = await readJournal(store, journal.runId);
        expect(contents?.header?.runId).toBe(journal.runId);
        for (const unit of contents!.units.values()) {
          for (const hash of unit.blobs) expect(await store.blobs.has(hash), `round ${round}: journal ${journal.runId} names missing ${hash}`).toBe(true);
        }
      }
      await store.close();
    }
    expect(written).toBeGreaterThanOrEqual(plan.written); // the writer did get to write snapshots between kills

    // The next run takes over the dead writer's lock, completes, and cleans up after the crashes.
    const finish = runWriter(at, 999, { count: 2 });
    expect((await finish.exited).code, finish.stderr()).toBe(0);
    expect(finish.lines).toContain('done');
    const store = await openStore(at.location);
    const final = await check(store, { readData: true });
    expect(final.ok, summarizeCheck(final)).toBe(true);
    expect(await readLock(store)).toBeUndefined();
    if (kind === 'disk') {
      const { paths } = store.backend as DiskStoreBackend;
      expect(await readdir(paths.tmp)).toEqual([]);
      expect(await readdir(paths.locks)).toEqual([]);
    } else {
      expect(await readdir(at.spoolDir!)).toEqual([]);
    }
    await store.close();
    await created.close();
  }, 300_000);
});
