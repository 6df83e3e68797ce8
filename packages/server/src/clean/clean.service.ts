/**
 * Clean scans for the API, the CLI, schedules and the scan job: run a scan of an identity's organization (the job
 * calls `runScan`), keep every scan with its options and findings, compare two scans of the same type, keep the
 * identity's allowlist (allowlisted findings are not stored as findings of later scans, only counted), and export
 * findings as CSV with readable dates.
 */
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { ArcGISSessionFactory, IdentityRepository } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { OperationsService } from '../operations/operations.service.js';
import type { OperationView } from '../operations/operation.types.js';
import type { CleanAllowlistRow, CleanRepository, CleanScanRow, FindingQuery } from './clean.repository.js';
import { allowlistView, allows, dedupe, findingRow, findingView, newScanRow, scanView } from './clean-rows.js';
import type { AllowlistEntryView, FindingPage, FindingTarget, FindingView, ScanComparison, ScanType, ScanView } from './clean.types.js';
import { findingsCsv } from './findings-csv.js';
import { OrgReader } from './org-reader.js';
import { SCAN_TYPE_INFO, isScanType, validateScanRequest, type ScanTypeInfo } from './scan-options.js';
import { SCANS, type ScanOutput, type ScanProgress } from './scans/index.js';

// The API's JSON shapes live in clean.types.ts (the web app imports them); re-exported for existing importers.
export type { AllowlistEntryView, FindingView, ScanComparison, ScanView } from './clean.types.js';

export interface AllowlistInput {
  scanType?: unknown;
  findingKey?: unknown;
  /** Allowlist a stored finding (its key and scan type are taken from it). */
  findingId?: unknown;
  scanId?: unknown;
  target?: { kind?: unknown; id?: unknown; title?: unknown };
  code?: unknown;
  reason?: unknown;
}

export interface RunScanOptions {
  operationId?: string | null;
  signal?: AbortSignal;
  onProgress?: (progress: Record<string, unknown>) => void;
  createdBy?: string;
  /** The time the scan runs at (tests); default now. */
  now?: number;
}

export interface CleanServiceDeps {
  repository: CleanRepository;
  identities: IdentityRepository;
  arcgisSessions: ArcGISSessionFactory;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** The job system; absent in tools that only read scans. */
  operations?: OperationsService;
}

export class CleanService {
  constructor(private readonly deps: CleanServiceDeps) {}

  scanTypes(): ScanTypeInfo[] {
    return Object.values(SCAN_TYPE_INFO);
  }

  /** Starts a scan as an operation (`scan` job); returns the operation (follow it at /api/operations/:id). */
  async startScan(identityId: string, request: unknown, actor: Actor): Promise<OperationView> {
    if (!this.deps.operations) throw new AppError('unavailable', 'Scans cannot be started here: the job system is not available.');
    return this.deps.operations.start('scan', identityId, validateScanRequest(request), actor);
  }

