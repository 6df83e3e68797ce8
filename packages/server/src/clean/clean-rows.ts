/** How scans, findings and allowlist entries are stored (clean.repository.ts) and shown (clean.types.ts). */
import { newId } from '../lib/ids.js';
import type { CleanAllowlistRow, CleanFindingRow, CleanScanRow } from './clean.repository.js';
import type { AllowlistEntryView, Finding, FindingTarget, FindingView, ScanType, ScanView } from './clean.types.js';
import type { ScanOptions } from './scan-options.js';

/** A scan's row when it starts. */
export function newScanRow(scan: { identityId: string; type: ScanType; options: ScanOptions; operationId: string | null; createdBy: string; startedAt: string }): CleanScanRow {
  return {
    id: newId(),
    identity_id: scan.identityId,
    operation_id: scan.operationId,
    scan_type: scan.type,
    options: JSON.stringify(scan.options),
    status: 'running',
    message: null,
    summary: null,
    findings: 0,
    allowlisted: 0,
    requests: 0,
    created_by: scan.createdBy,
    started_at: scan.startedAt,
    finished_at: null
  };
}

/** Whether an allowlist entry covers a finding: by key, or by target and code (no code: any code of its scan type). */
export function allows(entry: Pick<CleanAllowlistRow, 'scan_type' | 'finding_key' | 'target_kind' | 'target_id' | 'code'>, finding: Finding): boolean {
  if (entry.scan_type !== finding.scanType) return false;
  if (entry.finding_key) return entry.finding_key === finding.key;
  return (
    entry.target_kind === finding.target.kind &&
    (entry.target_id ?? '').toLowerCase() === finding.target.id.toLowerCase() &&
    (entry.code === null || entry.code === finding.code)
  );
}

/** Findings with distinct keys (the first of each). */
export function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => (seen.has(f.key) ? false : (seen.add(f.key), true)));
}

export function findingRow(scanId: string, f: Finding): CleanFindingRow {
  return {
    id: newId(),
    scan_id: scanId,
    finding_key: f.key,
    scan_type: f.scanType,
    code: f.code,
    severity: f.severity,
    target_kind: f.target.kind,
    target_id: f.target.id,
    target_title: f.target.title,
    target_title_key: f.target.title.toLowerCase(),
    target_type: f.target.type ?? null,
    target_owner: f.target.owner ?? null,
    target_folder_id: f.target.folderId ?? null,
    portal_url: f.target.portalUrl ?? null,
    message: f.message,
    where_text: f.where ?? null,
    details: JSON.stringify(f.details ?? {})
  };
}

export function findingView(row: CleanFindingRow): FindingView {
  const target: FindingTarget = { kind: row.target_kind, id: row.target_id, title: row.target_title };
  if (row.target_type !== null) target.type = row.target_type;
  if (row.target_owner !== null) target.owner = row.target_owner;
  if (row.target_kind === 'item') target.folderId = row.target_folder_id;
  if (row.portal_url !== null) target.portalUrl = row.portal_url;
  return {
    id: row.id,
    scanId: row.scan_id,
    key: row.finding_key,
    scanType: row.scan_type,
    target,
    code: row.code,
    message: row.message,
    ...(row.where_text !== null ? { where: row.where_text } : {}),
    severity: row.severity,
    details: JSON.parse(row.details) as Record<string, unknown>
  };
}

export function scanView(row: CleanScanRow): ScanView {
  return {
    id: row.id,
    identityId: row.identity_id,
    operationId: row.operation_id,
    type: row.scan_type,
    options: JSON.parse(row.options) as ScanOptions,
    status: row.status,
    message: row.message,
    summary: row.summary ? (JSON.parse(row.summary) as Record<string, unknown>) : null,
    findings: row.findings,
    allowlisted: row.allowlisted,
    requests: row.requests,
    createdBy: row.created_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at
  };
}

export function allowlistView(row: CleanAllowlistRow): AllowlistEntryView {
  return {
    id: row.id,
    identityId: row.identity_id,
    scanType: row.scan_type,
    findingKey: row.finding_key,
    target: row.target_kind && row.target_id ? { kind: row.target_kind, id: row.target_id, title: row.target_title } : null,
    code: row.code,
    reason: row.reason,
    addedBy: row.added_by,
    addedAt: row.added_at
  };
}
