// The OrgKeeper processes that share the database (servers and workers) and what each runs.
import type { OperationWorker } from '@orgkeeper/server-types/operations/operation.types';
import type { WorkerListView, WorkerView } from '@orgkeeper/server-types/operations/worker.types';
import type { ApiClient } from './api-client';

export type Worker = WorkerView;
export type WorkerList = WorkerListView;

export function listWorkers(client: ApiClient, signal?: AbortSignal): Promise<WorkerList> {
  return client.get<WorkerList>('/api/workers', { signal });
}

export const workerKeys = {
  all: ['workers'] as const
};

/** "gis-worker-2, process 4127": a worker as the pages name it. */
export function workerLabel(worker: Pick<OperationWorker, 'host' | 'pid'>): string {
  return `${worker.host}, process ${worker.pid}`;
}

/** What a process is, in words. */
export function workerRole(worker: Pick<Worker, 'kind' | 'runsJobs'>): string {
  if (worker.kind === 'cli') return 'Command';
  if (worker.kind === 'worker') return 'Worker';
  return worker.runsJobs ? 'Server and worker' : 'Server (runs no operations)';
}
