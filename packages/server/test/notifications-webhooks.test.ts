/**
 * Webhooks against real HTTP receivers on 127.0.0.1 that verify OrgKeeper's signature as a receiver would: settings
 * over REST (admins only, CSRF, URL and secret write-only and sealed at rest, link-local and metadata addresses
 * refused), the test button, signed JSON (a tampered body or an old timestamp fails verification), retries after 500
 * and 429 (Retry-After honoured) and after a receiver that does not answer, no retry after 404 or a redirect (which is
 * never followed), Slack and Teams message shapes with hostile text kept plain, triggers per outcome and identity, a
 * bounded queue, deliveries kept across a restart, real backup operations that fail and succeed, and the CLI.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemResolve, type Resolve } from '../src/http/outbound-target.js';
import type { WebhookDeliveryView, WebhookView } from '../src/notifications/webhook.types.js';
import { signature } from '../src/notifications/webhook-signature.js';
import { verifySignature } from '../src/notifications/webhook-signature.js';
import type { OperationView } from '../src/operations/operation.types.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, createIdentity, startDataDirFixture, startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';
import { startTestServer, type ApiClient } from './support/server-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';
import { until as waitUntil } from './support/until.js';

const PATH = '/api/settings/notifications/webhooks';
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface Saved {
  webhook: WebhookView;
  secret?: string;
}

/** receiver.test is 127.0.0.1; metadata-alias.test resolves to the cloud metadata address. */
const resolve: Resolve = async (host) => {
  if (host === 'receiver.test') return [{ address: '127.0.0.1', family: 4 }];
  if (host === 'metadata-alias.test') return [{ address: '169.254.169.254', family: 4 }];
  return systemResolve(host);
};
/** Fast retries, a short time limit, a small queue: what the tests can wait for. */
const POLICY = { baseDelayMs: 100, maxDelayMs: 3000, pollMs: 50, timeoutMs: 1000, maxAttempts: 4, maxUnfinishedPerWebhook: 3, resolve };

function operation(overrides: Partial<OperationView> = {}): OperationView {
  const id = overrides.id ?? crypto.randomUUID();
  return {
    id,
    kind: 'backup',
    identityId: null,
    status: 'failed',
    params: {},
    progress: null,
    message: 'The backup stopped.',
    result: null,
    snapshotId: null,
    createdBy: 'scheduler',
    createdAt: '2030-01-01T00:00:00.000Z',
    startedAt: '2030-01-01T00:00:01.000Z',
    finishedAt: '2030-01-01T00:01:31.000Z',
    cancelRequestedBy: null,
    attempt: 0,
    resumable: false,
    worker: null,
    ...overrides
  };
}

/** Webhook deliveries retry with back-off: a longer wait than the default (generous: a loaded CI machine, 2 cores, every test file at once). */
const until = <T>(probe: () => Promise<T | undefined | false>) => waitUntil(probe, { timeoutMs: 45_000, intervalMs: 25 });

