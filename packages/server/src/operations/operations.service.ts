/**
 * Operations: the durable job system. Every long piece of work (backup, restore, check, prune, scan, fix, ...) is an
 * operation row the API, the UI and the CLI follow; the work itself is a `JobHandler` (job.types.ts).
 *
 * API summary (for handler authors, routes, the CLI and schedules):
 * - `register(handler)`: once at start-up, one handler per kind (backup, check and prune are registered here).
 * - `start(kind, identityId, params, actor)`: validates params with the handler (errors are thrown before anything is
 *   stored), applies the handler's exclusiveKey (`whenBusy: 'refuse'` throws 409 `already_running` naming the blocking
 *   operation; `'queue'` waits), inserts the row as `queued` and audits `<kind>.start`. In the server (worker mode)
 *   the pool then runs it; elsewhere (CLI) call `runHere(id)` to run it in the foreground.
 * - Worker pool (`startWorker()`, from the server's onReady): at most `maxRunning` operations at once over all
 *   identities, queued ones in creation order, never two with the same exclusivity key. Queued operations survive a
 *   restart and are started again; running ones whose process is gone become `interrupted`.
 * - Statuses: queued → running → succeeded | partial | failed | cancelled | interrupted. `resume(id)` puts an
 *   interrupted (or failed) operation of a resumable kind back in the queue; its handler then sees `ctx.resumed`.
 * - `cancel(id)`: a queued one is cancelled at once; a running one is aborted (`ctx.signal`, reason `cancelled`) when
 *   it runs here, or asked through the `cancel_requested_by` column that its runner polls when another process (the
 *   CLI, or the server) runs it.
 * - Live progress: `ctx.progress()` is written to the row at most once a second and pushed to `subscribe()` listeners
 *   (the SSE routes) more often; `ctx.logItems()` rows get a per-operation `seq`; `watch(id)` follows one operation
 *   from any process through the shared database (`orgkeeper operations watch`, SSE).
 * - `onFinished(hook)`: awaited after each operation ends (notifications).
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Actor, AuditService } from '../audit/audit.service.js';
import type { BackupService } from '../backup/backup.service.js';
import { AppError } from '../errors/app-error.js';
import type { IdentitySessions } from '../identities/identity-sessions.js';
import type { IdentityRepository } from '../identities/identity.repository.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import { backupJob } from './backup.job.js';
import { JobStopped, type JobContext, type JobHandler, type JobItemLog, type JobOutcome } from './job.types.js';
import type { OperationRepository } from './operation.repository.js';
import { checkJob, pruneJob } from './store.jobs.js';
import type {
  BackupParams,
  ItemLogStatus,
  NewOperationItemRow,
  OperationFilter,
  OperationItemPage,
  OperationItemRow,
  OperationItemView,
  OperationKind,
  OperationRow,
  OperationStatus,
  OperationView
} from './operation.types.js';

export const PROGRESS_INTERVAL_MS = 1000;
/** Live progress events (SSE) are pushed at most this often per operation. */
export const LIVE_PROGRESS_INTERVAL_MS = 200;
/** How long shutdown waits for running operations to stop. */
const SHUTDOWN_GRACE_MS = 30_000;
export const TERMINAL_STATUSES: readonly OperationStatus[] = ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];
const INTERRUPTED_MESSAGE = 'OrgKeeper stopped while this operation was running. Run it again: a backup continues where it stopped.';
const INTERRUPTED_RESUMABLE = 'OrgKeeper stopped while this operation was running. Resume it to continue where it stopped (or Run it again).';
const INTERRUPTED_OTHER = 'OrgKeeper stopped while this operation was running. Run it again.';

