// Typed calls for Clean: scan types and their option schemas, scans (start, history, findings, CSV, compare), the
// identity's allowlist, and fixes (preview, apply, results, undo). Mirrors packages/server/src/clean/clean.routes.ts
// and packages/server/src/clean/fixes/fix.routes.ts.
import type {
  AllowlistEntryView as AllowlistEntry,
  FindingPage,
  FindingTarget,
  FindingView as Finding,
  OptionValue,
  ScanComparison,
  ScanType,
  ScanTypeInfo,
  ScanView as Scan
} from '@orgkeeper/server-types/clean/clean.types';
import type { FixDetail, FixPreview, FixRequest, FixStarted, FixView as Fix } from '@orgkeeper/server-types/clean/fixes/fix.types';
import type { OperationStartedView } from '@orgkeeper/server-types/operations/operation.types';
import { ApiError, type ApiClient } from './api-client';

// The JSON shapes are the server's own declarations (type-only imports, erased at build).
export type {
  AllowlistEntryView as AllowlistEntry,
  FindingPage,
  FindingTarget,
  FindingView as Finding,
  FixAction,
  OptionKind,
  OptionSpec,
  OptionValue,
  ScanComparison,
  ScanStatus,
  ScanType,
  ScanTypeInfo,
  ScanView as Scan
} from '@orgkeeper/server-types/clean/clean.types';
export type {
  FieldChange,
  FixDetail,
  FixOptions,
  FixPreview,
  FixRequest,
  FixResult,
  FixResultView,
  FixStarted,
  FixStatus,
  FixView as Fix,
  PlannedFix
} from '@orgkeeper/server-types/clean/fixes/fix.types';

export type TargetKind = FindingTarget['kind'];
export type Severity = Finding['severity'];

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

export function startScan(client: ApiClient, identityId: string, type: ScanType, options: Record<string, OptionValue>): Promise<OperationStartedView> {
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

export function applyFix(client: ApiClient, identityId: string, request: FixRequest): Promise<FixStarted> {
  return client.post(`${identityPath(identityId)}/fixes`, request);
}

export async function listFixes(client: ApiClient, identityId: string, filter: { scanId?: string; limit?: number } = {}, signal?: AbortSignal): Promise<Fix[]> {
  return (await client.get<{ fixes: Fix[] }>(`${identityPath(identityId)}/fixes${query(filter)}`, { signal })).fixes;
}

export function getFix(client: ApiClient, identityId: string, fixId: string, signal?: AbortSignal): Promise<FixDetail> {
  return client.get(`${identityPath(identityId)}/fixes/${enc(fixId)}`, { signal });
}

export function undoFix(client: ApiClient, identityId: string, fixId: string): Promise<FixStarted> {
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
