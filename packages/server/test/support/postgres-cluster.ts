/**
 * A throwaway PostgreSQL cluster for tests, from Debian's PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`):
 * `initdb` into a temporary folder, then `postgres` on a free loopback port (listen_addresses=127.0.0.1, its unix
 * socket in the same folder), password authentication over TCP. `stop()` shuts the server down and removes the folder.
 * Like the KDC of the IWA tests (packages/arcgis-emulator/test/support/kdc.ts), nothing outside the folder is touched.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the `postgres` user (Debian's
 * package creates it), or `nobody`, with the folder handed over to that user. Each test gets its own database
 * (`createDatabase()`), so one cluster serves a whole test file.
 *
 *   const cluster = await startPostgresCluster();
 *   const url = await cluster.createDatabase();   // postgres://orgkeeper:...@127.0.0.1:PORT/t_...
 *   ...
 *   await cluster.stop();
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './server-harness.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'orgkeeper';
export const POSTGRES_INSTALL_HINT = 'install PostgreSQL (Debian: apt-get install postgresql).';

export interface PostgresCluster {
  /** postgres:// URL of the `postgres` maintenance database, as the cluster's superuser. */
  adminUrl: string;
  port: number;
  /** A new database (empty, or a copy of `template`); returns its postgres:// URL (with the superuser's password). */
  createDatabase(options?: { name?: string; template?: string }): Promise<string>;
  /** Server log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server binaries installed the Debian way, or undefined when there are none. */
export function postgresBinDir(root = POSTGRES_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

/**
 * Whether the PostgreSQL half of a suite can run here. Missing binaries on a developer machine: false (the caller
 * skips with POSTGRES_INSTALL_HINT). Missing under CI=true: an error, so CI never passes by skipping.
 */
export function postgresAvailable(root = POSTGRES_ROOT): boolean {
  if (postgresBinDir(root)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL's server binaries are not in ${root}/<version>/bin; ${POSTGRES_INSTALL_HINT} (CI=true: a missing tool is a failure).`);
  }
  return false;
}

/** The unprivileged account to run the cluster as when this process is root. */
function clusterAccount(): { uid: number; gid: number; name: string } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('Running as root and neither a "postgres" nor a "nobody" account exists to run PostgreSQL as (initdb refuses root).');
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL's server binaries are not in ${POSTGRES_ROOT}/<version>/bin; ${POSTGRES_INSTALL_HINT}`);
  const account = clusterAccount();
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-pg-'));
  const dataDir = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const as = account ? { uid: account.uid, gid: account.gid } : {};
  // Only what PostgreSQL needs: the developer's PG* variables must not redirect anything.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8' };
  let child: ChildProcess | undefined;
  let serverLog = '';
  const killOnExit = () => child?.kill('SIGKILL');

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT'); // fast shutdown: ends sessions, no waiting for clients
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    if (account) {
      await chown(dir, account.uid, account.gid);
      await chown(join(dir, 'pwfile'), account.uid, account.gid);
    }
    await chmod(dir, 0o700);
    await run(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, `--pwfile=${join(dir, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
      { ...as, env, cwd: dir }
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`initdb failed${account ? ` (as ${account.name})` : ''}: ${error.stderr ?? error.message}`);
    });

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      serverLog = '';
      child = spawn(
        join(bin, 'postgres'),
        [
          '-D', dataDir,
          '-c', 'listen_addresses=127.0.0.1',
          '-c', `port=${port}`,
          '-c', `unix_socket_directories=${dir}`,
          // A throwaway cluster: durability is not wanted, speed is.
          '-c', 'fsync=off',
          '-c', 'synchronous_commit=off',
          '-c', 'full_page_writes=off',
          '-c', 'max_connections=200',
          '-c', 'log_min_messages=warning'
        ],
        { ...as, env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }
      );
      process.once('exit', killOnExit);
      child.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
      const adminUrl = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
      const ready = await waitForServer(child, adminUrl);
      if (ready === 'ready') {
        const started = child;
        return {
          adminUrl,
          port,
          async createDatabase(options = {}) {
            const name = options.name ?? `t_${randomBytes(6).toString('hex')}`;
            const client = new pg.Client({ connectionString: adminUrl });
            await client.connect();
            try {
              await client.query(`create database ${name}${options.template ? ` template ${options.template}` : ''}`);
            } finally {
              await client.end();
            }
            return `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${name}`;
          },
          log: () => serverLog,
          stop: () => {
            if (started !== child) return Promise.resolve();
            return stop();
          }
        };
      }
      process.off('exit', killOnExit);
      // Another process took the port between the probe and the bind: try another one.
      if (/could not bind|Address already in use/i.test(serverLog) && attempt < 5) continue;
      throw new Error(`PostgreSQL did not start (${ready}): ${serverLog}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls until the server accepts a query, or it exits, or 30 s pass. */
async function waitForServer(child: ChildProcess, url: string): Promise<'ready' | string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return `exited with ${child.exitCode ?? child.signalCode}`;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return 'ready';
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return 'not ready within 30 s';
}

