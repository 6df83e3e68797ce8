/**
 * Issue 17: `orgkeeper db migrate` and `orgkeeper db copy --to postgres://...`. An installation is used on SQLite the
 * way an administrator would (an identity with stored, sealed credentials; a backup; a scan; an allowlist entry; a
 * fix; a schedule; email settings; accounts signed in), copied into a PostgreSQL database of a throwaway cluster, and
 * served from there with the same data directory (the same master key): the REST API answers exactly as it did, the
 * identity's secrets open, old sessions still work, and new work runs on the copy.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import { COPY_TABLES, copyDatabase, DatabaseCopyError } from '../src/db/database-copy.js';
import { migrateToLatest, openDatabase, type DatabaseTarget, type Db } from '../src/db/database.js';
import { migrations } from '../src/db/migrations/index.js';
import { IdentityRepository } from '../src/identities/identity.repository.js';
import { OperationRepository } from '../src/operations/operation.repository.js';
import { tempFolder } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { startOrgFixture, TEST_PASSWORD, waitForOperation, type OrgFixture, type TempFolder } from './support/org-fixture.js';
import { POSTGRES_INSTALL_HINT, postgresAvailable, startPostgresCluster, type PostgresCluster } from './support/postgres-cluster.js';
import { ApiClient, freePort, startTestServer, type TestServer } from './support/server-harness.js';

interface Operation {
  id: string;
  kind: string;
  status: string;
  message: string | null;
  snapshotId: string | null;
  result: Record<string, unknown> | null;
}

/** Rows per table of a database (open, or opened and closed here). */
async function countRows(database: DatabaseTarget | Db): Promise<Record<string, number>> {
  const db: Db = 'kind' in database ? openDatabase(database) : database;
  try {
    const counts: Record<string, number> = {};
    for (const { name } of COPY_TABLES) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const row = await (db as any).selectFrom(name).select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      counts[name] = Number(row.n);
    }
    return counts;
  } finally {
    if (db !== database) await db.destroy();
  }
}

