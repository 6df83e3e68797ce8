import type { Db } from '../db/database.js';
import type { AuditEventRow } from '../db/schema.js';

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(row: AuditEventRow): Promise<void> {
    await this.db.insertInto('audit_events').values(row).execute();
  }

  findById(id: string): Promise<AuditEventRow | undefined> {
    return this.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `before` continues after that event (ordered by time, then id). */
  list(options: { limit: number; before?: { occurredAt: string; id: string } }): Promise<AuditEventRow[]> {
    let query = this.db.selectFrom('audit_events').selectAll();
    const before = options.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('occurred_at', '<', before.occurredAt),
          eb.and([eb('occurred_at', '=', before.occurredAt), eb('id', '<', before.id)])
        ])
      );
    }
    return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  }
}
