/**
 * Step 3 of a pass over a layer (layer-sync.ts lists the steps): the adds and updates, a few chunks at once. Adds are
 * checkpointed as they are made, so a crashed run knows which live features it added.
 */
import { randomUUID } from 'node:crypto';
import { canonicalJson, type EsriFeature, type FeatureChunkContent, featureOid } from '../../store/feature-chunks.js';
import { runPool } from '../../lib/task-pool.js';
import { describeEditError, type LayerSyncContext, type Match, MAX_EDIT_BATCH, readChunk, snapshotGlobalId } from './layer-sync-context.js';
import type { OidMap } from './oid-map.js';
import { addFeatures, AmbiguousWriteError, attribute, type EditResult, getFeaturesByIds, normalizeGuid, stringAttribute, updateFeatures } from '../../arcgis/feature-service/index.js';

/** Features whose live state is read per query when comparing (one page). */
const MAX_COMPARE_BATCH = 1000;

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

export interface FeatureWrites {
  added: number;
  updated: number;
  /** An add's answer was lost: the layer needs another pass to find out what it did. */
  ambiguous: boolean;
}

/**
 * Writes every chunk's features. `counted`: snapshot features already reported as done (a second pass does not count
 * them again); `onAdded` hears of each feature added, as it is.
 */
export async function writeFeatures(
  ctx: LayerSyncContext,
  match: Match,
  added: OidMap,
  rejected: string[],
  counted: Set<number>,
  onAdded?: (oldOid: number, liveOid: number) => void
): Promise<FeatureWrites> {
  return new FeatureWriter(ctx, match, added, rejected, counted, onAdded).run();
}

class FeatureWriter {
  private readonly result: FeatureWrites = { added: 0, updated: 0, ambiguous: false };
  private readonly batchSize: number;
  private readonly compareSize: number;
  private readonly checkpoint: CoalescedCheckpoint;

  constructor(
    private readonly ctx: LayerSyncContext,
    private readonly match: Match,
    private readonly added: OidMap,
    private readonly rejected: string[],
    private readonly counted: Set<number>,
    private readonly onAdded: ((oldOid: number, liveOid: number) => void) | undefined
  ) {
    this.batchSize = Math.max(1, Math.min(ctx.liveInfo.maxRecordCount, MAX_EDIT_BATCH));
    this.compareSize = Math.max(1, Math.min(ctx.liveInfo.maxRecordCount, MAX_COMPARE_BATCH));
    this.checkpoint = new CoalescedCheckpoint(async () => {
      if (!ctx.preserveGlobalIds) ctx.state.runs = added.runs();
      await ctx.saveState();
    });
  }

  async run(): Promise<FeatureWrites> {
    try {
      await runPool(this.ctx.entry.chunks, { concurrency: this.ctx.concurrency, onError: 'stop', signal: this.ctx.signal }, (chunk) => this.writeChunk(chunk.hash));
    } finally {
      await this.checkpoint.settled();
    }
    this.checkpoint.throwIfFailed();
    if (!this.ctx.preserveGlobalIds) this.ctx.state.runs = this.added.runs();
    return this.result;
  }

  private async writeChunk(hash: string): Promise<void> {
    const content = await readChunk(this.ctx, hash);
    const toAdd: EsriFeature[] = [];
    const toCompare: EsriFeature[] = [];
    for (const f of content.features) (this.match.oldToLive.has(featureOid(f, content.objectIdFieldName)) ? toCompare : toAdd).push(f);
    for (let i = 0; i < toAdd.length; i += this.batchSize) {
      this.ctx.signal.throwIfAborted();
      await this.addBatch(content, toAdd.slice(i, i + this.batchSize));
    }
    for (let i = 0; i < toCompare.length; i += this.compareSize) {
      this.ctx.signal.throwIfAborted();
      await this.compareBatch(content, toCompare.slice(i, i + this.compareSize));
    }
  }

