/**
 * Operations: the durable job runner. Every long piece of work is an operation row the API, the UI and the CLI follow;
 * the work itself is a `JobHandler` (job.types.ts) that its feature writes and services.ts registers. The runner knows
 * no job kind: what a kind's params are is the catalogue's (job-kinds.types.ts), what it does is its handler's.
 *
 * API summary (for handler authors, routes, the CLI and schedules):
 * - `register(handler)` once per kind at start-up, then `verifyHandlers()`: every catalogued kind has exactly one.
 * - `start(kind, identityId, input, actor)`: the handler validates the input (errors are thrown before anything is
 *   stored), its exclusivity key applies (`whenBusy: 'refuse'` throws 409 `already_running` naming the blocking
 *   operation; `'queue'` waits), the row is inserted as `queued` and `<kind>.start` audited. In the server (worker
 *   mode) the pool then runs it; elsewhere (CLI) `runHere(id)` runs it in the foreground.
 * - Statuses: queued → running → succeeded | partial | failed | cancelled | interrupted. `resume(id)` puts an
 *   interrupted (or failed) operation of a resumable kind back in the queue; its handler then sees `ctx.resumed`.
 * - `cancel(id)` (cancel.ts), the queue and workers (worker-pool.ts), recovery after a crash (recovery.ts), the
 *   heartbeat (heartbeat.ts), one run and its bookkeeping (job-execution.ts), live watching (operation-watch.ts).
 * - `onFinished(hook)`: awaited after each operation ends (notifications).
 * - Scale out: any number of processes (servers, `orgkeeper worker`s, commands) share one database. Each is a row of
 *   the workers table while it runs operations (worker-presence.ts; `listWorkers()`), claims take a queued
 *   operation and its exclusivity keys in one transaction (claims.ts, exclusivity.ts), and signals between the
 *   processes (operation-signals.ts: LISTEN/NOTIFY on PostgreSQL) wake the pumps, the runners' cancel checks and
 *   the watchers of every process.
 */
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import { orgkeeperVersion } from '../config/version.js';
import { LocalSignals } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import { CancelProtocol } from './cancel.js';
import { OperationClaims } from './claims.js';
import { Exclusivity, busyError } from './exclusivity.js';
import { JobExecution } from './job-execution.js';
import { JobRegistry } from './job-registry.js';
import { resumableFrom, type JobHandler, type JobKind, type JobParamsByKind } from './job.types.js';
import { LocalRuns, type LocalRun } from './local-runs.js';
import { OperationEvents, type OperationEvent } from './operation-events.js';
import { OperationSignals } from './operation-signals.js';
import { OperationViews, itemView, requireRow } from './operation-views.js';
import { OperationWatch } from './operation-watch.js';
import type { OperationRepository } from './operation.repository.js';
import type { ItemLogStatus, OperationFilter, OperationItemPage, OperationItemView, OperationRow, OperationView, StartedOperation } from './operation.types.js';
import { Recovery } from './recovery.js';
import type { RunnerParts } from './runner-parts.js';
import { newRunnerId } from './runner-id.js';
import { WorkerPool } from './worker-pool.js';
import { WorkerPresence } from './worker-presence.js';
import type { WorkerRepository } from './worker.repository.js';
import type { WorkerKind, WorkerListView, WorkerRow, WorkerView } from './worker.types.js';

export type { OperationEvent } from './operation-events.js';
export { TERMINAL_STATUSES } from './operation.types.js';

/** How long shutdown waits for running operations to stop. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface OperationsServiceDeps {
  repository: OperationRepository;
  /** Operations belong to identities: a start names an existing one. */
  identities: { findById(id: string): Promise<{ name: string } | undefined> };
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** The OrgKeeper processes sharing the database: this one registers there, recovery reads the others. */
  workers: WorkerRepository;
  /** Signals between the processes (the same the repository sends); default: within this process only. */
  signals?: OperationSignals;
  /** Shown in the workers list (default: this package's version). */
  version?: string;
  /** Operations run at once by this process (default 3). */
  maxRunning?: number;
  /** How often a runner writes its heartbeat and looks for a cancel request from another process (default 1 s). */
  heartbeatMs?: number;
  /** A running operation whose heartbeat is older than this lost its process (default 30 s). */
  staleAfterMs?: number;
}

