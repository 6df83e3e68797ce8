/**
 * Reads one layer of a hosted feature service for its backup (hosted-service.backup.ts decides which layers need
 * it): the features of every occupied object-id range (or only of the ranges holding changed object ids), each range
 * written as one chunk blob as soon as it is complete, then the attachments of its features.
 */
import { queryFeatures, type IQueryFeaturesResponse } from '@esri/arcgis-rest-feature-service';
import { ArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { downloadAttachment, type LayerInfo } from '../arcgis/feature-service/index.js';
import { runPool } from '../lib/task-pool.js';
import { type AttachmentEntry, type BlobRef, type FeatureChunk, type LayerEntry, type PartProblem, readAttachmentList, type Store, writeAttachmentList } from '../store/index.js';
import { chunkRangeOf, type EsriFeature, FEATURE_CHUNK_FORMAT, FEATURE_CHUNK_LEVEL, type FeatureChunkContent, featureChunkBytes, featureOid, type OidRange } from '../store/feature-chunks.js';
import { attachmentEntry, attachmentFileName, attachmentIdentity, listAttachmentsInRange, type ListedAttachment } from './layer-attachments.js';

/** Chunks whose attachments are listed with one queryAttachments request (metadata is small: ~200 bytes each). */
const ATTACHMENT_LIST_CHUNKS = 10;

/** What a layer's reader uses of the service's backup: its session, store and counters. */
export interface LayerOwner {
  readonly sessionForLayers: ArcGISSession;
  readonly store: Store;
  readonly chunkConcurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly serviceUrl: string;
  putBytes(bytes: Buffer, level?: number): Promise<BlobRef>;
  count(features: number, attachments: number, bytesRead: number): void;
}

/** Reads one layer's features and attachments, chunk by chunk. */
export class LayerReader {
  private readonly session: ArcGISSession;
  private readonly layerUrl: string;
  private readonly pageSize: number;
  private readonly problems: PartProblem[] = [];
  private previousAttachments: Map<string, AttachmentEntry> | undefined;

  constructor(
    private readonly owner: LayerOwner,
    private readonly info: LayerInfo,
    private readonly oidField: string,
    private readonly base: LayerEntry,
    private readonly before: LayerEntry | undefined,
    private readonly changedIds: Set<number> | undefined
  ) {
    this.session = owner.sessionForLayers;
    this.layerUrl = `${owner.serviceUrl}/${info.id}`;
    const max = typeof info.maxRecordCount === 'number' && info.maxRecordCount > 0 ? info.maxRecordCount : 1000;
    this.pageSize = Math.min(max, 2000);
  }

  async read(): Promise<LayerEntry> {
    // Ranges to (re)read, and chunks carried over from the previous snapshot untouched.
    const carried = new Map<number, FeatureChunk>();
    let ranges: OidRange[];
    if (this.before && this.changedIds) {
      for (const chunk of this.before.chunks) carried.set(chunk.fromOid, chunk);
      const touched = new Map<number, OidRange>();
      for (const oid of this.changedIds) {
        const range = chunkRangeOf(oid);
        touched.set(range.fromOid, range);
        carried.delete(range.fromOid);
      }
      ranges = [...touched.values()];
    } else {
      ranges = await this.occupiedRanges();
    }
    ranges.sort((a, b) => a.fromOid - b.fromOid);

    const read = new Map<number, { chunk: FeatureChunk | undefined; oids: number[] }>();
    await runPool(ranges, { concurrency: () => this.owner.chunkConcurrency, onError: 'stop', signal: this.owner.signal }, async (range) => {
      read.set(range.fromOid, await this.readRange(range));
    });
    const chunks: FeatureChunk[] = [...carried.values()];
    for (const { chunk } of read.values()) if (chunk) chunks.push(chunk);
    chunks.sort((a, b) => a.fromOid - b.fromOid);

    const entry: LayerEntry = { ...this.base, chunks, featureCount: chunks.reduce((n, c) => n + c.count, 0) };
    if (this.info.hasAttachments) {
      const attachments = await this.attachments(chunks, read);
      const list = await writeAttachmentList(this.owner.store.blobs, attachments);
      entry.attachments = { hash: list.hash, size: list.size };
      entry.attachmentCount = attachments.length;
    }
    if (this.problems.length > 0) entry.problems = this.problems;
    return entry;
  }

  /** The fixed ranges that hold at least one feature, from the layer's object ids (returnIdsOnly is not paged). */
  private async occupiedRanges(): Promise<OidRange[]> {
    const ranges = new Map<number, OidRange>();
    let after: number | undefined;
    for (;;) {
      const where = after === undefined ? '1=1' : `${this.oidField} > ${after}`;
      const response = await this.session.call(`${this.layerUrl} (object ids)`, () =>
        queryFeatures({ ...this.session.requestOptions, url: this.layerUrl, where, returnIdsOnly: true, httpMethod: 'POST' })
      ) as unknown as { objectIds?: number[] | null; exceededTransferLimit?: boolean };
      const ids = response.objectIds ?? [];
      let max = after ?? -Infinity;
      for (const oid of ids) {
        const range = chunkRangeOf(oid);
        if (!ranges.has(range.fromOid)) ranges.set(range.fromOid, range);
        if (oid > max) max = oid;
      }
      this.owner.count(0, 0, ids.length * 8);
      // Some servers cap the id list too: continue after the largest id seen.
      if (!response.exceededTransferLimit || ids.length === 0) break;
      after = max;
    }
    return [...ranges.values()];
  }

  /** All features in one range, paged by object id, written as one chunk blob (none when the range is empty). */
  private async readRange(range: OidRange): Promise<{ chunk: FeatureChunk | undefined; oids: number[] }> {
    const features: EsriFeature[] = [];
    let geometryType: string | undefined;
    let spatialReference: unknown;
    let last = range.fromOid - 1;
    for (;;) {
      const where = `${this.oidField} > ${last} AND ${this.oidField} <= ${range.toOid}`;
      const page = await this.session.call(`${this.layerUrl} (features ${range.fromOid}-${range.toOid})`, () =>
        queryFeatures({
          ...this.session.requestOptions,
          url: this.layerUrl,
          where,
          outFields: '*',
          returnGeometry: true,
          orderByFields: this.oidField,
          resultRecordCount: this.pageSize,
          httpMethod: 'POST'
        })
      ) as IQueryFeaturesResponse;
      geometryType ??= page.geometryType;
      spatialReference ??= page.spatialReference;
      let max = last;
      for (const feature of page.features as unknown as EsriFeature[]) {
        const oid = featureOid(feature, this.oidField);
        if (oid > max) max = oid;
        features.push(feature);
      }
      // The server ordered by object id, so the next page starts after the largest id; no progress means done.
      if (!page.exceededTransferLimit || max === last) break;
      last = max;
    }
    const oids = features.map((f) => featureOid(f, this.oidField));
    if (features.length === 0) return { chunk: undefined, oids };
    const content: Omit<FeatureChunkContent, 'format'> = { objectIdFieldName: this.oidField, fromOid: range.fromOid, toOid: range.toOid, features };
    if (geometryType) content.geometryType = geometryType;
    if (spatialReference) content.spatialReference = spatialReference;
    const blobBytes = featureChunkBytes(content);
    const ref = await this.owner.putBytes(blobBytes, FEATURE_CHUNK_LEVEL);
    // Bytes read are counted as the decoded JSON size: rest-js does not expose the wire size.
    this.owner.count(features.length, 0, blobBytes.length);
    return { chunk: { ...ref, fromOid: range.fromOid, toOid: range.toOid, count: features.length }, oids };
  }

  /** Every attachment of the layer's features: listed per chunk range, downloaded unless the previous run has it. */
  private async attachments(chunks: FeatureChunk[], read: Map<number, { oids: number[] }>): Promise<AttachmentEntry[]> {
    if (this.before?.attachments && this.previousAttachments === undefined) {
      this.previousAttachments = new Map();
      for (const a of await readAttachmentList(this.owner.store.blobs, this.before.attachments)) {
        this.previousAttachments.set(attachmentIdentity(a.objectId, { id: a.attachmentId, name: a.name, size: a.size, contentType: a.contentType, globalId: a.globalId, keywords: a.keywords }), a);
      }
    }
    const supportsQueryAttachments = this.info.advancedQueryCapabilities?.supportsQueryAttachments === true || this.info.supportsQueryAttachments === true;
    const entries: AttachmentEntry[] = [];
    // queryAttachments lists several chunks' ranges at once; the per-feature fallback goes chunk by chunk.
    const batches: FeatureChunk[][] = [];
    const perBatch = supportsQueryAttachments ? ATTACHMENT_LIST_CHUNKS : 1;
    for (let i = 0; i < chunks.length; i += perBatch) batches.push(chunks.slice(i, i + perBatch));
    await runPool(batches, { concurrency: () => this.owner.chunkConcurrency, onError: 'stop', signal: this.owner.signal }, async (batch) => {
      const range: OidRange = { fromOid: batch[0]!.fromOid, toOid: batch.at(-1)!.toOid };
      let listed: ListedAttachment[];
      try {
        listed = await listAttachmentsInRange(this.session, this.layerUrl, this.oidField, range, {
          supportsQueryAttachments,
          objectIds: async () => read.get(batch[0]!.fromOid)?.oids ?? (await this.storedOids(batch[0]!))
        });
      } catch (error) {
        if (error instanceof ArcGISFailure && error.kind === 'forbidden') {
          this.problems.push({ part: `layer:${this.info.id}:attachments`, status: 'skipped', reason: `The attachments of features ${range.fromOid}-${range.toOid} cannot be read by this identity: ${error.message}`, code: 'forbidden' });
          return;
        }
        throw error;
      }
      // As many downloads at once as the session allows requests (its limiter bounds them across layers): a layer whose
      // attachments fall in a few chunks would otherwise fetch them four at a time while slots idle.
      await runPool(listed, { concurrency: () => this.owner.chunkConcurrency, onError: 'stop', signal: this.owner.signal }, async (attachment) => {
        const entry = await this.attachment(attachment);
        if (entry) entries.push(entry);
      });
    });
    return entries.sort((a, b) => a.objectId - b.objectId || a.attachmentId - b.attachmentId);
  }

  private async attachment(listed: ListedAttachment): Promise<AttachmentEntry | undefined> {
    const { objectId, info } = listed;
    const known = this.previousAttachments?.get(
      attachmentIdentity(objectId, { id: info.id, name: attachmentFileName(info.name, info.id), size: info.size, contentType: info.contentType, globalId: info.globalId, keywords: info.keywords })
    );
    if (known && info.size !== undefined && (await this.owner.store.blobs.has(known.hash))) {
      this.owner.count(0, 1, 0);
      return attachmentEntry(listed, known);
    }
    const part = `layer:${this.info.id}:attachment:${objectId}/${info.id}`;
    try {
      const download = await downloadAttachment({ session: this.session, url: this.layerUrl, objectId, attachmentId: info.id });
      const bytes = download?.bytes ?? Buffer.alloc(0);
      const ref = await this.owner.putBytes(bytes);
      this.owner.count(0, 1, bytes.length);
      return attachmentEntry(listed, ref);
    } catch (error) {
      if (error instanceof ArcGISFailure && (error.kind === 'forbidden' || error.kind === 'not_found')) {
        // Not readable by this identity, or deleted between listing and download.
        this.problems.push({ part, status: 'skipped', reason: `Attachment ${info.id} (${String(info.name)}) of feature ${objectId} could not be read: ${error.message}`, code: error.kind });
        return undefined;
      }
      throw error;
    }
  }

  /** Object ids of a carried-over chunk (for servers without queryAttachments), read back from the store. */
  private async storedOids(chunk: FeatureChunk): Promise<number[]> {
    const content = await this.owner.store.getJson<FeatureChunkContent>(chunk.hash);
    if (content.format !== FEATURE_CHUNK_FORMAT) throw new Error(`Blob ${chunk.hash} is not a feature chunk.`);
    return content.features.map((f) => featureOid(f, content.objectIdFieldName));
  }
}

export function objectIdFieldOf(info: LayerInfo): string | undefined {
  return info.objectIdField ?? info.fields?.find((f) => f.type === 'esriFieldTypeOID')?.name;
}
