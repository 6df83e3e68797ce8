/**
 * Brings one live layer to the state a snapshot holds: the same features (attributes and geometry) and the same
 * attachments. Used for both modes: recreating (the layer starts empty) and in place (the live layer has drifted).
 *
 * Every pass starts from what the live layer holds, not from what an earlier run believes it did, so a pass is safe
 * to run again after a crash or a failed request:
 *  1. Match snapshot features to live ones: by GlobalID where the layer has them, else through the old->new object
 *     id map of features an earlier pass added, else (in place only) by object id.
 *  2. Delete live features that match nothing (in place: features added since the snapshot; after a crash: adds whose
 *     answer was lost, when GlobalIDs cannot tell them apart).
 *  3. Add unmatched snapshot features in parallel batches (GlobalIDs kept with useGlobalIds where the service allows),
 *     update matched ones that differ.
 *  4. Make each feature's attachments match the snapshot's: delete extra ones, add missing ones.
 * An add whose answer was lost (AmbiguousWriteError) makes the layer run another pass, which finds what it did.
 */
import { randomUUID } from 'node:crypto';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import { runPool, TaskPool } from '../../lib/task-pool.js';
import { canonicalJson, CHUNK_OID_SPAN, type EsriFeature, FEATURE_CHUNK_FORMAT, type FeatureChunkContent, featureOid } from '../../backup/feature-chunks.js';
import { type AttachmentEntry, type LayerEntry, readAttachmentList, sha256Hex, type Store } from '../../store/index.js';
import type { LayerWriteInfo } from './definitions.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import { OidMap, type OidRun } from './oid-map.js';
import {
  addAttachmentTo,
  addFeatureBatch,
  AmbiguousWriteError,
  attribute,
  deleteAttachmentsOf,
  deleteFeatureBatch,
  type EditResult,
  featureAttachments,
  featuresByIds,
  type LiveAttachment,
  liveAttachments,
  liveKeys,
  normalizeGuid,
  stringAttribute,
  updateFeatureBatch
} from './service-requests.js';

/** Features per add/update request: ArcGIS handles 1000-2000 well; more risks request-size limits and timeouts. */
export const MAX_EDIT_BATCH = 2000;
/** Features whose live state is read per query when comparing (one page). */
const MAX_COMPARE_BATCH = 1000;
/** Object ids per deleteFeatures request. */
const DELETE_BATCH = 1000;
/**
 * Attachment workers per request slot of the session: while one waits for its answer, another reads its file from
 * the store and builds its upload, so no slot idles between requests (the session still bounds requests in flight).
 */
const ATTACHMENT_WORKERS_PER_SLOT = 2;
/** Passes over a layer (and tries per attachment) before giving up when adds keep failing ambiguously. */
const MAX_PASSES = 8;

export interface LayerCheckpoint {
  phase: 'features' | 'attachments' | 'done';
  /** Adds of earlier runs (only needed when GlobalIDs cannot identify them). */
  runs?: OidRun[];
}

export interface LayerSyncResult {
  added: number;
  updated: number;
  deleted: number;
  attachmentsAdded: number;
  attachmentsDeleted: number;
}

export interface LayerSyncContext {
  session: ArcGISSession;
  store: Store;
  signal: AbortSignal;
  layerUrl: string;
  /** The snapshot's layer entry and what its definition says about writing. */
  entry: LayerEntry;
  snapshotInfo: LayerWriteInfo;
  /** What the live layer's definition says (field names may differ in case; managed fields decide what is sent). */
  liveInfo: LayerWriteInfo;
  /** Send GlobalIDs with the adds (useGlobalIds): the service supports it and both sides have a GlobalID field. */
  preserveGlobalIds: boolean;
  /** In place, a snapshot feature may still be the live feature of the same object id; not so in a new service. */
  matchByObjectId: boolean;
  /** The layer was created empty by this very call (not resumed): its first pass needs not read what it holds. */
  startsEmpty: boolean;
  /**
   * Download live attachments that look like the snapshot's and compare their bytes (in place: someone may have
   * replaced a file). Not needed in a service this restore made, whose attachments all came from the snapshot.
   */
  verifyAttachmentBytes: boolean;
  concurrency: number;
  /**
   * Old GlobalID (normalized) -> the GlobalID the feature has now, for features whose GlobalID could not be kept
   * (no useGlobalIds). Shared by the service's layers: GUID key fields of related features are rewritten with it, so
   * relationships keep pointing at the right features. Layers are restored origins first.
   */
  globalIdMap: Map<string, string>;
  state: LayerCheckpoint;
  /** Asks for a checkpoint of the whole restore (coalesced by the caller). */
  saveState: () => Promise<void>;
  progress: (features: number, attachments: number) => void;
}

