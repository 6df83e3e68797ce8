/**
 * The job kinds of this OrgKeeper and the params each one runs with: the one catalogue the job runner (operations/),
 * routes, the CLI and schedules are typed by. The runner knows no kind itself; each feature writes its handler
 * (`<feature>/<kind>.job.ts`) and services.ts registers them all, checking at start-up that every kind listed here has
 * exactly one. To add a kind: add it here (params type and JOB_KINDS), write its handler, register it in services.ts.
 *
 * Types only, from Node-free `*.types.ts` files: the web app imports the kinds through operations/operation.types.ts.
 */
import type { BackupJobParams } from './backup/backup-request.types.js';
import type { ScanJobParams } from './clean/clean.types.js';
import type { FixRequest, UndoRequest } from './clean/fixes/fix.types.js';
import type { RestoreParams } from './restore/restore.types.js';
import type { CheckJobParams, ForgetJobParams, PruneJobParams } from './store-maintenance/store-maintenance.types.js';

export interface JobParamsByKind {
  backup: BackupJobParams;
  check: CheckJobParams;
  forget: ForgetJobParams;
  prune: PruneJobParams;
  restore: RestoreParams;
  scan: ScanJobParams;
  fix: FixRequest;
  undo: UndoRequest;
}

export type JobKind = keyof JobParamsByKind;

/** Every kind, in the order lists show them. */
export const JOB_KINDS = ['backup', 'check', 'forget', 'prune', 'restore', 'scan', 'fix', 'undo'] as const satisfies readonly JobKind[];

// A compile error here means a kind of JobParamsByKind is missing from JOB_KINDS.
const everyKindListed: [Exclude<JobKind, (typeof JOB_KINDS)[number]>] extends [never] ? true : false = true;
void everyKindListed;