describe('webhooks', () => {
  let org: OrgFixture;
  let admin: ApiClient;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (secret?: string) => {
    const r = await startWebhookReceiver(secret ? { secret } : {});
    receivers.push(r);
    return r;
  };
  const add = async (body: Record<string, unknown>) => {
    const saved = await admin.post<Saved>(PATH, body);
    expect(saved.status, saved.text).toBe(201);
    return saved.body;
  };
  const deliveries = async (id: string) => (await admin.get<{ deliveries: WebhookDeliveryView[] }>(`${PATH}/${id}/deliveries`)).body.deliveries;
  /** The webhook's newest delivery once it has finished (delivered or failed). */
  const finished = (id: string, count = 1) => until(async () => {
    const list = await deliveries(id);
    return list.length >= count && list.slice(0, count).every((d) => d.status === 'delivered' || d.status === 'failed') ? list : undefined;
  });
  const services = () => org.server.server.services;

  beforeAll(async () => {
    org = await startOrgFixture({ server: { webhooks: POLICY } });
    admin = org.admin;
  }, 60_000);
  afterAll(async () => {
    await org?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('keeps webhooks for administrators only, the URL and secret write-only and sealed, and refuses bad or metadata URLs', async () => {
    const target = await receiver();
    const url = `${target.origin}/hooks/T000/B000/secret-path-42`;
    expect((await org.operator.get(PATH)).status).toBe(403);
    expect((await org.server.client().get(PATH)).status).toBe(401);
    expect((await org.operator.post(PATH, { name: 'x', kind: 'slack', url })).status).toBe(403);
    expect((await admin.post(PATH, { name: 'x', kind: 'slack', url }, { csrf: false })).status).toBe(403);

    const created = await admin.post<Saved>(PATH, { name: 'Ops channel', kind: 'slack', url, identityIds: [org.identityId], notifyOnSuccess: true });
    expect(created.status, created.text).toBe(201);
    expect(created.body.secret).toBeUndefined();
    expect(created.body.webhook).toMatchObject({ name: 'Ops channel', kind: 'slack', urlDisplay: `${target.origin}/…`, secretSet: false, enabled: true, notifyOnFailure: true, notifyOnPartial: true, notifyOnSuccess: true, identityIds: [org.identityId], lastDelivery: null });
    const signed = await admin.post<Saved>(PATH, { name: 'SIEM', kind: 'json', url: `${target.origin}/siem?key=abc` });
    expect(signed.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signed.body.webhook.secretSet).toBe(true);

    const listed = await admin.get<{ webhooks: WebhookView[] }>(PATH);
    expect(listed.body.webhooks.map((w) => w.name)).toEqual(['Ops channel', 'SIEM']);
    for (const text of [listed.text, (await admin.get(`${PATH}/${signed.body.webhook.id}`)).text]) {
      expect(text).not.toContain('secret-path-42');
      expect(text).not.toContain('key=abc');
      expect(text).not.toContain(signed.body.secret!);
    }
    const rows = await sql<{ url: string; secret: string | null }>`select url, secret from webhooks`.execute(org.server.server.db);
    for (const row of rows.rows) {
      expect(row.url).toMatch(/^v1:/);
      expect(row.url).not.toContain('secret-path');
      if (row.secret !== null) expect(row.secret).toMatch(/^v1:/);
    }
    const audit = await admin.get('/api/audit?limit=50');
    expect(audit.text).toContain('notifications.webhook.create');
    expect(audit.text).not.toContain('secret-path-42');
    expect(audit.text).not.toContain(signed.body.secret!);

    // A change keeps the URL and secret unless given; a new secret is shown once; names stay unique.
    const renamed = await admin.patch<Saved>(`${PATH}/${signed.body.webhook.id}`, { name: 'SIEM audit', rotateSecret: true });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(renamed.body.secret).not.toBe(signed.body.secret);
    const clash = await admin.patch<ErrorBody>(`${PATH}/${signed.body.webhook.id}`, { name: 'ops CHANNEL' });
    expect(clash.body.error.fields?.name).toMatch(/exists already/);

    const bad = async (body: Record<string, unknown>) => (await admin.post<ErrorBody>(PATH, { name: `Bad ${Math.random()}`, kind: 'json', ...body })).body.error;
    expect((await bad({ url: 'ftp://example.org/x' })).fields?.url).toMatch(/starts with https:\/\//);
    expect((await bad({ url: 'not a url' })).fields?.url).toMatch(/full URL/);
    expect((await bad({ url: 'http://user:pw@example.org/x' })).fields?.url).toMatch(/no user name or password/);
    expect((await bad({ url: 'http://169.254.169.254/latest/meta-data/' })).fields?.url).toMatch(/link-local or cloud metadata address/);
    expect((await bad({ url: 'http://[fe80::1]/x' })).fields?.url).toMatch(/link-local or cloud metadata address/);
    expect((await bad({ url: 'http://metadata.google.internal/computeMetadata/v1/' })).fields?.url).toMatch(/cloud metadata service/);
    expect((await bad({ url: 'http://metadata-alias.test/x' })).fields?.url).toMatch(/resolved to 169\.254\.169\.254/);
    expect((await bad({ url: `${target.origin}/x`, secret: 'short' })).fields?.secret).toMatch(/16 to 200 characters/);
    expect((await bad({ url: `${target.origin}/x`, kind: 'teams', secret: 'a long enough secret' })).fields?.secret).toMatch(/not signed/);
    expect((await bad({ url: `${target.origin}/x`, identityIds: ['nope'] })).fields?.identityIds).toMatch(/no identity with the id "nope"/);
    expect((await bad({ url: `${target.origin}/x`, identityIds: [] })).fields?.identityIds).toMatch(/at least one identity/);
    expect(target.requests).toEqual([]);

    expect((await admin.delete(`${PATH}/${created.body.webhook.id}`)).status).toBe(204);
    expect((await admin.delete(`${PATH}/${signed.body.webhook.id}`)).status).toBe(204);
    expect((await admin.get(`${PATH}/${signed.body.webhook.id}`)).status).toBe(404);
  });

  it('signs a JSON delivery so the receiver can verify it; a tampered body, a wrong secret or an old timestamp fails', async () => {
    const secret = 'receiver and OrgKeeper share this secret';
    const target = await receiver(secret);
    const hook = await add({ name: 'Signed', kind: 'json', url: `http://receiver.test:${new URL(target.origin).port}/orgkeeper`, secret });
    const test = await admin.post<WebhookDeliveryView>(`${PATH}/${hook.webhook.id}/test`);
    expect(test.status, test.text).toBe(200);
    expect(test.body).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, error: null, event: 'test' });
    const [request] = await target.waitFor(1);
    expect(request!.verified).toEqual({ ok: true });
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/orgkeeper');
    expect(request!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request!.headers['x-orgkeeper-event']).toBe('test');
    expect(request!.headers['x-orgkeeper-delivery']).toBe(test.body.id);
    expect(request!.headers['x-orgkeeper-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.parse(request!.body)).toMatchObject({ event: 'test', deliveryId: test.body.id, summary: 'OrgKeeper test message', sentBy: 'admin' });

    // What a receiver must refuse, checked with the receiver's own steps.
    const timestamp = request!.headers['x-orgkeeper-timestamp'] as string;
    const sig = request!.headers['x-orgkeeper-signature'] as string;
    const now = Math.floor(Date.now() / 1000);
    const check = (over: Partial<Parameters<typeof verifySignature>[0]>) => verifySignature({ secret, rawBody: request!.body, timestamp, signature: sig, nowSeconds: now, ...over });
    expect(check({})).toEqual({ ok: true });
    expect(check({ rawBody: request!.body.replace('test message', 'test messagE') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ secret: 'another secret entirely' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ nowSeconds: now + 3600 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    // A replay with a fresh timestamp but the old signature does not verify either: the timestamp is signed.
    expect(check({ timestamp: String(now + 1) })).toEqual({ ok: false, reason: 'mismatch' });

    // A forged request to the receiver (tampered body, the captured signature) is refused by it with 401.
    const forged = await fetch(`${target.origin}/orgkeeper`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-orgkeeper-timestamp': timestamp, 'x-orgkeeper-signature': sig },
      body: request!.body.replace('"admin"', '"mallory"')
    });
    expect(forged.status).toBe(401);
    expect(target.requests[1]!.verified).toEqual({ ok: false, reason: 'mismatch' });
    expect(signature(secret, Number(timestamp), request!.body)).toBe(sig);

    // The receiver refusing OrgKeeper (another secret there) shows as a failed delivery that says what to check.
    const other = await receiver('the receiver was given another secret');
    const mismatched = await add({ name: 'Mismatched', kind: 'json', url: `${other.origin}/x`, secret });
    const refused = await admin.post<WebhookDeliveryView>(`${PATH}/${mismatched.webhook.id}/test`);
    expect(refused.body).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 401 });
    expect(refused.body.error).toMatch(/refused the message with HTTP 401.*same secret/);
  });

  it('retries after HTTP 500 and 429 (waiting as long as Retry-After asks), and gives up at once on 404 and on a redirect', async () => {
    const target = await receiver();
    const hook = await add({ name: 'Flaky', kind: 'json', url: `${target.origin}/flaky` });
    target.script([{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }]);
    await services().webhooks.operationFinished(operation({ status: 'failed' }));
    const [delivery] = await finished(hook.webhook.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200, error: null });
    const [first, second, third] = target.requests;
    expect([first!.status, second!.status, third!.status]).toEqual([500, 429, 200]);
    // Every attempt is the same delivery, signed afresh.
    expect(new Set(target.requests.map((r) => r.headers['x-orgkeeper-delivery'])).size).toBe(1);
    expect(new Set(target.requests.map((r) => r.body)).size).toBe(1);
    // Retry-After: 1 held the third attempt back at least a second after the 429 (the backoff alone is 0.2 s).
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(1000);

    const gone = await receiver();
    const removed = await add({ name: 'Removed at the receiver', kind: 'json', url: `${gone.origin}/gone` });
    gone.script([{ status: 404 }]);
    await services().webhooks.operationFinished(operation({ status: 'failed' }));
    const [notFound] = await finished(removed.webhook.id);
    expect(notFound).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 404 });
    expect(notFound!.error).toMatch(/refused the message with HTTP 404\. The webhook may have been removed/);

    // A redirect is an answer, never followed, least of all to another host.
    const elsewhere = await receiver();
    const redirecting = await receiver();
    const moved = await add({ name: 'Moved', kind: 'json', url: `${redirecting.origin}/old` });
    redirecting.script([{ status: 307, headers: { location: `${elsewhere.origin}/new` } }]);
    await services().webhooks.operationFinished(operation({ status: 'failed' }));
    const [redirect] = await finished(moved.webhook.id);
    expect(redirect).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 307 });
    expect(redirect!.error).toContain(`a redirect to ${new URL(elsewhere.origin).host}; OrgKeeper does not follow redirects`);
    expect(elsewhere.requests).toEqual([]);
    for (const id of [hook.webhook.id, removed.webhook.id, moved.webhook.id]) await admin.delete(`${PATH}/${id}`);
  });

  it('ends an attempt the receiver does not answer in time, retries it, and gives up after the last attempt with the reason', async () => {
    const target = await receiver();
    const hook = await add({ name: 'Silent', kind: 'json', url: `${target.origin}/silent` });
    target.script([{ status: 0, hang: true }, { status: 503 }, { status: 502 }, { status: 500 }]);
    await services().webhooks.operationFinished(operation({ status: 'failed' }));
    const [delivery] = await finished(hook.webhook.id);
    expect(target.requests.map((r) => r.status)).toEqual([0, 503, 502, 500]);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 4, responseStatus: 500 });
    expect(delivery!.error).toMatch(/answered HTTP 500 \(a server error\)\. Gave up after 4 attempts\./);
    // The first attempt's outcome, before it was retried, named the time limit (in the server's log).
    expect(org.server.logs()).toMatch(/did not answer within 1 second\./);
    await admin.delete(`${PATH}/${hook.webhook.id}`);
  });

  it('stops retrying a delivery once its webhook is turned off', async () => {
    const target = await receiver();
    const hook = await add({ name: 'Turned off', kind: 'json', url: `${target.origin}/off` });
    target.script([{ status: 0, hang: true }]);
    await services().webhooks.operationFinished(operation({ status: 'failed' }));
    // Turned off while the first attempt waits for an answer: the retry is not sent.
    await target.waitFor(1);
    expect((await admin.patch(`${PATH}/${hook.webhook.id}`, { enabled: false })).status).toBe(200);
    const [delivery] = await finished(hook.webhook.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, error: 'Not sent: the webhook was turned off before it could be delivered.' });
    expect(target.requests).toHaveLength(1);
    // The test button still works on a webhook that is off.
    expect((await admin.post<WebhookDeliveryView>(`${PATH}/${hook.webhook.id}/test`)).body.status).toBe('delivered');
    await admin.delete(`${PATH}/${hook.webhook.id}`);
  });

  it('sends Slack and Teams messages in their documented shapes, with text from ArcGIS kept plain', async () => {
    const slack = await receiver();
    const teams = await receiver();
    const slackHook = await add({ name: 'Slack', kind: 'slack', url: `${slack.origin}/services/T1/B1/x`, notifyOnSuccess: true });
    const teamsHook = await add({ name: 'Teams', kind: 'teams', url: `${teams.origin}/workflows/abc/triggers/manual/paths/invoke?sig=x`, notifyOnSuccess: true });
    const hostile = '<!channel> see <https://evil.example|this> & [click](https://evil.example) *now* _please_';
    const op = operation({ status: 'partial', message: hostile });
    await services().webhooks.operationFinished(op);
    await finished(slackHook.webhook.id);
    await finished(teamsHook.webhook.id);
    const logUrl = `${org.server.url}/logs/${op.id}`;

    const slackRequest = slack.requests[0]!;
    expect(slackRequest.headers['x-orgkeeper-signature']).toBeUndefined();
    const slackBody = JSON.parse(slackRequest.body) as { text: string; blocks: Record<string, unknown>[] };
    expect(slackBody.text).toBe(`Backup partly failed: ${hostile.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
    expect(slackBody.text).not.toMatch(/[<>]/);
    expect(slackBody.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Backup partly failed', emoji: false } });
    expect(slackBody.blocks[1]).toEqual({ type: 'section', text: { type: 'plain_text', text: hostile, emoji: false } });
    const fields = (slackBody.blocks[2] as { fields: { type: string; text: string }[] }).fields;
    expect(fields.every((f) => f.type === 'plain_text')).toBe(true);
    expect(fields.map((f) => f.text)).toContain('Status: partial');
    expect(fields.map((f) => f.text)).toContain('Duration: 1 min 30 s');
    expect(slackBody.blocks[3]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${logUrl}|Open the log in OrgKeeper>` }] });

    const teamsBody = JSON.parse(teams.requests[0]!.body) as { type: string; attachments: { contentType: string; contentUrl: null; content: Record<string, unknown> }[] };
    expect(teamsBody.type).toBe('message');
    expect(teamsBody.attachments).toHaveLength(1);
    const attachment = teamsBody.attachments[0]!;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.contentUrl).toBeNull();
    const card = attachment.content as { type: string; version: string; body: Record<string, unknown>[]; actions: Record<string, unknown>[] };
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Backup partly failed', weight: 'Bolder', color: 'Warning', wrap: true });
    expect(card.body[1]).toEqual({ type: 'TextBlock', text: '<!channel> see <https://evil.example|this> & \\[click\\]\\(https://evil.example\\) \\*now\\* \\_please\\_', wrap: true });
    expect(card.body[2]).toMatchObject({ type: 'FactSet' });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the log in OrgKeeper', url: logUrl }]);

    // The test button sends each kind's own shape too.
    expect((await admin.post<WebhookDeliveryView>(`${PATH}/${slackHook.webhook.id}/test`)).body.status).toBe('delivered');
    expect(JSON.parse(slack.requests[1]!.body)).toMatchObject({ text: 'OrgKeeper test message: This is a test message from OrgKeeper, sent by admin. If you read this, OrgKeeper can tell you here when backups, restores and scans end.' });
    expect((await admin.post<WebhookDeliveryView>(`${PATH}/${teamsHook.webhook.id}/test`)).body.status).toBe('delivered');
    expect(JSON.parse(teams.requests[1]!.body)).toMatchObject({ type: 'message', attachments: [{ content: { type: 'AdaptiveCard' } }] });
    for (const id of [slackHook.webhook.id, teamsHook.webhook.id]) await admin.delete(`${PATH}/${id}`);
  });

  it('sends only the outcomes and identities chosen, and bounds the deliveries waiting for a failing receiver', async () => {
    const target = await receiver();
    const other = await createIdentity(admin, org.emu, { name: 'Shelbyville', storeCredentials: false, fileLocation: join(org.folder.path, 'shelbyville') });
    const chosen = await add({ name: 'Springfield only', kind: 'json', url: `${target.origin}/chosen`, identityIds: [org.identityId], notifyOnPartial: false });
    await services().webhooks.operationFinished(operation({ identityId: other, status: 'failed' }));
    await services().webhooks.operationFinished(operation({ identityId: null, status: 'failed' }));
    await services().webhooks.operationFinished(operation({ identityId: org.identityId, status: 'partial' }));
    await services().webhooks.operationFinished(operation({ identityId: org.identityId, status: 'succeeded' }));
    await services().webhooks.operationFinished(operation({ identityId: org.identityId, status: 'cancelled' }));
    expect(await deliveries(chosen.webhook.id)).toEqual([]);
    await services().webhooks.operationFinished(operation({ identityId: org.identityId, status: 'interrupted', kind: 'restore' }));
    const [sent] = await finished(chosen.webhook.id);
    expect(sent).toMatchObject({ status: 'delivered', summary: 'Restore of Springfield was interrupted' });
    expect(JSON.parse(target.requests[0]!.body)).toMatchObject({ operation: { kind: 'restore', status: 'interrupted', identity: { id: org.identityId, name: 'Springfield' } } });

    // A receiver that refuses connections: at most 3 deliveries wait (POLICY), later ones are recorded as dropped.
    const down = await receiver();
    await down.close();
    const failing = await add({ name: 'Down', kind: 'json', url: `${down.origin}/down` });
    for (let i = 0; i < 5; i++) await services().webhooks.operationFinished(operation({ status: 'failed' }));
    const list = await deliveries(failing.webhook.id);
    expect(list).toHaveLength(5);
    const dropped = list.filter((d) => d.status === 'failed' && d.attempts === 0);
    expect(dropped).toHaveLength(2);
    expect(dropped[0]!.error).toMatch(/3 earlier deliveries to this webhook are still waiting .* dropped/);
    // The three that waited were tried until the last attempt.
    const ended = await until(async () => {
      const now = await deliveries(failing.webhook.id);
      return now.every((d) => d.status === 'failed') ? now.filter((d) => d.attempts > 0) : undefined;
    });
    expect(ended.map((d) => d.attempts)).toEqual([4, 4, 4]);
    expect(ended[0]!.error).toMatch(/refused the connection; check the URL and that the receiver is running\. Gave up after 4 attempts\./);
    for (const id of [chosen.webhook.id, failing.webhook.id]) await admin.delete(`${PATH}/${id}`);
    await admin.delete(`/api/identities/${other}`);
  });

  it('fires when a real backup operation fails and when one succeeds, with no ArcGIS token in the message', async () => {
    const secret = 'a secret for the backup receiver';
    const target = await receiver(secret);
    const hook = await add({ name: 'Backups', kind: 'json', url: `${target.origin}/backups`, secret, notifyOnSuccess: true, identityIds: [org.identityId] });
    // A File Location holding someone else's file is no store: the backup fails before it writes anything.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(org.storeDir, { recursive: true });
    await writeFile(join(org.storeDir, 'notes.txt'), 'not a backup store');
    const failedStart = await org.operator.post<{ operationId: string }>(`/api/identities/${org.identityId}/backups`, {});
    const failed = await waitForOperation<OperationView>(org.viewer, failedStart.body.operationId);
    expect(failed.status).toBe('failed');
    const { rm } = await import('node:fs/promises');
    await rm(join(org.storeDir, 'notes.txt'));
    const okStart = await org.operator.post<{ operationId: string }>(`/api/identities/${org.identityId}/backups`, {});
    const ok = await waitForOperation<OperationView>(org.viewer, okStart.body.operationId);
    expect(ok.status).toBe('succeeded');

    const [first, second] = await target.waitFor(2);
    const bodies = [first!, second!].map((r) => {
      expect(r.verified).toEqual({ ok: true });
      return JSON.parse(r.body) as { event: string; summary: string; operation: Record<string, unknown> };
    });
    expect(bodies.map((b) => [b.event, b.summary, b.operation.id, b.operation.status])).toEqual([
      ['operation.finished', 'Backup of Springfield failed', failed.id, 'failed'],
      ['operation.finished', 'Backup of Springfield succeeded', ok.id, 'succeeded']
    ]);
    expect(bodies[0]!.operation.message).toMatch(/not empty and is not an OrgKeeper store/);
    expect(bodies[1]!.operation).toMatchObject({ kind: 'backup', identity: { id: org.identityId, name: 'Springfield' }, startedBy: 'operator', snapshotId: ok.snapshotId, logUrl: `${org.server.url}/logs/${ok.id}` });
    // Nothing of the identity's credentials: not the access token its session holds, nor any token-like field.
    const session = await services().arcgisSessions.sessionFor(org.identityId);
    const token = await session.auth!.getToken(`${session.restUrl}/community/self`);
    expect(token.length).toBeGreaterThan(10);
    for (const request of [first!, second!]) {
      expect(request.body).not.toContain(token);
      expect(request.body).not.toMatch(/"(access_?token|refresh_?token|token)"/i);
    }
    const list = await deliveries(hook.webhook.id);
    expect(list.map((d) => [d.status, d.operationId])).toEqual([
      ['delivered', ok.id],
      ['delivered', failed.id]
    ]);
    await admin.delete(`${PATH}/${hook.webhook.id}`);
  });

  it('is managed and tested from the CLI, the URL read from standard input', async () => {
    const target = await receiver();
    const cli = (args: string[], stdin?: string) => runCli(args, { dataDir: org.server.dataDir, ...(stdin !== undefined ? { stdin } : {}) });
    const url = `${target.origin}/services/T9/B9/cli-secret-path`;
    const added = await cli(['notifications', 'webhook', 'add', '--name', 'CLI Slack', '--kind', 'slack', '--url-stdin', '--on', 'failure,success', '--identities', 'Springfield'], `${url}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe(`Added webhook "CLI Slack" (slack, ${target.origin}/…).\n`);
    const json = await cli(['notifications', 'webhook', 'add', '--name', 'CLI JSON', '--kind', 'json', '--url', `${target.origin}/json`]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toMatch(/Signing secret \(shown only now; give it to the receiver\): [A-Za-z0-9_-]{43}\n$/);

    const listed = await cli(['notifications', 'webhook', 'list']);
    expect(listed.stdout).toContain('CLI Slack  (slack, enabled)');
    expect(listed.stdout).toContain('on         failure, success; 1 identity');
    expect(listed.stdout).not.toContain('cli-secret-path');
    const tested = await cli(['notifications', 'webhook', 'test', 'cli slack']);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toBe('Delivered the test message to "CLI Slack" (HTTP 200).\n');
    expect(target.requests.at(-1)!.path).toBe('/services/T9/B9/cli-secret-path');
    expect((await cli(['notifications', 'webhook', 'list'])).stdout).toMatch(/last {7}delivered \(.*1 attempt, HTTP 200\) OrgKeeper test message/);

    target.script([{ status: 410 }]);
    const refused = await cli(['notifications', 'webhook', 'test', 'CLI Slack']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not delivered: .*HTTP 410/);
    const wrong = await cli(['notifications', 'webhook', 'add', '--name', 'x', '--kind', 'discord', '--url', 'https://example.org']);
    expect(wrong.code).toBe(2);
    const invalid = await cli(['notifications', 'webhook', 'add', '--name', 'x', '--kind', 'json', '--url', 'http://169.254.169.254/']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/url: .*link-local or cloud metadata address/);
    for (const name of ['CLI Slack', 'CLI JSON']) expect((await cli(['notifications', 'webhook', 'remove', name])).code).toBe(0);
    expect((await cli(['notifications', 'webhook', 'remove', 'CLI Slack'])).stderr).toMatch(/no webhook named "CLI Slack"/);
  });
});

describe('webhook deliveries across a restart', () => {
  it('keeps a delivery that could not be sent yet and sends it after the server starts again', async () => {
    const down = await startWebhookReceiver();
    const port = new URL(down.origin).port;
    await down.close();
    const policy = { ...POLICY, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const first = await startTestServer({ admin: { username: 'admin', password: 'correct horse battery staple' }, webhooks: policy });
    const dataDir = first.dataDir;
    let back: WebhookReceiver | undefined;
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      const api = await first.login();
      const hook = (await api.post<Saved>(PATH, { name: 'Later', kind: 'json', url: `http://127.0.0.1:${port}/later` })).body.webhook;
      await first.server.services.webhooks.operationFinished(operation({ status: 'failed' }));
      const pending = await until(async () => {
        const [d] = (await api.get<{ deliveries: WebhookDeliveryView[] }>(`${PATH}/${hook.id}/deliveries`)).body.deliveries;
        return d && d.status === 'pending' && d.attempts === 1 ? d : undefined;
      });
      expect(pending.error).toMatch(/refused the connection/);
      await first.server.close();

      // The receiver is back on the same port; a new server on the same data directory picks the delivery up when it
      // is due (here: made due now, rather than waiting out the minute of backoff).
      const { createServer } = await import('node:http');
      const received: string[] = [];
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push(body);
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
      back = { origin: `http://127.0.0.1:${port}`, requests: [], script: () => undefined, waitFor: async () => [], close: () => new Promise((r) => server.close(() => r())) };
      const { openDatabase } = await import('../src/db/database.js');
      const db = openDatabase(join(dataDir, 'orgkeeper.db'));
      await sql`update webhook_deliveries set next_attempt_at = ${new Date(0).toISOString()}`.execute(db);
      await db.destroy();
      second = await startTestServer({ dataDir, admin: undefined, webhooks: policy });
      await until(async () => (received.length === 1 ? true : undefined));
      expect(JSON.parse(received[0]!)).toMatchObject({ event: 'operation.finished', deliveryId: pending.id });
      const api2 = await second.login('admin', 'correct horse battery staple');
      const [done] = (await api2.get<{ deliveries: WebhookDeliveryView[] }>(`${PATH}/${hook.id}/deliveries`)).body.deliveries;
      expect(done).toMatchObject({ id: pending.id, status: 'delivered', attempts: 2, responseStatus: 200 });
    } finally {
      await second?.close();
      await first.close();
      await back?.close();
    }
  });
});

