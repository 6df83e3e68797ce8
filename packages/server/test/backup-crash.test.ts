/**
 * Crash safety (issue 4, "Safe"): a backup process is SIGKILLed at random moments, many times. After every kill the
 * snapshots that existed before are untouched and pass `check`, the store's check is clean, and the next run
 * completes; a run that continues an interrupted one does not download again what the killed run had stored.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, listJournals, openStore } from '../src/store/index.js';
import type { BackupChildSettings } from './support/backup-child.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

const CHILD = fileURLToPath(new URL('./support/backup-child.ts', import.meta.url));
/** `orgkeeper` from source, in its own process. */
const CLI_CHILD = fileURLToPath(new URL('./support/orgkeeper-child.ts', import.meta.url));
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChildRun {
  child: ChildProcess;
  /** Resolves when the process ends: its result line (undefined when killed) and exit. */
  done: Promise<{ result?: ChildResult; code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves when the engine reports the items phase (it has listed the org and is downloading). */
  downloading: Promise<void>;
}

interface ChildResult {
  snapshotId: string;
  status: string;
  resumed: boolean;
  counts: { ok: number; skipped: number; failed: number; carriedOver: number };
  failed: unknown[];
}

function startChild(settings: BackupChildSettings): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(settings)], { cwd: SERVER_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let result: ChildResult | undefined;
  let markDownloading: () => void = () => undefined;
  const downloading = new Promise<void>((resolve) => (markDownloading = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { progress?: { phase: string; itemsDone: number }; result?: ChildResult };
    if (message.progress?.phase === 'items' && message.progress.itemsDone > 0) markDownloading();
    if (message.result) result = message.result;
  });
  const done = new Promise<{ result?: ChildResult; code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => setImmediate(() => resolve({ result, code, signal, stderr })))
  );
  return { child, done, downloading };
}

/** The ids of the snapshots in the store and the bytes of their manifests (a manifest never changes once written). */
async function manifests(dir: string): Promise<Map<string, string>> {
  const store = await openStore(dir);
  const map = new Map<string, string>();
  for (const s of (await store.listSnapshots()).snapshots) map.set(s.id, await readFile(join(dir, 'snapshots', `${s.id}.json`), 'utf8'));
  return map;
}

