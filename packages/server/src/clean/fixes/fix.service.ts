/**
 * Fixes on stored findings: preview (what will change), apply (an operation of kind `fix`), results, undo (an
 * operation of kind `undo`). Routes and the CLI call this; the jobs (fix.job.ts) call `runFix` and `runUndo`.
 *
 * - Apply plans again when it runs and changes exactly what that plan lists; the plan is stored with the fix before
 *   anything changes, so a crash halfway still leaves a record of what was meant and what was done.
 * - Before a changing fix, a snapshot of exactly the targets (their items; users and groups are in every snapshot's
 *   principals) is taken into the identity's File Location by the backup job, as a child operation of the fix (the
 *   Logs show it like any backup), and recorded with the fix. Without a usable File Location
 *   the fix needs `confirmNoBackup`; a failing backup stops the fix before it changes anything.
 * - Everything is audited: `fix.apply` / `fix.undo` when asked (by whom, what), and `fix.finish` / `fix.undone`
 *   with the counts when done.
 */
import { createHash } from 'node:crypto';
import type { Actor, AuditService } from '../../audit/audit.service.js';
import { backupBeforeChange } from '../../backup/backup.job.js';
import { AppError } from '../../errors/app-error.js';
import { isObjectStorageLocation } from '../../store/index.js';
import { checkFileLocation } from '../../identities/file-location.js';
import type { IdentitySessions } from '../../identities/identity-sessions.js';
import type { IdentityRepository } from '../../identities/identity.repository.js';
import type { IdentityRow } from '../../identities/identity.types.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../logging/logger.js';
import { JobStopped, type JobContext, type JobOutcome } from '../../operations/job.types.js';
import type { OperationsService } from '../../operations/operations.service.js';
import type { FixAction } from '../clean.types.js';
import type { FindingSource } from './finding-source.js';
import { applyPlan, checkActionOptions, planFix, reasonOf, undoResults, type FixContext, type UndoOutcome, type UndoRestorer } from './fix.engine.js';
import type { CleanFixResultRow, CleanFixRow, FixRepository } from './fix.repository.js';
import {
  FIX_ACTIONS,
  NON_CHANGING_ACTIONS,
  type FixDetail,
  type FixOptions,
  type FixPreview,
  type FixRequest,
  type FixResult,
  type FixResultView,
  type FixStarted,
  type FixView,
  type PlannedFix,
  type UndoRequest,
  type UnshareFrom
} from './fix.types.js';

// The API's JSON shape lives in fix.types.ts (the web app imports it); re-exported for existing importers.
export type { FixDetail } from './fix.types.js';
import type { Mailer } from './mailer.js';

/** A search that matches no item: the backup then holds only the organization's groups and users. */
const NO_ITEMS_QUERY = 'id:00000000000000000000000000000000';
const MAX_FINDINGS = 10_000;
/** Per-finding results written into the audit event of a fix (the fix keeps all of them). */
const AUDITED_RESULTS = 1000;

export interface FixServiceDeps {
  repository: FixRepository;
  identities: IdentityRepository;
  sessions: IdentitySessions;
  operations: OperationsService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** The scans' stored findings (set once the scans module is wired). */
  findings?: FindingSource;
  mailer?: Mailer;
  /** Recreates deleted items from a snapshot for Undo (the restore engine), per identity. */
  restorerFor?: (identity: IdentityRow) => UndoRestorer | undefined;
}

export class FixService {
  constructor(private readonly deps: FixServiceDeps) {}

  setFindingSource(source: FindingSource): void {
    this.deps.findings = source;
  }

  setMailer(mailer: Mailer | undefined): void {
    this.deps.mailer = mailer;
  }

  setRestorer(restorerFor: FixServiceDeps['restorerFor']): void {
    this.deps.restorerFor = restorerFor;
  }

  /** The identity a scan belongs to (the CLI names only the scan). */
  async identityOfScan(scanId: string): Promise<string> {
    if (!this.deps.findings) throw new AppError('unavailable', 'Stored scan findings are not available in this OrgKeeper yet; run a scan first.');
    return this.deps.findings.identityOf(scanId);
  }

  /** The identity a fix belongs to (the CLI names only the fix). */
  async identityOfFix(fixId: string): Promise<string> {
    const row = await this.deps.repository.findById(fixId);
    if (!row) throw new AppError('not_found', `There is no fix ${fixId}. Fix ids are shown when a fix is applied, and in the fix history.`);
    return row.identity_id;
  }

