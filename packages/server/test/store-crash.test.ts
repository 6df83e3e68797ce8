// Crash safety: a writer (blobs, streamed blobs, journal, lists, manifests, forget + prune) is SIGKILLed at random
// moments, many times. After every kill, every snapshot it reported as written is intact and check is clean; the next
// writer takes over the dead writer's lock and completes.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { check, summarizeCheck } from '../src/store/check.js';
import { listJournals, readJournal } from '../src/store/journal.js';
import { openStore } from '../src/store/store.js';
import { tempStore } from '../src/store/testing/fixtures.js';

const writer = fileURLToPath(new URL('../src/store/testing/crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const running = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
  for (const c of cleanups.splice(0)) await c();
});

function runWriter(dir: string, seed: number, options: { killAfterMs?: number; count?: number }) {
  const proc = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(seed), ...(options.count ? [String(options.count)] : [])], {
    cwd: repoRoot,
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

describe('store crash safety', () => {
  it('keeps earlier snapshots intact and check clean when the writer is killed at random moments', async () => {
    const { dir, cleanup } = await tempStore('orgkeeper-crash-');
    cleanups.push(cleanup);
    const mustSurvive = new Set<string>();
    let random = 7;
    const next = () => ((random = (random * 48271) % 2147483647) / 2147483647);
    let written = 0;
    for (let round = 0; round < 30; round++) {
      const run = runWriter(dir, round + 1, { killAfterMs: Math.floor(next() * 1500) });
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
      const store = await openStore(dir);
      const result = await check(store, { readData: round % 10 === 9 ? true : 0 });
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
    }
    expect(written).toBeGreaterThanOrEqual(5); // the writer did get to write snapshots between kills

    // The next run takes over the dead writer's lock, completes, and cleans up after the crashes.
    const finish = runWriter(dir, 999, { count: 2 });
    expect((await finish.exited).code, finish.stderr()).toBe(0);
    expect(finish.lines).toContain('done');
    const store = await openStore(dir);
    const final = await check(store, { readData: true });
    expect(final.ok, summarizeCheck(final)).toBe(true);
    expect(await readdir(store.paths.tmp)).toEqual([]);
    expect(await readdir(store.paths.locks)).toEqual([]);
  }, 300_000);
});
