/**
 * Health and metrics over real HTTP: /healthz and /readyz answer without a session and on any Host, say nothing
 * secret, and /readyz names a failing check with 503; /metrics refuses anyone without the token (or an administrator's
 * session), takes the stored token and ORGKEEPER_METRICS_TOKEN, and after real backups (one with injected ArcGIS
 * errors, one that fails) shows the operations, their durations, the ArcGIS requests and retries, and each identity's
 * backup age and failed items, read back with a parser of the Prometheus text format. A second server on the same
 * database answers the same per-identity figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { HealthService } from '../src/health/health.service.js';
import type { OperationView } from '../src/operations/operation.types.js';
import { runCli } from './support/cli-runner.js';
import { createIdentity, startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { rawClient, type RawClient } from './support/raw-http.js';
import { freePort, startTestServer } from './support/server-harness.js';

const ENV_TOKEN = 'prometheus-token-from-the-environment-7f3a';

describe('health and metrics', () => {
  let org: OrgFixture;
  let raw: RawClient;
  let shelbyville: string;

  beforeAll(async () => {
    org = await startOrgFixture({ server: { env: { ORGKEEPER_METRICS_TOKEN: ENV_TOKEN } } });
    raw = rawClient(org.server.url);
  }, 60_000);
  afterAll(async () => {
    raw?.close();
    await org?.close();
  });

  const scrape = async (token = ENV_TOKEN, host?: string) => {
    const answer = await raw.send({ method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${token}`, ...(host ? { host } : {}) } });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(answer.body);
  };

  it('answers /healthz and /readyz without a session, on any Host, saying nothing secret', async () => {
    const health = await raw.send({ method: 'GET', path: '/healthz' });
    expect([health.status, JSON.parse(health.body)]).toEqual([200, { status: 'ok' }]);
    const ready = await raw.send({ method: 'GET', path: '/readyz' });
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { status: 'ready', checks: { database: 'ok', workers: 'ok' } }]);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect((await raw.send({ method: 'HEAD', path: '/healthz' })).status).toBe(200);
    for (const body of [health.body, ready.body]) {
      expect(body).not.toContain(org.server.dataDir);
      expect(body).not.toMatch(/sqlite|postgres|version|orgkeeper\.db|127\.0\.0\.1/i);
    }
    // Probes call the machine's address; only these routes (and /metrics) answer a Host that is not OrgKeeper's.
    const elsewhere = { host: '10.20.30.40:8500' };
    expect((await raw.send({ method: 'GET', path: '/healthz', headers: elsewhere })).status).toBe(200);
    expect((await raw.send({ method: 'GET', path: '/readyz', headers: elsewhere })).status).toBe(200);
    const api = await raw.send({ method: 'GET', path: '/api/auth/session', headers: elsewhere });
    expect([api.status, JSON.parse(api.body).error.code]).toEqual([400, 'host_not_allowed']);
    const webApp = await raw.send({ method: 'GET', path: '/healthz/../index.html', headers: elsewhere });
    expect(webApp.status).toBe(400);

    const routes = org.server.server.app.registeredRoutes;
    const declared = (url: string) => routes.filter((r) => r.url === url && r.method === 'GET')[0];
    expect(declared('/healthz')?.public).toBe(true);
    expect(declared('/readyz')?.public).toBe(true);
    expect(declared('/metrics')).toMatchObject({ public: false, role: 'admin' });
  });

  it('says which check fails with 503: the job workers stopped, or a database that does not answer', async () => {
    const services = org.server.server.services;
    await services.operations.shutdown();
    try {
      const ready = await raw.send({ method: 'GET', path: '/readyz' });
      expect([ready.status, JSON.parse(ready.body)]).toEqual([503, { status: 'not_ready', checks: { database: 'ok', workers: 'failing' } }]);
      expect((await raw.send({ method: 'GET', path: '/healthz' })).status).toBe(200);
    } finally {
      await services.operations.startWorker();
    }
    expect((await raw.send({ method: 'GET', path: '/readyz' })).status).toBe(200);

    // A PostgreSQL server that is not there (nothing listens on the port).
    const unreachable = openDatabase({ kind: 'postgres', url: `postgres://orgkeeper@127.0.0.1:${await freePort()}/orgkeeper` });
    try {
      const health = new HealthService({ db: unreachable, operations: { workerRunning: true } });
      expect(await health.readiness()).toEqual({ ready: false, checks: { database: 'failing', workers: 'ok' } });
    } finally {
      await unreachable.destroy();
    }
  });

  it('refuses /metrics without a token, with a wrong one, and to non-administrators', async () => {
    const none = await raw.send({ method: 'GET', path: '/metrics' });
    expect([none.status, JSON.parse(none.body).error.code]).toEqual([401, 'unauthorized']);
    expect(none.body).not.toContain('orgkeeper_');
    const wrong = await raw.send({ method: 'GET', path: '/metrics', headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect([wrong.status, wrong.headers['www-authenticate']]).toEqual([401, 'Bearer realm="OrgKeeper", error="invalid_token"']);
    expect(wrong.body).not.toContain('orgkeeper_');
    // Almost the token, the token in another scheme or in the query string: all refused.
    for (const headers of [{ authorization: `Bearer ${ENV_TOKEN}x` }, { authorization: `Basic ${ENV_TOKEN}` }, { authorization: ENV_TOKEN }]) {
      expect((await raw.send({ method: 'GET', path: '/metrics', headers })).status).toBe(401);
    }
    expect((await raw.send({ method: 'GET', path: `/metrics?token=${ENV_TOKEN}` })).status).toBe(401);
    expect((await org.viewer.get('/metrics')).status).toBe(403);
    expect((await org.operator.get('/metrics')).status).toBe(403);
    // A signed-in viewer sending the metrics token elsewhere is never raised by it: a bearer header is taken as an API
    // token there (never falling back to the cookie), and the metrics token is none.
    expect((await org.viewer.get('/api/audit', { headers: { authorization: `Bearer ${ENV_TOKEN}` } })).status).toBe(401);
    // The token is for /metrics only: elsewhere it is no session.
    const elsewhere = await raw.send({ method: 'GET', path: '/api/audit', headers: { authorization: `Bearer ${ENV_TOKEN}` } });
    expect(elsewhere.status).toBe(401);
    const admin = await org.admin.get('/metrics');
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('# TYPE orgkeeper_operations_active gauge');
  });

  it('takes the token an administrator makes (shown once, kept as a hash), a new one replacing it, from the API and the CLI', async () => {
    expect((await org.operator.post('/api/settings/metrics/token')).status).toBe(403);
    const made = await org.admin.post<{ token: string; status: Record<string, unknown> }>('/api/settings/metrics/token');
    expect(made.status, made.text).toBe(201);
    expect(made.body.token).toMatch(/^okm_[A-Za-z0-9_-]{43}$/);
    expect(made.body.status).toMatchObject({ stored: true, createdBy: 'admin', fromEnvironment: true });
    const status = await org.admin.get('/api/settings/metrics');
    expect(status.text).not.toContain(made.body.token);
    const [row] = (await sql<{ token_hash: string }>`select token_hash from metrics_tokens`.execute(org.server.server.db)).rows;
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toContain(made.body.token.slice(4));
    // Prometheus scrapes the machine's address: any Host, with the token.
    await scrape(made.body.token, 'orgkeeper-1.internal:8500');

    const cli = (args: string[]) => runCli(args, { dataDir: org.server.dataDir });
    const fresh = await cli(['metrics', 'token', 'new']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const cliToken = fresh.stdout.split('\n')[0]!;
    expect(cliToken).toMatch(/^okm_/);
    await scrape(cliToken);
    expect((await raw.send({ method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${made.body.token}` } })).status).toBe(401);
    expect((await cli(['metrics', 'token', 'show'])).stdout).toMatch(/^Metrics \(\/metrics\): a token made by cli at .*\.\n$/);
    expect((await cli(['metrics', 'token', 'remove'])).code).toBe(0);
    expect((await raw.send({ method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${cliToken}` } })).status).toBe(401);
    // ORGKEEPER_METRICS_TOKEN still works without a stored token.
    await scrape(ENV_TOKEN);
    const audit = await org.admin.get('/api/audit?limit=20');
    expect(audit.text).toContain('metrics.token.create');
    expect(audit.text).not.toContain(cliToken);
  });

  it('shows operations, durations, ArcGIS requests and retries, and each identity’s backup age and failed items', async () => {
    // A second identity whose File Location holds someone else's file: its backup fails, and it has no backup at all.
    const shelbyvilleDir = join(org.folder.path, 'shelbyville');
    shelbyville = await createIdentity(org.admin, org.emu, { name: 'Shelbyville', fileLocation: shelbyvilleDir });
    await mkdir(shelbyvilleDir, { recursive: true });
    await writeFile(join(shelbyvilleDir, 'notes.txt'), 'not a backup store');
    const failedStart = await org.operator.post<{ operationId: string }>(`/api/identities/${shelbyville}/backups`, {});
    const failed = await waitForOperation<OperationView>(org.viewer, failedStart.body.operationId);
    expect(failed.status).toBe('failed');

    // Springfield's backup meets server errors on item data, which its session retries.
    const injectedBefore = org.emu.faults.injected.error;
    org.emu.faults.update({ errorRate: 0.3, errorStyle: 'http', pathFilter: ['/data'] });
    let ok: OperationView;
    try {
      const okStart = await org.operator.post<{ operationId: string }>(`/api/identities/${org.identityId}/backups`, {});
      ok = await waitForOperation<OperationView>(org.viewer, okStart.body.operationId);
    } finally {
      org.emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
    expect(ok.status).toBe('succeeded');
    const injected = org.emu.faults.injected.error - injectedBefore;
    expect(injected).toBeGreaterThan(0);

    const metrics = await scrape();
    expect(metrics.types.get('orgkeeper_operations_total')).toBe('counter');
    expect(metrics.types.get('orgkeeper_operation_duration_seconds')).toBe('histogram');
    expect(metrics.types.get('orgkeeper_backup_last_complete_age_seconds')).toBe('gauge');
    expect(metrics.value('orgkeeper_operations_total', { kind: 'backup', status: 'succeeded' })).toBe(1);
    expect(metrics.value('orgkeeper_operations_total', { kind: 'backup', status: 'failed' })).toBe(1);
    const seconds = (op: OperationView) => (Date.parse(op.finishedAt!) - Date.parse(op.startedAt!)) / 1000;
    expect(metrics.value('orgkeeper_operation_duration_seconds_count', { kind: 'backup', status: 'succeeded' })).toBe(1);
    expect(metrics.value('orgkeeper_operation_duration_seconds_sum', { kind: 'backup', status: 'succeeded' })).toBeCloseTo(seconds(ok), 3);
    expect(metrics.value('orgkeeper_operation_duration_seconds_bucket', { kind: 'backup', status: 'failed', le: '+Inf' })).toBe(1);
    expect(metrics.value('orgkeeper_operation_duration_seconds_sum', { kind: 'backup', status: 'failed' })).toBeCloseTo(seconds(failed), 3);

    const springfield = { identity_id: org.identityId, identity: 'Springfield' };
    const items = [...org.emu.context.state.items.values()].filter((item) => item.json.orgId === org.emu.orgId).length;
    expect(metrics.value('orgkeeper_arcgis_requests_total', springfield)).toBeGreaterThan(items);
    // Each injected server error was tried again once (none of them, at this rate, six times in a row).
    expect(metrics.value('orgkeeper_arcgis_retries_total', springfield)).toBe(injected);
    expect(metrics.find('orgkeeper_arcgis_throttled_total', springfield).map((s) => s.value)).toEqual([0]);

    expect(metrics.find('orgkeeper_identity_info').map((s) => [s.labels.identity, s.labels.type, s.value])).toEqual([
      ['Shelbyville', 'online', 1],
      ['Springfield', 'online', 1]
    ]);
    const age = metrics.value('orgkeeper_backup_last_complete_age_seconds', springfield);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    const snapshots = await org.viewer.get<{ snapshots: { id: string; finishedAt: string; status: string }[] }>(`/api/identities/${org.identityId}/snapshots`);
    const snapshot = snapshots.body.snapshots.find((s) => s.id === ok.snapshotId)!;
    expect(metrics.value('orgkeeper_backup_last_complete_timestamp_seconds', springfield)).toBe(Date.parse(snapshot.finishedAt) / 1000);
    expect(metrics.value('orgkeeper_backup_last_failed_items', springfield)).toBe(0);
    // Never backed up: the age is +Inf, so an "older than N hours" alert fires for it too; no timestamp, no failed items.
    const shelby = { identity_id: shelbyville, identity: 'Shelbyville' };
    expect(metrics.value('orgkeeper_backup_last_complete_age_seconds', shelby)).toBe(Number.POSITIVE_INFINITY);
    expect(metrics.find('orgkeeper_backup_last_complete_timestamp_seconds', shelby)).toEqual([]);
    expect(metrics.find('orgkeeper_backup_last_failed_items', shelby)).toEqual([]);
    expect(metrics.value('orgkeeper_operations_active', { status: 'running' })).toBe(0);
    expect(metrics.find('process_cpu_user_seconds_total')).toHaveLength(1);

    // A backup with failed items: the newest snapshot's count, while the age still counts from the last complete one.
    const { SnapshotIndexRepository } = await import('../src/backup/snapshot-index.repository.js');
    const index = new SnapshotIndexRepository(org.server.server.db);
    const newest = (await index.findSnapshot(org.identityId, ok.snapshotId!))!;
    const later = new Date(Date.parse(newest.finished_at) + 60_000).toISOString();
    await index.replaceSnapshot({ ...newest, snapshot_id: `${newest.snapshot_id}-partial`, status: 'partial', items_failed: 4, finished_at: later }, []);
    const after = await scrape();
    expect(after.value('orgkeeper_backup_last_failed_items', springfield)).toBe(4);
    expect(after.value('orgkeeper_backup_last_complete_timestamp_seconds', springfield)).toBe(Date.parse(snapshot.finishedAt) / 1000);

    // Another process on the same database answers the same per-identity figures; its counters are its own (none yet).
    const second = await startTestServer({ dataDir: org.server.dataDir, env: { ORGKEEPER_METRICS_TOKEN: ENV_TOKEN } });
    try {
      const other = rawClient(second.url);
      try {
        const answer = await other.send({ method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${ENV_TOKEN}` } });
        const fromSecond = parsePrometheusText(answer.body);
        for (const name of ['orgkeeper_backup_last_complete_timestamp_seconds', 'orgkeeper_backup_last_failed_items', 'orgkeeper_identity_info']) {
          expect(fromSecond.find(name)).toEqual(after.find(name));
        }
        expect(fromSecond.value('orgkeeper_backup_last_complete_age_seconds', shelby)).toBe(Number.POSITIVE_INFINITY);
        expect(fromSecond.find('orgkeeper_operations_total')).toEqual([]);
      } finally {
        other.close();
      }
    } finally {
      await second.close();
    }
  });
});
