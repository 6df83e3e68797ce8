/**
 * Restores as a service: validate what is asked, make the plan (the dry run), run it (resumably, under an operation
 * id), and read its log. The job handler, the routes and the CLI all go through here.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { AppError } from '../errors/app-error.js';
import type { ArcGISSessionFactory, IdentityRepository, IdentityStores } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import { csvLine } from '../operations/csv.js';
import { type Store, StoreError, isSnapshotId, pinSnapshots } from '../store/index.js';
import { type HostedRestore, loadHostedRestore } from './hosted-contract.js';
import { diffLiveItem, type LiveItemDiff } from './live-diff.js';
import { runRestore } from './restore.engine.js';
import { buildPlan, readSnapshotContent } from './restore.plan.js';
import type { RestoreRepository } from './restore.repository.js';
import { ITEM_PART_NAMES, type ItemPartName, RESTORE_MODES, type PlanStep, type RestoreLogRow, type RestoreMode, type RestoreParams, type RestorePlan, type RestoreProgress, type RestoreResult } from './restore.types.js';

export interface RestoreServiceDeps {
  identities: IdentityRepository;
  /** Opens identities' stores (location credentials, encryption keys). */
  stores: IdentityStores;
  arcgisSessions: ArcGISSessionFactory;
  repository: RestoreRepository;
  clock: Clock;
  logger: Logger;
  /** The hosted-service restore (default: loaded from restore/hosted when present). */
  hosted?: () => Promise<HostedRestore | undefined>;
  /** Sessions for tests (default: the identity's stored credentials). */
  sessionFor?: (identityId: string, signal: AbortSignal) => Promise<ArcGISSession>;
}

export interface RunOptions {
  operationId: string;
  identityId: string;
  params: RestoreParams;
  signal: AbortSignal;
  onProgress?: (progress: RestoreProgress) => void;
  onStep?: (row: RestoreLogRow, step: PlanStep) => Promise<void> | void;
  beforeStep?: (step: PlanStep) => Promise<void> | void;
}

const ITEM_ID = /^[0-9a-zA-Z]{1,64}$/;

export class RestoreService {
  constructor(private readonly deps: RestoreServiceDeps) {}

