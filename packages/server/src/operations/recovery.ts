/**
 * Recovery: a running operation whose process is gone (no runner, a heartbeat older than `staleAfterMs`, or a dead
 * process on this host) becomes `interrupted`, with its kind's message (JobHandler.interrupted); one whose cancel was
 * asked before its process died becomes `cancelled`. Queued operations stay queued: the pool starts them.
 */
import type { Logger } from '../logging/logger.js';
import type { JobRegistry } from './job-registry.js';
import { RUN_AGAIN } from './job.types.js';
import type { OperationRow } from './operation.types.js';
import { deadOnThisHost } from './runner-id.js';
import type { RunnerParts } from './runner-parts.js';

export interface RecoveryDeps extends RunnerParts {
  registry: JobRegistry;
  logger: Logger;
  /** A running operation whose heartbeat is older than this lost its process. */
  staleAfterMs: number;
}

export class Recovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async recoverInterrupted(): Promise<void> {
    const rows = await this.deps.repository.listByStatus(['running']);
    const lost = rows.filter((row) => this.lost(row));
    if (lost.length === 0) return;
    // A cancel asked of a process that then died is honoured: cancelled, not interrupted (nobody wants it resumed).
    for (const row of lost.filter((r) => r.cancel_requested_by)) {
      const ok = await this.deps.repository.transition(row.id, ['running'], {
        status: 'cancelled',
        message: `Cancelled by ${row.cancel_requested_by} (the process running it had stopped).`,
        finished_at: this.now(),
        runner_id: null,
        cancel_requested_by: null
      });
      if (ok) await this.emitStatus(row.id);
    }
    const ids = await this.deps.repository.interrupt(
      lost.filter((r) => !r.cancel_requested_by).map((r) => r.id),
      this.now(),
      (row) => this.interruptedMessage(row.kind)
    );
    if (ids.length > 0) this.deps.logger.warn({ operations: ids }, 'marked operations whose process stopped as interrupted');
    for (const id of ids) await this.emitStatus(id);
  }

  /** What an interrupted operation of this kind says (a kind this process cannot run: run it again). */
  interruptedMessage(kind: OperationRow['kind']): string {
    return (this.deps.registry.get(kind)?.interrupted ?? RUN_AGAIN).message;
  }

  private lost(row: OperationRow): boolean {
    if (this.deps.localRuns.has(row.id)) return false;
    if (!row.runner_id || !row.heartbeat_at) return true;
    if (this.deps.clock().getTime() - Date.parse(row.heartbeat_at) > this.deps.staleAfterMs) return true;
    return deadOnThisHost(row.runner_id);
  }

  private async emitStatus(id: string): Promise<void> {
    const row = await this.deps.repository.findById(id);
    if (row) this.deps.events.emit({ type: 'status', operation: this.deps.views.view(row) });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}