interface Match {
  /** snapshot object id -> live object id */
  oldToLive: Map<number, number>;
  /** live object ids that no snapshot feature matched */
  extras: number[];
}

export async function syncLayer(ctx: LayerSyncContext): Promise<LayerSyncResult & { oidMap: Map<number, number> }> {
  const result: LayerSyncResult = { added: 0, updated: 0, deleted: 0, attachmentsAdded: 0, attachmentsDeleted: 0 };
  const rejected: string[] = [];
  const added = new OidMap(ctx.state.runs ?? []);
  let match: Match | undefined;

  // Known empty: a layer this call created, with no features or attachments but the ones added below. Its
  // attachments are then added as soon as their feature is in (while later feature batches are still on the way),
  // and remembered, so the attachment pass needs not list them.
  const knownEmpty = ctx.startsEmpty && ctx.state.phase === 'features';
  const withAttachments = !!ctx.entry.attachments && ctx.liveInfo.hasAttachments;
  const wanted = withAttachments ? await wantedAttachments(ctx) : new Map<number, AttachmentEntry[]>();
  const known = knownEmpty && withAttachments ? new Map<number, LiveAttachment[]>() : undefined;
  const attachmentCounts = { added: 0, deleted: 0 };
  if (ctx.state.phase === 'features') {
    const early = known ? new TaskPool({ concurrency: ctx.concurrency * ATTACHMENT_WORKERS_PER_SLOT, onError: 'stop', signal: ctx.signal }) : undefined;
    const onAdded = early
      ? (oldOid: number, liveOid: number) => {
          const add = wanted.get(oldOid);
          if (!add) return;
          const work: AttachmentWork = { oldOid, liveOid, add, remove: [], present: [] };
          known!.set(liveOid, work.present);
          early.add(() => featureAttachmentWork(ctx, work, attachmentCounts, rejected));
        }
      : undefined;
    // Snapshot features reported as done, so a second pass does not count them again.
    const counted = new Set<number>();
    try {
      for (let pass = 1; ; pass++) {
        ctx.signal.throwIfAborted();
        match = knownEmpty && pass === 1 ? { oldToLive: new Map(), extras: [] } : await matchFeatures(ctx, added);
        result.deleted += await deleteExtras(ctx, match.extras);
        const outcome = await writeFeatures(ctx, match, added, rejected, counted, onAdded);
        result.added += outcome.added;
        result.updated += outcome.updated;
        if (!outcome.ambiguous) break;
        if (pass >= MAX_PASSES) throw new Error(`Layer ${ctx.layerUrl}: adding features kept failing after ${pass} passes; run the restore again to continue.`);
      }
    } finally {
      await early?.drain();
    }
    ctx.state.phase = 'attachments';
    await ctx.saveState();
  }
  match ??= await matchFeatures(ctx, added);

  if (ctx.state.phase === 'attachments') {
    if (withAttachments) {
      const counts = await syncAttachments(ctx, match.oldToLive, wanted, rejected, known);
      attachmentCounts.added += counts.added;
      attachmentCounts.deleted += counts.deleted;
    }
    result.attachmentsAdded += attachmentCounts.added;
    result.attachmentsDeleted += attachmentCounts.deleted;
    ctx.state.phase = 'done';
    await ctx.saveState();
  }
  if (rejected.length > 0) {
    throw new HostedRestoreError('edits_rejected', `ArcGIS refused ${rejected.length} edit(s) on ${ctx.layerUrl}; the rest of the layer was restored. First: ${rejected[0]}`, { details: rejected.slice(0, 200) });
  }
  return { ...result, oidMap: match.oldToLive };
}

