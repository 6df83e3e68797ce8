/** Rows to the API's views and back: operations and their per-item log rows. */
import { AppError } from '../errors/app-error.js';
import type { JobRegistry } from './job-registry.js';
import { resumableFrom, type JobItemLog } from './job.types.js';
import type { OperationRepository } from './operation.repository.js';
import type { NewOperationItemRow, OperationItemRow, OperationItemView, OperationRow, OperationView, OperationWorker } from './operation.types.js';

/** The operation's row; 404 `not_found` when there is none. */
export async function requireRow(repository: OperationRepository, operationId: string): Promise<OperationRow> {
  const row = await repository.findById(operationId);
  if (!row) throw new AppError('not_found', 'There is no such operation.');
  return row;
}

export class OperationViews {
  constructor(private readonly registry: JobRegistry) {}

  /** The operation as the API shows it; `resumable` follows its kind's handler in this process. */
  view(row: OperationRow): OperationView {
    const handler = this.registry.get(row.kind);
    return {
      id: row.id,
      kind: row.kind,
      identityId: row.identity_id,
      status: row.status,
      params: parseJson(row.params) ?? {},
      progress: parseJson(row.progress),
      message: row.message,
      result: parseJson(row.result),
      snapshotId: row.snapshot_id,
      createdBy: row.created_by,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      cancelRequestedBy: row.cancel_requested_by,
      attempt: row.attempt,
      resumable: handler?.interrupted.resumable === true && resumableFrom(handler.interrupted).includes(row.status),
      worker: workerOf(row.worker_id)
    };
  }
}

/** The process a runner id names (`<host>:<pid>:<random>`, runner-id.ts). */
export function workerOf(runnerId: string | null): OperationWorker | null {
  if (!runnerId) return null;
  const [host = '', pid = ''] = runnerId.split(':');
  return { id: runnerId, host, pid: Number(pid) };
}

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
    details: parseJson(row.details),
    seq: row.seq
  };
}

export function itemRow(operationId: string, item: JobItemLog, seq: number): NewOperationItemRow & { seq: number } {
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

/** What a status change looks like to watchers: an operation whose signature changed is sent again. */
export function statusSignature(view: OperationView): string {
  return `${view.status}|${view.message ?? ''}|${view.attempt}|${view.cancelRequestedBy ?? ''}|${view.snapshotId ?? ''}`;
}

export function parseJson(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}
