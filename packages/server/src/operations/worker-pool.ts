/**
 * The queue and this process's workers: in a server or `orgkeeper worker` (`start()`), at most `maxRunning`
 * operations run here at once, queued ones in creation order, never two holding the same exclusivity key (in any
 * process: claims.ts). Any number of processes share the queue through the database. The pump runs when something
 * here ends, when another process signals a queued or ended operation (LISTEN/NOTIFY on PostgreSQL), and on a poll
 * that is the fallback (frequent on SQLite, where other processes do not signal). A periodic sweep finds operations
 * whose process died (recovery.ts: taken over, or marked interrupted) and starts what waited behind them. `launch()`
 * also runs the CLI's foreground runs and child operations.
 */
import { CoalescingPump } from '../lib/coalescing-pump.js';
import type { Logger } from '../logging/logger.js';
import type { OperationClaims } from './claims.js';
import type { JobExecution } from './job-execution.js';
import type { JobRegistry } from './job-registry.js';
import type { JobHandler, JobKind } from './job.types.js';
import type { LocalRun, LocalRuns } from './local-runs.js';
import type { OperationSignals } from './operation-signals.js';
import type { OperationRow } from './operation.types.js';
import type { Recovery } from './recovery.js';

/** How often the queue is read without a signal: other processes on SQLite do not signal; on PostgreSQL a safety net. */
const QUEUE_POLL_MS = { signalled: 30_000, unsignalled: 2000 };

export interface WorkerPoolDeps {
  registry: JobRegistry;
  claims: OperationClaims;
  localRuns: LocalRuns;
  execution: JobExecution;
  recovery: Recovery;
  signals: OperationSignals;
  logger: Logger;
  /** Operations run at once by this process. */
  maxRunning: number;
  /** When a silent runner counts as gone; the sweep looks a few times within it (every 1-10 s). */
  staleAfterMs: number;
}

export class WorkerPool {
  private working = false;
  private readonly pumper = new CoalescingPump(() => this.fill(), {
    active: () => this.working,
    onError: (error) => this.deps.logger.error({ err: error }, 'could not start queued operations')
  });
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly unrunnable = new Set<string>();

  constructor(private readonly deps: WorkerPoolDeps) {}

  /** Whether this process runs queued operations (a server or worker), rather than only its own foreground runs (the CLI). */
  get active(): boolean {
    return this.working;
  }

  /** Recovers what stopped processes left, then runs queued operations (and keeps doing so). */
  async start(): Promise<void> {
    this.working = true;
    this.unsubscribe = this.deps.signals.subscribe((signal) => {
      // Another process queued something, or ended something (a key may be free): look at the queue.
      if (signal === null || signal.what === 'queued' || (signal.what === 'status' && signal.status !== 'running')) void this.pump();
    });
    await this.deps.recovery.recoverInterrupted();
    const sweep = setInterval(() => {
      void this.deps.recovery
        .recoverInterrupted()
        .then(() => this.pump())
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'operations sweep failed'));
    }, Math.max(1000, Math.min(Math.floor(this.deps.staleAfterMs / 3), 10_000)));
    const poll = setInterval(() => void this.pump(), this.deps.signals.crossProcess ? QUEUE_POLL_MS.signalled : QUEUE_POLL_MS.unsignalled);
    this.timers = [sweep, poll];
    for (const timer of this.timers) timer.unref();
    await this.pump();
  }

  /** Stops taking queued operations (what runs goes on until it is stopped). */
  stop(): void {
    this.working = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Starts queued operations while there is room, oldest first, passing over those whose keys are held. */
  pump(): Promise<void> {
    return this.pumper.pump();
  }

  private async fill(): Promise<void> {
    const tried: string[] = [];
    while (this.working && this.deps.localRuns.size < this.deps.maxRunning) {
      const attempt = await this.deps.claims.claimNext(tried);
      if (attempt.outcome === 'none') return;
      if (attempt.outcome === 'claimed') {
        const handler = this.deps.registry.get(attempt.row.kind);
        if (handler) this.launch(attempt.row, handler);
        continue;
      }
      tried.push(attempt.row.id);
      // A kind this version has no handler for (queued by a newer one, during an upgrade): left for a worker that has.
      if (attempt.outcome === 'unrunnable' && !this.unrunnable.has(attempt.row.id)) {
        this.unrunnable.add(attempt.row.id);
        this.deps.logger.warn({ operationId: attempt.row.id, kind: attempt.row.kind }, 'this version cannot run this kind of operation; it waits for a worker that can');
      }
    }
  }

  /** Runs a claimed operation here; its LocalRun's `done` settles when it has ended and been recorded. */
  launch<K extends JobKind>(row: OperationRow & { kind: K }, handler: JobHandler<K>): LocalRun {
    const run = this.deps.localRuns.add(row.id);
    run.done = this.deps.execution
      .execute(row, handler, run)
      .catch((error: unknown) => this.deps.logger.error({ err: error, operationId: row.id }, 'operation bookkeeping failed'))
      .finally(() => {
        this.deps.localRuns.delete(row.id);
        void this.pump();
      });
    return run;
  }
}
