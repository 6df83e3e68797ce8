import type { Selectable } from 'kysely';
import type { OperationKind } from './operation.types.js';

/** What an OrgKeeper process is: the web server, a worker, or a command running one operation in the foreground. */
export type WorkerKind = 'server' | 'worker' | 'cli';

export interface WorkerTable {
  /** `<hostname>:<pid>:<random>`, the runner id of its operations. */
  id: string;
  host: string;
  pid: number;
  version: string;
  kind: WorkerKind;
  /** 0: a server started with --no-worker (runs no queued operation). */
  runs_jobs: number;
  max_running: number;
  started_at: string;
  last_seen_at: string;
  stopped_at: string | null;
}

export type WorkerTables = { workers: WorkerTable };
export type WorkerRow = Selectable<WorkerTable>;

/**
 * A worker's state: `running` (seen lately), `stopped` (it said so when it stopped), `lost` (not seen for longer
 * than the stale limit: it died or lost the database; its operations are taken over by the others).
 */
export type WorkerState = 'running' | 'stopped' | 'lost';

/** An operation a worker runs, as the workers list shows it. */
export interface WorkerOperationView {
  id: string;
  kind: OperationKind;
  identityId: string | null;
  identityName: string | null;
  startedAt: string | null;
  progress: Record<string, unknown> | null;
}

/** `GET /api/workers`, `orgkeeper workers`: one OrgKeeper process. */
export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  version: string;
  kind: WorkerKind;
  runsJobs: boolean;
  maxRunning: number;
  startedAt: string;
  lastSeenAt: string;
  stoppedAt: string | null;
  state: WorkerState;
  /** What it runs now. */
  operations: WorkerOperationView[];
}

export interface WorkerListView {
  workers: WorkerView[];
  /** The process that answered (so the page can say "this server"). */
  self: string;
  /** How long a worker may go unseen before it counts as lost, in seconds. */
  staleAfterSeconds: number;
}
