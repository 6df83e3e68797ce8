// Scale-out benchmark (issue 17): three identities (three emulated organizations, each `--scale 2` with 50 ms latency
// per request, served by one child process) backed up at once
//   - by one `orgkeeper worker` (running the three backups at once, --max-running 3), and
//   - by three `orgkeeper worker`s (one backup each, --max-running 1),
// both on one PostgreSQL database (a throwaway cluster from Debian's binaries, as the tests use); then the same single
// backup run by one worker on SQLite and on PostgreSQL. The workers are real processes of the built CLI
// (`packages/server/bin/orgkeeper.js`, so `npm run build` first: `npm run bench` does); the backups are queued by this
// process through the job system, as a web server would. Walls: from queueing to the last backup's end (the three
// backups), from the operation's start to its end (the single backup, where SQLite's workers find queued work by polling).
// Prints one JSON object on the last line of stdout; progress goes to stderr.
//
//   node scripts/bench.mjs workers
//   WORKERS_BENCH_SCALE=1 node --import tsx packages/server/bench/workers.bench.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { databaseTarget, loadConfig } from '../src/config/config.js';
import { connectDatabase, migrateToLatest, openSignals, type DatabaseTarget, type Db } from '../src/db/database.js';
import { createLogger } from '../src/logging/logger.js';
import type { OperationView } from '../src/operations/operation.types.js';
import { loadMasterKey } from '../src/secrets/master-key.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { createServices } from '../src/services.js';
import { runCli } from '../test/support/cli-runner.js';
import { startPostgresCluster } from '../test/support/postgres-cluster.js';

const scale = Number(process.env.WORKERS_BENCH_SCALE ?? 2);
const latencyMs = Number(process.env.WORKERS_BENCH_LATENCY_MS ?? 50);
const ORGS = 3;
const BIN = fileURLToPath(new URL('../bin/orgkeeper.js', import.meta.url));
const log = (message: string) => process.stderr.write(`workers.bench: ${message}\n`);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

interface EmulatorInfo {
  portalUrl: string;
  appId: string;
  admin: { username: string; password: string };
}

