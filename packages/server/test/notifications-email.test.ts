/**
 * Email notifications against a real SMTP server on 127.0.0.1 (smtp-server, with and without authentication): settings
 * over REST (admin only, CSRF, password write-only and sealed at rest), the test message, clear errors for a wrong
 * password, a refused connection and a missing STARTTLS, and messages when operations end as the settings ask.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/logging/logger.js';
import { RUN_AGAIN, type JobHandler } from '../src/operations/job.types.js';
import { OperationRepository } from '../src/operations/operation.repository.js';
import { WorkerRepository } from '../src/operations/worker.repository.js';
import { OperationsService } from '../src/operations/operations.service.js';
import type { ForgetJobParams } from '../src/store-maintenance/store-maintenance.types.js';
import { runCli } from './support/cli-runner.js';
import { startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';
import { until } from './support/until.js';

const PASSWORD = 'correct horse battery staple';

interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

async function startSmtp(options: { auth?: { user: string; pass: string }; starttls?: boolean }) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    secure: false,
    // Without a certificate the server cannot offer STARTTLS; the tests of "none" and of a missing STARTTLS need that.
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8')
        });
        callback();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { mails, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Just enough of RFC 5322 / MIME for nodemailer's single-part text messages: headers, and the decoded body. */
function simpleParser(raw: string): { subject: string; contentType: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
    body = Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1'
    ).toString('utf8');
  } else if (/base64/i.test(header('Content-Transfer-Encoding'))) body = Buffer.from(body, 'base64').toString('utf8');
  return { subject: header('Subject'), contentType: header('Content-Type'), text: body.replace(/\r\n/g, '\n') };
}