export class OperationsService {
  private readonly registry = new JobRegistry();
  private readonly events = new OperationEvents();
  private readonly localRuns = new LocalRuns();
  private readonly finishedHooks: ((operation: OperationView) => Promise<void>)[] = [];
  private readonly views = new OperationViews(this.registry);
  private readonly claims: OperationClaims;
  private readonly recovery: Recovery;
  private readonly exclusivity: Exclusivity;
  private readonly cancels: CancelProtocol;
  private readonly pool: WorkerPool;
  private readonly watcher: OperationWatch;
  private readonly presence: WorkerPresence;
  private readonly maxRunning: number;
  private readonly staleAfterMs: number;
  private stopping = false;
  /** A --no-worker server (announce): it runs no operation itself. */
  private announcedWithoutJobs = false;
  /** This process's runner id: its operations' `runner_id`, its row in the workers table. */
  readonly workerId = newRunnerId();

  constructor(private readonly deps: OperationsServiceDeps) {
    const { repository, clock, logger, audit } = deps;
    const heartbeatMs = deps.heartbeatMs ?? 1000;
    this.staleAfterMs = deps.staleAfterMs ?? 30_000;
    this.maxRunning = deps.maxRunning ?? 3;
    const signals = deps.signals ?? new OperationSignals(new LocalSignals());
    const shared: RunnerParts = { repository, signals, localRuns: this.localRuns, events: this.events, views: this.views, clock };
    this.recovery = new Recovery({ ...shared, registry: this.registry, logger, audit, workers: deps.workers, staleAfterMs: this.staleAfterMs, takeOver: () => this.pool.active });
    this.exclusivity = new Exclusivity({ repository, registry: this.registry, localRuns: this.localRuns, recovery: this.recovery });
    this.claims = new OperationClaims({ repository, clock, runnerId: this.workerId, exclusivity: this.exclusivity });
    this.cancels = new CancelProtocol({ ...shared, audit, heartbeatMs });
    const execution = new JobExecution({ ...shared, audit, logger, heartbeatMs, finishedHooks: this.finishedHooks, runChild: (parent, run, kind, params) => this.runChild(parent, run, kind, params) });
    this.pool = new WorkerPool({ registry: this.registry, claims: this.claims, localRuns: this.localRuns, execution, recovery: this.recovery, signals, logger, maxRunning: this.maxRunning, staleAfterMs: this.staleAfterMs });
    this.watcher = new OperationWatch(shared);
    // Seen a few times within the stale limit, so a live worker never looks lost.
    const presenceMs = Math.max(200, Math.min(5000, Math.floor(this.staleAfterMs / 3)));
    this.presence = new WorkerPresence({ repository: deps.workers, clock, logger, id: this.workerId, version: deps.version ?? orgkeeperVersion(), intervalMs: presenceMs });
  }

  // ---- handlers and events ----

  register<K extends JobKind>(handler: JobHandler<K>): void {
    this.registry.register(handler);
  }

  /** Start-up check: each of `kinds` has exactly one handler, and no handler runs a kind outside them. */
  verifyHandlers(kinds: readonly JobKind[]): void {
    this.registry.verify(kinds);
  }

  /** Checks input as starting the kind would (schedules check their settings with it), without starting anything. */
  async validate<K extends JobKind>(kind: K, identityId: string | null, input: unknown): Promise<JobParamsByKind[K]> {
    return this.registry.require(kind).validate(input ?? {}, identityId);
  }

