/**
 * Stores a finished `over-shared` scan with the given findings straight in the database, as the scans module would
 * (the fix tests need findings on chosen targets without running a scan first).
 */
import { newScanRow } from '../../src/clean/clean-rows.js';
import { CleanRepository } from '../../src/clean/clean.repository.js';
import type { FindingTarget } from '../../src/clean/clean.types.js';
import type { Db } from '../../src/db/database.js';
import { newId } from '../../src/lib/ids.js';

export interface StoredFinding {
  key: string;
  code: string;
  message: string;
  target: FindingTarget;
}

/** Returns the scan's id and the findings' ids, in the order given. */
export async function storeScan(db: Db, identityId: string, findings: StoredFinding[]): Promise<{ scanId: string; ids: string[] }> {
  const repository = new CleanRepository(db);
  const scan = newScanRow({ identityId, type: 'over-shared', options: {}, operationId: null, createdBy: 'test', startedAt: new Date().toISOString() });
  const scanId = scan.id;
  await repository.insertScan(scan);
  const ids = findings.map(() => newId());
  await repository.finishScan(
    scanId,
    findings.map(({ key, code, message, target }, i) => ({
      id: ids[i]!,
      scan_id: scanId,
      finding_key: key,
      scan_type: 'over-shared',
      code,
      severity: 'warning',
      target_kind: target.kind,
      target_id: target.id,
      target_title: target.title,
      target_title_key: target.title.toLowerCase(),
      target_type: target.type ?? null,
      target_owner: target.owner ?? null,
      target_folder_id: target.folderId ?? null,
      portal_url: target.portalUrl ?? null,
      message,
      where_text: null,
      details: '{}'
    })),
    { status: 'succeeded', findings: findings.length, finished_at: scan.started_at }
  );
  return { scanId, ids };
}
