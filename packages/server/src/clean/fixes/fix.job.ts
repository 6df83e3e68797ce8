/**
 * The `fix` and `undo` jobs: a fix on findings, and its undo, run as operations (progress, per-finding log, cancel).
 * The work is in FixService; these handlers are how the job system reaches it.
 *
 * - A fix takes a backup first (the backup job, as its child operation), so it shares the store's exclusivity key with
 *   backups and prunes (`store:<id>`) and waits in the queue while one of them runs.
 * - Both change the organization, so they hold its `org:<id>` key as restores do: a fix, an undo and a restore of one
 *   organization never run at the same time (the later one waits in the queue).
 * - Neither is resumable: a fix stopped halfway has its results recorded; Undo reverts what it did, and running the
 *   fix again plans afresh from the organization's state.
 */
import { storeKey } from '../../backup/index.js';
import { orgKey, RUN_AGAIN, type JobHandler } from '../../operations/job.types.js';
import type { FixService } from './fix.service.js';

export function fixJob(service: FixService): JobHandler<'fix'> {
  return {
    kind: 'fix',
    whenBusy: 'queue',
    interrupted: RUN_AGAIN,
    exclusiveKey: (_params, identityId) => storeKey(identityId),
    alsoHolds: (_params, identityId) => (identityId ? [orgKey(identityId)] : []),
    validate: (input, identityId) => service.validateFix(input, identityId),
    run: (ctx) => service.runFix(ctx),
    describeFailure: (error) => (error instanceof Error ? error.message : String(error))
  };
}

export function undoJob(service: FixService): JobHandler<'undo'> {
  return {
    kind: 'undo',
    whenBusy: 'refuse',
    interrupted: RUN_AGAIN,
    exclusiveKey: (params) => `fix-undo:${params.fixId}`,
    alsoHolds: (_params, identityId) => (identityId ? [orgKey(identityId)] : []),
    validate: (input, identityId) => service.validateUndo(input, identityId),
    run: (ctx) => service.runUndo(ctx),
    describeFailure: (error) => (error instanceof Error ? error.message : String(error))
  };
}
