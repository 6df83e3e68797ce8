/** What both the fix service and the fix job need: the actions' context for an identity, and the findings to fix. */
import { AppError } from '../../errors/app-error.js';
import type { IdentityRow } from '../../identities/identity.types.js';
import type { FixContext, StoredFinding } from './actions/index.js';
import type { FindingSource } from './finding-source.js';
import type { FixRequest } from './fix.types.js';
import type { Mailer } from './mailer.js';

/** At most this many findings are fixed at once. */
const MAX_FINDINGS = 10_000;

/** What the fix actions get: the identity's session (bound to the job's signal), organization and administrator. */
export function fixContextFor(row: IdentityRow, session: FixContext['session'], options: { mailer?: Mailer | undefined; signal?: AbortSignal | undefined }): FixContext {
  if (!row.org_id) throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first.`);
  return {
    session: options.signal ? session.withSignal(options.signal) : session,
    orgId: row.org_id,
    adminUsername: row.username,
    orgName: row.portal_name ?? row.name,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {})
  };
}

/** The findings a fix asks for, from the scan's stored findings (of this identity, at most MAX_FINDINGS). */
export async function loadFindings(source: FindingSource | undefined, row: IdentityRow, request: FixRequest): Promise<StoredFinding[]> {
  if (!source) throw new AppError('unavailable', 'Stored scan findings are not available in this OrgKeeper yet; run a scan first.');
  const scan = await source.load(request.scanId, request.findings);
  if (scan.identityId !== row.id) throw new AppError('not_found', `Scan ${request.scanId} is not a scan of "${row.name}".`);
  if (scan.findings.length === 0) throw AppError.validation({ findings: 'The scan has no such findings; nothing to fix.' });
  if (scan.findings.length > MAX_FINDINGS) throw AppError.validation({ findings: `At most ${MAX_FINDINGS} findings can be fixed at once; select fewer.` });
  return scan.findings;
}
