import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * API tokens for scripts and automation (`Authorization: Bearer <token>`). Only the SHA-256 of a token is kept: the
 * token itself is shown once, when it is created.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    /** Lower-cased name: names are unique regardless of case. */
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    /** SHA-256 (hex) of the token; what a request's token is looked up by. */
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    /** The token's first characters (`okt_` and 4 more), so people can tell their tokens apart; not enough to use it. */
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql.raw(`role in ('admin', 'operator', 'viewer')`)))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    /** Null: never expires. */
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ip', 'text')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
}
