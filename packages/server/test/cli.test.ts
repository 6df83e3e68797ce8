import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support/server-harness.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(packageDir, 'bin', 'orgkeeper.js');
const PASSWORD = 'correct horse battery staple';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with a clean ORGKEEPER_* environment. */
function run(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

let dir: string | undefined;
beforeAll(() => {
  if (!existsSync(join(packageDir, 'dist', 'cli.js'))) {
    throw new Error('The CLI is not built: run `npm run build --workspace packages/server` (npm test does it first).');
  }
});
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('orgkeeper CLI', () => {
  it('prints its version and help', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: orgkeeper <command>');
    expect((await run(['serve', '--help'])).stdout).toContain('--public-url URL');
    expect((await run(['admin', 'create', '--help'])).stdout).toContain('--password-stdin');
  });

  it('exits 2 with a clear message on bad input', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: orgkeeper');

    const unknown = await run(['backup-everything']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('Unknown command "backup-everything"');
    expect(unknown.stderr).toContain('orgkeeper --help');

    const badPort = await run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port "eighty" is not a port number');

    const badFlag = await run(['serve', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("Unknown option '--colour'");
    expect(badFlag.stderr).toContain('orgkeeper serve --help');

    const badEnv = await run(['serve'], { env: { ORGKEEPER_PUBLIC_URL: 'localhost:8500' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('ORGKEEPER_PUBLIC_URL "localhost:8500" is not a full URL');
  });

  it('admin create makes an account from a password on stdin that can then log in', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-cli-'));
    const created = await run(['admin', 'create', '--username', 'alice', '--password-stdin', '--data-dir', dir], {
      stdin: `${PASSWORD}\n`
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created administrator account "alice"');
    expect(created.stdout).not.toContain(PASSWORD);

    const operator = await run(['admin', 'create', '--username', 'bob', '--password-stdin', '--role', 'operator'], {
      stdin: PASSWORD,
      env: { ORGKEEPER_DATA_DIR: dir }
    });
    expect(operator.code).toBe(0);

    const server = await startTestServer({ dataDir: dir });
    try {
      const alice = await server.login('alice', PASSWORD);
      expect((await alice.get('/api/auth/session')).body).toMatchObject({ user: { username: 'alice', role: 'admin' } });
      const bob = await server.login('bob', PASSWORD);
      expect((await bob.get('/api/auth/session')).body).toMatchObject({ user: { username: 'bob', role: 'operator' } });
      const { events } = await server.server.services.audit.list({ limit: 10 });
      const creations = events.filter((e) => e.action === 'user.create');
      expect(creations).toHaveLength(2);
      expect(creations[0]?.actor.name).toMatch(/^cli:/);
      expect((await server.client().get('/api/setup/status')).body).toEqual({ needsSetup: false });
    } finally {
      await server.close();
    }
  });

  it('admin create refuses bad input (exit 2) and a taken username (exit 1)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-cli-'));
    const args = ['admin', 'create', '--username', 'alice', '--password-stdin', '--data-dir', dir];

    const short = await run(args, { stdin: 'short\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password: Use at least 12 characters');

    const noStdinFlag = await run(['admin', 'create', '--username', 'alice', '--data-dir', dir]);
    expect(noStdinFlag.code).toBe(2);
    expect(noStdinFlag.stderr).toContain('--password-stdin is required');

    const badRole = await run([...args, '--role', 'root'], { stdin: PASSWORD });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role "root" is not a role');

    const empty = await run(args, { stdin: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No password on standard input');

    expect((await run(args, { stdin: PASSWORD })).code).toBe(0);
    const taken = await run([...args.slice(0, 3), 'ALICE', ...args.slice(4)], { stdin: PASSWORD });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('An account named "ALICE" already exists');
  });

  it('serve starts, creates a private master key, answers, and stops cleanly on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-cli-'));
    const dataDir = join(dir, 'data');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORGKEEPER_'))),
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.on('close', () => reject(new Error(`server exited: ${stderr}`)));
      });
      expect(stderr).toContain('No account exists yet');
      const status = await fetch(`${url}/api/setup/status`);
      expect(await status.json()).toEqual({ needsSetup: true });
      expect((await stat(join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dataDir, 'orgkeeper.db'))).isFile()).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('Received SIGTERM; stopping OrgKeeper');
  });

  it.runIf(process.platform !== 'win32')('serve refuses to start (exit 1) when the master key file is readable by others', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-cli-'));
    expect((await run(['admin', 'create', '--username', 'alice', '--password-stdin', '--data-dir', dir], { stdin: PASSWORD })).code).toBe(0);
    // admin create does not need the key; a first serve makes it. Simulate a careless copy instead.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'master.key'), `${Buffer.alloc(32, 3).toString('base64')}\n`, { mode: 0o644 });
    await chmod(join(dir, 'master.key'), 0o644);
    const refused = await run(['serve', '--port', '0', '--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is open to other users (mode 644)');
    expect(refused.stderr).toContain(`chmod 600 ${join(dir, 'master.key')}`);
  });
});
