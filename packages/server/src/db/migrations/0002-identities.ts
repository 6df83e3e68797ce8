import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Identities (the ArcGIS organizations OrgKeeper may act on) and the pending OAuth2 sign-ins that connect them.
 * Secrets live only in sealed columns (SecretBox, bound to the row by associated data).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    /** Lower-cased, trimmed name: names are unique regardless of case. */
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql.raw(`type in ('online', 'enterprise')`)))
    .addColumn('portal_url', 'text', (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull().check(sql.raw(`auth_method in ('oauth2', 'iwa')`)))
    .addColumn('app_id', 'text')
    .addColumn('file_location', 'text', (c) => c.notNull())
    /** The real path of the file location: two identities may not share one store. */
    .addColumn('file_location_key', 'text', (c) => c.notNull().unique())
    .addColumn('store_credentials', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('portal_name', 'text')
    .addColumn('username', 'text')
    .addColumn('status_state', 'text', (c) =>
      c.notNull().check(sql.raw(`status_state in ('not_connected', 'connected', 'needs_sign_in', 'error')`))
    )
    .addColumn('status_message', 'text')
    .addColumn('connected_at', 'text')
    .addColumn('token_expires', 'text')
    .addColumn('refresh_token_expires', 'text')
    .addColumn('has_password', 'integer', (c) => c.notNull().defaultTo(0))
    /** Sealed JSON of the stored credentials (refresh token, tokens, optional password), or null. */
    .addColumn('credentials', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_states')
    /** SHA-256 (hex) of the `state` sent to the portal; the state itself only travels through the browser. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    /** Sealed PKCE code verifier. */
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('app_user_id', 'text')
    .addColumn('app_username', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_states_expires_at_idx').on('oauth_states').column('expires_at').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('oauth_states').execute();
  await db.schema.dropTable('identities').execute();
}
