/**
 * Backs up one hosted feature service: the service JSON, every layer's and table's full definition, all features
 * (with geometry) in fixed object-id-range chunks, and every attachment with its metadata.
 *
 * Incremental: with the previous snapshot's entry, a layer whose `editingInfo.lastEditDate` and server generation did
 * not change is carried over without a feature request, so an unchanged service costs two requests (service JSON and
 * `/layers`). A changed layer of a service with ChangeTracking asks `extractChanges` which object ids changed and
 * re-reads only their chunks; otherwise it is re-read whole (unchanged chunks still deduplicate).
 *
 * Streaming: chunks are read a few at a time and written as soon as they are complete; memory holds the chunks in
 * flight, the layer's chunk list and its attachment list, never the layer's features.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { ArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { extractChanges, getLayerInfo, getLayers, getServiceInfo, type LayerInfo, type ServiceInfo } from '../arcgis/feature-service/index.js';
import { runPool } from '../lib/task-pool.js';
import type { BlobRef, HostedServiceEntry, LayerEntry, Store } from '../store/index.js';
import { canonicalBytes, CHUNK_OID_SPAN, featureOid, isAlignedRange } from '../store/feature-chunks.js';
import { type LayerOwner, LayerReader, objectIdFieldOf } from './hosted-layer.backup.js';
import { backupViewService, isViewService } from './view-backup.js';

export interface HostedServiceProgress {
  featuresDone: number;
  attachmentsDone: number;
  /** Bytes received from ArcGIS (attachments exactly; JSON answers as their decoded size). */
  bytesRead: number;
  /** Bytes this call added to the store (compressed, new blobs only). */
  newBytes: number;
}

export interface HostedServiceBackupContext {
  session: ArcGISSession;
  store: Store;
  signal?: AbortSignal;
  /** Called as features and attachments are stored (cumulative for this service). */
  onProgress?: (progress: HostedServiceProgress) => void;
  /** Chunks (object-id ranges) read at once per layer (default: the session's concurrency). */
  chunkConcurrency?: number;
}

const LAYER_CONCURRENCY = 3;

/** Object-id range size per chunk (exported for tests and tools that read chunks). */
export { CHUNK_OID_SPAN };

/** The service URL of a hosted feature service item (`.../FeatureServer`), or a clear error. */
export function featureServiceUrl(item: Pick<IItem, 'id' | 'url'>): string {
  const url = (item.url ?? '').trim().replace(/\/+$/, '');
  const match = /^(https?:\/\/.+\/FeatureServer)(\/\d+)?$/i.exec(url);
  if (!match) throw new Error(`Item ${item.id} is not a feature service: its URL ${JSON.stringify(item.url ?? null)} does not end in /FeatureServer.`);
  return match[1]!;
}

/**
 * Back up a hosted feature service item. Throws only when the service itself cannot be read (the caller records the
 * item as failed or skipped); a layer that cannot be read is returned with status `failed` or `skipped` and its
 * reason, and the other layers continue.
 */
export async function backupHostedService(ctx: HostedServiceBackupContext, item: IItem, previous?: HostedServiceEntry): Promise<HostedServiceEntry> {
  return new ServiceBackup(ctx, item, previous).run();
}

class ServiceBackup implements LayerOwner {
  private readonly session: ArcGISSession;
  private readonly progress: HostedServiceProgress = { featuresDone: 0, attachmentsDone: 0, bytesRead: 0, newBytes: 0 };
  private readonly url: string;

  constructor(
    private readonly ctx: HostedServiceBackupContext,
    item: IItem,
    private previous: HostedServiceEntry | undefined
  ) {
    this.session = ctx.signal ? ctx.session.withSignal(ctx.signal) : ctx.session;
    this.url = featureServiceUrl(item);
    // A previous entry of another service (the item now points elsewhere) must not be reused.
    if (previous && previous.url.replace(/\/+$/, '').toLowerCase() !== this.url.toLowerCase()) this.previous = undefined;
  }

