/**
 * The `backup` job: runs the backup engine for an identity as an operation (progress, per-item log, cancel, resume),
 * then, when the params carry a retention policy (scheduled backups), forgets the snapshots it does not keep and
 * prunes their content.
 *
 * - One store-changing operation per identity at a time (key `store:<identityId>`); a second backup is refused.
 * - Resumable: the engine continues an interrupted run from its journal, so a resumed (or simply repeated) backup
 *   does not download again what the stopped one stored.
 */
import { runBackup } from '../backup/backup.engine.js';
import { entryParts, storeFailure, type BackupService } from '../backup/backup.service.js';
import type { BackupIdentity, BackupResult } from '../backup/backup.types.js';
import { AppError } from '../errors/app-error.js';
import type { IdentitySessions } from '../identities/identity-sessions.js';
import type { IdentityRepository } from '../identities/identity.repository.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Logger } from '../logging/logger.js';
import { type ForgetPolicy, type ItemEntry, type PartProblem, StoreError, forget, listJournals, prune, readJournal, validatePolicy } from '../store/index.js';
import { JobStopped, type JobContext, type JobHandler, type JobItemLog, type JobOutcome } from './job.types.js';
import type { ItemLogStatus } from './operation.types.js';

export interface BackupJobParams extends Record<string, unknown> {
  name?: string;
  query?: string;
  items?: string[];
  /** Items backed up at once (1-64); default: the server's setting, else the engine's. */
  concurrency?: number;
  /** Applied after the backup (forget, then prune): what scheduled backups keep. */
  retention?: ForgetPolicy;
}

export interface BackupJobDeps {
  identities: IdentityRepository;
  sessions: IdentitySessions;
  backups: BackupService;
  logger: Logger;
  concurrency?: number;
}

/** The most requests one backup has in flight, and items it works on at once (the CLI's --concurrency has the same bound). */
export const MAX_CONCURRENCY = 64;

const KEEP_KEYS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** The exclusivity key of work that writes an identity's store (backup, prune, restore's pre-backup...). */
export const storeKey = (identityId: string | null) => (identityId ? `store:${identityId}` : undefined);

class BackupFailed extends Error {}

