/**
 * Runs a restore plan against the target organization: each step once the steps it depends on have finished, a few at
 * a time. The work of each kind of step is in steps/ (group, folder, item created or overwritten).
 *
 * - Idempotent and resumable: every finished step is recorded in restore_steps with the id and URL it produced, and a
 *   step recorded `ok` is never done again; its results still feed the id and URL maps later steps rewrite with.
 * - No duplicates after a crash: a created item carries a marker type keyword (`orgkeeper-restore:<op>:<source id>`)
 *   until its step is recorded, and the new id is checkpointed as soon as ArcGIS returns it. A step found `running`
 *   (the process died inside it), or an addItem that is retried after a lost answer, first looks for an item with the
 *   marker and continues with it instead of adding another.
 * - One failed step does not stop the others; a step whose dependency failed (or was skipped because of a failure) is
 *   skipped with that reason.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { Clock } from '../lib/clock.js';
import { TaskPool } from '../lib/task-pool.js';
import type { ItemEntry, Store } from '../store/index.js';
import type { HostedRestore } from './hosted-contract.js';
import type { RestoreRepository, RestoreStepRow } from './restore.repository.js';
import { toLogRow } from './restore.repository.js';
import type { SnapshotContent } from './restore.plan.js';
import type { PlanStep, RestoreLogRow, RestorePlan, RestoreProgress, RestoreResult } from './restore.types.js';
import { restoreFolder } from './steps/folder.step.js';
import { restoreGroup } from './steps/group.step.js';
import { rewriteLateReferences, stepsBeforeTheirDependencies } from './steps/late-references.step.js';
import { createItem } from './steps/item-create.step.js';
import type { ItemJson } from './steps/item-parts.js';
import { restoreFromBin } from './steps/item-from-bin.step.js';
import { overwriteItem } from './steps/item-overwrite.step.js';
import { mapServiceUrls, parseState, type StepContext } from './steps/step-context.js';

export interface RestoreRunInput {
  operationId: string;
  plan: RestorePlan;
  store: Store;
  content: SnapshotContent;
  /** Session of the target identity (the source identity's own for every mode but clone). */
  session: ArcGISSession;
  repository: RestoreRepository;
  hosted: HostedRestore | undefined;
  signal: AbortSignal;
  clock: Clock;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called with each finished step's log row (the operation's per-item log). */
  onStep?: (row: RestoreLogRow, step: PlanStep) => Promise<void> | void;
  /** Steps run at once (default DEFAULT_RESTORE_CONCURRENCY); 1 runs them strictly in the plan's order. */
  concurrency?: number;
  /** Test hook: called before each step runs (fault injection). */
  beforeStep?: (step: PlanStep) => Promise<void> | void;
}

export const DEFAULT_RESTORE_CONCURRENCY = 4;

type StepOutcome = { status: 'ok' | 'failed' | 'skipped'; reason?: string };

/** One run's state, shared by its steps. */
interface RestoreRun {
  input: RestoreRunInput;
  /** The rows an earlier run of this restore recorded, by step key. */
  existing: Map<string, RestoreStepRow>;
  maps: StepContext['maps'];
  groups: Map<string, string>;
  folders: Map<string, string>;
  progress: RestoreProgress;
  outcomes: Map<string, StepOutcome>;
  rows: RestoreLogRow[];
}