  /** What the fix would change, finding by finding (changes nothing). */
  async preview(identityId: string, input: unknown): Promise<FixPreview> {
    const request = validateFixRequest(input);
    const row = await this.identity(identityId);
    const session = await this.deps.sessions.sessionFor(row.id);
    const ctx = this.context(row, session);
    const findings = await this.loadFindings(row, request);
    await checkActionOptions(ctx, request.action, request.options);
    const plan = await planFix(ctx, findings, request.action, request.options);
    return this.previewOf(row, request, plan);
  }

  /** Starts the fix as an operation; its id is the fix's id. */
  async apply(identityId: string, input: unknown, actor: Actor): Promise<FixStarted> {
    const operation = await this.deps.operations.start('fix', identityId, input, actor);
    await this.deps.repository.insertIfMissing(this.newFixRow(operation.id, identityId, operation.params, operation.createdBy));
    return { fixId: operation.id, operationId: operation.id };
  }

  /** The fix job's validate(): the request is well-formed, the findings exist, and the backup question is answered. */
  async validateFix(input: unknown, identityId: string | null): Promise<FixRequest> {
    if (!identityId) throw new AppError('bad_request', 'A fix needs an identity.');
    const request = validateFixRequest(input);
    const row = await this.identity(identityId);
    const session = await this.deps.sessions.sessionFor(row.id);
    await this.loadFindings(row, request);
    await checkActionOptions(this.context(row, session), request.action, request.options);
    if (!NON_CHANGING_ACTIONS.includes(request.action) && !request.confirmNoBackup) {
      const location = await backupLocation(row);
      if (!location.ok) {
        throw new AppError(
          'validation_failed',
          `No backup can be taken before this fix: ${location.message} Fix the identity's File Location, or confirm that the fix may run without a backup (it then cannot be undone where it deletes).`,
          { fields: { confirmNoBackup: 'Confirm to fix without a backup first (CLI: --no-backup).' } }
        );
      }
    }
    return request;
  }

  async runFix(ctx: JobContext<'fix'>): Promise<JobOutcome> {
    const request = ctx.params;
    const row = await this.identity(ctx.identityId ?? '');
    const fixId = ctx.operationId;
    const createdBy = ctx.startedBy;
    await this.deps.repository.insertIfMissing(this.newFixRow(fixId, row.id, request, createdBy));
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
    const session = await this.deps.sessions.sessionFor(row.id, { signal: ctx.signal });
    const fixCtx = this.context(row, session, ctx.signal);
    ctx.progress({ phase: 'planning', total: 0, done: 0 });
    const findings = await this.loadFindings(row, request);
    await checkActionOptions(fixCtx, request.action, request.options);
    const plan = await planFix(fixCtx, findings, request.action, request.options);
    await this.deps.repository.replaceResults(fixId, plan.map((p, i) => pendingRow(fixId, i, p)));
    const preview = await this.previewOf(row, request, plan);
    const changing = plan.filter((p) => p.status === 'change').length;
    if (request.previewHash && request.previewHash !== preview.hash) {
      await this.notAttempted(fixId, plan, 'Not attempted: the organization changed since the preview.');
      return {
        status: 'failed',
        message: 'The organization changed since the preview (some targets now need different changes, or none), so nothing was changed. Preview the fix again and apply that preview.'
      };
    }

    // The snapshot of exactly what will change, before anything changes.
    let snapshotId: string | null = null;
    let backupOperationId: string | null = null;
    let backupNote: string | null = preview.backup.reason;
    if (preview.backup.needed && changing > 0) {
      if (preview.backup.possible) {
        ctx.progress({ phase: 'backup', total: changing, done: 0 });
        try {
          const { itemIds } = preview.backup;
          ({ snapshotId, operationId: backupOperationId } = await backupBeforeChange(ctx, {
            name: `Before fix ${request.action} (${fixId.slice(0, 8)})`,
            ...(itemIds.length > 0 ? { items: itemIds } : { query: NO_ITEMS_QUERY })
          }));
          backupNote = null;
          await ctx.setSnapshot(snapshotId);
        } catch (error) {
          if (ctx.signal.aborted) throw new JobStopped('Nothing was changed.');
          const message = `The backup before the fix failed, so nothing was changed: ${reasonOf(error)} Fix the cause and run the fix again.`;
          await this.deps.repository.update(fixId, { backup_note: message });
          await this.notAttempted(fixId, plan, 'Not attempted: the backup before the fix failed.');
          return { status: 'failed', message };
        }
      } else if (!request.confirmNoBackup) {
        await this.notAttempted(fixId, plan, 'Not attempted: no backup could be taken first.');
        return { status: 'failed', message: `No backup can be taken before this fix (${backupNote ?? 'no File Location'}), and running without one was not confirmed. Nothing was changed.` };
      } else backupNote = `No backup was taken (confirmed): ${backupNote ?? 'no usable File Location'}.`;
    }
    await this.deps.repository.update(fixId, { snapshot_id: snapshotId, backup_note: backupNote });

    ctx.progress({ phase: 'fixing', total: plan.length, done: 0 });
    let done = 0;
    const results = await applyPlan(fixCtx, request.action, request.options, plan, async (result) => {
      done++;
      await this.deps.repository.updateResult(fixId, result.findingId, {
        status: result.status,
        error: result.error,
        applied: JSON.stringify(result.applied)
      });
      await ctx.logItems([
        {
          itemId: result.target.id,
          title: result.target.title,
          type: result.target.type ?? result.target.kind,
          owner: result.target.owner ?? '',
          status: result.status,
          action: request.action,
          parts: result.applied.map((c) => c.field),
          error: result.error,
          details: { findingId: result.findingId, changes: result.applied.map((c) => c.summary) }
        }
      ]);
      ctx.progress({ phase: 'fixing', total: plan.length, done });
    });
    const counts = countResults(results);
    const status = counts.failed > 0 ? (counts.ok > 0 ? 'partial' : 'failed') : 'succeeded';
    const backupText = snapshotId ? ` A backup of what changed is snapshot ${snapshotId}; Undo restores it.` : backupNote ? ` ${backupNote}` : '';
    const message =
      `${counts.ok} fixed, ${counts.failed} failed, ${counts.skipped} skipped.` +
      (counts.failed > 0 ? ' The failed ones are listed with the reason; the others were fixed.' : '') +
      (preview.backup.needed ? backupText : '');
    return { status, message, result: { fixId, counts, snapshotId, ...(backupOperationId ? { backupOperationId } : {}) } };
  }