  /** Live events of every operation this process runs or changes; returns the unsubscribe function. */
  subscribe(listener: (event: OperationEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Called (and awaited) after every operation this process runs ends; errors are logged, never thrown. */
  onFinished(hook: (operation: OperationView) => Promise<void>): void {
    this.finishedHooks.push(hook);
  }

  // ---- starting work ----

  /**
   * Queues an operation (see the summary at the top) and returns its row as stored. `input` is what the caller was
   * given (a request body, CLI options) or params it built: the kind's handler validates both alike.
   */
  async start<K extends JobKind>(kind: K, identityId: string | null, input: unknown, actor: Actor, options: { foreground?: boolean } = {}): Promise<StartedOperation<K>> {
    if (this.stopping) throw new AppError('unavailable', 'OrgKeeper is shutting down; start the operation again once it is back.');
    const handler = this.registry.require(kind);
    let identityName: string | null = null;
    if (identityId !== null) {
      const identity = await this.deps.identities.findById(identityId);
      if (!identity) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
      identityName = identity.name;
    }
    const params = await handler.validate(input ?? {}, identityId);
    const row = this.newRow(kind, identityId, params, actorName(actor), handler.exclusiveKey?.(params, identityId));
    await this.insertExclusive(row, handler.whenBusy ?? 'refuse', identityName, options.foreground === true);
    await this.deps.audit.record({
      actor,
      action: `${kind}.start`,
      target: identityId ?? row.id,
      result: 'success',
      details: { operationId: row.id, ...(identityName ? { identity: identityName } : {}), params }
    });
    const view = this.views.view(row);
    this.events.emit({ type: 'status', operation: view });
    if (this.pool.active) void this.pool.pump();
    // The view's params are these, read back from the row; typed as the kind's.
    return { ...view, kind, params: { ...view.params, ...params } };
  }

  /**
   * Inserts the row unless its exclusivity key refuses it: two starts with one key at once, in any processes, cannot
   * both pass (the check and the insert take turns in the database). A foreground start (the CLI runs it next) does
   * not signal the workers, which would otherwise race the CLI for it.
   */
  private async insertExclusive(row: OperationRow, whenBusy: 'refuse' | 'queue', identityName: string | null, foreground: boolean): Promise<void> {
    const key = row.exclusive_key;
    if (key === null || whenBusy === 'queue') return this.deps.repository.insert(row, { signal: !foreground });
    // A holder whose process is gone is recovered first, so it does not refuse the start.
    const active = (await this.exclusivity.blocking(() => this.deps.repository.findActiveByKey(key))) ?? (await this.deps.repository.insertUnlessActive(row, key, { signal: !foreground }));
    if (active) throw busyError(row.kind, identityName, active);
  }

  /**
   * Runs a queued operation in this process and waits for it to end (the CLI's foreground run). The server's pool does
   * not run an operation claimed here; cancel from anywhere still reaches it. 409 `already_running` while another
   * operation holds its key; 409 `conflict` when it is no longer queued (the server claimed it first).
   */
  async runHere(operationId: string): Promise<OperationView> {
    const row = await requireRow(this.deps.repository, operationId);
    const handler = this.registry.require(row.kind);
    if (row.status !== 'queued') throw new AppError('conflict', `This operation is ${row.status}; only a queued operation can be run.`);
    const keys = this.exclusivity.keysOf(row) ?? [];
    const identityName = await this.identityName(row.identity_id);
    // A holder whose process is gone is recovered first; the claim itself then takes the keys or says who holds them.
    const busy = await this.exclusivity.holder(keys);
    if (busy) throw busyError(row.kind, identityName, busy);
    const claimed = await this.claims.claim(row, identityName);
    if (claimed) {
      // A command running an operation is in the workers list while it does (unless this process is a worker anyway).
      const visiting = this.presence.kind === undefined;
      if (visiting) await this.presence.start('cli', { runsJobs: false, maxRunning: 1 });
      try {
        await this.pool.launch(claimed, handler).done;
      } finally {
        if (visiting && this.localRuns.size === 0) await this.presence.stop();
      }
    }
    return this.get(operationId);
  }

  /**
   * A child operation (JobContext.runChild): stored as running here at once (no queue, so no other worker can take
   * it), started by whoever started the parent, stopped with the parent. It holds the parent's exclusivity key when its
   * kind uses the same one; another key must be free.
   */
  private async runChild<C extends JobKind>(parent: OperationRow, parentRun: LocalRun, kind: C, input: JobParamsByKind[C]): Promise<OperationView> {
    const handler = this.registry.require(kind);
    const identityId = parent.identity_id;
    const params = await handler.validate(input, identityId);
    const key = handler.exclusiveKey?.(params, identityId);
    const row: OperationRow = { ...this.newRow(kind, identityId, params, parent.created_by, key), ...this.claims.runningHere(null) };
    // The keys its parent holds are its own too; any other must be free.
    const parentKeys = new Set(await this.deps.repository.locksOf(parent.id));
    const keys = (this.exclusivity.keysOf(row) ?? []).filter((k) => !parentKeys.has(k));
    const inserted = await this.deps.repository.insertRunning(row, keys);
    if (inserted.outcome === 'busy') throw busyError(kind, await this.identityName(identityId), await this.deps.repository.findById(inserted.holder));
    await this.deps.audit.record({
      actor: { kind: 'system', name: parent.kind },
      action: `${kind}.start`,
      target: identityId ?? row.id,
      result: 'success',
      details: { operationId: row.id, parentOperationId: parent.id, params }
    });
    const run = this.pool.launch(row, handler);
    const parentSignal = parentRun.controller.signal;
    const stopWithParent = () => this.localRuns.stop(run, parentSignal.reason as 'cancelled' | 'shutdown', parentRun.cancelledBy);
    if (parentSignal.aborted) stopWithParent();
    parentSignal.addEventListener('abort', stopWithParent, { once: true });
    try {
      await run.done;
    } finally {
      parentSignal.removeEventListener('abort', stopWithParent);
    }
    return this.get(row.id);
  }

  /**
   * Puts an interrupted or failed operation of a resumable kind back in the queue; its handler continues it. A
   * foreground resume (the CLI runs it next) does not signal the workers.
   */
  async resume(operationId: string, actor: Actor, options: { foreground?: boolean } = {}): Promise<OperationView> {
    const row = await requireRow(this.deps.repository, operationId);
    const handler = this.registry.get(row.kind);
    if (!handler?.interrupted.resumable) throw new AppError('conflict', `A ${row.kind} operation cannot be resumed; start a new one instead.`);
    const from = resumableFrom(handler.interrupted);
    if (!from.includes(row.status)) {
      throw new AppError('conflict', `This operation is ${row.status}; only an ${from.join(', ').replace(/, ([a-z]+)$/, ' or $1')} operation can be resumed.`);
    }
    if (row.exclusive_key && (handler.whenBusy ?? 'refuse') === 'refuse') {
      const key = row.exclusive_key;
      const active = await this.exclusivity.blocking(() => this.deps.repository.findActiveByKey(key, row.id));
      if (active) throw busyError(row.kind, await this.identityName(row.identity_id), active);
    }
    const ok = await this.deps.repository.transition(row.id, from, {
      status: 'queued',
      attempt: row.attempt + 1,
      message: null,
      finished_at: null,
      runner_id: null,
      cancel_requested_by: null
    }, { signal: options.foreground !== true });
    if (!ok) throw new AppError('conflict', 'This operation changed meanwhile (resumed by someone else?); look at it again.');
    await this.deps.audit.record({ actor, action: 'operation.resume', target: row.id, result: 'success', details: { kind: row.kind, identityId: row.identity_id, attempt: row.attempt + 1 } });
    const view = await this.get(row.id);
    this.events.emit({ type: 'status', operation: view });
    if (this.pool.active) void this.pool.pump();
    return view;
  }

  /** Cancels a queued or running operation, whichever process runs it (cancel.ts). */
  cancel(operationId: string, actor: Actor): Promise<OperationView> {
    return this.cancels.cancel(operationId, actor);
  }

  // ---- the worker pool ----

  /**
   * Start-up of a process that runs jobs (`orgkeeper serve`, `orgkeeper worker`): registers it in the workers list,
   * recovers what stopped processes left, then runs queued operations (and keeps doing so).
   */
  async startWorker(kind: Exclude<WorkerKind, 'cli'> = 'server'): Promise<void> {
    this.stopping = false;
    await this.presence.start(kind, { runsJobs: true, maxRunning: this.maxRunning });
    await this.pool.start();
  }

  /** Start-up of a server that runs no jobs (`serve --no-worker`): it is listed with the workers, running nothing. */
  async announce(): Promise<void> {
    await this.presence.start('server', { runsJobs: false, maxRunning: 0 });
    this.announcedWithoutJobs = true;
  }

  /** The OrgKeeper processes seen lately (running, lost, or stopped within the last day) and what each runs. */
  async listWorkers(): Promise<WorkerListView> {
    const now = this.deps.clock().getTime();
    const rows = await this.deps.workers.listSeenSince(new Date(now - 24 * 3600_000).toISOString());
    const running = await this.deps.repository.listRunningOn(rows.map((r) => r.id));
    const names = new Map<string, string | null>();
    for (const id of new Set(running.map((r) => r.identity_id).filter((x): x is string => x !== null))) names.set(id, await this.identityName(id));
    const workers = rows.map((row): WorkerView => ({
      id: row.id,
      host: row.host,
      pid: row.pid,
      version: row.version,
      kind: row.kind,
      runsJobs: row.runs_jobs === 1,
      maxRunning: row.max_running,
      startedAt: row.started_at,
      lastSeenAt: row.last_seen_at,
      stoppedAt: row.stopped_at,
      state: workerState(row, now, this.staleAfterMs),
      operations: running
        .filter((op) => op.runner_id === row.id)
        .map((op) => ({ id: op.id, kind: op.kind, identityId: op.identity_id, identityName: op.identity_id ? (names.get(op.identity_id) ?? null) : null, startedAt: op.started_at, progress: this.views.view(op).progress }))
    }));
    // Running first (by host), then lost, then stopped.
    const order = { running: 0, lost: 1, stopped: 2 } as const;
    workers.sort((a, b) => order[a.state] - order[b.state] || a.host.localeCompare(b.host) || a.pid - b.pid);
    return { workers, self: this.workerId, staleAfterSeconds: Math.round(this.staleAfterMs / 1000) };
  }

  /**
   * Whether this process does its part of the work: its worker pool takes queued operations (the server between start
   * and shutdown), or it is a server started with --no-worker, whose operations other processes run.
   */
  get workerRunning(): boolean {
    return (this.pool.active || this.announcedWithoutJobs) && !this.stopping;
  }

  /** Marks running operations whose process is gone as interrupted (recovery.ts). */
  recoverInterrupted(): Promise<void> {
    return this.recovery.recoverInterrupted();
  }

  /** On server stop: running operations stop (interrupted; queued ones stay queued for the next start). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.pool.stop();
    const all = this.localRuns.all();
    for (const run of all) this.localRuns.stop(run, 'shutdown');
    // A handler that ignores its signal must not keep the server from stopping: its row is recovered at the next start.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SHUTDOWN_GRACE_MS)));
    const outcome = await Promise.race([Promise.all(all.map((r) => r.done)), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.deps.logger.warn({ operations: this.localRuns.ids() }, 'operations did not stop in time on shutdown');
    await this.presence.stop();
  }

  // ---- reading ----

  async get(operationId: string): Promise<OperationView> {
    return this.views.view(await requireRow(this.deps.repository, operationId));
  }

  async list(filter: OperationFilter): Promise<OperationView[]> {
    return (await this.deps.repository.list(filter)).map((row) => this.views.view(row));
  }

  async items(operationId: string, options: { status?: ItemLogStatus; start: number; num: number }): Promise<OperationItemPage> {
    await this.get(operationId);
    const total = await this.deps.repository.countItems(operationId, options.status);
    const rows = await this.deps.repository.listItems(operationId, {
      ...(options.status ? { status: options.status } : {}),
      offset: options.start - 1,
      limit: options.num
    });
    const next = options.start + rows.length;
    return { total, start: options.start, num: options.num, nextStart: rows.length > 0 && next <= total ? next : -1, items: rows.map(itemView) };
  }

  async allItems(operationId: string, status?: ItemLogStatus): Promise<{ operation: OperationView; items: OperationItemView[] }> {
    const operation = await this.get(operationId);
    const rows = await this.deps.repository.listItems(operationId, status ? { status } : {});
    return { operation, items: rows.map(itemView) };
  }

  /** Follows one operation from any process until it ends (operation-watch.ts). */
  watch(operationId: string, options: { signal?: AbortSignal; pollMs?: number; items?: boolean } = {}): AsyncGenerator<OperationEvent> {
    return this.watcher.watch(operationId, options);
  }

  /** Follows every operation (of one identity, or all) until the signal aborts (operation-watch.ts). */
  watchAll(options: { identityId?: string; signal?: AbortSignal; pollMs?: number } = {}): AsyncGenerator<OperationEvent> {
    return this.watcher.watchAll(options);
  }

  toView(row: OperationRow): OperationView {
    return this.views.view(row);
  }

  private newRow(kind: JobKind, identityId: string | null, params: unknown, createdBy: string, key: string | undefined): OperationRow {
    return {
      id: newId(),
      kind,
      identity_id: identityId,
      status: 'queued',
      params: JSON.stringify(params),
      progress: null,
      message: null,
      result: null,
      snapshot_id: null,
      created_by: createdBy,
      created_at: this.deps.clock().toISOString(),
      started_at: null,
      finished_at: null,
      runner_id: null,
      heartbeat_at: null,
      cancel_requested_by: null,
      exclusive_key: key ?? null,
      attempt: 0,
      worker_id: null
    };
  }

  private async identityName(identityId: string | null): Promise<string | null> {
    return identityId ? ((await this.deps.identities.findById(identityId))?.name ?? null) : null;
  }
}

/** Running, stopped (it said so), or lost (not seen within the stale limit). */
function workerState(row: WorkerRow, now: number, staleAfterMs: number): WorkerView['state'] {
  if (row.stopped_at) return 'stopped';
  return now - Date.parse(row.last_seen_at) > staleAfterMs ? 'lost' : 'running';
}
