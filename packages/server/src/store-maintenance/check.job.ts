/**
 * The `check` job: verifies an identity's backups (structure, and with `readData` a share of the content re-hashed),
 * logging one row per item that damaged content affects. It only reads, so a cancel stops waiting for it at once.
 */
import type { JobHandler, JobOutcome } from '../operations/job.types.js';
import { check, summarizeCheck } from '../store/index.js';
import { AppError } from '../errors/app-error.js';
import type { CheckJobParams } from './store-maintenance.types.js';
import { STORE_JOB, storeJobInput, storeOf, untilAborted, type StoreJobDeps } from './store-job-support.js';

export function checkJob(deps: StoreJobDeps): JobHandler<'check'> {
  return {
    kind: 'check',
    ...STORE_JOB,
    async validate(input, identityId) {
      const record = await storeJobInput(deps, input, identityId, ['readData']);
      const clean: CheckJobParams = {};
      if (record.readData !== undefined) {
        const value = record.readData;
        if (typeof value !== 'number' || !(value > 0 && value <= 100)) throw AppError.validation({ readData: 'readData is a percentage above 0 and at most 100.' });
        clean.readData = value;
      }
      return clean;
    },
    async run(ctx): Promise<JobOutcome> {
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
        result: { ...result }
      };
    }
  };
}
