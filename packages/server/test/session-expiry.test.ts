import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('session lifetime', () => {
  it('ends a session left idle for the idle timeout (12 hours by default)', async () => {
    const clock = manualClock();
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock });
    const browser = await server.login();
    clock.advance(12 * HOUR - MINUTE);
    expect((await browser.get('/api/auth/session')).status).toBe(200);
    clock.advance(12 * HOUR);
    expect((await browser.get('/api/auth/session')).status).toBe(401);
  });

  it('slides the idle expiry forward while the session is used, up to the absolute lifetime', async () => {
    const clock = manualClock();
    server = await startTestServer({
      admin: { username: 'admin', password: PASSWORD },
      clock,
      sessions: { idleTtlMs: HOUR, absoluteTtlMs: 3 * HOUR }
    });
    const browser = await server.login();
    // Used every 50 minutes: each use pushes the idle expiry an hour ahead.
    for (let i = 0; i < 3; i++) {
      clock.advance(50 * MINUTE);
      expect((await browser.get('/api/auth/session')).status).toBe(200);
    }
    // 2.5 hours in; however active, the session ends at 3 hours.
    clock.advance(29 * MINUTE);
    expect((await browser.get('/api/auth/session')).status).toBe(200);
    clock.advance(2 * MINUTE);
    expect((await browser.get('/api/auth/session')).status).toBe(401);
  });

  it('gives the cookie the absolute lifetime as Max-Age', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const response = await server.client().post('/api/auth/login', { username: 'admin', password: PASSWORD });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('orgkeeper_session='));
    expect(cookie).toMatch(/Max-Age=604800/);
  });
});
