/**
 * The contract between the job runner (OperationsService: queue, workers, cancel, recovery, live progress) and the work
 * it runs. Each kind of work is a `JobHandler<K>` written where its feature lives and registered once in services.ts;
 * its params are `JobParamsByKind[K]` (job-kinds.types.ts). Routes, the CLI and schedules start work with
 * `operations.start(kind, identityId, input, actor)`. Handlers never touch operation rows: they report through the
 * `JobContext`.
 */
import type { JobKind, JobParamsByKind } from '../job-kinds.types.js';
import type { Logger } from '../logging/logger.js';
import type { ItemLogStatus, OperationStatus, OperationView } from './operation.types.js';

export type { JobKind, JobParamsByKind } from '../job-kinds.types.js';

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

export interface JobContext<K extends JobKind = JobKind> {
  operationId: string;
  kind: K;
  identityId: string | null;
  /** The validated params the operation was started with (as stored on its row). */
  params: JobParamsByKind[K];
  /** Who started it, as the operation's row names them (`createdBy`: a username, `cli`, `scheduler`...). */
  startedBy: string;
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
  /**
   * Runs another job as a child operation of this one, here and now: an operation of its own (its row, log and audit, so the
   * Logs show it like any other), started by the same person. It shares this operation's exclusivity key when its
   * kind uses the same one, and stops when this one stops. Resolves with how it ended (it never throws for a job that
   * failed; it throws when the job cannot start, e.g. invalid params).
   */
  runChild<C extends JobKind>(kind: C, params: JobParamsByKind[C]): Promise<OperationView>;
  logger: Logger;
}

export interface JobOutcome {
  /** `partial`: finished, but some items failed (the log says which). */
  status: Extract<OperationStatus, 'succeeded' | 'partial' | 'failed'>;
  /** One or two sentences for people: what happened, and what to do if it did not fully work. */
  message: string;
  result?: Record<string, unknown>;
}

/** What "interrupted" (the process running it stopped: a shutdown, a crash) means for a kind of job. */
export interface Interruption {
  /** The operation's message once interrupted (a handler's JobStopped detail is added after it). */
  message: string;
  /**
   * Whether an interrupted (or failed) operation can be resumed, from the UI or the CLI; its run then sees
   * `ctx.resumed`. A resumable operation whose worker died is also taken over by another worker (recovery.ts).
   */
  resumable: boolean;
  /** Whether a `partial` outcome can be resumed too, to retry what failed (restore: failed steps and their dependents). */
  resumePartial?: boolean;
}

/** For jobs that continue where they stopped when resumed. */
export const RESUMABLE: Interruption = {
  message: 'OrgKeeper stopped while this operation was running. Resume it to continue where it stopped (or Run it again).',
  resumable: true
};

/** For jobs that are simply run again (they read, or record what they did as they go). */
export const RUN_AGAIN: Interruption = { message: 'OrgKeeper stopped while this operation was running. Run it again.', resumable: false };

export interface JobHandler<K extends JobKind = JobKind> {
  kind: K;
  /**
   * Checks and normalises the input (a request body, CLI options, a schedule's settings) before anything is queued;
   * throws AppError('validation') with field messages.
   */
  validate(input: unknown, identityId: string | null): Promise<JobParamsByKind[K]> | JobParamsByKind[K];
  /**
   * Operations with the same key never run at the same time (e.g. `store:<identityId>`): a second one is refused
   * with `already_running` (or queued, as `whenBusy` says). Undefined: no exclusivity.
   */
  exclusiveKey?(params: JobParamsByKind[K], identityId: string | null): string | undefined;
  whenBusy?: 'refuse' | 'queue';
  /**
   * More keys the kind holds while it runs, beyond `exclusiveKey`: waited for in the queue, never refused at start.
   * E.g. `orgKey(identityId)`, held by every kind that changes an organization's content, so that a restore and a
   * fix on one organization never run at the same time, whichever workers take them.
   */
  alsoHolds?(params: JobParamsByKind[K], identityId: string | null): string[];
  interrupted: Interruption;
  run(ctx: JobContext<K>): Promise<JobOutcome>;
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

/** The key of work that changes an organization's content (restores, fixes, undos): one at a time per organization. */
export function orgKey(identityId: string): string {
  return `org:${identityId}`;
}

/** The statuses from which an operation of a kind can be resumed. */
export function resumableFrom(interruption: Interruption): OperationStatus[] {
  return interruption.resumePartial ? ['interrupted', 'failed', 'partial'] : ['interrupted', 'failed'];
}
