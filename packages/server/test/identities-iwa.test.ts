import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './support/server-harness.js';
import { tempFolder } from './support/emulator-harness.js';

/**
 * IWA for real: a throwaway MIT Kerberos realm on loopback (the emulator's KDC fixture), the emulator in IWA mode in
 * a child process checking every request's Negotiate token against the HTTP/localhost keytab, and OrgKeeper's server
 * in child processes whose Kerberos credential cache holds the ticket of the account "running" it.
 */

interface Kdc {
  servicePrincipal: string;
  httpKeytab: string;
  env(forUser?: string): Promise<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const KDC_FIXTURE = here('../../arcgis-emulator/test/support/kdc.ts');
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

interface Child {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function startChild(args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => boolean, nodeArgs: string[] = []): Promise<{ child: Child; line: string }> {
  const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ORGKEEPER_')));
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const child: Child = {
    process: proc,
    output: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start within 30 s: ${output}`)), 30_000);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`;
        if (ready(line)) {
          clearTimeout(timer);
          resolve({ child, line });
        }
      });
    }
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${output}`));
    });
  });
}

describe('identities: IWA (Kerberos) with a real KDC', () => {
  let kdc: Kdc;
  let emulator: Child;
  let portalUrl: string;
  let orgId: string;
  const children: Child[] = [];
  const folders: { path: string; remove(): Promise<void> }[] = [];

  beforeAll(async () => {
    const fixture = (await import(/* @vite-ignore */ KDC_FIXTURE)) as { startKdc(o: { users: string[] }): Promise<Kdc> };
    kdc = await fixture.startKdc({ users: ['gis_admin', 'maria.publisher'] });
    const started = await startChild(
      [here('./support/emulator-child.ts'), '--kind', 'enterprise', '--iwa', '--keytab', kdc.httpKeytab, '--service-principal', kdc.servicePrincipal, '--port', '0', '--quiet'],
      await kdc.env(),
      (line) => line.startsWith('{')
    );
    emulator = started.child;
    const info = JSON.parse(started.line) as { portalUrl: string; orgId: string };
    // The service principal is HTTP@localhost, so OrgKeeper must reach the portal by that name.
    portalUrl = info.portalUrl.replace('127.0.0.1', 'localhost');
    orgId = info.orgId;
  });

  afterAll(async () => {
    for (const child of children) await child.stop();
    await emulator?.stop();
    await kdc?.stop();
    for (const folder of folders) await folder.remove();
  });

  /** An OrgKeeper server in a child process, running "as" the given Kerberos principal (or with no ticket at all). */
  async function startOrgKeeper(principal: string | null, nodeArgs: string[] = []): Promise<ApiClient> {
    const data = await tempFolder('orgkeeper-iwa-data-');
    folders.push(data);
    const env = { ...(principal ? await kdc.env(principal) : await kdc.env()), ORGKEEPER_LOG_LEVEL: 'warn' };
    const adminCreate = spawn(process.execPath, ['--import', 'tsx', here('./support/orgkeeper-child.ts'), 'admin', 'create', '--username', ADMIN.username, '--password-stdin', '--data-dir', data.path], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    adminCreate.stdin.end(ADMIN.password);
    const code = await new Promise<number | null>((r) => adminCreate.once('exit', r));
    expect(code).toBe(0);
    const { child, line } = await startChild(
      [here('./support/orgkeeper-child.ts'), 'serve', '--port', '0', '--data-dir', data.path, '--log-level', 'warn'],
      env,
      (l) => /listening on http/.test(l),
      nodeArgs
    );
    children.push(child);
    const url = /listening on (http:\/\/[^)\s]+)/.exec(line)![1]!;
    const client = new ApiClient(url);
    const login = await client.post('/api/auth/login', ADMIN);
    expect(login.status).toBe(200);
    return client;
  }

  async function addIwaIdentity(api: ApiClient, name: string) {
    const folder = await tempFolder();
    folders.push(folder);
    return api.post<{ id: string; orgId: string | null; portalName: string | null; authMethod: string; appId: string | null; status: { state: string; message: string | null; username: string | null } }>(
      '/api/identities',
      { type: 'enterprise', name, url: `${portalUrl}/home/`, authMethod: 'iwa', appId: 'ignored-for-iwa', fileLocation: join(folder.path, 'store') }
    );
  }

  it('connects as the account running OrgKeeper with HTTP Negotiate, checks it is an administrator, and tests it', async () => {
    const api = await startOrgKeeper('gis_admin');
    const created = await addIwaIdentity(api, 'Enterprise (IWA)');
    expect(created.status).toBe(201);
    // The portal's details were read through Negotiate already.
    expect(created.body).toMatchObject({ authMethod: 'iwa', appId: null, orgId, status: { state: 'not_connected' } });
    expect(created.body.portalName).toBeTruthy();

    const connected = await api.post<{ kind: string; identity: { status: { state: string; username: string } } }>(`/api/identities/${created.body.id}/connect`);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ kind: 'connected', identity: { status: { state: 'connected', username: 'gis_admin' } } });

    const test = await api.post<{ ok: boolean; checks: { id: string; status: string; message: string }[] }>(`/api/identities/${created.body.id}/test`);
    expect(test.body.checks.map((c) => [c.id, c.status])).toEqual([
      ['portal_reachable', 'ok'],
      ['kind_matches', 'ok'],
      ['signed_in', 'ok'],
      ['administrator', 'ok'],
      ['recycle_bin', 'skipped'],
      ['token_lifetime', 'ok'],
      [test.body.checks[6]!.id, test.body.checks[6]!.status]
    ]);
    expect(test.body.checks.find((c) => c.id === 'signed_in')?.message).toMatch(/Signed in as "gis_admin" \(IWA/);
    expect(test.body.ok).toBe(true);

    // OAuth2 cannot reach a portal that demands Windows sign-in: said when adding.
    const folder = await tempFolder();
    folders.push(folder);
    const oauth = await api.post<{ error: { fields: Record<string, string> } }>('/api/identities', {
      type: 'enterprise', name: 'Enterprise (OAuth)', url: portalUrl, authMethod: 'oauth2', appId: 'AbCdEf123', fileLocation: join(folder.path, 's')
    });
    expect(oauth.body.error.fields.authMethod).toMatch(/asks for Windows sign-in \(IWA\).*Choose IWA/);
  });

  it('refuses a signed-in user who is not an administrator', async () => {
    const api = await startOrgKeeper('maria.publisher');
    const created = await addIwaIdentity(api, 'Enterprise (maria)');
    expect(created.status).toBe(201);
    const connected = await api.post<{ error: { code: string; message: string } }>(`/api/identities/${created.body.id}/connect`);
    expect(connected.status).toBe(403);
    expect(connected.body.error.code).toBe('not_admin');
    expect(connected.body.error.message).toMatch(/"maria\.publisher" is a publisher .*not an administrator/);
    const after = await api.get<{ status: { state: string; message: string } }>(`/api/identities/${created.body.id}`);
    expect(after.body.status).toMatchObject({ state: 'error' });
  });

  it('says clearly when the account running OrgKeeper has no Kerberos credential', async () => {
    const api = await startOrgKeeper(null);
    const created = await addIwaIdentity(api, 'Enterprise (no ticket)');
    expect(created.status).toBe(201);
    expect(created.body.status.state).toBe('error');
    expect(created.body.status.message).toMatch(/No Kerberos credential for HTTP@localhost.*keytab/);
    const connected = await api.post<{ error: { code: string; message: string } }>(`/api/identities/${created.body.id}/connect`);
    expect(connected.status).toBe(503);
    expect(connected.body.error.code).toBe('iwa_unavailable');
    expect(connected.body.error.message).toMatch(/No Kerberos credential for HTTP@localhost/);
  });

  it('says clearly when the optional kerberos package is not installed', async () => {
    const api = await startOrgKeeper('gis_admin', ['--import', here('./support/without-kerberos.mjs')]);
    const created = await addIwaIdentity(api, 'Enterprise (no package)');
    expect(created.status).toBe(201);
    expect(created.body.status.state).toBe('error');
    expect(created.body.status.message).toMatch(/IWA needs the optional "kerberos" package.*npm install kerberos/);
    const connected = await api.post<{ error: { code: string; message: string } }>(`/api/identities/${created.body.id}/connect`);
    expect(connected.body.error.code).toBe('iwa_unavailable');
    expect(connected.body.error.message).toMatch(/optional "kerberos" package/);
  });
});
