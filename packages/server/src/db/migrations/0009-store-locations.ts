import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * File Locations on object storage, and encrypted stores:
 * - `file_location_credentials`: the S3 access key or Azure account key / SAS token entered for the location, sealed
 *   with the master key (null: the service's standard credential chain, or a folder).
 * - `store_encryption`: the identity's store is (to be) created encrypted. The choice is made once: it only applies
 *   while the store does not exist yet.
 * - `store_passphrase`: a passphrase given for a store not created yet, sealed; deleted once the store holds its key.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('identities').addColumn('file_location_credentials', 'text').execute();
  await db.schema.alterTable('identities').addColumn('store_encryption', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('identities').addColumn('store_passphrase', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('identities').dropColumn('store_passphrase').execute();
  await db.schema.alterTable('identities').dropColumn('store_encryption').execute();
  await db.schema.alterTable('identities').dropColumn('file_location_credentials').execute();
}
