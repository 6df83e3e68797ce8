/** What backups and the store's maintenance need to know about an identity, and the key that keeps its store's writers apart. */
import { AppError } from '../errors/app-error.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { BackupIdentity } from './backup.types.js';

/** The identity as a backup sees it; `needs_sign_in` when it never connected (its organization is not known). */
export function backupIdentity(row: IdentityRow): BackupIdentity {
  if (!row.org_id) {
    throw new AppError(
      'needs_sign_in',
      `"${row.name}" has never connected, so its organization is not known yet. Connect it first (in the web app, or \`orgkeeper identities add\`), then try again.`
    );
  }
  return { id: row.id, name: row.name, fileLocation: row.file_location, orgId: row.org_id, portalUrl: row.portal_url, portalName: row.portal_name };
}

/**
 * The exclusivity key of operations that write an identity's store (backup, forget, prune, a fix's backup) or must
 * not race one (check): they run one at a time per identity.
 */
export const storeKey = (identityId: string | null): string | undefined => (identityId ? `store:${identityId}` : undefined);
