/**
 * The contract between the job system (OperationsService: queue, worker pool, cancel, restart recovery, live progress)
 * and the work it runs. Each kind of work (backup, restore, check, prune, scan, fix, ...) is a `JobHandler` registered
 * once at start-up; routes, the CLI and schedules start work with `operations.start(kind, identityId, params, actor)`.
 * Handlers never touch operation rows themselves: they report through the `JobContext`.
 */
import type { Logger } from '../logging/logger.js';
import type { ItemLogStatus, OperationKind, OperationStatus } from './operation.types.js';
import type { Actor } from '../audit/audit.service.js';

/** One row of an operation's per-item log (backup items, restore steps, fix results...). */
export interface JobItemLog {
  itemId: string;
  title?: string;
  type?: string;
  owner?: string;
  /** ISO date of the item's modification, when known. */
  modified?: string | null;
  status: ItemLogStatus;
  /** What was done or read: backup parts, or a restore/fix action such as `create`, `overwrite`, `delete`. */
  parts?: string[];
  carriedOver?: boolean;
  bytesRead?: number;
  newBytes?: number;
  error?: string | null;
  durationMs?: number;
  /** Restore and fix steps: what was done (`create`, `overwrite`, `delete`, ...). */
  action?: string | null;
  /** The id of what the step created (e.g. the new item of a copy). */
  newId?: string | null;
  /** More about the step (shown in the log's detail; JSON). */
  details?: Record<string, unknown> | null;
}

export interface JobContext {
  operationId: string;
  identityId: string | null;
  /** The validated params the operation was started with (as stored on its row). */
  params: Record<string, unknown>;
  /** True when this run resumes an interrupted or failed operation of the same id (handlers continue, not restart). */
  resumed: boolean;
  /** Aborted on cancel (reason `cancelled`) and on shutdown (reason `shutdown`): stop promptly, leave state consistent. */
  signal: AbortSignal;
  /** Replaces the operation's progress counters; written throttled and pushed live to listeners (SSE, CLI). */
  progress(progress: Record<string, unknown>): void;
  /** Appends rows to the operation's per-item log. */
  logItems(rows: JobItemLog[]): Promise<void>;
  /** Links the operation to a snapshot (a backup's new snapshot, a restore's source). */
  setSnapshot(snapshotId: string): Promise<void>;
  logger: Logger;
}

export interface JobOutcome {
  /** `partial`: finished, but some items failed (the log says which). */
  status: Extract<OperationStatus, 'succeeded' | 'partial' | 'failed'>;
  /** One or two sentences for people: what happened, and what to do if it did not fully work. */
  message: string;
  result?: Record<string, unknown>;
}

export interface JobHandler<P extends Record<string, unknown> = Record<string, unknown>> {
  kind: OperationKind;
  /** Checks and normalises params before anything is queued; throws AppError('validation') with field messages. */
  validate(params: unknown, identityId: string | null): Promise<P> | P;
  /**
   * Operations with the same key never run at the same time (e.g. `backup:<identityId>`): a second one is refused
   * with `already_running` (or queued, as the handler's `whenBusy` says). Undefined: no exclusivity.
   */
  exclusiveKey?(params: P, identityId: string | null): string | undefined;
  whenBusy?: 'refuse' | 'queue';
  /** Whether an interrupted operation of this kind can be resumed (from the UI or the CLI). */
  resumable?: boolean;
  /** Whether a `partial` outcome can be resumed too, to retry what failed (restore: failed steps and their dependents). */
  resumePartial?: boolean;
  run(ctx: JobContext & { params: P }): Promise<JobOutcome>;
  /** Message text for a failure thrown out of run() (defaults to the error's message). */
  describeFailure?(error: unknown): string;
}

/**
 * Thrown by a handler that stopped on its signal (cancel or shutdown) to add what happened so far to the operation's
 * message, e.g. "40 items were stored before it stopped". Any other error thrown after the signal aborted stops the
 * operation the same way, without the detail.
 */
export class JobStopped extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'JobStopped';
  }
}

export type { Actor };
