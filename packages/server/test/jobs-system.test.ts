/**
 * The job system on a real SQLite file: queue and worker pool limit, exclusivity (refuse and queue), progress and the
 * per-item log, cancel (queued, running here, running in another process through the shared database), shutdown and
 * restart (interrupted, queued ones started again, resume with ctx.resumed), dead runners, and watch() from another
 * process. Handlers here are test handlers on kinds no built-in job uses.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type Db } from '../src/db/database.js';
import { orgKey, RESUMABLE, RUN_AGAIN, type JobContext, type JobHandler, type JobParamsByKind } from '../src/operations/job.types.js';
import { restoreJob } from '../src/restore/restore.job.js';
import { fixJob, undoJob } from '../src/clean/fixes/fix.job.js';
import { OperationsService, type OperationEvent } from '../src/operations/operations.service.js';
import type { OperationKind, OperationView } from '../src/operations/operation.types.js';
import { createLogger } from '../src/logging/logger.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { createServices, type Services } from '../src/services.js';
import { runToEnd } from '../src/commands/foreground-run.js';
import { tempFolder } from './support/emulator-harness.js';
import { AppError } from '../src/errors/app-error.js';
import { until } from './support/until.js';

const USER = { kind: 'user', userId: 'u1', username: 'alice' } as const;

/** A handler whose runs wait on gates the test opens, and that records what it saw. */
class GatedJob {
  readonly runs: { id: string; resumed: boolean; params: unknown }[] = [];
  private gates = new Map<string, () => void>();
  private started = new Map<string, () => void>();
  private startedPromises = new Map<string, Promise<void>>();

  constructor(readonly options: { kind: OperationKind; exclusive?: boolean; whenBusy?: 'refuse' | 'queue'; resumable?: boolean; resumePartial?: boolean }) {}

  handler(): JobHandler {
    return {
      kind: this.options.kind,
      interrupted: this.options.resumable ? { ...RESUMABLE, ...(this.options.resumePartial ? { resumePartial: true } : {}) } : RUN_AGAIN,
      ...(this.options.whenBusy ? { whenBusy: this.options.whenBusy } : {}),
      ...(this.options.exclusive ? { exclusiveKey: (p: unknown) => keyOf(p) } : {}),
      // Test params of any shape, for kinds whose real params these are not.
      validate: (params) => {
        const p = (params ?? {}) as Record<string, unknown>;
        if (p.bad) throw AppError.validation({ bad: 'Not allowed.' });
        return p as unknown as JobParamsByKind[OperationKind];
      },
      run: async (ctx: JobContext) => {
        this.runs.push({ id: ctx.operationId, resumed: ctx.resumed, params: ctx.params });
        this.startedOf(ctx.operationId).resolve();
        ctx.progress({ phase: 'items', done: 1, total: 3 });
        await ctx.logItems([{ itemId: 'a1', title: 'First', status: 'ok', action: 'create', newId: 'n1', details: { note: 'x' } }]);
        await new Promise<void>((resolve, reject) => {
          this.gates.set(ctx.operationId, resolve);
          if (ctx.signal.aborted) reject(new Error('aborted'));
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        });
        ctx.progress({ phase: 'items', done: 3, total: 3 });
        await ctx.logItems([{ itemId: 'a2', title: 'Second', status: 'failed', error: 'no access' }]);
        return { status: 'partial', message: 'One of two failed.', result: { n: 2 } };
      }
    };
  }

  private startedOf(id: string) {
    if (!this.startedPromises.has(id)) this.startedPromises.set(id, new Promise<void>((resolve) => this.started.set(id, resolve)));
    return { promise: this.startedPromises.get(id)!, resolve: () => this.started.get(id)?.() };
  }

  whenStarted(id: string): Promise<void> {
    return this.startedOf(id).promise;
  }

  /** Lets the run go on once it waits at its gate. */
  release(id: string): void {
    const gate = this.gates.get(id);
    this.gates.delete(id); // a resumed run of the same operation waits at a gate of its own
    if (gate) gate();
    else setTimeout(() => this.release(id), 5);
  }
}

/** The test params' exclusivity key (`{key: 'k1'}`). */
function keyOf(params: unknown): string | undefined {
  const key = (params as { key?: unknown }).key;
  return typeof key === 'string' ? key : undefined;
}

