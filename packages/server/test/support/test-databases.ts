/**
 * Runs a suite against every database OrgKeeper supports, the way Kysely runs its tests over every dialect: a SQLite
 * file in a temporary folder, and a PostgreSQL database on a throwaway cluster that the suite starts (one cluster per
 * test file, one database per `create()`).
 *
 *   describeEachDatabase('repositories', (databases) => {
 *     let db: Db;
 *     beforeEach(async () => (db = await databases.open()));   // a new database, migrated; closed by the suite
 *     it('...', async () => { ... });
 *   });
 *
 * Without PostgreSQL's binaries a developer machine skips the PostgreSQL half (with the install hint); under CI=true
 * the file fails instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseTarget, type Db } from '../../src/db/database.js';
import type { DialectName } from '../../src/db/dialects/dialect.js';
import { POSTGRES_INSTALL_HINT, postgresAvailable, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

export interface TestDatabases {
  readonly name: DialectName;
  /** A new, empty database. */
  create(): Promise<DatabaseTarget>;
  /** A new database migrated to the latest schema, open; closed after the test. */
  open(): Promise<Db>;
  /** The cluster (PostgreSQL only), e.g. to make more databases. */
  cluster(): PostgresCluster | undefined;
  /**
   * Configuration flags that put a server (startTestServer's `flags`) or a command on a new database of this kind:
   * nothing for SQLite (its data directory holds the file), a new database's URL for PostgreSQL.
   */
  serverFlags(): Promise<{ databaseUrl?: string }>;
}

interface Lifecycle extends TestDatabases {
  readonly available: boolean;
  start(): Promise<void>;
  afterEach(): Promise<void>;
  stop(): Promise<void>;
}

function sqliteDatabases(): Lifecycle {
  let dir: string | undefined;
  let opened: Db[] = [];
  let count = 0;
  const self: Lifecycle = {
    name: 'sqlite',
    available: true,
    async start() {
      dir = await mkdtemp(join(tmpdir(), 'orgkeeper-sqlite-'));
    },
    create() {
      if (!dir) throw new Error('start() first');
      return Promise.resolve({ kind: 'sqlite', file: join(dir, `db-${++count}.sqlite`) });
    },
    async open() {
      const db = openDatabase(await self.create());
      opened.push(db);
      await migrateToLatest(db);
      return db;
    },
    cluster: () => undefined,
    serverFlags: () => Promise.resolve({}),
    async afterEach() {
      await Promise.all(opened.map((db) => db.destroy()));
      opened = [];
    },
    async stop() {
      await self.afterEach();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  };
  return self;
}

/** A database migrated once per cluster; open() copies it (CREATE DATABASE ... TEMPLATE), much faster than migrating. */
const MIGRATED_TEMPLATE = 'orgkeeper_migrated';

function postgresDatabases(): Lifecycle {
  let cluster: PostgresCluster | undefined;
  let opened: Db[] = [];
  const self: Lifecycle = {
    name: 'postgres',
    available: postgresAvailable(),
    async start() {
      cluster = await startPostgresCluster();
      const template = openDatabase({ kind: 'postgres', url: await cluster.createDatabase({ name: MIGRATED_TEMPLATE }) });
      try {
        await migrateToLatest(template);
      } finally {
        await template.destroy();
      }
    },
    async create() {
      if (!cluster) throw new Error('start() first');
      return { kind: 'postgres', url: await cluster.createDatabase() };
    },
    async open() {
      if (!cluster) throw new Error('start() first');
      const db = openDatabase({ kind: 'postgres', url: await cluster.createDatabase({ template: MIGRATED_TEMPLATE }) });
      opened.push(db);
      // Up to date already; this checks that the copy knows it.
      await migrateToLatest(db);
      return db;
    },
    cluster: () => cluster,
    async serverFlags() {
      const target = await self.create();
      return target.kind === 'postgres' ? { databaseUrl: target.url } : {};
    },
    async afterEach() {
      await Promise.all(opened.map((db) => db.destroy()));
      opened = [];
    },
    async stop() {
      await self.afterEach();
      await cluster?.stop();
    }
  };
  return self;
}

/** Declares `body` once per database, each in its own describe block named after it. */
export function describeEachDatabase(title: string, body: (databases: TestDatabases) => void): void {
  for (const databases of [sqliteDatabases(), postgresDatabases()]) {
    const name = `${title} on ${databases.name === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`;
    if (!databases.available) {
      describe.skip(`${name} (skipped: ${POSTGRES_INSTALL_HINT})`, () => body(databases));
      continue;
    }
    describe(name, () => {
      beforeAll(() => databases.start(), 120_000);
      afterEach(() => databases.afterEach());
      afterAll(() => databases.stop(), 60_000);
      body(databases);
    });
  }
}