/** Child role: three emulated organizations; prints their coordinates (one JSON line), runs until stdin closes. */
async function serveEmulators(): Promise<void> {
  const { startEmulator } = await import('@orgkeeper/arcgis-emulator');
  const emus = await Promise.all(Array.from({ length: ORGS }, () => startEmulator({ host: '127.0.0.1', port: 0, quiet: true, scale, latencyMs })));
  process.stdout.write(`${JSON.stringify(emus.map((e) => ({ portalUrl: e.portalUrl, appId: e.appId, admin: e.admin }) satisfies EmulatorInfo))}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await Promise.all(emus.map((e) => e.close()));
}

/** A place OrgKeeper runs: a database (SQLite file or PostgreSQL URL), a data directory with the shared key, stores. */
interface Installation {
  dir: string;
  dataDir: string;
  databaseUrl: string | null;
  identities: string[];
}

async function install(dir: string, databaseUrl: string | null, emus: EmulatorInfo[], key: string): Promise<Installation> {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'master.key'), `${key}\n`, { mode: 0o600 });
  const identities: string[] = [];
  for (const [i, emu] of emus.entries()) {
    const added = await runCli(
      ['identities', 'add', '--type', 'online', '--name', `Org ${i + 1}`, '--url', emu.portalUrl, '--app-id', emu.appId, '--file-location', join(dir, `store-${i + 1}`),
        '--username', emu.admin.username, '--password-stdin', '--json', ...(databaseUrl ? ['--database-url', databaseUrl] : [])],
      { dataDir, stdin: `${emu.admin.password}\n` }
    );
    if (added.code !== 0) throw new Error(`identities add failed: ${added.stderr}`);
    identities.push((JSON.parse(added.stdout) as { identity: { id: string } }).identity.id);
  }
  return { dir, dataDir, databaseUrl, identities };
}

/** Starts `count` worker processes of the built CLI on the installation and waits until each says it runs. */
async function startWorkers(at: Installation, count: number, maxRunning: number): Promise<ChildProcess[]> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, [BIN, 'worker', '--max-running', String(maxRunning), '--log-level', 'warn'], {
        env: { ...env, ORGKEEPER_DATA_DIR: at.dataDir, ...(at.databaseUrl ? { ORGKEEPER_DATABASE_URL: at.databaseUrl } : {}) },
        stdio: ['ignore', 'ignore', 'pipe']
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          output += d.toString();
          if (/OrgKeeper worker \S+ is running/.test(output)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`a worker exited with code ${code}: ${output}`)));
      });
      return child;
    })
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        })
    )
  );
}

/** Queues a backup of each identity at once (as a web server would) and waits for all to end. */
async function backUp(at: Installation, identityIds: string[]): Promise<{ wallSeconds: number; operations: OperationView[] }> {
  const config = loadConfig({ flags: { dataDir: at.dataDir, ...(at.databaseUrl ? { databaseUrl: at.databaseUrl } : {}) }, env: {} });
  const target: DatabaseTarget = databaseTarget(config);
  const db: Db = await connectDatabase(target);
  const signals = openSignals(target, db);
  try {
    await migrateToLatest(db);
    const masterKey = await loadMasterKey(config);
    const services = createServices({ db, logger: createLogger({ level: 'silent' }), secretBox: new SecretBox(masterKey.key), signals });
    const started = performance.now();
    const queued = await Promise.all(identityIds.map((id) => services.operations.start('backup', id, { name: 'Bench' }, { kind: 'system', name: 'bench' })));
    let last = Date.now();
    for (;;) {
      const now = await Promise.all(queued.map((op) => services.operations.get(op.id)));
      if (now.every((op) => !['queued', 'running'].includes(op.status))) {
        const wallSeconds = (performance.now() - started) / 1000;
        const failed = now.filter((op) => op.status !== 'succeeded');
        if (failed.length > 0) throw new Error(`backups did not succeed: ${JSON.stringify(failed.map((op) => [op.status, op.message]))}`);
        return { wallSeconds, operations: now };
      }
      if (Date.now() - last > 15_000) {
        last = Date.now();
        log(now.map((op) => `${op.status} ${JSON.stringify(op.progress ?? {})}`).join(' | '));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await signals.close();
    await db.destroy();
  }
}

/** The operation's own time, start to end (what the worker spent, whoever queued it and when). */
const ownSeconds = (op: OperationView) => (Date.parse(op.finishedAt ?? '') - Date.parse(op.startedAt ?? '')) / 1000;

function describeRuns(operations: OperationView[]) {
  return operations.map((op) => ({
    seconds: round(ownSeconds(op)),
    worker: op.worker ? `${op.worker.host}:${op.worker.pid}` : null,
    items: (op.result as { counts?: { ok?: number } } | null)?.counts?.ok ?? null
  }));
}

async function main(): Promise<void> {
  const emulator = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, WORKERS_BENCH_ROLE: 'emulator' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-workers-bench-'));
  const cluster = await startPostgresCluster();
  const key = randomBytes(32).toString('base64');
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: emulator.stdout! }).once('line', resolve);
      emulator.once('exit', (code) => reject(new Error(`the emulator process exited with code ${code}`)));
    });
    const emus = JSON.parse(line) as EmulatorInfo[];

    // 1. Three backups at once: one worker running all three, then three workers one each (fresh stores each time).
    const oneWorker = await install(join(dir, 'one-worker'), await cluster.createDatabase(), emus, key);
    log(`three scale-${scale} organizations at ${latencyMs} ms, one worker (--max-running 3) on PostgreSQL`);
    let workers = await startWorkers(oneWorker, 1, 3);
    const one = await backUp(oneWorker, oneWorker.identities).finally(() => stopWorkers(workers));
    log(`one worker: ${round(one.wallSeconds)} s`);

    const threeWorkers = await install(join(dir, 'three-workers'), await cluster.createDatabase(), emus, key);
    log('the same with three workers (--max-running 1 each)');
    workers = await startWorkers(threeWorkers, 3, 1);
    const three = await backUp(threeWorkers, threeWorkers.identities).finally(() => stopWorkers(workers));
    log(`three workers: ${round(three.wallSeconds)} s`);

    // 2. One backup, one worker: SQLite, then PostgreSQL.
    const sqlite = await install(join(dir, 'sqlite'), null, emus.slice(0, 1), key);
    log('one backup by one worker on SQLite');
    workers = await startWorkers(sqlite, 1, 3);
    const onSqlite = await backUp(sqlite, sqlite.identities).finally(() => stopWorkers(workers));
    const postgres = await install(join(dir, 'postgres'), await cluster.createDatabase(), emus.slice(0, 1), key);
    log('the same on PostgreSQL');
    workers = await startWorkers(postgres, 1, 3);
    const onPostgres = await backUp(postgres, postgres.identities).finally(() => stopWorkers(workers));
    const sqliteSeconds = ownSeconds(onSqlite.operations[0]!);
    const postgresSeconds = ownSeconds(onPostgres.operations[0]!);

    const result = {
      scale,
      latencyMs,
      organizations: ORGS,
      itemsPerOrganization: (one.operations[0]?.result as { counts?: { ok?: number } } | null)?.counts?.ok ?? null,
      threeBackupsAtOnce: {
        oneWorker: { wallSeconds: round(one.wallSeconds), runs: describeRuns(one.operations) },
        threeWorkers: { wallSeconds: round(three.wallSeconds), runs: describeRuns(three.operations) },
        ratioOneToThree: round(one.wallSeconds / three.wallSeconds)
      },
      oneBackup: {
        sqliteSeconds: round(sqliteSeconds),
        postgresSeconds: round(postgresSeconds),
        ratioPostgresToSqlite: round(postgresSeconds / sqliteSeconds)
      }
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    emulator.stdin!.end();
    await new Promise((resolve) => (emulator.exitCode === null ? emulator.once('exit', resolve) : resolve(undefined)));
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.WORKERS_BENCH_ROLE === 'emulator') await serveEmulators();
else await main();