  async run(): Promise<HostedServiceEntry> {
    const service = await getServiceInfo({ session: this.session, url: this.url });
    const definition = await this.putJson(service);
    const infos = await this.layerInfos(service);
    // A view's rows are its source's: only its definitions and its source reference are kept (view-backup.ts).
    if (isViewService(service)) return backupViewService(this, definition, infos, this.previous);
    const changes = await this.changedObjectIds(service, infos);

    // A few layers at once: services with many small layers are bound by latency, not by memory.
    const byId = new Map<number, LayerEntry>();
    await runPool(infos, { concurrency: LAYER_CONCURRENCY, onError: 'stop', signal: this.ctx.signal }, async (info) => {
      byId.set(info.id, await this.layer(info, changes.get(info.id)));
    });
    const layers = infos.map((info) => byId.get(info.id)!);
    const entry: HostedServiceEntry = { url: this.url, definition, layers };
    const serverGens = infos.map((l) => l.serverGens?.serverGen).filter((g): g is number => typeof g === 'number');
    if (serverGens.length > 0) entry.serverGen = Math.max(...serverGens);
    const editDates = [service.editingInfo?.lastEditDate, ...infos.map((l) => l.editingInfo?.lastEditDate)].filter((d): d is number => typeof d === 'number');
    if (editDates.length > 0) entry.lastEditDate = Math.max(...editDates);
    // A last report, so callers that sum the cumulative figures also count what was stored after the last chunk
    // (definitions of carried-over layers, the service JSON).
    this.report();
    return entry;
  }

  /** Every layer's and table's full definition: one `/layers` request, or one per layer where `/layers` is missing. */
  private async layerInfos(service: ServiceInfo): Promise<LayerInfo[]> {
    let infos: LayerInfo[];
    try {
      const all = await getLayers({ session: this.session, url: this.url });
      infos = [...(all.layers ?? []), ...(all.tables ?? [])];
    } catch (error) {
      if (!(error instanceof ArcGISFailure) || (error.kind !== 'not_found' && error.kind !== 'invalid')) throw error;
      const ids = [...(service.layers ?? []), ...(service.tables ?? [])].map((l) => l.id);
      infos = [];
      for (const id of ids) infos.push(await getLayerInfo({ session: this.session, url: `${this.url}/${id}` }));
    }
    return infos.sort((a, b) => a.id - b.id);
  }

  /**
   * Object ids changed since the previous snapshot, per layer, for changed layers of a ChangeTracking service (one
   * extractChanges request for all of them). Layers absent from the map are re-read whole.
   */
  private async changedObjectIds(service: ServiceInfo, infos: LayerInfo[]): Promise<Map<number, Set<number>>> {
    const result = new Map<number, Set<number>>();
    if (!this.previous || !/\bChangeTracking\b/i.test(service.capabilities ?? '')) return result;
    const since: { id: number; serverGen: number }[] = [];
    for (const info of infos) {
      const before = this.previous.layers.find((l) => l.id === info.id);
      if (!before || before.status !== 'ok' || before.serverGen === undefined || this.unchanged(info, before)) continue;
      if (!before.chunks.every((c) => isAlignedRange(c))) continue;
      // Changes older than minServerGen are gone: only a full read is right then.
      if (info.serverGens?.minServerGen !== undefined && before.serverGen < info.serverGens.minServerGen) continue;
      since.push({ id: info.id, serverGen: before.serverGen });
    }
    if (since.length === 0) return result;
    const idsOnly = service.extractChangesCapabilities?.supportsReturnIdsOnly === true;
    let response: Awaited<ReturnType<typeof extractChanges>>;
    try {
      response = await extractChanges({ session: this.session, url: this.url, since, idsOnly });
    } catch (error) {
      if (error instanceof ArcGISFailure && !error.retryable && error.kind !== 'auth') return result; // fall back to full reads
      throw error;
    }
    for (const edit of response.edits ?? []) {
      const info = infos.find((l) => l.id === edit.id);
      if (!info) continue;
      const oidField = objectIdFieldOf(info);
      if (!oidField) continue;
      const ids = new Set<number>([...(edit.objectIds?.adds ?? []), ...(edit.objectIds?.updates ?? []), ...(edit.objectIds?.deletes ?? []), ...(edit.features?.deleteIds ?? [])]);
      for (const f of [...(edit.features?.adds ?? []), ...(edit.features?.updates ?? [])]) ids.add(featureOid(f, oidField));
      result.set(edit.id, ids);
    }
    return result;
  }

