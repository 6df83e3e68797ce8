/**
 * Operations: long work (a backup now; check, forget, prune and restore later) recorded as a row the API and UI follow.
 * This is the in-process runner; the durable job system with a worker pool comes with the jobs issue and keeps these
 * rows and statuses.
 *
 * - One backup per identity at a time (409 `already_running` names the running one).
 * - Progress is written at most once per PROGRESS_INTERVAL_MS (and at the end), so a fast backup does not hammer the
 *   database.
 * - Cancel aborts the run's signal; the engine stops promptly and leaves earlier snapshots untouched and its journal for
 *   the next run to continue from.
 * - Operations still `running` when the server starts again were cut off by a stop or crash: they become `interrupted`.
 */
import type { Actor, AuditService } from '../audit/audit.service.js';
import { runBackup } from '../backup/backup.engine.js';
import { entryParts, storeFailure, type BackupService } from '../backup/backup.service.js';
import type { BackupIdentity, BackupProgress, BackupResult } from '../backup/backup.types.js';
import { AppError } from '../errors/app-error.js';
import type { IdentitySessions } from '../identities/identity-sessions.js';
import type { IdentityRepository } from '../identities/identity.repository.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import { type ItemEntry, StoreError, listJournals, readJournal } from '../store/index.js';
import type { OperationRepository } from './operation.repository.js';
import type {
  BackupParams,
  ItemLogStatus,
  OperationFilter,
  OperationItemRow,
  OperationItemView,
  OperationRow,
  OperationStatus,
  OperationView
} from './operation.types.js';

export const PROGRESS_INTERVAL_MS = 1000;
const INTERRUPTED_MESSAGE = 'OrgKeeper stopped while this operation was running. Run it again: a backup continues where it stopped.';

export interface OperationsServiceDeps {
  repository: OperationRepository;
  identities: IdentityRepository;
  sessions: IdentitySessions;
  backups: BackupService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** Items backed up at once per backup (default: the engine's). */
  concurrency?: number;
}

interface Running {
  operationId: string;
  identityId: string;
  controller: AbortController;
  done: Promise<void>;
  cancelledBy?: Actor;
}

type StopReason = 'cancelled' | 'shutdown';

export class OperationsService {
  private readonly running = new Map<string, Running>();
  /** Identities whose backup is being set up (between the checks and the row insert). */
  private readonly starting = new Set<string>();
  private stopping = false;

  constructor(private readonly deps: OperationsServiceDeps) {}

  /** At start-up: operations left queued or running by an earlier process can no longer finish. */
  async recoverInterrupted(): Promise<void> {
    const ids = await this.deps.repository.interruptActive(this.now(), INTERRUPTED_MESSAGE);
    if (ids.length > 0) this.deps.logger.warn({ operations: ids }, 'marked operations left running by an earlier process as interrupted');
  }

  /** Starts a backup of the identity in the background and returns its operation (status running). */
  async startBackup(identityId: string, params: BackupParams, actor: Actor): Promise<OperationView> {
    if (this.stopping) throw new AppError('unavailable', 'OrgKeeper is shutting down; start the backup again once it is back.');
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    const clean = validateBackupParams(params);
    const identity = backupIdentity(row);
    const alreadyRunning = (id: string) =>
      new AppError('already_running', `A backup of "${row.name}" is already running (operation ${id}). Wait for it to finish or cancel it first.`);
    const inProcess = [...this.running.values()].find((r) => r.identityId === row.id);
    if (inProcess) throw alreadyRunning(inProcess.operationId);
    // Claimed before the next await, so two requests at once cannot both start a backup of the identity.
    if (this.starting.has(row.id)) throw alreadyRunning('being started');
    this.starting.add(row.id);
    const controller = new AbortController();
    let operation: OperationRow;
    let session: Awaited<ReturnType<IdentitySessions['sessionFor']>>;
    try {
      const active = await this.deps.repository.findActive(row.id, 'backup');
      if (active) throw alreadyRunning(active.id);
      // Getting the session first reports missing or expired credentials now, as an error, rather than as a failed operation.
      session = await this.deps.sessions.sessionFor(row.id, { signal: controller.signal });
      operation = await this.insertOperation(row, clean, actor);
    } finally {
      this.starting.delete(row.id);
    }

    const entry: Running = { operationId: operation.id, identityId: row.id, controller, done: Promise.resolve() };
    this.running.set(operation.id, entry);
    entry.done = this.runBackup(operation, row, identity, session, clean, entry)
      .catch((error: unknown) => this.deps.logger.error({ err: error, operationId: operation.id }, 'backup operation bookkeeping failed'))
      .finally(() => this.running.delete(operation.id));
    return toView(operation);
  }

