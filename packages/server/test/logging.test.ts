import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'Unmistakable-Password-4711';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('logging', () => {
  it('never writes passwords, session cookies or CSRF tokens to the log, even at trace level', async () => {
    server = await startTestServer({ logLevel: 'trace' });
    const browser = server.client();
    await browser.post('/api/setup', { username: 'admin', password: PASSWORD });
    const setupToken = browser.csrfToken!;
    await browser.post('/api/auth/logout');
    await browser.post('/api/auth/login', { username: 'admin', password: 'Wrong-Password-0815' });
    await browser.post('/api/auth/login', { username: 'admin', password: PASSWORD });
    await browser.get('/api/audit');
    await browser.get('/api/oauth/callback?code=OAUTH-CODE-123&state=STATE-456');
    const cookie = browser.cookie!.split('=')[1]!;

    const logs = server.logs();
    expect(logs).toContain('"url":"/api/auth/login"');
    expect(logs).toContain('audit event');
    for (const secret of [PASSWORD, 'Wrong-Password-0815', setupToken, browser.csrfToken!, cookie, 'OAUTH-CODE-123', 'STATE-456']) {
      expect(logs, `log contains ${secret}`).not.toContain(secret);
    }
  });

  it('logs one line per API request with method, redacted URL, status and user', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    await browser.get('/api/audit?limit=2');
    const lines = server
      .logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.find((l) => l.msg === 'request' && l.url === '/api/audit?limit=2');
    expect(line).toMatchObject({ method: 'GET', statusCode: 200, user: 'admin', level: 30 });
  });
});
