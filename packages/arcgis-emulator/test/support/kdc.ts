import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway MIT Kerberos realm on 127.0.0.1 for IWA tests (see ../shared/reference/kerberos-on-loopback.md):
 * a KDC child process on a free port, its database in a temporary folder, the HTTP/localhost service principal and
 * the given user principals with keytabs. Nothing outside the temporary folder is touched; `stop()` kills the KDC and
 * removes the folder. Kerberos reads its settings from the environment per process, so give each child process
 * `env()` / `env(user)` rather than changing this process's environment.
 */
export interface Kdc {
  realm: string;
  dir: string;
  port: number;
  krb5ConfigPath: string;
  kdcProfilePath: string;
  /** Keytab of `HTTP/localhost@REALM` (the emulator's `--keytab`). */
  httpKeytab: string;
  servicePrincipal: string;
  keytabFor(user: string): string;
  /**
   * Environment for a child process: KRB5_CONFIG always; with `forUser`, a credential cache that already holds the
   * user's ticket-granting ticket (`kinit -k -t <keytab>` has run) in KRB5CCNAME.
   */
  env(forUser?: string): Promise<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}

const TOOL_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

function findTool(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), ...TOOL_DIRS]) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `The Kerberos tool '${name}' is missing, so the IWA tests cannot run a KDC. ` +
      'Install the MIT Kerberos packages (Debian: apt-get install krb5-kdc krb5-admin-server krb5-user libkrb5-dev).'
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForKdc(child: ChildProcess, log: () => string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  const { connect } = await import('node:net');
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`krb5kdc exited with code ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`krb5kdc did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}

export async function startKdc(options: { users?: string[]; realm?: string } = {}): Promise<Kdc> {
  const tools = {
    krb5kdc: findTool('krb5kdc'),
    kdb5Util: findTool('kdb5_util'),
    kadmin: findTool('kadmin.local'),
    kinit: findTool('kinit')
  };
  const realm = options.realm ?? 'OK.TEST';
  const users = options.users ?? [];
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-kdc-'));
  let child: ChildProcess | undefined;
  const cleanup = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const krb5ConfigPath = join(dir, 'krb5.conf');
    const kdcProfilePath = join(dir, 'kdc.conf');
    await writeFile(
      krb5ConfigPath,
      `[libdefaults]
  default_realm = ${realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
  ignore_acceptor_hostname = true
  udp_preference_limit = 1

[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
  }

[domain_realm]
  localhost = ${realm}
  .localhost = ${realm}
`
    );
    await writeFile(
      kdcProfilePath,
      `[kdcdefaults]
  kdc_ports = ${port}
  kdc_tcp_ports = ${port}

[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
  }

[logging]
  kdc = FILE:${join(dir, 'kdc.log')}
`
    );
    await writeFile(join(dir, 'kadm5.acl'), '');
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      KRB5_CONFIG: krb5ConfigPath,
      KRB5_KDC_PROFILE: kdcProfilePath,
      // Replay caches and tickets stay in the realm's folder.
      KRB5RCACHEDIR: dir,
      KRB5CCNAME: `FILE:${join(dir, 'cc-default')}`
    };
    delete baseEnv.KRB5_KTNAME;
    delete baseEnv.KRB5_CLIENT_KTNAME;
    const kadmin = async (query: string) => {
      await run(tools.kadmin, ['-r', realm, '-q', query], { env: baseEnv });
    };
    await run(tools.kdb5Util, ['create', '-s', '-r', realm, '-P', `master-${Math.random().toString(36).slice(2)}`], { env: baseEnv });
    const servicePrincipal = 'HTTP/localhost';
    await kadmin(`addprinc -randkey ${servicePrincipal}`);
    const httpKeytab = join(dir, 'http.keytab');
    await kadmin(`ktadd -k ${httpKeytab} ${servicePrincipal}`);
    const keytabs = new Map<string, string>();
    for (const user of users) {
      await kadmin(`addprinc -randkey ${user}`);
      const keytab = join(dir, `${user.replace(/[^A-Za-z0-9_.-]/g, '_')}.keytab`);
      await kadmin(`ktadd -k ${keytab} ${user}`);
      keytabs.set(user, keytab);
    }

    let kdcLog = '';
    child = spawn(tools.krb5kdc, ['-n', '-r', realm, '-P', join(dir, 'kdc.pid')], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (kdcLog += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (kdcLog += d.toString()));
    await waitForKdc(child, () => kdcLog, port);

    const kdc: Kdc = {
      realm,
      dir,
      port,
      krb5ConfigPath,
      kdcProfilePath,
      httpKeytab,
      servicePrincipal: 'HTTP@localhost',
      keytabFor(user: string): string {
        const keytab = keytabs.get(user);
        if (!keytab) throw new Error(`No principal '${user}' in this KDC; pass it in startKdc({users})`);
        return keytab;
      },
      async env(forUser?: string): Promise<NodeJS.ProcessEnv> {
        const env: NodeJS.ProcessEnv = { ...baseEnv };
        delete env.KRB5_KDC_PROFILE;
        if (forUser) {
          const cache = `FILE:${join(dir, `cc-${forUser.replace(/[^A-Za-z0-9_.-]/g, '_')}`)}`;
          env.KRB5CCNAME = cache;
          await run(tools.kinit, ['-k', '-t', kdc.keytabFor(forUser), `${forUser}@${realm}`], { env });
        }
        return env;
      },
      async stop(): Promise<void> {
        await cleanup();
      }
    };
    return kdc;
  } catch (error) {
    const log = existsSync(join(dir, 'kdc.log')) ? await readFile(join(dir, 'kdc.log'), 'utf8').catch(() => '') : '';
    await cleanup();
    if (error instanceof Error && log) error.message += `\nKDC log:\n${log}`;
    throw error;
  }
}
