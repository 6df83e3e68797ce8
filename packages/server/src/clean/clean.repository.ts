import { sql, type Kysely, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';
import type { Finding, ScanType } from './clean.types.js';

export interface CleanScanTable {
  id: string;
  identity_id: string;
  operation_id: string | null;
  scan_type: ScanType;
  options: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  message: string | null;
  summary: string | null;
  findings: number;
  allowlisted: number;
  requests: number;
  created_by: string;
  started_at: string;
  finished_at: string | null;
}

export interface CleanFindingTable {
  id: string;
  scan_id: string;
  finding_key: string;
  scan_type: ScanType;
  code: string;
  severity: Finding['severity'];
  target_kind: Finding['target']['kind'];
  target_id: string;
  target_title: string;
  target_title_key: string;
  target_type: string | null;
  target_owner: string | null;
  target_folder_id: string | null;
  portal_url: string | null;
  message: string;
  where_text: string | null;
  details: string;
}

export interface CleanAllowlistTable {
  id: string;
  identity_id: string;
  scan_type: ScanType;
  finding_key: string | null;
  target_kind: Finding['target']['kind'] | null;
  target_id: string | null;
  code: string | null;
  target_title: string | null;
  reason: string;
  added_by: string;
  added_at: string;
}

export interface CleanViewCountTable {
  identity_id: string;
  item_id: string;
  num_views: number;
  since: string;
  own_reads: number;
}

// Type aliases (not interfaces) so they satisfy Kysely's Record constraint of withTables.
export type CleanTables = {
  clean_scans: CleanScanTable;
  clean_findings: CleanFindingTable;
  clean_allowlist: CleanAllowlistTable;
  clean_view_counts: CleanViewCountTable;
};

export type CleanScanRow = Selectable<CleanScanTable>;
export type CleanFindingRow = Selectable<CleanFindingTable>;
export type CleanAllowlistRow = Selectable<CleanAllowlistTable>;

export type FindingSortField = 'title' | 'owner' | 'code' | 'severity' | 'type' | 'target';

export interface FindingQuery {
  code?: string;
  severity?: Finding['severity'];
  targetKind?: Finding['target']['kind'];
  owner?: string;
  type?: string;
  /** Case-insensitive text in the title, target id or message. */
  q?: string;
  sort: FindingSortField;
  order: 'asc' | 'desc';
  start: number;
  num: number;
}

/** SQLite limits bound parameters per statement; rows are inserted in batches below that. */
const INSERT_BATCH = 100;

const SORT_COLUMNS: Record<FindingSortField, keyof CleanFindingTable> = {
  title: 'target_title_key',
  owner: 'target_owner',
  code: 'code',
  severity: 'severity',
  type: 'target_type',
  target: 'target_id'
};

const viewCountsLock = (identityId: string) => `clean-view-counts:${identityId}`;

/** The only code that reads and writes the clean_* tables. */
export class CleanRepository {
  private readonly db: Kysely<Database & CleanTables>;

  constructor(db: Db) {
    this.db = db.withTables<CleanTables>();
  }

  async insertScan(row: CleanScanRow): Promise<void> {
    await this.db.insertInto('clean_scans').values(row).execute();
  }

  async updateScan(id: string, changes: Partial<Omit<CleanScanRow, 'id'>>): Promise<void> {
    await this.db.updateTable('clean_scans').set(changes).where('id', '=', id).execute();
  }

  /**
   * Marks scans of this identity and type still `running` (except one) as failed: scans of one identity and type never
   * run at the same time (the scan job's exclusivity key), so those were cut off by a stop or crash.
   */
  async failRunning(identityId: string, type: ScanType, exceptId: string, message: string, now: string): Promise<void> {
    await this.db
      .updateTable('clean_scans')
      .set({ status: 'failed', message, finished_at: now })
      .where('identity_id', '=', identityId)
      .where('scan_type', '=', type)
      .where('status', '=', 'running')
      .where('id', '!=', exceptId)
      .execute();
  }

  findScan(id: string): Promise<CleanScanRow | undefined> {
    return this.db.selectFrom('clean_scans').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findScanByOperation(operationId: string): Promise<CleanScanRow | undefined> {
    return this.db.selectFrom('clean_scans').selectAll().where('operation_id', '=', operationId).executeTakeFirst();
  }

  listScans(filter: { identityId: string; type?: ScanType; limit: number; before?: string }): Promise<CleanScanRow[]> {
    let query = this.db.selectFrom('clean_scans').selectAll().where('identity_id', '=', filter.identityId);
    if (filter.type) query = query.where('scan_type', '=', filter.type);
    if (filter.before) query = query.where('started_at', '<', filter.before);
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Stores a scan's findings and marks it finished, in one transaction (a scan is never half-stored). */
  async finishScan(scanId: string, findings: CleanFindingRow[], changes: Partial<Omit<CleanScanRow, 'id'>>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < findings.length; i += INSERT_BATCH) {
        await trx.insertInto('clean_findings').values(findings.slice(i, i + INSERT_BATCH)).execute();
      }
      await trx.updateTable('clean_scans').set(changes).where('id', '=', scanId).execute();
    });
  }

  async queryFindings(scanId: string, query: FindingQuery): Promise<{ total: number; rows: CleanFindingRow[] }> {
    let base = this.db.selectFrom('clean_findings').where('scan_id', '=', scanId);
    if (query.code) base = base.where('code', '=', query.code);
    if (query.severity) base = base.where('severity', '=', query.severity);
    if (query.targetKind) base = base.where('target_kind', '=', query.targetKind);
    if (query.owner) base = base.where('target_owner', '=', query.owner);
    if (query.type) base = base.where('target_type', '=', query.type);
    if (query.q) {
      const like = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // ESCAPE works the same on SQLite and PostgreSQL; the user's % and _ are matched literally.
      base = base.where(
        sql<boolean>`(target_title_key like ${like} escape '\\' or lower(target_id) like ${like} escape '\\' or lower(message) like ${like} escape '\\')`
      );
    }
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const column = SORT_COLUMNS[query.sort];
    const rows = await base
      .selectAll()
      .orderBy(column, query.order)
      .orderBy('finding_key', 'asc')
      .offset(query.start - 1)
      .limit(query.num)
      .execute();
    return { total: Number(count?.n ?? 0), rows };
  }

  allFindings(scanId: string): Promise<CleanFindingRow[]> {
    return this.db.selectFrom('clean_findings').selectAll().where('scan_id', '=', scanId).orderBy('finding_key').execute();
  }

  findFindings(scanId: string, ids: string[]): Promise<CleanFindingRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('clean_findings').selectAll().where('scan_id', '=', scanId).where('id', 'in', ids).execute();
  }

  async insertAllowlist(row: CleanAllowlistRow): Promise<void> {
    await this.db.insertInto('clean_allowlist').values(row).execute();
  }

  listAllowlist(identityId: string, type?: ScanType): Promise<CleanAllowlistRow[]> {
    let query = this.db.selectFrom('clean_allowlist').selectAll().where('identity_id', '=', identityId);
    if (type) query = query.where('scan_type', '=', type);
    return query.orderBy('added_at', 'desc').orderBy('id').execute();
  }

  findAllowlist(identityId: string, id: string): Promise<CleanAllowlistRow | undefined> {
    return this.db.selectFrom('clean_allowlist').selectAll().where('identity_id', '=', identityId).where('id', '=', id).executeTakeFirst();
  }

  async deleteAllowlist(identityId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('clean_allowlist').where('identity_id', '=', identityId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async viewCounts(identityId: string): Promise<Map<string, { numViews: number; since: string; ownReads: number }>> {
    const rows = await this.db.selectFrom('clean_view_counts').selectAll().where('identity_id', '=', identityId).execute();
    return new Map(rows.map((r) => [r.item_id, { numViews: Number(r.num_views), since: r.since, ownReads: Number(r.own_reads) }]));
  }

  /** Adds reads of items by a scan (ArcGIS counted each as a view); items not seen yet get a row with num_views -1. */
  async addOwnReads(identityId: string, reads: Map<string, number>, now: string): Promise<void> {
    if (reads.size === 0) return;
    // Read, then insert or add: writers of one identity's view counts take turns (scans of other types may run).
    await dialectOf(this.db).lockedTransaction(this.db, [viewCountsLock(identityId)], async (trx) => {
      const known = new Set(
        (await trx.selectFrom('clean_view_counts').select('item_id').where('identity_id', '=', identityId).execute()).map((r) => r.item_id)
      );
      const fresh: CleanViewCountTable[] = [];
      for (const [itemId, n] of reads) {
        if (known.has(itemId)) {
          await trx
            .updateTable('clean_view_counts')
            .set((eb) => ({ own_reads: eb('own_reads', '+', n) }))
            .where('identity_id', '=', identityId)
            .where('item_id', '=', itemId)
            .execute();
        } else fresh.push({ identity_id: identityId, item_id: itemId, num_views: -1, since: now, own_reads: n });
      }
      for (let i = 0; i < fresh.length; i += INSERT_BATCH) await trx.insertInto('clean_view_counts').values(fresh.slice(i, i + INSERT_BATCH)).execute();
    });
  }

  /** Replaces the identity's view counts with the latest scan's (items gone from the org are forgotten). */
  async replaceViewCounts(identityId: string, counts: Map<string, { numViews: number; since: string; ownReads: number }>): Promise<void> {
    const rows = [...counts].map(([itemId, c]) => ({ identity_id: identityId, item_id: itemId, num_views: c.numViews, since: c.since, own_reads: c.ownReads }));
    await dialectOf(this.db).lockedTransaction(this.db, [viewCountsLock(identityId)], async (trx) => {
      await trx.deleteFrom('clean_view_counts').where('identity_id', '=', identityId).execute();
      for (let i = 0; i < rows.length; i += INSERT_BATCH) await trx.insertInto('clean_view_counts').values(rows.slice(i, i + INSERT_BATCH)).execute();
    });
  }
}
