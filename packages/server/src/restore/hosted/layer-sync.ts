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
import { featureOid } from '../../store/feature-chunks.js';
import { runPool, TaskPool } from '../../lib/task-pool.js';
import type { AttachmentEntry } from '../../store/index.js';
import { ATTACHMENT_WORKERS_PER_SLOT, type AttachmentWork, featureAttachmentWork, syncAttachments, wantedAttachments } from './attachment-sync.js';
import { writeFeatures } from './feature-writes.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import { type LayerSyncContext, type Match, MAX_EDIT_BATCH, MAX_PASSES, readChunk, snapshotGlobalId } from './layer-sync-context.js';
import { OidMap } from './oid-map.js';
import { type AttachmentInfo, deleteFeatures, listFeatureKeys, normalizeGuid } from '../../arcgis/feature-service/index.js';

/** Object ids per deleteFeatures request. */
const DELETE_BATCH = 1000;

export interface LayerSyncResult {
  added: number;
  updated: number;
  deleted: number;
  attachmentsAdded: number;
  attachmentsDeleted: number;
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
  const known = knownEmpty && withAttachments ? new Map<number, AttachmentInfo[]>() : undefined;
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
// 1. Matching

async function matchFeatures(ctx: LayerSyncContext, added: OidMap): Promise<Match> {
  const pageSize = Math.min(ctx.liveInfo.maxRecordCount, MAX_EDIT_BATCH);
  const keys = await listFeatureKeys({ session: ctx.session, url: ctx.layerUrl, objectIdField: ctx.liveInfo.oidField, globalIdField: ctx.liveInfo.globalIdField, pageSize: pageSize });
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
    const results = await deleteFeatures({ session: ctx.session, url: ctx.layerUrl, objectIds: batch });
    // A feature already gone (deleted by a retried request or by someone else) is what was wanted.
    deleted += results.filter((r) => r.success).length;
  });
  return deleted;
}
