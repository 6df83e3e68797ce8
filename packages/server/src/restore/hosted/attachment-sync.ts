/** Step 4 of a layer's sync (layer-sync.ts lists the steps): each restored feature's attachments made the snapshot's. */
import { CHUNK_OID_SPAN } from '../../store/feature-chunks.js';
import { runPool } from '../../lib/task-pool.js';
import { type AttachmentEntry, readAttachmentList, sha256Hex } from '../../store/index.js';
import { describeEditError, type LayerSyncContext, MAX_PASSES } from './layer-sync-context.js';
import { addAttachment, AmbiguousWriteError, type AttachmentInfo, deleteAttachments, downloadAttachment, type EditResult, getFeatureAttachments, queryAttachmentsInRange } from '../../arcgis/feature-service/index.js';

/**
 * Attachment workers per request slot of the session: while one waits for its answer, another reads its file from
 * the store and builds its upload, so no slot idles between requests.
 */
export const ATTACHMENT_WORKERS_PER_SLOT = 2;

/** Two attachments are the same file when name, size, type and keywords agree (ArcGIS never edits a stored file silently). */
export function attachmentKey(a: { name: string; size?: number; contentType?: string; keywords?: string }): string {
  return JSON.stringify([a.name, a.size ?? null, (a.contentType || '').toLowerCase(), a.keywords || '']);
}

/** The snapshot's attachments of the layer, by (old) object id. */
export async function wantedAttachments(ctx: LayerSyncContext): Promise<Map<number, AttachmentEntry[]>> {
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
export async function syncAttachments(
  ctx: LayerSyncContext,
  oldToLive: Map<number, number>,
  wanted: Map<number, AttachmentEntry[]>,
  rejected: string[],
  known: Map<number, AttachmentInfo[]> | undefined
): Promise<{ added: number; deleted: number }> {
  // Live attachments of the restored features, read per fixed range of live object ids that holds any of them.
  const liveOids = [...oldToLive.values()].sort((a, b) => a - b);
  const ranges = new Map<number, { fromOid: number; toOid: number }>();
  for (const oid of liveOids) {
    const fromOid = Math.floor(oid / CHUNK_OID_SPAN) * CHUNK_OID_SPAN;
    if (!ranges.has(fromOid)) ranges.set(fromOid, { fromOid, toOid: fromOid + CHUNK_OID_SPAN - 1 });
  }
  const current = new Map<number, AttachmentInfo[]>(known ?? []);
  await runPool(known ? [] : [...ranges.values()], { concurrency: ctx.concurrency, onError: 'stop', signal: ctx.signal }, async (range) => {
    for (const [oid, list] of await queryAttachmentsInRange({ session: ctx.session, url: ctx.layerUrl, objectIdField: ctx.liveInfo.oidField, fromOid: range.fromOid, toOid: range.toOid })) current.set(oid, list);
  });

  const work: AttachmentWork[] = [];
  for (const [oldOid, liveOid] of oldToLive) {
    const present = current.get(liveOid) ?? [];
    const want = wanted.get(oldOid) ?? [];
    if (present.length === 0 && want.length === 0) continue;
    const available = new Map<string, AttachmentInfo[]>();
    for (const a of present) available.set(attachmentKey(a), [...(available.get(attachmentKey(a)) ?? []), a]);
    const add: AttachmentEntry[] = [];
    const verify: [AttachmentEntry, AttachmentInfo][] = [];
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
export interface AttachmentWork {
  oldOid: number;
  liveOid: number;
  add: AttachmentEntry[];
  remove: number[];
  /** Its attachments now (updated as the work proceeds). */
  present: AttachmentInfo[];
  /** Live attachments whose metadata matches a snapshot one, to compare byte for byte before keeping them. */
  verify?: [AttachmentEntry, AttachmentInfo][];
}

export async function featureAttachmentWork(ctx: LayerSyncContext, w: AttachmentWork, counts: { added: number; deleted: number }, rejected: string[]): Promise<void> {
  // updateAttachment can replace a file keeping its id, name and even size: only the bytes tell.
  for (const [wantedOne, live] of w.verify ?? []) {
    ctx.signal.throwIfAborted();
    const download = await downloadAttachment({ session: ctx.session, url: ctx.layerUrl, objectId: w.liveOid, attachmentId: live.id });
    if (sha256Hex(download?.bytes ?? Buffer.alloc(0)) === wantedOne.hash) continue;
    w.remove.push(live.id);
    w.add.push(wantedOne);
  }
  if (w.remove.length > 0) {
    const results = await deleteAttachments({ session: ctx.session, url: ctx.layerUrl, objectId: w.liveOid, attachmentIds: w.remove });
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
        result = await addAttachment({ session: ctx.session, url: ctx.layerUrl, objectId: w.liveOid, file: file });
      } catch (error) {
        if (!(error instanceof AmbiguousWriteError)) throw error;
        // Did the lost request add it? Count the feature's attachments that are this file.
        const now = await getFeatureAttachments({ session: ctx.session, url: ctx.layerUrl, objectId: w.liveOid });
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
