// OrgKeeper and the ArcGIS emulator as child processes with environments of their own. The in-process harness
// (start-server.ts) covers everything else; IWA needs this because Kerberos reads KRB5_CONFIG and the credential
// cache (KRB5CCNAME) from the process environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../server/test/support/server-harness.js';
import { WEB_DIST } from './start-server';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..', '..', '..');

export interface ChildHandle {
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  close(): Promise<void>;
}

/** The child's environment: only what it needs, so the developer's own ORGKEEPER_* or KRB5* settings never leak in. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('ORGKEEPER_') && !key.startsWith('KRB5')) env[key] = value;
  }
  return { ...env, ...extra };
}

function runTs(script: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'children', script), ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function waitFor<T>(child: ChildProcess, output: () => string, what: string, found: () => T | undefined, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const value = found();
      if (value !== undefined) return resolve(value);
      if (child.exitCode !== null) return reject(new Error(`${what} exited with code ${child.exitCode}:\n${output()}`));
      if (Date.now() - started > ms) return reject(new Error(`${what} did not start within ${ms} ms:\n${output()}`));
      setTimeout(check, 50);
    };
    check();
  });
}

export interface OrgKeeperProcess extends ChildHandle {
  url: string;
  dataDir: string;
}

/** `orgkeeper serve` in a child process on 127.0.0.1 (a free port), a new data directory, and the built web app. */
export async function startOrgKeeperProcess(env: NodeJS.ProcessEnv = {}): Promise<OrgKeeperProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'orgkeeper-e2e-child-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--public-url', url, '--web-dir', WEB_DIST];
  const { child, output } = runTs('orgkeeper-cli.ts', args, env);
  try {
    await waitFor(child, output, 'orgkeeper serve', () => (output().includes('OrgKeeper is running at') ? true : undefined));
  } catch (error) {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    output,
    async close() {
      await stop(child);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };
}

export interface EmulatorProcess extends ChildHandle {
  portalUrl: string;
  restUrl: string;
  admin: { username: string; password: string };
  appId: string;
}

/** The ArcGIS emulator's command line in a child process; `args` as for `arcgis-emulator` (port 0 is added). */
export async function startEmulatorProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<EmulatorProcess> {
  const { child, output } = runTs('emulator-cli.ts', ['--host', '127.0.0.1', '--port', '0', ...args], env);
  let first: string | undefined;
  if (child.stdout) createInterface({ input: child.stdout }).once('line', (line) => (first = line));
  try {
    const line = await waitFor(child, output, 'arcgis-emulator', () => first);
    const started = JSON.parse(line) as Omit<EmulatorProcess, keyof ChildHandle>;
    return { ...started, output, close: () => stop(child) };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

/** First run through the API (the page itself is tested elsewhere): creates the administrator account. */
export async function createFirstAdmin(url: string, account: { username: string; password: string }): Promise<void> {
  const response = await fetch(`${url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(account)
  });
  if (response.status !== 200 && response.status !== 201) throw new Error(`First-run setup failed: ${response.status} ${await response.text()}`);
}
