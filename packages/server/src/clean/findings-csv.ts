/** A scan's findings as CSV (RFC 4180, formula-safe), with dates written as `YYYY-MM-DD HH:MM:SS UTC`. */
import { csvLine } from '../operations/csv.js';
import type { CleanFindingRow, CleanScanRow } from './clean.repository.js';

export function findingsCsv(scan: CleanScanRow, findings: CleanFindingRow[]): { filename: string; body: string } {
  const lines = [
    csvLine(['Scan', 'Scan type', 'Scanned (UTC)', 'Code', 'Severity', 'Kind', 'ID', 'Title', 'Type', 'Owner', 'Where', 'Message', 'Details', 'Link'])
  ];
  const scanned = readableDate(scan.started_at);
  for (const row of findings) {
    lines.push(
      csvLine([
        scan.id,
        scan.scan_type,
        scanned,
        row.code,
        row.severity,
        row.target_kind,
        row.target_id,
        row.target_title,
        row.target_type,
        row.target_owner,
        row.where_text,
        row.message,
        readableDetails(JSON.parse(row.details) as Record<string, unknown>),
        row.portal_url
      ])
    );
  }
  return { filename: `scan-${scan.scan_type}-${scan.started_at.slice(0, 10)}-${scan.id.slice(0, 8)}.csv`, body: lines.join('') };
}

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** `2026-11-24T23:40:12.345Z` -> `2026-11-24 23:40:12 UTC`. */
export function readableDate(iso: string): string {
  return ISO_DATE.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}

/** Details as `name: value; ...` with dates readable and lists joined. */
function readableDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => {
      const value = typeof v === 'string' ? readableDate(v) : Array.isArray(v) ? v.join(' ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `${k}: ${value}`;
    })
    .join('; ');
}