  /** Checks and normalises restore params (throws AppError validation with a message per field). */
  validate(raw: unknown, identityId: string | null): RestoreParams {
    const p = (raw ?? {}) as Record<string, unknown>;
    const fields: Record<string, string> = {};
    const str = (key: string): string | undefined => {
      const v = p[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') {
        fields[key] = `${key} must be text.`;
        return undefined;
      }
      return v;
    };
    if (!identityId) fields.identityId = 'A restore needs the identity whose snapshot is restored.';
    const snapshotId = str('snapshotId')?.trim() ?? '';
    if (!isSnapshotId(snapshotId)) fields.snapshotId = 'Give the id of a snapshot (see `orgkeeper snapshots`), e.g. 20261124T211915123Z-9f86d081.';
    let mode = str('mode') as RestoreMode | undefined;
    const target = str('targetIdentityId')?.trim() || undefined;
    if (mode === undefined) mode = target ? 'clone' : undefined;
    if (mode === undefined || !RESTORE_MODES.includes(mode)) fields.mode = 'The mode must be in-place, recreate, copy or clone.';
    if (mode === 'clone' && !target) fields.targetIdentityId = 'Cloning needs the identity to clone into (--target-identity).';
    if (mode !== 'clone' && target && target !== identityId) fields.targetIdentityId = 'A target identity means a clone into another organization; use mode clone.';
    const items = p.items;
    const query = str('query');
    const all = p.all === true;
    const params: RestoreParams = { snapshotId, mode: mode ?? 'in-place' };
    const choices = [items !== undefined, query !== undefined, all].filter(Boolean).length;
    if (choices !== 1) fields.items = 'Choose what to restore: item ids, a query, or all (exactly one).';
    if (items !== undefined) {
      const ids = Array.isArray(items) ? [...new Set(items.map((i) => String(i).trim()).filter((i) => i !== ''))] : [];
      const bad = ids.find((id) => !ITEM_ID.test(id));
      if (ids.length === 0) fields.items = 'Give at least one item id.';
      else if (bad) fields.items = `"${bad}" is not an ArcGIS item id (letters and digits).`;
      else params.items = ids;
    }
    if (query !== undefined) {
      if (query.trim() === '') fields.query = 'The query is empty.';
      else params.query = query.trim();
    }
    if (all) params.all = true;
    if (target) params.targetIdentityId = target;
    const owner = str('owner')?.trim();
    if (owner) params.owner = owner;
    const folder = str('folder');
    if (folder !== undefined) {
      if (/[\\]/.test(folder) || folder.length > 255) fields.folder = 'A folder name cannot contain "\\" or be longer than 255 characters.';
      else params.folder = folder.trim();
    }
    const suffix = str('suffix');
    if (suffix !== undefined) params.suffix = suffix;
    if ((owner || folder !== undefined) && (mode === 'in-place' || mode === 'recreate')) {
      fields.owner = 'Owner and folder can be chosen for copies and clones; in place and recreate keep the original owner and folder.';
    }
    if (p.ownerMap !== undefined) {
      const map = p.ownerMap;
      if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string')) {
        fields.ownerMap = 'The owner mapping is an object of source username to target username.';
      } else params.ownerMap = map as Record<string, string>;
    }
    if (p.parts !== undefined) {
      const parts = Array.isArray(p.parts) ? [...new Set(p.parts.map(String))] : [];
      const bad = parts.find((x) => !ITEM_PART_NAMES.includes(x as ItemPartName));
      if (parts.length === 0 || bad !== undefined) fields.parts = `Choose the parts to restore among ${ITEM_PART_NAMES.join(', ')}${bad !== undefined ? ` ("${bad}" is not one)` : ''}.`;
      else if (mode !== 'in-place') fields.parts = 'Parts of an item are restored in place only (mode in-place); the other modes write whole items.';
      else params.parts = ITEM_PART_NAMES.filter((x) => parts.includes(x));
    }
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);
    return params;
  }

  private async identity(id: string): Promise<IdentityRow> {
    const row = await this.deps.identities.findById(id);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    if (!row.org_id) throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first.`);
    return row;
  }

  private async session(identityId: string, signal: AbortSignal): Promise<ArcGISSession> {
    if (this.deps.sessionFor) return this.deps.sessionFor(identityId, signal);
    const session = await this.deps.arcgisSessions.sessionFor(identityId, { signal });
    return session.withSignal(signal);
  }

  async openStore(row: IdentityRow): Promise<Store> {
    try {
      return await this.deps.stores.open(row);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'not_a_store') {
        throw new AppError('not_found', `"${row.name}" has no backups yet (${row.file_location} is not a backup store).`);
      }
      throw error;
    }
  }

  private async hosted(): Promise<HostedRestore | undefined> {
    return (this.deps.hosted ?? loadHostedRestore)();
  }

  /** The dry run: the plan, computed from the snapshot and the live target organization. Changes nothing. */
  async plan(identityId: string, params: RestoreParams, signal: AbortSignal = new AbortController().signal): Promise<RestorePlan> {
    const source = await this.identity(identityId);
    const targetId = params.mode === 'clone' ? params.targetIdentityId! : identityId;
    if (params.mode === 'clone') await this.identity(targetId);
    const store = await this.openStore(source);
    const content = await readSnapshotContent(store, params.snapshotId).catch((error: unknown) => {
      if (error instanceof StoreError && error.code === 'snapshot_not_found') throw new AppError('not_found', `${error.message} List the snapshots with \`orgkeeper snapshots\`.`);
      throw error;
    });
    const session = await this.session(targetId, signal);
    return buildPlan({
      store,
      content,
      params,
      source: { identityId },
      target: { identityId: targetId, session },
      hostedAvailable: (await this.hosted()) !== undefined,
      now: this.deps.clock()
    });
  }

  /** A live item compared with its state in a snapshot, part by part (reads the organization, writes nothing). */
  async liveDiff(identityId: string, snapshotId: string, itemId: string, signal: AbortSignal = new AbortController().signal): Promise<LiveItemDiff> {
    if (!isSnapshotId(snapshotId)) throw AppError.validation({ snapshotId: 'Give the id of a snapshot (see `orgkeeper snapshots`), e.g. 20261124T211915123Z-9f86d081.' });
    const row = await this.identity(identityId);
    const store = await this.openStore(row);
    const content = await readSnapshotContent(store, snapshotId).catch((error: unknown) => {
      if (error instanceof StoreError && error.code === 'snapshot_not_found') throw new AppError('not_found', `${error.message} List the snapshots with \`orgkeeper snapshots\`.`);
      throw error;
    });
    const entry = content.items.get(itemId);
    if (!entry) throw new AppError('not_found', `Item ${itemId} is not in snapshot ${snapshotId}. List its items with \`orgkeeper snapshot show ${snapshotId}\`.`);
    if (!entry.item) throw new AppError('not_found', `Snapshot ${snapshotId} has no item JSON for ${itemId} (it failed at backup time), so there is nothing to compare.`);
    return diffLiveItem({ store, snapshotId, entry, session: await this.session(identityId, signal) });
  }

  /** Runs (or resumes) the restore of this operation id: a resumed run follows the plan it made first. */
  async run(options: RunOptions): Promise<{ plan: RestorePlan; result: RestoreResult }> {
    const { operationId, identityId, signal } = options;
    const stored = await this.deps.repository.findRun(operationId);
    const params = stored?.params ?? options.params;
    const source = await this.identity(stored?.identityId ?? identityId);
    const targetId = stored?.targetIdentityId ?? (params.mode === 'clone' ? params.targetIdentityId! : identityId);
    options.onProgress?.({ phase: 'planning', stepsTotal: 0, stepsDone: 0, failed: 0, skipped: 0 });
    const store = await this.openStore(source);
    // Pinned for the whole run (a resumed run pins again): forget keeps the snapshot and prune its blobs meanwhile.
    const pin = await pinSnapshots(store, [stored?.plan.snapshotId ?? params.snapshotId], { operation: 'restore' }).catch((error: unknown) => {
      if (error instanceof StoreError && error.code === 'snapshot_not_found') throw new AppError('not_found', `${error.message} List the snapshots with \`orgkeeper snapshots\`.`);
      throw error;
    });
    try {
      let plan = stored?.plan;
      if (!plan) {
        plan = await this.plan(source.id, params, signal);
        await this.deps.repository.saveRun({ operationId, identityId: source.id, targetIdentityId: targetId, params, plan }, this.deps.clock().toISOString());
      }
      const content = await readSnapshotContent(store, plan.snapshotId);
      const session = await this.session(targetId, signal);
      const result = await runRestore({
        operationId,
        plan,
        store,
        content,
        session,
        repository: this.deps.repository,
        hosted: await this.hosted(),
        signal,
        clock: this.deps.clock,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onStep ? { onStep: options.onStep } : {}),
        ...(options.beforeStep ? { beforeStep: options.beforeStep } : {})
      });
      return { plan, result };
    } finally {
      await pin.release();
    }
  }

  async findRun(operationId: string) {
    return this.deps.repository.findRun(operationId);
  }

  async log(operationId: string): Promise<RestoreLogRow[]> {
    const run = await this.deps.repository.findRun(operationId);
    if (!run) throw new AppError('not_found', 'There is no restore with this operation id.');
    return this.deps.repository.log(operationId);
  }

  async logCsv(operationId: string): Promise<string> {
    return restoreLogCsv(await this.log(operationId));
  }
}

export const RESTORE_CSV_HEADER = ['step', 'kind', 'title', 'type', 'action', 'old id', 'new id', 'new url', 'status', 'error', 'duration ms', 'finished (UTC)'];

export function restoreLogCsv(rows: readonly RestoreLogRow[]): string {
  let out = csvLine(RESTORE_CSV_HEADER);
  for (const r of rows) {
    out += csvLine([r.key, r.kind, r.title, r.type, r.action, r.oldId, r.newId, r.newUrl, r.status, r.error, r.durationMs, r.finishedAt ? r.finishedAt.replace('T', ' ').replace(/\.\d+Z$/, '') : '']);
  }
  return out;
}