export async function runRestore(input: RestoreRunInput): Promise<RestoreResult> {
  const started = Date.now();
  const { plan, repository, operationId } = input;
  const run: RestoreRun = {
    input,
    existing: new Map((await repository.steps(operationId)).map((r) => [r.step_key, r])),
    maps: { ids: new Map<string, string>(), urls: new Map<string, string>() },
    groups: new Map<string, string>(),
    folders: new Map<string, string>(),
    progress: { phase: 'restoring', stepsTotal: plan.steps.length, stepsDone: 0, failed: 0, skipped: 0 },
    outcomes: new Map(),
    rows: []
  };
  // A clone's organization-wide rewrites (plans made before they existed: the portal URL only).
  if (plan.orgRewrites) for (const r of plan.orgRewrites) run.maps.urls.set(r.from, r.to);
  else if (plan.mode === 'clone') run.maps.urls.set(plan.source.portalUrl, plan.target.portalUrl);
  for (const step of plan.steps) {
    if (step.kind !== 'group' || !step.targetId) continue;
    run.groups.set(step.sourceId, step.targetId);
    // Items name groups too (a Hub site's catalog, an app's group): an existing target group replaces the source's.
    if (step.targetId !== step.sourceId) run.maps.ids.set(step.sourceId, step.targetId);
  }

  // Steps run as soon as the steps they depend on have finished, a few at a time (the plan's order is a topological
  // order, so every dependency is scheduled before its dependents).
  // A step records its own failure and the others go on; only a stop (the signal) makes a step throw.
  const pool = new TaskPool({ concurrency: input.concurrency ?? DEFAULT_RESTORE_CONCURRENCY, onError: 'continue', signal: input.signal });
  const finished = new Map<string, Promise<void>>();
  for (const [seq, step] of plan.steps.entries()) {
    const deps = step.dependsOn.map((d) => finished.get(d)).filter((p): p is Promise<void> => p !== undefined);
    // A dependency's failure is its own step's record; here only 'finished' matters.
    const settled = Promise.allSettled(deps).then(() => pool.run(() => runStep(run, step, seq)));
    finished.set(step.key, settled);
  }
  const outcomes = await Promise.allSettled(finished.values());
  const stopped = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (stopped) throw stopped.reason;
  await rewriteCycles(run);
  const { progress, rows } = run;
  progress.phase = 'done';
  delete progress.current;
  input.onProgress?.({ ...progress });
  const counts = { ok: 0, failed: 0, skipped: 0 };
  for (const row of rows) counts[row.status]++;
  rows.sort((a, b) => plan.steps.findIndex((s) => s.key === a.key) - plan.steps.findIndex((s) => s.key === b.key));
  return { operationId, counts, steps: rows, durationMs: Date.now() - started };
}

/** Items written before an item they reference had its new id (a cycle): their references are rewritten again now. */
async function rewriteCycles(run: RestoreRun): Promise<void> {
  const { input } = run;
  for (const step of stepsBeforeTheirDependencies(input.plan.steps)) {
    const row = run.rows.find((r) => r.key === step.key);
    const entry = input.content.items.get(step.sourceId);
    if (row?.status !== 'ok' || !row.newId || !entry) continue;
    input.signal.throwIfAborted();
    try {
      await rewriteLateReferences(input, entry, row.newId, run.maps);
    } catch (error) {
      // The item exists and is complete but for references to items restored after it: said in its log row.
      row.status = 'failed';
      row.error = `The item was restored, but its references to items restored after it could not be rewritten: ${describe(error)}`;
      const stored = run.existing.get(step.key) ?? (await input.repository.steps(input.operationId)).find((r) => r.step_key === step.key);
      if (stored) await input.repository.putStep({ ...stored, status: 'failed', error: row.error });
    }
  }
}

/** Runs one step unless an earlier run finished it, or a dependency failed; records what became of it. */
async function runStep(run: RestoreRun, step: PlanStep, seq: number): Promise<void> {
  const { input, progress } = run;
  input.signal.throwIfAborted();
  const prior = run.existing.get(step.key);
  // Done for good: finished, or skipped by the plan. A step skipped because a dependency failed is tried again.
  if (prior && (prior.status === 'ok' || (prior.status === 'skipped' && step.action === 'skip'))) {
    // Done by an earlier run of this restore: only its results are needed.
    remember(step, prior, run.maps, run.groups, run.folders, input.content);
    run.outcomes.set(step.key, { status: prior.status });
    run.rows.push(toLogRow(prior));
    progress.stepsDone++;
    if (prior.status === 'skipped') progress.skipped++;
    return;
  }
  const row = stepRow(input.operationId, step, seq, prior);
  const t0 = Date.now();
  const finish = (status: StepOutcome['status'], error: string | null) => finishStep(run, step, row, { status, error, durationMs: (prior?.duration_ms ?? 0) + (Date.now() - t0) });

  const blocked = blockedBy(run, step);
  if (blocked) return finish('skipped', blocked);
  if (step.action === 'skip') return finish('skipped', step.reason);

  progress.current = `${step.action} ${step.title}`;
  input.onProgress?.({ ...progress });
  const ctx: StepContext = {
    input,
    maps: run.maps,
    groups: run.groups,
    folders: run.folders,
    row,
    resumedStep: prior !== undefined,
    progress,
    save: async (changes) => {
      Object.assign(row, changes);
      await input.repository.putStep(row);
    }
  };
  try {
    await ctx.save({});
    await input.beforeStep?.(step);
    if (step.kind === 'group') await restoreGroup(ctx, step);
    else if (step.kind === 'folder') await restoreFolder(ctx, step);
    else await restoreItem(ctx, step);
    remember(step, row, run.maps, run.groups, run.folders, input.content);
    await finish('ok', null);
  } catch (error) {
    if (input.signal.aborted) {
      // Left `running`: the next run of this restore looks for what it may have created.
      row.duration_ms = (prior?.duration_ms ?? 0) + (Date.now() - t0);
      await input.repository.putStep(row).catch(() => undefined);
      throw input.signal.reason ?? error;
    }
    await finish('failed', describe(error));
  }
}

