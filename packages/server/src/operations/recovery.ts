/**
 * Recovery: a running operation whose process is gone (no runner, a heartbeat older than `staleAfterMs`, a dead
 * process on this host, or a worker that said it stopped) is dealt with by whichever process looks first:
 * - its cancel was asked before the process died: `cancelled` (nobody wants it continued);
 * - it ran on a worker (server or `orgkeeper worker`), its kind resumes where it stopped, and this process runs
 *   jobs (`takeOver`): it goes back to the queue as a resume (attempt + 1), and a worker continues it. At most
 *   MAX_TAKEOVERS times, so a job that kills its worker cannot take every worker down in turn;
 * - otherwise `interrupted`, with its kind's message (JobHandler.interrupted); a resumable one can be resumed by hand.
 * Each transition is conditional on the row still running, so two processes recovering at once act once. Queued
 * operations stay queued: the pools start them.
 */
import type { AuditService } from '../audit/audit.service.js';
import type { Logger } from '../logging/logger.js';
import type { JobRegistry } from './job-registry.js';
import { RUN_AGAIN } from './job.types.js';
import { workerOf } from './operation-views.js';
import type { OperationRow } from './operation.types.js';
import { deadOnThisHost } from './runner-id.js';
import type { RunnerParts } from './runner-parts.js';
import type { WorkerRepository } from './worker.repository.js';
import type { WorkerRow } from './worker.types.js';

/** How many times one operation is taken over automatically after its worker died. */
export const MAX_TAKEOVERS = 3;

export interface RecoveryDeps extends RunnerParts {
  registry: JobRegistry;
  logger: Logger;
  audit: AuditService;
  workers: WorkerRepository;
  /** A running operation whose heartbeat is older than this lost its process. */
  staleAfterMs: number;
  /** Whether this process runs queued operations, so a lost resumable operation may be queued again for the workers. */
  takeOver: () => boolean;
}

export class Recovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async recoverInterrupted(): Promise<void> {
    const rows = await this.deps.repository.listByStatus(['running']);
    const runners = [...new Set(rows.map((r) => r.runner_id).filter((id): id is string => id !== null))];
    const workers = new Map((await this.deps.workers.findByIds(runners)).map((w) => [w.id, w]));
    const lost = rows.filter((row) => this.lost(row, row.runner_id ? workers.get(row.runner_id) : undefined));
    if (lost.length > 0) {
      for (const row of lost) {
        const worker = row.runner_id ? workers.get(row.runner_id) : undefined;
        if (row.cancel_requested_by) await this.cancelled(row);
        else if (this.canTakeOver(row, worker)) await this.takeOver(row);
      }
      const rest = lost.filter((r) => !r.cancel_requested_by && !this.canTakeOver(r, r.runner_id ? workers.get(r.runner_id) : undefined));
      const ids = await this.deps.repository.interrupt(
        rest.map((r) => r.id),
        this.now(),
        (row) => this.interruptedMessage(row.kind)
      );
      if (ids.length > 0) this.deps.logger.warn({ operations: ids }, 'marked operations whose process stopped as interrupted');
      for (const id of ids) await this.emitStatus(id);
    }
    await this.deps.repository.releaseOrphanLocks();
  }

  /** What an interrupted operation of this kind says (a kind this process cannot run: run it again). */
  interruptedMessage(kind: OperationRow['kind']): string {
    return (this.deps.registry.get(kind)?.interrupted ?? RUN_AGAIN).message;
  }

  private lost(row: OperationRow, worker: WorkerRow | undefined): boolean {
    if (this.deps.localRuns.has(row.id)) return false;
    if (!row.runner_id || !row.heartbeat_at) return true;
    if (this.deps.clock().getTime() - Date.parse(row.heartbeat_at) > this.deps.staleAfterMs) return true;
    if (worker?.stopped_at) return true;
    return deadOnThisHost(row.runner_id);
  }

  /** A lost operation another worker continues: it ran on a worker (not a command), resumes, and has takeovers left. */
  private canTakeOver(row: OperationRow, worker: WorkerRow | undefined): boolean {
    if (!this.deps.takeOver() || !worker || worker.kind === 'cli') return false;
    return this.deps.registry.get(row.kind)?.interrupted.resumable === true && row.attempt < MAX_TAKEOVERS;
  }

  /** A cancel asked of a process that then died is honoured: cancelled, not interrupted. */
  private async cancelled(row: OperationRow): Promise<void> {
    const ok = await this.deps.repository.transition(row.id, ['running'], {
      status: 'cancelled',
      message: `Cancelled by ${row.cancel_requested_by} (the process running it had stopped).`,
      finished_at: this.now(),
      runner_id: null,
      cancel_requested_by: null
    });
    if (ok) await this.emitStatus(row.id);
  }

  private async takeOver(row: OperationRow): Promise<void> {
    const dead = workerOf(row.runner_id);
    const ok = await this.deps.repository.transition(row.id, ['running'], {
      status: 'queued',
      attempt: row.attempt + 1,
      message: `The worker running it (${dead?.host ?? 'unknown host'}, process ${dead?.pid ?? '?'}) stopped; another worker continues it where it stopped.`,
      runner_id: null,
      heartbeat_at: null,
      finished_at: null,
      cancel_requested_by: null
    });
    if (!ok) return;
    this.deps.logger.warn({ operationId: row.id, kind: row.kind, runner: row.runner_id }, 'the worker running an operation stopped; queued it for another worker');
    await this.deps.audit.record({
      actor: { kind: 'system', name: 'recovery' },
      action: 'operation.resume',
      target: row.id,
      result: 'success',
      details: { kind: row.kind, identityId: row.identity_id, attempt: row.attempt + 1, takenOverFrom: row.runner_id }
    });
    await this.emitStatus(row.id);
  }

  private async emitStatus(id: string): Promise<void> {
    const row = await this.deps.repository.findById(id);
    if (row) this.deps.events.emit({ type: 'status', operation: this.deps.views.view(row) });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}
