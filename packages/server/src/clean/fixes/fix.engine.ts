/**
 * The fix engine: runs any fix action (actions/index.ts, one file per action) over findings. It plans a fix from the
 * organization's live state (the preview: every change with its value before and after), applies exactly that plan,
 * and undoes what was applied from the recorded before-values.
 *
 * - Planning only reads. A finding whose target is gone, already in the wanted state, or not something the action
 *   applies to is `skip` with the reason; two findings on the same target are fixed once.
 * - Applying works per finding and never throws halfway: each finding ends `ok`, `failed` (with ArcGIS's reason) or
 *   `skipped`, and lists the changes that did happen (`applied`), also when a later step failed.
 * - Undo reverts `applied`, per action. What ArcGIS cannot take back directly (a deleted item) goes to the restore
 *   engine when one is given, from the snapshot taken before the fix.
 */
import { runPool } from '../../lib/task-pool.js';
import type { FixAction } from '../clean.types.js';
import { FIX_ACTION_HANDLERS } from './actions/index.js';
import type { FixActionHandler, FixContext, PlanRow, StoredFinding, UndoContext, UndoRestorer } from './actions/fix-action.js';
import { newPlanCache, reasonOf, resultOf, skip } from './actions/fix-support.js';
import type { FieldChange, FixOptions, FixResult, PlannedFix, UndoStatus } from './fix.types.js';

/** Findings worked on at once (the session still bounds requests in flight). */
const CONCURRENCY = 8;

/** Checks what the action needs before anything is read per finding (the receiving user exists, options given). */
export async function checkActionOptions(ctx: FixContext, action: FixAction, options: FixOptions): Promise<void> {
  await FIX_ACTION_HANDLERS[action].check?.(ctx, options);
}

export async function planFix(ctx: FixContext, findings: StoredFinding[], action: FixAction, options: FixOptions): Promise<PlannedFix[]> {
  const handler = FIX_ACTION_HANDLERS[action];
  const plans: PlannedFix[] = new Array<PlannedFix>(findings.length);
  const firstFor = new Map<string, string>();
  const unique: { index: number; finding: StoredFinding }[] = [];
  findings.forEach((finding, index) => {
    const key = `${finding.target.kind}:${finding.target.id.toLowerCase()}`;
    const first = firstFor.get(key);
    if (first) plans[index] = skip(finding, `Same ${finding.target.kind} as finding ${first}, which this fix already covers.`);
    else {
      firstFor.set(key, finding.id);
      unique.push({ index, finding });
    }
  });
  const planning = { ...ctx, cache: newPlanCache() };
  await runPool(unique, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async ({ index, finding }) => {
    try {
      plans[index] = await handler.plan(planning, finding, options);
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      plans[index] = skip(finding, `Could not be read from ArcGIS, so nothing will be done: ${reasonOf(error)}`);
    }
  });
  return plans;
}

/** Applies a plan; `onResult` sees each finding's result as soon as it is known. Never throws for a finding. */
export async function applyPlan(
  ctx: FixContext,
  action: FixAction,
  options: FixOptions,
  plan: PlannedFix[],
  onResult: (result: FixResult) => Promise<void> | void
): Promise<FixResult[]> {
  const handler = FIX_ACTION_HANDLERS[action];
  const results: FixResult[] = new Array<FixResult>(plan.length);
  const finish = async (index: number, result: FixResult) => {
    results[index] = result;
    await onResult(result);
  };
  const indexed = plan.map((planned, index) => ({ planned, index }));
  for (const { planned, index } of indexed) {
    if (planned.status === 'skip') await finish(index, { ...resultOf(planned), status: 'skipped', error: planned.reason });
  }
  const todo = indexed.filter(({ planned }) => planned.status === 'change');
  if (handler.applyAll) {
    await handler.applyAll(ctx, options, todo, finish);
    return results;
  }
  const apply = handler.apply;
  if (!apply) throw new Error(`${action} cannot be applied here.`);
  // Phases run one after the other (delete-items: a hosted layer's views before the layer); a phase's rows at once.
  for (const phase of handler.phases?.(todo) ?? [todo]) await applyRows(ctx, options, phase, apply, finish);
  return results;
}

async function applyRows(
  ctx: FixContext,
  options: FixOptions,
  rows: PlanRow[],
  apply: NonNullable<FixActionHandler['apply']>,
  finish: (index: number, result: FixResult) => Promise<void>
): Promise<void> {
  await runPool(rows, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async ({ planned, index }) => {
    const applied: FieldChange[] = [];
    try {
      await apply(ctx, planned, options, applied);
      await finish(index, { ...resultOf(planned), status: 'ok', error: null, applied });
    } catch (error) {
      if (ctx.signal?.aborted) {
        // ArcGIS may have made the change whose answer the stop cut off: say so, and list only what is confirmed.
        await finish(index, { ...resultOf(planned), status: 'failed', error: 'The fix was stopped while this finding was being changed; check it in ArcGIS (the last step may or may not have been made).', applied });
        throw error;
      }
      await finish(index, { ...resultOf(planned), status: 'failed', error: reasonOf(error), applied });
    }
  });
}

export interface UndoOutcome {
  findingId: string;
  status: UndoStatus;
  error: string | null;
  /** What people should know about a successful undo (a recreated item's new id). */
  note?: string;
}

/** Reverts what each result applied. `snapshotId`: the backup taken before the fix (for recreating deleted items). */
export async function undoResults(
  ctx: FixContext,
  action: FixAction,
  results: FixResult[],
  options: { operationId: string; snapshotId: string | null; restorer?: UndoRestorer; onOutcome?: (outcome: UndoOutcome) => Promise<void> | void }
): Promise<UndoOutcome[]> {
  const handler = FIX_ACTION_HANDLERS[action];
  const outcomes: UndoOutcome[] = [];
  const report = async (outcome: UndoOutcome) => {
    outcomes.push(outcome);
    await options.onOutcome?.(outcome);
  };
  const todo: FixResult[] = [];
  for (const result of results) {
    if (result.undo?.status === 'ok') continue;
    if (result.applied.length === 0) {
      await report({ findingId: result.findingId, status: 'skipped', error: result.status === 'skipped' ? 'Nothing was changed.' : 'Nothing was changed (the fix failed before changing anything).' });
    } else if (!handler.undo) {
      await report({ findingId: result.findingId, status: 'skipped', error: handler.notUndoable ?? `${action} cannot be undone.` });
    } else todo.push(result);
  }
  const undo = handler.undo;
  if (!undo) return outcomes;
  const undoCtx: UndoContext = { ...ctx, operationId: options.operationId, snapshotId: options.snapshotId, ...(options.restorer ? { restorer: options.restorer } : {}), recreated: new Map() };
  if (todo.length > 0) await handler.prepareUndo?.(undoCtx, todo);
  await runPool(todo, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async (result) => {
    try {
      const note = await undo(undoCtx, result);
      await report({ findingId: result.findingId, status: 'ok', error: null, ...(note ? { note } : {}) });
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      await report({ findingId: result.findingId, status: 'failed', error: reasonOf(error) });
    }
  });
  return outcomes;
}
