/**
 * Schedules against a real server, SQLite file and emulated organization: next-run computation (presets, cron, time
 * zones and DST), firing with an injected clock (a real backup runs, then the retention policy), a missed run started
 * once after a restart, a run that cannot start recorded on the schedule, refusal for identities without stored
 * credentials, validation messages, and the REST API's roles, CSRF and audit.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/logger.js';
import { ScheduleRepository } from '../src/schedules/schedule.repository.js';
import { SchedulesService, nextRun } from '../src/schedules/schedules.service.js';
import type { ScheduleView } from '../src/schedules/schedule.types.js';
import type { OperationView } from '../src/operations/operation.types.js';
import { openStore } from '../src/store/index.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder, ROLE_ACCOUNTS, TERMINAL_STATUSES } from './support/org-fixture.js';

describe('schedules', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let server: TestServer;
  let operator: ApiClient;
  let viewer: ApiClient;
  let admin: ApiClient;
  let springfield: string;
  let shelbyville: string;
  let now = new Date('2026-11-24T12:00:00.000Z');
  const clock = () => now;
  let scheduler: SchedulesService;

  beforeAll(async () => {
    fixture = await startDataDirFixture();
    ({ emu, data, backups } = fixture);
    springfield = await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: join(backups.path, 'Springfield') });
    shelbyville = await addIdentityWithCli(emu, data.path, { name: 'Shelbyville', fileLocation: join(backups.path, 'Shelbyville'), storeCredentials: false });
    server = await startTestServer({ dataDir: data.path, accounts: ROLE_ACCOUNTS });
    admin = await server.login('admin');
    operator = await server.login('operator');
    viewer = await server.login('viewer');
    // The server's own scheduler runs on the real clock; this one shares its database and job system but reads the
    // test's clock, so firing is tested without waiting.
    const services = server.server.services;
    scheduler = new SchedulesService({
      repository: new ScheduleRepository(server.server.db),
      identities: services.repositories.identities,
      operations: services.operations,
      audit: services.audit,
      clock,
      logger: createLogger({ level: 'silent' })
    });
  }, 120_000);
  afterAll(async () => {
    scheduler?.stop();
    await server?.close();
    await fixture?.close();
  });

  async function finished(operationId: string): Promise<OperationView> {
    const until = Date.now() + 60_000;
    for (;;) {
      const op = await server.server.services.operations.get(operationId);
      if (TERMINAL_STATUSES.includes(op.status)) return op;
      if (Date.now() > until) throw new Error(`operation ${operationId} did not finish: ${JSON.stringify(op)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('computes next runs for presets and cron expressions in the schedule’s time zone, across DST', () => {
    const from = new Date('2026-11-24T12:00:00Z');
    expect(nextRun('0 2 * * *', 'Europe/Zurich', from)).toBe('2026-11-25T01:00:00.000Z');
    expect(nextRun('30 6 * * 1', 'America/New_York', from)).toBe('2026-11-30T11:30:00.000Z');
    expect(nextRun('0 3 L * *', 'UTC', from)).toBe('2026-11-30T03:00:00.000Z');
    // 31st: months without one are skipped.
    expect(nextRun('0 0 31 * *', 'UTC', new Date('2026-11-01T00:00:00Z'))).toBe('2026-12-31T00:00:00.000Z');
    // New York springs forward on 2027-03-14: 09:00 local is 14:00Z before and 13:00Z after.
    expect(nextRun('0 9 * * *', 'America/New_York', new Date('2027-03-13T15:00:00Z'))).toBe('2027-03-14T13:00:00.000Z');
    expect(scheduler.preview({ preset: 'weekly', time: '23:15', weekday: 5 }, 'Asia/Tokyo', 2)).toEqual(['2026-11-27T14:15:00.000Z', '2026-12-04T14:15:00.000Z']);
  });

  it('fires a due schedule with the injected clock: a real backup, then the retention policy; once per due time', async () => {
    const created = await scheduler.create(
      springfield,
      {
        name: 'Nightly',
        timing: { preset: 'daily', time: '02:00' },
        timeZone: 'Europe/Zurich',
        action: { kind: 'backup', target: 'everything', retention: { keepLast: 1 } }
      },
      { kind: 'user', userId: 'x', username: 'operator' }
    );
    expect(created).toMatchObject({ enabled: true, cron: '0 2 * * *', timeZone: 'Europe/Zurich', nextRunAt: '2026-11-25T01:00:00.000Z', lastRunAt: null });

    await scheduler.tick();
    expect((await scheduler.get(created.id)).lastOperationId).toBeNull();

    now = new Date('2026-11-25T01:00:05.000Z');
    await scheduler.tick();
    await scheduler.tick(); // the same due time never fires twice
    const fired = await scheduler.get(created.id);
    expect(fired).toMatchObject({ lastRunAt: '2026-11-25T01:00:05.000Z', nextRunAt: '2026-11-26T01:00:00.000Z', lastError: null });
    const first = await finished(fired.lastOperationId!);
    expect(first).toMatchObject({ kind: 'backup', status: 'succeeded', createdBy: 'scheduler', params: { name: 'Nightly 2026-11-25 01:00 UTC', retention: { keepLast: 1 } } });

    now = new Date('2026-11-26T01:00:01.000Z');
    await scheduler.tick();
    const secondId = (await scheduler.get(created.id)).lastOperationId!;
    expect(secondId).not.toBe(first.id);
    const second = await finished(secondId);
    expect(second.status).toBe('succeeded');
    expect(second.message).toMatch(/Retention: 1 older snapshots removed, 1 kept/);
    const store = await openStore(join(backups.path, 'Springfield'), { expectOrgId: emu.orgId });
    expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([second.snapshotId]);
    await scheduler.update(created.id, { enabled: false }, { kind: 'user', userId: 'x', username: 'operator' });
  }, 120_000);

  it('starts a run missed while stopped once on start-up, and records a run that cannot start', async () => {
    const s = await scheduler.create(
      springfield,
      { name: 'Hourly check', timing: { preset: 'cron', cron: '0 * * * *' }, timeZone: 'UTC', action: { kind: 'backup', target: 'query', query: 'type:"Web Map"' } },
      { kind: 'user', userId: 'x', username: 'operator' }
    );
    expect(s.nextRunAt).toBe('2026-11-26T02:00:00.000Z');
    // Down for three days: 72 missed hours become one run.
    now = new Date('2026-11-29T02:30:00.000Z');
    const restarted = new SchedulesService({
      repository: new ScheduleRepository(server.server.db),
      identities: server.server.services.repositories.identities,
      operations: server.server.services.operations,
      audit: server.server.services.audit,
      clock,
      logger: createLogger({ level: 'silent' })
    });
    await restarted.start();
    restarted.stop();
    const after = await restarted.get(s.id);
    expect(after.nextRunAt).toBe('2026-11-29T03:00:00.000Z');
    const runs = await server.server.services.operations.list({ identityId: springfield, kind: 'backup', limit: 50 });
    expect(runs.filter((o) => o.id === after.lastOperationId)).toHaveLength(1);
    expect(runs.filter((o) => (o.params.query as string | undefined) === 'type:"Web Map"')).toHaveLength(1);

    // The next hour comes at once, while that backup still runs: the start is refused and recorded, the next time stays.
    now = new Date('2026-11-29T03:00:00.000Z');
    await scheduler.tick();
    const refused = await scheduler.get(s.id);
    expect(refused.lastError).toMatch(/did not start: A backup of "Springfield" is already (running|queued) \(operation /);
    expect(refused.nextRunAt).toBe('2026-11-29T04:00:00.000Z');
    await finished(after.lastOperationId!);
    await scheduler.delete(s.id, { kind: 'user', userId: 'x', username: 'operator' });
  }, 120_000);

  it('leaves a run due when the server is stopping, so it starts once the server is back', async () => {
    const operations = server.server.services.operations;
    now = new Date('2026-12-01T00:00:00.000Z');
    const s = await scheduler.create(
      springfield,
      { name: 'At shutdown', timing: { preset: 'daily', time: '05:00' }, timeZone: 'UTC', action: { kind: 'backup', target: 'query', query: 'title:nothing-matches-this' } },
      { kind: 'user', userId: 'x', username: 'operator' }
    );
    now = new Date('2026-12-01T05:00:00.000Z');
    await operations.shutdown();
    try {
      await scheduler.tick();
      expect(await scheduler.get(s.id)).toMatchObject({ nextRunAt: '2026-12-01T05:00:00.000Z', lastRunAt: null, lastError: null, lastOperationId: null });
    } finally {
      await operations.startWorker();
    }
    now = new Date('2026-12-01T05:01:00.000Z');
    await scheduler.tick();
    const fired = await scheduler.get(s.id);
    expect(fired).toMatchObject({ nextRunAt: '2026-12-02T05:00:00.000Z', lastError: null });
    await finished(fired.lastOperationId!);
    await scheduler.delete(s.id, { kind: 'user', userId: 'x', username: 'operator' });
  }, 60_000);

  it('schedules scans: the scan job validates the type and options, and a firing runs it as a scan operation', async () => {
    const operatorActor = { kind: 'user', userId: 'x', username: 'operator' } as const;
    await expect(
      scheduler.create(springfield, { name: 'Bad scan', timing: { preset: 'daily', time: '06:00' }, timeZone: 'UTC', action: { kind: 'scan', type: 'no-such-scan' } }, operatorActor)
    ).rejects.toMatchObject({ code: 'validation_failed' });
    now = new Date('2026-12-02T00:00:00.000Z');
    const s = await scheduler.create(springfield, { name: 'Metadata', timing: { preset: 'daily', time: '06:00' }, timeZone: 'UTC', action: { kind: 'scan', type: 'missing-metadata' } }, operatorActor);
    expect(s.action).toEqual({ kind: 'scan', type: 'missing-metadata' });
    now = new Date('2026-12-02T06:00:00.000Z');
    await scheduler.tick();
    const fired = await scheduler.get(s.id);
    expect(fired.lastError).toBeNull();
    const op = await finished(fired.lastOperationId!);
    expect(op).toMatchObject({ kind: 'scan', createdBy: 'scheduler', params: { type: 'missing-metadata' } });
    expect(['succeeded', 'partial']).toContain(op.status);
    await scheduler.delete(s.id, operatorActor);
  }, 60_000);

  it('refuses to schedule an identity without stored credentials, with the reason, and explains invalid input per field', async () => {
    const refused = await operator.post<{ error: { code: string; message: string } }>(`/api/identities/${shelbyville}/schedules`, {
      name: 'Nightly',
      timing: { preset: 'daily', time: '02:00' },
      timeZone: 'UTC',
      action: { kind: 'backup', target: 'everything' }
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('needs_sign_in');
    expect(refused.body.error.message).toMatch(/does not keep its credentials.*store credentials/);

    const bad = await operator.post<{ error: { code: string; fields: Record<string, string> } }>(`/api/identities/${springfield}/schedules`, {
      name: ' ',
      timing: { preset: 'weekly', time: '25:00', weekday: 1 },
      timeZone: 'Mars/Olympus',
      action: { kind: 'backup', target: 'selection' }
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['action', 'name', 'timeZone', 'timing']);
    expect(bad.body.error.fields.timing).toMatch(/HH:MM/);
    const badCron = await operator.post<{ error: { fields: Record<string, string> } }>(`/api/identities/${springfield}/schedules`, {
      name: 'x',
      timing: { preset: 'cron', cron: '61 * * * *' },
      timeZone: 'UTC',
      action: { kind: 'backup', target: 'everything', retention: { keepLast: 0 } }
    });
    expect(badCron.body.error.fields.timing).toMatch(/not valid/);
    const badRetention = await operator.post<{ error: { fields: Record<string, string> } }>(`/api/identities/${springfield}/schedules`, {
      name: 'x',
      timing: { preset: 'daily', time: '01:00' },
      timeZone: 'UTC',
      action: { kind: 'backup', target: 'everything', retention: { keepLast: 0 } }
    });
    expect(badRetention.body.error.fields['action.retention']).toMatch(/keeps nothing/);
  });

  it('offers CRUD over REST with roles, CSRF and audit', async () => {
    const body = { name: 'Weekly', timing: { preset: 'weekly', time: '03:30', weekday: 0 }, timeZone: 'Europe/Zurich', action: { kind: 'backup', target: 'selection', items: ['0123456789abcdef0123456789abcdef'] } };
    expect((await viewer.post(`/api/identities/${springfield}/schedules`, body)).status).toBe(403);
    expect((await operator.post(`/api/identities/${springfield}/schedules`, body, { csrf: false })).status).toBe(403);
    expect((await server.client().get('/api/schedules')).status).toBe(401);
    const created = await operator.post<ScheduleView>(`/api/identities/${springfield}/schedules`, body);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: 'Weekly', cron: '30 3 * * 0', action: { kind: 'backup', target: 'selection', items: ['0123456789abcdef0123456789abcdef'] } });
    expect(created.body.nextRunAt).not.toBeNull();

    const listed = await viewer.get<{ schedules: ScheduleView[] }>(`/api/identities/${springfield}/schedules`);
    expect(listed.body.schedules.map((x) => x.name)).toContain('Weekly');
    const patched = await operator.patch<ScheduleView>(`/api/schedules/${created.body.id}`, { enabled: false, timing: { preset: 'monthly', time: '04:00', dayOfMonth: 'last' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, cron: '0 4 L * *', nextRunAt: null });
    const preview = await viewer.post<{ runs: string[] }>('/api/schedules/preview', { timing: { preset: 'daily', time: '00:00' }, timeZone: 'UTC', count: 2 });
    expect(preview.body.runs).toHaveLength(2);

    const ran = await operator.post<{ operationId: string }>(`/api/schedules/${created.body.id}/run`);
    expect(ran.status, ran.text).toBe(202);
    await finished(ran.body.operationId);

    expect((await operator.delete(`/api/schedules/${created.body.id}`)).status).toBe(204);
    expect((await viewer.get(`/api/schedules/${created.body.id}`)).status).toBe(404);
    const audit = await admin.get<{ events: { action: string; actor: { name: string } }[] }>('/api/audit?limit=500');
    const actions = audit.body.events.map((e) => `${e.action}:${e.actor.name}`);
    for (const a of ['schedule.create:operator', 'schedule.update:operator', 'schedule.delete:operator', 'schedule.run:scheduler']) expect(actions).toContain(a);
  }, 120_000);

  it('passes a selection’s withDependencies on to its runs, and refuses it for a backup of everything', async () => {
    const base = { name: 'Only the form', timing: { preset: 'daily', time: '05:00' }, timeZone: 'UTC' };
    const refused = await operator.post<{ error: { fields: Record<string, string> } }>(`/api/identities/${springfield}/schedules`, { ...base, action: { kind: 'backup', target: 'everything', withDependencies: false } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields.action).toMatch(/withDependencies applies to a selection or a query/);
    const notBoolean = await operator.post<{ error: { fields: Record<string, string> } }>(`/api/identities/${springfield}/schedules`, { ...base, action: { kind: 'backup', target: 'query', query: 'owner:admin', withDependencies: 'no' } });
    expect(notBoolean.status).toBe(400);
    const created = await operator.post<ScheduleView>(`/api/identities/${springfield}/schedules`, { ...base, action: { kind: 'backup', target: 'query', query: 'type:Form', withDependencies: false } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.action).toMatchObject({ kind: 'backup', target: 'query', query: 'type:Form', withDependencies: false });
    const ran = await operator.post<{ operationId: string }>(`/api/schedules/${created.body.id}/run`);
    expect(ran.status, ran.text).toBe(202);
    const run = await finished(ran.body.operationId);
    expect(run.params).toMatchObject({ query: 'type:Form', withDependencies: false });
    expect((await operator.delete(`/api/schedules/${created.body.id}`)).status).toBe(204);
  }, 120_000);

  it('is managed from the CLI too', async () => {
    const cli = (args: string[]) => runCli(args, { dataDir: data.path });
    const added = await cli(['schedules', 'add', '--identity', 'Springfield', '--name', 'Weekly CLI', '--weekly', 'mon@02:00', '--time-zone', 'UTC', '--backup', '--query', 'owner:admin', '--keep-last', '3', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const schedule = JSON.parse(added.stdout) as ScheduleView;
    expect(schedule).toMatchObject({ name: 'Weekly CLI', cron: '0 2 * * 1', timeZone: 'UTC', action: { kind: 'backup', target: 'query', query: 'owner:admin', retention: { keepLast: 3 } }, createdBy: 'cli' });
    const listed = await cli(['schedules', 'list', '--identity', 'Springfield']);
    expect(listed.stdout).toContain(`${schedule.id}  "Weekly CLI"  enabled  cron "0 2 * * 1" (UTC)  backup query owner:admin, keep {"keepLast":3}`);
    const disabled = await cli(['schedules', 'disable', schedule.id, '--json']);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ enabled: false, nextRunAt: null });
    const refused = await cli(['schedules', 'add', '--identity', 'Shelbyville', '--name', 'x', '--daily', '02:00', '--backup']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/does not keep its credentials/);
    const usage = await cli(['schedules', 'add', '--identity', 'Springfield', '--name', 'x', '--daily', '02:00', '--weekly', 'mon@01:00', '--backup']);
    expect(usage.code).toBe(2);
    const everythingOnly = await cli(['schedules', 'add', '--identity', 'Springfield', '--name', 'x', '--daily', '02:00', '--backup', '--no-dependencies']);
    expect(everythingOnly.code).toBe(2);
    expect(everythingOnly.stderr).toMatch(/--no-dependencies applies to --items or --query/);
    const formsOnly = await cli(['schedules', 'add', '--identity', 'Springfield', '--name', 'Forms only', '--daily', '02:00', '--time-zone', 'UTC', '--backup', '--query', 'type:Form', '--no-dependencies', '--json']);
    expect(formsOnly.code, formsOnly.stderr).toBe(0);
    const formsSchedule = JSON.parse(formsOnly.stdout) as ScheduleView;
    expect(formsSchedule.action).toMatchObject({ target: 'query', query: 'type:Form', withDependencies: false });
    expect((await cli(['schedules', 'list', '--identity', 'Springfield'])).stdout).toContain('backup query type:Form, without what they need');
    expect((await cli(['schedules', 'remove', formsSchedule.id])).code).toBe(0);
    const removed = await cli(['schedules', 'remove', schedule.id]);
    expect(removed.stdout).toBe(`Removed schedule ${schedule.id}.\n`);
  });
});
