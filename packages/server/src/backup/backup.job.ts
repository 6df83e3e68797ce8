/**
 * The `backup` job: runs the backup engine for an identity as an operation (progress, per-item log, cancel, resume),
 * then, when the params carry a retention policy (scheduled backups), forgets the snapshots it does not keep and
 * prunes their content. Other jobs that must back up first (fixes) run this same job as a child operation through
 * `backupBeforeChange()`.
 *
 * - One store-changing operation per identity at a time (key `store:<identityId>`); a second backup is refused.
 * - Resumable: the engine continues an interrupted run from its journal, so a resumed (or simply repeated) backup
 *   does not download again what the stopped one stored.
 */
import { AppError } from '../errors/app-error.js';
import type { ArcGISSessionFactory, IdentityRepository } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Logger } from '../logging/logger.js';
import { JobStopped, type JobContext, type JobHandler, type JobItemLog, type JobOutcome } from '../operations/job.types.js';
import type { ItemLogStatus, OperationView } from '../operations/operation.types.js';
import { type ForgetPolicy, type ItemEntry, type NeededBy, type PartProblem, StoreError, forget, listJournals, prune, readJournal } from '../store/index.js';
import { backupIdentity, storeKey } from './backup-identity.js';
import { validateBackupJobParams } from './backup-request.js';
import type { BackupRequest } from './backup-request.types.js';
import { runBackup } from './backup.engine.js';
import { describeNeed } from './item-dependencies.js';
import { entryParts, storeFailure, type SnapshotBrowser } from './snapshot-browser.service.js';
import type { BackupItemResult, BackupResult } from './backup.types.js';

export interface BackupJobDeps {
  identities: IdentityRepository;
  arcgisSessions: ArcGISSessionFactory;
  snapshots: SnapshotBrowser;
  logger: Logger;
  /** Items backed up at once when the params do not say (default: the engine's). */
  concurrency?: number;
}

/** What a backup operation's result holds (the CLI prints it; a fix reads the snapshot id). */
export interface BackupJobResult {
  snapshotId: string;
  name: string;
  snapshotStatus: BackupResult['status'];
  parent?: string;
  resumed: boolean;
  counts: BackupResult['counts'];
  bytesRead: number;
  newBytes: number;
  durationMs: number;
  /** Items taken along because chosen ones need them, and why (a backup of chosen items). */
  takenAlong: BackupResult['takenAlong'];
  problems: BackupResult['problems'];
  retention?: Record<string, unknown>;
}

class BackupFailed extends Error {}

export function backupJob(deps: BackupJobDeps): JobHandler<'backup'> {
  return {
    kind: 'backup',
    whenBusy: 'refuse',
    interrupted: { resumable: true, message: 'OrgKeeper stopped while this operation was running. Run it again: a backup continues where it stopped.' },
    exclusiveKey: (_params, identityId) => storeKey(identityId),

    async validate(input, identityId) {
      if (!identityId) throw new AppError('bad_request', 'A backup needs an identity.');
      const clean = validateBackupJobParams(input);
      const row = await deps.identities.findById(identityId);
      if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
      backupIdentity(row);
      // Getting a session reports missing or expired credentials now, as an error, rather than as a failed operation.
      await deps.arcgisSessions.sessionFor(identityId);
      return clean;
    },

    describeFailure: (error) => (error instanceof Error ? error.message : String(error)),

    async run(ctx): Promise<JobOutcome> {
      const row = await deps.identities.findById(ctx.identityId ?? '');
      if (!row) throw new BackupFailed('The identity was deleted; there is nothing to back up.');
      const identity = deps.snapshots.backupIdentity(row);
      const params = ctx.params;
      ctx.progress({ phase: 'starting', itemsTotal: 0, itemsDone: 0, bytesRead: 0, newBytes: 0 });
      let result: BackupResult;
      try {
        // The bound applies to requests in flight (the session's limiter) as well as to items worked on at once.
        const concurrency = params.concurrency ?? deps.concurrency;
        const session = await deps.arcgisSessions.sessionFor(row.id, { signal: ctx.signal, ...(concurrency ? { concurrency } : {}) });
        result = await runBackup({
          identity,
          session,
          signal: ctx.signal,
          onProgress: (p) => ctx.progress({ ...p }),
          ...(concurrency ? { concurrency } : {}),
          ...(params.name ? { name: params.name } : {}),
          ...(params.query ? { query: params.query } : {}),
          ...(params.items ? { itemIds: params.items } : {}),
          ...(params.withDependencies !== undefined ? { withDependencies: params.withDependencies } : {})
        });
      } catch (error) {
        const kept = await logJournaledItems(deps, ctx, row);
        const keptText = kept > 0 ? ` ${kept} items were stored before it stopped (see the log) and will not be downloaded again.` : '';
        if (ctx.signal.aborted) {
          const reason = ctx.signal.reason as string;
          throw new JobStopped(
            reason === 'cancelled' ? `Earlier backups are untouched; the next backup continues where this one stopped.${keptText}` : keptText.trim()
          );
        }
        throw new BackupFailed(`${failureMessage(row, error)}${keptText}`, { cause: error });
      }

      const { entries, indexWarning } = await indexNewSnapshot(deps, ctx, row, result.snapshotId);
      await ctx.setSnapshot(result.snapshotId);
      await ctx.logItems(result.items.map((item) => resultLogRow(item, entries.get(item.id))));
      const retention = params.retention ? await applyRetention(deps, row, params.retention, ctx) : undefined;
      return backupOutcome(result, indexWarning, retention);
    }
  };
}

