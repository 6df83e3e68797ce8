import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
});
afterAll(async () => {
  await server?.close();
});

interface ErrorBody {
  error: { code: string; message: string };
}

describe('CSRF protection', () => {
  it('refuses a state-changing request with a session but no X-CSRF-Token header', async () => {
    const browser = await server.login();
    const response = await browser.post<ErrorBody>('/api/auth/logout', undefined, { csrf: false });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('csrf_failed');
    expect(response.body.error.message).toMatch(/X-CSRF-Token/);
    // The session survived the refused request.
    expect((await browser.get('/api/auth/session')).status).toBe(200);
  });

  it('refuses a wrong token and a token from another session', async () => {
    const alice = await server.login();
    const other = await server.login();
    const wrong = await alice.post<ErrorBody>('/api/auth/logout', undefined, { headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    const foreign = await alice.post<ErrorBody>('/api/auth/logout', undefined, { headers: { 'x-csrf-token': other.csrfToken! } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('csrf_failed');
    expect((await alice.post('/api/auth/logout')).status).toBe(204);
  });

  it('does not ask for a token on safe methods', async () => {
    const browser = await server.login();
    expect((await browser.get('/api/audit', { headers: {} })).status).toBe(200);
  });

  it('refuses login from another site (Origin or Sec-Fetch-Site) with a message naming the expected origin', async () => {
    const crossOrigin = await server.client().post<ErrorBody>(
      '/api/auth/login',
      { username: 'admin', password: PASSWORD },
      { headers: { origin: 'https://evil.example' } }
    );
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body.error.code).toBe('csrf_failed');
    expect(crossOrigin.body.error.message).toContain(server.config.publicUrl);

    const crossSite = await server.client().post<ErrorBody>(
      '/api/auth/login',
      { username: 'admin', password: PASSWORD },
      { headers: { 'sec-fetch-site': 'cross-site' } }
    );
    expect(crossSite.status).toBe(403);
    const sameSite = await server.client().post('/api/setup', { username: 'admin', password: PASSWORD }, { headers: { 'sec-fetch-site': 'same-site' } });
    expect(sameSite.status).toBe(403);
  });

  it('accepts login from its own origin, by public URL or by the address it was reached at', async () => {
    const byPublicUrl = await server.client().post(
      '/api/auth/login',
      { username: 'admin', password: PASSWORD },
      { headers: { origin: new URL(server.config.publicUrl).origin, 'sec-fetch-site': 'same-origin' } }
    );
    expect(byPublicUrl.status).toBe(200);
    const byAddress = await server.client().post('/api/auth/login', { username: 'admin', password: PASSWORD }, { headers: { origin: server.url } });
    expect(byAddress.status).toBe(200);
  });

  it('refuses a login form post that is not JSON (what a cross-site HTML form would send)', async () => {
    const form = await server.client().post<ErrorBody>('/api/auth/login', 'username=admin&password=x', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    const text = await server.client().post<ErrorBody>('/api/auth/login', JSON.stringify({ username: 'admin', password: PASSWORD }), {
      headers: { 'content-type': 'text/plain' }
    });
    expect(text.status).toBe(415);
  });
});
