import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface ErrorBody {
  error: { code: string; message: string; retryAfterSeconds?: number };
}

const attempt = (client: ApiClient, username: string, password: string, ip?: string) =>
  client.post<ErrorBody>('/api/auth/login', { username, password }, ip ? { headers: { 'x-forwarded-for': ip } } : {});

describe('login throttling', () => {
  it('answers 429 with retryAfterSeconds after 5 failures for a username, even with the right password', async () => {
    const clock = manualClock();
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock });
    const client = server.client();
    for (let i = 0; i < 5; i++) {
      expect((await attempt(client, 'admin', `wrong-${i}`)).status).toBe(401);
      clock.advance(60_000);
    }
    const blocked = await attempt(client, 'ADMIN', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('throttled');
    expect(blocked.body.error.message).toMatch(/Too many failed sign-in attempts\. Wait 10 minutes/);
    // The oldest failure was 5 minutes ago; it stops counting 15 minutes after it happened.
    expect(blocked.body.error.retryAfterSeconds).toBe(600);
    expect(blocked.headers.get('retry-after')).toBe('600');

    clock.advance(599_000);
    expect((await attempt(client, 'admin', PASSWORD)).status).toBe(429);
    clock.advance(1_000);
    expect((await attempt(client, 'admin', PASSWORD)).status).toBe(200);
  });

  it('throttles usernames that do not exist the same way (no account enumeration)', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock: manualClock() });
    const client = server.client();
    for (let i = 0; i < 5; i++) expect((await attempt(client, 'ghost', 'x')).status).toBe(401);
    expect((await attempt(client, 'ghost', 'x')).status).toBe(429);
    // Other usernames from the same address are not affected yet.
    expect((await attempt(client, 'admin', PASSWORD)).status).toBe(200);
  });

  it('clears a username’s failures after a successful login', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock: manualClock() });
    const client = server.client();
    for (let i = 0; i < 4; i++) await attempt(client, 'admin', 'wrong');
    expect((await attempt(client, 'admin', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt(client, 'admin', 'wrong')).status).toBe(401);
    expect((await attempt(client, 'admin', PASSWORD)).status).toBe(200);
  });

  it('answers 429 after 20 failures from one IP address across usernames', async () => {
    const clock = manualClock();
    server = await startTestServer({
      admin: { username: 'admin', password: PASSWORD },
      clock,
      flags: { trustProxy: 'true' }
    });
    const client = server.client();
    for (let i = 0; i < 20; i++) {
      expect((await attempt(client, `user${i}`, 'wrong', '203.0.113.9')).status).toBe(401);
    }
    const blocked = await attempt(client, 'admin', PASSWORD, '203.0.113.9');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.retryAfterSeconds).toBe(900);
    // Another address is not blocked.
    expect((await attempt(client, 'admin', PASSWORD, '198.51.100.7')).status).toBe(200);

    clock.advance(15 * 60_000);
    expect((await attempt(client, 'admin', PASSWORD, '203.0.113.9')).status).toBe(200);
  });

  it('records throttled and failed logins in the audit log', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD }, clock: manualClock() });
    const client = server.client();
    for (let i = 0; i < 6; i++) await attempt(client, 'mallory', 'guess');
    const { events } = await server.server.services.audit.list({ limit: 10 });
    expect(events.filter((e) => e.action === 'auth.login' && e.result === 'failure')).toHaveLength(5);
    expect(events.find((e) => e.result === 'denied')?.details).toMatchObject({ reason: 'throttled' });
  });
});
