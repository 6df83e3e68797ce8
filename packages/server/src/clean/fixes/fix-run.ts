/**
 * The fix and undo jobs' work. A fix plans again when it runs and changes exactly what that plan lists; the plan is
 * stored before anything changes, then a snapshot of exactly the targets is taken (a child backup operation), then the
 * plan is applied, each finding's result recorded and logged as soon as it is known, and the end audited. An undo
 * reverts what each finding's result says was applied.
 */
import type { JobContext, JobOutcome } from '../../operations/job.types.js';
import { JobStopped } from '../../operations/job.types.js';
import { backupBeforeChange } from '../../backup/index.js';
import type { IdentityRow } from '../../identities/identity.types.js';
import type { FindingTarget, FixAction } from '../clean.types.js';
import { reasonOf, type FixContext } from './actions/index.js';
import { fixContextFor, loadFindings } from './fix-context.js';
import { applyPlan, checkActionOptions, planFix, undoResults, type UndoOutcome } from './fix.engine.js';
import { previewOf } from './fix-preview.js';
import { countResults, newFixRow, pendingRow, toResult } from './fix-rows.js';
import type { CleanFixRow } from './fix.repository.js';
import type { FixServiceDeps } from './fix.service.js';
import type { FixPreview, FixRequest, FixResult, PlannedFix } from './fix.types.js';

/** A search that matches no item: the backup then holds only the organization's groups and users. */
const NO_ITEMS_QUERY = 'id:00000000000000000000000000000000';
/** Per-finding results written into the audit event of a fix (the fix keeps all of them). */
const AUDITED_RESULTS = 1000;

export class FixRunner {
  constructor(private readonly deps: FixServiceDeps) {}

  async runFix(ctx: JobContext<'fix'>, row: IdentityRow): Promise<JobOutcome> {
    const request = ctx.params;
    const fixId = ctx.operationId;
    const createdBy = ctx.startedBy;
    await this.deps.repository.insertIfMissing(newFixRow(fixId, row.id, request, createdBy, this.now()));
    await this.deps.repository.update(fixId, { status: 'running', message: null });
    try {
      const outcome = await this.fixNow(ctx, row, request, fixId);
      await this.deps.repository.update(fixId, { status: outcome.status, message: outcome.message, finished_at: this.now() });
      await this.deps.audit.record({
        actor: { kind: 'system', name: 'fix' },
        action: 'fix.finish',
        target: fixId,
        result: outcome.status === 'failed' ? 'failure' : 'success',
        details: {
          identity: row.name,
          scanId: request.scanId,
          action: request.action,
          options: request.options,
          requestedBy: createdBy,
          status: outcome.status,
          message: outcome.message,
          ...(outcome.result ?? {}),
          results: (await this.deps.repository.results(fixId)).slice(0, AUDITED_RESULTS).map((r) => ({ target: `${r.target_kind}:${r.target_id}`, status: r.status, error: r.error }))
        }
      });
      return outcome;
    } catch (error) {
      const stopped = ctx.signal.aborted ? (ctx.signal.reason === 'cancelled' ? 'cancelled' : 'interrupted') : null;
      let message: string;
      if (stopped) {
        const counts = await this.deps.repository.counts(fixId);
        const done = (counts.ok ?? 0) + (counts.failed ?? 0);
        message =
          done > 0
            ? `${counts.ok ?? 0} findings were fixed and ${counts.failed ?? 0} failed before it stopped; the rest were not attempted. Undo reverts what was done.`
            : 'Nothing was changed.';
      } else message = error instanceof JobStopped ? error.detail : reasonOf(error);
      await this.deps.repository.update(fixId, { status: stopped ?? 'failed', message: stopped ? `${stopped === 'cancelled' ? 'Cancelled' : 'Interrupted'}. ${message}` : message, finished_at: this.now() });
      await this.deps.audit.record({
        actor: { kind: 'system', name: 'fix' },
        action: 'fix.finish',
        target: fixId,
        result: 'failure',
        details: { identity: row.name, scanId: request.scanId, action: request.action, requestedBy: createdBy, status: stopped ?? 'failed', message }
      });
      if (stopped) throw new JobStopped(message);
      throw error;
    }
  }

