/**
 * Runs a restore plan against the target organization, one step at a time in the plan's order.
 *
 * - Idempotent and resumable: every finished step is recorded in restore_steps with the id and URL it produced, and a
 *   step recorded `ok` is never done again; its results still feed the id and URL maps later steps rewrite with.
 * - No duplicates after a crash: a created item carries a marker type keyword (`orgkeeper-restore:<op>:<source id>`)
 *   until its step is recorded, and the new id is checkpointed as soon as ArcGIS returns it. A step found `running`
 *   (the process died inside it), or an addItem that is retried after a lost answer, first looks for an item with the
 *   marker and continues with it instead of adding another.
 * - One failed step does not stop the others; a step whose dependency failed (or was skipped because of a failure) is
 *   skipped with that reason.
 */
import { request } from '@esri/arcgis-rest-request';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { Clock } from '../lib/clock.js';
import { TaskPool } from '../lib/task-pool.js';
import type { GroupEntry, ItemEntry, Store } from '../store/index.js';
import type { HostedRestore } from './hosted-contract.js';
import * as api from './portal-api.js';
import { type RewriteMaps, rewriteJsonText, rewriteReferences, stringRewriter } from './references.js';
import type { RestoreRepository, RestoreStepRow } from './restore.repository.js';
import { toLogRow } from './restore.repository.js';
import { type SnapshotContent, serviceNameOf } from './restore.plan.js';
import type { PlanStep, RestoreLogRow, RestorePlan, RestoreProgress, RestoreResult } from './restore.types.js';

export interface RestoreRunInput {
  operationId: string;
  plan: RestorePlan;
  store: Store;
  content: SnapshotContent;
  /** Session of the target identity (the source identity's own for every mode but clone). */
  session: ArcGISSession;
  repository: RestoreRepository;
  hosted: HostedRestore | undefined;
  signal: AbortSignal;
  clock: Clock;
  onProgress?: (progress: RestoreProgress) => void;
  /** Called with each finished step's log row (the operation's per-item log). */
  onStep?: (row: RestoreLogRow, step: PlanStep) => Promise<void> | void;
  /** Steps run at once (default DEFAULT_RESTORE_CONCURRENCY); 1 runs them strictly in the plan's order. */
  concurrency?: number;
  /** Test hook: called before each step runs (fault injection). */
  beforeStep?: (step: PlanStep) => Promise<void> | void;
}

/** Properties of the item JSON that addItem and update accept (the rest is managed by ArcGIS). */
const TEXT_PROPERTIES = ['title', 'snippet', 'description', 'accessInformation', 'licenseInfo', 'culture', 'url', 'spatialReference', 'name'] as const;

export const DEFAULT_RESTORE_CONCURRENCY = 4;

export const markerFor = (operationId: string, sourceId: string) => `orgkeeper-restore:${operationId}:${sourceId}`;

interface StepContext {
  input: RestoreRunInput;
  maps: { ids: Map<string, string>; urls: Map<string, string> };
  /** Target group ids by source group id. */
  groups: Map<string, string>;
  /** Target folder ids by `owner/title` (lower case). */
  folders: Map<string, string>;
  row: RestoreStepRow;
  /** An earlier run started this step and did not finish it: it may have created something already. */
  resumedStep: boolean;
  /** The run's progress so far (hosted steps add their feature and attachment counts). */
  progress: RestoreProgress;
  save: (changes: Partial<RestoreStepRow>) => Promise<void>;
}