  private async insertOperation(row: IdentityRow, clean: BackupParams, actor: Actor): Promise<OperationRow> {
    const now = this.now();
    const operation: OperationRow = {
      id: newId(),
      kind: 'backup',
      identity_id: row.id,
      status: 'running',
      params: JSON.stringify(clean),
      progress: JSON.stringify({ phase: 'starting', itemsTotal: 0, itemsDone: 0, bytesRead: 0, newBytes: 0 } satisfies BackupProgress),
      message: null,
      result: null,
      snapshot_id: null,
      created_by: actorName(actor),
      created_at: now,
      started_at: now,
      finished_at: null
    };
    await this.deps.repository.insert(operation);
    await this.deps.audit.record({ actor, action: 'backup.start', target: row.id, result: 'success', details: { identity: row.name, operationId: operation.id, ...clean } });
    return operation;
  }

  private async runBackup(
    operation: OperationRow,
    row: IdentityRow,
    identity: BackupIdentity,
    session: Awaited<ReturnType<IdentitySessions['sessionFor']>>,
    params: BackupParams,
    entry: Running
  ): Promise<void> {
    const progress = new ProgressWriter(PROGRESS_INTERVAL_MS, (p) => this.deps.repository.update(operation.id, { progress: JSON.stringify(p) }));
    let result: BackupResult;
    try {
      result = await runBackup({
        identity,
        session,
        signal: entry.controller.signal,
        onProgress: (p) => progress.push(p),
        ...(this.deps.concurrency ? { concurrency: this.deps.concurrency } : {}),
        ...(params.name ? { name: params.name } : {}),
        ...(params.query ? { query: params.query } : {}),
        ...(params.items ? { itemIds: params.items } : {})
      });
    } catch (error) {
      await progress.flush();
      const reason = entry.controller.signal.aborted ? (entry.controller.signal.reason as StopReason) : undefined;
      const status: OperationStatus = reason === 'cancelled' ? 'cancelled' : reason === 'shutdown' ? 'interrupted' : 'failed';
      if (status === 'failed') this.deps.logger.warn({ err: error, operationId: operation.id }, 'backup failed');
      const kept = await this.logJournaledItems(operation.id, row);
      const keptText = kept > 0 ? ` ${kept} items were stored before it stopped (see the log) and will not be downloaded again.` : '';
      const message =
        status === 'cancelled'
          ? `Cancelled${entry.cancelledBy ? ` by ${actorName(entry.cancelledBy)}` : ''}. Earlier backups are untouched; the next backup continues where this one stopped.${keptText}`
          : status === 'interrupted'
            ? `${INTERRUPTED_MESSAGE}${keptText}`
            : `${failureMessage(row, error)}${keptText}`;
      await this.finish(operation.id, { status, message });
      await this.deps.audit.record({
        actor: { kind: 'system', name: 'backup' },
        action: 'backup.finish',
        target: row.id,
        result: status === 'failed' ? 'failure' : 'success',
        details: { identity: row.name, operationId: operation.id, status, message }
      });
      return;
    }
    await progress.flush();

    // The log's owner, modification date and parts come from the snapshot just written (the run result lacks them).
    const entries = new Map<string, ItemEntry>();
    let indexWarning: string | undefined;
    try {
      const store = await this.deps.backups.openStore(row);
      if (store) {
        const manifest = await store.readSnapshot(result.snapshotId);
        for await (const item of store.readList(manifest, 'items')) entries.set(item.id, item);
        await this.deps.backups.indexSnapshot(row.id, store, manifest);
      }
    } catch (error) {
      // The snapshot is safe in the store; only the index lags, and the next listing or `store reindex` catches up.
      indexWarning = 'The backup is stored, but it could not be added to the index; list the snapshots again or run `orgkeeper store reindex`.';
      this.deps.logger.warn({ err: error, operationId: operation.id }, 'could not index the new snapshot');
    }
    const items: OperationItemRow[] = result.items.map((item) => {
      const stored = entries.get(item.id);
      return logRow(operation.id, {
        id: item.id,
        title: item.title || stored?.title || '',
        type: item.type || stored?.type || '',
        status: item.status,
        problems: item.problems.length > 0 ? item.problems : (stored?.problems ?? []),
        carriedOver: item.carriedOver,
        bytesRead: item.bytesRead,
        newBytes: item.newBytes,
        durationMs: item.durationMs
      }, stored);
    });
    await this.deps.repository.insertItems(items);
    const status: OperationStatus = result.counts.failed > 0 ? 'partial' : 'succeeded';
    const c = result.counts;
    const message =
      `${c.ok} items ok, ${c.skipped} skipped, ${c.failed} failed (${c.carriedOver} unchanged, carried over); ${c.groups} groups, ${c.users} users.` +
      (result.problems.length > 0 ? ` ${result.problems.length} groups, users or items could not be read; see the log.` : '') +
      (indexWarning ? ` ${indexWarning}` : '');
    await this.finish(operation.id, {
      status,
      message,
      snapshot_id: result.snapshotId,
      result: JSON.stringify({
        snapshotId: result.snapshotId,
        name: result.name,
        snapshotStatus: result.status,
        resumed: result.resumed,
        counts: result.counts,
        bytesRead: result.bytesRead,
        newBytes: result.newBytes,
        durationMs: result.durationMs,
        problems: result.problems
      })
    });
    await this.deps.audit.record({
      actor: { kind: 'system', name: 'backup' },
      action: 'backup.finish',
      target: row.id,
      result: status === 'succeeded' ? 'success' : 'failure',
      details: { identity: row.name, operationId: operation.id, status, snapshotId: result.snapshotId, counts: result.counts }
    });
  }

