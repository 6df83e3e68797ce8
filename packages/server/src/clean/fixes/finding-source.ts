/**
 * Where fixes read findings from: the scans' stored findings (the findings table of the scans module). Fixes depend
 * only on this interface and on clean.types.ts, so the scan engine's storage can change without touching fixes.
 */
import type { Finding, ScanType } from '../clean.types.js';

export interface ScanFindings {
  scanId: string;
  identityId: string;
  scanType: ScanType;
  /** The findings asked for, each with its stored `id`, in the scan's order. */
  findings: (Finding & { id: string })[];
}

export interface FindingSource {
  /**
   * The scan's findings: every one (`all`) or those with the given ids. Throws AppError `not_found` for an unknown
   * scan and `validation_failed` (field `findings`) naming ids that are not findings of that scan.
   */
  load(scanId: string, findingIds: string[] | 'all'): Promise<ScanFindings>;
  /** The identity a scan belongs to (throws AppError `not_found` for an unknown scan). */
  identityOf(scanId: string): Promise<string>;
}