export async function runRestore(input: RestoreRunInput): Promise<RestoreResult> {
  const started = Date.now();
  const { plan, repository, operationId } = input;
  const existing = new Map((await repository.steps(operationId)).map((r) => [r.step_key, r]));
  const maps = { ids: new Map<string, string>(), urls: new Map<string, string>() };
  const groups = new Map<string, string>();
  const folders = new Map<string, string>();
  if (plan.mode === 'clone') maps.urls.set(plan.source.portalUrl, plan.target.portalUrl);
  for (const step of plan.steps) if (step.kind === 'group' && step.targetId) groups.set(step.sourceId, step.targetId);

  const progress: RestoreProgress = { phase: 'restoring', stepsTotal: plan.steps.length, stepsDone: 0, failed: 0, skipped: 0 };
  const statusOf = new Map<string, { status: 'ok' | 'failed' | 'skipped'; reason?: string }>();
  const rows: RestoreLogRow[] = [];

  const runOne = async (step: PlanStep, seq: number): Promise<void> => {
    input.signal.throwIfAborted();
    const prior = existing.get(step.key);
    // Done for good: finished, or skipped by the plan. A step skipped because a dependency failed is tried again.
    if (prior && (prior.status === 'ok' || (prior.status === 'skipped' && step.action === 'skip'))) {
      // Done by an earlier run of this restore: only its results are needed.
      remember(step, prior, maps, groups, folders, input.content);
      statusOf.set(step.key, { status: prior.status });
      rows.push(toLogRow(prior));
      progress.stepsDone++;
      if (prior.status === 'skipped') progress.skipped++;
      return;
    }
    const base: RestoreStepRow = {
      operation_id: operationId,
      step_key: step.key,
      seq,
      kind: step.kind,
      title: step.title,
      type: step.type,
      action: step.action,
      old_id: step.sourceId,
      status: 'running',
      new_id: prior?.new_id ?? step.targetId ?? null,
      new_url: prior?.new_url ?? null,
      state: prior?.state ?? null,
      error: null,
      duration_ms: 0,
      finished_at: null
    };
    const t0 = Date.now();
    const finish = async (status: 'ok' | 'failed' | 'skipped', error: string | null) => {
      base.status = status;
      base.error = error;
      base.duration_ms = (prior?.duration_ms ?? 0) + (Date.now() - t0);
      base.finished_at = input.clock().toISOString();
      await repository.putStep(base);
      statusOf.set(step.key, { status, ...(error ? { reason: error } : {}) });
      const row = toLogRow(base);
      rows.push(row);
      progress.stepsDone++;
      if (status === 'failed') progress.failed++;
      if (status === 'skipped') progress.skipped++;
      input.onProgress?.({ ...progress });
      await input.onStep?.(row, step);
    };

    const blocked = step.dependsOn.map((d) => ({ key: d, s: statusOf.get(d) })).find((d) => d.s && d.s.status === 'failed');
    const blockedBySkip = step.dependsOn.find((d) => statusOf.get(d)?.status === 'skipped' && statusOf.get(d)?.reason?.startsWith('depends on'));
    if (blocked || blockedBySkip) {
      const key = blocked?.key ?? blockedBySkip!;
      await finish('skipped', `depends on ${key}, which ${blocked ? 'failed' : 'was skipped'}`);
      return;
    }
    if (step.action === 'skip') {
      await finish('skipped', step.reason);
      return;
    }

    progress.current = `${step.action} ${step.title}`;
    input.onProgress?.({ ...progress });
    const ctx: StepContext = {
      input,
      maps,
      groups,
      folders,
      row: base,
      resumedStep: prior !== undefined,
      progress,
      save: async (changes) => {
        Object.assign(base, changes);
        await repository.putStep(base);
      }
    };
    try {
      await ctx.save({});
      await input.beforeStep?.(step);
      if (step.kind === 'group') await restoreGroup(ctx, step);
      else if (step.kind === 'folder') await restoreFolder(ctx, step);
      else await restoreItem(ctx, step);
      remember(step, base, maps, groups, folders, input.content);
      await finish('ok', null);
    } catch (error) {
      if (input.signal.aborted) {
        // Left `running`: the next run of this restore looks for what it may have created.
        base.duration_ms = (prior?.duration_ms ?? 0) + (Date.now() - t0);
        await repository.putStep(base).catch(() => undefined);
        throw input.signal.reason ?? error;
      }
      await finish('failed', describe(error));
    }
  };

  // Steps run as soon as the steps they depend on have finished, a few at a time (the plan's order is a topological
  // order, so every dependency is scheduled before its dependents). Requests stay bounded by the session's limiter.
  // A step records its own failure and the others go on; only a stop (the signal) makes a step throw.
  const pool = new TaskPool({ concurrency: input.concurrency ?? DEFAULT_RESTORE_CONCURRENCY, onError: 'continue', signal: input.signal });
  const finished = new Map<string, Promise<void>>();
  for (const [seq, step] of plan.steps.entries()) {
    const deps = step.dependsOn.map((d) => finished.get(d)).filter((p): p is Promise<void> => p !== undefined);
    // A dependency's failure is its own step's record; here only 'finished' matters.
    const settled = Promise.allSettled(deps).then(() => pool.run(() => runOne(step, seq)));
    finished.set(step.key, settled);
  }
  const outcomes = await Promise.allSettled(finished.values());
  const stopped = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (stopped) throw stopped.reason;
  progress.phase = 'done';
  delete progress.current;
  input.onProgress?.({ ...progress });
  const counts = { ok: 0, failed: 0, skipped: 0 };
  for (const row of rows) counts[row.status]++;
  rows.sort((a, b) => plan.steps.findIndex((s) => s.key === a.key) - plan.steps.findIndex((s) => s.key === b.key));
  return { operationId, counts, steps: rows, durationMs: Date.now() - started };
}