  /**
   * After a run stopped early: its journal holds the items already stored (kept for the next run); they become the
   * operation's log, so the user sees how far it got. Returns how many.
   */
  private async logJournaledItems(operationId: string, row: IdentityRow): Promise<number> {
    try {
      const store = await this.deps.backups.openStore(row);
      if (!store) return 0;
      const journal = (await listJournals(store)).filter((j) => j.header?.operation === 'backup').pop();
      if (!journal) return 0;
      const contents = await readJournal<ItemEntry>(store, journal.runId);
      const rows: OperationItemRow[] = [];
      for (const unit of contents?.units.values() ?? []) {
        const e = unit.data;
        if (!unit.key.startsWith('item:') || !e) continue;
        rows.push(
          logRow(
            operationId,
            {
              id: e.id,
              title: e.title,
              type: e.type,
              status: e.status,
              problems: e.problems ?? [],
              carriedOver: e.carriedFrom !== undefined,
              bytesRead: e.stats?.bytesRead ?? 0,
              newBytes: e.stats?.newBytesStored ?? 0,
              durationMs: e.stats?.durationMs ?? 0
            },
            e
          )
        );
      }
      await this.deps.repository.insertItems(rows);
      return rows.length;
    } catch (error) {
      this.deps.logger.warn({ err: error, operationId }, 'could not read the stopped backup’s journal for its log');
      return 0;
    }
  }

  private async finish(id: string, changes: Partial<OperationRow>): Promise<void> {
    await this.deps.repository.update(id, { ...changes, finished_at: this.now() });
  }

  async cancel(operationId: string, actor: Actor): Promise<OperationView> {
    const row = await this.deps.repository.findById(operationId);
    if (!row) throw new AppError('not_found', 'There is no such operation.');
    const running = this.running.get(operationId);
    if (!running) {
      throw new AppError('conflict', `This operation is ${row.status} already; only a queued or running operation can be cancelled.`);
    }
    running.cancelledBy = actor;
    await this.deps.audit.record({ actor, action: 'operation.cancel', target: operationId, result: 'success', details: { kind: row.kind, identityId: row.identity_id } });
    running.controller.abort('cancelled' satisfies StopReason);
    await running.done;
    return this.get(operationId);
  }

  async get(operationId: string): Promise<OperationView> {
    const row = await this.deps.repository.findById(operationId);
    if (!row) throw new AppError('not_found', 'There is no such operation.');
    return toView(row);
  }

  async list(filter: OperationFilter): Promise<OperationView[]> {
    return (await this.deps.repository.list(filter)).map(toView);
  }

  async items(operationId: string, options: { status?: ItemLogStatus; start: number; num: number }) {
    await this.get(operationId);
    const total = await this.deps.repository.countItems(operationId, options.status);
    const rows = await this.deps.repository.listItems(operationId, {
      ...(options.status ? { status: options.status } : {}),
      offset: options.start - 1,
      limit: options.num
    });
    const next = options.start + rows.length;
    return { total, start: options.start, num: options.num, nextStart: rows.length > 0 && next <= total ? next : -1, items: rows.map(itemView) };
  }

  async allItems(operationId: string, status?: ItemLogStatus): Promise<{ operation: OperationView; items: OperationItemView[] }> {
    const operation = await this.get(operationId);
    const rows = await this.deps.repository.listItems(operationId, status ? { status } : {});
    return { operation, items: rows.map(itemView) };
  }

