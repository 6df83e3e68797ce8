// Typed calls for Clean: scan types and their option schemas, scans (start, history, findings, CSV, compare), the
// identity's allowlist, and fixes (preview, apply, results, undo). Mirrors packages/server/src/clean/clean.routes.ts
// and packages/server/src/clean/fixes/fix.routes.ts.
import { ApiError, type ApiClient } from './api-client';

export type ScanType =
  | 'stale-items'
  | 'inactive-users'
  | 'broken-links'
  | 'text-search'
  | 'missing-metadata'
  | 'over-shared'
  | 'duplicates'
  | 'groups'
  | 'storage';

export type OptionKind = 'integer' | 'number' | 'boolean' | 'string' | 'string-list';
export type OptionValue = number | boolean | string | string[];

/** One option of a scan type, as the server publishes it; the options form is generated from these. */
export interface OptionSpec {
  name: string;
  kind: OptionKind;
  label: string;
  description: string;
  default?: OptionValue;
  required?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
}

export interface ScanTypeInfo {
  type: ScanType;
  title: string;
  description: string;
  options: OptionSpec[];
}

export type ScanStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Scan {
  id: string;
  identityId: string;
  operationId: string | null;
  type: ScanType;
  options: Record<string, OptionValue>;
  status: ScanStatus;
  message: string | null;
  summary: Record<string, unknown> | null;
  findings: number;
  allowlisted: number;
  requests: number;
  createdBy: string;
  startedAt: string;
  finishedAt: string | null;
}

export type TargetKind = 'item' | 'user' | 'group';
export type Severity = 'info' | 'warning' | 'critical';

export interface FindingTarget {
  kind: TargetKind;
  id: string;
  /** Untrusted text from ArcGIS. */
  title: string;
  type?: string;
  owner?: string;
  folderId?: string | null;
  portalUrl?: string;
}

export interface Finding {
  id: string;
  scanId: string;
  key: string;
  scanType: ScanType;
  target: FindingTarget;
  code: string;
  message: string;
  where?: string;
  severity: Severity;
  details?: Record<string, unknown>;
}

export type FindingSort = 'title' | 'owner' | 'code' | 'severity' | 'type' | 'target';

export interface FindingFilter {
  code?: string;
  severity?: Severity;
  kind?: TargetKind;
  owner?: string;
  type?: string;
  q?: string;
  sort?: FindingSort;
  order?: 'asc' | 'desc';
  start?: number;
  num?: number;
}

export interface FindingPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  findings: Finding[];
}

export interface ScanComparison {
  from: Scan;
  to: Scan;
  counts: { new: number; resolved: number; open: number };
  new: Finding[];
  resolved: Finding[];
  open: Finding[];
}

export interface AllowlistEntry {
  id: string;
  identityId: string;
  scanType: ScanType;
  findingKey: string | null;
  target: { kind: TargetKind; id: string; title: string | null } | null;
  code: string | null;
  reason: string;
  addedBy: string;
  addedAt: string;
}

export type FixAction =
  | 'delete-items'
  | 'reassign'
  | 'move'
  | 'unshare'
  | 'protect'
  | 'add-tags'
  | 'mark-deprecated'
  | 'disable-users'
  | 'transfer-and-delete-user'
  | 'notify-owners';

export interface FixOptions {
  overrideProtection?: boolean;
  targetUsername?: string;
  targetFolder?: string;
  folder?: string;
  from?: 'everyone' | 'org' | 'groups';
  groups?: string[];
  tags?: string[];
  message?: string;
}

export interface FixRequest {
  scanId: string;
  findings: string[] | 'all';
  action: FixAction;
  options: FixOptions;
  confirmNoBackup?: boolean;
  previewHash?: string;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** For people, e.g. `Sharing: Everyone (public) -> Organization` (may quote ArcGIS text: show as plain text). */
  summary: string;
}

export interface PlannedFix {
  findingId: string;
  target: FindingTarget;
  message: string;
  status: 'change' | 'skip';
  reason: string | null;
  changes: FieldChange[];
}

export interface FixPreview {
  hash: string;
  identityId: string;
  scanId: string;
  action: FixAction;
  options: FixOptions;
  backup: { possible: boolean; reason: string | null; itemIds: string[]; principals: boolean; needed: boolean };
  counts: { change: number; skip: number };
  findings: PlannedFix[];
}

export type FixStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';

export interface Fix {
  id: string;
  identityId: string;
  scanId: string;
  action: FixAction;
  options: FixOptions;
  status: FixStatus;
  message: string | null;
  snapshotId: string | null;
  backupNote: string | null;
  counts: { ok: number; failed: number; skipped: number };
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  undo: { operationId: string; status: 'running' | 'succeeded' | 'partial' | 'failed'; by: string; at: string; message: string | null } | null;
}

export interface FixResult {
  findingId: string;
  target: FindingTarget;
  message: string;
  status: 'ok' | 'failed' | 'skipped' | 'pending';
  error: string | null;
  changes: FieldChange[];
  applied: FieldChange[];
  undo: { status: 'ok' | 'failed' | 'skipped'; error: string | null; note?: string | null } | null;
}

