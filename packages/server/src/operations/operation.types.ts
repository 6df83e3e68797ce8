import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import { JOB_KINDS, type JobKind, type JobParamsByKind } from '../job-kinds.types.js';

/** The kinds of operation: the job catalogue's (job-kinds.types.ts). */
export type OperationKind = JobKind;
export const OPERATION_KINDS: readonly OperationKind[] = JOB_KINDS;
export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';
export const OPERATION_STATUSES: readonly OperationStatus[] = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];
/** Statuses of an operation that is still under way (its row changes). */
export const ACTIVE_STATUSES: readonly OperationStatus[] = ['queued', 'running'];
/** Statuses of an operation that has ended. */
export const TERMINAL_STATUSES: readonly OperationStatus[] = ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];
export type ItemLogStatus = 'ok' | 'skipped' | 'failed';

export interface OperationTable {
  id: string;
  kind: OperationKind;
  identity_id: string | null;
  status: OperationStatus;
  params: string;
  progress: string | null;
  message: string | null;
  result: string | null;
  snapshot_id: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** `<hostname>:<pid>:<random>` of the process running it (null when queued or finished). */
  runner_id: string | null;
  heartbeat_at: string | null;
  /** Who asked another process to cancel it (the runner polls this). */
  cancel_requested_by: string | null;
  exclusive_key: string | null;
  /** How many times it was resumed. */
  attempt: Generated<number>;
  /** The worker (runner id) that runs it or ran it last; kept once it ends, unlike runner_id. Optional on insert. */
  worker_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** An exclusivity key held by a running operation (at most one holder per key: the primary key). */
export interface OperationLockTable {
  key: string;
  operation_id: string;
  acquired_at: string;
}

export interface OperationItemTable {
  operation_id: string;
  item_id: string;
  title: string;
  type: string;
  owner: string;
  modified: string | null;
  status: ItemLogStatus;
  parts: string;
  carried_over: number;
  bytes_read: number;
  new_bytes: number;
  error: string | null;
  duration_ms: number;
  /** Restore and fix steps: `create`, `overwrite`, `delete`, ... */
  action: string | null;
  /** The id of what a restore step created (a new item's id). */
  new_id: string | null;
  /** JSON object: more about the step. */
  details: string | null;
  /** Order of writing within the operation. */
  seq: Generated<number>;
}

// Type aliases (not interfaces) so they satisfy Kysely's Record constraint of withTables.
export type OperationTables = {
  operations: OperationTable;
  operation_items: OperationItemTable;
  operation_locks: OperationLockTable;
};

export type OperationRow = Selectable<OperationTable>;
export type OperationItemRow = Selectable<OperationItemTable>;
export type NewOperationRow = Insertable<OperationTable>;
export type NewOperationItemRow = Insertable<OperationItemTable>;

/** An operation as the API shows it. */
export interface OperationView {
  id: string;
  kind: OperationKind;
  identityId: string | null;
  status: OperationStatus;
  params: Record<string, unknown>;
  progress: Record<string, unknown> | null;
  message: string | null;
  result: Record<string, unknown> | null;
  snapshotId: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set while a cancel asked by another process has not reached the runner yet. */
  cancelRequestedBy: string | null;
  /** How many times it was resumed. */
  attempt: number;
  /** Whether it can be resumed now (interrupted or failed, of a resumable kind). */
  resumable: boolean;
  /** The process that runs it (status running) or ran it last; null when it never started. */
  worker: OperationWorker | null;
}

/** Which OrgKeeper process runs an operation: its host and process id (`id` is the workers' row id). */
export interface OperationWorker {
  id: string;
  host: string;
  pid: number;
}

/** One row of an operation's per-item log. */
export interface OperationItemView {
  itemId: string;
  title: string;
  type: string;
  owner: string;
  modified: string | null;
  status: ItemLogStatus;
  parts: string[];
  carriedOver: boolean;
  bytesRead: number;
  newBytes: number;
  error: string | null;
  durationMs: number;
  /** Restore and fix steps: what was done. */
  action: string | null;
  newId: string | null;
  details: Record<string, unknown> | null;
  /** Order of writing: rows with a higher seq were written later. */
  seq: number;
}

/** `GET /api/operations/:id/items`: paged like ArcGIS search (1-based start, nextStart -1 on the last page). */
export interface OperationItemPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  items: OperationItemView[];
}

/** `GET /api/operations`: newest first; `nextBefore` is the `before` of the next page (null: no more). */
export interface OperationListView {
  operations: OperationView[];
  nextBefore: string | null;
}

/** An operation just started by `start(kind, ...)`: its params are the kind's, as validated. */
export type StartedOperation<K extends OperationKind> = OperationView & { kind: K; params: JobParamsByKind[K] };

/** What the routes that start an operation answer (202). */
export interface OperationStartedView {
  operationId: string;
  operation: OperationView;
}

export interface OperationFilter {
  identityId?: string;
  kind?: OperationKind;
  status?: OperationStatus;
  limit: number;
  /** Only operations created before this one (paging: pass the last id of the previous page). */
  before?: string;
}
