/**
 * Issue 11, part 5: adding an identity checks everything before it creates the File Location, and the URL probe
 * follows redirects only within the URL's origin, never reaches a link-local or cloud metadata address (by address or
 * by a name that resolves to one), and reports what failed without repeating the remote server's text. Hostile portals
 * are small HTTP servers on 127.0.0.1; loopback stays allowed, as the demo and the tests need it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePortal } from '../src/identities/portal-client.js';
import { forbiddenAddress, MAX_REDIRECTS, probeRequest } from '../src/identities/probe-request.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { freePort, startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';

interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** A small HTTP server on 127.0.0.1 answering with `handle`; counts the requests it gets. */
async function fakeHost(handle: (req: IncomingMessage, res: ServerResponse, origin: string) => void): Promise<{ origin: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handle(req, res, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('adding an identity: nothing created before it is accepted, and a careful URL probe (issue 11, part 5)', () => {
  let server: TestServer;
  let api: ApiClient;
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  const hosts: { close(): Promise<void> }[] = [];
  const add = (fields: Record<string, unknown>) =>
    api.post<ErrorBody>('/api/identities', { type: 'online', name: `Org ${Math.random().toString(36).slice(2, 8)}`, appId: 'abcdef1234567890', ...fields });
  const host = async (handle: Parameters<typeof fakeHost>[0]) => {
    const h = await fakeHost(handle);
    hosts.push(h);
    return h;
  };

  beforeAll(async () => {
    [server, emu, folder] = await Promise.all([startTestServer({ admin: { username: 'admin', password: 'correct horse battery staple' } }), startTestEmulator({ kind: 'online' }), tempFolder()]);
    api = await server.login();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([server?.close(), emu?.close(), ...hosts.map((h) => h.close())]);
    await folder?.remove();
  });

  it('creates no folder for an add that is refused, whatever refuses it; creates it 0700 for one that is accepted', async () => {
    const closed = await freePort();
    const badUrl = await add({ url: `http://127.0.0.1:${closed}/portal`, fileLocation: join(folder.path, 'bad-url', 'deep', 'store') });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.fields?.url).toMatch(/could not reach/);

    const badPassword = await add({ url: emu.portalUrl, appId: emu.appId, username: emu.admin.username, password: 'not the password', fileLocation: join(folder.path, 'bad-password', 'store') });
    expect(badPassword.status).toBeGreaterThanOrEqual(400);

    const badName = await add({ name: '', url: emu.portalUrl, appId: emu.appId, fileLocation: join(folder.path, 'bad-name') });
    expect(badName.body.error.fields?.name).toBeDefined();
    expect(await readdir(folder.path)).toEqual([]);

    const ok = await add({ url: emu.portalUrl, appId: emu.appId, fileLocation: join(folder.path, 'accepted', 'store') });
    expect(ok.status, ok.text).toBe(201);
    expect((await lstat(join(folder.path, 'accepted', 'store'))).mode & 0o777).toBe(0o700);
    expect((await lstat(join(folder.path, 'accepted'))).mode & 0o777).toBe(0o700);
    expect(await readdir(folder.path)).toEqual(['accepted']);
  });

  it('does not follow a redirect to another origin, and says where it pointed', async () => {
    const elsewhere = await host((_req, res) => json(res, { authInfo: {} }));
    const redirecting = await host((req, res) => {
      res.writeHead(302, { location: `${elsewhere.origin}${req.url}` });
      res.end();
    });
    const refused = await add({ url: `${redirecting.origin}/portal`, fileLocation: join(folder.path, 'redirect') });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields?.url).toBe(
      `OrgKeeper did not ask ${redirecting.origin}/portal/sharing/rest/info: ${redirecting.origin}/portal/sharing/rest/info redirects (HTTP 302) to another host, ${elsewhere.origin}; ` +
        `OrgKeeper follows redirects only within ${redirecting.origin}. If the organization moved, enter its new address.`
    );
    expect(redirecting.requests).toEqual(['/portal/sharing/rest/info?f=json']);
    expect(elsewhere.requests).toEqual([]);
    expect(await readdir(folder.path)).not.toContain('redirect');
  });

  it('follows redirects within the origin, up to a limit', async () => {
    const moved = await host((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/old/')) {
        res.writeHead(301, { location: url.replace('/old/', '/new/') });
        res.end();
      } else if (url.startsWith('/loop')) {
        res.writeHead(307, { location: `/loop${Number(url.slice(5, 8)) + 1}` });
        res.end();
      } else if (url.startsWith('/new/sharing/rest/info')) json(res, { authInfo: { isTokenBasedSecurity: true } });
      else if (url.startsWith('/new/sharing/rest/portals/self')) json(res, { isPortal: true, id: 'org1', name: 'Moved portal' });
      else json(res, { error: { code: 404 } }, 404);
    });
    expect(await probePortal(`${moved.origin}/old`, `${moved.origin}/old/sharing/rest`)).toEqual({ kind: 'ok', portal: { isPortal: true, orgId: 'org1', portalName: 'Moved portal' } });
    const loop = await probeRequest(`${moved.origin}/loop100`, { timeoutMs: 5000 });
    expect(loop).toEqual({ kind: 'refused', message: `${moved.origin}/loop${100 + MAX_REDIRECTS} redirected more than ${MAX_REDIRECTS} times; OrgKeeper stopped following.` });
    expect(moved.requests.filter((r) => r.startsWith('/loop'))).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('reports the step, host and status of a failure without repeating the remote text', async () => {
    const markup = '<script>alert("owned")</script><img src=x onerror=alert(1)>';
    const hostile = await host((req, res) => {
      if (req.url?.startsWith('/portal/sharing/rest/info')) json(res, { authInfo: {} });
      else json(res, { error: { code: 498, message: markup, details: [markup] } });
    });
    const selfError = await add({ url: `${hostile.origin}/portal`, fileLocation: join(folder.path, 'hostile') });
    expect(selfError.status).toBe(400);
    expect(selfError.body.error.fields?.url).toBe(
      `${hostile.origin}/portal did not describe itself as an ArcGIS portal (${hostile.origin}/portal/sharing/rest/portals/self gave HTTP 200, ArcGIS error 498). Check the URL, e.g. https://gis.example.com/portal.`
    );

    const htmlError = await host((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><body>${markup}</body></html>`);
    });
    const infoError = await add({ url: `${htmlError.origin}/portal`, fileLocation: join(folder.path, 'html') });
    expect(infoError.body.error.fields?.url).toMatch(new RegExp(`^${htmlError.origin}/portal answered, but not like an ArcGIS portal \\(${htmlError.origin}/portal/sharing/rest/info gave HTTP 500, not JSON\\)`));
    for (const answer of [selfError, infoError]) {
      expect(answer.text).not.toMatch(/script|alert|onerror|owned/);
    }
  });

  it('refuses 169.254.169.254, other link-local and metadata addresses, and names that resolve to one, before connecting', async () => {
    for (const url of ['http://169.254.169.254/portal', 'http://169.254.1.1/portal', 'http://[fe80::1]/portal', 'http://[fd00:ec2::254]/portal', 'http://[::ffff:169.254.169.254]/portal', 'http://0xa9fea9fe/portal']) {
      const refused = await add({ url, fileLocation: join(folder.path, 'metadata') });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error.fields?.url, url).toMatch(/is a link-local or cloud metadata address; OrgKeeper sends no request there/);
    }
    const byName = await add({ url: 'http://metadata.google.internal/portal', fileLocation: join(folder.path, 'metadata') });
    expect(byName.body.error.fields?.url).toMatch(/metadata\.google\.internal is a cloud metadata service; OrgKeeper sends no request there/);
    expect(await readdir(folder.path)).not.toContain('metadata');

    // A name the resolver maps to the metadata address, alone or among harmless addresses: every address is checked.
    let resolved = 0;
    for (const addresses of [['169.254.169.254'], ['127.0.0.1', '169.254.169.254']]) {
      const resolve = async () => {
        resolved++;
        return addresses.map((address) => ({ address, family: 4 as const }));
      };
      const probe = await probePortal('http://portal.example.test/portal', 'http://portal.example.test/portal/sharing/rest', { resolve });
      expect(probe).toEqual({
        kind: 'refused',
        message: 'OrgKeeper did not ask http://portal.example.test/portal/sharing/rest/info: portal.example.test is resolved to 169.254.169.254, a link-local or cloud metadata address; OrgKeeper sends no request there. Enter the address of the portal itself.'
      });
    }
    expect(resolved).toBe(2);
  });

  it('connects to the address it checked: a name that only the check resolves still reaches its server', async () => {
    const portal = await host((req, res) => {
      if (req.url?.startsWith('/portal/sharing/rest/info')) json(res, { authInfo: {} });
      else json(res, { isPortal: false, id: 'pinned', name: 'Pinned' });
    });
    const port = new URL(portal.origin).port;
    // portal.example.test exists in no DNS: the request can only reach the server through the checked address.
    const probe = await probePortal(`http://portal.example.test:${port}/portal`, `http://portal.example.test:${port}/portal/sharing/rest`, {
      resolve: async () => [{ address: '127.0.0.1', family: 4 }]
    });
    expect(probe).toEqual({ kind: 'ok', portal: { isPortal: false, orgId: 'pinned', portalName: 'Pinned' } });
    expect(portal.requests).toHaveLength(2);
  });

  it('keeps loopback and private networks, where the demo and on-premises portals live', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.5', '172.16.4.2', '192.168.1.10', 'fd12:3456::1', '100.64.0.1']) expect(forbiddenAddress(address), address).toBeUndefined();
    for (const address of ['169.254.169.254', '169.254.0.1', 'fe80::abcd', 'fd00:ec2::254', '::ffff:169.254.169.254', '100.100.100.200']) expect(forbiddenAddress(address), address).toBeDefined();
  });
});
