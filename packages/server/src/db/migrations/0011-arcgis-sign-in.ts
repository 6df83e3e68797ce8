import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Signing in to OrgKeeper with an ArcGIS account: the setting (which identity's organization, which App ID, the role
 * mapping), the pending sign-ins, accounts that come from ArcGIS, and how each session was opened. A session opened
 * through ArcGIS keeps the sealed refresh token of that sign-in, which re-checks the person's roles and groups while
 * the session lasts, and nothing else of it; the row and the token go when the session ends.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('arcgis_sign_in')
    /** One row, `default`. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.references('identities.id').onDelete('set null'))
    .addColumn('app_id', 'text')
    /** OrgKeeper role for the organization's ArcGIS administrators; null: they are not let in as such. */
    .addColumn('admins_role', 'text', (c) => c.check(sql.raw(`admins_role in ('admin', 'operator', 'viewer')`)))
    /** JSON: [{ username, role }]. */
    .addColumn('user_rules', 'text', (c) => c.notNull())
    /** JSON: [{ groupId, title, role }]. */
    .addColumn('group_rules', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('arcgis_sign_in_states')
    /** SHA-256 (hex) of the `state` sent to the portal. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** Sealed PKCE code verifier. */
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    /** SHA-256 of the random value in the browser's sign-in cookie: the answer must come back to the browser that asked. */
    .addColumn('browser_key', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    /** Where to go after signing in: a path of the web app, checked when stored. */
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('arcgis_sign_in_states_expires_at_idx').on('arcgis_sign_in_states').column('expires_at').execute();

  /** `local` accounts sign in with a password; `arcgis` accounts only through their organization (no usable password). */
  await db.schema
    .alterTable('app_users')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('local').check(sql.raw(`source in ('local', 'arcgis')`)))
    .execute();

  /** How the session was opened: password, setup or arcgis. */
  await db.schema.alterTable('sessions').addColumn('via', 'text', (c) => c.notNull().defaultTo('password')).execute();
  /** ArcGIS sessions: when the roles and groups were last checked. */
  await db.schema.alterTable('sessions').addColumn('checked_at', 'text').execute();
  /** ArcGIS sessions: the sealed refresh token of the sign-in (for the re-checks), null otherwise. */
  await db.schema.alterTable('sessions').addColumn('arcgis_grant', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('arcgis_grant').execute();
  await db.schema.alterTable('sessions').dropColumn('checked_at').execute();
  await db.schema.alterTable('sessions').dropColumn('via').execute();
  await db.schema.alterTable('app_users').dropColumn('source').execute();
  await db.schema.dropTable('arcgis_sign_in_states').execute();
  await db.schema.dropTable('arcgis_sign_in').execute();
}