function describe(error: unknown): string {
  const failure = toArcGISFailure(error);
  const message = error instanceof Error && failure.kind === 'unknown' ? error.message : failure.message;
  const details = failure.details.length > 0 ? ` (${failure.details.join('; ')})` : '';
  return `${message}${details}`;
}

/** Adds a finished step's results to the maps later steps rewrite with. */
function remember(step: PlanStep, row: RestoreStepRow, maps: StepContext['maps'], groups: Map<string, string>, folders: Map<string, string>, content: SnapshotContent): void {
  if (step.kind === 'group') {
    if (row.new_id) {
      groups.set(step.sourceId, row.new_id);
      if (row.new_id !== step.sourceId) maps.ids.set(step.sourceId, row.new_id);
    }
    return;
  }
  if (step.kind === 'folder') {
    if (row.new_id) folders.set(`${step.owner}/${step.title}`.toLowerCase(), row.new_id);
    return;
  }
  if (!row.new_id || row.new_id === step.sourceId) return;
  maps.ids.set(step.sourceId, row.new_id);
  const entry = content.items.get(step.sourceId);
  const oldUrl = step.hosted ? entry?.service?.url : undefined;
  if (oldUrl && row.new_url) {
    maps.urls.set(oldUrl, row.new_url);
    const state = row.state ? (JSON.parse(row.state) as { layerUrls?: Record<string, string> }) : {};
    for (const [layerId, url] of Object.entries(state.layerUrls ?? {})) maps.urls.set(`${oldUrl.replace(/\/+$/, '')}/${layerId}`, url);
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Groups and folders

interface GroupMembers {
  owner?: string;
  admins?: string[];
  users?: string[];
}

async function restoreGroup(ctx: StepContext, step: PlanStep): Promise<void> {
  const { session, store, content, plan } = ctx.input;
  const entry: GroupEntry = content.groups.get(step.sourceId)!;
  // An existing group restored in place keeps everything but what the snapshot adds back: its thumbnail.
  if (step.action === 'overwrite' && step.targetId) {
    await ensureGroupThumbnail(ctx, step.targetId, entry);
    return;
  }
  const def = await store.getJson<Record<string, unknown>>(entry.definition!.hash);
  let groupId = ctx.row.new_id && ctx.row.new_id !== step.sourceId ? ctx.row.new_id : undefined;
  let thumbnailSent = false;
  if (!groupId) {
    // A crash after createGroup: the group of this title owned by the admin or the planned owner is ours.
    const found = ctx.row.state ? await api.findGroupByTitle(session, plan.target.orgId, step.title) : undefined;
    if (found) groupId = found.id;
    else {
      await ctx.save({ state: JSON.stringify({ creating: true }) });
      const params: Record<string, string> = { title: String(def.title ?? step.title) };
      for (const key of ['description', 'snippet', 'access', 'phone', 'sortField', 'sortOrder', 'membershipAccess']) {
        const v = def[key];
        if (typeof v === 'string' && v !== '') params[key] = v;
      }
      for (const key of ['isInvitationOnly', 'isViewOnly', 'autoJoin', 'hiddenMembers']) if (typeof def[key] === 'boolean') params[key] = String(def[key]);
      if (Array.isArray(def.tags)) params.tags = (def.tags as unknown[]).map(String).join(',');
      const createParams: api.GroupParams = params;
      if (entry.thumbnail) createParams.thumbnail = await fileOf(store, entry.thumbnail.hash, entry.thumbnail.filename, entry.thumbnail.contentType);
      const group = await api.createGroup(session, createParams);
      groupId = group.id;
      thumbnailSent = true;
    }
    await ctx.save({ new_id: groupId });
  }
  // A group found after a crash (or created by an earlier attempt) may lack the thumbnail.
  if (!thumbnailSent) await ensureGroupThumbnail(ctx, groupId, entry);
  // Members that are users of the target (the owner is set by reassigning).
  if (entry.members) {
    const members = await store.getJson<GroupMembers>(entry.members.hash);
    const exists = async (u: string) => (await api.userExists(session, u)) !== undefined;
    const pick = async (list: string[] | undefined) => {
      const out: string[] = [];
      for (const u of list ?? []) if (u.toLowerCase() !== plan.target.admin.toLowerCase() && u.toLowerCase() !== step.owner.toLowerCase() && (await exists(u))) out.push(u);
      return out;
    };
    const admins = await pick(members.admins);
    const users = (await pick(members.users)).filter((u) => !admins.includes(u));
    if (admins.length + users.length > 0) await api.addGroupUsers(session, groupId, users, admins);
  }
  if (step.owner.toLowerCase() !== plan.target.admin.toLowerCase()) {
    await api.reassignGroup(session, groupId, step.owner);
    // The creator stays in a reassigned group as a manager; it leaves unless the snapshot has it as a member.
    const members = entry.members ? await store.getJson<GroupMembers>(entry.members.hash) : {};
    const all = [members.owner, ...(members.admins ?? []), ...(members.users ?? [])].filter((u): u is string => typeof u === 'string').map((u) => u.toLowerCase());
    if (!all.includes(plan.target.admin.toLowerCase())) await api.removeGroupUsers(session, groupId, [plan.target.admin]);
  }
}

/**
 * Sends the snapshot's thumbnail to a live group unless it already has the same file under the same name, so running
 * the restore again changes nothing. A live thumbnail the snapshot does not have is left alone.
 */
async function ensureGroupThumbnail(ctx: StepContext, groupId: string, entry: GroupEntry): Promise<void> {
  const { session, store } = ctx.input;
  const thumbnail = entry.thumbnail;
  if (!thumbnail) return;
  const live = await api.getGroup(session, groupId);
  if (!live) throw new Error(`The group ${groupId} ("${entry.title}") no longer exists in the target; run the restore again to create it.`);
  const bytes = await store.blobs.get(thumbnail.hash);
  if (live.thumbnail === thumbnail.filename) {
    const current = await api.groupThumbnail(session, groupId, thumbnail.filename);
    if (current?.equals(bytes)) return;
  }
  await api.setGroupThumbnail(session, groupId, fileFrom(bytes, thumbnail.filename, thumbnail.contentType));
}

/** Folder lookups and creations in flight, per run and folder: two steps needing the same new folder create it once. */
const folderWork = new WeakMap<Map<string, string>, Map<string, Promise<string | null>>>();

async function ensureFolder(ctx: StepContext, owner: string, title: string): Promise<string | null> {
  const key = `${owner}/${title}`.toLowerCase();
  const known = ctx.folders.get(key);
  if (known) return known;
  let inFlight = folderWork.get(ctx.folders);
  if (!inFlight) folderWork.set(ctx.folders, (inFlight = new Map()));
  const pending = inFlight.get(key);
  if (pending) return pending;
  const work = findOrCreateFolder(ctx, owner, title, key).finally(() => inFlight.delete(key));
  inFlight.set(key, work);
  return work;
}

async function findOrCreateFolder(ctx: StepContext, owner: string, title: string, key: string): Promise<string | null> {
  const { folders } = await api.userContent(ctx.input.session, owner, null);
  const found = folders.find((f) => f.title.toLowerCase() === title.toLowerCase());
  if (found) {
    ctx.folders.set(key, found.id);
    return found.id;
  }
  // Only a user creates their own folders; another user's folder is created when an item is reassigned into it.
  if (owner.toLowerCase() !== ctx.input.plan.target.admin.toLowerCase()) return null;
  const created = await api.createFolder(ctx.input.session, owner, title);
  ctx.folders.set(key, created.id);
  return created.id;
}

async function restoreFolder(ctx: StepContext, step: PlanStep): Promise<void> {
  const id = await ensureFolder(ctx, step.owner, step.title);
  await ctx.save({ new_id: id });
}

// ------------------------------------------------------------------------------------------------------------------
// Items

interface ItemJson {
  id: string;
  title?: string;
  type: string;
  typeKeywords?: string[];
  tags?: string[];
  categories?: string[];
  extent?: number[][] | null;
  properties?: Record<string, unknown> | null;
  protected?: boolean;
  [key: string]: unknown;
}

function rewriteMaps(ctx: StepContext): RewriteMaps {
  return { ids: ctx.maps.ids, urls: ctx.maps.urls };
}

/** addItem/update parameters from the snapshot's item JSON, references rewritten. */
function propertyParams(item: ItemJson, step: PlanStep, maps: RewriteMaps): Record<string, string> {
  const rewrite = stringRewriter(maps);
  const params: Record<string, string> = {};
  for (const key of TEXT_PROPERTIES) {
    const v = item[key];
    params[key] = typeof v === 'string' ? rewrite(v) : '';
  }
  params.title = step.title;
  params.tags = (item.tags ?? []).join(',');
  params.typeKeywords = (item.typeKeywords ?? []).map(rewrite).join(',');
  if (Array.isArray(item.categories)) params.categories = item.categories.join(',');
  const extent = item.extent;
  params.extent = Array.isArray(extent) && extent.length === 2 ? extent.flat().join(',') : '';
  params.properties = item.properties ? JSON.stringify(rewriteReferences(item.properties, maps).data) : '';
  return params;
}

async function fileOf(store: Store, hash: string, name: string, type: string | undefined): Promise<File> {
  return fileFrom(await store.blobs.get(hash), name, type);
}

function fileFrom(bytes: Buffer, name: string, type: string | undefined): File {
  return new File([new Uint8Array(bytes)], name, { type: type ?? 'application/octet-stream' });
}

/** Data, thumbnail and metadata parameters for addItem/update. */
async function partParams(store: Store, entry: ItemEntry, maps: RewriteMaps, forUpdate: boolean): Promise<api.ItemParams> {
  const params: api.ItemParams = {};
  if (entry.data?.kind === 'json') {
    const text = (await store.blobs.get(entry.data.hash)).toString('utf8');
    params.text = rewriteJsonText(text, maps).text;
  } else if (entry.data?.kind === 'file') {
    params.file = await fileOf(store, entry.data.hash, entry.data.filename ?? 'data', entry.data.contentType);
    params.filename = entry.data.filename;
  } else if (forUpdate && !entry.service) {
    params.text = '';
  }
  if (entry.thumbnail) params.thumbnail = await fileOf(store, entry.thumbnail.hash, entry.thumbnail.filename, entry.thumbnail.contentType);
  if (entry.metadata) params.metadata = await fileOf(store, entry.metadata.hash, 'metadata.xml', 'application/xml');
  return params;
}

async function restoreItem(ctx: StepContext, step: PlanStep): Promise<void> {
  const { store, content } = ctx.input;
  const stored = content.items.get(step.sourceId)!;
  // The plan decided whether this is a hosted layer of the organization; anything else (an external reference, or a
  // service read from another origin by an older OrgKeeper) is restored as an item only, its service left alone.
  const entry: ItemEntry = step.hosted || !stored.service ? stored : { ...stored, service: undefined };
  const item = await store.getJson<ItemJson>(entry.item!.hash);
  if (step.action === 'overwrite') await overwriteItem(ctx, step, entry, item);
  else await createItem(ctx, step, entry, item);
}

async function overwriteItem(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson): Promise<void> {
  const { session, store, hosted, signal } = ctx.input;
  const id = step.targetId!;
  const live = await api.getItem(session, id);
  if (!live) throw new Error(`The item ${id} was deleted after the plan was made; run the restore again with --mode recreate.`);
  const maps = rewriteMaps(ctx);
  let owner = live.owner;
  // Back to the snapshot's owner and folder when they differ and the owner still exists.
  if (live.owner.toLowerCase() !== entry.owner.toLowerCase() && (await api.userExists(session, entry.owner))) {
    await api.reassignItem(session, live.owner, id, entry.owner, step.folder);
    owner = entry.owner;
  } else if ((live.ownerFolder ?? null) !== (entry.folderId ?? null)) {
    const folderId = step.folder === null ? null : await ensureFolder(ctx, owner, step.folder);
    if (folderId !== null || step.folder === null) await api.moveItem(session, owner, id, folderId);
  }
  if (entry.service && hosted) {
    const url = await liveServiceUrl(session, live, entry);
    const state = parseState(ctx.row.state);
    await hosted.restoreLayerData({
      session,
      store,
      entry,
      serviceUrl: url,
      signal,
      checkpoint: async (s) => ctx.save({ state: JSON.stringify({ ...parseState(ctx.row.state), hosted: s }) }),
      ...(state.hosted !== undefined ? { resumeState: state.hosted } : {}),
      onProgress: (p) => ctx.input.onProgress?.({ ...ctx.progress, current: step.title, ...p })
    });
  }
  await api.updateItem(session, owner, id, { ...propertyParams(item, step, maps), ...(await partParams(store, entry, maps, true)), clearEmptyFields: 'true' });
  if (!entry.thumbnail && live.thumbnail) await api.deleteThumbnail(session, owner, id);
  await syncResources(ctx, owner, id, entry, maps);
  await syncSharing(ctx, owner, id, entry, true);
  if (Boolean(item.protected) !== Boolean(live.protected)) await api.setProtected(session, owner, id, Boolean(item.protected));
  await ctx.save({ new_id: id, new_url: typeof live.url === 'string' ? live.url : null });
}

/**
 * Where an in-place restore writes a hosted layer's data: the live item's URL, else the snapshot's, whichever is a
 * FeatureServer on one of the organization's hosting servers. The live URL may have been changed by any member since
 * the snapshot: a URL off the organization is never written to (nor requested).
 */
async function liveServiceUrl(session: ArcGISSession, live: api.LiveItem, entry: ItemEntry): Promise<string> {
  const origins = await session.orgOrigins();
  for (const candidate of [live.url, entry.service?.url]) {
    const url = typeof candidate === 'string' ? origins.hostedFeatureServiceUrl(candidate) : undefined;
    if (url) return url;
  }
  throw new Error(
    `The item's URL (${String(live.url ?? entry.service?.url ?? 'none')}) is not a hosted feature layer on one of the organization's hosting servers, so its layer data was not restored and the URL was not requested.`
  );
}

function parseState(text: string | null): { createdId?: string; hosted?: unknown; layerUrls?: Record<string, string> } {
  return text ? (JSON.parse(text) as { createdId?: string; hosted?: unknown; layerUrls?: Record<string, string> }) : {};
}

/** An item carrying this restore's marker for the source item, in the admin's root or the owner's target folder. */
async function findMarked(ctx: StepContext, step: PlanStep, marker: string): Promise<api.LiveItem | undefined> {
  const { session, plan } = ctx.input;
  const places: [string, string | null][] = [[plan.target.admin, null]];
  if (step.owner.toLowerCase() !== plan.target.admin.toLowerCase()) places.push([step.owner, null]);
  const folderId = step.folder ? ctx.folders.get(`${step.owner}/${step.folder}`.toLowerCase()) : undefined;
  if (folderId) places.push([step.owner, folderId]);
  else if (step.folder) {
    const { folders } = await api.userContent(session, step.owner, null).catch(() => ({ folders: [] as api.LiveFolder[] }));
    const f = folders.find((x) => x.title.toLowerCase() === step.folder!.toLowerCase());
    if (f) places.push([step.owner, f.id]);
  }
  for (const [user, folder] of places) {
    const { items } = await api.userContent(session, user, folder).catch(() => ({ items: [] as api.LiveItem[] }));
    const hit = items.find((i) => (i.typeKeywords ?? []).includes(marker));
    if (hit) return hit;
  }
  if (step.targetId) {
    const kept = await api.getItem(session, step.targetId);
    if (kept && (kept.typeKeywords ?? []).includes(marker)) return kept;
  }
  return undefined;
}

async function createItem(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson): Promise<void> {
  const { session, store, plan, hosted, signal, operationId } = ctx.input;
  const maps = rewriteMaps(ctx);
  const marker = markerFor(operationId, entry.id);
  const props = propertyParams(item, step, maps);
  const state = parseState(ctx.row.state);
  const admin = plan.target.admin;
  let id = state.createdId;
  let newUrl: string | null = ctx.row.new_url;

  if (entry.service && state.createdId && state.layerUrls && newUrl) {
    // The service was recreated by an earlier run of this step: only the item's own parts are left to do.
    ctx.maps.urls.set(entry.service.url, newUrl);
    for (const [layerId, url] of Object.entries(state.layerUrls)) ctx.maps.urls.set(`${entry.service.url.replace(/\/+$/, '')}/${layerId}`, url);
  } else if (entry.service) {
    if (!hosted) throw new Error('Hosted feature services cannot be restored by this OrgKeeper build.');
    const folderId = step.folder ? await ensureFolder(ctx, step.owner, step.folder) : null;
    const original = serviceNameOf(entry.service.url) ?? entry.title.replace(/\W+/g, '_');
    const serviceName = plan.mode === 'copy' ? `${original}_${(operationId.replace(/[^0-9a-zA-Z]/g, '').slice(-6) || 'copy')}` : original;
    const result = await hosted.recreateHostedService({
      session,
      store,
      entry,
      owner: step.owner,
      folderId,
      serviceName,
      itemProperties: { ...props, typeKeywords: [...(item.typeKeywords ?? []), marker].join(',') },
      signal,
      checkpoint: async (s) => ctx.save({ state: JSON.stringify({ ...parseState(ctx.row.state), hosted: s }) }),
      ...(state.hosted !== undefined ? { resumeState: state.hosted } : {}),
      onProgress: (p) => ctx.input.onProgress?.({ ...ctx.progress, current: step.title, ...p })
    });
    id = result.itemId;
    newUrl = result.serviceUrl;
    const layerUrls = Object.fromEntries(Object.entries(result.layerUrls).map(([k, v]) => [k, v]));
    await ctx.save({ new_id: id, new_url: newUrl, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id, layerUrls }) });
    // The service URL is known now: the item's own parts (data overrides, resources) may mention it.
    ctx.maps.urls.set(entry.service.url, newUrl);
    for (const [layerId, url] of Object.entries(layerUrls)) ctx.maps.urls.set(`${entry.service.url.replace(/\/+$/, '')}/${layerId}`, url);
    ctx.maps.ids.set(entry.id, id);
  }

  if (!id && ctx.resumedStep) {
    id = (await findMarked(ctx, step, marker))?.id;
    // Found: checkpointed at once, since the marker that found it is removed at the end of this step.
    if (id) await ctx.save({ new_id: id, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id }) });
  }
  if (!id) {
    const params: api.ItemParams = {
      ...props,
      type: item.type,
      typeKeywords: [...(item.typeKeywords ?? []).map(stringRewriter(maps)), marker].join(','),
      ...(await partParams(store, entry, maps, false)),
      ...(step.targetId && step.targetId === entry.id && plan.target.isEnterprise ? { itemIdToCreate: entry.id } : {})
    };
    id = await addItemOnce(ctx, step, marker, admin, params);
    await ctx.save({ new_id: id, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id }) });
  }
  ctx.maps.ids.set(entry.id, id);

  // Owner and folder.
  const live = await api.getItem(session, id);
  if (!live) throw new Error(`The new item ${id} disappeared while it was being restored.`);
  let owner = live.owner;
  if (owner.toLowerCase() !== step.owner.toLowerCase()) {
    await api.reassignItem(session, owner, id, step.owner, step.folder);
    owner = step.owner;
  } else if (step.folder) {
    const folderId = await ensureFolder(ctx, owner, step.folder);
    if (folderId && live.ownerFolder !== folderId) await api.moveItem(session, owner, id, folderId);
  }
  if (entry.service) {
    // The hosted module created the service and its item; the item's own properties (with the new URL), data (layer
    // overrides), thumbnail and metadata are the snapshot's, set here as for any item (the marker stays until the end).
    await api.updateItem(session, owner, id, {
      ...propertyParams(item, step, maps),
      typeKeywords: [...(item.typeKeywords ?? []).map(stringRewriter(maps)), marker].join(','),
      ...(await partParams(store, entry, maps, false)),
      clearEmptyFields: 'true'
    });
  }
  await syncResources(ctx, owner, id, entry, maps);
  await syncSharing(ctx, owner, id, entry, false);
  if (item.protected) await api.setProtected(session, owner, id, true);
  // Last: the marker goes, which is what says the item is complete.
  // The item's own URL may name its id (apps: `?appid=`), known only now.
  const rewrite = stringRewriter(maps);
  await api.updateItem(session, owner, id, {
    typeKeywords: (item.typeKeywords ?? []).map(rewrite).join(','),
    ...(typeof item.url === 'string' && item.url !== '' && !entry.service ? { url: rewrite(item.url) } : {}),
    clearEmptyFields: 'true'
  });
  const url = (await api.getItem(session, id))?.url;
  await ctx.save({ new_id: id, new_url: newUrl ?? (typeof url === 'string' && url !== '' ? url : null) });
}

