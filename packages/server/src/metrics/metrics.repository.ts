import type { Kysely } from 'kysely';
import type { SnapshotIndexTables } from '../backup/index.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { IdentityTables } from '../identities/identity.types.js';
import type { OperationTables } from '../operations/operation.types.js';

export interface IdentityBackupState {
  id: string;
  name: string;
  type: string;
  /** When the newest complete snapshot finished (ISO), or null when there is none. */
  lastCompleteAt: string | null;
  /** Failed items of the newest snapshot, complete or partial; null without any snapshot. */
  lastFailedItems: number | null;
}

/**
 * What /metrics reads from the database (so every process on one database answers the same): each identity's backup
 * state from the snapshot index, and how many operations wait or run.
 */
export class MetricsRepository {
  private readonly db: Kysely<Database & IdentityTables & SnapshotIndexTables & OperationTables>;

  constructor(db: Db) {
    this.db = db.withTables<IdentityTables & SnapshotIndexTables & OperationTables>();
  }

  async identityBackups(): Promise<IdentityBackupState[]> {
    const identities = await this.db.selectFrom('identities').select(['id', 'name', 'type']).orderBy('name_key').execute();
    const complete = await this.db
      .selectFrom('snapshot_index')
      .select((eb) => ['identity_id', eb.fn.max('finished_at').as('last')])
      .where('status', '=', 'complete')
      .groupBy('identity_id')
      .execute();
    // The newest snapshot of each identity (by finish time, then id for a tie).
    const newest = await this.db
      .selectFrom('snapshot_index as s')
      .select(['s.identity_id', 's.items_failed', 's.finished_at', 's.snapshot_id'])
      .where((eb) =>
        eb(
          's.finished_at',
          '=',
          eb
            .selectFrom('snapshot_index as t')
            .select((t) => t.fn.max('t.finished_at').as('m'))
            .whereRef('t.identity_id', '=', 's.identity_id')
        )
      )
      .orderBy('s.snapshot_id', 'desc')
      .execute();
    const lastComplete = new Map(complete.map((r) => [r.identity_id, r.last as string | null]));
    const failed = new Map<string, number>();
    for (const row of newest) if (!failed.has(row.identity_id)) failed.set(row.identity_id, Number(row.items_failed));
    return identities.map((identity) => ({
      id: identity.id,
      name: identity.name,
      type: identity.type,
      lastCompleteAt: lastComplete.get(identity.id) ?? null,
      lastFailedItems: failed.get(identity.id) ?? null
    }));
  }

  /** Operations queued and running now, over every process. */
  async activeOperations(): Promise<{ queued: number; running: number }> {
    const rows = await this.db
      .selectFrom('operations')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['queued', 'running'])
      .groupBy('status')
      .execute();
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { queued: count('queued'), running: count('running') };
  }
}
