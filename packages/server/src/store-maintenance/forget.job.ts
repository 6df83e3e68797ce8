/**
 * The `forget` job: removes the snapshots a retention policy does not keep (their content stays until a prune), and
 * brings the snapshot index in line. The log has a row per snapshot removed or that could not be.
 */
import type { SnapshotBrowser } from '../backup/index.js';
import { AppError } from '../errors/app-error.js';
import type { JobHandler, JobOutcome } from '../operations/job.types.js';
import { forget, parsePolicy } from '../store/index.js';
import type { ForgetJobParams } from './store-maintenance.types.js';
import { STORE_JOB, storeJobInput, storeOf, type StoreJobDeps } from './store-job-support.js';

export interface ForgetJobDeps extends StoreJobDeps {
  snapshots: SnapshotBrowser;
}

export function forgetJob(deps: ForgetJobDeps): JobHandler<'forget'> {
  return {
    kind: 'forget',
    ...STORE_JOB,
    async validate(input, identityId) {
      const record = await storeJobInput(deps, input, identityId, ['policy', 'dryRun', 'timeZone']);
      const fields: Record<string, string> = {};
      const parsed = parsePolicy(record.policy ?? {});
      if ('problem' in parsed) fields.policy = parsed.problem;
      if (record.dryRun !== undefined && typeof record.dryRun !== 'boolean') fields.dryRun = 'dryRun is true or false.';
      if (record.timeZone !== undefined && record.timeZone !== 'local' && record.timeZone !== 'UTC') fields.timeZone = 'timeZone is "local" (this server\'s) or "UTC".';
      if ('problem' in parsed || Object.keys(fields).length > 0) throw AppError.validation(fields);
      const clean: ForgetJobParams = { policy: parsed.policy };
      if (record.dryRun === true) clean.dryRun = true;
      if (record.timeZone === 'UTC') clean.timeZone = 'UTC';
      return clean;
    },
    // Forget removes snapshots one by one under the store's write lock; a cancel takes effect when it ends.
    async run(ctx): Promise<JobOutcome> {
      const { store, row } = await storeOf(deps, ctx.identityId);
      const result = await forget(store, ctx.params.policy, { dryRun: ctx.params.dryRun === true, timeZone: ctx.params.timeZone ?? 'local' });
      const names = new Map(result.remove.map((r) => [r.id, r]));
      await ctx.logItems([
        ...result.removed.map((id) => ({ itemId: id, title: names.get(id)?.name ?? '', status: 'ok' as const, action: 'forget', details: { startedAt: names.get(id)?.startedAt ?? null } })),
        ...result.errors.map((e) => ({ itemId: e.id, title: names.get(e.id)?.name ?? '', status: 'failed' as const, action: 'forget', error: e.error }))
      ]);
      // The index drops the forgotten snapshots when it is listed against the store.
      if (result.removed.length > 0) await deps.snapshots.listSnapshots(row.id).catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not update the snapshot index'));
      const total = result.keep.length + result.remove.length;
      const message = result.dryRun
        ? `Dry run: ${result.remove.length} of ${total} snapshots would be removed.`
        : `Removed ${result.removed.length} of ${total} snapshots (${result.keep.length} kept); a prune frees their space.` +
          (result.errors.length > 0 ? ` ${result.errors.length} could not be removed; run forget again.` : '');
      return { status: result.errors.length > 0 ? 'partial' : 'succeeded', message, result: { ...result } };
    }
  };
}
