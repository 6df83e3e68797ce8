/**
 * `orgkeeper worker` on the embedded SQLite database (servers and workers on one machine): it stays up with nothing
 * to do, runs what a command queues, stops cleanly on SIGTERM and is then listed as stopped; bad options are usage
 * errors. (Several workers on PostgreSQL: workers-scale-out.test.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationView } from '../src/operations/operation.types.js';
import type { WorkerListView } from '../src/operations/worker.types.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture } from './support/org-fixture.js';

const CLI_CHILD = fileURLToPath(new URL('./support/orgkeeper-child.ts', import.meta.url));
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('orgkeeper worker on SQLite', () => {
  let fixture: DataDirFixture;
  let worker: ChildProcess | undefined;
  let output = '';
  const cli = (args: string[]) => runCli(args, { dataDir: fixture.data.path });

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    await addIdentityWithCli(fixture.emu, fixture.data.path, { name: 'Springfield', fileLocation: join(fixture.backups.path, 'springfield') });
  }, 60_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await fixture?.close();
  });

  it('runs what is queued for it, and stops cleanly', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_CHILD, 'worker', '--max-running', '1'], {
      cwd: SERVER_ROOT,
      env: { ...env, ORGKEEPER_DATA_DIR: fixture.data.path, ORGKEEPER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    worker = child;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await expect.poll(() => output, { timeout: 60_000 }).toMatch(/OrgKeeper worker \S+ is running operations from the SQLite database .* \(up to 1 at once\)/);
    expect(output).toContain('use --database-url (PostgreSQL) for several machines');

    // Idle for a while (nothing keeps a worker on SQLite alive but itself), then a command queues work for it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    const queued = await cli(['operations', 'start', '--identity', 'Springfield', '--kind', 'backup', '--queue']);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toMatch(/is queued; a running OrgKeeper server or worker starts it/);
    const id = /Operation (\S+) is queued/.exec(queued.stdout)![1]!;
    const show = async () => JSON.parse((await cli(['operations', 'show', id, '--json'])).stdout) as OperationView;
    await expect.poll(async () => ['queued', 'running'].includes((await show()).status), { timeout: 60_000 }).toBe(false);
    expect(await show()).toMatchObject({ kind: 'backup', status: 'succeeded', worker: { pid: child.pid } });
    const shown = await cli(['operations', 'show', id]);
    expect(shown.stdout).toContain(`ran on ${(await import('node:os')).hostname()} (process ${child.pid})`);

    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain('stopping the worker');
    const listed = JSON.parse((await cli(['workers', '--json'])).stdout) as WorkerListView;
    expect(listed.workers.find((w) => w.pid === child.pid)).toMatchObject({ kind: 'worker', state: 'stopped', operations: [] });
  }, 120_000);

  it('refuses bad options with what to enter instead', async () => {
    const bad = await cli(['worker', '--max-running', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-running "0" is not a whole number from 1 to 64');
    const stale = await cli(['worker', '--stale-after', 'soon']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('--stale-after "soon" is not a whole number from 2 to 3600');
    const help = await cli(['worker', '--help']);
    expect(help.stdout).toContain('Usage: orgkeeper worker');
    expect((await cli(['workers', '--help'])).stdout).toContain('Usage: orgkeeper workers');
  });
});