/**
 * addItem, made safe to retry: the session retries transient failures, and a failure after ArcGIS created the item
 * (a dropped answer) must not add a second one, so every attempt after the first looks for the marker first.
 */
async function addItemOnce(ctx: StepContext, step: PlanStep, marker: string, admin: string, params: api.ItemParams): Promise<string> {
  const { session } = ctx.input;
  let attempt = 0;
  return session.call('add item', async () => {
    attempt++;
    if (attempt > 1) {
      const found = await findMarkedRaw(session, admin, marker);
      if (found) return found;
    }
    const body = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string | File>;
    const answer = (await request(`${session.restUrl}/content/users/${encodeURIComponent(admin)}/addItem`, {
      httpMethod: 'POST',
      ...session.requestOptions,
      params: { f: 'json', ...body }
    })) as { id?: string };
    if (!answer.id) throw new Error(`ArcGIS did not return the new item's id when adding "${step.title}".`);
    return answer.id;
  });
}

/** The marker lookup inside a session call: plain rest-js requests (no nested session.call). */
async function findMarkedRaw(session: ArcGISSession, admin: string, marker: string): Promise<string | undefined> {
  for (let start = 1; start > 0; ) {
    const page = (await request(`${session.restUrl}/content/users/${encodeURIComponent(admin)}`, {
      httpMethod: 'GET',
      ...session.requestOptions,
      params: { f: 'json', start, num: 100 }
    })) as { items?: api.LiveItem[]; nextStart?: number };
    const hit = (page.items ?? []).find((i) => (i.typeKeywords ?? []).includes(marker));
    if (hit) return hit.id;
    const next = Number(page.nextStart ?? -1);
    start = next > start ? next : -1;
  }
  return undefined;
}