  private async fixNow(ctx: JobContext<'fix'>, row: IdentityRow, request: FixRequest, fixId: string): Promise<JobOutcome> {
    const session = await this.deps.arcgisSessions.sessionFor(row.id, { signal: ctx.signal });
    const fixCtx = fixContextFor(row, session, { mailer: this.deps.mailer, signal: ctx.signal });
    ctx.progress({ phase: 'planning', total: 0, done: 0 });
    const findings = await loadFindings(this.deps.findings, row, request);
    await checkActionOptions(fixCtx, request.action, request.options);
    const plan = await planFix(fixCtx, findings, request.action, request.options);
    await this.deps.repository.replaceResults(fixId, plan.map((p, i) => pendingRow(fixId, i, p)));
    const preview = await previewOf(row, request, plan);
    if (request.previewHash && request.previewHash !== preview.hash) {
      await this.notAttempted(fixId, plan, 'Not attempted: the organization changed since the preview.');
      return {
        status: 'failed',
        message: 'The organization changed since the preview (some targets now need different changes, or none), so nothing was changed. Preview the fix again and apply that preview.'
      };
    }
    const backup = await this.backupFirst(ctx, request, fixId, plan, preview);
    if ('stopped' in backup) return backup.stopped;
    await this.deps.repository.update(fixId, { snapshot_id: backup.snapshotId, backup_note: backup.note });

    const results = await this.applyAndRecord(ctx, fixCtx, request, plan, fixId);
    const counts = countResults(results);
    const status = counts.failed > 0 ? (counts.ok > 0 ? 'partial' : 'failed') : 'succeeded';
    const backupText = backup.snapshotId ? ` A backup of what changed is snapshot ${backup.snapshotId}; Undo restores it.` : backup.note ? ` ${backup.note}` : '';
    const message =
      `${counts.ok} fixed, ${counts.failed} failed, ${counts.skipped} skipped.` +
      (counts.failed > 0 ? ' The failed ones are listed with the reason; the others were fixed.' : '') +
      (preview.backup.needed ? backupText : '');
    const snapshotId = backup.snapshotId;
    return { status, message, result: { fixId, counts, snapshotId, ...(backup.operationId ? { backupOperationId: backup.operationId } : {}) } };
  }

  /**
   * The snapshot of exactly what will change, before anything changes (a child backup operation). Answers the snapshot
   * and the note kept with the fix, or the outcome of a fix that must stop here, having changed nothing.
   */
  private async backupFirst(
    ctx: JobContext<'fix'>,
    request: FixRequest,
    fixId: string,
    plan: PlannedFix[],
    preview: FixPreview
  ): Promise<{ snapshotId: string | null; operationId: string | null; note: string | null } | { stopped: JobOutcome }> {
    const changing = plan.filter((p) => p.status === 'change').length;
    const note = preview.backup.reason;
    if (!preview.backup.needed || changing === 0) return { snapshotId: null, operationId: null, note };
    if (!preview.backup.possible) {
      if (request.confirmNoBackup) return { snapshotId: null, operationId: null, note: `No backup was taken (confirmed): ${note ?? 'no usable File Location'}.` };
      await this.notAttempted(fixId, plan, 'Not attempted: no backup could be taken first.');
      return { stopped: { status: 'failed', message: `No backup can be taken before this fix (${note ?? 'no File Location'}), and running without one was not confirmed. Nothing was changed.` } };
    }
    ctx.progress({ phase: 'backup', total: changing, done: 0 });
    try {
      const { itemIds } = preview.backup;
      const { snapshotId, operationId } = await backupBeforeChange(ctx, {
        name: `Before fix ${request.action} (${fixId.slice(0, 8)})`,
        ...(itemIds.length > 0 ? { items: itemIds } : { query: NO_ITEMS_QUERY }),
        // The preview names every item the fix changes (a deleted layer's views included): Undo puts back exactly
        // those, so what they need and the fix leaves alone is not read.
        withDependencies: false
      });
      await ctx.setSnapshot(snapshotId);
      return { snapshotId, operationId, note: null };
    } catch (error) {
      if (ctx.signal.aborted) throw new JobStopped('Nothing was changed.');
      const message = `The backup before the fix failed, so nothing was changed: ${reasonOf(error)} Fix the cause and run the fix again.`;
      await this.deps.repository.update(fixId, { backup_note: message });
      await this.notAttempted(fixId, plan, 'Not attempted: the backup before the fix failed.');
      return { stopped: { status: 'failed', message } };
    }
  }

