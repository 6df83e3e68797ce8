import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers.js';
import { startTestServer, type TestServer } from './support/server-harness.js';

let webDir: string;
let server: TestServer;
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-B1a2c3D4.js"></script></head><body><div id="root"></div></body></html>';

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'orgkeeper-web-'));
  await mkdir(join(webDir, 'assets'));
  await mkdir(join(webDir, 'calcite', 'assets', 'icon'), { recursive: true });
  await writeFile(join(webDir, 'index.html'), INDEX);
  await writeFile(join(webDir, 'assets', 'index-B1a2c3D4.js'), 'console.log("app")');
  await writeFile(join(webDir, 'calcite', 'assets', 'icon', 'plus16.json'), '["M0 0"]');
  await writeFile(join(webDir, '.env'), 'SECRET=1');
  server = await startTestServer({ webDir, admin: { username: 'admin', password: 'correct horse battery staple' } });
});
afterAll(async () => {
  await server?.close();
  await rm(webDir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

describe('web app', () => {
  it('serves index.html at / without caching and with the security headers', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('falls back to index.html for client-side routes', async () => {
    for (const path of ['/identities', '/identities/42/edit', '/login?next=%2Fidentities']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets as immutable and other files with a short cache', async () => {
    const hashed = await get('/assets/index-B1a2c3D4.js');
    expect(hashed.status).toBe(200);
    expect(hashed.headers.get('content-type')).toMatch(/javascript/);
    expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers.get('etag')).toBeTruthy();

    const icon = await get('/calcite/assets/icon/plus16.json');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600');

    // Raw request: fetch adds Cache-Control: no-cache to conditional requests, which forces a full answer.
    const revalidated = await rawGet('/calcite/assets/icon/plus16.json', { 'if-none-match': icon.headers.get('etag')! });
    expect(revalidated.status).toBe(304);
  });

  it('answers 404 (not index.html) for missing files and dotfiles', async () => {
    for (const path of ['/assets/missing-12345678.js', '/favicon.ico', '/.env', '/assets/../.env', '/calcite/.env']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain('SECRET');
    }
  });

  it('never serves files outside its folder, whatever the encoding of the path', async () => {
    const secretDir = join(webDir, '..');
    for (const path of ['/../etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%5c..%5cetc%5cpasswd', `/..%2f${encodeURIComponent(secretDir)}`]) {
      const { status, body } = await rawGet(path);
      expect([200, 400, 404], path).toContain(status);
      // A 200 can only be the web app's own index.html (client-side route fallback).
      if (status === 200) expect(body, path).toBe(INDEX);
      expect(body).not.toContain('root:');
    }
  });

  it('keeps /api JSON: unknown API paths are 401 without a session and JSON 404s with one, never the web app', async () => {
    const anonymous = await get('/api/does-not-exist');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });

    const signedIn = await server.login();
    const response = await signedIn.get<{ error: { code: string } }>('/api/does-not-exist');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({ error: { code: 'not_found' } });
    expect((await signedIn.delete('/api/does-not-exist')).status).toBe(404);
  });

  it('marks API answers no-store', async () => {
    const response = await get('/api/setup/status');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('web app not built', () => {
  it('says to run npm run build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'orgkeeper-noweb-'));
    const bare = await startTestServer({ webDir: join(empty, 'dist') });
    try {
      const response = await fetch(new URL('/', bare.url));
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('npm run build');
      expect((await fetch(new URL('/api/setup/status', bare.url))).status).toBe(200);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

/** GET with the path sent exactly as written (fetch would normalize dot segments first). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