/** Requests that download item content: data, resources, thumbnails, metadata, features and attachments. */
function contentRequests(emu: EmulatorHandle): number {
  const byEndpoint = emu.requestLog.snapshot(0).byEndpoint;
  return Object.entries(byEndpoint)
    .filter(([endpoint]) => /items\/(data|resources|info)|query|attachments/.test(endpoint))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** A deterministic pseudo-random sequence (the test must be reproducible from its seed, printed on failure). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('killing the backup process at any moment', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  const running = new Set<ChildProcess>();
  const settingsFor = (fileLocation: string): BackupChildSettings => ({
    restUrl: emu.restUrl,
    portalUrl: emu.portalUrl,
    orgId: emu.orgId,
    admin: emu.admin,
    fileLocation,
    concurrency: 4
  });
  const run = (fileLocation: string) => {
    const started = startChild(settingsFor(fileLocation));
    running.add(started.child);
    void started.done.then(() => running.delete(started.child));
    return started;
  };
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  beforeAll(async () => {
    // Latency makes a full run of the demo org take a few seconds, so random kills land in every phase.
    emu = await startTestEmulator({ kind: 'online', latencyMs: 25 });
    folder = await tempFolder('orgkeeper-backup-crash-');
  }, 60_000);
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await emu?.close();
    await folder?.remove();
  });

  let fullRun = { ms: 0, contentRequests: 0 };

  it('resumes a killed first run without downloading again what it had stored', async () => {
    // A complete run into its own store: the reference for time and content requests.
    emu.requestLog.reset();
    const started = Date.now();
    const reference = await run(join(folder.path, 'reference')).done;
    expect(reference.result, reference.stderr).toMatchObject({ status: 'complete', counts: { failed: 0, skipped: 0 } });
    fullRun = { ms: Date.now() - started, contentRequests: contentRequests(emu) };
    console.log(`full run: ${fullRun.ms} ms, ${fullRun.contentRequests} content requests`);
    expect(fullRun.contentRequests).toBeGreaterThan(50);

    // Kill a first run once it has stored some items (its journal holds them), then run again.
    const dir = join(folder.path, 'resume');
    const killed = run(dir);
    await killed.downloading;
    await new Promise((r) => setTimeout(r, fullRun.ms / 4));
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const store = await openStore(dir);
    expect((await store.listSnapshots()).snapshots).toEqual([]);
    const journals = await listJournals(store);
    expect(journals).toHaveLength(1);
    expect(journals[0]!.units).toBeGreaterThan(0);
    expect((await check(store)).ok).toBe(true);

    emu.requestLog.reset();
    const resumed = await run(dir).done;
    expect(resumed.result, resumed.stderr).toMatchObject({ status: 'complete', resumed: true, counts: { ok: orgItems().length, failed: 0 } });
    // The journaled items were not downloaded again.
    const again = contentRequests(emu);
    expect(again).toBeLessThan(fullRun.contentRequests);
    expect(resumed.result!.snapshotId).toBe(journals[0]!.runId);
    expect(await listJournals(store)).toEqual([]);
    expect((await check(store, { readData: true })).ok).toBe(true);
  }, 90_000);

  it('keeps every earlier snapshot intact and check clean through random kills, and the next run completes', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const rnd = random(seed);
    const dir = join(folder.path, 'random');
    const deadline = Date.now() + 70_000;
    const iterations = 18;
    let kills = 0;
    let lastRunMs = fullRun.ms;
    let completed = 0;
    for (let i = 0; i < iterations && Date.now() < deadline; i++) {
      // Change a few items each round so later runs download again (not only carry everything over).
      const items = orgItems();
      for (let k = 0; k < 12; k++) items[Math.floor(rnd() * items.length)]!.json.modified = Date.now() + i;

      const expectedMs = i === 0 ? fullRun.ms : lastRunMs;
      const startedAt = Date.now();
      const before = await manifests(dir).catch(() => new Map<string, string>());
      // An interrupted run left by the previous kill (none before the store exists).
      const journalsBefore = await openStore(dir).then(listJournals, () => []);
      const child = run(dir);
      // Every fourth run goes to the end: the run after kills must complete (and resume an interrupted run).
      const letFinish = i % 4 === 3;
      if (!letFinish) {
        // Anywhere from process start-up to a little past the end of a typical run.
        const delay = Math.floor(rnd() * (expectedMs * 1.1));
        await Promise.race([new Promise((r) => setTimeout(r, delay)), child.done]);
        child.child.kill('SIGKILL');
      }
      const outcome = await child.done;
      const at = `iteration ${i} (seed ${seed})`;
      if (outcome.signal === 'SIGKILL') kills += 1;
      else {
        expect(outcome.code, `${at}: ${outcome.stderr}`).toBe(0);
        expect(outcome.result, at).toMatchObject({ status: 'complete', counts: { failed: 0 } });
        if (journalsBefore.length > 0) expect(outcome.result!.resumed, at).toBe(true);
        completed += 1;
        lastRunMs = Date.now() - startedAt;
      }
      if (letFinish) expect(outcome.result, `${at}: ${outcome.stderr}`).toBeDefined();

      // Earlier snapshots: all still there, byte for byte; the store checks clean (structure).
      const after = await manifests(dir).catch((error: unknown) => {
        // Killed before store.json was written: there is no store yet, and nothing to damage.
        if (before.size === 0) return new Map<string, string>();
        throw error;
      });
      for (const [id, manifest] of before) expect(after.get(id), `${at}: snapshot ${id}`).toBe(manifest);
      if (after.size > 0 || i > 0) {
        const store = await openStore(dir).catch(() => undefined);
        if (store) {
          const result = await check(store);
          expect(result.problems, at).toEqual([]);
          expect(result.ok, `${at}: ${JSON.stringify(result.errors)}`).toBe(true);
        }
      }
    }
    console.log(`seed ${seed}: ${kills} kills, ${completed} runs completed`);
    expect(kills).toBeGreaterThanOrEqual(8);

    // The next run completes, and the store (every snapshot, every blob re-hashed) is sound.
    const last = await run(dir).done;
    expect(last.result, last.stderr).toMatchObject({ status: 'complete', counts: { ok: orgItems().length, failed: 0 } });
    completed += 1;
    const store = await openStore(dir);
    expect(await listJournals(store)).toEqual([]);
    const final = await check(store, { readData: true });
    expect(final.ok, JSON.stringify(final.problems)).toBe(true);
    expect(final.snapshots.total).toBeGreaterThanOrEqual(completed);
  }, 120_000);
});

/**
 * `orgkeeper backup` runs as an operation in its own process: killed, its operation is left `running` with a dead
 * runner, and the next backup is not refused for it; while it runs, a second backup of the identity is refused and a
 * cancel from another process stops it cleanly.
 */