  /** Marks the planned changes of a fix that stopped before changing anything as skipped, with the reason. */
  private async notAttempted(fixId: string, plan: PlannedFix[], reason: string): Promise<void> {
    for (const p of plan) if (p.status === 'change') await this.deps.repository.updateResult(fixId, p.findingId, { status: 'skipped', error: reason });
  }

  async get(identityId: string, fixId: string): Promise<FixDetail> {
    const row = await this.fixRow(identityId, fixId);
    const fix = await this.toView(row);
    const running = fix.status === 'queued' || fix.status === 'running';
    const results = (await this.deps.repository.results(fixId)).map((result): FixResultView => (running && result.status === 'pending' ? { ...toResult(result), status: 'pending', error: null } : toResult(result)));
    return { fix, results };
  }

  async list(identityId: string, filter: { scanId?: string; limit?: number } = {}): Promise<FixView[]> {
    await this.identity(identityId);
    const rows = await this.deps.repository.list({ identityId, ...(filter.scanId ? { scanId: filter.scanId } : {}), limit: Math.min(Math.max(filter.limit ?? 100, 1), 500) });
    return Promise.all(rows.map(async (r) => this.toView(await this.reconcile(r))));
  }

  /** Starts the undo of a fix as an operation of kind `undo`. */
  async undo(identityId: string, fixId: string, actor: Actor): Promise<FixStarted> {
    await this.fixRow(identityId, fixId);
    const operation = await this.deps.operations.start('undo', identityId, { fixId }, actor);
    await this.deps.repository.update(fixId, { undo_operation_id: operation.id, undo_status: 'running', undo_by: operation.createdBy, undo_at: this.now(), undo_message: null });
    return { fixId, operationId: operation.id };
  }

  async validateUndo(input: unknown, identityId: string | null): Promise<UndoRequest> {
    const fixId = typeof input === 'object' && input !== null ? (input as { fixId?: unknown }).fixId : undefined;
    if (typeof fixId !== 'string' || fixId === '') throw AppError.validation({ fixId: 'Name the fix to undo (its id).' });
    const row = await this.fixRow(identityId ?? '', fixId);
    if (row.status === 'queued' || row.status === 'running') throw new AppError('conflict', 'This fix is still running; wait for it to finish, then undo it.');
    if (row.undo_status === 'succeeded') throw new AppError('conflict', 'This fix was already undone.');
    if (NON_CHANGING_ACTIONS.includes(row.action as FixAction)) throw new AppError('conflict', `A ${row.action} fix changed nothing in ArcGIS, so there is nothing to undo (an email cannot be taken back).`);
    return { fixId };
  }