  /**
   * Runs a scan to the end (the scan job, and tools without the job system): reads the organization, drops
   * allowlisted findings, stores the scan and its findings. Throws on failure after marking the scan failed.
   */
  async runScan(identityId: string, request: unknown, options: RunScanOptions = {}): Promise<ScanView> {
    const { type, options: scanOptions } = validateScanRequest(request);
    const identity = await this.identity(identityId);
    if (!identity.org_id) {
      throw new AppError('needs_sign_in', `"${identity.name}" has never connected, so its organization is not known yet. Connect it first, then scan it.`);
    }
    const base = await this.deps.arcgisSessions.sessionFor(identityId, { signal: options.signal });
    const session = options.signal ? base.withSignal(options.signal) : base;
    const requestsBefore = session.stats.requests;
    const now = options.now ?? this.deps.clock().getTime();
    const scan = newScanRow({ identityId, type, options: scanOptions, operationId: options.operationId ?? null, createdBy: options.createdBy ?? 'system', startedAt: new Date(now).toISOString() });
    await this.deps.repository.insertScan(scan);
    await this.deps.repository.failRunning(identityId, type, scan.id, 'OrgKeeper stopped while this scan was running. Run it again.', scan.started_at);
    let phase: ScanProgress = { phase: 'starting', done: 0, total: 0 };
    const report = () => options.onProgress?.({ ...phase, requests: session.stats.requests - requestsBefore });
    const reader = new OrgReader(session, {
      orgId: identity.org_id,
      ...(options.signal ? { signal: options.signal } : {}),
      onRead: (what, count) => {
        if (phase.phase === 'items' || phase.phase === 'users' || phase.phase === 'groups' || phase.phase === 'starting') phase = { phase: `reading ${what}`, done: count, total: 0 };
        report();
      }
    });
    try {
      const viewHistory = type === 'stale-items' ? await this.deps.repository.viewCounts(identityId) : new Map();
      const output = await SCANS[type]({
        reader,
        options: scanOptions,
        portalUrl: identity.portal_url,
        platform: identity.type,
        now,
        viewHistory,
        ...(options.signal ? { signal: options.signal } : {}),
        progress: (p) => {
          phase = p;
          report();
        }
      });
      const stored = await this.storeFindings(scan, output, reader, session.stats.requests - requestsBefore);
      if (output.viewCounts) await this.deps.repository.replaceViewCounts(identityId, output.viewCounts);
      await this.deps.repository.addOwnReads(identityId, reader.itemReads, this.nowIso());
      phase = { phase: 'done', done: stored, total: stored };
      report();
      return this.getScan(identityId, scan.id);
    } catch (error) {
      await this.deps.repository.addOwnReads(identityId, reader.itemReads, this.nowIso()).catch(() => undefined);
      const cancelled = options.signal?.aborted === true;
      const message = cancelled ? 'The scan was stopped before it finished.' : `The scan failed: ${error instanceof Error ? error.message : String(error)}`;
      await this.deps.repository.updateScan(scan.id, {
        status: cancelled ? 'cancelled' : 'failed',
        message,
        requests: session.stats.requests - requestsBefore,
        finished_at: this.nowIso()
      });
      throw error;
    }
  }

  /** Keeps the findings that no allowlist entry covers, and finishes the scan; answers how many were kept. */
  private async storeFindings(scan: CleanScanRow, output: ScanOutput, reader: OrgReader, requests: number): Promise<number> {
    const allowlist = await this.deps.repository.listAllowlist(scan.identity_id, scan.scan_type);
    const kept = output.findings.filter((f) => !allowlist.some((entry) => allows(entry, f)));
    const rows = dedupe(kept).map((f) => findingRow(scan.id, f));
    const summary = { ...output.summary, ...(reader.problems.length > 0 ? { problems: reader.problems.slice(0, 100), problemCount: reader.problems.length } : {}) };
    const allowlisted = output.findings.length - kept.length;
    const message = `${rows.length} finding${rows.length === 1 ? '' : 's'}${allowlisted > 0 ? ` (${allowlisted} allowlisted, not shown)` : ''}${reader.problems.length > 0 ? `; ${reader.problems.length} things could not be read (see the summary)` : ''}.`;
    await this.deps.repository.finishScan(scan.id, rows, {
      status: 'succeeded',
      message,
      summary: JSON.stringify(summary),
      findings: rows.length,
      allowlisted,
      requests,
      finished_at: this.nowIso()
    });
    return rows.length;
  }

  async listScans(identityId: string, filter: { type?: string; limit?: number; before?: string } = {}): Promise<ScanView[]> {
    await this.identity(identityId);
    if (filter.type !== undefined && !isScanType(filter.type)) throw AppError.validation({ type: `There is no scan type "${filter.type}".` });
    const rows = await this.deps.repository.listScans({
      identityId,
      limit: filter.limit ?? 50,
      ...(filter.type ? { type: filter.type as ScanType } : {}),
      ...(filter.before ? { before: filter.before } : {})
    });
    return rows.map(scanView);
  }

  async getScan(identityId: string, scanId: string): Promise<ScanView> {
    return scanView(await this.scanRow(identityId, scanId));
  }