  /** On server stop: stops every running operation (they become interrupted) and waits for their rows to be written. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort('shutdown' satisfies StopReason);
    await Promise.all(all.map((r) => r.done));
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}

/** Writes the newest progress at most once per interval; flush writes what is pending and waits for it. */
class ProgressWriter {
  private pending: BackupProgress | undefined;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (progress: BackupProgress) => Promise<void>
  ) {}

  push(progress: BackupProgress): void {
    this.pending = progress;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
    this.timer.unref();
  }

  private drain(): void {
    const progress = this.pending;
    if (!progress) return;
    this.pending = undefined;
    this.lastWrite = Date.now();
    // Writes are chained so an older progress never lands after a newer one.
    this.writing = this.writing.then(() => this.write(progress)).catch(() => undefined);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
    await this.writing;
  }
}

function validateBackupParams(params: BackupParams): BackupParams {
  const fields: Record<string, string> = {};
  const clean: BackupParams = {};
  if (params.name !== undefined) {
    const name = params.name.trim();
    if (name === '') fields.name = 'The backup name is empty; leave it out to use the default (identity name and time).';
    else if ([...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) fields.name = 'The backup name may not contain control characters.';
    else clean.name = name;
  }
  if (params.query !== undefined) {
    const query = params.query.trim();
    if (query === '') fields.query = 'The search query is empty; leave it out to back up every item.';
    else clean.query = query;
  }
  if (params.items !== undefined) {
    const ids = [...new Set(params.items.map((id) => id.trim()))];
    const bad = ids.find((id) => !/^[0-9a-zA-Z]{1,64}$/.test(id));
    if (ids.length === 0) fields.items = 'Give at least one item id, or leave items out to back up every item.';
    else if (bad !== undefined) fields.items = `"${bad}" is not an ArcGIS item id (letters and digits, e.g. 9f86d081884c7d659a2feaa0c55ad015).`;
    else clean.items = ids;
    if (params.query !== undefined) fields.items = 'Give either a search query or item ids, not both.';
  }
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return clean;
}

interface ItemFigures {
  id: string;
  title: string;
  type: string;
  status: ItemLogStatus;
  problems: { part: string; reason: string }[];
  carriedOver: boolean;
  bytesRead: number;
  newBytes: number;
  durationMs: number;
}

/** One per-item log row: the run's figures, with owner, modification date and parts from the stored entry. */
function logRow(operationId: string, item: ItemFigures, stored: ItemEntry | undefined): OperationItemRow {
  return {
    operation_id: operationId,
    item_id: item.id,
    title: item.title,
    type: item.type,
    owner: stored?.owner ?? '',
    modified: stored && stored.modified > 0 ? new Date(stored.modified).toISOString() : null,
    status: item.status,
    parts: stored ? entryParts(stored).join(', ') : '',
    carried_over: item.carriedOver ? 1 : 0,
    bytes_read: item.bytesRead,
    new_bytes: item.newBytes,
    error: item.problems.length > 0 ? item.problems.map((p) => `${p.part}: ${p.reason}`).join('; ') : null,
    duration_ms: Math.round(item.durationMs)
  };
}

function backupIdentity(row: IdentityRow): BackupIdentity {
  if (!row.org_id) {
    throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first, then start the backup.`);
  }
  return { id: row.id, name: row.name, fileLocation: row.file_location, orgId: row.org_id, portalUrl: row.portal_url, portalName: row.portal_name };
}

function failureMessage(row: IdentityRow, error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof StoreError) {
    if (error.code === 'locked') return `${error.message} Wait for the other backup, check or prune of this store to finish, then start the backup again.`;
    return storeFailure(row, error).message;
  }
  return `The backup stopped: ${error instanceof Error ? error.message : String(error)}. Earlier backups are untouched; start it again to continue.`;
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.username : actor.kind === 'system' ? actor.name : (actor.name ?? 'anonymous');
}

const parse = (text: string | null): Record<string, unknown> | null => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

function toView(row: OperationRow): OperationView {
  return {
    id: row.id,
    kind: row.kind,
    identityId: row.identity_id,
    status: row.status,
    params: parse(row.params) ?? {},
    progress: parse(row.progress),
    message: row.message,
    result: parse(row.result),
    snapshotId: row.snapshot_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at
  };
}

function itemView(row: OperationItemRow): OperationItemView {
  return {
    itemId: row.item_id,
    title: row.title,
    type: row.type,
    owner: row.owner,
    modified: row.modified,
    status: row.status,
    parts: row.parts === '' ? [] : row.parts.split(', '),
    carriedOver: row.carried_over === 1,
    bytesRead: Number(row.bytes_read),
    newBytes: Number(row.new_bytes),
    error: row.error,
    durationMs: row.duration_ms
  };
}