export interface FixDetail {
  fix: Fix;
  results: FixResult[];
}

const enc = encodeURIComponent;
const identityPath = (identityId: string) => `/api/identities/${enc(identityId)}`;

function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function listScanTypes(client: ApiClient, signal?: AbortSignal): Promise<ScanTypeInfo[]> {
  return (await client.get<{ scanTypes: ScanTypeInfo[] }>('/api/clean/scan-types', { signal })).scanTypes;
}

export function startScan(client: ApiClient, identityId: string, type: ScanType, options: Record<string, OptionValue>): Promise<{ operationId: string }> {
  return client.post(`${identityPath(identityId)}/scans`, { type, options });
}

export async function listScans(client: ApiClient, identityId: string, filter: { type?: ScanType; limit?: number } = {}, signal?: AbortSignal): Promise<Scan[]> {
  return (await client.get<{ scans: Scan[] }>(`${identityPath(identityId)}/scans${query(filter)}`, { signal })).scans;
}

export function getScan(client: ApiClient, identityId: string, scanId: string, signal?: AbortSignal): Promise<Scan> {
  return client.get(`${identityPath(identityId)}/scans/${enc(scanId)}`, { signal });
}

/** The scan an operation stored; null while it has not stored one (still running, or failed before it could). */
export async function scanOfOperation(client: ApiClient, identityId: string, operationId: string, signal?: AbortSignal): Promise<Scan | null> {
  try {
    return await client.get<Scan>(`${identityPath(identityId)}/scans/by-operation/${enc(operationId)}`, { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function listFindings(client: ApiClient, identityId: string, scanId: string, filter: FindingFilter, signal?: AbortSignal): Promise<FindingPage> {
  return client.get(`${identityPath(identityId)}/scans/${enc(scanId)}/findings${query(filter)}`, { signal });
}

/** Where the browser downloads a scan's findings as CSV (a plain GET with the session cookie). */
export function findingsCsvUrl(identityId: string, scanId: string): string {
  return `${identityPath(identityId)}/scans/${enc(scanId)}/findings.csv`;
}

export function compareScans(client: ApiClient, identityId: string, from: string, to: string, signal?: AbortSignal): Promise<ScanComparison> {
  return client.get(`${identityPath(identityId)}/scans/compare${query({ from, to })}`, { signal });
}

export async function listAllowlist(client: ApiClient, identityId: string, signal?: AbortSignal): Promise<AllowlistEntry[]> {
  return (await client.get<{ entries: AllowlistEntry[] }>(`${identityPath(identityId)}/clean/allowlist`, { signal })).entries;
}

export function allowlistFinding(client: ApiClient, identityId: string, scanId: string, findingId: string, reason: string): Promise<AllowlistEntry> {
  return client.post(`${identityPath(identityId)}/clean/allowlist`, { scanId, findingId, reason });
}

export function removeAllowlistEntry(client: ApiClient, identityId: string, entryId: string): Promise<void> {
  return client.delete(`${identityPath(identityId)}/clean/allowlist/${enc(entryId)}`);
}

export function previewFix(client: ApiClient, identityId: string, request: FixRequest): Promise<FixPreview> {
  return client.post(`${identityPath(identityId)}/fixes/preview`, request);
}

export function applyFix(client: ApiClient, identityId: string, request: FixRequest): Promise<{ fixId: string; operationId: string }> {
  return client.post(`${identityPath(identityId)}/fixes`, request);
}

export async function listFixes(client: ApiClient, identityId: string, filter: { scanId?: string; limit?: number } = {}, signal?: AbortSignal): Promise<Fix[]> {
  return (await client.get<{ fixes: Fix[] }>(`${identityPath(identityId)}/fixes${query(filter)}`, { signal })).fixes;
}

export function getFix(client: ApiClient, identityId: string, fixId: string, signal?: AbortSignal): Promise<FixDetail> {
  return client.get(`${identityPath(identityId)}/fixes/${enc(fixId)}`, { signal });
}

export function undoFix(client: ApiClient, identityId: string, fixId: string): Promise<{ fixId: string; operationId: string }> {
  return client.post(`${identityPath(identityId)}/fixes/${enc(fixId)}/undo`);
}

export const cleanKeys = {
  all: ['clean'] as const,
  scanTypes: ['clean', 'scan-types'] as const,
  scans: (identityId: string) => ['clean', identityId, 'scans'] as const,
  scan: (identityId: string, scanId: string) => ['clean', identityId, 'scans', scanId] as const,
  scanOfOperation: (identityId: string, operationId: string) => ['clean', identityId, 'by-operation', operationId] as const,
  findings: (identityId: string, scanId: string, filter: FindingFilter) => ['clean', identityId, 'scans', scanId, 'findings', filter] as const,
  compare: (identityId: string, from: string, to: string) => ['clean', identityId, 'compare', from, to] as const,
  allowlist: (identityId: string) => ['clean', identityId, 'allowlist'] as const,
  fixes: (identityId: string, scanId?: string) => ['clean', identityId, 'fixes', scanId ?? ''] as const,
  fix: (identityId: string, fixId: string) => ['clean', identityId, 'fix', fixId] as const
};
