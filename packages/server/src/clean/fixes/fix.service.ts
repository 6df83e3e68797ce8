/**
 * Fixes on stored findings: preview (what will change), apply (an operation of kind `fix`), results, undo (an
 * operation of kind `undo`). Routes and the CLI call this; the jobs (fix.job.ts) call `runFix` and `runUndo`, whose work
 * is in FixRunner (fix-run.ts).
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
import type { Actor, AuditService } from '../../audit/audit.service.js';
import { AppError } from '../../errors/app-error.js';
import type { ArcGISSessionFactory, IdentityRepository } from '../../identities/index.js';
import type { IdentityRow } from '../../identities/identity.types.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../logging/logger.js';
import type { JobContext, JobOutcome } from '../../operations/job.types.js';
import type { OperationsService } from '../../operations/operations.service.js';
import type { FixAction } from '../clean.types.js';
import { changesArcGIS, type UndoRestorer } from './actions/index.js';
import type { FindingSource } from './finding-source.js';
import { fixContextFor, loadFindings } from './fix-context.js';
import { checkActionOptions, planFix } from './fix.engine.js';
import { backupLocation, previewOf } from './fix-preview.js';
import { validateFixRequest } from './fix-request.js';
import { fixView, newFixRow, toResult } from './fix-rows.js';
import { FixRunner } from './fix-run.js';
import type { CleanFixRow, FixRepository } from './fix.repository.js';
import type { FixDetail, FixPreview, FixRequest, FixResultView, FixStarted, FixView, UndoRequest } from './fix.types.js';
import type { Mailer } from './mailer.js';

// The API's JSON shape lives in fix.types.ts (the web app imports it); re-exported for existing importers.
export type { FixDetail } from './fix.types.js';

export interface FixServiceDeps {
  repository: FixRepository;
  identities: IdentityRepository;
  arcgisSessions: ArcGISSessionFactory;
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
  private readonly runner: FixRunner;

  constructor(private readonly deps: FixServiceDeps) {
    // The same deps object: a mailer or restorer set later reaches the runner too.
    this.runner = new FixRunner(deps);
  }

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
    const session = await this.deps.arcgisSessions.sessionFor(row.id);
    const ctx = fixContextFor(row, session, this.deps);
    const findings = await loadFindings(this.deps.findings, row, request);
    await checkActionOptions(ctx, request.action, request.options);
    const plan = await planFix(ctx, findings, request.action, request.options);
    return previewOf(row, request, plan);
  }

  /** Starts the fix as an operation; its id is the fix's id. */
  async apply(identityId: string, input: unknown, actor: Actor): Promise<FixStarted> {
    const operation = await this.deps.operations.start('fix', identityId, input, actor);
    await this.deps.repository.insertIfMissing(newFixRow(operation.id, identityId, operation.params, operation.createdBy, this.now()));
    return { fixId: operation.id, operationId: operation.id };
  }

  /** The fix job's validate(): the request is well-formed, the findings exist, and the backup question is answered. */
  async validateFix(input: unknown, identityId: string | null): Promise<FixRequest> {
    if (!identityId) throw new AppError('bad_request', 'A fix needs an identity.');
    const request = validateFixRequest(input);
    const row = await this.identity(identityId);
    const session = await this.deps.arcgisSessions.sessionFor(row.id);
    await loadFindings(this.deps.findings, row, request);
    await checkActionOptions(fixContextFor(row, session, this.deps), request.action, request.options);
    if (changesArcGIS(request.action) && !request.confirmNoBackup) {
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
    return this.runner.runFix(ctx, await this.identity(ctx.identityId ?? ''));
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
    if (!changesArcGIS(row.action as FixAction)) throw new AppError('conflict', `A ${row.action} fix changed nothing in ArcGIS, so there is nothing to undo (an email cannot be taken back).`);
    return { fixId };
  }

  async runUndo(ctx: JobContext<'undo'>): Promise<JobOutcome> {
    const fix = await this.fixRow(ctx.identityId ?? '', ctx.params.fixId);
    return this.runner.runUndo(ctx, fix, await this.identity(fix.identity_id));
  }

  // -------------------------------------------------------------------------------------------------------------

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

  private async toView(row: CleanFixRow): Promise<FixView> {
    return fixView(row, await this.deps.repository.counts(row.id));
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

