import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string>; retryAfterSeconds?: number };
}
interface SignedIn {
  user: { username: string; role: string };
  csrfToken: string;
}

describe('first run, login, session and logout over HTTP', () => {
  it('creates the first administrator, signs in, and refuses a second setup', async () => {
    server = await startTestServer();
    const browser = server.client();

    expect((await browser.get('/api/setup/status')).body).toEqual({ needsSetup: true });
    expect((await browser.get('/api/auth/session')).status).toBe(401);

    const setup = await browser.post<SignedIn>('/api/setup', { username: 'gisadmin', password: PASSWORD });
    expect(setup.status).toBe(201);
    expect(setup.body.user).toEqual({ username: 'gisadmin', role: 'admin' });
    expect(setup.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookie).toBeDefined();

    const session = await browser.get<SignedIn>('/api/auth/session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ user: { username: 'gisadmin', role: 'admin' }, csrfToken: setup.body.csrfToken, via: 'setup' });

    expect((await server.client().get('/api/setup/status')).body).toEqual({ needsSetup: false });
    const again = await server.client().post<ErrorBody>('/api/setup', { username: 'intruder', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('lets only one of two racing first-run requests create an administrator', async () => {
    server = await startTestServer();
    const results = await Promise.all(
      ['first1', 'second2', 'third3'].map((username) => server!.client().post('/api/setup', { username, password: PASSWORD }))
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await server.server.services.repositories.users.count()).toBe(1);
  });

  it('explains each invalid setup field', async () => {
    server = await startTestServer();
    const short = await server.client().post<ErrorBody>('/api/setup', { username: 'x', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('validation_failed');
    expect(short.body.error.fields).toEqual({
      username: 'Use 3 to 64 characters: letters, digits, and . _ - @, starting with a letter or digit.',
      password: 'Use at least 12 characters (this one has 5).'
    });

    const missing = await server.client().post<ErrorBody>('/api/setup', { username: 'admin' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', fields: { password: 'This field is required.' } });

    const wrongType = await server.client().post<ErrorBody>('/api/setup', { username: 42, password: PASSWORD });
    expect(wrongType.body.error.fields).toEqual({ username: 'Must be a string.' });

    const notJson = await server.client().post<ErrorBody>('/api/setup', '{"username":', { headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toEqual({ code: 'bad_request', message: 'The request body is not valid JSON.' });
    expect((await server.client().get('/api/setup/status')).body).toEqual({ needsSetup: true });
  });

  it('sets a HttpOnly, SameSite=Lax session cookie (Secure only under https) and stores only its hash', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const response = await server.client().post('/api/auth/login', { username: 'admin', password: PASSWORD });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('orgkeeper_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/i);

    const token = decodeURIComponent(cookie!.split(';')[0]!.split('=')[1]!);
    const rows = await server.server.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, publicUrl: 'https://orgkeeper.example.org' });
    const response = await server.client().post('/api/auth/login', { username: 'admin', password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().find((c) => c.startsWith('orgkeeper_session='))).toMatch(/; Secure/i);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('logs in with any letter case of the username, refuses wrong passwords, and logs out', async () => {
    server = await startTestServer({ admin: { username: 'Alice.Admin', password: PASSWORD } });
    const browser = server.client();

    const wrong = await browser.post<ErrorBody>('/api/auth/login', { username: 'alice.admin', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual({ code: 'invalid_credentials', message: 'The username or password is incorrect.' });
    const unknown = await browser.post<ErrorBody>('/api/auth/login', { username: 'nobody', password: PASSWORD });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);

    const login = await browser.post<SignedIn>('/api/auth/login', { username: 'alice.admin', password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ username: 'Alice.Admin', role: 'admin' });
    const user = await server.server.services.repositories.users.findByUsernameKey('alice.admin');
    expect(user?.last_login_at).not.toBeNull();

    const logout = await browser.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expect(browser.cookie).toBeUndefined();
    expect(await server.server.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });

  it('ends the session on the server: an old cookie no longer works after logout', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    const stolen = browser.cookie!;
    await browser.post('/api/auth/logout');
    const replay = await server.client().get('/api/auth/session', { headers: { cookie: stolen } });
    expect(replay.status).toBe(401);
  });

  it('replaces the browser’s previous session on a new login', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    const before = browser.cookie!;
    await browser.post('/api/auth/login', { username: 'admin', password: PASSWORD });
    expect(browser.cookie).not.toBe(before);
    expect((await server.client().get('/api/auth/session', { headers: { cookie: before } })).status).toBe(401);
    expect((await browser.get('/api/auth/session')).status).toBe(200);
  });

  it('accepts logout with a JSON content type and no body (as fetch sends it)', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    const response = await browser.post('/api/auth/logout', undefined, { headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(204);
  });

  it('refuses oversized bodies with payload_too_large', async () => {
    server = await startTestServer();
    const response = await server.client().post<ErrorBody>('/api/setup', { username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  it('answers unknown API paths with a JSON 404', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const response = await (await server.login()).get<ErrorBody>('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers the OAuth callback without a session, sending an unknown state back to the Identities page', async () => {
    server = await startTestServer();
    const response = await server.client().get('/api/oauth/callback?code=abc&state=def');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^\/identities\?result=error&code=state_expired&message=/);
  });
});