export interface OperationsServiceDeps {
  repository: OperationRepository;
  identities: IdentityRepository;
  sessions: IdentitySessions;
  backups: BackupService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** Items backed up at once per backup (default: the engine's). */
  concurrency?: number;
  /** Operations run at once by this process (default 3). */
  maxRunning?: number;
  /** How often a runner writes its heartbeat and looks for a cancel request from another process (default 1 s). */
  heartbeatMs?: number;
  /** A running operation whose heartbeat is older than this lost its process (default 30 s). */
  staleAfterMs?: number;
}

export type OperationEvent =
  | { type: 'status'; operation: OperationView }
  | { type: 'progress'; operationId: string; identityId: string | null; progress: Record<string, unknown> }
  | { type: 'items'; operationId: string; identityId: string | null; items: OperationItemView[] };

type StopReason = 'cancelled' | 'shutdown';

interface Running {
  operationId: string;
  controller: AbortController;
  done: Promise<void>;
  cancelledBy?: string;
}

export class OperationsService {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, Running>();
  /** Exclusivity keys being claimed (between the check and the row insert), so two calls at once cannot both pass. */
  private readonly claiming = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly finishedHooks: ((operation: OperationView) => Promise<void>)[] = [];
  private readonly runnerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly maxRunning: number;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private worker = false;
  private stopping = false;
  private pumping = false;
  private pumpAgain = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OperationsServiceDeps) {
    this.maxRunning = deps.maxRunning ?? 3;
    this.heartbeatMs = deps.heartbeatMs ?? 1000;
    this.staleAfterMs = deps.staleAfterMs ?? 30_000;
    this.events.setMaxListeners(0);
    this.register(backupJob({ identities: deps.identities, sessions: deps.sessions, backups: deps.backups, logger: deps.logger, ...(deps.concurrency ? { concurrency: deps.concurrency } : {}) }));
    this.register(checkJob({ identities: deps.identities }));
    this.register(pruneJob({ identities: deps.identities }));
  }

  // ---- handlers and events ----

  register(handler: JobHandler): void {
    if (this.handlers.has(handler.kind)) throw new Error(`A job handler for "${handler.kind}" is already registered.`);
    this.handlers.set(handler.kind, handler as unknown as JobHandler);
  }

  /** The handler of a kind, if registered (schedules validate their params with it). */
  handler(kind: OperationKind): JobHandler | undefined {
    return this.handlers.get(kind);
  }

