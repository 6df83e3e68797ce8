/**
 * Claiming: a queued operation becomes `running` for exactly one runner. On SQLite a conditional update (status still
 * `queued`) decides between processes; a PostgreSQL worker pool would take the next claimable row with
 * `FOR UPDATE SKIP LOCKED` here instead, the rest of the runner unchanged.
 */
import type { Clock } from '../lib/clock.js';
import type { OperationRepository } from './operation.repository.js';
import type { OperationRow } from './operation.types.js';

export class OperationClaims {
  constructor(private readonly deps: { repository: OperationRepository; clock: Clock; runnerId: string }) {}

  /** Queued operations, oldest first: what the pool may start. */
  queued(): Promise<OperationRow[]> {
    return this.deps.repository.listByStatus(['queued']);
  }

  /** Whether an operation holding the key is running (anywhere). */
  async keyRunning(key: string): Promise<boolean> {
    return (await this.deps.repository.findRunningByKey(key)) !== undefined;
  }

  /** queued → running for this runner; undefined when another runner (or call) claimed it first. */
  async claim(row: OperationRow): Promise<OperationRow | undefined> {
    const changes = this.runningHere(row.started_at);
    if (!(await this.deps.repository.transition(row.id, ['queued'], changes))) return undefined;
    return { ...row, ...changes };
  }

  /** The columns of an operation running here from now (a claim, or a child operation stored as running at once). */
  runningHere(startedAt: string | null) {
    const now = this.deps.clock().toISOString();
    return { status: 'running' as const, runner_id: this.deps.runnerId, heartbeat_at: now, started_at: startedAt ?? now, finished_at: null, cancel_requested_by: null };
  }
}
