import type { Kysely, Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { RestoreLogRow, RestoreParams, RestorePlan, StepAction, StepKind, StepStatus } from './restore.types.js';

export interface RestoreRunTable {
  operation_id: string;
  identity_id: string;
  target_identity_id: string;
  snapshot_id: string;
  params: string;
  plan: string;
  created_at: string;
  updated_at: string;
}

export interface RestoreStepTable {
  operation_id: string;
  step_key: string;
  seq: number;
  kind: StepKind;
  title: string;
  type: string;
  action: StepAction;
  old_id: string;
  status: StepStatus | 'running';
  new_id: string | null;
  new_url: string | null;
  state: string | null;
  error: string | null;
  duration_ms: number;
  finished_at: string | null;
}

// Type aliases (not interfaces) so they satisfy Kysely's Record constraint of withTables.
export type RestoreTables = {
  restore_runs: RestoreRunTable;
  restore_steps: RestoreStepTable;
};

export type RestoreStepRow = Selectable<RestoreStepTable>;

export interface StoredRun {
  operationId: string;
  identityId: string;
  targetIdentityId: string;
  params: RestoreParams;
  plan: RestorePlan;
}

/** The only code that reads and writes restore_runs and restore_steps. */
export class RestoreRepository {
  private readonly db: Kysely<Database & RestoreTables>;

  constructor(db: Db) {
    this.db = db.withTables<RestoreTables>();
  }

  async saveRun(run: StoredRun, now: string): Promise<void> {
    await this.db
      .insertInto('restore_runs')
      .values({
        operation_id: run.operationId,
        identity_id: run.identityId,
        target_identity_id: run.targetIdentityId,
        snapshot_id: run.plan.snapshotId,
        params: JSON.stringify(run.params),
        plan: JSON.stringify(run.plan),
        created_at: now,
        updated_at: now
      })
      .onConflict((oc) => oc.column('operation_id').doNothing())
      .execute();
  }

  async findRun(operationId: string): Promise<StoredRun | undefined> {
    const row = await this.db.selectFrom('restore_runs').selectAll().where('operation_id', '=', operationId).executeTakeFirst();
    if (!row) return undefined;
    return {
      operationId: row.operation_id,
      identityId: row.identity_id,
      targetIdentityId: row.target_identity_id,
      params: JSON.parse(row.params) as RestoreParams,
      plan: JSON.parse(row.plan) as RestorePlan
    };
  }

  async steps(operationId: string): Promise<RestoreStepRow[]> {
    return this.db.selectFrom('restore_steps').selectAll().where('operation_id', '=', operationId).orderBy('seq').execute();
  }

  /** Inserts or replaces one step's row. */
  async putStep(row: RestoreStepRow): Promise<void> {
    const { operation_id: _o, step_key: _k, ...changes } = row;
    await this.db
      .insertInto('restore_steps')
      .values(row)
      .onConflict((oc) => oc.columns(['operation_id', 'step_key']).doUpdateSet(changes))
      .execute();
  }

  async log(operationId: string): Promise<RestoreLogRow[]> {
    return (await this.steps(operationId)).map(toLogRow);
  }
}

export function toLogRow(row: RestoreStepRow): RestoreLogRow {
  return {
    key: row.step_key,
    kind: row.kind,
    title: row.title,
    type: row.type,
    action: row.action,
    oldId: row.old_id,
    newId: row.new_id,
    newUrl: row.new_url,
    // A step left `running` by a crash has not finished: it shows as failed until the restore is resumed.
    status: row.status === 'running' ? 'failed' : row.status,
    error: row.status === 'running' ? (row.error ?? 'Interrupted while running; resume the restore to finish it.') : row.error,
    durationMs: row.duration_ms,
    finishedAt: row.finished_at
  };
}