describe.skipIf(!postgresAvailable())(`moving an installation from SQLite to PostgreSQL${postgresAvailable() ? '' : ` (skipped: ${POSTGRES_INSTALL_HINT})`}`, () => {
  let cluster: PostgresCluster;
  let data: TempFolder;
  let org: OrgFixture;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    data = await tempFolder('orgkeeper-data-');
    org = await startOrgFixture({ server: { dataDir: data.path } });
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    await org?.close();
    await data?.remove();
    await cluster?.stop();
  }, 60_000);

  it('copies a used installation and serves it from PostgreSQL with the same master key', async () => {
    const { admin, operator, viewer, identityId } = org;
    const base = `/api/identities/${identityId}`;
    const expectStatus = async (response: Promise<{ status: number; text: string }>, status: number) => {
      const r = await response;
      expect(r.status, r.text).toBe(status);
      return r;
    };

    // --- Use the installation on SQLite. ---
    const backup = await operator.post<{ operationId: string }>(`${base}/backups`, { name: 'Before the move', query: 'type:"Web Map"' });
    expect(backup.status, backup.text).toBe(202);
    const backupOp = await waitForOperation<Operation>(operator, backup.body.operationId, { timeoutMs: 90_000 });
    expect(backupOp.status, backupOp.message ?? '').toBe('succeeded');

    const scanStarted = await operator.post<{ operationId: string }>(`${base}/scans`, { type: 'over-shared' });
    expect(scanStarted.status, scanStarted.text).toBe(202);
    const scanOp = await waitForOperation<Operation>(operator, scanStarted.body.operationId, { timeoutMs: 90_000 });
    expect(scanOp.status, scanOp.message ?? '').toBe('succeeded');
    const scanId = String(scanOp.result?.scanId);
    const findings = await viewer.get<{ total: number; findings: { id: string; target: { kind: string } }[] }>(`${base}/scans/${scanId}/findings?start=1&num=100`);
    const itemFindings = findings.body.findings.filter((f) => f.target.kind === 'item');
    expect(itemFindings.length).toBeGreaterThan(2);

    await expectStatus(operator.post(`${base}/clean/allowlist`, { scanId, findingId: itemFindings[2]!.id, reason: 'Public on purpose' }), 201);
    const fixStarted = await operator.post<{ fixId: string; operationId: string }>(`${base}/fixes`, { scanId, findings: itemFindings.slice(0, 2).map((f) => f.id), action: 'add-tags', options: { tags: ['reviewed'] } });
    expect(fixStarted.status, fixStarted.text).toBe(202);
    const fixOp = await waitForOperation<Operation>(operator, fixStarted.body.operationId, { timeoutMs: 90_000 });
    expect(fixOp.status, fixOp.message ?? '').toBe('succeeded');

    await expectStatus(
      operator.post(`${base}/schedules`, { name: 'Nightly', timing: { preset: 'daily', time: '02:00' }, timeZone: 'Europe/Zurich', action: { kind: 'backup', target: 'everything', retention: { keepLast: 7 } } }),
      201
    );
    await expectStatus(
      admin.put('/api/settings/notifications/email', { enabled: true, host: 'smtp.example.org', port: 587, tlsMode: 'starttls', user: 'orgkeeper', password: 'smtp-secret', from: 'orgkeeper@example.org', recipients: ['gis@example.org'], notifyOnFailure: true }),
      200
    );

    // A webhook (URL sealed) with a finished delivery (nothing listens on the port), and a metrics token (a hash).
    const closedPort = await freePort();
    const hook = await admin.post<{ webhook: { id: string } }>('/api/settings/notifications/webhooks', { name: 'Ops', kind: 'json', url: `http://127.0.0.1:${closedPort}/hook` });
    expect(hook.status, hook.text).toBe(201);
    const hookId = hook.body.webhook.id;
    await expectStatus(admin.post(`/api/settings/notifications/webhooks/${hookId}/test`), 200);
    const made = await admin.post<{ token: string }>('/api/settings/metrics/token');
    expect(made.status, made.text).toBe(201);
    const metricsToken = made.body.token;

    // What the API shows on SQLite, to compare with what it shows on PostgreSQL.
    const operations = await viewer.get<{ operations: Operation[] }>('/api/operations?limit=100');
    // The fix's backup of its targets is an operation of its own (a child of the fix).
    expect(operations.body.operations.map((o) => o.kind).sort()).toEqual(['backup', 'backup', 'fix', 'scan']);
    const snapshots = await viewer.get<{ snapshots: { id: string }[] }>(`${base}/snapshots`);
    // The backup's, and the one the fix took of its targets first.
    expect(snapshots.body.snapshots).toHaveLength(2);
    const views = [
      `${base}`,
      '/api/operations?limit=100',
      ...operations.body.operations.map((o) => `/api/operations/${o.id}/items?start=1&num=200`),
      `${base}/snapshots`,
      ...snapshots.body.snapshots.map((s) => `${base}/snapshots/${s.id}/items?start=1&num=200`),
      `${base}/scans`,
      `${base}/scans/${scanId}`,
      `${base}/scans/${scanId}/findings?start=1&num=100`,
      `${base}/clean/allowlist`,
      `${base}/fixes`,
      `${base}/fixes/${fixStarted.body.fixId}`,
      `${base}/schedules`,
      '/api/schedules',
      '/api/settings/notifications/email',
      '/api/settings/notifications/webhooks',
      `/api/settings/notifications/webhooks/${hookId}/deliveries`,
      '/api/settings/metrics'
    ];
    const before = new Map<string, string>();
    for (const path of views) before.set(path, (await expectStatus(admin.get(path), 200)).text);
    const identitiesBefore = (await admin.get<{ identities: { id: string; status: { state: string } }[] }>('/api/identities')).body.identities;
    expect(identitiesBefore.find((i) => i.id === identityId)?.status.state).toBe('connected');
    const auditBefore = (await admin.get<{ events: { id: string; action: string }[] }>('/api/audit?limit=500')).body.events;
    const sqliteCounts = await countRows({ kind: 'sqlite', file: `${data.path}/orgkeeper.db` });
    for (const table of ['app_users', 'sessions', 'audit_events', 'identities', 'operations', 'operation_items', 'snapshot_index', 'snapshot_items', 'clean_scans', 'clean_findings', 'clean_allowlist', 'clean_fixes', 'clean_fix_results', 'schedules', 'notification_settings', 'webhooks', 'webhook_deliveries', 'metrics_tokens']) {
      expect(sqliteCounts[table], table).toBeGreaterThan(0);
    }

    // --- Stop the server and copy its database. ---
    await org.server.close();
    const url = await cluster.createDatabase();
    const copied = await runCli(['db', 'copy', '--to', url], { dataDir: data.path });
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toContain(`Copying the SQLite database ${data.path}/orgkeeper.db into the PostgreSQL database`);
    expect(copied.stdout).toMatch(/operation_items +\d+ rows/);
    expect(copied.stdout).toContain(`the key in ${data.path}/master.key`);
    // The URL's password is never printed.
    expect(copied.stdout + copied.stderr).not.toContain(new URL(url).password);
    const postgresCounts = await countRows({ kind: 'postgres', url });
    expect(postgresCounts).toEqual({ ...sqliteCounts, audit_events: sqliteCounts.audit_events! + 1 });

    // --- Serve the copy: same data directory (same master key), the PostgreSQL URL. ---
    const moved = await startTestServer({ dataDir: data.path, flags: { databaseUrl: url } });
    servers.push(moved);
    expect(moved.logs()).toContain('PostgreSQL database');
    expect(moved.logs()).not.toContain(new URL(url).password);
    const movedAdmin = await moved.login('admin', TEST_PASSWORD);
    for (const path of views) {
      const response = await movedAdmin.get(path);
      expect(response.status, `${path}: ${response.text}`).toBe(200);
      expect(response.text, path).toBe(before.get(path));
    }
    expect((await movedAdmin.get<{ identities: unknown[] }>('/api/identities')).body.identities).toEqual(identitiesBefore);
    const auditAfter = (await movedAdmin.get<{ events: { id: string; action: string }[] }>('/api/audit?limit=500')).body.events;
    expect(auditAfter.map((e) => e.id)).toEqual(expect.arrayContaining(auditBefore.map((e) => e.id)));
    expect(auditAfter.map((e) => e.action)).toContain('database.copy');

    // The webhook's sealed URL opens with the same key (the test reaches the port, not a decryption error); the metrics
    // token's hash still matches.
    const retest = await movedAdmin.post<{ status: string; error: string }>(`/api/settings/notifications/webhooks/${hookId}/test`);
    expect(retest.body).toMatchObject({ status: 'failed' });
    expect(retest.body.error).toMatch(/refused the connection/);
    expect((await moved.client().get('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(200);

    // The identity's sealed credentials open with the same key: the connection test signs in with them.
    const test = await movedAdmin.post<{ ok: boolean; checks: { id: string; status: string }[] }>(`${base}/test`);
    expect(test.status, test.text).toBe(200);
    expect(test.body.ok, test.text).toBe(true);

    // Sessions moved too: the viewer's browser is still signed in, against the new server.
    const movedViewer = new ApiClient(moved.url);
    movedViewer.cookie = viewer.cookie;
    expect((await movedViewer.get<{ user: { username: string } }>('/api/auth/session')).body).toMatchObject({ user: { username: 'viewer' } });

    // New work runs on the copy, and carries over from the copied snapshot.
    const movedOperator = await moved.login('operator', TEST_PASSWORD);
    const again = await movedOperator.post<{ operationId: string }>(`${base}/backups`, { name: 'After the move', query: 'type:"Web Map"' });
    expect(again.status, again.text).toBe(202);
    const againOp = await waitForOperation<Operation>(movedOperator, again.body.operationId, { timeoutMs: 90_000 });
    expect(againOp.status, againOp.message ?? '').toBe('succeeded');
    expect(againOp.result).toMatchObject({ counts: { carriedOver: (backupOp.result as { counts: { ok: number } }).counts.ok } });
    expect((await movedOperator.get<{ snapshots: unknown[] }>(`${base}/snapshots`)).body.snapshots).toHaveLength(snapshots.body.snapshots.length + 1);
    await moved.close();

    // Another machine with another master key cannot open the identity's secrets: the key must travel with the URL.
    const otherKey = await startTestServer({ flags: { databaseUrl: url }, env: { ORGKEEPER_SECRET_KEY: randomBytes(32).toString('base64') } });
    servers.push(otherKey);
    const otherAdmin = await otherKey.login('admin', TEST_PASSWORD);
    const seen = await otherAdmin.get<{ status: { state: string } }>(base);
    expect(seen.body.status.state).toBe('needs_sign_in');
  }, 300_000);

  it('db migrate says what it did; db copy refuses a target that is not empty unless --replace, and bad URLs', async () => {
    const fresh = await tempFolder('orgkeeper-data-');
    try {
      const migrated = await runCli(['db', 'migrate'], { dataDir: fresh.path });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain(`Migrated the SQLite database ${fresh.path}/orgkeeper.db:`);
      expect(migrated.stdout).toContain('applied 0001-initial');
      const again = await runCli(['db', 'migrate', '--json'], { dataDir: fresh.path });
      expect(JSON.parse(again.stdout)).toMatchObject({ applied: [] });

      const url = await cluster.createDatabase();
      const onPostgres = await runCli(['db', 'migrate', '--database-url', url], { dataDir: fresh.path });
      expect(onPostgres.stdout).toMatch(/^Migrated the PostgreSQL database "t_[0-9a-f]+" on 127\.0\.0\.1:\d+ as orgkeeper:/);
      expect((await runCli(['db', 'migrate', '--database-url', url], { dataDir: fresh.path })).stdout).toMatch(/is up to date \(\d+ migrations, the latest /);

      // An account in the source; the empty target takes it, then refuses a second copy unless told.
      const create = await runCli(['admin', 'create', '--username', 'alice', '--password-stdin'], { dataDir: fresh.path, stdin: `${TEST_PASSWORD}\n` });
      expect(create.code, create.stderr).toBe(0);
      expect((await runCli(['db', 'copy', '--to', url], { dataDir: fresh.path })).code).toBe(0);
      const refused = await runCli(['db', 'copy', '--to', url], { dataDir: fresh.path });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already holds records \(app_users: 1, audit_events: 2\).*--replace/);
      const replaced = await runCli(['db', 'copy', '--to', url, '--replace', '--json'], { dataDir: fresh.path });
      expect(replaced.code, replaced.stderr).toBe(0);
      expect(JSON.parse(replaced.stdout)).toMatchObject({ replaced: 3, rows: 2 });
      expect(await countRows({ kind: 'postgres', url })).toMatchObject({ app_users: 1, audit_events: 2 });

      const usage = async (args: string[], message: string | RegExp) => {
        const result = await runCli(args, { dataDir: fresh.path });
        expect(result.code, result.stdout).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toContain('topsecret');
      };
      await usage(['db', 'copy'], 'db copy needs --to postgres://');
      const nowhere = await runCli(['db', 'copy', '--to', url, '--data-dir', `${fresh.path}/missing`], { dataDir: fresh.path });
      expect(nowhere.stderr).toContain(`There is no database at ${fresh.path}/missing/orgkeeper.db to copy`);
      await usage(['db', 'copy', '--to', 'mysql://u:topsecret@db/x'], '--to must start with postgres://');
      await usage(['db', 'copy', '--to', url, '--database-url', url], '--to names the database being copied from');
      await usage(['db', 'migrate', '--to', url], '--to and --replace belong to `db copy`');
      await usage(['db', 'vacuum'], 'Unknown db command "vacuum"');
      await usage(['db', 'migrate', '--database-url', 'postgres://u:topsecret@127.0.0.1/'], '--database-url names no database');

      // An unreachable server: a clear error naming it, without the password.
      const unreachable = await runCli(['db', 'migrate', '--database-url', `postgres://u:topsecret@127.0.0.1:${cluster.port}/no_such_db`], { dataDir: fresh.path });
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain('Cannot connect to the PostgreSQL database "no_such_db" on 127.0.0.1');
      expect(unreachable.stderr).not.toContain('topsecret');
    } finally {
      await fresh.remove();
    }
  }, 120_000);

  describe('copyDatabase', () => {
    const opened: Db[] = [];
    const open = async (target: DatabaseTarget, migrate = true) => {
      const db = openDatabase(target);
      opened.push(db);
      if (migrate) await migrateToLatest(db);
      return db;
    };
    let folder: TempFolder;
    beforeAll(async () => {
      folder = await tempFolder('orgkeeper-copy-');
    });
    afterAll(async () => {
      for (const db of opened) await db.destroy();
      await folder?.remove();
    });

    /** A SQLite database with an identity, three operations and 25 log rows (a composite key across batches). */
    async function seeded(name: string): Promise<Db> {
      const db = await open({ kind: 'sqlite', file: `${folder.path}/${name}.db` });
      await new IdentityRepository(db).insert({
        id: 'i1', name: 'One', name_key: 'one', type: 'online', portal_url: 'https://www.arcgis.com', auth_method: 'oauth2', app_id: 'a', file_location: '/b', file_location_key: '/b', file_location_credentials: null, store_encryption: 0, store_passphrase: null, store_credentials: 1,
        org_id: 'o', portal_name: null, username: null, status_state: 'connected', status_message: null, connected_at: null, token_expires: null, refresh_token_expires: null, has_password: 1,
        credentials: 'v1.sealed', created_at: '2030-01-01T00:00:00.000Z', updated_at: '2030-01-01T00:00:00.000Z'
      });
      const operations = new OperationRepository(db);
      for (const id of ['op-a', 'op-b', 'op-c']) {
        await operations.insert({ id, kind: 'backup', identity_id: 'i1', status: 'succeeded', params: '{}', progress: null, message: null, result: '{"bytes":5000000000}', snapshot_id: null, created_by: 'a', created_at: '2030-01-01T00:00:00.000Z', started_at: null, finished_at: null, runner_id: null, heartbeat_at: null, cancel_requested_by: null, exclusive_key: null });
      }
      await operations.insertItems(
        Array.from({ length: 25 }, (_, i) => ({
          operation_id: ['op-a', 'op-b', 'op-c'][i % 3]!, item_id: `item-${String(i).padStart(2, '0')}`, title: `Ünïcode ${i} '"\\%_`, type: 'Web Map', owner: 'a', modified: null, status: 'ok' as const,
          parts: 'item', carried_over: i % 2, bytes_read: 6_000_000_000 + i, new_bytes: 0, error: null, duration_ms: i, action: null, new_id: null, details: null, seq: i + 1
        }))
      );
      return db;
    }

    const everything = async (db: Db, table: string, key: string[]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      let query = (db as any).selectFrom(table).selectAll();
      for (const column of key) query = query.orderBy(column);
      return query.execute() as Promise<Record<string, unknown>[]>;
    };

    it('copies in batches in key order, the same rows and values, and back again', async () => {
      const source = await seeded('batches');
      const target = await open({ kind: 'postgres', url: await cluster.createDatabase() });
      const report = await copyDatabase(source, target, { batchSize: 4 });
      const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]));
      expect(byTable.operation_items).toEqual({ table: 'operation_items', rows: 25, batches: 7 });
      expect(byTable.operations).toEqual({ table: 'operations', rows: 3, batches: 1 });
      expect(byTable.app_users).toEqual({ table: 'app_users', rows: 0, batches: 0 });
      expect(report.sequences).toEqual([]);
      for (const { name, key } of COPY_TABLES) expect(await everything(target, name, [...key]), name).toEqual(await everything(source, name, [...key]));

      // PostgreSQL to a new SQLite file gives the same rows again.
      const back = await open({ kind: 'sqlite', file: `${folder.path}/back.db` });
      await copyDatabase(target, back);
      expect(await everything(back, 'operation_items', ['operation_id', 'item_id'])).toEqual(await everything(source, 'operation_items', ['operation_id', 'item_id']));
    });

    it('writes nothing when the copy fails partway', async () => {
      const source = await seeded('partway');
      const target = await open({ kind: 'postgres', url: await cluster.createDatabase() });
      // The log rows are copied after the identity and the operations: make them fail.
      await sql`create function test_refuse() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`.execute(target);
      await sql`create trigger refuse before insert on operation_items for each row execute function test_refuse()`.execute(target);
      await expect(copyDatabase(source, target)).rejects.toThrow('disk full');
      expect(Object.values(await countRows(target)).every((n) => n === 0)).toBe(true);
    });

    it('refuses databases at different migrations and tables it does not know', async () => {
      const source = await seeded('schema');
      const behind = await open({ kind: 'postgres', url: await cluster.createDatabase() }, false);
      const migrator = new Migrator({ db: behind, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
      await migrator.migrateTo('0004-restore');
      const mismatch = await copyDatabase(source, behind).catch((error: unknown) => error);
      expect(mismatch).toBeInstanceOf(DatabaseCopyError);
      expect(mismatch).toMatchObject({ code: 'schema_mismatch', message: expect.stringContaining(`source: ${Object.keys(migrations).at(-1)}, target: 0004-restore`) });

      await sql`create table notes (id text primary key)`.execute(source);
      const target = await open({ kind: 'postgres', url: await cluster.createDatabase() });
      await expect(copyDatabase(source, target)).rejects.toMatchObject({ code: 'unknown_table', message: expect.stringContaining('(notes)') });
    });
  });
});