describe('job system', () => {
  let folder: { path: string; remove(): Promise<void> };
  const dbs: Db[] = [];
  const all: OperationsService[] = [];
  let key: Buffer;

  beforeEach(async () => {
    folder = await tempFolder('orgkeeper-jobs-');
    key = randomBytes(32);
  });
  afterEach(async () => {
    for (const s of all.splice(0)) await s.shutdown();
    for (const db of dbs.splice(0)) await db.destroy();
    await folder.remove();
  });

  /** A "process": its own database connection, services and OperationsService on the shared file. */
  async function newProcess(options: { maxRunning?: number; staleAfterMs?: number } = {}): Promise<{ services: Services; ops: OperationsService; db: Db }> {
    const db = openDatabase(join(folder.path, 'orgkeeper.db'));
    dbs.push(db);
    await migrateToLatest(db);
    const logger = createLogger({ level: 'silent' });
    const services = createServices({ db, logger, secretBox: new SecretBox(key) });
    const ops = new OperationsService({
      repository: services.repositories.operations,
      workers: services.repositories.workers,
      identities: services.repositories.identities,
      audit: services.audit,
      clock: services.clock,
      logger,
      heartbeatMs: 30,
      ...options
    });
    all.push(ops);
    return { services, ops, db };
  }

  it('runs queued operations with a global limit, records progress and the per-item log, and pushes events', async () => {
    const { ops, services } = await newProcess({ maxRunning: 2 });
    const job = new GatedJob({ kind: 'scan' });
    ops.register(job.handler());
    const events: OperationEvent[] = [];
    ops.subscribe((e) => events.push(e));
    await ops.startWorker();

    const a = await ops.start('scan', null, { n: 1 }, USER);
    const b = await ops.start('scan', null, { n: 2 }, USER);
    const c = await ops.start('scan', null, { n: 3 }, USER);
    expect(a.status).toBe('queued');
    await job.whenStarted(a.id);
    await job.whenStarted(b.id);
    // The third waits for room.
    await new Promise((r) => setTimeout(r, 100));
    expect((await ops.get(c.id)).status).toBe('queued');
    expect(job.runs.map((r) => r.id)).toEqual([a.id, b.id]);

    job.release(a.id);
    await job.whenStarted(c.id);
    const doneA = await until(async () => ((await ops.get(a.id)).status === 'partial' ? ops.get(a.id) : undefined));
    expect(doneA).toMatchObject({ status: 'partial', message: 'One of two failed.', result: { n: 2 }, progress: { done: 3, total: 3 }, createdBy: 'alice' });
    expect(doneA.startedAt).not.toBeNull();
    expect(doneA.finishedAt).not.toBeNull();
    const log = await ops.items(a.id, { start: 1, num: 10 });
    expect(log.items).toEqual([
      expect.objectContaining({ itemId: 'a1', status: 'ok', action: 'create', newId: 'n1', details: { note: 'x' }, seq: 1 }),
      expect.objectContaining({ itemId: 'a2', status: 'failed', error: 'no access', seq: 2 })
    ]);
    job.release(b.id);
    job.release(c.id);
    await until(async () => (await ops.list({ limit: 10 })).every((o) => o.status === 'partial'));

    // Live events: status changes, progress and log rows of each operation.
    const ofA = events.filter((e) => (e.type === 'status' ? e.operation.id : e.operationId) === a.id);
    expect(ofA.filter((e) => e.type === 'status').map((e) => (e as { operation: OperationView }).operation.status)).toEqual(['queued', 'running', 'partial']);
    expect(ofA.some((e) => e.type === 'progress')).toBe(true);
    expect(ofA.filter((e) => e.type === 'items').flatMap((e) => (e as { items: { itemId: string }[] }).items.map((i) => i.itemId))).toEqual(['a1', 'a2']);

    const audit = await services.audit.list({ limit: 50 });
    const actions = audit.events.map((e) => `${e.action}:${e.actor.name}`);
    expect(actions.filter((x) => x === 'scan.start:alice')).toHaveLength(3);
    expect(actions.filter((x) => x === 'scan.finish:scan')).toHaveLength(3);
  });

  it('refuses or queues by the exclusivity key, and rejects invalid params and unknown kinds before storing anything', async () => {
    const { ops } = await newProcess();
    const refuse = new GatedJob({ kind: 'scan', exclusive: true, whenBusy: 'refuse' });
    const queue = new GatedJob({ kind: 'fix', exclusive: true, whenBusy: 'queue' });
    ops.register(refuse.handler());
    ops.register(queue.handler());
    await ops.startWorker();

    const first = await ops.start('scan', null, { key: 'k1' }, USER);
    const error = await ops.start('scan', null, { key: 'k1' }, USER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('already_running');
    expect((error as AppError).message).toContain(first.id);
    // Another key runs alongside.
    const other = await ops.start('scan', null, { key: 'k2' }, USER);
    await refuse.whenStarted(other.id);

    // A queueing kind with the same key waits for the first to end, then runs.
    const waiting = await ops.start('fix', null, { key: 'k1' }, USER);
    await refuse.whenStarted(first.id);
    await new Promise((r) => setTimeout(r, 100));
    expect((await ops.get(waiting.id)).status).toBe('queued');
    refuse.release(first.id);
    await queue.whenStarted(waiting.id);
    queue.release(waiting.id);
    refuse.release(other.id);
    await until(async () => (await ops.get(waiting.id)).status === 'partial');

    await expect(ops.start('scan', null, { bad: true }, USER)).rejects.toMatchObject({ code: 'validation_failed', fields: { bad: 'Not allowed.' } });
    await expect(ops.start('undo', null, {}, USER)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(ops.start('scan', 'no-such-identity', {}, USER)).rejects.toMatchObject({ code: 'not_found' });
    expect(await ops.list({ limit: 50 })).toHaveLength(3);
  });

  it('cancels a queued operation at once, a running one promptly, and refuses to cancel a finished one', async () => {
    const { ops } = await newProcess({ maxRunning: 1 });
    const job = new GatedJob({ kind: 'scan' });
    ops.register(job.handler());
    await ops.startWorker();
    const running = await ops.start('scan', null, {}, USER);
    const queued = await ops.start('scan', null, {}, USER);
    await job.whenStarted(running.id);

    const q = await ops.cancel(queued.id, USER);
    expect(q).toMatchObject({ status: 'cancelled', message: 'Cancelled by alice before it started.' });
    // The job's gate is never opened: cancel returns because the job stopped on its signal, not because it finished.
    const r = await ops.cancel(running.id, { kind: 'user', userId: 'u2', username: 'bob' });
    expect(r).toMatchObject({ status: 'cancelled', message: 'Cancelled by bob.' });
    expect(r.finishedAt).not.toBeNull();
    await expect(ops.cancel(running.id, USER)).rejects.toMatchObject({ code: 'conflict' });
    await expect(ops.cancel('nope', USER)).rejects.toMatchObject({ code: 'not_found' });
    // The log keeps what was done before the cancel.
    expect((await ops.items(running.id, { start: 1, num: 10 })).items.map((i) => i.itemId)).toEqual(['a1']);
    expect(job.runs.map((x) => x.id)).toEqual([running.id]);
  });

  it('reaches a runner in another process with a cancel, and another process can watch the operation to its end', async () => {
    const server = await newProcess();
    const cli = await newProcess();
    const serverJob = new GatedJob({ kind: 'scan' });
    const cliJob = new GatedJob({ kind: 'scan' });
    server.ops.register(serverJob.handler());
    cli.ops.register(cliJob.handler());
    await server.ops.startWorker();

    // The CLI runs it in the foreground (not the server's pool).
    const op = await cli.ops.start('scan', null, {}, { kind: 'system', name: 'cli' });
    const done = cli.ops.runHere(op.id);
    await cliJob.whenStarted(op.id);
    expect(serverJob.runs).toEqual([]);

    // The server follows it through the database.
    const seen: OperationEvent[] = [];
    const watching = (async () => {
      for await (const e of server.ops.watch(op.id, { pollMs: 30 })) seen.push(e);
    })();
    await until(async () => seen.some((e) => e.type === 'items'));

    const asked = await server.ops.cancel(op.id, { kind: 'user', userId: 'u2', username: 'bob' });
    expect(asked.status).toBe('cancelled');
    expect(asked.message).toBe('Cancelled by bob.');
    expect((await done).status).toBe('cancelled');
    await watching;
    const statuses = seen.filter((e) => e.type === 'status').map((e) => (e as { operation: OperationView }).operation.status);
    expect(statuses[0]).toBe('running');
    expect(statuses.at(-1)).toBe('cancelled');
    expect(seen.filter((e) => e.type === 'items').flatMap((e) => (e as { items: { itemId: string }[] }).items.map((i) => i.itemId))).toEqual(['a1']);
  });

  it('on shutdown marks running operations interrupted and keeps queued ones; after a restart queued ones run and interrupted ones resume', async () => {
    const first = await newProcess({ maxRunning: 1 });
    const job1 = new GatedJob({ kind: 'restore', resumable: true });
    first.ops.register(job1.handler());
    await first.ops.startWorker();
    const a = await first.ops.start('restore', null, { what: 'a' }, USER);
    const b = await first.ops.start('restore', null, { what: 'b' }, USER);
    await job1.whenStarted(a.id);
    await first.ops.shutdown();
    const interrupted = await first.ops.get(a.id);
    expect(interrupted).toMatchObject({ status: 'interrupted', resumable: true });
    expect(interrupted.message).toMatch(/Resume it/);
    expect((await first.ops.get(b.id)).status).toBe('queued');
    await expect(first.ops.start('restore', null, {}, USER)).rejects.toMatchObject({ code: 'unavailable' });

    const second = await newProcess({ maxRunning: 1 });
    const job2 = new GatedJob({ kind: 'restore', resumable: true });
    second.ops.register(job2.handler());
    await second.ops.startWorker();
    await job2.whenStarted(b.id);
    expect(job2.runs[0]).toMatchObject({ id: b.id, resumed: false, params: { what: 'b' } });
    job2.release(b.id);

    const resumed = await second.ops.resume(a.id, USER);
    expect(resumed).toMatchObject({ status: 'queued', attempt: 1 });
    await job2.whenStarted(a.id);
    expect(job2.runs.find((r) => r.id === a.id)).toMatchObject({ resumed: true, params: { what: 'a' } });
    job2.release(a.id);
    const done = await until(async () => {
      const op = await second.ops.get(a.id);
      return op.status === 'partial' ? op : undefined;
    });
    // The log rows of both runs: the same item logged again replaces its row.
    expect((await second.ops.items(a.id, { start: 1, num: 10 })).items.map((i) => i.itemId)).toEqual(['a1', 'a2']);
    expect(done.resumable).toBe(false);
    await expect(second.ops.resume(a.id, USER)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('resumes a partial operation only when its kind retries what failed (resumePartial)', async () => {
    const { ops } = await newProcess();
    const retrying = new GatedJob({ kind: 'restore', resumable: true, resumePartial: true });
    const plain = new GatedJob({ kind: 'scan', resumable: true });
    ops.register(retrying.handler());
    ops.register(plain.handler());
    await ops.startWorker();
    const a = await ops.start('restore', null, {}, USER);
    const b = await ops.start('scan', null, {}, USER);
    for (const [job, op] of [[retrying, a], [plain, b]] as const) {
      await job.whenStarted(op.id);
      job.release(op.id);
    }
    const doneA = await until(async () => ((await ops.get(a.id)).status === 'partial' ? ops.get(a.id) : undefined));
    const doneB = await until(async () => ((await ops.get(b.id)).status === 'partial' ? ops.get(b.id) : undefined));
    expect(doneA.resumable).toBe(true);
    expect(doneB.resumable).toBe(false);
    await expect(ops.resume(b.id, USER)).rejects.toMatchObject({ code: 'conflict' });
    const resumed = await ops.resume(a.id, USER);
    expect(resumed.status).toBe('queued');
    await until(async () => retrying.runs.length === 2);
    expect(retrying.runs[1]).toMatchObject({ id: a.id, resumed: true });
    retrying.release(a.id);
    await until(async () => ((await ops.get(a.id)).status === 'partial' ? true : undefined));
  });

  it('marks operations whose process died as interrupted, but not those of a live process', async () => {
    const server = await newProcess();
    const other = await newProcess();
    const job = new GatedJob({ kind: 'scan' });
    other.ops.register(job.handler());
    server.ops.register(new GatedJob({ kind: 'scan' }).handler());
    const live = await other.ops.start('scan', null, {}, USER);
    const running = other.ops.runHere(live.id);
    await job.whenStarted(live.id);

    const now = new Date().toISOString();
    const base = { kind: 'scan' as const, identity_id: null, params: '{}', progress: null, message: null, result: null, snapshot_id: null, created_by: 'x', created_at: now, started_at: now, finished_at: null, cancel_requested_by: null, exclusive_key: null };
    // A process on this host that no longer exists (pid 2^22+1 is above Linux's default pid_max).
    await server.services.repositories.operations.insert({ ...base, id: 'dead-pid', status: 'running', runner_id: `${(await import('node:os')).hostname()}:4194305:abcd`, heartbeat_at: now });
    // A runner that stopped writing its heartbeat.
    await server.services.repositories.operations.insert({ ...base, id: 'stale', status: 'running', runner_id: 'elsewhere:1:abcd', heartbeat_at: new Date(Date.now() - 120_000).toISOString() });
    // A cancel was asked, but its process died before it saw it.
    await server.services.repositories.operations.insert({ ...base, id: 'cancel-asked', status: 'running', runner_id: 'elsewhere:1:abcd', heartbeat_at: new Date(Date.now() - 120_000).toISOString(), cancel_requested_by: 'bob' });
    await server.ops.recoverInterrupted();
    expect(await server.ops.get('cancel-asked')).toMatchObject({ status: 'cancelled', message: 'Cancelled by bob (the process running it had stopped).' });
    expect((await server.ops.get('dead-pid')).status).toBe('interrupted');
    expect((await server.ops.get('stale')).status).toBe('interrupted');
    expect((await server.ops.get(live.id)).status).toBe('running');
    job.release(live.id);
    expect((await running).status).toBe('partial');
  });

  it('takes over the resumable operations of a dead worker (not of a dead command), at most three times', async () => {
    const survivor = await newProcess({ staleAfterMs: 60_000 });
    const job = new GatedJob({ kind: 'restore', resumable: true });
    const once = new GatedJob({ kind: 'scan' });
    survivor.ops.register(job.handler());
    survivor.ops.register(once.handler());
    const host = (await import('node:os')).hostname();
    const now = new Date().toISOString();
    // Processes on this host that no longer exist (pids above Linux's default pid_max), as their rows say they were.
    const deadWorker = `${host}:4194305:dead1`;
    const deadCli = `${host}:4194306:dead2`;
    for (const [id, kind] of [[deadWorker, 'worker'], [deadCli, 'cli']] as const) {
      await survivor.services.repositories.workers.register({ id, host, pid: Number(id.split(':')[1]), version: 'old', kind, runs_jobs: kind === 'worker' ? 1 : 0, max_running: 3, started_at: now, last_seen_at: now, stopped_at: null });
    }
    const base = { identity_id: null, params: '{}', progress: null, message: null, result: null, snapshot_id: null, created_by: 'alice', created_at: now, started_at: now, finished_at: null, cancel_requested_by: null, exclusive_key: 'k1', heartbeat_at: now };
    const insert = (id: string, kind: 'restore' | 'scan', runner: string, attempt = 0) => survivor.services.repositories.operations.insert({ ...base, id, kind, status: 'running', runner_id: runner, worker_id: runner, attempt });
    await insert('on-worker', 'restore', deadWorker);
    await insert('not-resumable', 'scan', deadWorker);
    await insert('on-cli', 'restore', deadCli);
    await insert('taken-over-thrice', 'restore', deadWorker, 3);

    await survivor.ops.startWorker('worker');
    // The dead worker's restore continues here, as a resume; it held k1, which it gave up on the way.
    await job.whenStarted('on-worker');
    expect(job.runs).toEqual([{ id: 'on-worker', resumed: true, params: {} }]);
    expect(await survivor.ops.get('on-worker')).toMatchObject({ status: 'running', attempt: 1, worker: { id: survivor.ops.workerId } });
    expect(await survivor.ops.get('not-resumable')).toMatchObject({ status: 'interrupted', message: expect.stringMatching(/Run it again/) });
    expect(await survivor.ops.get('on-cli')).toMatchObject({ status: 'interrupted', resumable: true });
    expect(await survivor.ops.get('taken-over-thrice')).toMatchObject({ status: 'interrupted', attempt: 3 });
    const audit = (await survivor.services.audit.list({ limit: 50 })).events.filter((e) => e.action === 'operation.resume');
    expect(audit).toEqual([expect.objectContaining({ actor: expect.objectContaining({ name: 'recovery' }), target: 'on-worker', details: expect.objectContaining({ attempt: 1, takenOverFrom: deadWorker }) })]);
    job.release('on-worker');
    expect((await until(async () => ((await survivor.ops.get('on-worker')).status === 'partial' ? survivor.ops.get('on-worker') : undefined))).worker?.id).toBe(survivor.ops.workerId);

    // The workers list: the survivor running, the dead ones lost once silent past the limit (here: their rows are old).
    const list = await survivor.ops.listWorkers();
    expect(list.workers.find((w) => w.id === survivor.ops.workerId)).toMatchObject({ kind: 'worker', state: 'running', runsJobs: true });
    await survivor.ops.shutdown();
    expect((await survivor.ops.listWorkers()).workers.find((w) => w.id === survivor.ops.workerId)).toMatchObject({ state: 'stopped' });
  });

  it('never runs a restore and a fix of one organization at once, whichever processes take them', async () => {
    const one = await newProcess();
    const two = await newProcess();
    // Test handlers holding the organization's key as the real ones do (their main keys differ).
    const holdsOrg = (kind: 'restore' | 'fix') => {
      const job = new GatedJob({ kind, exclusive: true, whenBusy: 'queue' });
      return { job, handler: { ...job.handler(), alsoHolds: (_p: unknown, identityId: string | null) => [orgKey(identityId ?? 'org-of-test')] } };
    };
    const restore = holdsOrg('restore');
    const fix = holdsOrg('fix');
    one.ops.register(restore.handler);
    two.ops.register(fix.handler);
    await one.ops.startWorker();
    await two.ops.startWorker();
    const r = await one.ops.start('restore', null, { key: 'restore:x' }, USER);
    await restore.job.whenStarted(r.id);
    const f = await two.ops.start('fix', null, { key: 'store:x' }, USER);
    // Well past the other process's queue poll: still waiting for the organization's key.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await two.ops.get(f.id)).status).toBe('queued');
    expect(fix.job.runs).toEqual([]);
    restore.job.release(r.id);
    await fix.job.whenStarted(f.id);
    fix.job.release(f.id);
    await until(async () => (await two.ops.get(f.id)).status === 'partial');

    // The real handlers declare it: restores (also clones, into their target), fixes and undos share org:<identity>.
    const { services } = one;
    const held = (handler: { alsoHolds?: (params: never, identityId: string | null) => string[] }, params: unknown) => handler.alsoHolds?.(params as never, 'i1') ?? [];
    expect(held(restoreJob(services.restores), { mode: 'in-place' })).toEqual([orgKey('i1')]);
    expect(held(restoreJob(services.restores), { mode: 'clone', targetIdentityId: 'i2' })).toEqual([orgKey('i2')]);
    expect(held(fixJob(services.fixes), {})).toEqual([orgKey('i1')]);
    expect(held(undoJob(services.fixes), { fixId: 'f1' })).toEqual([orgKey('i1')]);
  });

  /** A parent job (kind `fix` here) whose run starts a child (kind `scan`) with the given test params and reports how it ended. */
  function parentJob(childParams: Record<string, unknown>): JobHandler<'fix'> {
    return {
      kind: 'fix',
      interrupted: RUN_AGAIN,
      exclusiveKey: (p) => keyOf(p),
      validate: (params) => params as unknown as JobParamsByKind['fix'],
      run: async (ctx) => {
        const child = await ctx.runChild('scan', childParams as unknown as JobParamsByKind['scan']);
        if (ctx.signal.aborted) throw new Error('stopped');
        return { status: 'succeeded', message: `The child ended ${child.status}.`, result: { childId: child.id } };
      }
    };
  }

  it('runs a child operation for its parent: a row and audit of its own, the parent’s creator and exclusivity key', async () => {
    const { ops, services } = await newProcess();
    const child = new GatedJob({ kind: 'scan', exclusive: true, whenBusy: 'refuse' });
    ops.register(child.handler());
    ops.register(parentJob({ key: 'k1', step: 'backup first' }));
    await ops.startWorker();

    // The parent holds k1; its child, with the same key, runs all the same (a start of its own would be refused).
    const parent = await ops.start('fix', null, { key: 'k1' }, USER);
    const childRun = await until(async () => child.runs[0]);
    expect(childRun.params).toEqual({ key: 'k1', step: 'backup first' });
    await expect(ops.start('scan', null, { key: 'k1' }, USER)).rejects.toMatchObject({ code: 'already_running' });
    expect(await ops.get(childRun.id)).toMatchObject({ kind: 'scan', status: 'running', createdBy: 'alice' });
    child.release(childRun.id);

    const done = await until(async () => ((await ops.get(parent.id)).status === 'succeeded' ? ops.get(parent.id) : undefined));
    expect(done).toMatchObject({ message: 'The child ended partial.', result: { childId: childRun.id } });
    expect(await ops.get(childRun.id)).toMatchObject({ status: 'partial', createdBy: 'alice' });
    expect((await ops.items(childRun.id, { start: 1, num: 10 })).items.map((i) => i.itemId)).toEqual(['a1', 'a2']);
    const started = (await services.audit.list({ limit: 50 })).events.find((e) => e.action === 'scan.start' && e.target === childRun.id);
    expect(started).toMatchObject({ actor: { name: 'fix' }, details: { operationId: childRun.id, parentOperationId: parent.id } });
  });

  it('stops a child operation with its parent, and refuses a child whose own exclusivity key is taken', async () => {
    const { ops } = await newProcess();
    const child = new GatedJob({ kind: 'scan', exclusive: true, whenBusy: 'refuse' });
    ops.register(child.handler());
    ops.register(parentJob({ key: 'k2' }));
    await ops.startWorker();

    const parent = await ops.start('fix', null, { key: 'k1' }, USER);
    const childRun = await until(async () => child.runs[0]);
    const cancelled = await ops.cancel(parent.id, { kind: 'user', userId: 'u2', username: 'bob' });
    expect(cancelled).toMatchObject({ status: 'cancelled', message: 'Cancelled by bob.' });
    expect(await ops.get(childRun.id)).toMatchObject({ status: 'cancelled', message: 'Cancelled by bob.' });

    // k2 is held by an operation of its own now: the child cannot start, so the parent fails saying why.
    const holder = await ops.start('scan', null, { key: 'k2' }, USER);
    await child.whenStarted(holder.id);
    const second = await ops.start('fix', null, { key: 'k1' }, USER);
    const failed = await until(async () => ((await ops.get(second.id)).status === 'failed' ? ops.get(second.id) : undefined));
    expect(failed.message).toContain(`already running (operation ${holder.id})`);
    expect(child.runs.map((r) => r.id)).toEqual([childRun.id, holder.id]);
    child.release(holder.id);
  });

  it('runs a queueing operation in the foreground once the operation holding its key ends, or gives up and cancels it', async () => {
    const server = await newProcess();
    const cli = await newProcess();
    const holder = new GatedJob({ kind: 'scan', exclusive: true });
    const queued = new GatedJob({ kind: 'fix', exclusive: true, whenBusy: 'queue' });
    server.ops.register(holder.handler());
    cli.ops.register(queued.handler());
    const held = await server.ops.start('scan', null, { key: 'k1' }, USER);
    const holding = server.ops.runHere(held.id);
    await holder.whenStarted(held.id);

    // The CLI gives up (a backup would): its operation is cancelled, nothing is left queued.
    const refused = await cli.ops.start('fix', null, { key: 'k1' }, USER);
    await expect(runToEnd(cli.ops, refused.id, 'refuse')).rejects.toMatchObject({ code: 'already_running' });
    expect((await cli.ops.get(refused.id)).status).toBe('cancelled');

    // The CLI waits (check, forget, prune): it runs once the key is free.
    const op = await cli.ops.start('fix', null, { key: 'k1' }, USER);
    const ending = runToEnd(cli.ops, op.id, 'wait');
    await new Promise((r) => setTimeout(r, 300));
    expect((await cli.ops.get(op.id)).status).toBe('queued');
    expect(queued.runs).toEqual([]);
    holder.release(held.id);
    expect((await holding).status).toBe('partial');
    await queued.whenStarted(op.id);
    queued.release(op.id);
    expect((await ending).status).toBe('partial');
  });
});