describe('orgkeeper backup as an operation, across processes', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  const running = new Set<ChildProcess>();
  const cli = (args: string[]) => runCli(args, { dataDir: data.path });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  interface Op {
    id: string;
    kind: string;
    status: string;
    createdBy: string;
    message: string | null;
    params: Record<string, unknown>;
    progress: { phase?: string; itemsDone?: number } | null;
    snapshotId: string | null;
  }
  const operations = async (): Promise<Op[]> => {
    const listed = await cli(['operations', 'list', '--identity', 'Springfield', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    return (JSON.parse(listed.stdout) as { operations: Op[] }).operations;
  };

  /** Starts `orgkeeper backup` in a child process; resolves with its output when it ends. */
  const spawnBackup = (args: string[]) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_CHILD, 'backup', '--identity', 'Springfield', ...args], {
      cwd: SERVER_ROOT,
      env: { ...env, ORGKEEPER_DATA_DIR: data.path, ORGKEEPER_PUBLIC_URL: 'https://orgkeeper.example.org' },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal, stdout, stderr });
      })
    );
    return { child, done };
  };

  /** Waits until the child's backup operation runs and has stored some items. */
  const downloading = async (done: Promise<unknown>): Promise<Op> => {
    let ended = false;
    void done.then(() => (ended = true));
    for (;;) {
      const op = (await operations()).find((o) => o.kind === 'backup' && o.status === 'running' && (o.progress?.itemsDone ?? 0) > 0);
      if (op) return op;
      if (ended) throw new Error('The backup process ended before it was seen downloading.');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Every item changed since the last backup, so the next one downloads them all again (and takes a while). */
  const touchAll = () => {
    for (const item of orgItems()) item.json.modified = Date.now();
  };

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online', latencyMs: 25 });
    ({ emu, data } = fixture);
    await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: join(fixture.backups.path, 'springfield') });
  }, 60_000);
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await fixture?.close();
  });

  it('is not refused after a killed run: the dead run becomes interrupted and the next one continues it', async () => {
    const killed = spawnBackup(['--concurrency', '2']);
    const op = await downloading(killed.done);
    expect(op).toMatchObject({ createdBy: 'cli', params: { concurrency: 2 } });
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    // Nobody was left to end it: the row still says running, with the dead process as its runner.
    expect((await operations()).find((o) => o.id === op.id)).toMatchObject({ status: 'running' });

    const next = await cli(['backup', '--identity', 'Springfield', '--json']);
    expect(next.code, next.stderr).toBe(0);
    const body = JSON.parse(next.stdout) as { snapshotId: string; operationId: string; resumed: boolean; status: string; counts: { ok: number; failed: number } };
    expect(body).toMatchObject({ status: 'complete', resumed: true, counts: { ok: orgItems().length, failed: 0 } });
    const after = await operations();
    expect(after.find((o) => o.id === op.id)).toMatchObject({ status: 'interrupted', message: expect.stringMatching(/continues where it stopped/) });
    expect(after.find((o) => o.id === body.operationId)).toMatchObject({ status: 'succeeded', createdBy: 'cli', snapshotId: body.snapshotId });
  }, 90_000);

  it('refuses a second backup of the identity while one runs, and stops cleanly on a cancel from another process', async () => {
    touchAll();
    // Slow answers keep the first backup running for long enough to be refused beside and cancelled.
    emu.faults.update({ latencyMs: 250 });
    try {
      const first = spawnBackup(['--concurrency', '1']);
      const op = await downloading(first.done);

      const refused = await cli(['backup', '--identity', 'Springfield']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`A backup of "Springfield" is already running (operation ${op.id}).`);
      expect(refused.stderr).toContain(`orgkeeper operations cancel ${op.id}`);
      // The refused backup left nothing behind (no queued operation the server would pick up later).
      expect((await operations()).filter((o) => o.status === 'queued')).toEqual([]);

      const cancelled = await cli(['operations', 'cancel', op.id]);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      const outcome = await first.done;
      expect(outcome.code, `${cancelled.stdout}\n${outcome.stdout}\n${outcome.stderr}`).toBe(1);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/orgkeeper: backup stopped\. Cancelled by cli\..*Run the same command again to continue where it stopped\./);
      expect((await operations()).find((o) => o.id === op.id)).toMatchObject({ status: 'cancelled' });
    } finally {
      emu.faults.update({ latencyMs: 25 });
    }

    // Run again: it continues the cancelled run and completes.
    const again = await cli(['backup', '--identity', 'Springfield', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'complete', resumed: true, counts: { failed: 0 } });
  }, 120_000);

  it('stops cleanly on Ctrl-C: the operation is cancelled and the next run continues it', async () => {
    touchAll();
    emu.faults.update({ latencyMs: 250 });
    try {
      const first = spawnBackup(['--concurrency', '1', '--json']);
      const op = await downloading(first.done);
      first.child.kill('SIGINT');
      const outcome = await first.done;
      expect(outcome.code, outcome.stderr).toBe(1);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/^orgkeeper: backup stopped\. Cancelled by cli\. .*Run the same command again to continue where it stopped\.\n$/);
      expect((await operations()).find((o) => o.id === op.id)).toMatchObject({ status: 'cancelled' });
    } finally {
      emu.faults.update({ latencyMs: 25 });
    }
    const again = await cli(['backup', '--identity', 'Springfield', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'complete', resumed: true, counts: { failed: 0 } });
  }, 120_000);
});
