/**
 * Issue 11, part 5 (Host and Origin): OrgKeeper answers only requests that name its public URL's host
 * (or a loopback name when it listens on loopback only). A DNS-rebinding page (`evil.example`
 * re-pointed at OrgKeeper's address, so the browser sends `Host: evil.example` with a matching
 * Origin) must not create the first administrator, sign in, or read anything.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { hostRule, hostnameOf } from '../src/http/host-check.js';
import { createLogger } from '../src/logging/logger.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { rawClient, type RawClient, type RawResponse } from './support/raw-http.js';
import { startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
const CREDENTIALS = JSON.stringify({ username: 'gisadmin', password: PASSWORD });
let server: TestServer | undefined;
let raw: RawClient | undefined;
afterEach(async () => {
  raw?.close();
  raw = undefined;
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<{ server: TestServer; raw: RawClient; port: string }> {
  server = await startTestServer(options);
  raw = rawClient(server.url);
  return { server, raw, port: new URL(server.url).port };
}

const code = (response: RawResponse) => (JSON.parse(response.body) as { error?: { code?: string; message?: string } }).error;
const json = (host: string, origin: string) => ({ 'content-type': 'application/json', host, origin, 'sec-fetch-site': 'same-origin' });

describe('DNS rebinding', () => {
  it('cannot create the first administrator, sign in, or reach the API or the web app under another host name', async () => {
    const { server: s, raw: client, port } = await start();
    const evil = `evil.example:${port}`;
    const origin = `http://${evil}`;

    const setup = await client.send({ method: 'POST', path: '/api/setup', body: CREDENTIALS, headers: json(evil, origin) });
    expect(setup.status).toBe(400);
    expect(code(setup)?.code).toBe('host_not_allowed');
    expect(code(setup)?.message).toContain('--public-url');
    expect(code(setup)?.message).toContain(s.config.publicUrl);
    expect(await s.server.services.repositories.users.count()).toBe(0);
    // Encoded spellings reach the same refusal: the Host rule runs before routing decides anything.
    const encoded = await client.send({ method: 'POST', path: '/%61pi/setup', body: CREDENTIALS, headers: json(evil, origin) });
    expect(encoded.status).toBe(400);

    // The real page creates the administrator; the rebinding page still cannot sign in or read.
    const own = await client.send({ method: 'POST', path: '/api/setup', body: CREDENTIALS, headers: json(`127.0.0.1:${port}`, s.url) });
    expect(own.status).toBe(201);
    const login = await client.send({ method: 'POST', path: '/api/auth/login', body: CREDENTIALS, headers: json(evil, origin) });
    expect(login.status).toBe(400);
    expect(code(login)?.code).toBe('host_not_allowed');

    const admin = await s.login('gisadmin', PASSWORD);
    const withSession = { cookie: admin.cookie!, host: evil };
    for (const path of ['/api/audit', '/api/identities', '/api/auth/session', '/', '/identities']) {
      const answer = await client.send({ method: 'GET', path, headers: withSession });
      expect(answer.status, path).toBe(400);
      expect(code(answer)?.code, path).toBe('host_not_allowed');
    }
    const deleted = await client.send({ method: 'DELETE', path: '/api/identities/x1', headers: { ...withSession, 'x-csrf-token': admin.csrfToken! } });
    expect(deleted.status).toBe(400);
  });

  it('refuses a forged X-Forwarded-Host from a trusted proxy, and ignores the header from anyone else', async () => {
    const { raw: client, port } = await start({ flags: { trustProxy: 'true' } });
    const forwarded = await client.send({ method: 'GET', path: '/api/setup/status', headers: { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'evil.example' } });
    expect(forwarded.status).toBe(400);
    await server!.close();

    const { raw: direct, port: directPort } = await start();
    const ignored = await direct.send({ method: 'GET', path: '/api/setup/status', headers: { host: `127.0.0.1:${directPort}`, 'x-forwarded-host': 'evil.example' } });
    expect(ignored.status).toBe(200);
  });

  it('refuses a request without a Host header (HTTP/1.0) or with a malformed one', async () => {
    const { server: s, raw: client } = await start();
    for (const host of ['evil.example/x', 'a b', 'user@127.0.0.1', '127.0.0.1:99999']) {
      const answer = await client.send({ method: 'GET', path: '/api/setup/status', headers: { host } });
      expect(answer.status, host).toBe(400);
    }
    const url = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end('GET /api/setup/status HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 400/);
    expect(answer).toContain('host_not_allowed');
  });
});

describe('the names OrgKeeper answers to', () => {
  it('accepts the loopback names, any port, when it listens on loopback', async () => {
    const { server: s, raw: client, port } = await start({ publicUrl: 'https://orgkeeper.example.org', admin: { username: 'admin', password: PASSWORD } });
    expect(s.config.host).toBe('127.0.0.1');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', 'LOCALHOST:8500']) {
      const answer = await client.send({ method: 'GET', path: '/api/setup/status', headers: { host } });
      expect(answer.status, host).toBe(200);
    }
    // A browser on this machine signs in at http://localhost:<port>: its own origin.
    const body = JSON.stringify({ username: 'admin', password: PASSWORD });
    const login = await client.send({ method: 'POST', path: '/api/auth/login', body, headers: json(`localhost:${port}`, `http://localhost:${port}`) });
    expect(login.status).toBe(200);
    // Another loopback-looking name is not one of them.
    const other = await client.send({ method: 'GET', path: '/api/setup/status', headers: { host: 'localhost.evil.example' } });
    expect(other.status).toBe(400);
  });

  it('accepts the configured public URL’s host, with or without its port, and signs in from its origin', async () => {
    const { raw: client } = await start({ publicUrl: 'https://orgkeeper.example.org', admin: { username: 'admin', password: PASSWORD } });
    for (const host of ['orgkeeper.example.org', 'orgkeeper.example.org:443', 'OrgKeeper.Example.org', 'orgkeeper.example.org.']) {
      const answer = await client.send({ method: 'GET', path: '/api/setup/status', headers: { host } });
      expect(answer.status, host).toBe(200);
    }
    const body = JSON.stringify({ username: 'admin', password: PASSWORD });
    const login = await client.send({ method: 'POST', path: '/api/auth/login', body, headers: json('orgkeeper.example.org', 'https://orgkeeper.example.org') });
    expect(login.status).toBe(200);
    // Same host name, another origin (http, not the public https): the Origin check still refuses it.
    const wrongScheme = await client.send({ method: 'POST', path: '/api/auth/login', body, headers: json('orgkeeper.example.org', 'http://evil.example') });
    expect(wrongScheme.status).toBe(403);
  });

  it('does not accept loopback names when it listens on every interface, and warns when the public URL is loopback', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'orgkeeper-host-'));
    const db = openDatabase(join(dataDir, 'orgkeeper.db'));
    const lines: string[] = [];
    try {
      await migrateToLatest(db);
      const logger = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
      const build = (publicUrl: string) =>
        buildApp({
          config: loadConfig({ flags: { host: '0.0.0.0', port: '8500', dataDir, publicUrl }, env: {}, cwd: dataDir }),
          db,
          logger,
          secretBox: new SecretBox(randomBytes(32))
        });
      // Not listening: inject is enough to see the rule (nothing here depends on how the path is written).
      const app = await build('https://orgkeeper.example.org');
      try {
        const status = (host: string) => app.inject({ method: 'GET', url: '/api/setup/status', headers: { host } }).then((r) => r.statusCode);
        expect(await status('orgkeeper.example.org')).toBe(200);
        expect(await status('127.0.0.1:8500')).toBe(400);
        expect(await status('localhost:8500')).toBe(400);
        expect(await status('192.0.2.10:8500')).toBe(400);
      } finally {
        await app.close();
      }
      expect(lines.join('')).not.toContain('--public-url');
      await (await build('http://localhost:8500')).close();
      expect(lines.join('')).toContain('set --public-url to the address users open');
    } finally {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reads a Host header as a host name and port, nothing else', () => {
    expect(hostnameOf('Example.ORG:8500')).toBe('example.org');
    expect(hostnameOf('[::1]:8500')).toBe('[::1]');
    expect(hostnameOf('orgkeeper.example.org.')).toBe('orgkeeper.example.org');
    for (const bad of [undefined, '', 'a b', 'evil.example/x', 'user@host', 'host:99999', 'host:', '[::1', '-x.example']) expect(hostnameOf(bad), String(bad)).toBeNull();
    expect([...hostRule({ publicUrl: 'http://[::1]:8500', host: '::1' }).hostnames].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect([...hostRule({ publicUrl: 'https://orgkeeper.example.org', host: '0.0.0.0' }).hostnames]).toEqual(['orgkeeper.example.org']);
  });
});