describe('email notifications', () => {
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;
  let open: Awaited<ReturnType<typeof startSmtp>>;
  let authed: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    open = await startSmtp({});
    authed = await startSmtp({ auth: { user: 'mailer', pass: 's3cret pass' } });
    server = await startTestServer({
      accounts: [
        { username: 'admin', password: PASSWORD, role: 'admin' },
        { username: 'operator', password: PASSWORD, role: 'operator' }
      ]
    });
    admin = await server.login('admin');
    operator = await server.login('operator');
  });
  afterAll(async () => {
    await server?.close();
    await open?.close();
    await authed?.close();
  });

  it('keeps the settings (admins only, CSRF), never returns the password and stores it sealed', async () => {
    const empty = await admin.get<{ configured: boolean }>('/api/settings/notifications/email');
    expect(empty.body).toMatchObject({ configured: false });
    expect((await operator.get('/api/settings/notifications/email')).status).toBe(403);
    expect((await server.client().get('/api/settings/notifications/email')).status).toBe(401);
    const settings = { host: '127.0.0.1', port: authed.port, tlsMode: 'none', user: 'mailer', password: 's3cret pass', from: 'orgkeeper@example.org', recipients: ['gis-admins@example.org'] };
    expect((await admin.put('/api/settings/notifications/email', settings, { csrf: false })).status).toBe(403);
    expect((await operator.put('/api/settings/notifications/email', settings)).status).toBe(403);
    const saved = await admin.put<Record<string, unknown>>('/api/settings/notifications/email', settings);
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ configured: true, enabled: true, host: '127.0.0.1', user: 'mailer', passwordSet: true, notifyOnFailure: true, notifyOnPartial: true, notifyOnSuccess: false });
    expect(saved.text).not.toContain('s3cret');
    const row = await sql<{ smtp_password: string }>`select smtp_password from notification_settings`.execute(server.server.db);
    expect(row.rows[0]?.smtp_password).toMatch(/^v\d+:/);
    expect(row.rows[0]?.smtp_password).not.toContain('s3cret');

    const bad = await admin.put<{ error: { fields: Record<string, string> } }>('/api/settings/notifications/email', { host: 'smtp example', port: 0, from: 'nobody', recipients: ['a@b.org', 'not-an-address'] });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['from', 'host', 'port', 'recipients']);

    const audit = await admin.get<{ events: { action: string; details: Record<string, unknown> }[] }>('/api/audit?limit=100');
    const update = audit.body.events.find((e) => e.action === 'notifications.email.update');
    expect(update?.details).toMatchObject({ host: '127.0.0.1', user: 'mailer', signInChanged: true, signInStored: true });
    expect(JSON.stringify(audit.body)).not.toContain('s3cret');
  });

  it('sends a test message through a server that needs authentication, and explains a wrong password', async () => {
    const sent = await admin.post<{ accepted: string[] }>('/api/settings/notifications/email/test');
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.accepted).toEqual(['gis-admins@example.org']);
    const mail = await until(() => authed.mails.at(-1));
    expect(mail).toMatchObject({ from: 'orgkeeper@example.org', to: ['gis-admins@example.org'], user: 'mailer' });
    const parsed = simpleParser(mail.raw);
    expect(parsed.subject).toBe('OrgKeeper test message');
    expect(parsed.text).toContain('sent by admin');

    await admin.put('/api/settings/notifications/email', { password: 'wrong' });
    const refused = await admin.post<{ error: { message: string } }>('/api/settings/notifications/email/test');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/refused the user name or password/);
  });

  it('sends without authentication, and says what is wrong with a closed port or a server without STARTTLS', async () => {
    await admin.put('/api/settings/notifications/email', { port: open.port, user: null, password: null, tlsMode: 'none' });
    const ok = await admin.post('/api/settings/notifications/email/test', { to: ['someone@example.org'] });
    expect(ok.status, ok.text).toBe(200);
    expect((await until(() => open.mails.at(-1))).to).toEqual(['someone@example.org']);

    await admin.put('/api/settings/notifications/email', { tlsMode: 'starttls' });
    const noTls = await admin.post<{ error: { message: string } }>('/api/settings/notifications/email/test');
    expect(noTls.status).toBe(400);
    expect(noTls.body.error.message).toMatch(/STARTTLS/);

    const closed = await startSmtp({});
    await closed.close();
    await admin.put('/api/settings/notifications/email', { tlsMode: 'none', port: closed.port });
    const unreachable = await admin.post<{ error: { message: string } }>('/api/settings/notifications/email/test');
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.error.message).toMatch(/Could not talk to the SMTP server 127\.0\.0\.1:\d+.*Check the host, the port/);
  });

  it('emails when operations end as the settings ask (failure and success here, not partial)', async () => {
    await admin.put('/api/settings/notifications/email', { port: open.port, tlsMode: 'none', notifyOnFailure: true, notifyOnPartial: false, notifyOnSuccess: true });
    // A test job on the forget kind that ends as its params say, in a job runner of its own (its own database, so the
    // server's workers, which run the real forget job, never take these), whose ends go to the server's notifications.
    const db = openDatabase(join(server.dataDir, 'notification-jobs.db'));
    await migrateToLatest(db);
    const logger = createLogger({ level: 'silent' });
    const audit = new AuditService({ repository: new AuditRepository(db), clock: systemClock, logger });
    const operations = new OperationsService({ repository: new OperationRepository(db), workers: new WorkerRepository(db), identities: server.server.services.repositories.identities, audit, clock: systemClock, logger });
    operations.onFinished((operation) => server.server.services.notifications.operationFinished(operation));
    const handler: JobHandler<'forget'> = {
      kind: 'forget',
      interrupted: RUN_AGAIN,
      validate: (p) => p as ForgetJobParams,
      run: async (ctx) => {
        const outcome = (ctx.params as unknown as { outcome: 'succeeded' | 'partial' | 'failed' }).outcome;
        if (outcome === 'failed') throw new Error('the store is <b>unreachable</b>');
        return { status: outcome, message: `It ${outcome}.` };
      }
    };
    operations.register(handler);
    await operations.startWorker();
    const before = open.mails.length;
    try {
      for (const outcome of ['failed', 'partial', 'succeeded']) {
        const op = await operations.start('forget', null, { outcome }, { kind: 'user', userId: 'x', username: 'operator' });
        const end = Date.now() + 10_000;
        while (!['succeeded', 'partial', 'failed'].includes((await operations.get(op.id)).status) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await operations.shutdown();
      await db.destroy();
    }
    const mails = await until(() => (open.mails.length >= before + 2 ? open.mails.slice(before) : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(open.mails.length - before).toBe(2);
    const subjects = mails.map((m) => simpleParser(m.raw).subject);
    expect(subjects).toEqual(['[OrgKeeper] Forget failed', '[OrgKeeper] Forget succeeded']);
    const failed = simpleParser(mails[0]!.raw);
    expect(failed.text).toContain('The forget stopped: the store is <b>unreachable</b>.');
    expect(failed.contentType).toMatch(/^text\/plain/);
    expect(failed.text).toMatch(/Details and the per-item log: http:\/\/127\.0\.0\.1:\d+\/logs\/[0-9a-f-]{36}\n/);
  });

  it('emails only about the identities chosen, as webhooks do', async () => {
    const now = '2030-01-01T00:00:00.000Z';
    await server.server.services.repositories.identities.insert({
      id: 'id-springfield', name: 'Springfield', name_key: 'springfield', type: 'online', portal_url: 'https://www.arcgis.com', auth_method: 'oauth2', app_id: 'app',
      file_location: join(server.dataDir, 'springfield'), file_location_key: join(server.dataDir, 'springfield'), store_credentials: 0, org_id: 'org1', portal_name: null,
      username: null, status_state: 'not_connected', status_message: null, connected_at: null, token_expires: null, refresh_token_expires: null, has_password: 0,
      credentials: null, file_location_credentials: null, store_encryption: 0, store_passphrase: null, created_at: now, updated_at: now
    });
    const unknown = await admin.put<{ error: { fields: Record<string, string> } }>('/api/settings/notifications/email', { identityIds: ['nope'] });
    expect(unknown.body.error.fields.identityIds).toMatch(/no identity with the id "nope"/);
    const chosen = await admin.put<{ identityIds: string[] | null }>('/api/settings/notifications/email', { port: open.port, tlsMode: 'none', user: null, password: null, enabled: true, notifyOnFailure: true, identityIds: ['id-springfield'] });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body.identityIds).toEqual(['id-springfield']);
    const view = (identityId: string | null) => ({
      id: crypto.randomUUID(), kind: 'backup' as const, identityId, status: 'failed' as const, params: {}, progress: null, message: 'It failed.', result: null, snapshotId: null,
      createdBy: 'scheduler', createdAt: now, startedAt: now, finishedAt: now, cancelRequestedBy: null, attempt: 0, resumable: false, worker: null
    });
    const before = open.mails.length;
    await server.server.services.notifications.operationFinished(view(null));
    await server.server.services.notifications.operationFinished(view('another-identity'));
    await server.server.services.notifications.operationFinished(view('id-springfield'));
    expect(open.mails.length - before).toBe(1);
    expect(simpleParser(open.mails.at(-1)!.raw).subject).toBe('[OrgKeeper] Backup of Springfield failed');

    const everyone = await admin.put<{ identityIds: string[] | null }>('/api/settings/notifications/email', { identityIds: null });
    expect(everyone.body.identityIds).toBeNull();
    await server.server.services.notifications.operationFinished(view(null));
    expect(open.mails.length - before).toBe(2);
    const cli = await runCli(['notifications', 'set', '--identities', 'Springfield', '--json'], { dataDir: server.dataDir });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ identityIds: ['id-springfield'] });
    expect((await runCli(['notifications', 'show'], { dataDir: server.dataDir })).stdout).toMatch(/on {11}failure.*; 1 identity\n/);
    await runCli(['notifications', 'set', '--all-identities'], { dataDir: server.dataDir });
  });

  it('sends other parts\' messages (owners\' finding lists) through the saved settings, and says when email is off', async () => {
    const notifications = server.server.services.notifications;
    await admin.put('/api/settings/notifications/email', { port: open.port, tlsMode: 'none', enabled: true });
    expect(await notifications.emailUnavailable()).toBeNull();
    const before = open.mails.length;
    await notifications.sendMessage({ to: ['owner@example.org'], subject: 'Your items in Springfield', text: 'Line one\n<script>alert(1)</script>' });
    const mail = await until(() => (open.mails.length > before ? open.mails.at(-1) : undefined));
    expect(mail.to).toEqual(['owner@example.org']);
    const parsed = simpleParser(mail.raw);
    expect(parsed.subject).toBe('Your items in Springfield');
    expect(parsed.contentType).toMatch(/^text\/plain/);
    expect(parsed.text).toContain('Line one\n<script>alert(1)</script>');
    await expect(notifications.sendMessage({ to: ['not an address'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'validation_failed' });

    await admin.put('/api/settings/notifications/email', { enabled: false });
    expect(await notifications.emailUnavailable()).toMatch(/turned off/);
    await expect(notifications.sendMessage({ to: ['owner@example.org'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'conflict' });
    await admin.put('/api/settings/notifications/email', { enabled: true });
  });

  it('is set up and tested from the CLI as well (password from standard input)', async () => {
    const cli = (args: string[], stdin?: string) => runCli(args, { dataDir: server.dataDir, ...(stdin !== undefined ? { stdin } : {}) });
    const set = await cli(
      ['notifications', 'set', '--smtp-host', '127.0.0.1', '--smtp-port', String(authed.port), '--tls', 'none', '--smtp-user', 'mailer', '--password-stdin', '--from', 'cli@example.org', '--to', 'a@example.org,b@example.org', '--on', 'failure,success', '--enable', '--json'],
      's3cret pass\n'
    );
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ host: '127.0.0.1', port: authed.port, user: 'mailer', passwordSet: true, recipients: ['a@example.org', 'b@example.org'], notifyOnFailure: true, notifyOnPartial: false, notifyOnSuccess: true });
    expect(set.stdout).not.toContain('s3cret');
    const before = authed.mails.length;
    const test = await cli(['notifications', 'test']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toBe('Sent a test message to a@example.org, b@example.org.\n');
    expect((await until(() => authed.mails[before])).from).toBe('cli@example.org');
    const shown = await cli(['notifications', 'show']);
    expect(shown.stdout).toContain(`127.0.0.1:${authed.port} (none), user mailer (password stored)`);
    const wrong = await cli(['notifications', 'set', '--tls', 'ssl']);
    expect(wrong.code).toBe(2);
    const invalid = await cli(['notifications', 'set', '--from', 'nobody']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/from: Give the sender address/);
  });
});