/** Resources added, updated and removed so they match the snapshot; JSON resources get their references rewritten. */
async function syncResources(ctx: StepContext, owner: string, id: string, entry: ItemEntry, maps: RewriteMaps): Promise<void> {
  const { session, store } = ctx.input;
  const live = new Set(await api.listResources(session, id));
  const wanted = new Map((entry.resources ?? []).map((r) => [r.path, r]));
  for (const path of live) if (!wanted.has(path)) await api.removeResource(session, owner, id, path);
  for (const resource of wanted.values()) {
    let bytes = await store.blobs.get(resource.hash);
    if (/\.json$/i.test(resource.path) && (maps.ids.size > 0 || maps.urls.size > 0)) {
      const out = rewriteJsonText(bytes.toString('utf8'), maps);
      if (out.changed) bytes = Buffer.from(out.text, 'utf8');
    }
    if (bytes.length === 0) bytes = Buffer.alloc(0);
    await api.writeResource(session, owner, id, resource.path, bytes, resource.contentType, live.has(resource.path) ? 'update' : 'add');
  }
}

/** Access level and groups as in the snapshot (groups mapped to the target's); other groups are unshared. */
async function syncSharing(ctx: StepContext, owner: string, id: string, entry: ItemEntry, unshareOthers: boolean): Promise<void> {
  const { session, plan } = ctx.input;
  const sharing = entry.sharing ?? { access: 'private' as const, groups: [] };
  const groups: string[] = [];
  for (const g of sharing.groups) {
    const mapped = ctx.groups.get(g) ?? (plan.mode === 'clone' ? undefined : g);
    if (mapped) groups.push(mapped);
  }
  if (unshareOthers) {
    const current = await api.itemGroups(session, id);
    const extra = current.filter((g) => !groups.includes(g));
    if (extra.length > 0) await api.unshareItem(session, owner, id, extra);
  }
  const everyone = sharing.access === 'public';
  const org = everyone || sharing.access === 'org';
  const notShared = await api.shareItem(session, owner, id, { everyone, org, groups });
  if (notShared.length > 0) throw new Error(`Could not share with group(s) ${notShared.join(', ')} (they may be gone, or the owner may not share into them).`);
}
