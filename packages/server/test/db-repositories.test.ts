/**
 * Issue 17: every repository's queries on both databases. The same tests run against a SQLite file and a PostgreSQL
 * database (a throwaway cluster this file starts), so the SQL the repositories send means the same on both: types
 * (numbers come back as numbers, bigint included), ordering, LIKE with escapes, upserts, RETURNING, cascades, and the
 * read-then-write work that SQLite's single writer serialized and PostgreSQL must lock for.
 */
import { Migrator, NO_MIGRATIONS, sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { ApiTokenRepository } from '../src/auth/api-token.repository.js';
import { ArcGISSignInRepository } from '../src/auth/arcgis-sign-in.repository.js';
import type { ArcGISSignInStateRow } from '../src/auth/arcgis-sign-in.types.js';
import type { ApiTokenRow } from '../src/auth/api-token.types.js';
import { LoginAttemptRepository } from '../src/auth/login-attempt.repository.js';
import { SessionRepository } from '../src/auth/session.repository.js';
import { SnapshotIndexRepository, type SnapshotIndexRow, type SnapshotItemRow } from '../src/backup/snapshot-index.repository.js';
import { CleanRepository, type CleanFindingRow, type CleanScanRow } from '../src/clean/clean.repository.js';
import { FixRepository, type CleanFixResultRow, type CleanFixRow } from '../src/clean/fixes/fix.repository.js';
import { COPY_TABLES } from '../src/db/database-copy.js';
import { migrateToLatest, migrationStatus, openDatabase, openSignals, type Db } from '../src/db/database.js';
import { dialectOf } from '../src/db/dialects/dialect.js';
import { migrations } from '../src/db/migrations/index.js';
import type { AppUserRow, AuditEventRow, SessionRow } from '../src/db/schema.js';
import { IdentityRepository } from '../src/identities/identity.repository.js';
import type { IdentityRow } from '../src/identities/identity.types.js';
import { NotificationRepository } from '../src/notifications/notification.repository.js';
import { WebhookRepository } from '../src/notifications/webhook.repository.js';
import type { WebhookDeliveryRow, WebhookRow } from '../src/notifications/webhook.types.js';
import { MetricsRepository } from '../src/metrics/metrics.repository.js';
import { MetricsTokenRepository } from '../src/metrics/metrics-token.repository.js';
import type { NotificationSettingsRow } from '../src/notifications/notification.types.js';
import { OperationRepository } from '../src/operations/operation.repository.js';
import type { NewOperationItemRow, NewOperationRow, OperationRow } from '../src/operations/operation.types.js';
import { WorkerRepository } from '../src/operations/worker.repository.js';
import type { WorkerRow } from '../src/operations/worker.types.js';
import { RestoreRepository, type RestoreStepRow } from '../src/restore/restore.repository.js';
import type { RestorePlan } from '../src/restore/restore.types.js';
import { ScheduleRepository } from '../src/schedules/schedule.repository.js';
import type { ScheduleRow } from '../src/schedules/schedule.types.js';
import { UserRepository } from '../src/users/user.repository.js';
import { postgresAvailable } from './support/postgres-cluster.js';
import { describeEachDatabase } from './support/test-databases.js';

const T0 = '2030-01-01T00:00:00.000Z';
/** ISO time `minutes` after T0. */
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const pad = (i: number) => String(i).padStart(4, '0');

function user(id: string, name: string, overrides: Partial<AppUserRow> = {}): AppUserRow {
  return { id, username: name, username_key: name.toLowerCase(), password_hash: `hash-${id}`, role: 'admin', created_at: T0, updated_at: T0, last_login_at: null, source: 'local', ...overrides };
}

function identity(id: string, name: string, overrides: Partial<IdentityRow> = {}): IdentityRow {
  return {
    id,
    name,
    name_key: name.toLowerCase(),
    type: 'online',
    portal_url: 'https://www.arcgis.com',
    auth_method: 'oauth2',
    app_id: 'app',
    file_location: `/backups/${id}`,
    file_location_key: `/backups/${id}`,
    file_location_credentials: null,
    store_encryption: 0,
    store_passphrase: null,
    store_credentials: 1,
    org_id: `org-${id}`,
    portal_name: null,
    username: null,
    status_state: 'not_connected',
    status_message: null,
    connected_at: null,
    token_expires: null,
    refresh_token_expires: null,
    has_password: 0,
    credentials: null,
    created_at: T0,
    updated_at: T0,
    ...overrides
  };
}

function operation(id: string, overrides: Partial<NewOperationRow> = {}): NewOperationRow {
  return { id, kind: 'backup', identity_id: 'i1', status: 'queued', params: '{}', progress: null, message: null, result: null, snapshot_id: null, created_by: 'alice', created_at: T0, started_at: null, finished_at: null, runner_id: null, heartbeat_at: null, cancel_requested_by: null, exclusive_key: null, ...overrides };
}

function item(operationId: string, itemId: string, overrides: Partial<NewOperationItemRow> = {}): NewOperationItemRow {
  return { operation_id: operationId, item_id: itemId, title: `Item ${itemId}`, type: 'Web Map', owner: 'alice', modified: null, status: 'ok', parts: 'item,data', carried_over: 0, bytes_read: 10, new_bytes: 5, error: null, duration_ms: 3, action: null, new_id: null, details: null, seq: 0, ...overrides };
}

function snapshot(identityId: string, snapshotId: string, overrides: Partial<SnapshotIndexRow> = {}): SnapshotIndexRow {
  return { identity_id: identityId, snapshot_id: snapshotId, name: `Snapshot ${snapshotId}`, started_at: T0, finished_at: at(5), status: 'complete', parent: null, tags: '[]', items_ok: 1, items_skipped: 0, items_failed: 0, groups: 0, users: 0, layers: 0, features: 0, attachments: 0, bytes_read: 0, new_bytes: 0, indexed_at: at(6), index_version: 2, ...overrides };
}

function snapshotItem(identityId: string, snapshotId: string, itemId: string, title: string, overrides: Partial<SnapshotItemRow> = {}): SnapshotItemRow {
  return { identity_id: identityId, snapshot_id: snapshotId, item_id: itemId, title, title_key: title.toLowerCase(), type: 'Web Map', owner: 'alice', folder_id: null, modified: 1_700_000_000_000, status: 'ok', layers: 0, features: 0, carried_from: null, needed_by_id: null, needed_by_title: null, needed_by_need: null, needed_by_count: 0, ...overrides };
}

function scan(id: string, overrides: Partial<CleanScanRow> = {}): CleanScanRow {
  return { id, identity_id: 'i1', operation_id: null, scan_type: 'stale-items', options: '{}', status: 'running', message: null, summary: null, findings: 0, allowlisted: 0, requests: 0, created_by: 'alice', started_at: T0, finished_at: null, ...overrides };
}

function finding(scanId: string, key: string, overrides: Partial<CleanFindingRow> = {}): CleanFindingRow {
  const title = overrides.target_title ?? `Title ${key}`;
  return { id: `${scanId}-${key}`, scan_id: scanId, finding_key: key, scan_type: 'stale-items', code: 'stale', severity: 'warning', target_kind: 'item', target_id: `item-${key}`, target_title: title, target_title_key: title.toLowerCase(), target_type: 'Web Map', target_owner: 'alice', target_folder_id: null, portal_url: null, message: `Not viewed ${key}`, where_text: null, details: '{}', ...overrides };
}

function fix(id: string, overrides: Partial<CleanFixRow> = {}): CleanFixRow {
  return { id, identity_id: 'i1', scan_id: 's1', action: 'delete', options: '{}', status: 'queued', message: null, snapshot_id: null, backup_note: null, created_by: 'alice', created_at: T0, finished_at: null, undo_operation_id: null, undo_status: null, undo_by: null, undo_at: null, undo_message: null, ...overrides };
}

function fixResult(fixId: string, position: number, overrides: Partial<CleanFixResultRow> = {}): CleanFixResultRow {
  return { fix_id: fixId, finding_id: `f${pad(position)}`, position, target_kind: 'item', target_id: `item-${position}`, target: '{}', status: 'pending', error: null, changes: '[]', applied: '[]', context: '{}', undo_status: null, undo_error: null, undo_note: null, ...overrides };
}

function worker(id: string, overrides: Partial<WorkerRow> = {}): WorkerRow {
  return { id, host: 'host-a', pid: 100, version: '1.2.3', kind: 'worker', runs_jobs: 1, max_running: 3, started_at: T0, last_seen_at: T0, stopped_at: null, ...overrides };
}

/** The columns of an operation claimed by runner `runner`. */
function running(runner: string): Partial<OperationRow> {
  return { status: 'running', runner_id: runner, worker_id: runner, started_at: at(100), heartbeat_at: at(100) };
}

function schedule(id: string, overrides: Partial<ScheduleRow> = {}): ScheduleRow {
  return { id, identity_id: 'i1', name: `Schedule ${id}`, enabled: 1, timing: '{"preset":"daily","time":"02:00"}', cron: '0 2 * * *', time_zone: 'UTC', kind: 'backup', params: '{}', next_run_at: at(60), last_run_at: null, last_operation_id: null, last_error: null, created_by: 'alice', created_at: T0, updated_at: T0, ...overrides };
}

function webhook(id: string, name: string, overrides: Partial<WebhookRow> = {}): WebhookRow {
  return { id, name, name_key: name.toLowerCase(), kind: 'json', url: 'v1:sealed-url', url_display: 'https://hooks.example.org/…', secret: 'v1:sealed-secret', enabled: 1, notify_failure: 1, notify_partial: 1, notify_success: 0, identity_ids: null, created_by: 'alice', created_at: T0, updated_by: 'alice', updated_at: T0, ...overrides };
}

function delivery(id: string, webhookId: string, overrides: Partial<WebhookDeliveryRow> = {}): WebhookDeliveryRow {
  return { id, webhook_id: webhookId, event: 'operation.finished', operation_id: 'op1', summary: `Backup ${id} failed`, body: '{"event":"operation.finished"}', status: 'pending', attempts: 0, next_attempt_at: T0, claimed_by: null, claimed_until: null, response_status: null, error: null, created_at: T0, updated_at: T0, finished_at: null, ...overrides };
}

function auditEvent(id: string, occurredAt: string): AuditEventRow {
  return { id, occurred_at: occurredAt, actor_kind: 'user', actor_user_id: null, actor_name: 'alice', ip: '192.0.2.1', action: 'test.event', target: null, result: 'success', details: '{"n":1}' };
}

/**
 * Makes every insert into `table` take a while before it commits (PostgreSQL; SQLite has one writer at a time), so
 * concurrent read-then-write work overlaps for sure: without the repositories' locks the race tests below fail.
 */
async function slowInserts(db: Db, table: string): Promise<void> {
  if (dialectOf(db).name !== 'postgres') return;
  await sql`create or replace function test_slow_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(0.02); return new; end $$`.execute(db);
  await sql`create trigger ${sql.id(`${table}_slow`)} before insert on ${sql.table(table)} for each row execute function test_slow_insert()`.execute(db);
  // Open all the pool's connections now: connecting takes longer than a statement, which would serialize the racers.
  await Promise.all(range(10).map(() => sql`select pg_sleep(0.05)`.execute(db)));
}

describeEachDatabase('repositories', (databases) => {
  let db: Db;
  beforeEach(async () => {
    db = await databases.open();
  });

  describe('schema', () => {
    it('is migrated by every migration, recorded in schema_migrations, with the same tables', async () => {
      const status = await migrationStatus(db);
      expect(status.map((m) => m.name)).toEqual(Object.keys(migrations));
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
      // Every table is one `orgkeeper db copy` knows how to copy (a new table belongs in COPY_TABLES too).
      const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual([...COPY_TABLES.map((t) => t.name), 'schema_migrations', 'schema_migrations_lock'].sort());
      expect(dialectOf(db).name).toBe(databases.name);
    });

    it('runs every migration down and up again', async () => {
      const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      expect(down.error).toBeUndefined();
      expect((await db.introspection.getTables()).map((t) => t.name).sort()).toEqual(['schema_migrations', 'schema_migrations_lock']);
      expect((await migrateToLatest(db)).map((r) => r.status)).toEqual(Object.keys(migrations).map(() => 'Success'));
    });

    it('0013 keeps snapshots indexed before it, marked as the old index shape, their items not taken along', async () => {
      const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
      expect((await migrator.migrateTo('0012-webhooks-metrics')).error).toBeUndefined();
      expect((await db.introspection.getTables()).find((t) => t.name === 'snapshot_items')!.columns.map((c) => c.name)).not.toContain('needed_by_id');
      await new IdentityRepository(db).insert(identity('i1', 'One'));
      const { index_version: _v, ...oldSnapshot } = snapshot('i1', 'old');
      const { needed_by_id: _i, needed_by_title: _t, needed_by_need: _n, needed_by_count: _c, ...oldItem } = snapshotItem('i1', 'old', 'a1', 'Form');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tables as 0012 left them
      const old = db as unknown as Kysely<any>;
      await old.insertInto('snapshot_index').values(oldSnapshot).execute();
      await old.insertInto('snapshot_items').values(oldItem).execute();

      expect((await migrateToLatest(db)).map((r) => [r.migrationName, r.status])).toEqual([['0013-snapshot-taken-along', 'Success']]);
      const index = new SnapshotIndexRepository(db);
      expect(await index.findSnapshot('i1', 'old')).toMatchObject({ name: 'Snapshot old', index_version: 1 });
      expect((await index.searchItems('i1', 'old', { offset: 0, limit: 10 })).rows).toEqual([
        { ...oldItem, needed_by_id: null, needed_by_title: null, needed_by_need: null, needed_by_count: 0 }
      ]);
      // Rows written now carry who needs an item, and read back the same on both databases.
      const taken = snapshotItem('i1', 'new', 'b1', 'Survey service', { needed_by_id: 'a1', needed_by_title: 'Form', needed_by_need: 'service of survey', needed_by_count: 2 });
      await index.replaceSnapshot(snapshot('i1', 'new'), [taken]);
      expect((await index.searchItems('i1', 'new', { offset: 0, limit: 10 })).rows).toEqual([taken]);
      expect(await index.findSnapshot('i1', 'new')).toMatchObject({ index_version: 2 });
    });

    it('enforces the CHECK constraints and foreign keys the migrations declare', async () => {
      await expect(db.insertInto('app_users').values(user('u1', 'x', { role: 'root' as never })).execute()).rejects.toThrow(/check/i);
      await expect(
        db.insertInto('sessions').values({ id: 's', user_id: 'nobody', csrf_token: 'c', created_at: T0, last_seen_at: T0, expires_at: at(1), ip: null, user_agent: null }).execute()
      ).rejects.toThrow(/foreign key/i);
    });
  });

  describe('UserRepository', () => {
    let users: UserRepository;
    beforeEach(() => {
      users = new UserRepository(db);
    });

    it('inserts, finds, counts, lists and updates accounts; usernames are unique regardless of case', async () => {
      expect(await users.count()).toBe(0);
      expect(await users.insert(user('u1', 'Bob'))).toBe(true);
      expect(await users.insert(user('u2', 'alice'))).toBe(true);
      expect(await users.insert(user('u3', 'BOB'))).toBe(false);
      expect(await users.count()).toBe(2);
      expect((await users.list()).map((u) => u.username)).toEqual(['alice', 'Bob']);
      expect(await users.findByUsernameKey('bob')).toMatchObject({ id: 'u1', username: 'Bob', last_login_at: null });
      expect(await users.findById('nope')).toBeUndefined();
      await users.recordLogin('u1', at(1));
      await users.updatePasswordHash('u1', 'new-hash', at(2));
      expect(await users.findById('u1')).toMatchObject({ last_login_at: at(1), password_hash: 'new-hash', updated_at: at(2) });
    });

    it('keeps ArcGIS accounts apart from local ones: upserts them, changes only their roles, counts local administrators', async () => {
      expect(await users.insert(user('u1', 'admin'))).toBe(true);
      expect(await users.insert(user('u2', 'viewer', { role: 'viewer' }))).toBe(true);
      const arcgis = { ...user('a1', 'lee.analyst', { username_key: 'arcgis:org1:lee.analyst', role: 'viewer' }), source: 'arcgis' as const };
      expect(await users.upsertArcGISUser(arcgis)).toMatchObject({ id: 'a1', source: 'arcgis', role: 'viewer' });
      // Signing in again with another role: the same row, the new role.
      expect(await users.upsertArcGISUser({ ...arcgis, id: 'a2', role: 'operator', updated_at: at(1) })).toMatchObject({ id: 'a1', role: 'operator', updated_at: at(1) });
      // A local account's key is never taken over.
      await expect(users.upsertArcGISUser({ ...arcgis, id: 'a3', username_key: 'admin', role: 'viewer' })).rejects.toThrow(/local account/);
      expect(await users.findById('u1')).toMatchObject({ role: 'admin', source: 'local' });
      expect(await users.findLocalByUsernameKey('arcgis:org1:lee.analyst')).toBeUndefined();
      expect(await users.findLocalByUsernameKey('admin')).toMatchObject({ id: 'u1' });
      await users.setArcGISRole('a1', 'admin', at(2));
      await users.setArcGISRole('u2', 'admin', at(2));
      expect((await users.findById('a1'))?.role).toBe('admin');
      expect((await users.findById('u2'))?.role).toBe('viewer');
      expect(await users.countLocalAdmins()).toBe(1);
    });

    it('creates the first account once when ten first-run requests race', async () => {
      await slowInserts(db, 'app_users');
      const results = await Promise.all(range(10).map((i) => users.insertIfNoUsers(user(`u${i}`, `admin${i}`))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await users.count()).toBe(1);
      expect(await users.insertIfNoUsers(user('late', 'late'))).toBe(false);
    });
  });

  describe('SessionRepository', () => {
    it('finds an active session with its account, touches, expires and deletes sessions', async () => {
      const users = new UserRepository(db);
      const sessions = new SessionRepository(db);
      await users.insert(user('u1', 'alice', { role: 'operator' }));
      await users.insert(user('u2', 'bob'));
      const row: SessionRow = { id: 's1', user_id: 'u1', csrf_token: 'csrf', created_at: T0, last_seen_at: T0, expires_at: at(30), ip: '192.0.2.1', user_agent: 'Firefox ünïcode', via: 'password', checked_at: null, arcgis_grant: null };
      await sessions.insert(row);
      await sessions.insert({ ...row, id: 's2', expires_at: at(10) });
      await sessions.insert({ ...row, id: 's3', user_id: 'u2' });

      expect(await sessions.findActive('s1', at(1))).toEqual({ session: row, user: user('u1', 'alice', { role: 'operator' }) });
      expect(await sessions.findActive('s1', at(30))).toBeUndefined();
      await sessions.touch('s1', at(20), at(50));
      expect((await sessions.findActive('s1', at(40)))?.session).toMatchObject({ last_seen_at: at(20), expires_at: at(50) });

      expect(await sessions.findById('s2')).toEqual({ ...row, id: 's2', expires_at: at(10) });
      await sessions.markChecked('s1', at(21));
      expect((await sessions.findById('s1'))?.checked_at).toBe(at(21));
      await sessions.insert({ ...row, id: 's4', via: 'arcgis', arcgis_grant: 'sealed' });
      expect((await sessions.findActive('s4', at(1)))?.session).toMatchObject({ via: 'arcgis', arcgis_grant: 'sealed' });

      await sessions.deleteExpired(at(10));
      expect(await sessions.findActive('s2', at(0))).toBeUndefined();
      await sessions.deleteForUser('u2');
      expect(await sessions.findActive('s3', at(0))).toBeUndefined();
      await sessions.delete('s1');
      expect(await sessions.findActive('s1', at(0))).toBeUndefined();
    });
  });

  describe('ArcGISSignInRepository', () => {
    it('saves the one setting row, and takes each pending sign-in once; expired ones are deleted', async () => {
      const repository = new ArcGISSignInRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'Springfield'));
      expect(await repository.getSettings()).toBeUndefined();
      const settings = { enabled: 1, identity_id: 'i1', app_id: 'app', admins_role: 'admin' as const, user_rules: '[]', group_rules: '[{"groupId":"g","title":"G","role":"viewer"}]', updated_by: 'alice', updated_at: T0 };
      await repository.saveSettings(settings);
      await repository.saveSettings({ ...settings, enabled: 0, admins_role: null, updated_at: at(1) });
      expect(await repository.getSettings()).toEqual({ ...settings, id: 'default', enabled: 0, admins_role: null, updated_at: at(1) });

      const state = (id: string, expiresAt: string): ArcGISSignInStateRow => ({ id, code_verifier: 'sealed', browser_key: 'k', identity_id: 'i1', app_id: 'app', redirect_uri: 'https://ok/cb', return_to: '/', created_at: T0, expires_at: expiresAt });
      await repository.insertState(state('s1', at(10)));
      await repository.insertState(state('s2', at(5)));
      expect(await repository.takeState('s1')).toEqual(state('s1', at(10)));
      expect(await repository.takeState('s1')).toBeUndefined();
      await repository.deleteExpiredStates(at(5));
      expect(await repository.takeState('s2')).toBeUndefined();
      await expect(repository.saveSettings({ ...settings, admins_role: 'root' as never })).rejects.toThrow(/check/i);
      // The identity goes: the setting forgets it (and the pending sign-ins of it go with it).
      await repository.insertState(state('s3', at(10)));
      await new IdentityRepository(db).delete('i1');
      expect((await repository.getSettings())?.identity_id).toBeNull();
      expect(await repository.takeState('s3')).toBeUndefined();
    });
  });

  describe('LoginAttemptRepository', () => {
    const limits = { windowStart: T0, maxFailuresPerUsername: 5, maxFailuresPerIp: 8 };
    let attempts: LoginAttemptRepository;
    beforeEach(() => {
      attempts = new LoginAttemptRepository(db);
    });

    it('reserves failures up to the username limit, counting from the last success', async () => {
      for (const i of range(5)) expect(await attempts.reserveFailure({ id: `a${i}`, username_key: 'alice', ip: '192.0.2.1', attempted_at: at(i + 1) }, limits)).toBe(true);
      expect(await attempts.reserveFailure({ id: 'a5', username_key: 'alice', ip: '192.0.2.2', attempted_at: at(6) }, limits)).toBe(false);
      // A success resets the username's count; it is not a failure itself.
      await attempts.markSucceeded('a4');
      expect(await attempts.lastSuccess('alice')).toBe(at(5));
      expect(await attempts.reserveFailure({ id: 'a6', username_key: 'alice', ip: '192.0.2.2', attempted_at: at(7) }, limits)).toBe(true);
      // Failures before the window start do not count.
      expect(await attempts.reserveFailure({ id: 'b0', username_key: 'bob', ip: '192.0.2.3', attempted_at: at(8) }, { ...limits, windowStart: at(100) })).toBe(true);
    });

    it('reserves failures up to the address limit across usernames', async () => {
      for (const i of range(8)) expect(await attempts.reserveFailure({ id: `a${i}`, username_key: `user${i}`, ip: '192.0.2.9', attempted_at: at(i + 1) }, limits)).toBe(true);
      expect(await attempts.reserveFailure({ id: 'a8', username_key: 'user8', ip: '192.0.2.9', attempted_at: at(9) }, limits)).toBe(false);
      expect(await attempts.reserveFailure({ id: 'a9', username_key: 'user8', ip: '192.0.2.10', attempted_at: at(9) }, limits)).toBe(true);
    });

    it('lets exactly the limit of 60 concurrent reservations for one account through', async () => {
      await slowInserts(db, 'login_attempts');
      const results = await Promise.all(
        range(60).map((i) => attempts.reserveFailure({ id: `c${i}`, username_key: 'alice', ip: `198.51.100.${i % 3}`, attempted_at: at(1) }, { ...limits, maxFailuresPerIp: 100 }))
      );
      expect(results.filter(Boolean)).toHaveLength(5);
    });

    it('lists recent failures newest first by username or address, and forgets old attempts', async () => {
      await attempts.insert({ id: 'x1', username_key: 'alice', ip: '192.0.2.1', attempted_at: at(1), succeeded: 0 });
      await attempts.insert({ id: 'x2', username_key: 'alice', ip: '192.0.2.2', attempted_at: at(3), succeeded: 0 });
      await attempts.insert({ id: 'x3', username_key: 'alice', ip: '192.0.2.1', attempted_at: at(2), succeeded: 1 });
      await attempts.insert({ id: 'x4', username_key: 'bob', ip: '192.0.2.1', attempted_at: at(4), succeeded: 0 });
      expect(await attempts.recentFailures({ usernameKey: 'alice' }, T0, 10)).toEqual([at(3), at(1)]);
      expect(await attempts.recentFailures({ ip: '192.0.2.1' }, T0, 10)).toEqual([at(4), at(1)]);
      expect(await attempts.recentFailures({ ip: '192.0.2.1' }, at(1), 1)).toEqual([at(4)]);
      expect(await attempts.lastSuccess('bob')).toBeUndefined();
      await attempts.deleteOlderThan(at(3));
      expect(await attempts.recentFailures({ usernameKey: 'alice' }, T0, 10)).toEqual([at(3)]);
      expect(await attempts.lastSuccess('alice')).toBeUndefined();
    });
  });

  describe('AuditRepository', () => {
    it('lists events newest first and pages by (time, id) through equal times', async () => {
      const audit = new AuditRepository(db);
      const events = [auditEvent('e1', at(1)), auditEvent('e2', at(2)), auditEvent('e3', at(2)), auditEvent('e4', at(3))];
      for (const event of events) await audit.insert(event);
      expect(await audit.findById('e2')).toEqual(events[1]);
      const first = await audit.list({ limit: 2 });
      expect(first.map((e) => e.id)).toEqual(['e4', 'e3']);
      const next = await audit.list({ limit: 2, before: { occurredAt: at(2), id: 'e3' } });
      expect(next.map((e) => e.id)).toEqual(['e2', 'e1']);
    });
  });

  describe('ApiTokenRepository', () => {
    const token = (id: string, name: string, overrides: Partial<ApiTokenRow> = {}): ApiTokenRow => ({
      id,
      name,
      name_key: name.toLowerCase(),
      token_hash: `hash-${id}`,
      token_prefix: 'okt_abcd',
      role: 'viewer',
      created_at: T0,
      created_by: 'alice',
      expires_at: null,
      last_used_at: null,
      last_used_ip: null,
      ...overrides
    });

    it('inserts (names unique regardless of case), lists by name, finds active tokens by hash, records use, deletes', async () => {
      const tokens = new ApiTokenRepository(db);
      expect(await tokens.insert(token('t1', 'Nightly', { role: 'operator' }))).toBe(true);
      expect(await tokens.insert(token('t2', 'alpha', { expires_at: at(10) }))).toBe(true);
      expect(await tokens.insert(token('t3', 'NIGHTLY'))).toBe(false);
      await expect(tokens.insert(token('t4', 'other', { token_hash: 'hash-t1' }))).rejects.toThrow();
      expect((await tokens.list()).map((t) => t.name)).toEqual(['alpha', 'Nightly']);
      expect(await tokens.findByNameKey('nightly')).toEqual(token('t1', 'Nightly', { role: 'operator' }));

      // No expiry: always active; an expiry: active strictly before it.
      expect((await tokens.findActiveByHash('hash-t1', at(1_000_000)))?.id).toBe('t1');
      expect((await tokens.findActiveByHash('hash-t2', at(9)))?.id).toBe('t2');
      expect(await tokens.findActiveByHash('hash-t2', at(10))).toBeUndefined();
      expect(await tokens.findActiveByHash('hash-none', at(0))).toBeUndefined();

      await tokens.recordUse('t1', at(3), '192.0.2.7');
      expect(await tokens.findById('t1')).toMatchObject({ last_used_at: at(3), last_used_ip: '192.0.2.7' });
      expect(await tokens.delete('t1')).toBe(true);
      expect(await tokens.delete('t1')).toBe(false);
      expect(await tokens.findById('t1')).toBeUndefined();
    });

    it('refuses a role the CHECK constraint does not know', async () => {
      await expect(new ApiTokenRepository(db).insert(token('t9', 'bad', { role: 'root' as never }))).rejects.toThrow(/check/i);
    });
  });

  describe('IdentityRepository', () => {
    let identities: IdentityRepository;
    beforeEach(() => {
      identities = new IdentityRepository(db);
    });

    it('lists by type then name, and finds by id and name', async () => {
      expect(await identities.insert(identity('i1', 'Zeta', { type: 'online' }))).toBeNull();
      expect(await identities.insert(identity('i2', 'alpha', { type: 'online' }))).toBeNull();
      expect(await identities.insert(identity('i3', 'Beta', { type: 'enterprise', auth_method: 'iwa', app_id: null }))).toBeNull();
      expect((await identities.list()).map((i) => i.id)).toEqual(['i3', 'i2', 'i1']);
      expect(await identities.findByNameKey('zeta')).toEqual(identity('i1', 'Zeta'));
      expect(await identities.findById('i3')).toMatchObject({ auth_method: 'iwa', app_id: null, store_credentials: 1, has_password: 0 });
    });

    it('says which unique column an insert or update collides on', async () => {
      await identities.insert(identity('i1', 'One'));
      await identities.insert(identity('i2', 'Two'));
      expect(await identities.insert(identity('i3', 'ONE'))).toBe('name');
      expect(await identities.insert(identity('i3', 'Three', { file_location_key: '/backups/i1' }))).toBe('file_location');
      expect(await identities.update('i2', { name_key: 'one' })).toBe('name');
      expect(await identities.update('i2', { file_location_key: '/backups/i1' })).toBe('file_location');
      expect(await identities.update('i2', { name: 'Deux', name_key: 'deux', credentials: 'sealed' })).toBeNull();
      expect(await identities.findById('i2')).toMatchObject({ name: 'Deux', credentials: 'sealed' });
      // Other errors are not mistaken for a collision.
      await expect(identities.update('i2', { type: 'bad' as never })).rejects.toThrow();
    });

    it('takes a pending sign-in once, even when two callbacks race, and deletes expired ones and with the identity', async () => {
      await identities.insert(identity('i1', 'One'));
      const state = { id: 'st1', identity_id: 'i1', code_verifier: 'sealed', redirect_uri: 'http://localhost/cb', app_user_id: null, app_username: null, created_at: T0, expires_at: at(10) };
      await identities.insertOAuthState(state);
      const taken = await Promise.all([identities.takeOAuthState('st1'), identities.takeOAuthState('st1')]);
      expect(taken.filter(Boolean)).toEqual([state]);

      await identities.insertOAuthState({ ...state, id: 'st2', expires_at: at(5) });
      await identities.insertOAuthState({ ...state, id: 'st3', expires_at: at(20) });
      await identities.deleteExpiredOAuthStates(at(5));
      expect(await identities.takeOAuthState('st2')).toBeUndefined();
      expect(await identities.delete('i1')).toBe(true);
      expect(await identities.delete('i1')).toBe(false);
      expect(await identities.takeOAuthState('st3')).toBeUndefined();
    });
  });

  describe('OperationRepository', () => {
    let operations: OperationRepository;
    beforeEach(async () => {
      operations = new OperationRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'One'));
      await new IdentityRepository(db).insert(identity('i2', 'Two'));
    });

    it('lists with filters, newest first, and pages with before', async () => {
      await operations.insert(operation('o1', { created_at: at(1) }));
      await operations.insert(operation('o2', { created_at: at(2), kind: 'scan', status: 'succeeded' }));
      await operations.insert(operation('o3', { created_at: at(2), identity_id: 'i2' }));
      await operations.insert(operation('o4', { created_at: at(3), identity_id: null, kind: 'check' }));
      expect((await operations.list({ limit: 10 })).map((o) => o.id)).toEqual(['o4', 'o3', 'o2', 'o1']);
      expect((await operations.list({ limit: 2, before: 'o3' })).map((o) => o.id)).toEqual(['o2', 'o1']);
      expect((await operations.list({ limit: 10, identityId: 'i1' })).map((o) => o.id)).toEqual(['o2', 'o1']);
      expect((await operations.list({ limit: 10, kind: 'scan' })).map((o) => o.id)).toEqual(['o2']);
      expect((await operations.list({ limit: 10, status: 'queued', identityId: 'i1' })).map((o) => o.id)).toEqual(['o1']);
      expect(await operations.findById('o4')).toMatchObject({ identity_id: null, attempt: 0 });
    });

    it('finds active operations by identity and kind, by exclusivity key, and running ones', async () => {
      await operations.insert(operation('o1', { exclusive_key: 'store:i1', created_at: at(1) }));
      await operations.insert(operation('o2', { exclusive_key: 'store:i1', created_at: at(2), status: 'succeeded' }));
      await operations.insert(operation('o3', { exclusive_key: 'store:i1', created_at: at(3), status: 'running', kind: 'check' }));
      expect((await operations.findActive('i1', 'backup'))?.id).toBe('o1');
      expect(await operations.findActive('i2', 'backup')).toBeUndefined();
      expect((await operations.findActiveByKey('store:i1'))?.id).toBe('o1');
      expect((await operations.findActiveByKey('store:i1', 'o1'))?.id).toBe('o3');
      expect((await operations.findRunningByKey('store:i1'))?.id).toBe('o3');
      expect((await operations.listByStatus(['queued', 'running'])).map((o) => o.id)).toEqual(['o1', 'o3']);
    });

    it('lets exactly one of many concurrent transitions claim an operation, and interrupts the unfinished', async () => {
      await operations.insert(operation('o1'));
      const wins = await Promise.all(range(8).map((i) => operations.transition('o1', ['queued'], { status: 'running', runner_id: `r${i}`, started_at: at(1) })));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const runner = wins.indexOf(true);
      expect(await operations.findById('o1')).toMatchObject({ status: 'running', runner_id: `r${runner}` });

      await operations.insert(operation('o2', { status: 'succeeded' }));
      await operations.update('o1', { heartbeat_at: at(2), cancel_requested_by: 'bob', attempt: 2 });
      const changed = await operations.interrupt(['o1', 'o2', 'missing'], at(3), (row) => `${row.kind} ${row.id} stopped`);
      expect(changed).toEqual(['o1']);
      expect(await operations.findById('o1')).toMatchObject({ status: 'interrupted', finished_at: at(3), message: 'backup o1 stopped', runner_id: null, cancel_requested_by: null, attempt: 2 });
    });

    it('writes log rows in batches, the latest word on an item winning, and reads them back in every order', async () => {
      await operations.insert(operation('o1'));
      expect(await operations.maxSeq('o1')).toBe(0);
      // Past one insert batch, and a byte count past 2^32 (bigint comes back as a number on both databases).
      const rows = range(450).map((i) => item('o1', `item${pad(i)}`, { title: `Title ${pad(449 - i)}`, seq: i + 1, status: i % 10 === 0 ? 'failed' : 'ok', bytes_read: 5_000_000_000 + i }));
      await operations.insertItems(rows);
      expect(await operations.maxSeq('o1')).toBe(450);
      expect(await operations.countItems('o1')).toBe(450);
      expect(await operations.countItems('o1', 'failed')).toBe(45);

      await operations.insertItems([item('o1', 'item0000', { status: 'skipped', error: 'gone', seq: 451, action: 'create', new_id: 'n1', details: '{"a":1}' })]);
      expect(await operations.countItems('o1')).toBe(450);
      const since = await operations.listItemsSince('o1', 449);
      expect(since.map((r) => [r.item_id, r.seq, r.status])).toEqual([
        ['item0449', 450, 'ok'],
        ['item0000', 451, 'skipped']
      ]);
      expect(since[1]).toMatchObject({ error: 'gone', action: 'create', new_id: 'n1', details: '{"a":1}', bytes_read: 10 });
      expect(since[0]?.bytes_read).toBe(5_000_000_449);
      expect((await operations.listItemsSince('o1', 0, 3)).map((r) => r.seq)).toEqual([2, 3, 4]);

      const page = await operations.listItems('o1', { offset: 2, limit: 3 });
      // The replaced row's new title sorts first.
      expect(page.map((r) => r.title)).toEqual(['Title 0001', 'Title 0002', 'Title 0003']);
      expect((await operations.listItems('o1', { status: 'skipped' })).map((r) => r.item_id)).toEqual(['item0000']);
      expect(await operations.listItems('o1')).toHaveLength(450);
    });

    it('lets concurrent workers claim each queued operation once, oldest first, passing over held keys', async () => {
      // PostgreSQL: each claim's key insert takes a while, so the workers' claims overlap for sure.
      await slowInserts(db, 'operation_locks');
      // q0000-q0003 share one key; the others have keys of their own or none.
      for (const i of range(12)) await operations.insert(operation(`q${pad(i)}`, { created_at: at(i), exclusive_key: i < 4 ? 'store:i1' : i % 2 === 1 ? `k${i}` : null }));
      const keysOf = (row: OperationRow) => (row.exclusive_key ? [row.exclusive_key] : []);
      const claimed: { worker: number; id: string }[] = [];
      const work = async (w: number) => {
        const busy: string[] = [];
        for (;;) {
          const attempt = await operations.claimNext({ exclude: busy, keysOf, changes: () => running(`w${w}`), at: at(100) });
          if (attempt.outcome === 'none') return;
          if (attempt.outcome === 'claimed') claimed.push({ worker: w, id: attempt.row.id });
          else busy.push(attempt.row.id);
        }
      };
      await Promise.all(range(6).map(work));
      const ids = claimed.map((c) => c.id).sort();
      // Each once; of the four with one key only the oldest runs (the others wait for its key).
      expect(ids).toEqual(['q0000', ...range(8).map((i) => `q${pad(i + 4)}`)]);
      for (const { worker: w, id } of claimed) expect(await operations.findById(id)).toMatchObject({ status: 'running', runner_id: `w${w}`, worker_id: `w${w}` });
      expect((await operations.listRunningOn(range(6).map((w) => `w${w}`))).map((o) => o.id).sort()).toEqual(ids);
      expect(await operations.locksOf('q0000')).toEqual(['store:i1']);
      expect((await operations.findById('q0001'))?.status).toBe('queued');

      // Its end gives the key up in the same write; the next oldest with the key is the next claim.
      await operations.update('q0000', { status: 'succeeded', finished_at: at(101), runner_id: null });
      expect(await operations.locksOf('q0000')).toEqual([]);
      expect(await operations.findById('q0000')).toMatchObject({ worker_id: 'w' + String(claimed.find((c) => c.id === 'q0000')?.worker), runner_id: null });
      expect(await operations.claimNext({ exclude: [], keysOf, changes: () => running('w9'), at: at(102) })).toMatchObject({ outcome: 'claimed', row: { id: 'q0001', runner_id: 'w9' } });
      // An operation this worker cannot run is handed back untouched.
      await operations.update('q0001', { status: 'succeeded' });
      expect(await operations.claimNext({ exclude: [], keysOf: () => undefined, changes: () => running('w9'), at: at(103) })).toMatchObject({ outcome: 'unrunnable', row: { id: 'q0002' } });
      expect((await operations.findById('q0002'))?.status).toBe('queued');
    });

    it('takes all of an operation’s keys or none, and gives them up when it ends', async () => {
      for (const id of ['a', 'b', 'c']) await operations.insert(operation(id));
      expect(await operations.claimQueued('a', ['store:i1', 'org:i1'], running('r1'), at(1))).toEqual({ outcome: 'claimed' });
      expect(await operations.locksOf('a')).toEqual(['org:i1', 'store:i1']);
      // b needs a free key and one a holds: it stays queued and holds nothing.
      expect(await operations.claimQueued('b', ['restore:i1', 'org:i1'], running('r2'), at(1))).toEqual({ outcome: 'busy', holder: 'a' });
      expect(await operations.findById('b')).toMatchObject({ status: 'queued', runner_id: null });
      expect(await operations.lockHolder(['restore:i1'])).toBeUndefined();
      expect((await operations.lockHolder(['restore:i1', 'org:i1']))?.id).toBe('a');
      expect(await operations.claimQueued('a', [], running('r2'), at(1))).toEqual({ outcome: 'gone' });
      // A child operation stored as running at once: the same rule, and nothing is written when a key is held.
      expect(await operations.insertRunning(operation('child', running('r1')), ['store:i1'])).toEqual({ outcome: 'busy', holder: 'a' });
      expect(await operations.findById('child')).toBeUndefined();
      expect(await operations.insertRunning(operation('child', running('r1')), ['scan:i1'])).toEqual({ outcome: 'inserted' });
      expect(await operations.locksOf('child')).toEqual(['scan:i1']);

      // Any end (here: interrupted by recovery) gives the keys up; then b can run.
      expect(await operations.interrupt(['a'], at(2), () => 'stopped')).toEqual(['a']);
      expect(await operations.locksOf('a')).toEqual([]);
      expect(await operations.claimQueued('b', ['restore:i1', 'org:i1'], running('r2'), at(3))).toEqual({ outcome: 'claimed' });
      // Back to the queue (a worker died and another takes it over) gives them up too.
      expect(await operations.transition('b', ['running'], { status: 'queued', runner_id: null })).toBe(true);
      expect(await operations.locksOf('b')).toEqual([]);

      // Keys whose operation does not run (written by hand, or by an older version) are released by the sweep.
      await sql`insert into operation_locks (key, operation_id, acquired_at) values ('stray', 'c', ${at(4)})`.execute(db);
      expect(await operations.releaseOrphanLocks()).toBe(1);
      expect(await operations.locksOf('child')).toEqual(['scan:i1']);
      // Deleting the operation deletes its keys.
      await new IdentityRepository(db).delete('i1');
      expect(await operations.lockHolder(['scan:i1'])).toBeUndefined();
    });

    it('starts one of many concurrent starts refused by one key, and tells the others which', async () => {
      await slowInserts(db, 'operations');
      const results = await Promise.all(range(8).map((i) => operations.insertUnlessActive(operation(`s${i}`, { identity_id: 'i2', exclusive_key: 'store:i2' }), 'store:i2')));
      const winner = results.findIndex((r) => r === undefined);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      for (const r of results) if (r) expect(r.id).toBe(`s${winner}`);
      expect((await operations.list({ limit: 20, identityId: 'i2' })).map((o) => o.id)).toEqual([`s${winner}`]);
      // Once it ended, a start passes again.
      await operations.update(`s${winner}`, { status: 'succeeded' });
      expect(await operations.insertUnlessActive(operation('later', { identity_id: 'i2', exclusive_key: 'store:i2' }), 'store:i2')).toBeUndefined();
    });

    it('cascades from the identity to its operations and their log', async () => {
      await operations.insert(operation('o1'));
      await operations.insertItems([item('o1', 'a')]);
      await new IdentityRepository(db).delete('i1');
      expect(await operations.findById('o1')).toBeUndefined();
      expect(await operations.countItems('o1')).toBe(0);
    });
  });

  describe('SnapshotIndexRepository', () => {
    let index: SnapshotIndexRepository;
    beforeEach(async () => {
      index = new SnapshotIndexRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'One'));
    });

    it('replaces a snapshot and its items, keeping bigint figures, and deletes some or all snapshots', async () => {
      const items = range(250).map((i) => snapshotItem('i1', 'snap-a', `id${pad(i)}`, `Map ${pad(i)}`, { features: 3_000_000_000 + i }));
      await index.replaceSnapshot(snapshot('i1', 'snap-a', { bytes_read: 9_000_000_000, features: 1 }), items);
      await index.replaceSnapshot(snapshot('i1', 'snap-a', { name: 'Again', bytes_read: 9_000_000_001 }), items.slice(0, 10));
      await index.replaceSnapshot(snapshot('i1', 'snap-b'), []);
      await index.replaceSnapshot(snapshot('i1', 'snap-c'), [snapshotItem('i1', 'snap-c', 'x', 'X')]);
      expect((await index.listSnapshots('i1')).map((s) => s.snapshot_id)).toEqual(['snap-a', 'snap-b', 'snap-c']);
      expect(await index.findSnapshot('i1', 'snap-a')).toMatchObject({ name: 'Again', bytes_read: 9_000_000_001 });
      const found = await index.searchItems('i1', 'snap-a', { offset: 0, limit: 100 });
      expect(found.total).toBe(10);
      expect(found.rows[9]).toEqual(items[9]);

      await index.deleteSnapshots('i1', ['snap-a', 'snap-b']);
      expect((await index.listSnapshots('i1')).map((s) => s.snapshot_id)).toEqual(['snap-c']);
      expect((await index.searchItems('i1', 'snap-a', { offset: 0, limit: 10 })).total).toBe(0);
      await index.deleteSnapshots('i1', []);
      await index.deleteSnapshots('i1');
      expect(await index.listSnapshots('i1')).toEqual([]);
    });

    it('keeps one copy when two writers replace the same snapshot at once', async () => {
      await slowInserts(db, 'snapshot_index');
      const items = range(30).map((i) => snapshotItem('i1', 'snap-a', `id${i}`, `Map ${i}`));
      await Promise.all(range(4).map((i) => index.replaceSnapshot(snapshot('i1', 'snap-a', { name: `Writer ${i}` }), items)));
      expect(await index.listSnapshots('i1')).toHaveLength(1);
      expect((await index.searchItems('i1', 'snap-a', { offset: 0, limit: 100 })).total).toBe(30);
    });

    it('searches titles case-insensitively with literal % and _, by item id, with filters, paging and facets', async () => {
      const items = [
        snapshotItem('i1', 's', 'a1', 'Roads 100% done', { type: 'Feature Service', owner: 'bob' }),
        snapshotItem('i1', 's', 'a2', 'ROADS_2024', { owner: 'bob' }),
        snapshotItem('i1', 's', 'a3', 'Roadsx2024'),
        snapshotItem('i1', 's', 'a4', 'Rivers', { status: 'failed' }),
        snapshotItem('i1', 's', 'a5', 'Straßen Zürich')
      ];
      await index.replaceSnapshot(snapshot('i1', 's'), items);
      const search = async (filter: Partial<Parameters<SnapshotIndexRepository['searchItems']>[2]>) =>
        (await index.searchItems('i1', 's', { offset: 0, limit: 10, ...filter })).rows.map((r) => r.item_id);
      expect(await search({ q: 'roads' })).toEqual(['a1', 'a2', 'a3']);
      expect(await search({ q: '100%' })).toEqual(['a1']);
      expect(await search({ q: 'roads_' })).toEqual(['a2']);
      expect(await search({ q: 'a4' })).toEqual(['a4']);
      expect(await search({ q: 'ZÜRICH' })).toEqual(['a5']);
      expect(await search({ owner: 'bob' })).toEqual(['a1', 'a2']);
      expect(await search({ type: 'Feature Service' })).toEqual(['a1']);
      expect(await search({ status: 'failed' })).toEqual(['a4']);
      const page = await index.searchItems('i1', 's', { offset: 1, limit: 2 });
      expect({ total: page.total, ids: page.rows.map((r) => r.item_id) }).toEqual({ total: 5, ids: ['a1', 'a2'] });
      expect(await index.facets('i1', 's')).toEqual({
        types: [
          { value: 'Feature Service', count: 1 },
          { value: 'Web Map', count: 4 }
        ],
        owners: [
          { value: 'alice', count: 3 },
          { value: 'bob', count: 2 }
        ]
      });
    });
  });

  describe('RestoreRepository', () => {
    it('keeps the first plan of a run, and upserts its steps in plan order', async () => {
      const restores = new RestoreRepository(db);
      const plan = { snapshotId: 'snap', mode: 'in-place', steps: [], counts: { create: 0, overwrite: 1, skip: 0 }, createdAt: T0 } as unknown as RestorePlan;
      const run = { operationId: 'op1', identityId: 'i1', targetIdentityId: 'i1', params: { snapshotId: 'snap', mode: 'in-place' as const, all: true }, plan };
      await restores.saveRun(run, T0);
      await restores.saveRun({ ...run, plan: { ...plan, snapshotId: 'other' } }, at(1));
      expect(await restores.findRun('op1')).toEqual(run);
      expect(await restores.findRun('op2')).toBeUndefined();

      const step = (key: string, seq: number, overrides: Partial<RestoreStepRow> = {}): RestoreStepRow => ({
        operation_id: 'op1', step_key: key, seq, kind: 'item', title: `Step ${key}`, type: 'Web Map', action: 'create', old_id: `old-${key}`, status: 'running', new_id: null, new_url: null, state: null, error: null, duration_ms: 0, finished_at: null, ...overrides
      });
      await restores.putStep(step('b', 2));
      await restores.putStep(step('a', 1));
      await restores.putStep(step('a', 1, { status: 'ok', new_id: 'new-a', state: '{"layers":[]}', duration_ms: 12, finished_at: at(2) }));
      expect((await restores.steps('op1')).map((s) => [s.step_key, s.status, s.new_id])).toEqual([
        ['a', 'ok', 'new-a'],
        ['b', 'running', null]
      ]);
      const log = await restores.log('op1');
      expect(log.map((l) => [l.key, l.status, l.durationMs])).toEqual([
        ['a', 'ok', 12],
        ['b', 'failed', 0]
      ]);
    });
  });

  describe('ScheduleRepository', () => {
    let schedules: ScheduleRepository;
    beforeEach(async () => {
      schedules = new ScheduleRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'One'));
      await new IdentityRepository(db).insert(identity('i2', 'Two'));
    });

    it('lists, finds due schedules and the next due time, updates and deletes', async () => {
      await schedules.insert(schedule('s1', { next_run_at: at(10), created_at: at(1) }));
      await schedules.insert(schedule('s2', { next_run_at: at(5), created_at: at(2), identity_id: 'i2' }));
      await schedules.insert(schedule('s3', { next_run_at: at(1), created_at: at(3), enabled: 0 }));
      await schedules.insert(schedule('s4', { next_run_at: null, created_at: at(4), kind: 'scan' }));
      expect((await schedules.list()).map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
      expect((await schedules.list('i2')).map((s) => s.id)).toEqual(['s2']);
      expect((await schedules.listDue(at(10))).map((s) => s.id)).toEqual(['s2', 's1']);
      expect(await schedules.nextDue()).toBe(at(5));
      await schedules.update('s2', { enabled: 0, last_error: 'identity disconnected' });
      expect(await schedules.nextDue()).toBe(at(10));
      expect(await schedules.findById('s2')).toMatchObject({ enabled: 0, last_error: 'identity disconnected' });
      expect(await schedules.delete('s2')).toBe(true);
      expect(await schedules.delete('s2')).toBe(false);
      await new IdentityRepository(db).delete('i1');
      expect(await schedules.list()).toEqual([]);
      expect(await schedules.nextDue()).toBeUndefined();
    });

    it('lets exactly one of several servers claim a due run, and records the slot it fired', async () => {
      await schedules.insert(schedule('s1', { next_run_at: at(10) }));
      const claims = await Promise.all(
        range(6).map((i) => schedules.claimRun('s1', at(10), { next_run_at: at(70), last_run_at: at(10), last_operation_id: `op${i}` }, `server${i}`, at(10)))
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = claims.indexOf(true);
      expect(await schedules.findById('s1')).toMatchObject({ next_run_at: at(70), last_operation_id: `op${winner}` });
      expect(await schedules.listRuns('s1')).toEqual([{ schedule_id: 's1', slot_at: at(10), fired_by: `server${winner}`, fired_at: at(10), operation_id: null }]);
    });

    it('fires a slot once even when the schedule is set back to it, and puts a slot back for a stopping server', async () => {
      await schedules.insert(schedule('s1', { next_run_at: at(10) }));
      expect(await schedules.claimRun('s1', at(10), { next_run_at: at(70) }, 'a', at(10))).toBe(true);
      await schedules.setRunOperation('s1', at(10), 'op1');
      // A server whose clock is behind saves the schedule and computes the fired slot again: it does not fire twice,
      // and the schedule moves on all the same (else it would stay due for ever).
      await schedules.update('s1', { next_run_at: at(10) });
      expect(await schedules.claimRun('s1', at(10), { next_run_at: at(70) }, 'b', at(11))).toBe(false);
      expect(await schedules.findById('s1')).toMatchObject({ next_run_at: at(70) });
      // A server that claimed a slot but is stopping puts it back: due again, unfired, and then fired once.
      expect(await schedules.claimRun('s1', at(70), { next_run_at: at(130) }, 'a', at(70))).toBe(true);
      await schedules.releaseRun('s1', at(70), { next_run_at: at(70) });
      expect(await schedules.findById('s1')).toMatchObject({ next_run_at: at(70) });
      expect(await schedules.claimRun('s1', at(70), { next_run_at: at(130) }, 'b', at(71))).toBe(true);
      expect((await schedules.listRuns('s1')).map((r) => [r.slot_at, r.fired_by, r.operation_id])).toEqual([
        [at(70), 'b', null],
        [at(10), 'a', 'op1']
      ]);
      expect(await schedules.deleteRunsBefore(at(70))).toBe(1);
      await schedules.delete('s1');
      expect(await schedules.listRuns('s1')).toEqual([]);
    });
  });

  describe('WorkerRepository', () => {
    it('registers processes, sees them, marks them stopped, and forgets long-gone ones', async () => {
      const workers = new WorkerRepository(db);
      await workers.register(worker('w1'));
      await workers.register(worker('w2', { host: 'host-b', pid: 200, kind: 'server', runs_jobs: 0, max_running: 0, started_at: at(1), last_seen_at: at(1) }));
      expect(await workers.beat('w1', at(5))).toBe(true);
      expect(await workers.beat('gone', at(5))).toBe(false);
      await workers.stopped('w2', at(6));
      expect((await workers.listSeenSince(at(2))).map((w) => [w.id, w.last_seen_at, w.stopped_at])).toEqual([
        ['w2', at(6), at(6)],
        ['w1', at(5), null]
      ]);
      expect(await workers.listSeenSince(at(7))).toEqual([]);
      // Registering again (its row was marked stopped, or removed) brings it back with what it is now.
      await workers.register(worker('w2', { kind: 'server', runs_jobs: 1, max_running: 5, last_seen_at: at(7) }));
      expect(await workers.findById('w2')).toEqual(worker('w2', { host: 'host-b', pid: 200, kind: 'server', runs_jobs: 1, max_running: 5, started_at: at(1), last_seen_at: at(7) }));
      expect((await workers.findByIds(['w1', 'w2', 'nope'])).map((w) => w.id).sort()).toEqual(['w1', 'w2']);
      expect(await workers.findByIds([])).toEqual([]);
      expect(await workers.deleteSeenBefore(at(6))).toBe(1);
      expect(await workers.findById('w1')).toBeUndefined();
      await expect(workers.register(worker('w3', { kind: 'nonsense' as WorkerRow['kind'] }))).rejects.toThrow();
    });
  });

  describe('NotificationRepository', () => {
    it('saves the email settings, then replaces them', async () => {
      const notifications = new NotificationRepository(db);
      expect(await notifications.find()).toBeUndefined();
      const row: NotificationSettingsRow = { id: 'email', enabled: 1, smtp_host: 'smtp.example.org', smtp_port: 587, tls_mode: 'starttls', smtp_user: 'ok', smtp_password: 'sealed', from_address: 'ok@example.org', recipients: '["a@example.org"]', notify_failure: 1, notify_partial: 0, notify_success: 0, identity_ids: null, updated_by: 'alice', updated_at: T0 };
      await notifications.save(row);
      await notifications.save({ ...row, smtp_port: 465, tls_mode: 'tls', smtp_password: null, identity_ids: '["i1"]', updated_at: at(1) });
      expect(await notifications.find()).toEqual({ ...row, smtp_port: 465, tls_mode: 'tls', smtp_password: null, identity_ids: '["i1"]', updated_at: at(1) });
    });
  });

  describe('WebhookRepository', () => {
    let hooks: WebhookRepository;
    beforeEach(() => {
      hooks = new WebhookRepository(db);
    });

    it('keeps webhooks with unique names regardless of case, changes and deletes them with their deliveries', async () => {
      expect(await hooks.insert(webhook('w1', 'Ops channel', { kind: 'slack', secret: null, identity_ids: '["i1"]' }))).toBeNull();
      expect(await hooks.insert(webhook('w2', 'audit'))).toBeNull();
      expect(await hooks.insert(webhook('w3', 'OPS CHANNEL'))).toBe('name');
      expect((await hooks.list()).map((h) => h.id)).toEqual(['w2', 'w1']);
      expect(await hooks.findByNameKey('ops channel')).toEqual(webhook('w1', 'Ops channel', { kind: 'slack', secret: null, identity_ids: '["i1"]' }));
      expect(await hooks.update('w2', { name: 'Ops Channel', name_key: 'ops channel' })).toBe('name');
      expect(await hooks.update('w2', { enabled: 0, url: 'v1:other', updated_at: at(1) })).toBeNull();
      expect(await hooks.findById('w2')).toMatchObject({ enabled: 0, url: 'v1:other', updated_at: at(1) });
      await expect(hooks.insert(webhook('w4', 'Bad', { kind: 'discord' as never }))).rejects.toThrow(/check/i);

      await hooks.insertDelivery(delivery('d1', 'w1'));
      expect(await hooks.delete('w1')).toBe(true);
      expect(await hooks.delete('w1')).toBe(false);
      expect(await hooks.findDelivery('d1')).toBeUndefined();
    });

    it('finds due deliveries, lets one of many processes claim each, and records attempts only by the holder', async () => {
      await hooks.insert(webhook('w1', 'One'));
      await hooks.insertDelivery(delivery('d1', 'w1', { next_attempt_at: at(0), created_at: at(0) }));
      await hooks.insertDelivery(delivery('d2', 'w1', { next_attempt_at: at(10), created_at: at(1) }));
      await hooks.insertDelivery(delivery('d3', 'w1', { status: 'sending', claimed_by: 'dead', claimed_until: at(2), next_attempt_at: at(0), created_at: at(2) }));
      await hooks.insertDelivery(delivery('d4', 'w1', { status: 'sending', claimed_by: 'alive', claimed_until: at(60), next_attempt_at: at(0), created_at: at(3) }));
      await hooks.insertDelivery(delivery('d5', 'w1', { status: 'delivered', next_attempt_at: null, created_at: at(4), finished_at: at(4) }));
      expect((await hooks.due(at(5), 10)).map((d) => d.id)).toEqual(['d1', 'd3']);
      expect((await hooks.due(at(5), 10, ['d3', 'd5'])).map((d) => d.id)).toEqual(['d3']);
      expect(await hooks.due(at(5), 10, [])).toEqual([]);
      expect(await hooks.countUnfinished('w1')).toBe(4);

      const claims = await Promise.all(range(8).map((i) => hooks.claim('d1', `runner${i}`, at(5), at(6))));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const holder = `runner${claims.indexOf(true)}`;
      expect(await hooks.findDelivery('d1')).toMatchObject({ status: 'sending', claimed_by: holder, claimed_until: at(6) });
      // A claim whose time ran out is taken over; a live one is not.
      expect(await hooks.claim('d3', 'me', at(5), at(6))).toBe(true);
      expect(await hooks.claim('d4', 'me', at(5), at(6))).toBe(false);
      expect(await hooks.claim('d2', 'me', at(5), at(6))).toBe(false);

      expect(await hooks.finishAttempt('d1', 'someone else', { status: 'delivered' })).toBe(false);
      expect(await hooks.finishAttempt('d1', holder, { status: 'pending', attempts: 1, response_status: 503, error: 'busy', next_attempt_at: at(7), updated_at: at(5) })).toBe(true);
      expect(await hooks.findDelivery('d1')).toMatchObject({ status: 'pending', attempts: 1, response_status: 503, error: 'busy', next_attempt_at: at(7), claimed_by: null, claimed_until: null });
      expect((await hooks.listDeliveries('w1', 3)).map((d) => d.id)).toEqual(['d5', 'd4', 'd3']);
    });

    it('keeps the newest finished deliveries of a webhook and never drops waiting ones', async () => {
      await hooks.insert(webhook('w1', 'One'));
      await hooks.insert(webhook('w2', 'Two'));
      for (const i of range(12)) {
        await hooks.insertDelivery(delivery(`d${pad(i)}`, 'w1', { status: i % 4 === 0 ? 'pending' : i % 2 ? 'delivered' : 'failed', created_at: at(i) }));
      }
      await hooks.insertDelivery(delivery('other', 'w2', { status: 'delivered', created_at: at(0) }));
      await hooks.trimFinished('w1', 3);
      expect((await hooks.listDeliveries('w1', 100)).map((d) => d.id)).toEqual(['d0011', 'd0010', 'd0009', 'd0008', 'd0004', 'd0000']);
      expect(await hooks.findDelivery('other')).toBeDefined();
    });
  });

  describe('MetricsRepository and MetricsTokenRepository', () => {
    it('reads each identity’s last complete backup and its newest snapshot’s failed items, and the active operations', async () => {
      const identities = new IdentityRepository(db);
      await identities.insert(identity('i1', 'Springfield'));
      await identities.insert(identity('i2', 'Shelbyville'));
      await identities.insert(identity('i3', 'Ogdenville'));
      const index = new SnapshotIndexRepository(db);
      await index.replaceSnapshot(snapshot('i1', 's1', { finished_at: at(10), status: 'complete' }), []);
      await index.replaceSnapshot(snapshot('i1', 's2', { finished_at: at(30), status: 'complete' }), []);
      await index.replaceSnapshot(snapshot('i1', 's3', { finished_at: at(50), status: 'partial', items_failed: 7 }), []);
      await index.replaceSnapshot(snapshot('i2', 's4', { finished_at: at(20), status: 'partial', items_failed: 12_345 }), []);
      const operations = new OperationRepository(db);
      await operations.insert(operation('o1', { status: 'queued' }));
      await operations.insert(operation('o2', { status: 'running' }));
      await operations.insert(operation('o3', { status: 'running', identity_id: 'i2' }));
      await operations.insert(operation('o4', { status: 'failed' }));

      const metrics = new MetricsRepository(db);
      expect(await metrics.identityBackups()).toEqual([
        { id: 'i3', name: 'Ogdenville', type: 'online', lastCompleteAt: null, lastFailedItems: null },
        { id: 'i2', name: 'Shelbyville', type: 'online', lastCompleteAt: null, lastFailedItems: 12_345 },
        { id: 'i1', name: 'Springfield', type: 'online', lastCompleteAt: at(30), lastFailedItems: 7 }
      ]);
      expect(await metrics.activeOperations()).toEqual({ queued: 1, running: 2 });

      const tokens = new MetricsTokenRepository(db);
      expect(await tokens.find()).toBeUndefined();
      await tokens.save({ id: 'metrics', token_hash: 'a'.repeat(64), created_by: 'alice', created_at: T0 });
      await tokens.save({ id: 'metrics', token_hash: 'b'.repeat(64), created_by: 'bob', created_at: at(1) });
      expect(await tokens.find()).toEqual({ id: 'metrics', token_hash: 'b'.repeat(64), created_by: 'bob', created_at: at(1) });
      expect(await tokens.delete()).toBe(true);
      expect(await tokens.delete()).toBe(false);
    });
  });

  describe('CleanRepository', () => {
    let clean: CleanRepository;
    beforeEach(async () => {
      clean = new CleanRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'One'));
    });

    it('stores scans, fails the cut-off ones, lists and finds them', async () => {
      await clean.insertScan(scan('s1', { started_at: at(1), status: 'succeeded' }));
      await clean.insertScan(scan('s2', { started_at: at(2) }));
      await clean.insertScan(scan('s3', { started_at: at(3), operation_id: 'op3' }));
      await clean.insertScan(scan('s4', { started_at: at(4), scan_type: 'storage' }));
      await clean.failRunning('i1', 'stale-items', 's3', 'cut off', at(5));
      expect(await clean.findScan('s2')).toMatchObject({ status: 'failed', message: 'cut off', finished_at: at(5) });
      expect(await clean.findScan('s3')).toMatchObject({ status: 'running' });
      expect(await clean.findScan('s4')).toMatchObject({ status: 'running' });
      expect((await clean.findScanByOperation('op3'))?.id).toBe('s3');
      expect((await clean.listScans({ identityId: 'i1', limit: 10 })).map((s) => s.id)).toEqual(['s4', 's3', 's2', 's1']);
      expect((await clean.listScans({ identityId: 'i1', type: 'stale-items', limit: 2, before: at(3) })).map((s) => s.id)).toEqual(['s2', 's1']);
      await clean.updateScan('s1', { summary: '{"total":3}', requests: 7 });
      expect(await clean.findScan('s1')).toMatchObject({ summary: '{"total":3}', requests: 7 });
    });

    it('stores findings with the finished scan in one go, and queries them with filters, text, sorting and paging', async () => {
      await clean.insertScan(scan('s1'));
      const many = range(230).map((i) => finding('s1', `k${pad(i)}`, { target_title: `Bulk ${pad(i)}`, target_owner: 'carol', severity: 'info' }));
      const special = [
        finding('s1', 'a', { target_title: 'Parks 50% Plan', target_owner: 'alice', severity: 'critical', code: 'public' }),
        finding('s1', 'b', { target_title: 'parks_2020', target_owner: 'bob', target_type: 'Feature Service', message: 'Shared WITH everyone' }),
        finding('s1', 'c', { target_title: 'Parksx2020', target_owner: 'bob', target_kind: 'user', target_id: 'USER-C' })
      ];
      await clean.finishScan('s1', [...special, ...many], { status: 'succeeded', findings: 233, finished_at: at(1) });
      expect(await clean.findScan('s1')).toMatchObject({ status: 'succeeded', findings: 233 });
      expect(await clean.allFindings('s1')).toHaveLength(233);

      const query = async (q: Partial<Parameters<CleanRepository['queryFindings']>[1]>) => {
        const result = await clean.queryFindings('s1', { sort: 'title', order: 'asc', start: 1, num: 5, ...q });
        return { total: result.total, keys: result.rows.map((r) => r.finding_key) };
      };
      expect(await query({ q: 'parks' })).toEqual({ total: 3, keys: ['a', 'b', 'c'] });
      expect(await query({ q: '50%' })).toEqual({ total: 1, keys: ['a'] });
      expect(await query({ q: 'parks_' })).toEqual({ total: 1, keys: ['b'] });
      expect(await query({ q: 'with every' })).toEqual({ total: 1, keys: ['b'] });
      expect(await query({ q: 'user-c' })).toEqual({ total: 1, keys: ['c'] });
      expect(await query({ owner: 'bob', sort: 'title', order: 'desc' })).toEqual({ total: 2, keys: ['c', 'b'] });
      expect(await query({ severity: 'critical' })).toEqual({ total: 1, keys: ['a'] });
      expect(await query({ code: 'public' })).toEqual({ total: 1, keys: ['a'] });
      expect(await query({ targetKind: 'user' })).toEqual({ total: 1, keys: ['c'] });
      expect(await query({ type: 'Feature Service' })).toEqual({ total: 1, keys: ['b'] });
      expect(await query({ owner: 'carol', start: 101, num: 3 })).toEqual({ total: 230, keys: ['k0100', 'k0101', 'k0102'] });
      expect((await query({ sort: 'owner', num: 4 })).keys).toEqual(['a', 'b', 'c', 'k0000']);
      expect((await query({ sort: 'severity', order: 'asc', num: 1 })).keys).toEqual(['a']);
      expect((await clean.findFindings('s1', ['s1-a', 's1-c', 'other'])).map((f) => f.finding_key).sort()).toEqual(['a', 'c']);
      expect(await clean.findFindings('s1', [])).toEqual([]);
      // A finding key is unique within its scan.
      await expect(clean.finishScan('s1', [finding('s1', 'a', { id: 'dup' })], {})).rejects.toThrow();
      expect(await clean.allFindings('s1')).toHaveLength(233);
    });

    it('keeps an allowlist per identity and scan type', async () => {
      const entry = { id: 'al1', identity_id: 'i1', scan_type: 'stale-items' as const, finding_key: 'k1', target_kind: null, target_id: null, code: null, target_title: 'T', reason: 'kept on purpose', added_by: 'alice', added_at: at(1) };
      await clean.insertAllowlist(entry);
      await clean.insertAllowlist({ ...entry, id: 'al2', scan_type: 'storage', finding_key: null, target_kind: 'item', target_id: 'x', added_at: at(2) });
      expect((await clean.listAllowlist('i1')).map((a) => a.id)).toEqual(['al2', 'al1']);
      expect((await clean.listAllowlist('i1', 'stale-items')).map((a) => a.id)).toEqual(['al1']);
      expect(await clean.findAllowlist('i1', 'al1')).toEqual(entry);
      expect(await clean.deleteAllowlist('i1', 'al1')).toBe(true);
      expect(await clean.deleteAllowlist('i1', 'al1')).toBe(false);
      expect(await clean.findAllowlist('i1', 'al1')).toBeUndefined();
    });

    it('adds own reads, also from concurrent scans, and replaces view counts', async () => {
      await slowInserts(db, 'clean_view_counts');
      await clean.addOwnReads('i1', new Map([['a', 2]]), at(1));
      await Promise.all(range(5).map(() => clean.addOwnReads('i1', new Map([['a', 1], ['b', 3]]), at(2))));
      await clean.addOwnReads('i1', new Map(), at(3));
      expect(await clean.viewCounts('i1')).toEqual(
        new Map([
          ['a', { numViews: -1, since: at(1), ownReads: 7 }],
          ['b', { numViews: -1, since: at(2), ownReads: 15 }]
        ])
      );
      const replaced = new Map(range(150).map((i) => [`item${i}`, { numViews: 4_000_000_000 + i, since: at(i), ownReads: i }] as const));
      await clean.replaceViewCounts('i1', replaced);
      const counts = await clean.viewCounts('i1');
      expect(counts.size).toBe(150);
      expect(counts.get('item149')).toEqual({ numViews: 4_000_000_149, since: at(149), ownReads: 149 });
      expect(counts.has('a')).toBe(false);
    });
  });

  describe('FixRepository', () => {
    let fixes: FixRepository;
    beforeEach(async () => {
      fixes = new FixRepository(db);
      await new IdentityRepository(db).insert(identity('i1', 'One'));
    });

    it('records a fix once, lists, updates, and keeps its per-finding results in order', async () => {
      await fixes.insertIfMissing(fix('f1', { created_at: at(1) }));
      await fixes.insertIfMissing(fix('f1', { created_at: at(1), action: 'ignored' }));
      await fixes.insertIfMissing(fix('f2', { created_at: at(2), scan_id: 's2' }));
      expect(await fixes.findById('f1')).toMatchObject({ action: 'delete' });
      expect((await fixes.list({ identityId: 'i1', limit: 10 })).map((f) => f.id)).toEqual(['f2', 'f1']);
      expect((await fixes.list({ identityId: 'i1', scanId: 's2', limit: 10 })).map((f) => f.id)).toEqual(['f2']);
      await fixes.update('f1', { status: 'partial', undo_status: 'running', undo_by: 'bob' });
      expect(await fixes.findById('f1')).toMatchObject({ status: 'partial', undo_status: 'running', undo_by: 'bob' });

      await fixes.replaceResults('f1', range(120).map((i) => fixResult('f1', 119 - i)));
      await fixes.replaceResults('f1', range(70).map((i) => fixResult('f1', 69 - i)));
      const results = await fixes.results('f1');
      expect(results.map((r) => r.position)).toEqual(range(70));
      await fixes.updateResult('f1', 'f0003', { status: 'ok', applied: '[{"field":"x"}]' });
      await fixes.updateResult('f1', 'f0004', { status: 'failed', error: 'locked' });
      expect(await fixes.counts('f1')).toEqual({ ok: 1, failed: 1, pending: 68 });
      expect((await fixes.results('f1'))[3]).toMatchObject({ status: 'ok', applied: '[{"field":"x"}]' });
    });

    it('keeps one set of results when a fix is planned twice at once', async () => {
      await fixes.insertIfMissing(fix('f1'));
      await slowInserts(db, 'clean_fix_results');
      await Promise.all(range(3).map(() => fixes.replaceResults('f1', range(60).map((i) => fixResult('f1', i)))));
      expect(await fixes.results('f1')).toHaveLength(60);
    });
  });

  describe('dialect helpers', () => {
    it('runs locked transactions one after the other and rolls back a failed one', async () => {
      const dialect = dialectOf(db);
      await new UserRepository(db).insert(user('u1', 'counter', { password_hash: '0' }));
      // Read, wait, write: without the lock the increments would overwrite each other.
      const increment = () =>
        dialect.lockedTransaction(db, ['counter'], async (trx) => {
          const row = await trx.selectFrom('app_users').select('password_hash').where('id', '=', 'u1').executeTakeFirstOrThrow();
          await new Promise((r) => setTimeout(r, 5));
          await trx.updateTable('app_users').set({ password_hash: String(Number(row.password_hash) + 1) }).where('id', '=', 'u1').execute();
        });
      await Promise.all(range(10).map(increment));
      expect((await new UserRepository(db).findById('u1'))?.password_hash).toBe('10');

      await expect(
        dialect.lockedTransaction(db, ['counter'], async (trx) => {
          await trx.updateTable('app_users').set({ password_hash: 'lost' }).where('id', '=', 'u1').execute();
          throw new Error('boom');
        })
      ).rejects.toThrow('boom');
      expect((await new UserRepository(db).findById('u1'))?.password_hash).toBe('10');
    });

    it('signals between processes: every listener on PostgreSQL (again after its connection is lost), only this process on SQLite', async () => {
      const target = await databases.create();
      const [one, two] = [openDatabase(target), openDatabase(target)];
      const [sender, receiver] = [openSignals(target, one), openSignals(target, two)];
      try {
        const heard: { where: string; payload: string | null }[] = [];
        const stopSender = sender.listen('orgkeeper_test', (payload) => heard.push({ where: 'sender', payload }));
        receiver.listen('orgkeeper_test', (payload) => heard.push({ where: 'receiver', payload }));
        receiver.listen('orgkeeper_other', (payload) => heard.push({ where: 'other channel', payload }));
        const ready = (s: typeof sender) => (s as { ready?: () => Promise<void> }).ready?.();
        await ready(sender);
        await ready(receiver);
        await sender.notify('orgkeeper_test', '{"id":"o1"}');
        const expected = sender.crossProcess
          ? [
              { where: 'receiver', payload: '{"id":"o1"}' },
              { where: 'sender', payload: '{"id":"o1"}' }
            ]
          : [{ where: 'sender', payload: '{"id":"o1"}' }];
        await vi.waitFor(() => expect([...heard].sort((a, b) => a.where.localeCompare(b.where))).toEqual(expected));
        stopSender();
        if (dialectOf(db).name === 'postgres') {
          // The receiver's listening connection is cut: it connects again, says signals may have been missed (null),
          // and hears the next ones.
          heard.length = 0;
          await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query ilike 'listen%'`.execute(one);
          await vi.waitFor(() => expect(heard.filter((h) => h.where === 'receiver' && h.payload === null)).toHaveLength(1), { timeout: 10_000 });
          await sender.notify('orgkeeper_test', 'again');
          await vi.waitFor(() => expect(heard).toContainEqual({ where: 'receiver', payload: 'again' }));
        }
        expect(heard.filter((h) => h.where === 'other channel' && h.payload !== null)).toEqual([]);
      } finally {
        await sender.close();
        await receiver.close();
        await one.destroy();
        await two.destroy();
      }
    });

    it('finds no sequences to reset in OrgKeeper tables, and resets one a table has', async () => {
      const dialect = dialectOf(db);
      expect(await db.transaction().execute((trx) => dialect.resetSequences(trx, ['app_users', 'operations', 'operation_items']))).toEqual([]);
      if (dialect.name === 'postgres') {
        await sql`create table counted (id serial primary key, v text)`.execute(db);
        await sql`insert into counted (id, v) values (41, 'copied')`.execute(db);
        expect(await db.transaction().execute((trx) => dialect.resetSequences(trx, ['counted']))).toEqual(['public.counted_id_seq']);
        const inserted = await sql<{ id: number }>`insert into counted (v) values ('new') returning id`.execute(db);
        expect(inserted.rows[0]?.id).toBe(42);
      }
    });
  });
});

describe('the PostgreSQL test cluster', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is skipped without PostgreSQL on a developer machine, and fails the run under CI=true', () => {
    vi.stubEnv('CI', '');
    expect(postgresAvailable('/nonexistent/postgresql')).toBe(false);
    vi.stubEnv('CI', 'true');
    expect(() => postgresAvailable('/nonexistent/postgresql')).toThrow(/not in \/nonexistent\/postgresql\/<version>\/bin; install PostgreSQL .*CI=true: a missing tool is a failure/);
  });
});
