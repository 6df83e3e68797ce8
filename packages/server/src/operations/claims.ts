/**
 * Claiming: a queued operation becomes `running` for exactly one runner, with its exclusivity keys, in one
 * transaction. A worker takes the oldest operation that can start (on PostgreSQL `SELECT ... FOR UPDATE SKIP
 * LOCKED`, so workers claiming at the same moment each get a different row; on SQLite its single writer does the
 * same); the CLI claims the one operation it runs in the foreground.
 */
import type { Clock } from '../lib/clock.js';
import type { Exclusivity } from './exclusivity.js';
import { busyError } from './exclusivity.js';
import type { ClaimAttempt, OperationRepository } from './operation.repository.js';
import type { OperationRow } from './operation.types.js';

export class OperationClaims {
  constructor(private readonly deps: { repository: OperationRepository; clock: Clock; runnerId: string; exclusivity: Exclusivity }) {}

  /** Takes the next queued operation this worker can start, other than those in `exclude` (tried already). */
  claimNext(exclude: readonly string[]): Promise<ClaimAttempt> {
    return this.deps.repository.claimNext({
      exclude,
      keysOf: (row) => this.deps.exclusivity.keysOf(row),
      changes: (row) => this.runningHere(row.started_at),
      at: this.deps.clock().toISOString()
    });
  }

  /**
   * queued → running here, with its keys; undefined when it is no longer queued (another runner took it). Throws 409
   * `already_running`, naming the holder, while another operation holds one of its keys.
   */
  async claim(row: OperationRow, identityName: string | null): Promise<OperationRow | undefined> {
    const keys = this.deps.exclusivity.keysOf(row) ?? [];
    const changes = this.runningHere(row.started_at);
    const outcome = await this.deps.repository.claimQueued(row.id, keys, changes, changes.heartbeat_at);
    if (outcome.outcome === 'gone') return undefined;
    if (outcome.outcome === 'busy') throw busyError(row.kind, identityName, await this.deps.repository.findById(outcome.holder));
    return { ...row, ...changes };
  }

  /** The columns of an operation running here from now (a claim, or a child operation stored as running at once). */
  runningHere(startedAt: string | null) {
    const now = this.deps.clock().toISOString();
    return {
      status: 'running' as const,
      runner_id: this.deps.runnerId,
      worker_id: this.deps.runnerId,
      heartbeat_at: now,
      started_at: startedAt ?? now,
      finished_at: null,
      cancel_requested_by: null
    };
  }
}