/** The step's row as it starts running (what an earlier attempt produced carried over). */
function stepRow(operationId: string, step: PlanStep, seq: number, prior: RestoreStepRow | undefined): RestoreStepRow {
  return {
    operation_id: operationId,
    step_key: step.key,
    seq,
    kind: step.kind,
    title: step.title,
    type: step.type,
    action: step.action,
    old_id: step.sourceId,
    status: 'running',
    new_id: prior?.new_id ?? step.targetId ?? null,
    new_url: prior?.new_url ?? null,
    state: prior?.state ?? null,
    error: null,
    duration_ms: 0,
    finished_at: null
  };
}

/** Why the step cannot run: a dependency failed, or was skipped because one of its own failed. */
function blockedBy(run: RestoreRun, step: PlanStep): string | undefined {
  const failed = step.dependsOn.find((d) => run.outcomes.get(d)?.status === 'failed');
  if (failed) return `depends on ${failed}, which failed`;
  const skipped = step.dependsOn.find((d) => run.outcomes.get(d)?.status === 'skipped' && run.outcomes.get(d)?.reason?.startsWith('depends on'));
  return skipped ? `depends on ${skipped}, which was skipped` : undefined;
}

/** Records a finished step: its row, its outcome for the steps that depend on it, the progress and the log. */
async function finishStep(run: RestoreRun, step: PlanStep, row: RestoreStepRow, end: { status: StepOutcome['status']; error: string | null; durationMs: number }): Promise<void> {
  const { input, progress } = run;
  row.status = end.status;
  row.error = end.error;
  row.duration_ms = end.durationMs;
  row.finished_at = input.clock().toISOString();
  await input.repository.putStep(row);
  run.outcomes.set(step.key, { status: end.status, ...(end.error ? { reason: end.error } : {}) });
  const logRow = toLogRow(row);
  run.rows.push(logRow);
  progress.stepsDone++;
  if (end.status === 'failed') progress.failed++;
  if (end.status === 'skipped') progress.skipped++;
  input.onProgress?.({ ...progress });
  await input.onStep?.(logRow, step);
}

async function restoreItem(ctx: StepContext, step: PlanStep): Promise<void> {
  const { store, content } = ctx.input;
  const stored = content.items.get(step.sourceId)!;
  // The plan decided whether this is a hosted layer of the organization; anything else is restored as an item only.
  const entry: ItemEntry = step.hosted || !stored.service ? stored : { ...stored, service: undefined };
  const item = await store.getJson<ItemJson>(entry.item!.hash);
  if (step.action === 'overwrite') await overwriteItem(ctx, step, entry, item);
  else if (step.recycleBin) await restoreFromBin(ctx, step, entry, item);
  else await createItem(ctx, step, entry, item);
}

function describe(error: unknown): string {
  const failure = toArcGISFailure(error);
  const message = error instanceof Error && failure.kind === 'unknown' ? error.message : failure.message;
  const details = failure.details.length > 0 ? ` (${failure.details.join('; ')})` : '';
  return `${message}${details}`;
}

/** Adds a finished step's results to the maps later steps rewrite with. */
function remember(step: PlanStep, row: RestoreStepRow, maps: StepContext['maps'], groups: Map<string, string>, folders: Map<string, string>, content: SnapshotContent): void {
  if (step.kind === 'group') {
    if (row.new_id) {
      groups.set(step.sourceId, row.new_id);
      if (row.new_id !== step.sourceId) maps.ids.set(step.sourceId, row.new_id);
    }
    return;
  }
  if (step.kind === 'folder') {
    if (row.new_id) folders.set(`${step.owner}/${step.title}`.toLowerCase(), row.new_id);
    return;
  }
  if (!row.new_id || row.new_id === step.sourceId) return;
  maps.ids.set(step.sourceId, row.new_id);
  const entry = content.items.get(step.sourceId);
  const oldUrl = step.hosted ? entry?.service?.url : undefined;
  if (oldUrl && row.new_url) mapServiceUrls(maps.urls, oldUrl, row.new_url, parseState(row.state).layerUrls ?? {});
}
