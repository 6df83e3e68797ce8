/**
 * Issue 17, scale out: real OrgKeeper processes on one throwaway PostgreSQL database, as on several machines (each
 * its own data directory, the same master key): a web server started with --no-worker and three `orgkeeper worker`s,
 * against one emulated organization shared by all.
 *
 * - ten operations queued at once are each run exactly once, by the workers;
 * - a schedule fires once, with four schedulers running (the server's and each worker's);
 * - a cancel from the web server stops a backup a worker runs, and the server streams its progress, log rows and end
 *   live (SSE) although another process runs it;
 * - SIGKILL of the worker running a backup: another worker takes it over and finishes it, the snapshot is complete
 *   and `check` is clean; the workers list shows the killed worker as lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationView } from '../src/operations/operation.types.js';
import type { WorkerListView } from '../src/operations/worker.types.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { POSTGRES_INSTALL_HINT, postgresAvailable, startPostgresCluster, type PostgresCluster } from './support/postgres-cluster.js';
import { readEventStream } from './support/event-stream.js';
import { ApiClient } from './support/server-harness.js';
import type { TempFolder } from './support/org-fixture.js';
import { until as waitUntil } from './support/until.js';

const CLI_CHILD = fileURLToPath(new URL('./support/orgkeeper-child.ts', import.meta.url));
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';
/** Short, so the test sees a killed worker's operation taken over within seconds (the default is 30). */
const STALE_AFTER_SECONDS = 4;
const SCAN_TYPES = ['stale-items', 'missing-metadata', 'storage', 'over-shared', 'inactive-users'] as const;

interface OrgKeeperProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Workers are separate processes that start and poll: a long wait, polled gently. */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000) => waitUntil(probe, { what, timeoutMs, intervalMs: 100 });

const suite = postgresAvailable() ? describe : describe.skip;