/**
 * For a layer finished by an earlier run whose GlobalIDs could not be kept: find which GlobalIDs its features have now
 * (into `ctx.globalIdMap`), for the related layers still to restore. Reads only.
 */
export async function recordGlobalIds(ctx: LayerSyncContext): Promise<void> {
  await matchFeatures(ctx, new OidMap(ctx.state.runs ?? []));
}

// ---------------------------------------------------------------------------------------------------------------------
// Reading the snapshot

async function readChunk(ctx: LayerSyncContext, hash: string): Promise<FeatureChunkContent> {
  const content = await ctx.store.getJson<FeatureChunkContent>(hash);
  if (content.format !== FEATURE_CHUNK_FORMAT || !Array.isArray(content.features)) throw new Error(`Blob ${hash} of layer ${ctx.entry.id} is not a feature chunk.`);
  return content;
}

function snapshotGlobalId(ctx: LayerSyncContext, feature: EsriFeature): string | undefined {
  const field = ctx.snapshotInfo.globalIdField;
  const value = field ? stringAttribute(feature, field) : undefined;
  return value === undefined ? undefined : normalizeGuid(value);
}

// ---------------------------------------------------------------------------------------------------------------------
// 1. Matching

async function matchFeatures(ctx: LayerSyncContext, added: OidMap): Promise<Match> {
  const pageSize = Math.min(ctx.liveInfo.maxRecordCount, MAX_EDIT_BATCH);
  const keys = await liveKeys(ctx.session, ctx.layerUrl, ctx.liveInfo.oidField, ctx.liveInfo.globalIdField, pageSize);
  const live = new Set(keys.map((k) => k.oid));
  const byGlobalId = new Map<string, number>();
  const globalIdOf = new Map<number, string>();
  for (const k of keys) {
    if (!k.globalId) continue;
    byGlobalId.set(normalizeGuid(k.globalId), k.oid);
    globalIdOf.set(k.oid, k.globalId);
  }
  const claimed = new Set<number>();
  const oldToLive = new Map<number, number>();
  const claim = (oldOid: number, liveOid: number | undefined): boolean => {
    if (liveOid === undefined || !live.has(liveOid) || claimed.has(liveOid)) return false;
    claimed.add(liveOid);
    oldToLive.set(oldOid, liveOid);
    return true;
  };
  if (live.size > 0) {
    for (const chunk of ctx.entry.chunks) {
      const content = await readChunk(ctx, chunk.hash);
      for (const feature of content.features) {
        const oid = featureOid(feature, content.objectIdFieldName);
        const gid = snapshotGlobalId(ctx, feature);
        if (gid !== undefined && claim(oid, byGlobalId.get(gid))) continue;
        // Object ids are never reused, so in place the same id is the same feature; but where both sides have
        // GlobalIDs those decide (a feature whose GlobalID is gone was deleted, whatever holds its id now).
        const matched = claim(oid, added.get(oid)) || (ctx.matchByObjectId && (gid === undefined || !globalIdOf.has(oid)) && claim(oid, oid));
        // Matched without its GlobalID: an earlier run added it with a new one, which related keys must use.
        const now = matched ? globalIdOf.get(oldToLive.get(oid)!) : undefined;
        if (gid !== undefined && now !== undefined && normalizeGuid(now) !== gid) ctx.globalIdMap.set(gid, now);
      }
    }
  }
  return { oldToLive, extras: [...live].filter((oid) => !claimed.has(oid)).sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------------------------------------------------
// 2. Deleting what the snapshot does not have

async function deleteExtras(ctx: LayerSyncContext, extras: number[]): Promise<number> {
  const batches: number[][] = [];
  for (let i = 0; i < extras.length; i += DELETE_BATCH) batches.push(extras.slice(i, i + DELETE_BATCH));
  let deleted = 0;
  await runPool(batches, { concurrency: ctx.concurrency, onError: 'stop', signal: ctx.signal }, async (batch) => {
    const results = await deleteFeatureBatch(ctx.session, ctx.layerUrl, batch);
    // A feature already gone (deleted by a retried request or by someone else) is what was wanted.
    deleted += results.filter((r) => r.success).length;
  });
  return deleted;
}

// ---------------------------------------------------------------------------------------------------------------------
// 3. Adding and updating features

/** A snapshot attribute as it must be written now: GUID keys follow the GlobalIDs that changed. */
function valueToWrite(ctx: LayerSyncContext, name: string, value: unknown): unknown {
  if (typeof value !== 'string' || ctx.globalIdMap.size === 0 || !ctx.liveInfo.guidFields.has(name.toLowerCase())) return value;
  return ctx.globalIdMap.get(normalizeGuid(value)) ?? value;
}

function featureToWrite(ctx: LayerSyncContext, feature: EsriFeature, withGlobalId: boolean): EsriFeature {
  const attributes: Record<string, unknown> = {};
  const managed = new Set([...ctx.liveInfo.managed, ...ctx.snapshotInfo.managed]);
  for (const [name, value] of Object.entries(feature.attributes)) if (!managed.has(name.toLowerCase())) attributes[name] = valueToWrite(ctx, name, value);
  if (withGlobalId && ctx.liveInfo.globalIdField) {
    const gid = ctx.snapshotInfo.globalIdField ? stringAttribute(feature, ctx.snapshotInfo.globalIdField) : undefined;
    attributes[ctx.liveInfo.globalIdField] = gid ?? `{${randomUUID().toUpperCase()}}`;
  }
  const out: EsriFeature = { attributes };
  if (ctx.liveInfo.geometry && feature.geometry !== undefined && feature.geometry !== null) out.geometry = feature.geometry;
  return out;
}

/** How the live feature differs from the snapshot's: in a field the restore writes, in its geometry. */
function differences(ctx: LayerSyncContext, snapshot: EsriFeature, live: EsriFeature): { attributes: boolean; geometry: boolean } {
  const managed = new Set([...ctx.liveInfo.managed, ...ctx.snapshotInfo.managed]);
  let attributes = false;
  for (const [name, value] of Object.entries(snapshot.attributes)) {
    if (managed.has(name.toLowerCase())) continue;
    const current = attribute(live, name);
    if (current === undefined) continue; // the live layer no longer has the field: nothing to write there
    if (canonicalJson(current) !== canonicalJson(valueToWrite(ctx, name, value))) {
      attributes = true;
      break;
    }
  }
  const geometry = ctx.liveInfo.geometry && canonicalJson(snapshot.geometry ?? null) !== canonicalJson(live.geometry ?? null);
  return { attributes, geometry };
}

function describeEditError(result: EditResult | undefined): string {
  if (!result) return 'no result';
  return `${result.error?.description ?? 'refused'}${result.error?.code !== undefined ? ` (code ${result.error.code})` : ''}`;
}

async function writeFeatures(
  ctx: LayerSyncContext,
  match: Match,
  added: OidMap,
  rejected: string[],
  counted: Set<number>,
  onAdded?: (oldOid: number, liveOid: number) => void
): Promise<{ added: number; updated: number; ambiguous: boolean }> {
  const report = (features: EsriFeature[], oidField: string): void => {
    let fresh = 0;
    for (const f of features) {
      const oid = featureOid(f, oidField);
      if (!counted.has(oid)) {
        counted.add(oid);
        fresh++;
      }
    }
    if (fresh > 0) ctx.progress(fresh, 0);
  };
  const batchSize = Math.max(1, Math.min(ctx.liveInfo.maxRecordCount, MAX_EDIT_BATCH));
  const compareSize = Math.max(1, Math.min(ctx.liveInfo.maxRecordCount, MAX_COMPARE_BATCH));
  let addedCount = 0;
  let updated = 0;
  let ambiguous = false;
  let pendingSave: Promise<void> | undefined;
  let saveAgain = false;
  let saveFailed: { error: unknown } | undefined;
  // Checkpoints are coalesced: one in flight, at most one more queued. A failed checkpoint stops the layer (the
  // caller can no longer record progress), reported by the next batch and at the end.
  const save = (): void => {
    if (saveFailed) throw saveFailed.error;
    if (pendingSave) {
      saveAgain = true;
      return;
    }
    pendingSave = (async () => {
      try {
        do {
          saveAgain = false;
          if (!ctx.preserveGlobalIds) ctx.state.runs = added.runs();
          await ctx.saveState();
        } while (saveAgain);
      } catch (error) {
        saveFailed = { error };
      } finally {
        pendingSave = undefined;
      }
    })();
  };

  try {
    await runPool(ctx.entry.chunks, { concurrency: ctx.concurrency, onError: 'stop', signal: ctx.signal }, (chunk) => writeChunk(chunk.hash));
  } finally {
    while (pendingSave) await pendingSave;
  }
  if (saveFailed) throw saveFailed.error;
  if (!ctx.preserveGlobalIds) ctx.state.runs = added.runs();
  return { added: addedCount, updated, ambiguous };

  async function writeChunk(hash: string): Promise<void> {
    const content = await readChunk(ctx, hash);
    const toAdd: EsriFeature[] = [];
    const toCompare: EsriFeature[] = [];
    for (const f of content.features) (match.oldToLive.has(featureOid(f, content.objectIdFieldName)) ? toCompare : toAdd).push(f);

    for (let i = 0; i < toAdd.length; i += batchSize) {
      ctx.signal.throwIfAborted();
      const batch = toAdd.slice(i, i + batchSize);
      let results: EditResult[];
      try {
        results = await addFeatureBatch(ctx.session, ctx.layerUrl, batch.map((f) => featureToWrite(ctx, f, ctx.preserveGlobalIds)), {
          useGlobalIds: ctx.preserveGlobalIds,
          rollbackOnFailure: false
        });
      } catch (error) {
        if (error instanceof AmbiguousWriteError) {
          ambiguous = true;
          continue;
        }
        throw error;
      }
      batch.forEach((f, k) => {
        const r = results[k];
        const oldOid = featureOid(f, content.objectIdFieldName);
        if (r?.success && typeof r.objectId === 'number') {
          const oldGid = ctx.preserveGlobalIds ? undefined : snapshotGlobalId(ctx, f);
          if (oldGid !== undefined && typeof r.globalId === 'string' && r.globalId !== '') ctx.globalIdMap.set(oldGid, r.globalId);
          added.set(oldOid, r.objectId);
          match.oldToLive.set(oldOid, r.objectId);
          addedCount++;
          onAdded?.(oldOid, r.objectId);
        } else rejected.push(`feature ${oldOid}: ${describeEditError(r)}`);
      });
      report(batch, content.objectIdFieldName);
      save();
    }

    for (let i = 0; i < toCompare.length; i += compareSize) {
      ctx.signal.throwIfAborted();
      const batch = toCompare.slice(i, i + compareSize);
      const liveIds = batch.map((f) => match.oldToLive.get(featureOid(f, content.objectIdFieldName))!);
      const current = new Map<number, EsriFeature>();
      for (const f of await featuresByIds(ctx.session, ctx.layerUrl, liveIds)) current.set(featureOid(f, ctx.liveInfo.oidField), f);
      const updates: EsriFeature[] = [];
      const updateOids: number[] = [];
      for (const f of batch) {
        const oldOid = featureOid(f, content.objectIdFieldName);
        const liveOid = match.oldToLive.get(oldOid)!;
        const live = current.get(liveOid);
        const diff = live ? differences(ctx, f, live) : { attributes: true, geometry: true };
        if (!diff.attributes && !diff.geometry) continue;
        const write = featureToWrite(ctx, f, false);
        write.attributes[ctx.liveInfo.oidField] = liveOid;
        // Geometry only when it changed: services that do not allow geometry updates refuse any update carrying one.
        if (!diff.geometry) delete write.geometry;
        updates.push(write);
        updateOids.push(oldOid);
      }
      for (let u = 0; u < updates.length; u += batchSize) {
        const results = await updateFeatureBatch(ctx.session, ctx.layerUrl, updates.slice(u, u + batchSize));
        results.forEach((r, k) => {
          if (r.success) updated++;
          else rejected.push(`feature ${updateOids[u + k]!} (update): ${describeEditError(r)}`);
        });
      }
      report(batch, content.objectIdFieldName);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 4. Attachments

/** Two attachments are the same file when name, size, type and keywords agree (ArcGIS never edits a stored file silently). */
function attachmentKey(a: { name: string; size?: number; contentType?: string; keywords?: string }): string {
  return JSON.stringify([a.name, a.size ?? null, (a.contentType || '').toLowerCase(), a.keywords || '']);
}

/** The snapshot's attachments of the layer, by (old) object id. */
async function wantedAttachments(ctx: LayerSyncContext): Promise<Map<number, AttachmentEntry[]>> {
  const wanted = new Map<number, AttachmentEntry[]>();
  for (const a of await readAttachmentList(ctx.store.blobs, ctx.entry.attachments!)) {
    const list = wanted.get(a.objectId) ?? [];
    list.push(a);
    wanted.set(a.objectId, list);
  }
  return wanted;
}

/**
 * Makes every restored feature's attachments those of the snapshot. `known`: the layer's attachments when this call
 * knows them all (a layer it created, holding only what it added), so they need not be listed.
 */
async function syncAttachments(
  ctx: LayerSyncContext,
  oldToLive: Map<number, number>,
  wanted: Map<number, AttachmentEntry[]>,
  rejected: string[],
  known: Map<number, LiveAttachment[]> | undefined
): Promise<{ added: number; deleted: number }> {
  // Live attachments of the restored features, read per fixed range of live object ids that holds any of them.
  const liveOids = [...oldToLive.values()].sort((a, b) => a - b);
  const ranges = new Map<number, { fromOid: number; toOid: number }>();
  for (const oid of liveOids) {
    const fromOid = Math.floor(oid / CHUNK_OID_SPAN) * CHUNK_OID_SPAN;
    if (!ranges.has(fromOid)) ranges.set(fromOid, { fromOid, toOid: fromOid + CHUNK_OID_SPAN - 1 });
  }
  const current = new Map<number, LiveAttachment[]>(known ?? []);
  await runPool(known ? [] : [...ranges.values()], { concurrency: ctx.concurrency, onError: 'stop', signal: ctx.signal }, async (range) => {
    for (const [oid, list] of await liveAttachments(ctx.session, ctx.layerUrl, ctx.liveInfo.oidField, range.fromOid, range.toOid)) current.set(oid, list);
  });

  const work: AttachmentWork[] = [];
  for (const [oldOid, liveOid] of oldToLive) {
    const present = current.get(liveOid) ?? [];
    const want = wanted.get(oldOid) ?? [];
    if (present.length === 0 && want.length === 0) continue;
    const available = new Map<string, LiveAttachment[]>();
    for (const a of present) available.set(attachmentKey(a), [...(available.get(attachmentKey(a)) ?? []), a]);
    const add: AttachmentEntry[] = [];
    const verify: [AttachmentEntry, LiveAttachment][] = [];
    for (const a of want) {
      const same = available.get(attachmentKey(a))?.shift();
      if (!same) add.push(a);
      else if (ctx.verifyAttachmentBytes) verify.push([a, same]);
    }
    const remove = [...available.values()].flat().map((a) => a.id);
    if (add.length > 0 || remove.length > 0 || verify.length > 0) work.push({ oldOid, liveOid, add, remove, present, verify });
  }
  // Attachments of snapshot features that could not be restored cannot be restored either.
  for (const [oldOid, list] of wanted) if (!oldToLive.has(oldOid)) rejected.push(`feature ${oldOid}: its ${list.length} attachment(s) were not added because the feature is missing`);

  const counts = { added: 0, deleted: 0 };
  // One worker per feature (its attachments one after another, so a lost answer can be checked by counting).
  await runPool(work, { concurrency: ctx.concurrency * ATTACHMENT_WORKERS_PER_SLOT, onError: 'stop', signal: ctx.signal }, (w) => featureAttachmentWork(ctx, w, counts, rejected));
  return counts;
}

/** What one feature's attachments need: which snapshot attachments to add, which live ones to delete. */
interface AttachmentWork {
  oldOid: number;
  liveOid: number;
  add: AttachmentEntry[];
  remove: number[];
  /** Its attachments now (updated as the work proceeds). */
  present: LiveAttachment[];
  /** Live attachments whose metadata matches a snapshot one, to compare byte for byte before keeping them. */
  verify?: [AttachmentEntry, LiveAttachment][];
}

async function featureAttachmentWork(ctx: LayerSyncContext, w: AttachmentWork, counts: { added: number; deleted: number }, rejected: string[]): Promise<void> {
  // updateAttachment can replace a file keeping its id, name and even size: only the bytes tell.
  for (const [wantedOne, live] of w.verify ?? []) {
    ctx.signal.throwIfAborted();
    const download = await ctx.session.download(`${ctx.layerUrl}/${w.liveOid}/attachments/${live.id}`);
    if (sha256Hex(download?.bytes ?? Buffer.alloc(0)) === wantedOne.hash) continue;
    w.remove.push(live.id);
    w.add.push(wantedOne);
  }
  if (w.remove.length > 0) {
    const results = await deleteAttachmentsOf(ctx.session, ctx.layerUrl, w.liveOid, w.remove);
    counts.deleted += results.filter((r) => r.success).length;
    w.present = w.present.filter((a) => !w.remove.includes(a.id));
  }
  for (const a of w.add) {
    ctx.signal.throwIfAborted();
    const key = attachmentKey(a);
    const before = w.present.filter((p) => attachmentKey(p) === key).length;
    const bytes = await ctx.store.blobs.get(a.hash);
    const file = { bytes, name: a.name, contentType: a.contentType ?? 'application/octet-stream', ...(a.keywords ? { keywords: a.keywords } : {}) };
    let result: EditResult | undefined;
    for (let attempt = 1; attempt <= MAX_PASSES && !result; attempt++) {
      try {
        result = await addAttachmentTo(ctx.session, ctx.layerUrl, w.liveOid, file);
      } catch (error) {
        if (!(error instanceof AmbiguousWriteError)) throw error;
        // Did the lost request add it? Count the feature's attachments that are this file.
        const now = await featureAttachments(ctx.session, ctx.layerUrl, w.liveOid);
        const same = now.filter((p) => attachmentKey(p) === key);
        if (same.length > before) result = { success: true, objectId: same.at(-1)!.id };
      }
    }
    if (result?.success) {
      counts.added++;
      w.present.push({ id: result.objectId ?? -1, name: a.name, size: a.size, ...(a.contentType ? { contentType: a.contentType } : {}), ...(a.keywords ? { keywords: a.keywords } : {}) });
    } else rejected.push(`attachment ${a.attachmentId} (${a.name}) of feature ${w.oldOid}: ${result ? describeEditError(result) : 'the request kept failing'}`);
    ctx.progress(0, 1);
  }
}