/**
 * Indexes the snapshot just written and reads its item entries: the log's owner, modification date and parts come
 * from them (the run's result lacks them). A failure leaves the snapshot safe in the store; only the index lags.
 */
async function indexNewSnapshot(deps: BackupJobDeps, ctx: JobContext<'backup'>, row: IdentityRow, snapshotId: string) {
  const entries = new Map<string, ItemEntry>();
  try {
    const store = await deps.snapshots.openStore(row);
    if (store) {
      const manifest = await store.readSnapshot(snapshotId);
      for await (const item of store.readList(manifest, 'items')) entries.set(item.id, item);
      await deps.snapshots.indexSnapshot(row.id, store, manifest);
    }
    return { entries, indexWarning: undefined };
  } catch (error) {
    // The next listing or `store reindex` catches up.
    ctx.logger.warn({ err: error }, 'could not index the new snapshot');
    return { entries, indexWarning: 'The backup is stored, but it could not be added to the index; list the snapshots again or run `orgkeeper store reindex`.' };
  }
}

/** The operation's end: counts in words, and the result the CLI prints. */
function backupOutcome(result: BackupResult, indexWarning: string | undefined, retention: Awaited<ReturnType<typeof applyRetention>>): JobOutcome {
  const c = result.counts;
  const message =
    `${c.ok} items ok, ${c.skipped} skipped, ${c.failed} failed (${c.carriedOver} unchanged, carried over); ${c.groups} groups, ${c.users} users.` +
    (result.takenAlong.length > 0 ? ` ${result.takenAlong.length} items taken along because the chosen ones need them.` : '') +
    (result.problems.length > 0 ? ` ${result.problems.length} groups, users or items could not be read; see the log.` : '') +
    (indexWarning ? ` ${indexWarning}` : '') +
    (retention ? ` ${retention.message}` : '');
  const summary: BackupJobResult = {
    snapshotId: result.snapshotId,
    name: result.name,
    snapshotStatus: result.status,
    ...(result.parent ? { parent: result.parent } : {}),
    resumed: result.resumed,
    counts: result.counts,
    bytesRead: result.bytesRead,
    newBytes: result.newBytes,
    durationMs: result.durationMs,
    takenAlong: result.takenAlong,
    problems: result.problems,
    ...(retention ? { retention: retention.result } : {})
  };
  return { status: c.failed > 0 || retention?.failed ? 'partial' : 'succeeded', message, result: { ...summary } };
}

/**
 * A backup taken by another job before it changes the organization (a fix): this backup job, run as a child operation
 * of that job, so the snapshot has its own backup operation and log like every other. Returns the snapshot; throws
 * when the backup did not store everything asked for (the caller then changes nothing).
 */
export async function backupBeforeChange(ctx: JobContext, request: BackupRequest): Promise<{ snapshotId: string; operationId: string }> {
  const backup = await ctx.runChild('backup', request);
  const result = backup.result as Partial<BackupJobResult> | null;
  if (backup.status === 'succeeded' && typeof result?.snapshotId === 'string') return { snapshotId: result.snapshotId, operationId: backup.id };
  if (backup.status === 'partial') {
    throw new Error(`${result?.counts?.failed ?? 'Some'} of the items to change could not be backed up; the log of backup operation ${backup.id} says why.`);
  }
  throw new Error(`${backup.message ?? `The backup ended ${backup.status}.`} (backup operation ${backup.id})`);
}

/** The snapshot a finished backup operation wrote, if it wrote one. */
export function backupResultOf(operation: OperationView): BackupJobResult | undefined {
  const result = operation.result as Partial<BackupJobResult> | null;
  return typeof result?.snapshotId === 'string' ? (result as BackupJobResult) : undefined;
}

