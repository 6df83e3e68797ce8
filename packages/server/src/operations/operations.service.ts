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
 */
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository } from '../identities/identity.repository.js';
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
import { OperationViews, itemView, requireRow } from './operation-views.js';
import { OperationWatch } from './operation-watch.js';
import type { OperationRepository } from './operation.repository.js';
import type { ItemLogStatus, OperationFilter, OperationItemPage, OperationItemView, OperationRow, OperationView, StartedOperation } from './operation.types.js';
import { Recovery } from './recovery.js';
import type { RunnerParts } from './runner-parts.js';
import { newRunnerId } from './runner-id.js';
import { WorkerPool } from './worker-pool.js';

export type { OperationEvent } from './operation-events.js';
export { TERMINAL_STATUSES } from './operation.types.js';

/** How long shutdown waits for running operations to stop. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface OperationsServiceDeps {
  repository: OperationRepository;
  /** Operations belong to identities: a start names an existing one. */
  identities: Pick<IdentityRepository, 'findById'>;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
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
  private stopping = false;

  constructor(private readonly deps: OperationsServiceDeps) {
    const { repository, clock, logger, audit } = deps;
    const heartbeatMs = deps.heartbeatMs ?? 1000;
    const staleAfterMs = deps.staleAfterMs ?? 30_000;
    const shared: RunnerParts = { repository, localRuns: this.localRuns, events: this.events, views: this.views, clock };
    this.claims = new OperationClaims({ repository, clock, runnerId: newRunnerId() });
    this.recovery = new Recovery({ ...shared, registry: this.registry, logger, staleAfterMs });
    this.exclusivity = new Exclusivity({ localRuns: this.localRuns, recovery: this.recovery });
    this.cancels = new CancelProtocol({ ...shared, audit, heartbeatMs });
    const execution = new JobExecution({ ...shared, audit, logger, heartbeatMs, finishedHooks: this.finishedHooks, runChild: (parent, run, kind, params) => this.runChild(parent, run, kind, params) });
    this.pool = new WorkerPool({ repository, registry: this.registry, claims: this.claims, localRuns: this.localRuns, execution, recovery: this.recovery, clock, logger, maxRunning: deps.maxRunning ?? 3, staleAfterMs });
    this.watcher = new OperationWatch(shared);
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
  async start<K extends JobKind>(kind: K, identityId: string | null, input: unknown, actor: Actor): Promise<StartedOperation<K>> {
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
    await this.insertExclusive(row, handler.whenBusy ?? 'refuse', identityName);
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

  /** Inserts the row unless its exclusivity key refuses it; two starts with one key at once cannot both pass. */
  private async insertExclusive(row: OperationRow, whenBusy: 'refuse' | 'queue', identityName: string | null): Promise<void> {
    const key = row.exclusive_key;
    if (key === null) return this.deps.repository.insert(row);
    if (!this.exclusivity.reserve(key)) throw busyError(row.kind, identityName, undefined);
    try {
      if (whenBusy === 'refuse') {
        const active = await this.exclusivity.blocking(() => this.deps.repository.findActiveByKey(key));
        if (active) throw busyError(row.kind, identityName, active);
      }
      await this.deps.repository.insert(row);
    } finally {
      this.exclusivity.release(key);
    }
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
    if (row.exclusive_key) {
      const key = row.exclusive_key;
      const busy = await this.exclusivity.blocking(() => this.deps.repository.findRunningByKey(key));
      if (busy) throw busyError(row.kind, await this.identityName(row.identity_id), busy);
    }
    const claimed = await this.claims.claim(row);
    if (claimed) await this.pool.launch(claimed, handler).done;
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
    if (key !== undefined && key !== parent.exclusive_key) await this.insertExclusive(row, 'refuse', await this.identityName(identityId));
    else await this.deps.repository.insert(row);
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

  /** Puts an interrupted or failed operation of a resumable kind back in the queue; its handler continues it. */
  async resume(operationId: string, actor: Actor): Promise<OperationView> {
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
    });
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

  /** Server start-up: recovers what an earlier process left, then runs queued operations (and keeps doing so). */
  async startWorker(): Promise<void> {
    this.stopping = false;
    await this.pool.start();
  }

  /** Whether this process's worker pool takes queued operations (the server between start and shutdown). */
  get workerRunning(): boolean {
    return this.pool.active && !this.stopping;
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
      attempt: 0
    };
  }

  private async identityName(identityId: string | null): Promise<string | null> {
    return identityId ? ((await this.deps.identities.findById(identityId))?.name ?? null) : null;
  }
}
