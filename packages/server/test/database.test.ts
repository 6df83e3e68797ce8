import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { migrations } from '../src/db/migrations/index.js';
import { startTestServer } from './support/server-harness.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('database', () => {
  it('migrates a new database to the latest schema once, in WAL mode', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-db-'));
    const db = openDatabase(join(dir, 'orgkeeper.db'));
    try {
      const first = await migrateToLatest(db);
      expect(first.map((r) => [r.migrationName, r.status])).toEqual(Object.keys(migrations).map((name) => [name, 'Success']));
      expect(await migrateToLatest(db)).toEqual([]);

      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const tables = await db.introspection.getTables();
      expect(tables.map((t) => t.name).sort()).toEqual([
        'api_tokens',
        'app_users',
        'arcgis_sign_in',
        'arcgis_sign_in_states',
        'audit_events',
        'clean_allowlist',
        'clean_findings',
        'clean_fix_results',
        'clean_fixes',
        'clean_scans',
        'clean_view_counts',
        'identities',
        'login_attempts',
        'metrics_tokens',
        'notification_settings',
        'oauth_states',
        'operation_items',
        'operation_locks',
        'operations',
        'restore_runs',
        'restore_steps',
        'schedule_runs',
        'schedules',
        'schema_migrations',
        'schema_migrations_lock',
        'sessions',
        'snapshot_index',
        'snapshot_items',
        'webhook_deliveries',
        'webhooks',
        'workers'
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('waits for another connection’s write transaction without blocking, even when both are in this process', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-db-'));
    const file = join(dir, 'orgkeeper.db');
    const [one, two] = [openDatabase(file), openDatabase(file)];
    try {
      await sql`create table counter (n integer not null)`.execute(one);
      await sql`insert into counter (n) values (0)`.execute(one);
      // One connection holds the write lock across awaits (as a claim's transaction does) while the other writes: the
      // other waits for the commit, and the event loop it leaves free is what lets the first one finish.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      const holding = one.connection().execute(async (c) => {
        await sql`begin immediate`.execute(c);
        await sql`update counter set n = n + 1`.execute(c);
        await new Promise((r) => setTimeout(r, 200));
        await sql`commit`.execute(c);
      });
      await new Promise((r) => setTimeout(r, 20));
      await sql`update counter set n = n * 10`.execute(two);
      await holding;
      clearInterval(ticker);
      expect((await sql<{ n: number }>`select n from counter`.execute(two)).rows[0]?.n).toBe(10);
      expect(ticks).toBeGreaterThan(10);
    } finally {
      await one.destroy();
      await two.destroy();
    }
  });

  it('enforces unique usernames regardless of letter case and valid roles', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-db-'));
    const db = openDatabase(join(dir, 'orgkeeper.db'));
    try {
      await migrateToLatest(db);
      const row = {
        id: 'u1',
        username: 'Admin',
        username_key: 'admin',
        password_hash: 'x',
        role: 'admin' as const,
        created_at: '2030-01-01T00:00:00.000Z',
        updated_at: '2030-01-01T00:00:00.000Z',
        last_login_at: null
      };
      await db.insertInto('app_users').values(row).execute();
      await expect(db.insertInto('app_users').values({ ...row, id: 'u2', username: 'ADMIN' }).execute()).rejects.toThrow(/UNIQUE/);
      await expect(
        db.insertInto('app_users').values({ ...row, id: 'u3', username_key: 'other', role: 'root' as never }).execute()
      ).rejects.toThrow(/CHECK/);
    } finally {
      await db.destroy();
    }
  });

  it('keeps no password or session token in plain text in the database files', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-db-'));
    const password = 'Plain-Text-Must-Not-Appear-9182';
    const server = await startTestServer({ dataDir: dir });
    let cookie: string;
    try {
      const browser = server.client();
      expect((await browser.post('/api/setup', { username: 'admin', password })).status).toBe(201);
      await browser.post('/api/auth/login', { username: 'admin', password: 'Wrong-Guess-Also-Secret-77' });
      expect((await browser.post('/api/auth/login', { username: 'admin', password })).status).toBe(200);
      cookie = decodeURIComponent(browser.cookie!.split('=')[1]!);
    } finally {
      await server.close();
    }
    const files = (await readdir(dir)).filter((name) => name.startsWith('orgkeeper.db'));
    expect(files).toContain('orgkeeper.db');
    for (const name of files) {
      const bytes = await readFile(join(dir, name));
      for (const secret of [password, 'Wrong-Guess-Also-Secret-77', cookie]) {
        expect(bytes.includes(Buffer.from(secret, 'utf8')), `${name} contains ${secret}`).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${name} contains ${secret} (UTF-16)`).toBe(false);
      }
    }
  });
});
