/**
 * Operations live, against a real server, SQLite file and emulated organization, with the CLI on the same data
 * directory: server-sent events for one operation and for an identity, generic starts (check, prune), the CLI's
 * watch/list/show/cancel/resume/start, a cancel from the CLI reaching the server's runner, and an interrupted backup
 * resumed by the CLI.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationView } from '../src/operations/operation.types.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { readEventStream } from './support/event-stream.js';
import { startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder, ROLE_ACCOUNTS, TERMINAL_STATUSES, waitForOperation } from './support/org-fixture.js';

describe('operations: live progress, API and CLI', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let server: TestServer;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  const cli = (args: string[]) => runCli(args, { dataDir: data.path });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  beforeAll(async () => {
    fixture = await startDataDirFixture();
    ({ emu, data, backups } = fixture);
    identityId = await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: join(backups.path, 'springfield') });
    // Operator and viewer only.
    server = await startTestServer({ dataDir: data.path, accounts: ROLE_ACCOUNTS.slice(1) });
    operator = await server.login('operator');
    viewer = await server.login('viewer');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await fixture?.close();
  });

  const waitFor = (id: string, until: (op: OperationView) => boolean) => waitForOperation<OperationView>(viewer, id, { until });

  it('streams a backup’s status, progress and log rows as server-sent events, to signed-in accounts only', async () => {
    expect((await server.client().get('/api/operations/events')).status).toBe(401);
    emu.faults.update({ latencyMs: 30 });
    try {
      const started = await operator.post<{ operationId: string }>(`/api/identities/${identityId}/backups`, { name: 'Live' });
      expect(started.status, started.text).toBe(202);
      const id = started.body.operationId;
      expect((await server.client().get(`/api/operations/${id}/events`)).status).toBe(401);
      expect((await viewer.get('/api/operations/no-such-op/events')).status).toBe(404);
      const events = await readEventStream(viewer, `/api/operations/${id}/events`, () => false);
      expect(events.at(-1)?.event).toBe('end');
      const statuses = events.filter((e) => e.event === 'status').map((e) => (e.data.operation as OperationView).status);
      expect(statuses.at(-1)).toBe('succeeded');
      expect(new Set(statuses).size).toBe(statuses.length);
      const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.progress as { itemsDone?: number; phase: string });
      expect(progress.length).toBeGreaterThan(0);
      const logged = events.filter((e) => e.event === 'items').flatMap((e) => (e.data.items as { itemId: string }[]).map((i) => i.itemId));
      expect(new Set(logged)).toEqual(new Set(orgItems().map((i) => i.json.id)));
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
  }, 90_000);

  it('starts check and prune as operations and streams an identity’s operations', async () => {
    const controller = new AbortController();
    let checkId = '';
    const streaming = readEventStream(
      viewer,
      `/api/operations/events?identityId=${identityId}`,
      (events) => checkId !== '' && events.some((e) => e.event === 'status' && (e.data.operation as OperationView).id === checkId && (e.data.operation as OperationView).status === 'succeeded'),
      controller.signal
    );
    await new Promise((r) => setTimeout(r, 100));
    expect((await viewer.post('/api/operations', { kind: 'check', identityId })).status).toBe(403);
    // Restores, scans and fixes have their own routes (and roles); the generic start does not take them.
    expect((await operator.post('/api/operations', { kind: 'fix', identityId })).status).toBe(400);
    expect((await operator.post('/api/operations', { kind: 'check', identityId }, { csrf: false })).status).toBe(403);
    const bad = await operator.post<{ error: { code: string; fields: Record<string, string> } }>('/api/operations', { kind: 'check', identityId, params: { readData: 500 } });
    expect(bad.body.error.fields.readData).toMatch(/percentage/);
    const check = await operator.post<{ operationId: string }>('/api/operations', { kind: 'check', identityId, params: { readData: 100 } });
    expect(check.status, check.text).toBe(202);
    checkId = check.body.operationId;
    const events = await streaming;
    const mine = events.filter((e) => e.event === 'status' && (e.data.operation as OperationView).id === checkId).map((e) => (e.data.operation as OperationView).status);
    expect(mine.at(-1)).toBe('succeeded');
    expect((await viewer.get<OperationView>(`/api/operations/${checkId}`)).body.message).toMatch(/no problems|OK|ok/i);

    const prune = await operator.post<{ operationId: string }>('/api/operations', { kind: 'prune', identityId, params: { dryRun: true } });
    expect(prune.status, prune.text).toBe(202);
    const pruned = await waitFor(prune.body.operationId, (op) => TERMINAL_STATUSES.includes(op.status));
    expect(pruned).toMatchObject({ status: 'succeeded', params: { dryRun: true } });
    expect(pruned.message).toMatch(/unreferenced blobs/);
  }, 60_000);

  it('follows a server-run backup from the CLI (watch) and cancels it from the CLI through the database', async () => {
    emu.faults.update({ latencyMs: 250 });
    try {
      for (const record of orgItems()) record.json.modified = Date.now();
      const started = await operator.post<{ operationId: string }>(`/api/identities/${identityId}/backups`, { name: 'Cancelled from the CLI' });
      const id = started.body.operationId;
      await waitFor(id, (op) => ((op.progress?.itemsDone as number | undefined) ?? 0) > 0);
      const watching = cli(['operations', 'watch', id, '--json']);
      // Long enough for the runner to write progress (at most once a second) that the watcher then reads.
      await new Promise((r) => setTimeout(r, 2500));
      const cancelled = await cli(['operations', 'cancel', id, '--json']);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(JSON.parse(cancelled.stdout)).toMatchObject({ id, status: 'cancelled' });
      const watched = await watching;
      expect(watched.code).toBe(1);
      const lines = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; operation?: OperationView });
      expect(lines[0]).toMatchObject({ type: 'status', operation: { id, status: 'running' } });
      expect(lines.at(-1)).toMatchObject({ type: 'status', operation: { status: 'cancelled' } });
      expect(lines.at(-1)?.operation?.message).toMatch(/^Cancelled by cli\./);
      expect(lines.some((l) => l.type === 'progress')).toBe(true);
      const list = await cli(['operations', 'list', '--identity', 'Springfield', '--status', 'cancelled', '--json']);
      expect((JSON.parse(list.stdout) as { operations: OperationView[] }).operations.map((o) => o.id)).toEqual([id]);
      const text = await cli(['operations', 'list']);
      expect(text.stdout).toMatch(new RegExp(`${id}\\s+backup\\s+cancelled`));
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
  }, 90_000);

  it('resumes a backup interrupted by a server stop from the CLI, which runs it to the end', async () => {
    emu.faults.update({ latencyMs: 150 });
    const operations = server.server.services.operations;
    let id: string;
    try {
      for (const record of orgItems()) record.json.modified = Date.now();
      const started = await operator.post<{ operationId: string }>(`/api/identities/${identityId}/backups`, { name: 'Interrupted' });
      id = started.body.operationId;
      await waitFor(id, (op) => ((op.progress?.itemsDone as number | undefined) ?? 0) > 0);
      // The server stops its work (as on shutdown), then comes back.
      await operations.shutdown();
      await operations.startWorker();
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
    const interrupted = (await viewer.get<OperationView>(`/api/operations/${id}`)).body;
    expect(interrupted).toMatchObject({ status: 'interrupted', resumable: true });
    expect(interrupted.message).toMatch(/items were stored before it stopped/);
    const shown = await cli(['operations', 'show', id]);
    expect(shown.stdout).toContain(`orgkeeper operations resume ${id}`);

    const resumed = await cli(['operations', 'resume', id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/backup, succeeded/);
    const done = (await viewer.get<OperationView>(`/api/operations/${id}`)).body;
    expect(done).toMatchObject({ status: 'succeeded', attempt: 1, result: { resumed: true } });
    expect((await operator.post<{ error: { code: string } }>(`/api/operations/${id}/resume`)).body.error.code).toBe('conflict');
    const log = await viewer.get<{ total: number }>(`/api/operations/${id}/items?num=1`);
    expect(log.body.total).toBe(orgItems().length);

    const checked = await cli(['operations', 'start', '--identity', 'Springfield', '--kind', 'check', '--json']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'status', operation: { kind: 'check', status: 'succeeded', createdBy: 'cli' } });
    const usage = await cli(['operations', 'start', '--kind', 'nope', '--identity', 'Springfield']);
    expect(usage.code).toBe(2);
  }, 120_000);
});
