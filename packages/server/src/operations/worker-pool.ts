/**
 * The queue and its workers: in the server (`start()` from its onReady), at most `maxRunning` operations run at once
 * over all identities, queued ones in creation order, never two with the same exclusivity key. Queued operations
 * survive a restart and are started again; a periodic sweep finds operations whose process died (recovery) and starts
 * what waited behind them. `launch()` also runs the CLI's foreground runs and child operations.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { OperationClaims } from './claims.js';
import type { JobExecution } from './job-execution.js';
import type { JobRegistry } from './job-registry.js';
import type { JobHandler, JobKind } from './job.types.js';
import type { LocalRun, LocalRuns } from './local-runs.js';
import type { OperationRepository } from './operation.repository.js';
import type { OperationRow } from './operation.types.js';
import type { Recovery } from './recovery.js';

export interface WorkerPoolDeps {
  repository: OperationRepository;
  registry: JobRegistry;
  claims: OperationClaims;
  localRuns: LocalRuns;
  execution: JobExecution;
  recovery: Recovery;
  clock: Clock;
  logger: Logger;
  /** Operations run at once by this process. */
  maxRunning: number;
  /** How often the sweep looks for operations whose process died (bounded to 1-30 s). */
  staleAfterMs: number;
}

export class WorkerPool {
  private working = false;
  private pumping = false;
  private pumpAgain = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WorkerPoolDeps) {}

  /** Whether this process runs queued operations (the server), rather than only its own foreground runs (the CLI). */
  get active(): boolean {
    return this.working;
  }

  /** Recovers what an earlier process left, then runs queued operations (and keeps doing so). */
  async start(): Promise<void> {
    this.working = true;
    await this.deps.recovery.recoverInterrupted();
    // Operations of a process that died while the server runs (a killed CLI) are found by this sweep.
    this.sweepTimer = setInterval(() => {
      void this.deps.recovery
        .recoverInterrupted()
        .then(() => this.pump())
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'operations sweep failed'));
    }, Math.max(1000, Math.min(this.deps.staleAfterMs, 30_000)));
    this.sweepTimer.unref();
    await this.pump();
  }

  /** Stops taking queued operations (what runs goes on until it is stopped). */
  stop(): void {
    this.working = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Starts queued operations while there is room, oldest first, skipping those whose exclusivity key is taken. */
  async pump(): Promise<void> {
    if (!this.working) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const row of await this.deps.claims.queued()) {
          if (this.deps.localRuns.size >= this.deps.maxRunning || !this.working) break;
          await this.startQueued(row);
        }
      } while (this.pumpAgain && this.working);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not start queued operations');
    } finally {
      this.pumping = false;
    }
  }

  private async startQueued(row: OperationRow): Promise<void> {
    const handler = this.deps.registry.get(row.kind);
    if (!handler) {
      await this.deps.repository.transition(row.id, ['queued'], {
        status: 'failed',
        message: `This OrgKeeper cannot run "${row.kind}" operations (it was started by another version); start it again.`,
        finished_at: this.deps.clock().toISOString()
      });
      return;
    }
    if (row.exclusive_key && (await this.deps.claims.keyRunning(row.exclusive_key))) return;
    const claimed = await this.deps.claims.claim(row);
    if (claimed) this.launch(claimed, handler);
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
