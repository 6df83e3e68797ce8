/**
 * `check` and `prune` as operations: verify an identity's backups, and delete content no snapshot references. Both
 * share the store's exclusivity key with backups (`store:<identityId>`) and wait in the queue while one runs, rather
 * than failing on the store lock.
 */
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository } from '../identities/identity.repository.js';
import { check, openStore, prune, summarizeCheck, type Store } from '../store/index.js';
import { backupIdentity, storeKey } from './backup.job.js';
import type { JobContext, JobHandler, JobOutcome } from './job.types.js';

export interface CheckJobParams extends Record<string, unknown> {
  /** Percentage (0-100] of stored content to re-read and re-hash; absent: structure only. */
  readData?: number;
}

export interface PruneJobParams extends Record<string, unknown> {
  dryRun?: boolean;
}

interface StoreJobDeps {
  identities: IdentityRepository;
}

async function storeOf(deps: StoreJobDeps, identityId: string | null): Promise<{ store: Store; name: string }> {
  const row = await deps.identities.findById(identityId ?? '');
  if (!row) throw new AppError('not_found', 'The identity was deleted.');
  const identity = backupIdentity(row);
  return { store: await openStore(identity.fileLocation, { expectOrgId: identity.orgId }), name: row.name };
}

function onlyKeys(params: unknown, known: string[]): Record<string, unknown> {
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw AppError.validation({ params: 'The options must be an object.' });
  }
  const record = (params ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw AppError.validation(Object.fromEntries(unknown.map((k) => [k, `Unknown option "${k}" (known: ${known.join(', ') || 'none'}).`])));
  return record;
}

async function requireIdentity(deps: StoreJobDeps, identityId: string | null): Promise<void> {
  if (!identityId) throw new AppError('bad_request', 'This operation needs an identity.');
  const row = await deps.identities.findById(identityId);
  if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
  backupIdentity(row);
}

/** Stops waiting for work that cannot be interrupted when the operation is cancelled (it only reads the store). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('stopped'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function checkJob(deps: StoreJobDeps): JobHandler<CheckJobParams> {
  return {
    kind: 'check',
    whenBusy: 'queue',
    exclusiveKey: (_p, identityId) => storeKey(identityId),
    async validate(params, identityId) {
      const record = onlyKeys(params, ['readData']);
      await requireIdentity(deps, identityId);
      const clean: CheckJobParams = {};
      if (record.readData !== undefined) {
        const value = record.readData;
        if (typeof value !== 'number' || !(value > 0 && value <= 100)) throw AppError.validation({ readData: 'readData is a percentage above 0 and at most 100.' });
        clean.readData = value;
      }
      return clean;
    },
    async run(ctx: JobContext & { params: CheckJobParams }): Promise<JobOutcome> {
      const { store } = await storeOf(deps, ctx.identityId);
      const result = await untilAborted(
        check(store, {
          ...(ctx.params.readData !== undefined ? { readData: ctx.params.readData } : {}),
          onProgress: (p) => ctx.progress({ phase: p.phase, done: p.done, total: p.total })
        }),
        ctx.signal
      );
      // One log row per affected item, so the log says exactly what a damaged blob costs.
      const rows = new Map<string, { title: string; parts: Set<string>; snapshots: Set<string> }>();
      for (const problem of result.problems) {
        for (const snapshot of problem.affects) {
          for (const item of snapshot.items) {
            const row = rows.get(item.id) ?? { title: item.title, parts: new Set<string>(), snapshots: new Set<string>() };
            for (const part of item.parts) row.parts.add(part);
            row.snapshots.add(snapshot.snapshotId);
            rows.set(item.id, row);
          }
        }
      }
      await ctx.logItems(
        [...rows].map(([itemId, r]) => ({
          itemId,
          title: r.title,
          status: 'failed' as const,
          parts: [...r.parts],
          error: `Stored content is missing or damaged in ${r.snapshots.size} snapshot(s).`,
          details: { snapshots: [...r.snapshots] }
        }))
      );
      const summary = summarizeCheck(result);
      return {
        status: result.ok ? 'succeeded' : 'failed',
        message: result.ok ? summary : `${summary} Run a new backup to store the damaged items again; see the log for the affected items.`,
        result: result as unknown as Record<string, unknown>
      };
    }
  };
}

export function pruneJob(deps: StoreJobDeps): JobHandler<PruneJobParams> {
  return {
    kind: 'prune',
    whenBusy: 'queue',
    exclusiveKey: (_p, identityId) => storeKey(identityId),
    async validate(params, identityId) {
      const record = onlyKeys(params, ['dryRun']);
      await requireIdentity(deps, identityId);
      if (record.dryRun !== undefined && typeof record.dryRun !== 'boolean') throw AppError.validation({ dryRun: 'dryRun is true or false.' });
      return record.dryRun ? { dryRun: true } : {};
    },
    // Prune deletes under an exclusive store lock and cannot be stopped half-way; a cancel takes effect when it ends.
    async run(ctx: JobContext & { params: PruneJobParams }): Promise<JobOutcome> {
      const { store } = await storeOf(deps, ctx.identityId);
      const result = await prune(store, { dryRun: ctx.params.dryRun === true, onProgress: (p) => ctx.progress({ phase: p.phase, done: p.done, total: p.total }) });
      const verb = result.dryRun ? 'would be deleted' : 'deleted';
      const mib = (result.bytesFreed / 1024 / 1024).toFixed(1);
      return {
        status: result.errors.length > 0 ? 'partial' : 'succeeded',
        message:
          `${result.unreferencedBlobs} unreferenced blobs, ${result.dryRun ? result.unreferencedBlobs : result.deletedBlobs} ${verb} (${mib} MiB); ` +
          `${result.protectedByJournals} kept for interrupted backups.` +
          (result.errors.length > 0 ? ` ${result.errors.length} could not be deleted; run prune again.` : ''),
        result: result as unknown as Record<string, unknown>
      };
    }
  };
}