/** Forget what the policy does not keep, then prune; a failure here leaves the new backup intact (partial). */
async function applyRetention(deps: BackupJobDeps, row: IdentityRow, policy: ForgetPolicy, ctx: JobContext<'backup'>) {
  try {
    const store = await deps.snapshots.openStore(row);
    if (!store) return undefined;
    ctx.progress({ phase: 'retention' });
    const forgot = await forget(store, policy, {});
    const pruned = forgot.removed.length > 0 ? await prune(store, {}) : undefined;
    const errors = forgot.errors.length + (pruned?.errors.length ?? 0);
    // Keep the index in step with the store (listing drops the forgotten snapshots from it).
    if (forgot.removed.length > 0) await deps.snapshots.listSnapshots(row.id).catch(() => undefined);
    return {
      failed: errors > 0,
      message:
        `Retention: ${forgot.removed.length} older snapshots removed, ${forgot.keep.length} kept` +
        (pruned ? `, ${pruned.deletedBlobs} unreferenced blobs deleted.` : '.') +
        (errors > 0 ? ` ${errors} could not be removed; run \`orgkeeper forget\` and \`orgkeeper prune\` by hand.` : ''),
      result: { removed: forgot.removed, kept: forgot.keep.map((k) => k.id), deletedBlobs: pruned?.deletedBlobs ?? 0, bytesFreed: pruned?.bytesFreed ?? 0, errors }
    };
  } catch (error) {
    ctx.logger.warn({ err: error }, 'retention after the backup failed');
    return {
      failed: true,
      message: `The backup is stored, but applying the retention policy failed: ${error instanceof Error ? error.message : String(error)}.`,
      result: { error: error instanceof Error ? error.message : String(error) }
    };
  }
}

/**
 * After a run stopped early: its journal holds the items already stored (kept for the next run); they become the
 * operation's log, so the user sees how far it got. Returns how many.
 */
async function logJournaledItems(deps: BackupJobDeps, ctx: JobContext<'backup'>, row: IdentityRow): Promise<number> {
  try {
    const store = await deps.snapshots.openStore(row);
    if (!store) return 0;
    const journal = (await listJournals(store)).filter((j) => j.header?.operation === 'backup').pop();
    if (!journal) return 0;
    const contents = await readJournal<ItemEntry>(store, journal.runId);
    const rows: JobItemLog[] = [];
    for (const unit of contents?.units.values() ?? []) {
      const e = unit.data;
      if (!unit.key.startsWith('item:') || !e) continue;
      rows.push(
        logRow(
          {
            id: e.id,
            title: e.title,
            type: e.type,
            status: e.status,
            problems: e.problems ?? [],
            carriedOver: e.carriedFrom !== undefined,
            bytesRead: e.stats?.bytesRead ?? 0,
            newBytes: e.stats?.newBytesStored ?? 0,
            durationMs: e.stats?.durationMs ?? 0
          },
          e
        )
      );
    }
    await ctx.logItems(rows);
    return rows.length;
  } catch (error) {
    ctx.logger.warn({ err: error }, 'could not read the stopped backup’s journal for its log');
    return 0;
  }
}

interface ItemFigures {
  id: string;
  title: string;
  type: string;
  status: ItemLogStatus;
  problems: PartProblem[];
  carriedOver: boolean;
  bytesRead: number;
  newBytes: number;
  durationMs: number;
  /** Why a backup of chosen items took this one along. */
  neededBy?: NeededBy[];
}

/** The log row of an item of the run's result, with what its stored entry adds. */
function resultLogRow(item: BackupItemResult, stored: ItemEntry | undefined): JobItemLog {
  return logRow(
    {
      id: item.id,
      title: item.title || stored?.title || '',
      type: item.type || stored?.type || '',
      status: item.status,
      problems: item.problems.length > 0 ? item.problems : (stored?.problems ?? []),
      carriedOver: item.carriedOver,
      bytesRead: item.bytesRead,
      newBytes: item.newBytes,
      durationMs: item.durationMs,
      ...(item.neededBy ? { neededBy: item.neededBy } : {})
    },
    stored
  );
}

/** One per-item log row: the run's figures, with owner, modification date and parts from the stored entry. */
function logRow(item: ItemFigures, stored: ItemEntry | undefined): JobItemLog {
  return {
    itemId: item.id,
    title: item.title,
    type: item.type,
    owner: stored?.owner ?? '',
    modified: stored && stored.modified > 0 ? new Date(stored.modified).toISOString() : null,
    status: item.status,
    parts: stored ? entryParts(stored) : [],
    carriedOver: item.carriedOver,
    bytesRead: item.bytesRead,
    newBytes: item.newBytes,
    error: item.problems.length > 0 ? item.problems.map((p) => `${p.part}: ${p.reason}`).join('; ') : null,
    durationMs: item.durationMs,
    // The parts that could not be read, each with its status and reason (the CLI's summary, the log's detail), and
    // why the item was taken along ("service of survey ...").
    ...(item.problems.length > 0 || item.neededBy
      ? { details: { ...(item.problems.length > 0 ? { problems: item.problems } : {}), ...(item.neededBy ? { takenAlong: item.neededBy.map(describeNeed) } : {}) } }
      : {})
  };
}

function failureMessage(row: IdentityRow, error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof StoreError) {
    if (error.code === 'locked') return `${error.message} Wait for the other backup, check or prune of this store to finish, then start the backup again.`;
    return storeFailure(row, error).message;
  }
  return `The backup stopped: ${error instanceof Error ? error.message : String(error)}. Earlier backups are untouched; start it again to continue.`;
}