suite(`several OrgKeeper processes on one PostgreSQL database${postgresAvailable() ? '' : ` (skipped: ${POSTGRES_INSTALL_HINT})`}`, () => {
  let cluster: PostgresCluster;
  let url: string;
  let sql: pg.Client;
  let emu: EmulatorHandle;
  let stores: TempFolder;
  const folders: TempFolder[] = [];
  const processes: OrgKeeperProcess[] = [];
  let cliDir: string;
  let key: string;
  let api: ApiClient;
  let identities: { a: string; b: string };

  const cli = (args: string[], stdin?: string) => runCli([...args, '--database-url', url], { dataDir: cliDir, ...(stdin !== undefined ? { stdin } : {}) });

  /** A data directory of its own with the shared master key, as another machine would have. */
  async function machineDir(): Promise<string> {
    const folder = await tempFolder('orgkeeper-machine-');
    folders.push(folder);
    await writeFile(join(folder.path, 'master.key'), `${key}\n`, { mode: 0o600 });
    return folder.path;
  }

  /** Starts `orgkeeper <args>` in a process of its own and waits for `ready` in what it writes. */
  async function start(name: string, args: string[], ready: RegExp): Promise<OrgKeeperProcess & { match: RegExpMatchArray }> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_CHILD, ...args], {
      cwd: SERVER_ROOT,
      env: {
        ...env,
        ORGKEEPER_DATA_DIR: await machineDir(),
        ORGKEEPER_DATABASE_URL: url,
        ORGKEEPER_STALE_AFTER: String(STALE_AFTER_SECONDS),
        ORGKEEPER_MAX_RUNNING: '2',
        ORGKEEPER_LOG_LEVEL: 'warn'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const started: OrgKeeperProcess = { name, child, output: () => output, exited };
    processes.push(started);
    let ended = false;
    void exited.then(() => (ended = true));
    const match = await until(`${name} to start`, async () => {
      if (ended) throw new Error(`${name} exited before it was ready:\n${output}`);
      return ready.exec(output) ?? undefined;
    });
    return { ...started, match };
  }

  const operation = async (id: string) => (await api.get<OperationView>(`/api/operations/${id}`)).body;
  const workers = async () => (await api.get<WorkerListView>('/api/workers')).body;
  const finished = (id: string, timeoutMs = 120_000) =>
    until(`operation ${id} to end`, async () => {
      const op = await operation(id);
      return ['queued', 'running'].includes(op.status) ? undefined : op;
    }, timeoutMs);
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const workerProcesses = () => processes.filter((p) => p.name.startsWith('worker'));

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    url = await cluster.createDatabase();
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
    emu = await startTestEmulator({ kind: 'online', latencyMs: 20 });
    stores = await tempFolder();
    key = randomBytes(32).toString('base64');
    cliDir = await machineDir();

    // The first administrator and two identities, from the command line (this also migrates the database).
    const admin = await cli(['admin', 'create', '--username', 'admin', '--password-stdin'], `${PASSWORD}\n`);
    expect(admin.code, admin.stderr).toBe(0);
    const add = async (name: string) => {
      const added = await runCli(
        ['identities', 'add', '--type', 'online', '--name', name, '--url', emu.portalUrl, '--app-id', emu.appId, '--file-location', join(stores.path, name.toLowerCase()), '--username', emu.admin.username, '--password-stdin', '--json', '--database-url', url],
        { dataDir: cliDir, stdin: `${emu.admin.password}\n` }
      );
      expect(added.code, added.stderr).toBe(0);
      return (JSON.parse(added.stdout) as { identity: { id: string } }).identity.id;
    };
    identities = { a: await add('Springfield'), b: await add('Shelbyville') };

    // Three workers and a web server that runs no operations itself, started at once.
    const [server] = await Promise.all([
      start('server', ['serve', '--host', '127.0.0.1', '--port', '0', '--no-worker'], /listening on (http:\/\/127\.0\.0\.1:\d+)/),
      start('worker 1', ['worker'], /OrgKeeper worker \S+ is running/),
      start('worker 2', ['worker'], /OrgKeeper worker \S+ is running/),
      start('worker 3', ['worker'], /OrgKeeper worker \S+ is running/)
    ]);
    api = new ApiClient(server.match[1]!);
    const login = await api.post('/api/auth/login', { username: 'admin', password: PASSWORD });
    expect(login.status, login.text).toBe(200);
  }, 180_000);

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))])));
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await sql?.end().catch(() => undefined);
    await emu?.close();
    await cluster?.stop();
    for (const folder of [...folders, ...(stores ? [stores] : [])]) await folder.remove();
  }, 60_000);

  it('lists the server and the workers, in the API and with `orgkeeper workers`', async () => {
    const list = await workers();
    const pids = new Map(processes.map((p) => [p.child.pid, p.name]));
    expect(list.workers.map((w) => [pids.get(w.pid), w.kind, w.runsJobs, w.state]).sort()).toEqual([
      ['server', 'server', false, 'running'],
      ['worker 1', 'worker', true, 'running'],
      ['worker 2', 'worker', true, 'running'],
      ['worker 3', 'worker', true, 'running']
    ]);
    expect(list.workers.every((w) => w.maxRunning === (w.runsJobs ? 2 : 0) && w.version !== '' && w.host !== '')).toBe(true);
    expect(list.staleAfterSeconds).toBe(STALE_AFTER_SECONDS);

    const table = await cli(['workers']);
    expect(table.code, table.stderr).toBe(0);
    for (const p of processes) expect(table.stdout).toMatch(new RegExp(`\\s${p.child.pid}\\s+(worker|server \\(no jobs\\))\\s+running\\s`));
    const json = await cli(['workers', '--json']);
    expect((JSON.parse(json.stdout) as WorkerListView).workers).toHaveLength(4);
  });

  it('runs ten operations queued at once each exactly once, on the workers', async () => {
    // Scans answer slowly enough that the workers (two operations at a time each) share them.
    emu.faults.update({ latencyMs: 150 });
    try {
      const requests = [identities.a, identities.b].flatMap((identityId) => SCAN_TYPES.map((type) => api.post<{ operationId: string }>(`/api/identities/${identityId}/scans`, { type })));
      const started = await Promise.all(requests);
      for (const r of started) expect(r.status, r.text).toBe(202);
      const ids = started.map((r) => r.body.operationId);
      const ended = await Promise.all(ids.map((id) => finished(id)));
      for (const op of ended) expect(op, JSON.stringify(op)).toMatchObject({ kind: 'scan', status: 'succeeded', attempt: 0 });

      // Each was claimed by one worker process (never the --no-worker server), ran once and ended once.
      const workerPids = new Set(workerProcesses().map((p) => p.child.pid));
      for (const op of ended) expect(workerPids.has(op.worker?.pid)).toBe(true);
      expect(new Set(ended.map((op) => op.worker?.id)).size).toBeGreaterThan(1);
      const finishes = await sql.query<{ target: string; n: string }>(
        `select details::json->>'operationId' as target, count(*) as n from audit_events where action = 'scan.finish' group by 1`
      );
      expect(new Map(finishes.rows.map((r) => [r.target, Number(r.n)]))).toEqual(new Map(ids.map((id) => [id, 1])));
      const scans = await sql.query<{ operation_id: string; n: string }>(`select operation_id, count(*) as n from clean_scans group by operation_id`);
      expect(new Map(scans.rows.map((r) => [r.operation_id, Number(r.n)]))).toEqual(new Map(ids.map((id) => [id, 1])));
      // Nothing is left holding a key.
      expect((await sql.query('select * from operation_locks')).rows).toEqual([]);
    } finally {
      emu.faults.update({ latencyMs: 20 });
    }
  }, 180_000);

  it('fires a schedule once with four schedulers running', async () => {
    const created = await api.post<{ id: string }>(`/api/identities/${identities.a}/schedules`, {
      name: 'Group review',
      timing: { preset: 'daily', time: '03:00' },
      timeZone: 'UTC',
      action: { kind: 'scan', type: 'groups' }
    });
    expect(created.status, created.text).toBe(201);
    const scheduleId = created.body.id;
    // Due in a moment for all of them at once: the time is moved, and a change signalled as an edit would.
    const due = new Date(Date.now() + 1500).toISOString();
    await sql.query('update schedules set next_run_at = $1 where id = $2', [due, scheduleId]);
    await sql.query(`select pg_notify('orgkeeper_schedules', $1)`, [scheduleId]);

    const fired = await until('the schedule to fire', async () => {
      const schedule = (await api.get<{ lastOperationId: string | null }>(`/api/schedules/${scheduleId}`)).body;
      return schedule.lastOperationId ?? undefined;
    });
    expect(await finished(fired)).toMatchObject({ kind: 'scan', status: 'succeeded', createdBy: 'scheduler' });
    // Give any second firing the time to show.
    await new Promise((r) => setTimeout(r, 3000));
    const runs = await sql.query<{ slot_at: string; fired_by: string; operation_id: string }>('select slot_at, fired_by, operation_id from schedule_runs where schedule_id = $1', [scheduleId]);
    expect(runs.rows).toEqual([{ slot_at: due, fired_by: expect.any(String), operation_id: fired }]);
    const started = await sql.query(`select id from operations where created_by = 'scheduler'`);
    expect(started.rows).toEqual([{ id: fired }]);
    const audited = await sql.query(`select result from audit_events where action = 'schedule.run' and target = $1`, [scheduleId]);
    expect(audited.rows).toEqual([{ result: 'success' }]);
    expect((await api.delete(`/api/schedules/${scheduleId}`)).status).toBe(204);
  }, 120_000);

  it('cancels from the web server a backup a worker runs, after streaming its progress and log rows live', async () => {
    emu.faults.update({ latencyMs: 200 });
    try {
      const started = await api.post<{ operationId: string }>(`/api/identities/${identities.b}/backups`, { name: 'To be cancelled', concurrency: 1 });
      expect(started.status, started.text).toBe(202);
      const id = started.body.operationId;
      const events = readEventStream(api, `/api/operations/${id}/events`, (seen) => seen.at(-1)?.event === 'end', AbortSignal.timeout(120_000));
      const running = await until('the backup to store items', async () => {
        const op = await operation(id);
        return op.status === 'running' && Number((op.progress as { itemsDone?: number } | null)?.itemsDone ?? 0) > 0 ? op : undefined;
      });
      const runner = workerProcesses().find((p) => p.child.pid === running.worker?.pid);
      expect(runner, `runs on ${JSON.stringify(running.worker)}`).toBeDefined();
      expect((await workers()).workers.find((w) => w.pid === runner?.child.pid)?.operations.map((o) => [o.id, o.kind, o.identityName])).toEqual([[id, 'backup', 'Shelbyville']]);

      const cancelled = await api.post<OperationView>(`/api/operations/${id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      // The server asked through the database and waited: the worker had stopped the backup before it answered.
      expect(cancelled.body).toMatchObject({ status: 'cancelled', message: expect.stringMatching(/^Cancelled by admin\./), worker: { pid: runner?.child.pid } });

      const seen = await events;
      expect(seen.at(-1)?.event).toBe('end');
      // Its progress as the worker wrote it (the row, about once a second) reached the server's stream.
      expect(seen.filter((e) => e.event === 'progress').length).toBeGreaterThan(0);
      const statuses = seen.filter((e) => e.event === 'status').map((e) => (e.data as { operation: OperationView }).operation.status);
      expect(statuses[0]).toMatch(/queued|running/);
      expect(statuses.at(-1)).toBe('cancelled');
      // The log rows written by the worker reached the server's stream.
      expect(seen.some((e) => e.event === 'items')).toBe(true);
    } finally {
      emu.faults.update({ latencyMs: 20 });
    }
  }, 120_000);

  it('takes over a backup whose worker was killed: another worker finishes it, complete, and check is clean', async () => {
    emu.faults.update({ latencyMs: 60 });
    let killed: OrgKeeperProcess | undefined;
    try {
      const started = await api.post<{ operationId: string }>(`/api/identities/${identities.a}/backups`, { name: 'Survives a worker', concurrency: 2 });
      expect(started.status, started.text).toBe(202);
      const id = started.body.operationId;
      const running = await until('the backup to store items', async () => {
        const op = await operation(id);
        return op.status === 'running' && Number((op.progress as { itemsDone?: number } | null)?.itemsDone ?? 0) > 0 ? op : undefined;
      });
      killed = workerProcesses().find((p) => p.child.pid === running.worker?.pid);
      expect(killed, `runs on ${JSON.stringify(running.worker)}`).toBeDefined();
      killed!.child.kill('SIGKILL');
      expect((await killed!.exited).signal).toBe('SIGKILL');
      emu.faults.update({ latencyMs: 20 });

      const done = await finished(id);
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(done.worker?.pid).not.toBe(killed!.child.pid);
      expect(workerProcesses().some((p) => p.child.pid === done.worker?.pid)).toBe(true);
      const result = done.result as { snapshotStatus: string; resumed: boolean; counts: { ok: number; failed: number } };
      expect(result).toMatchObject({ snapshotStatus: 'complete', resumed: true, counts: { ok: orgItems().length, failed: 0 } });
      const takeover = await sql.query(`select actor_name, details from audit_events where action = 'operation.resume' and target = $1`, [id]);
      expect(takeover.rows).toEqual([{ actor_name: 'recovery', details: expect.stringContaining(`"takenOverFrom":"${running.worker?.id}"`) }]);

      const check = await cli(['check', '--identity', 'Springfield', '--json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, journals: [] });

      // The killed worker is listed as lost once it has been silent past the limit; the others run on.
      const list = await until('the killed worker to be listed as lost', async () => {
        const now = await workers();
        return now.workers.find((w) => w.pid === killed!.child.pid)?.state === 'lost' ? now : undefined;
      });
      expect(list.workers.filter((w) => w.kind === 'worker' && w.state === 'running')).toHaveLength(2);
    } finally {
      emu.faults.update({ latencyMs: 20 });
    }
  }, 180_000);
});
