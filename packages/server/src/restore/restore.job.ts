/**
 * The `restore` job: runs a restore as an operation (progress, per-step log, cancel, resume after a restart). The
 * work and its bookkeeping are RestoreService's; a resumed operation continues its stored plan, skipping the steps
 * already recorded as done.
 */
import { orgKey, RESUMABLE, type JobHandler, type JobOutcome } from '../operations/job.types.js';
import type { RestoreService } from './restore.service.js';

export function restoreJob(restores: RestoreService): JobHandler<'restore'> {
  return {
    kind: 'restore',
    interrupted: { ...RESUMABLE, resumePartial: true },
    whenBusy: 'queue',
    validate: (input, identityId) => restores.validate(input, identityId),
    // Two restores into the same organization at once would race on the same items and groups.
    exclusiveKey: (params, identityId) => `restore:${params.mode === 'clone' ? params.targetIdentityId : identityId}`,
    // Nor a restore and a fix (or undo) on one organization, whichever workers take them.
    alsoHolds: (params, identityId) => {
      const target = params.mode === 'clone' ? params.targetIdentityId : identityId;
      return target ? [orgKey(target)] : [];
    },
    async run(ctx): Promise<JobOutcome> {
      await ctx.setSnapshot(ctx.params.snapshotId);
      const { plan, result } = await restores.run({
        operationId: ctx.operationId,
        identityId: ctx.identityId!,
        params: ctx.params,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ ...p }),
        onStep: async (row, step) => {
          await ctx.logItems([
            {
              itemId: row.oldId || row.key,
              title: row.title,
              type: row.type,
              owner: step.owner,
              status: row.status,
              parts: [row.action, ...(row.newId && row.newId !== row.oldId ? [`new id ${row.newId}`] : [])],
              error: row.error,
              durationMs: row.durationMs
            }
          ]);
        }
      });
      const c = result.counts;
      const failedAll = c.failed > 0 && c.ok === 0;
      const what = `${plan.mode} restore of snapshot ${plan.snapshotId}: ${c.ok} steps done, ${c.skipped} skipped, ${c.failed} failed.`;
      return {
        status: c.failed === 0 ? 'succeeded' : failedAll ? 'failed' : 'partial',
        message: c.failed === 0 ? what : `${what} See the log for the reasons; run the restore again (resume) to retry the failed steps.`,
        result: { counts: c, mode: plan.mode, snapshotId: plan.snapshotId, targetIdentityId: plan.target.identityId, durationMs: result.durationMs }
      };
    },
    describeFailure: (error) => `The restore stopped: ${error instanceof Error ? error.message : String(error)}. Resume it to continue where it stopped.`
  };
}
