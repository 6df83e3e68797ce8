// Typed calls for operations (backups, restores and other long work): list, read, cancel, and the per-item log.
import type {
  ItemLogStatus,
  OperationItemPage as OperationItemPageView,
  OperationItemView,
  OperationKind,
  OperationListView,
  OperationStatus,
  OperationView
} from '@orgkeeper/server-types/operations/operation.types';
import type { ApiClient } from './api-client';

export type { ItemLogStatus, OperationKind, OperationStatus } from '@orgkeeper/server-types/operations/operation.types';
export const OPERATION_STATUSES: readonly OperationStatus[] = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];
export const ACTIVE_STATUSES: readonly OperationStatus[] = ['queued', 'running'];

// The JSON shapes are the server's own declarations (type-only imports, erased at build).
/** An operation; `progress` holds the counters the work reports, for a backup `{phase, itemsTotal, itemsDone, bytesRead, newBytes}`. */
export type Operation = OperationView;
/** One row of an operation's per-item log. */
export type OperationItem = OperationItemView;

export type OperationItemPage = OperationItemPageView;

export interface OperationFilter {
  identityId?: string;
  kind?: OperationKind;
  status?: OperationStatus;
  limit?: number;
  before?: string;
}

export function isActive(status: OperationStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function listOperations(client: ApiClient, filter: OperationFilter = {}, signal?: AbortSignal): Promise<OperationListView> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(key, String(value));
  const search = query.toString();
  return client.get(`/api/operations${search ? `?${search}` : ''}`, { signal });
}

export function getOperation(client: ApiClient, operationId: string, signal?: AbortSignal): Promise<Operation> {
  return client.get<Operation>(`/api/operations/${encodeURIComponent(operationId)}`, { signal });
}

export function cancelOperation(client: ApiClient, operationId: string): Promise<Operation> {
  return client.post<Operation>(`/api/operations/${encodeURIComponent(operationId)}/cancel`);
}

/** Runs an interrupted or failed backup or restore again; it continues where it stopped. */
export function resumeOperation(client: ApiClient, operationId: string): Promise<Operation> {
  return client.post<Operation>(`/api/operations/${encodeURIComponent(operationId)}/resume`);
}

/** Whether the operation can be resumed now (it continues where it stopped); the server decides by kind and status. */
export function canResume(operation: Operation): boolean {
  return operation.resumable;
}

export function listOperationItems(
  client: ApiClient,
  operationId: string,
  options: { status?: ItemLogStatus; start?: number; num?: number } = {},
  signal?: AbortSignal
): Promise<OperationItemPage> {
  const query = new URLSearchParams({ start: String(options.start ?? 1), num: String(options.num ?? 100) });
  if (options.status) query.set('status', options.status);
  return client.get<OperationItemPage>(`/api/operations/${encodeURIComponent(operationId)}/items?${query.toString()}`, { signal });
}

/** Every row of an operation's per-item log (for the CSV export). */
export async function listAllOperationItems(client: ApiClient, operationId: string, status?: ItemLogStatus, signal?: AbortSignal): Promise<OperationItem[]> {
  const rows: OperationItem[] = [];
  for (let start = 1; start > 0; ) {
    const page = await listOperationItems(client, operationId, { ...(status ? { status } : {}), start, num: 1000 }, signal);
    rows.push(...page.items);
    start = page.nextStart;
  }
  return rows;
}

export const operationKeys = {
  all: ['operations'] as const,
  list: (filter: OperationFilter) => ['operations', 'list', filter] as const,
  one: (operationId: string) => ['operations', 'one', operationId] as const,
  items: (operationId: string, status: string, start: number) => ['operations', 'one', operationId, 'items', status, start] as const
};