describe('webhooks of an operation run from the command line', () => {
  it('are sent by the command before it exits, with no server running', async () => {
    const fixture = await startDataDirFixture();
    const target = await startWebhookReceiver({ secret: 'the cron job’s webhook secret' });
    try {
      const run = (args: string[], stdin?: string) => runCli(args, { dataDir: fixture.data.path, ...(stdin !== undefined ? { stdin } : {}) });
      await addIdentityWithCli(fixture.emu, fixture.data.path, { name: 'Springfield', fileLocation: join(fixture.backups.path, 'springfield') });
      const added = await run(['notifications', 'webhook', 'add', '--name', 'Cron', '--kind', 'json', '--url', `${target.origin}/cron`, '--secret-stdin', '--on', 'success'], 'the cron job’s webhook secret\n');
      expect(added.code, added.stderr).toBe(0);
      const backup = await run(['backup', '--identity', 'Springfield', '--json']);
      expect(backup.code, backup.stderr).toBe(0);
      // Already there when the command has exited: nothing else could have sent it.
      expect(target.requests).toHaveLength(1);
      expect(target.requests[0]!.verified).toEqual({ ok: true });
      expect(JSON.parse(target.requests[0]!.body)).toMatchObject({ event: 'operation.finished', summary: 'Backup of Springfield succeeded', operation: { startedBy: 'cli' } });
      expect((await run(['notifications', 'webhook', 'list'])).stdout).toMatch(/last {7}delivered \(.*1 attempt, HTTP 200\) Backup of Springfield succeeded/);
    } finally {
      await target.close();
      await fixture.close();
    }
  }, 120_000);
});
