import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kdc, startKdc } from './support/kdc.js';

const run = promisify(execFile);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

interface Started {
  portalUrl: string;
  restUrl: string;
  appId: string;
  admin: { username: string };
}

interface ClientResult {
  status: number;
  location: string | null;
  wwwAuthenticate: string | null;
  mutual: boolean;
  text: string;
}

/**
 * IWA for real: a throwaway KDC on loopback, the emulator in IWA mode in a child process (its own KRB5_* settings)
 * and a child client that does the SPNEGO handshake with the `kerberos` package, as OrgKeeper's server will.
 */
describe('IWA (Kerberos SPNEGO) on the enterprise kind', () => {
  let kdc: Kdc;
  let emulator: ChildProcess;
  let started: Started;
  let stderr = '';

  beforeAll(async () => {
    kdc = await startKdc({ users: ['gis_admin', 'stranger'] });
    emulator = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        here('./iwa/emulator-child.ts'),
        '--kind',
        'enterprise',
        '--seed',
        'empty',
        '--port',
        '0',
        '--iwa',
        '--keytab',
        kdc.httpKeytab,
        '--service-principal',
        kdc.servicePrincipal
      ],
      { env: await kdc.env(), stdio: ['ignore', 'pipe', 'pipe'] }
    );
    emulator.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: emulator.stdout! });
      rl.once('line', resolve);
      emulator.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${stderr}`)));
    });
    started = JSON.parse(line) as Started;
  });

  afterAll(async () => {
    if (emulator && emulator.exitCode === null) {
      const exited = new Promise((r) => emulator.once('exit', r));
      emulator.kill('SIGTERM');
      await exited;
    }
    await kdc?.stop();
  });

  async function asUser(user: string, requests: object[]): Promise<ClientResult[]> {
    const { stdout } = await run(process.execPath, [here('./iwa/negotiate-client.mjs'), JSON.stringify(requests)], {
      env: await kdc.env(user)
    });
    return JSON.parse(stdout) as ClientResult[];
  }

  it('answers 401 with WWW-Authenticate: Negotiate without a Negotiate header', async () => {
    const response = await fetch(`${started.restUrl}/portals/self?f=json`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Negotiate');
    await response.text();
  });

  it('answers 401 to a Negotiate token it cannot accept', async () => {
    const response = await fetch(`${started.restUrl}/portals/self?f=json`, { headers: { authorization: 'Negotiate YIIBnwYGKwYBBQUCoA==' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Negotiate');
    await response.text();
  });

  it('leaves the emulator control endpoints outside IWA', async () => {
    const response = await fetch(new URL('/__emulator/health?f=json', started.portalUrl));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, kind: 'enterprise' });
  });

  it('signs the principal in as the matching portal user without a token, with mutual authentication', async () => {
    const [self, portal] = await asUser('gis_admin', [
      { url: `${started.restUrl}/community/self?f=json` },
      { url: `${started.restUrl}/portals/self?f=json` }
    ]);
    expect(self!.status).toBe(200);
    expect(self!.mutual).toBe(true);
    expect(JSON.parse(self!.text)).toMatchObject({ username: 'gis_admin', role: 'org_admin' });
    expect(JSON.parse(portal!.text)).toMatchObject({ isPortal: true, user: { username: 'gis_admin' } });
  });

  it('gives a Negotiate-authenticated generateToken request a token for the federated server', async () => {
    const serverUrl = started.portalUrl.replace(/\/portal$/, '/server');
    const body = new URLSearchParams({ request: 'getToken', serverUrl, referer: started.portalUrl, expiration: '60', f: 'json' }).toString();
    const [generated] = await asUser('gis_admin', [{ url: `${started.restUrl}/generateToken`, method: 'POST', body }]);
    const answer = JSON.parse(generated!.text) as { token: string; expires: number };
    expect(answer.token).toMatch(/^\S{20,}$/);
    expect(answer.expires).toBeGreaterThan(Date.now() + 55 * 60_000);
    // The token is accepted next to the Negotiate header (the pattern of Esri's Python API).
    const [withToken] = await asUser('gis_admin', [
      { url: `${started.restUrl}/community/self?f=json`, headers: { 'X-Esri-Authorization': `Bearer ${answer.token}` } }
    ]);
    expect(JSON.parse(withToken!.text)).toMatchObject({ username: 'gis_admin' });
  });

  it('skips the OAuth2 sign-in form: the Negotiate-authenticated browser gets the code at once', async () => {
    const appId = started.appId;
    const query = new URLSearchParams({ client_id: appId, response_type: 'code', redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', state: 's1' });
    const [authorize] = await asUser('gis_admin', [{ url: `${started.restUrl}/oauth2/authorize?${query.toString()}` }]);
    expect(authorize!.status).toBe(302);
    const location = new URL(authorize!.location!);
    expect(`${location.origin}${location.pathname}`).toBe(`${started.restUrl}/oauth2/approval`);
    const code = location.searchParams.get('code')!;
    const body = new URLSearchParams({ client_id: appId, grant_type: 'authorization_code', code, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', f: 'json' });
    const [token] = await asUser('gis_admin', [{ url: `${started.restUrl}/oauth2/token`, method: 'POST', body: body.toString() }]);
    expect(JSON.parse(token!.text)).toMatchObject({ username: 'gis_admin', access_token: expect.any(String), refresh_token: expect.any(String) });
  });

  it('treats a principal that matches no portal user as anonymous', async () => {
    const [self, portal] = await asUser('stranger', [
      { url: `${started.restUrl}/community/self?f=json` },
      { url: `${started.restUrl}/portals/self?f=json` }
    ]);
    expect(self!.status).toBe(200);
    expect(JSON.parse(self!.text)).toEqual({ error: { code: 499, message: 'Token Required', details: [], messageCode: 'GWM_0003' } });
    expect(JSON.parse(portal!.text).user).toBeUndefined();
  });
});
