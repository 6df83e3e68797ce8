import type { Selectable } from 'kysely';

export type OperationKind = 'backup' | 'check' | 'forget' | 'prune' | 'restore' | 'scan';
export const OPERATION_KINDS: readonly OperationKind[] = ['backup', 'check', 'forget', 'prune', 'restore', 'scan'];
export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';
export const OPERATION_STATUSES: readonly OperationStatus[] = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];
/** Statuses of an operation that is still under way (its row changes). */
export const ACTIVE_STATUSES: readonly OperationStatus[] = ['queued', 'running'];
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
}

// Type aliases (not interfaces) so they satisfy Kysely's Record constraint of withTables.
export type OperationTables = {
  operations: OperationTable;
  operation_items: OperationItemTable;
};

export type OperationRow = Selectable<OperationTable>;
export type OperationItemRow = Selectable<OperationItemTable>;

/** What a backup operation was asked to do. */
export interface BackupParams {
  name?: string;
  query?: string;
  items?: string[];
}

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
}

export interface OperationFilter {
  identityId?: string;
  kind?: OperationKind;
  status?: OperationStatus;
  limit: number;
  /** Only operations created before this one (paging: pass the last id of the previous page). */
  before?: string;
}
