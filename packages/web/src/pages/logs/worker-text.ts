// Which worker runs (or ran) an operation, in words for the Logs table and an operation's summary.
import type { Operation } from '../../api/operations.api';
import { workerLabel } from '../../api/workers.api';

/** "On gis-2, process 4127" while it runs; "Waiting for a worker" while queued; "Ran on ..." once it ended. */
export function operationWorkerText(operation: Pick<Operation, 'status' | 'worker'>): string {
  if (operation.status === 'queued') return operation.worker ? `Waiting for a worker (last on ${workerLabel(operation.worker)})` : 'Waiting for a worker';
  if (!operation.worker) return '—';
  return operation.status === 'running' ? `On ${workerLabel(operation.worker)}` : `Ran on ${workerLabel(operation.worker)}`;
}

/** "12 s ago", "3 min ago", "2 h ago": how long since a worker was last seen. */
export function seenAgo(iso: string, now: number = Date.now()): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (Number.isNaN(ms)) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}
