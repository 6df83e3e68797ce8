/**
 * The `fix` and `undo` jobs: a fix on findings, and its undo, run as operations (progress, per-finding log, cancel).
 * The work is in FixService; these handlers are how the job system reaches it.
 *
 * - A fix takes a backup first, so it shares the store's exclusivity key with backups and prunes (`store:<id>`) and
 *   waits in the queue while one of them runs.
 * - Neither is resumable: a fix stopped halfway has its results recorded; Undo reverts what it did, and running the
 *   fix again plans afresh from the organization's state.
 */
import { storeKey } from '../../operations/backup.job.js';
import type { JobHandler } from '../../operations/job.types.js';
import type { FixService } from './fix.service.js';
import type { FixRequest } from './fix.types.js';

type FixJobParams = FixRequest & Record<string, unknown>;
type UndoJobParams = { fixId: string } & Record<string, unknown>;

export function fixJob(service: FixService): JobHandler<FixJobParams> {
  return {
    kind: 'fix',
    whenBusy: 'queue',
    resumable: false,
    exclusiveKey: (_params, identityId) => storeKey(identityId),
    validate: async (params, identityId) => (await service.validateFix(params, identityId)) as FixJobParams,
    run: (ctx) => service.runFix(ctx),
    describeFailure: (error) => (error instanceof Error ? error.message : String(error))
  };
}

export function undoJob(service: FixService): JobHandler<UndoJobParams> {
  return {
    kind: 'undo',
    whenBusy: 'refuse',
    resumable: false,
    exclusiveKey: (params) => `fix-undo:${params.fixId}`,
    validate: async (params, identityId) => (await service.validateUndo(params, identityId)) as UndoJobParams,
    run: (ctx) => service.runUndo(ctx),
    describeFailure: (error) => (error instanceof Error ? error.message : String(error))
  };
}
