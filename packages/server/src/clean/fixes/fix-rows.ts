/** How a fix and its per-finding results are stored (clean_fixes, clean_fix_results) and shown (FixView, FixResult). */
import { createHash } from 'node:crypto';
import type { FixAction } from '../clean.types.js';
import type { CleanFixResultRow, CleanFixRow } from './fix.repository.js';
import type { FixOptions, FixRequest, FixResult, FixView, PlannedFix } from './fix.types.js';

/** A new fix's row: queued, nothing done yet. */
export function newFixRow(id: string, identityId: string, request: FixRequest, createdBy: string, now: string): CleanFixRow {
  return {
    id,
    identity_id: identityId,
    scan_id: request.scanId,
    action: request.action,
    options: JSON.stringify(request.options),
    status: 'queued',
    message: null,
    snapshot_id: null,
    backup_note: null,
    created_by: createdBy,
    created_at: now,
    finished_at: null,
    undo_operation_id: null,
    undo_status: null,
    undo_by: null,
    undo_at: null,
    undo_message: null
  };
}

/** A fix as the API shows it, from its row and its results' counts by status. */
export function fixView(row: CleanFixRow, counts: Partial<Record<string, number>>): FixView {
  return {
    id: row.id,
    identityId: row.identity_id,
    scanId: row.scan_id,
    action: row.action as FixAction,
    options: JSON.parse(row.options) as FixOptions,
    status: row.status,
    message: row.message,
    snapshotId: row.snapshot_id,
    backupNote: row.backup_note,
    counts: { ok: counts.ok ?? 0, failed: counts.failed ?? 0, skipped: counts.skipped ?? 0 },
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    undo:
      row.undo_operation_id && row.undo_status
        ? { operationId: row.undo_operation_id, status: row.undo_status as NonNullable<FixView['undo']>['status'], by: row.undo_by ?? '', at: row.undo_at ?? '', message: row.undo_message }
        : null
  };
}

/** A planned finding's row before the fix reaches it. */
export function pendingRow(fixId: string, position: number, plan: PlannedFix): CleanFixResultRow {
  return {
    fix_id: fixId,
    finding_id: plan.findingId,
    position,
    target_kind: plan.target.kind,
    target_id: plan.target.id,
    target: JSON.stringify({ ...plan.target, message: plan.message }),
    status: plan.status === 'skip' ? 'skipped' : 'pending',
    error: plan.reason,
    changes: JSON.stringify(plan.changes),
    applied: '[]',
    context: JSON.stringify(plan.context),
    undo_status: null,
    undo_error: null,
    undo_note: null
  };
}

export function toResult(row: CleanFixResultRow): FixResult {
  const { message, ...target } = JSON.parse(row.target) as FixResult['target'] & { message?: string };
  return {
    findingId: row.finding_id,
    target,
    message: message ?? '',
    // A row still pending when its fix ended was never attempted (the fix stopped); `get` shows it as pending while
    // the fix still runs.
    status: row.status === 'pending' ? 'skipped' : row.status,
    error: row.status === 'pending' ? 'Not attempted: the fix stopped before this finding.' : row.error,
    changes: JSON.parse(row.changes) as FixResult['changes'],
    applied: JSON.parse(row.applied) as FixResult['applied'],
    context: JSON.parse(row.context) as FixResult['context'],
    undo: row.undo_status ? { status: row.undo_status as 'ok' | 'failed' | 'skipped', error: row.undo_error, note: row.undo_note } : null
  };
}

/** What a plan will do, as a fingerprint: the same findings, action, options and changes give the same hash. */
export function planHash(request: FixRequest, plan: PlannedFix[]): string {
  const essence = plan.map((p) => [p.findingId, p.target.kind, p.target.id, p.status, p.changes.map((c) => [c.field, c.before, c.after])]);
  return createHash('sha256').update(JSON.stringify([request.action, request.options, essence])).digest('hex');
}

export function countResults(results: FixResult[]): { ok: number; failed: number; skipped: number } {
  const counts = { ok: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