  /** Applies the plan, recording each finding's result and logging it with the operation as soon as it is known. */
  private async applyAndRecord(ctx: JobContext<'fix'>, fixCtx: FixContext, request: FixRequest, plan: PlannedFix[], fixId: string): Promise<FixResult[]> {
    ctx.progress({ phase: 'fixing', total: plan.length, done: 0 });
    let done = 0;
    return applyPlan(fixCtx, request.action, request.options, plan, async (result) => {
      done++;
      await this.deps.repository.updateResult(fixId, result.findingId, {
        status: result.status,
        error: result.error,
        applied: JSON.stringify(result.applied)
      });
      await ctx.logItems([
        logRowOf(result.target, {
          status: result.status,
          action: request.action,
          parts: result.applied.map((c) => c.field),
          error: result.error,
          details: { findingId: result.findingId, changes: result.applied.map((c) => c.summary) }
        })
      ]);
      ctx.progress({ phase: 'fixing', total: plan.length, done });
    });
  }

  /** Marks the planned changes of a fix that stopped before changing anything as skipped, with the reason. */
  private async notAttempted(fixId: string, plan: PlannedFix[], reason: string): Promise<void> {
    for (const p of plan) if (p.status === 'change') await this.deps.repository.updateResult(fixId, p.findingId, { status: 'skipped', error: reason });
  }

  /** Undoes a fix: each finding's applied changes are reverted and recorded. */
  async runUndo(ctx: JobContext<'undo'>, fix: CleanFixRow, identity: IdentityRow): Promise<JobOutcome> {
    const by = ctx.startedBy;
    await this.deps.repository.update(fix.id, { undo_operation_id: ctx.operationId, undo_status: 'running', undo_by: by, undo_at: this.now() });
    const session = await this.deps.arcgisSessions.sessionFor(identity.id, { signal: ctx.signal });
    const fixCtx = fixContextFor(identity, session, { mailer: this.deps.mailer, signal: ctx.signal });
    const results = (await this.deps.repository.results(fix.id)).map(toResult);
    if (fix.snapshot_id) await ctx.setSnapshot(fix.snapshot_id);
    const byFinding = new Map(results.map((r) => [r.findingId, r]));
    ctx.progress({ phase: 'undoing', total: results.length, done: 0 });
    let done = 0;
    const restorer = this.deps.restorerFor?.(identity);
    let outcomes: UndoOutcome[];
    try {
      outcomes = await undoResults(fixCtx, fix.action as FixAction, results, {
        operationId: ctx.operationId,
        snapshotId: fix.snapshot_id,
        ...(restorer ? { restorer } : {}),
        onOutcome: async (outcome) => {
          done++;
          const result = byFinding.get(outcome.findingId)!;
          await this.deps.repository.updateResult(fix.id, outcome.findingId, { undo_status: outcome.status, undo_error: outcome.error, undo_note: outcome.note ?? null });
          await ctx.logItems([logRowOf(result.target, { status: outcome.status, action: `undo ${fix.action}`, error: outcome.error, details: { findingId: outcome.findingId } })]);
          ctx.progress({ phase: 'undoing', total: results.length, done });
        }
      });
    } catch (error) {
      const message = ctx.signal.aborted ? 'The undo was stopped; run it again to undo the rest.' : `The undo stopped: ${reasonOf(error)}`;
      await this.deps.repository.update(fix.id, { undo_status: 'failed', undo_message: message });
      throw error;
    }
    const reverted = outcomes.filter((o) => o.status === 'ok').length;
    const failed = outcomes.filter((o) => o.status === 'failed');
    const status = failed.length > 0 ? (reverted > 0 ? 'partial' : 'failed') : 'succeeded';
    const message =
      `${reverted} finding${reverted === 1 ? '' : 's'} put back as before the fix, ${failed.length} could not be, ${outcomes.length - reverted - failed.length} had nothing to undo.` +
      (failed.length > 0 ? ` ${failed[0]!.error}` : '');
    await this.deps.repository.update(fix.id, { undo_status: status, undo_message: message, undo_at: this.now() });
    await this.deps.audit.record({
      actor: { kind: 'system', name: 'undo' },
      action: 'fix.undone',
      target: fix.id,
      result: status === 'failed' ? 'failure' : 'success',
      details: { identity: identity.name, action: fix.action, requestedBy: by, status, message }
    });
    return { status, message, result: { fixId: fix.id, reverted, failed: failed.length } };
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

/** A finding's row in the operation's per-item log (the Logs page), from its target and what happened to it. */
function logRowOf<T extends object>(target: FindingTarget, row: T): T & { itemId: string; title: string; type: string; owner: string } {
  return { itemId: target.id, title: target.title, type: target.type ?? target.kind, owner: target.owner ?? '', ...row };
}