  /** The scan an operation produced (the CLI and UI follow the operation, then read its scan). */
  async scanOfOperation(operationId: string): Promise<ScanView | undefined> {
    const row = await this.deps.repository.findScanByOperation(operationId);
    return row ? scanView(row) : undefined;
  }

  async findings(identityId: string, scanId: string, query: FindingQuery): Promise<FindingPage> {
    await this.scanRow(identityId, scanId);
    const page = await this.deps.repository.queryFindings(scanId, query);
    const next = query.start + page.rows.length;
    return { total: page.total, start: query.start, num: page.rows.length, nextStart: next <= page.total ? next : -1, findings: page.rows.map(findingView) };
  }

  async allFindings(identityId: string, scanId: string): Promise<FindingView[]> {
    await this.scanRow(identityId, scanId);
    return (await this.deps.repository.allFindings(scanId)).map(findingView);
  }

  /** Findings of a scan by their ids (unknown ids are left out). */
  async findingsByIds(identityId: string, scanId: string, ids: string[]): Promise<FindingView[]> {
    await this.scanRow(identityId, scanId);
    return (await this.deps.repository.findFindings(scanId, ids)).map(findingView);
  }

  /** New, resolved and still-open findings between two scans of the same type (by finding key). */
  async compare(identityId: string, fromId: string, toId: string): Promise<ScanComparison> {
    const [from, to] = await Promise.all([this.scanRow(identityId, fromId), this.scanRow(identityId, toId)]);
    if (from.scan_type !== to.scan_type) {
      throw new AppError('bad_request', `Only scans of the same type can be compared; ${from.id} is ${from.scan_type} and ${to.id} is ${to.scan_type}.`);
    }
    for (const scan of [from, to]) {
      if (scan.status !== 'succeeded') throw new AppError('conflict', `Scan ${scan.id} is ${scan.status}; only finished scans can be compared.`);
    }
    const [a, b] = await Promise.all([this.deps.repository.allFindings(from.id), this.deps.repository.allFindings(to.id)]);
    const before = new Map(a.map((f) => [f.finding_key, f]));
    const after = new Map(b.map((f) => [f.finding_key, f]));
    const added = b.filter((f) => !before.has(f.finding_key)).map(findingView);
    const resolved = a.filter((f) => !after.has(f.finding_key)).map(findingView);
    const open = b.filter((f) => before.has(f.finding_key)).map(findingView);
    return { from: scanView(from), to: scanView(to), counts: { new: added.length, resolved: resolved.length, open: open.length }, new: added, resolved, open };
  }

  async listAllowlist(identityId: string, type?: string): Promise<AllowlistEntryView[]> {
    await this.identity(identityId);
    if (type !== undefined && !isScanType(type)) throw AppError.validation({ scanType: `There is no scan type "${type}".` });
    return (await this.deps.repository.listAllowlist(identityId, type as ScanType | undefined)).map(allowlistView);
  }

  /**
   * Adds an allowlist entry: a stored finding (`findingId` + `scanId`), a finding key, or a target (kind and id) with
   * an optional code (none: every finding of the scan type about that target). A reason is required.
   */
  async addAllowlist(identityId: string, input: AllowlistInput, actor: Actor): Promise<AllowlistEntryView> {
    const identity = await this.identity(identityId);
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    const fields: Record<string, string> = {};
    if (reason === '') fields.reason = 'Say why this finding may stay (a reason is required, so others know later).';
    else if (reason.length > 2000) fields.reason = 'The reason may be at most 2,000 characters.';
    let entry: AllowlistEntry | undefined;
    if (input.findingId !== undefined) {
      if (typeof input.findingId !== 'string' || typeof input.scanId !== 'string') fields.findingId = 'Give the finding id together with the scan id it belongs to.';
      else {
        await this.scanRow(identityId, input.scanId);
        const [finding] = await this.deps.repository.findFindings(input.scanId, [input.findingId]);
        if (!finding) throw new AppError('not_found', `Scan ${input.scanId} has no finding ${input.findingId}.`);
        entry = { scan_type: finding.scan_type, finding_key: finding.finding_key, target_kind: finding.target_kind, target_id: finding.target_id, code: finding.code, target_title: finding.target_title };
      }
    } else entry = allowlistEntryOf(input, fields);
    if (Object.keys(fields).length > 0 || !entry) throw AppError.validation(fields);
    const row: CleanAllowlistRow = { id: newId(), identity_id: identityId, ...entry, reason, added_by: actorName(actor), added_at: this.nowIso() };
    await this.deps.repository.insertAllowlist(row);
    await this.deps.audit.record({
      actor,
      action: 'clean.allowlist.add',
      target: identityId,
      result: 'success',
      details: { identity: identity.name, entryId: row.id, scanType: row.scan_type, findingKey: row.finding_key, targetKind: row.target_kind, targetId: row.target_id, code: row.code, reason }
    });
    return allowlistView(row);
  }

