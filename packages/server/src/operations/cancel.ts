/**
 * The cancel protocol. A queued operation is cancelled at once. A running one is aborted (`ctx.signal`, reason
 * `cancelled`) when it runs in this process; when another process runs it (the CLI, or the server), the cancel is
 * asked through its row (`cancel_requested_by`), which that runner's heartbeat picks up, and this waits a while for it
 * to stop.
 */
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import { requireRow } from './operation-views.js';
import type { OperationRow, OperationView } from './operation.types.js';
import type { RunnerParts } from './runner-parts.js';

export interface CancelDeps extends RunnerParts {
  audit: AuditService;
  /** The runners' heartbeat interval: how often they look for a cancel asked through the row. */
  heartbeatMs: number;
}

export class CancelProtocol {
  constructor(private readonly deps: CancelDeps) {}

  async cancel(operationId: string, actor: Actor): Promise<OperationView> {
    const row = await requireRow(this.deps.repository, operationId);
    const by = actorName(actor);
    if (row.status === 'queued') {
      const ok = await this.deps.repository.transition(row.id, ['queued'], {
        status: 'cancelled',
        message: `Cancelled by ${by} before it started.`,
        finished_at: this.deps.clock().toISOString()
      });
      if (!ok) return this.cancel(operationId, actor); // it started meanwhile: cancel it running
      await this.audit(row, actor);
      const view = this.deps.views.view(await requireRow(this.deps.repository, row.id));
      this.deps.events.emit({ type: 'status', operation: view });
      return view;
    }
    if (row.status !== 'running') {
      throw new AppError('conflict', `This operation is ${row.status} already; only a queued or running operation can be cancelled.`);
    }
    await this.audit(row, actor);
    const local = this.deps.localRuns.get(row.id);
    if (local) {
      this.deps.localRuns.stop(local, 'cancelled', by);
      await local.done;
      return this.deps.views.view(await requireRow(this.deps.repository, row.id));
    }
    return this.askRunner(row, by);
  }

  /** Another process runs it: ask through the row, then give its runner (polling every heartbeat) time to stop. */
  private async askRunner(row: OperationRow, by: string): Promise<OperationView> {
    await this.deps.repository.transition(row.id, ['running'], { cancel_requested_by: by });
    const until = Date.now() + Math.max(5000, this.deps.heartbeatMs * 5);
    for (;;) {
      const now = await requireRow(this.deps.repository, row.id);
      if (now.status !== 'running' || Date.now() > until) return this.deps.views.view(now);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async audit(row: OperationRow, actor: Actor): Promise<void> {
    await this.deps.audit.record({ actor, action: 'operation.cancel', target: row.id, result: 'success', details: { kind: row.kind, identityId: row.identity_id } });
  }
}