  async runUndo(ctx: JobContext<'undo'>): Promise<JobOutcome> {
    const fix = await this.fixRow(ctx.identityId ?? '', ctx.params.fixId);
    const identity = await this.identity(fix.identity_id);
    const by = ctx.startedBy;
    await this.deps.repository.update(fix.id, { undo_operation_id: ctx.operationId, undo_status: 'running', undo_by: by, undo_at: this.now() });
    const session = await this.deps.sessions.sessionFor(identity.id, { signal: ctx.signal });
    const fixCtx = this.context(identity, session, ctx.signal);
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
          await ctx.logItems([
            {
              itemId: result.target.id,
              title: result.target.title,
              type: result.target.type ?? result.target.kind,
              owner: result.target.owner ?? '',
              status: outcome.status,
              action: `undo ${fix.action}`,
              error: outcome.error,
              details: { findingId: outcome.findingId }
            }
          ]);
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

  // -------------------------------------------------------------------------------------------------------------

  private async previewOf(row: IdentityRow, request: FixRequest, plan: PlannedFix[]): Promise<FixPreview> {
    const needed = !NON_CHANGING_ACTIONS.includes(request.action);
    const changing = plan.filter((p) => p.status === 'change');
    const itemIds = new Set<string>();
    let principals = false;
    for (const p of changing) {
      if (p.target.kind === 'item') itemIds.add(p.target.id);
      else principals = true;
      for (const item of p.context.items ?? []) itemIds.add(item.id);
    }
    let possible = true;
    let reason: string | null = null;
    if (needed) {
      const location = await backupLocation(row);
      if (!location.ok) {
        possible = false;
        reason = location.message;
      }
    } else reason = `${request.action} changes nothing in ArcGIS; no backup is needed.`;
    return {
      hash: planHash(request, plan),
      identityId: row.id,
      scanId: request.scanId,
      action: request.action,
      options: request.options,
      backup: { needed, possible, reason, itemIds: [...itemIds], principals },
      counts: { change: changing.length, skip: plan.length - changing.length },
      findings: plan
    };
  }

  private async loadFindings(row: IdentityRow, request: FixRequest) {
    if (!this.deps.findings) throw new AppError('unavailable', 'Stored scan findings are not available in this OrgKeeper yet; run a scan first.');
    const scan = await this.deps.findings.load(request.scanId, request.findings);
    if (scan.identityId !== row.id) throw new AppError('not_found', `Scan ${request.scanId} is not a scan of "${row.name}".`);
    if (scan.findings.length === 0) throw AppError.validation({ findings: 'The scan has no such findings; nothing to fix.' });
    if (scan.findings.length > MAX_FINDINGS) throw AppError.validation({ findings: `At most ${MAX_FINDINGS} findings can be fixed at once; select fewer.` });
    return scan.findings;
  }

  private context(row: IdentityRow, session: FixContext['session'], signal?: AbortSignal): FixContext {
    if (!row.org_id) throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first.`);
    return {
      session: signal ? session.withSignal(signal) : session,
      orgId: row.org_id,
      adminUsername: row.username,
      orgName: row.portal_name ?? row.name,
      ...(signal ? { signal } : {}),
      ...(this.deps.mailer ? { mailer: this.deps.mailer } : {})
    };
  }

  private async identity(identityId: string): Promise<IdentityRow> {
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    return row;
  }

  private async fixRow(identityId: string, fixId: string): Promise<CleanFixRow> {
    const row = await this.deps.repository.findById(fixId);
    if (!row || row.identity_id !== identityId) throw new AppError('not_found', `There is no fix ${fixId} for this identity.`);
    return this.reconcile(row);
  }

  /**
   * A fix whose operation ended without the fix recording its end (cancelled while queued, or OrgKeeper stopped while
   * it ran) takes the operation's end: it no longer runs, its recorded results stand, and it can be undone.
   */
  private async reconcile(row: CleanFixRow): Promise<CleanFixRow> {
    const stale = async (status: string | null, operationId: string | null) => {
      if (!operationId || (status !== 'queued' && status !== 'running')) return undefined;
      const operation = await this.deps.operations.get(operationId).catch(() => undefined);
      return operation && operation.status !== 'queued' && operation.status !== 'running' ? operation : undefined;
    };
    const fixOperation = await stale(row.status, row.id);
    if (fixOperation) {
      const status: CleanFixRow['status'] = fixOperation.status === 'cancelled' || fixOperation.status === 'interrupted' ? fixOperation.status : 'failed';
      const changes = { status, message: fixOperation.message ?? `The fix operation ended ${fixOperation.status}.`, finished_at: fixOperation.finishedAt ?? this.now() };
      await this.deps.repository.update(row.id, changes);
      row = { ...row, ...changes };
    }
    const undoOperation = await stale(row.undo_status, row.undo_operation_id);
    if (undoOperation) {
      const changes = { undo_status: 'failed', undo_message: undoOperation.message ?? `The undo operation ended ${undoOperation.status}.` };
      await this.deps.repository.update(row.id, changes);
      row = { ...row, ...changes };
    }
    return row;
  }

  private newFixRow(id: string, identityId: string, request: FixRequest, createdBy: string): CleanFixRow {
    return {
      id,
      identity_id: identityId,
      scan_id: request.scanId,
      action: request.action,
      options: JSON.stringify(request.options),
      status: 'queued',
      message: null,
      snapshot_id: null,
      backup_note: null,
      created_by: createdBy,
      created_at: this.now(),
      finished_at: null,
      undo_operation_id: null,
      undo_status: null,
      undo_by: null,
      undo_at: null,
      undo_message: null
    };
  }

  private async toView(row: CleanFixRow): Promise<FixView> {
    const counts = await this.deps.repository.counts(row.id);
    return {
      id: row.id,
      identityId: row.identity_id,
      scanId: row.scan_id,
      action: row.action as FixAction,
      options: JSON.parse(row.options) as FixOptions,
      status: row.status,
      message: row.message,
      snapshotId: row.snapshot_id,
      backupNote: row.backup_note,
      counts: { ok: counts.ok ?? 0, failed: counts.failed ?? 0, skipped: counts.skipped ?? 0 },
      createdBy: row.created_by,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      undo:
        row.undo_operation_id && row.undo_status
          ? { operationId: row.undo_operation_id, status: row.undo_status as NonNullable<FixView['undo']>['status'], by: row.undo_by ?? '', at: row.undo_at ?? '', message: row.undo_message }
          : null
    };
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

/** Checks and normalises a fix request (API body, CLI flags, operation params). */
export function validateFixRequest(input: unknown): FixRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw AppError.validation({ action: 'Send a JSON object with scanId, findings and action.' });
  const raw = input as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const scanId = typeof raw.scanId === 'string' ? raw.scanId.trim() : '';
  if (!scanId) fields.scanId = 'Name the scan whose findings to fix (scanId).';
  let findings: string[] | 'all' = [];
  if (raw.findings === 'all') findings = 'all';
  else if (Array.isArray(raw.findings) && raw.findings.every((f) => typeof f === 'string' && f.trim() !== '')) {
    findings = [...new Set((raw.findings as string[]).map((f) => f.trim()))];
    if (findings.length === 0) fields.findings = 'Select at least one finding, or "all".';
  } else fields.findings = 'Give the finding ids to fix as a list, or "all".';
  const action = raw.action as FixAction;
  if (!FIX_ACTIONS.includes(action)) fields.action = `Choose one of: ${FIX_ACTIONS.join(', ')}.`;
  const options = validateOptions(raw.options, fields);
  // Defaults are written out, so the same fix asked two ways has the same plan hash.
  if (action === 'unshare' && !options.from) options.from = 'everyone';
  if (raw.confirmNoBackup !== undefined && typeof raw.confirmNoBackup !== 'boolean') fields.confirmNoBackup = 'true or false.';
  if (raw.previewHash !== undefined && (typeof raw.previewHash !== 'string' || !/^[0-9a-f]{64}$/.test(raw.previewHash))) fields.previewHash = 'The hash of a preview (64 hexadecimal characters).';
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return {
    scanId,
    findings,
    action,
    options,
    ...(raw.confirmNoBackup === true ? { confirmNoBackup: true } : {}),
    ...(typeof raw.previewHash === 'string' ? { previewHash: raw.previewHash } : {})
  };
}

const OPTION_KEYS = ['overrideProtection', 'targetUsername', 'targetFolder', 'folder', 'from', 'groups', 'tags', 'message'];

function validateOptions(input: unknown, fields: Record<string, string>): FixOptions {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    fields.options = 'options must be an object.';
    return {};
  }
  const raw = input as Record<string, unknown>;
  const out: FixOptions = {};
  for (const key of Object.keys(raw)) if (!OPTION_KEYS.includes(key)) fields[`options.${key}`] = `Unknown option; the options are ${OPTION_KEYS.join(', ')}.`;
  const text = (key: 'targetUsername' | 'targetFolder' | 'folder' | 'message', max: number) => {
    const value = raw[key];
    if (value === undefined) return;
    if (typeof value !== 'string' || value.trim() === '' || value.length > max) fields[`options.${key}`] = `A text of 1 to ${max} characters.`;
    else out[key] = value.trim();
  };
  text('targetUsername', 200);
  text('targetFolder', 200);
  text('folder', 200);
  text('message', 4000);
  if (raw.overrideProtection !== undefined) {
    if (typeof raw.overrideProtection !== 'boolean') fields['options.overrideProtection'] = 'true or false.';
    else out.overrideProtection = raw.overrideProtection;
  }
  if (raw.from !== undefined) {
    if (raw.from !== 'everyone' && raw.from !== 'org' && raw.from !== 'groups') fields['options.from'] = 'One of everyone, org, groups.';
    else out.from = raw.from as UnshareFrom;
  }
  const list = (key: 'groups' | 'tags') => {
    const value = raw[key];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length > 500 || !value.every((v) => typeof v === 'string' && v.trim() !== '' && v.length <= 250 && !v.includes(','))) {
      fields[`options.${key}`] = 'A list of up to 500 non-empty texts without commas.';
    } else out[key] = value.map((v: string) => v.trim());
  };
  list('groups');
  list('tags');
  return out;
}

async function backupLocation(row: IdentityRow): Promise<{ ok: true } | { ok: false; message: string }> {
  if (!row.file_location || row.file_location.trim() === '') return { ok: false, message: `"${row.name}" has no File Location to back up into.` };
  // Object storage is checked by the backup itself (access, conditional writes); there is no folder to look at.
  if (isObjectStorageLocation(row.file_location)) return { ok: true };
  const check = await checkFileLocation(row.file_location);
  return check.ok ? { ok: true } : { ok: false, message: `The File Location of "${row.name}" cannot be used: ${check.message}` };
}

function pendingRow(fixId: string, position: number, plan: PlannedFix): CleanFixResultRow {
  return {
    fix_id: fixId,
    finding_id: plan.findingId,
    position,
    target_kind: plan.target.kind,
    target_id: plan.target.id,
    target: JSON.stringify({ ...plan.target, message: plan.message }),
    status: plan.status === 'skip' ? 'skipped' : 'pending',
    error: plan.reason,
    changes: JSON.stringify(plan.changes),
    applied: '[]',
    context: JSON.stringify(plan.context),
    undo_status: null,
    undo_error: null,
    undo_note: null
  };
}

function toResult(row: CleanFixResultRow): FixResult {
  const { message, ...target } = JSON.parse(row.target) as FixResult['target'] & { message?: string };
  return {
    findingId: row.finding_id,
    target,
    message: message ?? '',
    // A row still pending when its fix ended was never attempted (the fix stopped); `get` shows it as pending while
    // the fix still runs.
    status: row.status === 'pending' ? 'skipped' : row.status,
    error: row.status === 'pending' ? 'Not attempted: the fix stopped before this finding.' : row.error,
    changes: JSON.parse(row.changes) as FixResult['changes'],
    applied: JSON.parse(row.applied) as FixResult['applied'],
    context: JSON.parse(row.context) as FixResult['context'],
    undo: row.undo_status ? { status: row.undo_status as 'ok' | 'failed' | 'skipped', error: row.undo_error, note: row.undo_note } : null
  };
}

/** What a plan will do, as a fingerprint: the same findings, action, options and changes give the same hash. */
function planHash(request: FixRequest, plan: PlannedFix[]): string {
  const essence = plan.map((p) => [p.findingId, p.target.kind, p.target.id, p.status, p.changes.map((c) => [c.field, c.before, c.after])]);
  return createHash('sha256').update(JSON.stringify([request.action, request.options, essence])).digest('hex');
}

function countResults(results: FixResult[]): { ok: number; failed: number; skipped: number } {
  const counts = { ok: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