  async removeAllowlist(identityId: string, entryId: string, actor: Actor): Promise<void> {
    const identity = await this.identity(identityId);
    const row = await this.deps.repository.findAllowlist(identityId, entryId);
    if (!row) throw new AppError('not_found', 'There is no such allowlist entry; it may have been removed already.');
    await this.deps.repository.deleteAllowlist(identityId, entryId);
    await this.deps.audit.record({
      actor,
      action: 'clean.allowlist.remove',
      target: identityId,
      result: 'success',
      details: { identity: identity.name, entryId, scanType: row.scan_type, findingKey: row.finding_key, targetId: row.target_id, code: row.code }
    });
  }

  /** The scan's findings as CSV (RFC 4180, formula-safe), dates written as `YYYY-MM-DD HH:MM:SS UTC`. */
  async findingsCsv(identityId: string, scanId: string): Promise<{ filename: string; body: string }> {
    const scan = await this.scanRow(identityId, scanId);
    return findingsCsv(scan, await this.deps.repository.allFindings(scanId));
  }

  private async identity(identityId: string): Promise<IdentityRow> {
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    return row;
  }

  private async scanRow(identityId: string, scanId: string): Promise<CleanScanRow> {
    await this.identity(identityId);
    const row = await this.deps.repository.findScan(scanId);
    if (!row || row.identity_id !== identityId) throw new AppError('not_found', `This identity has no scan ${scanId}.`);
    return row;
  }

  private nowIso(): string {
    return this.deps.clock().toISOString();
  }
}

type AllowlistEntry = Omit<CleanAllowlistRow, 'id' | 'identity_id' | 'reason' | 'added_by' | 'added_at'>;

/** An allowlist entry from a finding key, or a target (kind and id) with an optional code; problems go into `fields`. */
function allowlistEntryOf(input: AllowlistInput, fields: Record<string, string>): AllowlistEntry | undefined {
  if (!isScanType(input.scanType)) fields.scanType = `The scan type must be one of ${Object.keys(SCAN_TYPE_INFO).join(', ')}.`;
  const key = typeof input.findingKey === 'string' && input.findingKey.trim() !== '' ? input.findingKey.trim() : undefined;
  const kind = input.target?.kind;
  const targetId = typeof input.target?.id === 'string' ? input.target.id.trim() : '';
  const code = typeof input.code === 'string' && input.code.trim() !== '' ? input.code.trim() : null;
  if (key) {
    if (key.length > 1000) fields.findingKey = 'The finding key may be at most 1,000 characters.';
  } else if (kind !== 'item' && kind !== 'user' && kind !== 'group') {
    fields.target = 'Give a finding (findingId and scanId), a findingKey, or a target with kind (item, user or group) and id.';
  } else if (targetId === '' || targetId.length > 200) fields.target = 'The target id is required (an item or group id, or a username).';
  if (Object.keys(fields).length > 0 || !isScanType(input.scanType)) return undefined;
  if (key) return { scan_type: input.scanType, finding_key: key, target_kind: null, target_id: null, code: null, target_title: null };
  const title = typeof input.target?.title === 'string' ? input.target.title.slice(0, 500) : null;
  return { scan_type: input.scanType, finding_key: null, target_kind: kind as FindingTarget['kind'], target_id: targetId, code, target_title: title };
}