export function backupJob(deps: BackupJobDeps): JobHandler<BackupJobParams> {
  return {
    kind: 'backup',
    whenBusy: 'refuse',
    resumable: true,
    exclusiveKey: (_params, identityId) => storeKey(identityId),

    async validate(params, identityId) {
      if (!identityId) throw new AppError('bad_request', 'A backup needs an identity.');
      const clean = validateBackupParams(params);
      const row = await deps.identities.findById(identityId);
      if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
      backupIdentity(row);
      // Getting a session reports missing or expired credentials now, as an error, rather than as a failed operation.
      await deps.sessions.sessionFor(identityId);
      return clean;
    },

    describeFailure: (error) => (error instanceof Error ? error.message : String(error)),

    async run(ctx: JobContext & { params: BackupJobParams }): Promise<JobOutcome> {
      const row = await deps.identities.findById(ctx.identityId ?? '');
      if (!row) throw new BackupFailed('The identity was deleted; there is nothing to back up.');
      const identity = backupIdentity(row);
      const params = ctx.params;
      ctx.progress({ phase: 'starting', itemsTotal: 0, itemsDone: 0, bytesRead: 0, newBytes: 0 });
      let result: BackupResult;
      try {
        // The bound applies to requests in flight (the session's limiter) as well as to items worked on at once.
        const concurrency = params.concurrency ?? deps.concurrency;
        const session = await deps.sessions.sessionFor(row.id, { signal: ctx.signal, ...(concurrency ? { concurrency } : {}) });
        result = await runBackup({
          identity,
          session,
          signal: ctx.signal,
          onProgress: (p) => ctx.progress({ ...p }),
          ...(concurrency ? { concurrency } : {}),
          ...(params.name ? { name: params.name } : {}),
          ...(params.query ? { query: params.query } : {}),
          ...(params.items ? { itemIds: params.items } : {})
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

      // The log's owner, modification date and parts come from the snapshot just written (the run result lacks them).
      const entries = new Map<string, ItemEntry>();
      let indexWarning: string | undefined;
      try {
        const store = await deps.backups.openStore(row);
        if (store) {
          const manifest = await store.readSnapshot(result.snapshotId);
          for await (const item of store.readList(manifest, 'items')) entries.set(item.id, item);
          await deps.backups.indexSnapshot(row.id, store, manifest);
        }
      } catch (error) {
        // The snapshot is safe in the store; only the index lags, and the next listing or `store reindex` catches up.
        indexWarning = 'The backup is stored, but it could not be added to the index; list the snapshots again or run `orgkeeper store reindex`.';
        ctx.logger.warn({ err: error }, 'could not index the new snapshot');
      }
      await ctx.setSnapshot(result.snapshotId);
      await ctx.logItems(
        result.items.map((item) => {
          const stored = entries.get(item.id);
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
              durationMs: item.durationMs
            },
            stored
          );
        })
      );

      const retention = params.retention ? await applyRetention(deps, row, params.retention, ctx) : undefined;
      const c = result.counts;
      const message =
        `${c.ok} items ok, ${c.skipped} skipped, ${c.failed} failed (${c.carriedOver} unchanged, carried over); ${c.groups} groups, ${c.users} users.` +
        (result.problems.length > 0 ? ` ${result.problems.length} groups, users or items could not be read; see the log.` : '') +
        (indexWarning ? ` ${indexWarning}` : '') +
        (retention ? ` ${retention.message}` : '');
      return {
        status: c.failed > 0 || retention?.failed ? 'partial' : 'succeeded',
        message,
        result: {
          snapshotId: result.snapshotId,
          name: result.name,
          snapshotStatus: result.status,
          ...(result.parent ? { parent: result.parent } : {}),
          resumed: result.resumed,
          counts: result.counts,
          bytesRead: result.bytesRead,
          newBytes: result.newBytes,
          durationMs: result.durationMs,
          problems: result.problems,
          ...(retention ? { retention: retention.result } : {})
        }
      };
    }
  };
}

/** Forget what the policy does not keep, then prune; a failure here leaves the new backup intact (partial). */
async function applyRetention(deps: BackupJobDeps, row: IdentityRow, policy: ForgetPolicy, ctx: JobContext) {
  try {
    const store = await deps.backups.openStore(row);
    if (!store) return undefined;
    ctx.progress({ phase: 'retention' });
    const forgot = await forget(store, policy, {});
    const pruned = forgot.removed.length > 0 ? await prune(store, {}) : undefined;
    const errors = forgot.errors.length + (pruned?.errors.length ?? 0);
    // Keep the index in step with the store (listing drops the forgotten snapshots from it).
    if (forgot.removed.length > 0) await deps.backups.listSnapshots(row.id).catch(() => undefined);
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
async function logJournaledItems(deps: BackupJobDeps, ctx: JobContext, row: IdentityRow): Promise<number> {
  try {
    const store = await deps.backups.openStore(row);
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

export function validateBackupParams(input: unknown): BackupJobParams {
  const params = (input ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const clean: BackupJobParams = {};
  const known = new Set(['name', 'query', 'items', 'concurrency', 'retention']);
  for (const key of Object.keys(params)) if (!known.has(key)) fields[key] = `Unknown backup option "${key}" (known: ${[...known].join(', ')}).`;
  if (params.name !== undefined) {
    const name = typeof params.name === 'string' ? params.name.trim() : '';
    if (typeof params.name !== 'string') fields.name = 'The backup name must be text.';
    else if (name === '') fields.name = 'The backup name is empty; leave it out to use the default (identity name and time).';
    else if ([...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) fields.name = 'The backup name may not contain control characters.';
    else if (name.length > 500) fields.name = 'The backup name is longer than 500 characters.';
    else clean.name = name;
  }
  if (params.query !== undefined) {
    const query = typeof params.query === 'string' ? params.query.trim() : '';
    if (query === '') fields.query = 'The search query is empty; leave it out to back up every item.';
    else clean.query = query;
  }
  if (params.items !== undefined) {
    const list = Array.isArray(params.items) ? params.items : [];
    const ids = [...new Set(list.map((id) => String(id).trim()))];
    const bad = ids.find((id) => !/^[0-9a-zA-Z]{1,64}$/.test(id));
    if (ids.length === 0) fields.items = 'Give at least one item id, or leave items out to back up every item.';
    else if (bad !== undefined) fields.items = `"${bad}" is not an ArcGIS item id (letters and digits, e.g. 9f86d081884c7d659a2feaa0c55ad015).`;
    else clean.items = ids;
    if (params.query !== undefined) fields.items = 'Give either a search query or item ids, not both.';
  }
  if (params.concurrency !== undefined && params.concurrency !== null) {
    const n = params.concurrency;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) fields.concurrency = `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (requests in flight at once).`;
    else clean.concurrency = n;
  }
  if (params.retention !== undefined && params.retention !== null) {
    const r = params.retention as Record<string, unknown>;
    const policy: ForgetPolicy = {};
    if (typeof r !== 'object' || Array.isArray(r)) fields.retention = 'The retention policy must be an object such as { "keepDaily": 7, "keepWeekly": 4 }.';
    else {
      for (const key of Object.keys(r)) {
        if (!(KEEP_KEYS as readonly string[]).includes(key)) fields.retention = `Unknown retention rule "${key}" (known: ${KEEP_KEYS.join(', ')}).`;
      }
      for (const key of KEEP_KEYS) {
        const value = r[key];
        if (value === undefined || value === null) continue;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) fields.retention = `${key} must be a whole number from 0 to 10000.`;
        else policy[key] = value;
      }
      if (!fields.retention) {
        try {
          validatePolicy(policy);
          clean.retention = policy;
        } catch (error) {
          fields.retention = error instanceof Error ? error.message : String(error);
        }
      }
    }
  }
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return clean;
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
    // The parts that could not be read, each with its status and reason (the CLI's summary, the log's detail).
    ...(item.problems.length > 0 ? { details: { problems: item.problems } } : {})
  };
}

export function backupIdentity(row: IdentityRow): BackupIdentity {
  if (!row.org_id) {
    throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first, then start the backup.`);
  }
  return { id: row.id, name: row.name, fileLocation: row.file_location, orgId: row.org_id, portalUrl: row.portal_url, portalName: row.portal_name };
}

function failureMessage(row: IdentityRow, error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof StoreError) {
    if (error.code === 'locked') return `${error.message} Wait for the other backup, check or prune of this store to finish, then start the backup again.`;
    return storeFailure(row, error).message;
  }
  return `The backup stopped: ${error instanceof Error ? error.message : String(error)}. Earlier backups are untouched; start it again to continue.`;
}
