import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface AuditPage {
  events: { id: string; occurredAt: string; actor: { kind: string; name: string }; action: string; target: string | null; result: string; details: Record<string, unknown>; ip: string | null }[];
  nextBefore: string | null;
}

describe('audit log', () => {
  it('records setup, login, failed login and logout, newest first', async () => {
    server = await startTestServer();
    const browser = server.client();
    await browser.post('/api/setup', { username: 'admin', password: PASSWORD });
    await browser.post('/api/auth/logout');
    await browser.post('/api/auth/login', { username: 'admin', password: 'wrong password!' });
    await browser.post('/api/auth/login', { username: 'admin', password: PASSWORD });

    const page = await browser.get<AuditPage>('/api/audit');
    expect(page.status).toBe(200);
    const summary = page.body.events.map((e) => [e.action, e.result, e.actor.kind, e.target]);
    expect(summary).toEqual([
      ['auth.login', 'success', 'user', 'admin'],
      ['auth.login', 'failure', 'anonymous', 'admin'],
      ['auth.logout', 'success', 'user', 'admin'],
      ['auth.login', 'success', 'user', 'admin'],
      ['setup.create_admin', 'success', 'anonymous', 'admin']
    ]);
    expect(page.body.events[1]?.details).toEqual({ reason: 'wrong_password' });
    expect(page.body.events[0]?.ip).toBe('127.0.0.1');
    expect(page.body.nextBefore).toBeNull();
    expect(JSON.stringify(page.body)).not.toContain(PASSWORD);
  });

  it('pages with limit and before', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    for (let i = 0; i < 5; i++) await server.login();
    // user.create + 6 logins (the one above and five more).
    const all = (await browser.get<AuditPage>('/api/audit?limit=100')).body.events;
    expect(all).toHaveLength(7);

    const first = await browser.get<AuditPage>('/api/audit?limit=3');
    expect(first.body.events.map((e) => e.id)).toEqual(all.slice(0, 3).map((e) => e.id));
    const second = await browser.get<AuditPage>(`/api/audit?limit=3&before=${first.body.nextBefore}`);
    expect(second.body.events.map((e) => e.id)).toEqual(all.slice(3, 6).map((e) => e.id));
    const third = await browser.get<AuditPage>(`/api/audit?limit=3&before=${second.body.nextBefore}`);
    expect(third.body.events.map((e) => e.id)).toEqual(all.slice(6).map((e) => e.id));
    expect(third.body.nextBefore).toBeNull();
  });

  it('explains invalid paging parameters', async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    const browser = await server.login();
    const tooMany = await browser.get<{ error: { code: string; fields: Record<string, string> } }>('/api/audit?limit=1000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'validation_failed', fields: { limit: 'Must be at most 500.' } });
    const notNumber = await browser.get<{ error: { fields: Record<string, string> } }>('/api/audit?limit=ten');
    expect(notNumber.body.error.fields).toEqual({ limit: 'Must be a whole number.' });
    const unknownCursor = await browser.get<{ error: { code: string; fields: Record<string, string> } }>('/api/audit?before=nope');
    expect(unknownCursor.status).toBe(400);
    expect(unknownCursor.body.error.fields.before).toMatch(/nextBefore/);
  });

  it('records accounts created by the CLI path with a system actor and never stores secrets in details', async () => {
    server = await startTestServer();
    const audit = server.server.services.audit;
    await audit.record({
      actor: { kind: 'system', name: 'cli:root' },
      action: 'test.secret',
      result: 'success',
      details: { password: 'p', nested: { refreshToken: 'r', keep: 1 }, note: 'ok' }
    });
    const { events } = await audit.list({ limit: 1 });
    expect(events[0]?.details).toEqual({ password: '[redacted]', nested: { refreshToken: '[redacted]', keep: 1 }, note: 'ok' });
  });
});