  /** Live events of every operation this process runs or changes; returns the unsubscribe function. */
  subscribe(listener: (event: OperationEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** Called (and awaited) after every operation this process runs ends; errors are logged, never thrown. */
  onFinished(hook: (operation: OperationView) => Promise<void>): void {
    this.finishedHooks.push(hook);
  }

  private emit(event: OperationEvent): void {
    this.events.emit('event', event);
  }

  // ---- starting work ----

  /** Starts a backup of the identity (kept for the backup routes): `start('backup', ...)`. */
  startBackup(identityId: string, params: BackupParams, actor: Actor): Promise<OperationView> {
    return this.start('backup', identityId, params as Record<string, unknown>, actor);
  }

  /** Queues an operation (see the summary at the top); returns its row as stored. */
  async start(kind: OperationKind, identityId: string | null, params: unknown, actor: Actor): Promise<OperationView> {
    if (this.stopping) throw new AppError('unavailable', 'OrgKeeper is shutting down; start the operation again once it is back.');
    const handler = this.handlers.get(kind);
    if (!handler) throw new AppError('bad_request', `This OrgKeeper cannot run "${kind}" operations.`);
    let identityName: string | null = null;
    if (identityId !== null) {
      const identity = await this.deps.identities.findById(identityId);
      if (!identity) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
      identityName = identity.name;
    }
    const clean = await handler.validate(params ?? {}, identityId);
    const key = handler.exclusiveKey?.(clean, identityId);
    if (key !== undefined && this.claiming.has(key)) throw busyError(kind, identityName, undefined);
    if (key !== undefined) this.claiming.add(key);
    const now = this.now();
    const row: OperationRow = {
      id: newId(),
      kind,
      identity_id: identityId,
      status: 'queued',
      params: JSON.stringify(clean),
      progress: null,
      message: null,
      result: null,
      snapshot_id: null,
      created_by: actorName(actor),
      created_at: now,
      started_at: null,
      finished_at: null,
      runner_id: null,
      heartbeat_at: null,
      cancel_requested_by: null,
      exclusive_key: key ?? null,
      attempt: 0
    };
    try {
      if (key !== undefined && (handler.whenBusy ?? 'refuse') === 'refuse') {
        const active = await this.blockingOperation(() => this.deps.repository.findActiveByKey(key));
        if (active) throw busyError(kind, identityName, active);
      }
      await this.deps.repository.insert(row);
    } finally {
      if (key !== undefined) this.claiming.delete(key);
    }
    await this.deps.audit.record({
      actor,
      action: `${kind}.start`,
      target: identityId ?? row.id,
      result: 'success',
      details: { operationId: row.id, ...(identityName ? { identity: identityName } : {}), params: clean }
    });
    const view = this.toView(row);
    this.emit({ type: 'status', operation: view });
    if (this.worker) void this.pump();
    return view;
  }

  /**
   * Runs a queued operation in this process and waits for it to end (the CLI's foreground run). The server's pool does
   * not run an operation claimed here; cancel from anywhere still reaches it.
   */
  async runHere(operationId: string): Promise<OperationView> {
    const row = await this.requireRow(operationId);
    const handler = this.handlers.get(row.kind);
    if (!handler) throw new AppError('bad_request', `This OrgKeeper cannot run "${row.kind}" operations.`);
    if (row.status !== 'queued') throw new AppError('conflict', `This operation is ${row.status}; only a queued operation can be run.`);
    if (row.exclusive_key) {
      const key = row.exclusive_key;
      const busy = await this.blockingOperation(() => this.deps.repository.findRunningByKey(key));
      if (busy) throw busyError(row.kind, await this.identityName(row.identity_id), busy);
    }
    const claimed = await this.claim(row);
    if (!claimed) return this.get(operationId);
    await this.launch(claimed, handler).done;
    return this.get(operationId);
  }

  /**
   * The operation that keeps work with this exclusivity key from starting. One that looks `running` but whose process
   * is gone (a killed CLI: dead pid on this host, or a stale heartbeat) is marked interrupted first and does not block.
   */
  private async blockingOperation(find: () => Promise<OperationRow | undefined>): Promise<OperationRow | undefined> {
    const found = await find();
    if (found?.status !== 'running' || this.running.has(found.id)) return found;
    await this.recoverInterrupted();
    return find();
  }

  /** Puts an interrupted or failed operation of a resumable kind back in the queue; its handler continues it. */
  async resume(operationId: string, actor: Actor): Promise<OperationView> {
    const row = await this.requireRow(operationId);
    const handler = this.handlers.get(row.kind);
    if (!handler?.resumable) throw new AppError('conflict', `A ${row.kind} operation cannot be resumed; start a new one instead.`);
    const from = resumableFrom(handler);
    if (!from.includes(row.status)) {
      throw new AppError('conflict', `This operation is ${row.status}; only an ${from.join(', ').replace(/, ([a-z]+)$/, ' or $1')} operation can be resumed.`);
    }
    if (row.exclusive_key && (handler.whenBusy ?? 'refuse') === 'refuse') {
      const key = row.exclusive_key;
      const active = await this.blockingOperation(() => this.deps.repository.findActiveByKey(key, row.id));
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
    this.emit({ type: 'status', operation: view });
    if (this.worker) void this.pump();
    return view;
  }

  async cancel(operationId: string, actor: Actor): Promise<OperationView> {
    const row = await this.requireRow(operationId);
    const by = actorName(actor);
    if (row.status === 'queued') {
      const ok = await this.deps.repository.transition(row.id, ['queued'], {
        status: 'cancelled',
        message: `Cancelled by ${by} before it started.`,
        finished_at: this.now()
      });
      if (ok) {
        await this.deps.audit.record({ actor, action: 'operation.cancel', target: row.id, result: 'success', details: { kind: row.kind, identityId: row.identity_id } });
        const view = await this.get(row.id);
        this.emit({ type: 'status', operation: view });
        return view;
      }
      return this.cancel(operationId, actor); // it started meanwhile: cancel it running
    }
    if (row.status !== 'running') {
      throw new AppError('conflict', `This operation is ${row.status} already; only a queued or running operation can be cancelled.`);
    }
    await this.deps.audit.record({ actor, action: 'operation.cancel', target: row.id, result: 'success', details: { kind: row.kind, identityId: row.identity_id } });
    const local = this.running.get(row.id);
    if (local) {
      local.cancelledBy = by;
      local.controller.abort('cancelled' satisfies StopReason);
      await local.done;
      return this.get(row.id);
    }
    // Another process runs it: ask through the row, then give its runner (polling every heartbeat) time to stop.
    await this.deps.repository.transition(row.id, ['running'], { cancel_requested_by: by });
    const until = Date.now() + Math.max(5000, this.heartbeatMs * 5);
    for (;;) {
      const now = await this.requireRow(row.id);
      if (now.status !== 'running' || Date.now() > until) return this.toView(now);
      await sleep(100);
    }
  }

  // ---- the worker pool ----

  /** Server start-up: recovers what an earlier process left, then runs queued operations (and keeps doing so). */
  async startWorker(): Promise<void> {
    this.worker = true;
    this.stopping = false;
    await this.recoverInterrupted();
    // Operations of a process that died while the server runs (a killed CLI) are found by this sweep.
    this.sweepTimer = setInterval(() => {
      void this.recoverInterrupted()
        .then(() => this.pump())
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'operations sweep failed'));
    }, Math.max(1000, Math.min(this.staleAfterMs, 30_000)));
    this.sweepTimer.unref();
    await this.pump();
  }

  /**
   * Running operations whose process is gone (no runner, a heartbeat older than staleAfterMs, or a dead process on
   * this host) become `interrupted`. Queued ones stay queued: the pool starts them.
   */
  async recoverInterrupted(): Promise<void> {
    const rows = await this.deps.repository.listByStatus(['running']);
    const now = this.deps.clock().getTime();
    const host = hostname();
    const lost = rows.filter((row) => {
      if (this.running.has(row.id)) return false;
      if (!row.runner_id || !row.heartbeat_at) return true;
      if (now - Date.parse(row.heartbeat_at) > this.staleAfterMs) return true;
      const [runnerHost, pid] = row.runner_id.split(':');
      return runnerHost === host && Number(pid) !== process.pid && !processAlive(Number(pid));
    });
    if (lost.length === 0) return;
    // A cancel asked of a process that then died is honoured: cancelled, not interrupted (nobody wants it resumed).
    for (const row of lost.filter((r) => r.cancel_requested_by)) {
      const ok = await this.deps.repository.transition(row.id, ['running'], {
        status: 'cancelled',
        message: `Cancelled by ${row.cancel_requested_by} (the process running it had stopped).`,
        finished_at: this.now(),
        runner_id: null,
        cancel_requested_by: null
      });
      if (ok) this.emit({ type: 'status', operation: await this.get(row.id) });
    }
    const ids = await this.deps.repository.interrupt(
      lost.filter((r) => !r.cancel_requested_by).map((r) => r.id),
      this.now(),
      (row) => (row.kind === 'backup' ? INTERRUPTED_MESSAGE : this.handlers.get(row.kind)?.resumable ? INTERRUPTED_RESUMABLE : INTERRUPTED_OTHER)
    );
    if (ids.length > 0) this.deps.logger.warn({ operations: ids }, 'marked operations whose process stopped as interrupted');
    for (const id of ids) this.emit({ type: 'status', operation: await this.get(id) });
  }

  /** Starts queued operations while there is room, oldest first, skipping those whose exclusivity key is taken. */
  private async pump(): Promise<void> {
    if (!this.worker || this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const queued = await this.deps.repository.listByStatus(['queued']);
        for (const row of queued) {
          if (this.running.size >= this.maxRunning || this.stopping) break;
          const handler = this.handlers.get(row.kind);
          if (!handler) {
            await this.deps.repository.transition(row.id, ['queued'], {
              status: 'failed',
              message: `This OrgKeeper cannot run "${row.kind}" operations (it was started by another version); start it again.`,
              finished_at: this.now()
            });
            continue;
          }
          if (row.exclusive_key && (await this.deps.repository.findRunningByKey(row.exclusive_key))) continue;
          const claimed = await this.claim(row);
          if (claimed) this.launch(claimed, handler);
        }
      } while (this.pumpAgain && !this.stopping);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not start queued operations');
    } finally {
      this.pumping = false;
    }
  }

