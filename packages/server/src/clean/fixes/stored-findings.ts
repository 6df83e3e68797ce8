/** The FindingSource of fixes over the scans' stored findings (clean_scans / clean_findings, migration 0006). */
import { AppError } from '../../errors/app-error.js';
import type { CleanRepository } from '../clean.repository.js';
import { findingView } from '../clean-rows.js';
import type { FindingSource, ScanFindings } from './finding-source.js';

export function storedFindings(repository: CleanRepository): FindingSource {
  return {
    async identityOf(scanId: string): Promise<string> {
      const scan = await repository.findScan(scanId);
      if (!scan) throw new AppError('not_found', `There is no scan ${scanId}. List the scans to find its id.`);
      return scan.identity_id;
    },

    async load(scanId: string, findingIds: string[] | 'all'): Promise<ScanFindings> {
      const scan = await repository.findScan(scanId);
      if (!scan) throw new AppError('not_found', `There is no scan ${scanId}. List the scans to find its id.`);
      if (scan.status === 'running') throw new AppError('conflict', `Scan ${scanId} is still running; fix its findings once it has finished.`);
      let rows;
      if (findingIds === 'all') rows = await repository.allFindings(scanId);
      else {
        rows = await repository.findFindings(scanId, findingIds);
        const found = new Set(rows.map((r) => r.id));
        const missing = findingIds.filter((id) => !found.has(id));
        if (missing.length > 0) {
          throw AppError.validation({
            findings: `${missing.length === 1 ? 'This is not a finding' : 'These are not findings'} of scan ${scanId}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}.`
          });
        }
        // Keep the order the findings were selected in.
        const order = new Map(findingIds.map((id, i) => [id, i]));
        rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      }
      return {
        scanId,
        identityId: scan.identity_id,
        scanType: scan.scan_type,
        findings: rows.map(findingView)
      };
    }
  };
}
