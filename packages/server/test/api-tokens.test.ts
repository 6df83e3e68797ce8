import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-runner.js';
import { manualClock, startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 24 * 3600_000;

interface TokenView {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  expired: boolean;
}
interface Created {
  token: string;
  apiToken: TokenView;
}
interface AuditBody {
  events: { action: string; result: string; actor: { kind: string; name: string; userId: string | null }; target: string | null }[];
}

describe('API tokens', () => {
  let server: TestServer;
  let admin: ApiClient;
  const clock = manualClock(new Date());

  beforeAll(async () => {
    server = await startTestServer({
      accounts: [
        { username: 'admin', password: PASSWORD, role: 'admin' },
        { username: 'viewer', password: PASSWORD, role: 'viewer' }
      ],
      clock
    });
    admin = await server.login();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function create(body: Record<string, unknown>): Promise<Created> {
    const res = await admin.post<Created>('/api/tokens', body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  it('creates a named token with a role, shows it once, and keeps only its SHA-256', async () => {
    const created = await create({ name: 'Nightly backup', role: 'operator' });
    expect(created.token).toMatch(/^okt_[A-Za-z0-9_-]{43}$/);
    expect(created.apiToken).toMatchObject({ name: 'Nightly backup', role: 'operator', createdBy: 'admin', expiresAt: null, lastUsedAt: null, expired: false });
    expect(created.apiToken.prefix).toBe(created.token.slice(0, 8));

    const list = await admin.get<{ tokens: TokenView[] }>('/api/tokens');
    const listed = list.body.tokens.find((t) => t.name === 'Nightly backup');
    expect(listed).toEqual(created.apiToken);
    expect(list.text).not.toContain(created.token);

    // The database (and its WAL) holds the hash, never the token.
    const files = ['orgkeeper.db', 'orgkeeper.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    const stored = (await Promise.all(files.map((f) => readFile(f, 'latin1')))).join('');
    expect(stored.includes(created.token)).toBe(false);
    expect(stored.includes(created.token.slice(8))).toBe(false);
    expect(stored.includes(createHash('sha256').update(created.token).digest('hex'))).toBe(true);
    expect(server.logs().includes(created.token)).toBe(false);
  });

  it('authenticates Bearer requests with the role of the token, no CSRF header, and never sets a cookie', async () => {
    const operator = server.tokenClient((await create({ name: 'ops', role: 'operator' })).token);
    const identities = await operator.get('/api/identities');
    expect(identities.status).toBe(200);
    expect(identities.headers.get('set-cookie')).toBeNull();

    // A state-changing operator route, without any CSRF header.
    const preview = await operator.post<{ runs: string[] }>('/api/schedules/preview', { timing: { preset: 'daily', time: '02:00' }, timeZone: 'UTC' });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.headers.get('set-cookie')).toBeNull();

    // Role rules as for sessions: an operator token cannot do an administrator's work.
    const refused = await operator.post<{ error: { code: string; message: string } }>('/api/tokens', { name: 'escalate', role: 'admin' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('This needs the admin role; the API token "ops" has operator.');
    expect((await operator.get('/api/audit')).status).toBe(403);

    const viewer = server.tokenClient((await create({ name: 'read only', role: 'viewer' })).token);
    expect((await viewer.get('/api/operations')).status).toBe(200);
    expect((await viewer.post('/api/operations', { kind: 'prune' })).status).toBe(403);

    // Signing in with a token is refused, and even then no cookie is handed out.
    const login = await operator.post('/api/auth/login', { username: 'admin', password: PASSWORD });
    expect(login.status).toBe(400);
    expect(login.headers.get('set-cookie')).toBeNull();
    const probe = await operator.get<{ error: { message: string } }>('/api/auth/session');
    expect(probe.status).toBe(400);
    expect(probe.body.error.message).toMatch(/API tokens have no session/);
  });

  it('audits what a token does under the token’s name', async () => {
    const created = await create({ name: 'auditor-bot', role: 'admin' });
    const bot = server.tokenClient(created.token);
    const made = await bot.post<Created>('/api/tokens', { name: 'made by a bot', role: 'viewer' });
    expect(made.status).toBe(201);
    expect(made.body.apiToken.createdBy).toBe('auditor-bot');
    const audit = await admin.get<AuditBody>('/api/audit');
    const event = audit.body.events.find((e) => e.action === 'token.create' && e.target === 'made by a bot');
    expect(event).toMatchObject({ result: 'success', actor: { kind: 'token', name: 'auditor-bot', userId: created.apiToken.id } });
    const byAdmin = audit.body.events.find((e) => e.action === 'token.create' && e.target === 'auditor-bot');
    expect(byAdmin).toMatchObject({ actor: { kind: 'user', name: 'admin' } });
  });

  it('records when a token was last used (at most once a minute)', async () => {
    const created = await create({ name: 'used', role: 'viewer' });
    const client = server.tokenClient(created.token);
    await client.get('/api/identities');
    const first = (await admin.get<{ tokens: TokenView[] }>('/api/tokens')).body.tokens.find((t) => t.name === 'used');
    expect(first?.lastUsedAt).toBe(clock().toISOString());
    clock.advance(30_000);
    await client.get('/api/identities');
    const second = (await admin.get<{ tokens: TokenView[] }>('/api/tokens')).body.tokens.find((t) => t.name === 'used');
    expect(second?.lastUsedAt).toBe(first?.lastUsedAt);
    clock.advance(31_000);
    await client.get('/api/identities');
    const third = (await admin.get<{ tokens: TokenView[] }>('/api/tokens')).body.tokens.find((t) => t.name === 'used');
    expect(third?.lastUsedAt).toBe(clock().toISOString());
  });

  it('answers 401 to a revoked token and to an expired one', async () => {
    const revoked = await create({ name: 'to revoke', role: 'viewer' });
    const client = server.tokenClient(revoked.token);
    expect((await client.get('/api/identities')).status).toBe(200);
    const res = await admin.delete<TokenView>(`/api/tokens/${revoked.apiToken.id}`);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('to revoke');
    const after = await client.get<{ error: { code: string; message: string } }>('/api/identities');
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/unknown, revoked or expired/);
    expect((await admin.get<{ tokens: TokenView[] }>('/api/tokens')).body.tokens.some((t) => t.name === 'to revoke')).toBe(false);

    const expiring = await create({ name: 'short', role: 'viewer', expiresAt: new Date(clock().getTime() + DAY).toISOString() });
    const shortLived = server.tokenClient(expiring.token);
    expect((await shortLived.get('/api/identities')).status).toBe(200);
    clock.advance(DAY + 1000);
    expect((await shortLived.get('/api/identities')).status).toBe(401);
    // The administrator's session ended too, idle for a day.
    admin = await server.login();
    const listed = (await admin.get<{ tokens: TokenView[] }>('/api/tokens')).body.tokens.find((t) => t.name === 'short');
    expect(listed?.expired).toBe(true);
  });

  it('explains bad input: names, roles, expiry, a taken name, an unknown token', async () => {
    const bad = await admin.post<{ error: { code: string; fields: Record<string, string> } }>('/api/tokens', { name: ' ', role: 'admin', expiresAt: 'soon' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['expiresAt', 'name']);
    const past = await admin.post<{ error: { fields: Record<string, string> } }>('/api/tokens', { name: 'past', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' });
    expect(past.body.error.fields.expiresAt).toMatch(/in the past/);
    const role = await admin.post('/api/tokens', { name: 'r', role: 'root' });
    expect(role.status).toBe(400);
    await create({ name: 'Taken', role: 'viewer' });
    const taken = await admin.post<{ error: { code: string } }>('/api/tokens', { name: 'taken', role: 'viewer' });
    expect(taken.status).toBe(409);
    expect((await admin.delete('/api/tokens/no-such-token')).status).toBe(404);
    const viewer = await server.login('viewer');
    expect((await viewer.get('/api/tokens')).status).toBe(403);
  });

  it('is managed from the CLI: create prints the token once, list never shows it, revoke ends it', async () => {
    const created = await runCli(['tokens', 'create', '--name', 'cli-made', '--role', 'operator', '--expires', '30d'], { dataDir: server.dataDir });
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^okt_/);
    expect(created.stderr).toMatch(/shown only now/);
    expect((await server.tokenClient(token).get('/api/operations')).status).toBe(200);

    const list = await runCli(['tokens', 'list'], { dataDir: server.dataDir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/cli-made\s+operator\s+okt_\S{4}…/);
    expect(list.stdout).not.toContain(token);
    const json = JSON.parse((await runCli(['tokens', 'list', '--json'], { dataDir: server.dataDir })).stdout) as { tokens: TokenView[] };
    const listed = json.tokens.find((t) => t.name === 'cli-made');
    expect(listed?.createdBy).toMatch(/^cli:/);
    expect(Date.parse(listed?.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * DAY);

    const revoked = await runCli(['tokens', 'revoke', 'cli-made'], { dataDir: server.dataDir });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked the token "cli-made"/);
    expect((await server.tokenClient(token).get('/api/operations')).status).toBe(401);

    const unknown = await runCli(['tokens', 'revoke', 'cli-made'], { dataDir: server.dataDir });
    expect(unknown.code).toBe(1);
    const usage = await runCli(['tokens', 'create', '--role', 'operator'], { dataDir: server.dataDir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--name is required/);
  });
});