  /** queued → running for this process; undefined when another process (or call) claimed it first. */
  private async claim(row: OperationRow): Promise<OperationRow | undefined> {
    const now = this.now();
    const changes = { status: 'running' as const, runner_id: this.runnerId, heartbeat_at: now, started_at: row.started_at ?? now, finished_at: null, cancel_requested_by: null };
    if (!(await this.deps.repository.transition(row.id, ['queued'], changes))) return undefined;
    return { ...row, ...changes };
  }

  private launch(row: OperationRow, handler: JobHandler): Running {
    const entry: Running = { operationId: row.id, controller: new AbortController(), done: Promise.resolve() };
    this.running.set(row.id, entry);
    entry.done = this.execute(row, handler, entry)
      .catch((error: unknown) => this.deps.logger.error({ err: error, operationId: row.id }, 'operation bookkeeping failed'))
      .finally(() => {
        this.running.delete(row.id);
        void this.pump();
      });
    return entry;
  }

  private async execute(row: OperationRow, handler: JobHandler, entry: Running): Promise<void> {
    const id = row.id;
    const signal = entry.controller.signal;
    const logger = this.deps.logger.child({ operationId: id, kind: row.kind });
    this.emit({ type: 'status', operation: this.toView(row) });
    let seq = await this.deps.repository.maxSeq(id);
    const stored = new Throttle<Record<string, unknown>>(PROGRESS_INTERVAL_MS, (p) => this.deps.repository.update(id, { progress: JSON.stringify(p) }));
    const live = new Throttle<Record<string, unknown>>(LIVE_PROGRESS_INTERVAL_MS, async (p) =>
      this.emit({ type: 'progress', operationId: id, identityId: row.identity_id, progress: p })
    );
    // Heartbeat, and cancel requests from other processes.
    const heartbeat = setInterval(() => {
      void (async () => {
        const current = await this.deps.repository.findById(id);
        if (current?.cancel_requested_by && !signal.aborted) {
          entry.cancelledBy = current.cancel_requested_by;
          entry.controller.abort('cancelled' satisfies StopReason);
        }
        await this.deps.repository.update(id, { heartbeat_at: this.now() });
      })().catch((error: unknown) => logger.warn({ err: error }, 'operation heartbeat failed'));
    }, this.heartbeatMs);
    heartbeat.unref();

    const ctx: JobContext = {
      operationId: id,
      identityId: row.identity_id,
      params: parse(row.params) ?? {},
      resumed: row.attempt > 0,
      signal,
      progress: (p) => {
        stored.push(p);
        live.push(p);
      },
      logItems: async (items) => {
        if (items.length === 0) return;
        const rows = items.map((item) => itemRow(id, item, ++seq));
        await this.deps.repository.insertItems(rows);
        this.emit({ type: 'items', operationId: id, identityId: row.identity_id, items: rows.map((r) => itemView(r as OperationItemRow)) });
      },
      setSnapshot: async (snapshotId) => {
        await this.deps.repository.update(id, { snapshot_id: snapshotId });
      },
      logger
    };

    let outcome: JobOutcome | undefined;
    let status: OperationStatus;
    let message: string;
    let failure: unknown;
    try {
      outcome = await handler.run(ctx);
      status = outcome.status;
      message = outcome.message;
    } catch (error) {
      const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
      const detail = error instanceof JobStopped && error.detail !== '' ? ` ${error.detail}` : '';
      if (reason === 'cancelled') {
        status = 'cancelled';
        message = `Cancelled${entry.cancelledBy ? ` by ${entry.cancelledBy}` : ''}.${detail}`;
      } else if (reason === 'shutdown') {
        status = 'interrupted';
        message = `${row.kind === 'backup' ? INTERRUPTED_MESSAGE : handler.resumable ? INTERRUPTED_RESUMABLE : INTERRUPTED_OTHER}${detail}`;
      } else {
        status = 'failed';
        failure = error;
        message = handler.describeFailure?.(error) ?? (error instanceof AppError ? error.message : `The ${row.kind} stopped: ${errorText(error)}.`);
        logger.warn({ err: error }, 'operation failed');
      }
    } finally {
      clearInterval(heartbeat);
      live.cancel();
      await stored.flush();
    }
    await this.deps.repository.update(id, {
      status,
      message,
      finished_at: this.now(),
      runner_id: null,
      cancel_requested_by: null,
      ...(outcome?.result !== undefined ? { result: JSON.stringify(outcome.result) } : {})
    });
    await this.deps.audit.record({
      actor: { kind: 'system', name: row.kind },
      action: `${row.kind}.finish`,
      target: row.identity_id ?? id,
      result: status === 'failed' || status === 'partial' ? 'failure' : 'success',
      details: { operationId: id, status, message, ...(failure !== undefined ? { error: errorText(failure) } : {}) }
    });
    const view = await this.get(id);
    this.emit({ type: 'status', operation: view });
    for (const hook of this.finishedHooks) {
      await hook(view).catch((error: unknown) => logger.warn({ err: error }, 'an operation-finished hook failed'));
    }
  }

