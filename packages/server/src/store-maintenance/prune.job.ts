/** The `prune` job: deletes stored content no snapshot references (a dry run only counts it). */
import { AppError } from '../errors/app-error.js';
import type { JobHandler, JobOutcome } from '../operations/job.types.js';
import { prune } from '../store/index.js';
import { STORE_JOB, storeJobInput, storeOf, type StoreJobDeps } from './store-job-support.js';

export function pruneJob(deps: StoreJobDeps): JobHandler<'prune'> {
  return {
    kind: 'prune',
    ...STORE_JOB,
    async validate(input, identityId) {
      const record = await storeJobInput(deps, input, identityId, ['dryRun']);
      if (record.dryRun !== undefined && typeof record.dryRun !== 'boolean') throw AppError.validation({ dryRun: 'dryRun is true or false.' });
      return record.dryRun ? { dryRun: true } : {};
    },
    // Prune deletes under an exclusive store lock and cannot be stopped half-way; a cancel takes effect when it ends.
    async run(ctx): Promise<JobOutcome> {
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
        result: { ...result }
      };
    }
  };
}