  private unchanged(info: LayerInfo, before: LayerEntry): boolean {
    const lastEdit = info.editingInfo?.lastEditDate;
    const serverGen = info.serverGens?.serverGen;
    if (lastEdit === undefined && serverGen === undefined) return false; // nothing says it is unchanged
    if (lastEdit !== undefined && before.lastEditDate !== lastEdit) return false;
    if (serverGen !== undefined && before.serverGen !== serverGen) return false;
    return true;
  }

  private async layer(info: LayerInfo, changedIds: Set<number> | undefined): Promise<LayerEntry> {
    const kind: LayerEntry['kind'] = info.type === 'Table' ? 'table' : 'layer';
    const definition = await this.putJson(info);
    const base: LayerEntry = { id: info.id, name: info.name ?? `Layer ${info.id}`, kind, definition, featureCount: 0, chunks: [], status: 'ok' };
    if (info.editingInfo?.lastEditDate !== undefined) base.lastEditDate = info.editingInfo.lastEditDate;
    if (info.serverGens?.serverGen !== undefined) base.serverGen = info.serverGens.serverGen;
    const oidField = objectIdFieldOf(info);
    if (oidField) base.objectIdField = oidField;

    const before = this.previous?.layers.find((l) => l.id === info.id);
    if (before && before.status === 'ok' && this.unchanged(info, before)) {
      const carried: LayerEntry = { ...before, name: base.name, kind, definition };
      this.progress.featuresDone += before.featureCount;
      this.progress.attachmentsDone += before.attachmentCount ?? 0;
      this.report();
      return carried;
    }
    if (!oidField) {
      return { ...base, status: 'failed', problems: [{ part: `layer:${info.id}`, status: 'failed', reason: `Layer ${info.id} (${base.name}) has no object id field, so its features cannot be paged.` }] };
    }
    try {
      return await new LayerReader(this, info, oidField, base, before, changedIds).read();
    } catch (error) {
      this.ctx.signal?.throwIfAborted();
      return { ...base, chunks: [], featureCount: 0, ...problemFor(info, base.name, error) };
    }
  }

  get sessionForLayers(): ArcGISSession {
    return this.session;
  }

  get store(): Store {
    return this.ctx.store;
  }

  get chunkConcurrency(): number {
    return Math.max(1, this.ctx.chunkConcurrency ?? this.session.concurrency);
  }

  get signal(): AbortSignal | undefined {
    return this.ctx.signal;
  }

  get serviceUrl(): string {
    return this.url;
  }

  async putJson(value: unknown): Promise<BlobRef> {
    return this.putBytes(canonicalBytes(value));
  }

  async putBytes(bytes: Buffer, level?: number): Promise<BlobRef> {
    const result = await this.ctx.store.blobs.put(bytes, level === undefined ? undefined : { level });
    this.progress.newBytes += result.storedSize;
    return { hash: result.hash, size: result.size };
  }

  count(features: number, attachments: number, bytesRead: number): void {
    this.progress.featuresDone += features;
    this.progress.attachmentsDone += attachments;
    this.progress.bytesRead += bytesRead;
    this.report();
  }

  private report(): void {
    this.ctx.onProgress?.({ ...this.progress });
  }
}

function problemFor(info: LayerInfo, name: string, error: unknown): Pick<LayerEntry, 'status' | 'problems'> {
  const part = `layer:${info.id}`;
  if (error instanceof ArcGISFailure && error.kind === 'forbidden') {
    return { status: 'skipped', problems: [{ part, status: 'skipped', reason: `Layer ${info.id} (${name}) cannot be read by this identity: ${error.message}`, code: 'forbidden' }] };
  }
  // A service without the Query capability answers "not supported" to everyone but its owner and administrators.
  if (error instanceof ArcGISFailure && error.kind === 'invalid' && /not supported/i.test(error.message)) {
    const reason = `Layer ${info.id} (${name}) cannot be read by this identity: the service does not allow queries (its capabilities lack Query); back it up with the owner's or an administrator's identity.`;
    return { status: 'skipped', problems: [{ part, status: 'skipped', reason, code: 'query_not_supported' }] };
  }
  const code = error instanceof ArcGISFailure && error.code !== undefined ? String(error.code) : undefined;
  const reason = `Layer ${info.id} (${name}) could not be backed up: ${error instanceof Error ? error.message : String(error)}`;
  return { status: 'failed', problems: [code === undefined ? { part, status: 'failed', reason } : { part, status: 'failed', reason, code }] };
}