  private async addBatch(content: FeatureChunkContent, batch: EsriFeature[]): Promise<void> {
    const { ctx } = this;
    let results: EditResult[];
    try {
      results = await addFeatures({
        session: ctx.session,
        url: ctx.layerUrl,
        features: batch.map((f) => featureToWrite(ctx, f, ctx.preserveGlobalIds)),
        useGlobalIds: ctx.preserveGlobalIds,
        rollbackOnFailure: false
      });
    } catch (error) {
      if (error instanceof AmbiguousWriteError) {
        this.result.ambiguous = true;
        return;
      }
      throw error;
    }
    batch.forEach((f, k) => {
      const r = results[k];
      const oldOid = featureOid(f, content.objectIdFieldName);
      if (r?.success && typeof r.objectId === 'number') {
        const oldGid = ctx.preserveGlobalIds ? undefined : snapshotGlobalId(ctx, f);
        if (oldGid !== undefined && typeof r.globalId === 'string' && r.globalId !== '') ctx.globalIdMap.set(oldGid, r.globalId);
        this.added.set(oldOid, r.objectId);
        this.match.oldToLive.set(oldOid, r.objectId);
        this.result.added++;
        this.onAdded?.(oldOid, r.objectId);
      } else this.rejected.push(`feature ${oldOid}: ${describeEditError(r)}`);
    });
    this.report(batch, content.objectIdFieldName);
    this.checkpoint.request();
  }

  /** Reads the live state of matched features and updates those that differ from the snapshot. */
  private async compareBatch(content: FeatureChunkContent, batch: EsriFeature[]): Promise<void> {
    const { ctx } = this;
    const liveIds = batch.map((f) => this.match.oldToLive.get(featureOid(f, content.objectIdFieldName))!);
    const current = new Map<number, EsriFeature>();
    for (const f of await getFeaturesByIds({ session: ctx.session, url: ctx.layerUrl, objectIds: liveIds })) current.set(featureOid(f, ctx.liveInfo.oidField), f);
    const updates: EsriFeature[] = [];
    const updateOids: number[] = [];
    for (const f of batch) {
      const oldOid = featureOid(f, content.objectIdFieldName);
      const liveOid = this.match.oldToLive.get(oldOid)!;
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
    for (let u = 0; u < updates.length; u += this.batchSize) {
      const results = await updateFeatures({ session: ctx.session, url: ctx.layerUrl, features: updates.slice(u, u + this.batchSize) });
      results.forEach((r, k) => {
        if (r.success) this.result.updated++;
        else this.rejected.push(`feature ${updateOids[u + k]!} (update): ${describeEditError(r)}`);
      });
    }
    this.report(batch, content.objectIdFieldName);
  }

  /** Reports the snapshot features of a batch as done, each once over all passes. */
  private report(features: EsriFeature[], oidField: string): void {
    let fresh = 0;
    for (const f of features) {
      const oid = featureOid(f, oidField);
      if (!this.counted.has(oid)) {
        this.counted.add(oid);
        fresh++;
      }
    }
    if (fresh > 0) this.ctx.progress(fresh, 0);
  }
}

/**
 * Checkpoints coalesced: one in flight, at most one more queued. A failed checkpoint stops the layer (the caller can
 * no longer record progress), reported by the next request and at the end.
 */
class CoalescedCheckpoint {
  private pending: Promise<void> | undefined;
  private again = false;
  private failed: { error: unknown } | undefined;

  constructor(private readonly save: () => Promise<void>) {}

  request(): void {
    if (this.failed) throw this.failed.error;
    if (this.pending) {
      this.again = true;
      return;
    }
    this.pending = (async () => {
      try {
        do {
          this.again = false;
          await this.save();
        } while (this.again);
      } catch (error) {
        this.failed = { error };
      } finally {
        this.pending = undefined;
      }
    })();
  }

  async settled(): Promise<void> {
    while (this.pending) await this.pending;
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failed.error;
  }
}