  /** On server stop: running operations stop (interrupted; queued ones stay queued for the next start). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.worker = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort('shutdown' satisfies StopReason);
    // A handler that ignores its signal must not keep the server from stopping: its row is recovered at the next start.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SHUTDOWN_GRACE_MS)));
    const outcome = await Promise.race([Promise.all(all.map((r) => r.done)), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.deps.logger.warn({ operations: [...this.running.keys()] }, 'operations did not stop in time on shutdown');
  }

  // ---- reading ----

  async get(operationId: string): Promise<OperationView> {
    return this.toView(await this.requireRow(operationId));
  }

  async list(filter: OperationFilter): Promise<OperationView[]> {
    return (await this.deps.repository.list(filter)).map((row) => this.toView(row));
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

  /**
   * Follows one operation from any process, through the database (and this process's events, for low latency):
   * yields its current state, then every change of status, progress or message and every new log row, and ends
   * after the operation finishes (or when the signal aborts).
   */
  async *watch(operationId: string, options: { signal?: AbortSignal; pollMs?: number; items?: boolean } = {}): AsyncGenerator<OperationEvent> {
    const pollMs = options.pollMs ?? 500;
    let wake: (() => void) | undefined;
    // Progress of an operation this process runs comes from its live events (fresher than the throttled row).
    let liveProgress: OperationEvent | undefined;
    const unsubscribe = this.subscribe((event) => {
      const id = event.type === 'status' ? event.operation.id : event.operationId;
      if (id !== operationId) return;
      if (event.type === 'progress') liveProgress = event;
      wake?.();
    });
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      let lastSignature = '';
      let lastProgress = '';
      let seq = 0;
      for (;;) {
        if (options.signal?.aborted) return;
        const row = await this.requireRow(operationId);
        if (options.items !== false) {
          for (;;) {
            const rows = await this.deps.repository.listItemsSince(operationId, seq);
            if (rows.length === 0) break;
            seq = rows.at(-1)?.seq ?? seq;
            yield { type: 'items', operationId, identityId: row.identity_id, items: rows.map(itemView) };
          }
        }
        const signature = `${row.status}|${row.message ?? ''}|${row.snapshot_id ?? ''}|${row.cancel_requested_by ?? ''}|${row.attempt}`;
        if (signature !== lastSignature) {
          lastSignature = signature;
          lastProgress = row.progress ?? '';
          yield { type: 'status', operation: this.toView(row) };
        } else if (this.running.has(operationId)) {
          if (liveProgress) yield liveProgress;
        } else if ((row.progress ?? '') !== lastProgress) {
          lastProgress = row.progress ?? '';
          yield { type: 'progress', operationId, identityId: row.identity_id, progress: parse(row.progress) ?? {} };
        }
        liveProgress = undefined;
        if (TERMINAL_STATUSES.includes(row.status)) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            // Let the writer's database update land before reading again.
            setTimeout(resolve, 20);
          };
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Follows every operation (of one identity, or all): yields the active ones' state first, then every status change
   * and progress, and the log rows of operations this process runs. Operations run by other processes are seen by
   * polling the database. Ends when the signal aborts.
   */
  async *watchAll(options: { identityId?: string; signal?: AbortSignal; pollMs?: number } = {}): AsyncGenerator<OperationEvent> {
    const pollMs = options.pollMs ?? 1000;
    const queue: OperationEvent[] = [];
    const seen = new Map<string, string>();
    const progressSeen = new Map<string, string>();
    let wake: (() => void) | undefined;
    const relevant = (identityId: string | null) => options.identityId === undefined || identityId === options.identityId;
    const unsubscribe = this.subscribe((event) => {
      const identityId = event.type === 'status' ? event.operation.identityId : event.identityId;
      if (!relevant(identityId)) return;
      if (event.type === 'status') seen.set(event.operation.id, signatureOf(event.operation));
      queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    const filter = { ...(options.identityId ? { identityId: options.identityId } : {}), limit: 50 };
    try {
      for (const row of await this.deps.repository.list(filter)) {
        const view = this.toView(row);
        seen.set(row.id, signatureOf(view));
        progressSeen.set(row.id, row.progress ?? '');
        if (!TERMINAL_STATUSES.includes(row.status)) yield { type: 'status', operation: view };
      }
      let nextPoll = Date.now() + pollMs;
      for (;;) {
        while (queue.length > 0) yield queue.shift() as OperationEvent;
        if (options.signal?.aborted) return;
        if (Date.now() >= nextPoll) {
          nextPoll = Date.now() + pollMs;
          for (const row of await this.deps.repository.list(filter)) {
            const view = this.toView(row);
            const signature = signatureOf(view);
            if (seen.get(row.id) !== signature) {
              seen.set(row.id, signature);
              progressSeen.set(row.id, row.progress ?? '');
              yield { type: 'status', operation: view };
            } else if (row.status === 'running' && !this.running.has(row.id) && progressSeen.get(row.id) !== (row.progress ?? '')) {
              progressSeen.set(row.id, row.progress ?? '');
              yield { type: 'progress', operationId: row.id, identityId: row.identity_id, progress: parse(row.progress) ?? {} };
            }
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, nextPoll - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async requireRow(operationId: string): Promise<OperationRow> {
    const row = await this.deps.repository.findById(operationId);
    if (!row) throw new AppError('not_found', 'There is no such operation.');
    return row;
  }

  private async identityName(identityId: string | null): Promise<string | null> {
    return identityId ? ((await this.deps.identities.findById(identityId))?.name ?? null) : null;
  }

  toView(row: OperationRow): OperationView {
    const handler = this.handlers.get(row.kind);
    return {
      id: row.id,
      kind: row.kind,
      identityId: row.identity_id,
      status: row.status,
      params: parse(row.params) ?? {},
      progress: parse(row.progress),
      message: row.message,
      result: parse(row.result),
      snapshotId: row.snapshot_id,
      createdBy: row.created_by,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      cancelRequestedBy: row.cancel_requested_by,
      attempt: row.attempt,
      resumable: handler?.resumable === true && resumableFrom(handler).includes(row.status)
    };
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

function signatureOf(view: OperationView): string {
  return `${view.status}|${view.message ?? ''}|${view.attempt}|${view.cancelRequestedBy ?? ''}|${view.snapshotId ?? ''}`;
}

function busyError(kind: string, identityName: string | null, active: OperationRow | undefined): AppError {
  const of = identityName ? ` of "${identityName}"` : '';
  if (!active) return new AppError('already_running', `A ${kind}${of} is being started right now. Wait for it to finish or cancel it first.`);
  const what = active.kind === kind ? `A ${kind}` : `A ${active.kind}`;
  return new AppError(
    'already_running',
    `${what}${of} is already ${active.status === 'queued' ? 'queued' : 'running'} (operation ${active.id}). Wait for it to finish or cancel it first.`
  );
}

/** Writes the newest value at most once per interval; flush writes what is pending and waits for it. */
class Throttle<T> {
  private pending: T | undefined;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (value: T) => Promise<void>
  ) {}

  push(value: T): void {
    this.pending = value;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
    this.timer.unref();
  }

  private drain(): void {
    const value = this.pending;
    if (value === undefined) return;
    this.pending = undefined;
    this.lastWrite = Date.now();
    // Writes are chained so an older value never lands after a newer one.
    this.writing = this.writing.then(() => this.write(value)).catch(() => undefined);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
    await this.writing;
  }
}

function itemRow(operationId: string, item: JobItemLog, seq: number): NewOperationItemRow & { seq: number } {
  return {
    operation_id: operationId,
    item_id: item.itemId,
    title: item.title ?? '',
    type: item.type ?? '',
    owner: item.owner ?? '',
    modified: item.modified ?? null,
    status: item.status,
    parts: (item.parts ?? []).join(', '),
    carried_over: item.carriedOver ? 1 : 0,
    bytes_read: item.bytesRead ?? 0,
    new_bytes: item.newBytes ?? 0,
    error: item.error ?? null,
    duration_ms: Math.round(item.durationMs ?? 0),
    action: item.action ?? null,
    new_id: item.newId ?? null,
    details: item.details ? JSON.stringify(item.details) : null,
    seq
  };
}

export function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.username : actor.kind === 'system' ? actor.name : (actor.name ?? 'anonymous');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const parse = (text: string | null): Record<string, unknown> | null => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

export function itemView(row: OperationItemRow): OperationItemView {
  return {
    itemId: row.item_id,
    title: row.title,
    type: row.type,
    owner: row.owner,
    modified: row.modified,
    status: row.status,
    parts: row.parts === '' ? [] : row.parts.split(', '),
    carriedOver: row.carried_over === 1,
    bytesRead: Number(row.bytes_read),
    newBytes: Number(row.new_bytes),
    error: row.error,
    durationMs: row.duration_ms,
    action: row.action,
    newId: row.new_id,
    details: parse(row.details),
    seq: row.seq
  };
}

/** The statuses from which an operation of this kind can be resumed. */
function resumableFrom(handler: JobHandler): OperationStatus[] {
  return handler.resumePartial ? ['interrupted', 'failed', 'partial'] : ['interrupted', 'failed'];
}
