/** What a fix would do, shown before it is applied: the plan, its fingerprint, and the backup that will be taken first. */
import { checkFileLocation } from '../../identities/index.js';
import { isObjectStorageLocation } from '../../store/index.js';
import type { IdentityRow } from '../../identities/identity.types.js';
import { changesArcGIS } from './actions/index.js';
import { planHash } from './fix-rows.js';
import type { FixPreview, FixRequest, PlannedFix } from './fix.types.js';

/** The preview of a plan: its fingerprint, its counts, and whether (and why not) a backup can be taken first. */
export async function previewOf(row: IdentityRow, request: FixRequest, plan: PlannedFix[]): Promise<FixPreview> {
  const needed = changesArcGIS(request.action);
  const changing = plan.filter((p) => p.status === 'change');
  const itemIds = new Set<string>();
  let principals = false;
  for (const p of changing) {
    if (p.target.kind === 'item') itemIds.add(p.target.id);
    else principals = true;
    for (const item of [...(p.context.items ?? []), ...(p.context.views ?? [])]) itemIds.add(item.id);
  }
  let possible = true;
  let reason: string | null = null;
  if (needed) {
    const location = await backupLocation(row);
    if (!location.ok) {
      possible = false;
      reason = location.message;
    }
  } else reason = `${request.action} changes nothing in ArcGIS; no backup is needed.`;
  return {
    hash: planHash(request, plan),
    identityId: row.id,
    scanId: request.scanId,
    action: request.action,
    options: request.options,
    backup: { needed, possible, reason, itemIds: [...itemIds], principals },
    counts: { change: changing.length, skip: plan.length - changing.length },
    findings: plan
  };
}

/** Whether the identity's File Location can take a backup now. */
export async function backupLocation(row: IdentityRow): Promise<{ ok: true } | { ok: false; message: string }> {
  if (!row.file_location || row.file_location.trim() === '') return { ok: false, message: `"${row.name}" has no File Location to back up into.` };
  // Object storage is checked by the backup itself (access, conditional writes); there is no folder to look at.
  if (isObjectStorageLocation(row.file_location)) return { ok: true };
  const check = await checkFileLocation(row.file_location);
  return check.ok ? { ok: true } : { ok: false, message: `The File Location of "${row.name}" cannot be used: ${check.message}` };
}
