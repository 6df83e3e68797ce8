/**
 * Running one claimed operation in this process: its handler gets a JobContext (throttled progress, per-item log,
 * snapshot link, child operations), a heartbeat keeps the row alive and brings cancels asked from elsewhere, and the
 * end (outcome, failure, cancel or shutdown) is written to the row, audited, pushed to listeners and to the
 * finished-hooks (notifications).
 */
import type { AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { startHeartbeat } from './heartbeat.js';
import { JobStopped, type JobContext, type JobHandler, type JobKind, type JobOutcome, type JobParamsByKind } from './job.types.js';
import type { LocalRun, StopReason } from './local-runs.js';
import { itemRow, itemView, requireRow } from './operation-views.js';
import type { OperationItemRow, OperationRow, OperationStatus, OperationView } from './operation.types.js';
import { LIVE_PROGRESS_INTERVAL_MS, PROGRESS_INTERVAL_MS, Throttle } from './throttle.js';
import type { RunnerParts } from './runner-parts.js';

export interface JobExecutionDeps extends RunnerParts {
  audit: AuditService;
  logger: Logger;
  heartbeatMs: number;
  /** Awaited after each operation this process runs ends; errors are logged. */
  finishedHooks: readonly ((operation: OperationView) => Promise<void>)[];
  /** Starts and runs a child operation of `parent` here (OperationsService.runChild). */
  runChild: <C extends JobKind>(parent: OperationRow, parentRun: LocalRun, kind: C, params: JobParamsByKind[C]) => Promise<OperationView>;
}

/** How a run ended, before it is written. */
interface RunEnd {
  status: OperationStatus;
  message: string;
  outcome?: JobOutcome;
  failure?: unknown;
}

export class JobExecution {
  constructor(private readonly deps: JobExecutionDeps) {}

  /** Runs the handler on the claimed row to its end and records the end; never throws for the job's own failure. */
  async execute<K extends JobKind>(row: OperationRow & { kind: K }, handler: JobHandler<K>, run: LocalRun): Promise<void> {
    const logger = this.deps.logger.child({ operationId: row.id, kind: row.kind });
    this.deps.events.emit({ type: 'status', operation: this.deps.views.view(row) });
    const stored = new Throttle<Record<string, unknown>>(PROGRESS_INTERVAL_MS, (p) => this.deps.repository.update(row.id, { progress: JSON.stringify(p) }));
    const live = new Throttle<Record<string, unknown>>(LIVE_PROGRESS_INTERVAL_MS, async (p) =>
      this.deps.events.emit({ type: 'progress', operationId: row.id, identityId: row.identity_id, progress: p })
    );
    const beat = { repository: this.deps.repository, signals: this.deps.signals, clock: this.deps.clock, intervalMs: this.deps.heartbeatMs, logger };
    const stopHeartbeat = startHeartbeat(beat, row.id, (by) => {
      if (!run.controller.signal.aborted) this.deps.localRuns.stop(run, 'cancelled', by);
    });
    let end: RunEnd;
    try {
      const ctx = await this.context(row, run, logger, (p) => {
        stored.push(p);
        live.push(p);
      });
      const outcome = await handler.run(ctx);
      end = { status: outcome.status, message: outcome.message, outcome };
    } catch (error) {
      end = this.stopped(row, handler, run, error, logger);
    } finally {
      stopHeartbeat();
      live.cancel();
      await stored.flush();
    }
    await this.finish(row, end, logger);
  }

  private async context<K extends JobKind>(row: OperationRow & { kind: K }, run: LocalRun, logger: Logger, progress: (p: Record<string, unknown>) => void): Promise<JobContext<K>> {
    const id = row.id;
    let seq = await this.deps.repository.maxSeq(id);
    return {
      operationId: id,
      kind: row.kind,
      identityId: row.identity_id,
      params: storedParams<K>(row.params),
      startedBy: row.created_by,
      resumed: row.attempt > 0,
      signal: run.controller.signal,
      progress,
      logItems: async (items) => {
        if (items.length === 0) return;
        const rows = items.map((item) => itemRow(id, item, ++seq));
        await this.deps.repository.insertItems(rows);
        this.deps.events.emit({ type: 'items', operationId: id, identityId: row.identity_id, items: rows.map((r) => itemView(r as OperationItemRow)) });
      },
      setSnapshot: async (snapshotId) => {
        await this.deps.repository.update(id, { snapshot_id: snapshotId });
      },
      runChild: (kind, params) => this.deps.runChild(row, run, kind, params),
      logger
    };
  }

  /** The end of a run that threw: cancelled or interrupted when its signal stopped it, else failed. */
  private stopped<K extends JobKind>(row: OperationRow, handler: JobHandler<K>, run: LocalRun, error: unknown, logger: Logger): RunEnd {
    const signal = run.controller.signal;
    const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
    const detail = error instanceof JobStopped && error.detail !== '' ? ` ${error.detail}` : '';
    if (reason === 'cancelled') return { status: 'cancelled', message: `Cancelled${run.cancelledBy ? ` by ${run.cancelledBy}` : ''}.${detail}` };
    if (reason === 'shutdown') return { status: 'interrupted', message: `${handler.interrupted.message}${detail}` };
    logger.warn({ err: error }, 'operation failed');
    return {
      status: 'failed',
      failure: error,
      message: handler.describeFailure?.(error) ?? (error instanceof AppError ? error.message : `The ${row.kind} stopped: ${errorText(error)}.`)
    };
  }

  private async finish(row: OperationRow, end: RunEnd, logger: Logger): Promise<void> {
    await this.deps.repository.update(row.id, {
      status: end.status,
      message: end.message,
      finished_at: this.deps.clock().toISOString(),
      runner_id: null,
      cancel_requested_by: null,
      ...(end.outcome?.result !== undefined ? { result: JSON.stringify(end.outcome.result) } : {})
    });
    await this.deps.audit.record({
      actor: { kind: 'system', name: row.kind },
      action: `${row.kind}.finish`,
      target: row.identity_id ?? row.id,
      result: end.status === 'failed' || end.status === 'partial' ? 'failure' : 'success',
      details: { operationId: row.id, status: end.status, message: end.message, ...(end.failure !== undefined ? { error: errorText(end.failure) } : {}) }
    });
    const view = this.deps.views.view(await requireRow(this.deps.repository, row.id));
    this.deps.events.emit({ type: 'status', operation: view });
    for (const hook of this.deps.finishedHooks) {
      await hook(view).catch((error: unknown) => logger.warn({ err: error }, 'an operation-finished hook failed'));
    }
  }
}

/** The params on the row: what the kind's validate() returned when the operation was started, as JSON. */
function storedParams<K extends JobKind>(json: string): JobParamsByKind[K] {
  return JSON.parse(json) as JobParamsByKind[K];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
