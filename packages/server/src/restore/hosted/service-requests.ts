/**
 * The ArcGIS calls a hosted-service restore makes, one small typed function each, all through the ArcGISSession
 * (limits, retries, throttling, token refresh). Esri's rest-js functions where they exist; `session.request` (rest-js
 * `request()`) for the rest.
 *
 * Writes are not blindly retried: a write whose request failed after it may have reached the server (a 5xx, a reset,
 * a timeout) is reported as `AmbiguousWriteError` instead of being sent again, and the caller decides from the live
 * state what still has to be done. Throttling and token errors are answered before the server applies anything, so
 * those are retried like reads.
 */
import {
  addAttachment,
  addToServiceDefinition,
  applyEdits,
  createFeatureService,
  deleteAttachments,
  deleteFeatures,
  getService,
  queryFeatures,
  updateFeatures,
  updateServiceDefinition
} from '@esri/arcgis-rest-feature-service';
import { ArcGISFailure, toArcGISFailure } from '../../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { EsriFeature } from '../../backup/feature-chunks.js';

/** A write that may or may not have been applied: the server failed (or the connection broke) after receiving it. */
export class AmbiguousWriteError extends Error {
  constructor(label: string, readonly failure: ArcGISFailure) {
    super(`${label}: the request failed after it may have reached ArcGIS (${failure.message}); what it did is checked against the live service.`, { cause: failure });
    this.name = 'AmbiguousWriteError';
  }
}

/**
 * Runs a write through the session. Retried only while the failure says nothing was applied (throttled, token);
 * otherwise a retryable failure becomes AmbiguousWriteError and non-retryable ones are thrown as they are.
 */
async function write<T>(session: ArcGISSession, label: string, fn: () => Promise<T>): Promise<T> {
  let ambiguous: ArcGISFailure | undefined;
  try {
    return await session.call(label, async () => {
      if (ambiguous) throw new AmbiguousWriteError(label, ambiguous);
      try {
        return await fn();
      } catch (error) {
        const failure = toArcGISFailure(error);
        if (failure.kind === 'transient' || failure.kind === 'network' || failure.kind === 'unknown') ambiguous = failure;
        throw error;
      }
    });
  } catch (error) {
    if (error instanceof AmbiguousWriteError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof AmbiguousWriteError) throw cause;
    // The session gave up retrying (attempts used up) on a failure that may have been applied.
    if (ambiguous && error instanceof ArcGISFailure && error.retryable) throw new AmbiguousWriteError(label, error);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Portal: creating the service

export interface CreateServiceResult {
  itemId: string;
  serviceUrl: string;
  name: string;
}

interface CreateServiceResponse {
  success?: boolean;
  itemId?: string;
  serviceItemId?: string;
  serviceurl?: string;
  encodedServiceURL?: string;
  name?: string;
}

export async function createService(session: ArcGISSession, options: { owner: string; folderId?: string | null; createParameters: Record<string, unknown> }): Promise<CreateServiceResult> {
  const label = `createService ${String(options.createParameters.name)}`;
  const response = await write(session, label, () =>
    createFeatureService({
      ...session.requestOptions,
      owner: options.owner,
      ...(options.folderId ? { folderId: options.folderId } : {}),
      item: options.createParameters
    } as never) as unknown as Promise<CreateServiceResponse>
  );
  const itemId = response.itemId ?? response.serviceItemId;
  const serviceUrl = response.serviceurl ?? response.encodedServiceURL;
  if (!response.success || !itemId || !serviceUrl) {
    throw new Error(`createService answered without a service item and URL: ${JSON.stringify(response).slice(0, 300)}`);
  }
  return { itemId, serviceUrl: serviceUrl.replace(/\/+$/, ''), name: response.name ?? String(options.createParameters.name) };
}

/** `portals/self/isServiceNameAvailable` for a feature service name. */
export async function isServiceNameAvailable(session: ArcGISSession, name: string): Promise<boolean> {
  const response = await session.request<{ available?: boolean }>(`${session.restUrl}/portals/self/isServiceNameAvailable`, { name, type: 'Feature Service' });
  return response.available === true;
}

/**
 * The Feature Service item of `owner` whose URL is the service `name` on one of the organization's hosting servers
 * (after a createService whose answer was lost). Only such a URL counts: any member can add an item whose URL merely
 * looks like one, and what is found here is written to next.
 */
export async function findServiceItem(session: ArcGISSession, owner: string, name: string): Promise<CreateServiceResult | undefined> {
  const pattern = new RegExp(`/services/(?:[^/]+/)?${name.replace(/[^A-Za-z0-9_]/g, '')}/FeatureServer/?$`, 'i');
  const origins = await session.orgOrigins();
  for (let start = 1; start > 0; ) {
    const page = await session.request<{ results?: { id: string; url?: string }[]; nextStart?: number }>(`${session.restUrl}/search`, {
      q: `owner:"${owner}" AND type:"Feature Service"`,
      sortField: 'created',
      sortOrder: 'desc',
      num: 100,
      start
    });
    for (const r of page.results ?? []) {
      const serviceUrl = typeof r.url === 'string' && pattern.test(r.url) ? origins.hostedFeatureServiceUrl(r.url) : undefined;
      if (serviceUrl) return { itemId: r.id, serviceUrl, name };
    }
    start = page.nextStart ?? -1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Service definitions

export interface ServiceJson {
  capabilities?: string;
  maxRecordCount?: number;
  supportsApplyEditsWithGlobalIds?: boolean;
  layers?: { id: number; name?: string }[];
  tables?: { id: number; name?: string }[];
  [key: string]: unknown;
}

export function getServiceJson(session: ArcGISSession, serviceUrl: string): Promise<ServiceJson> {
  return session.call(`${serviceUrl} (service)`, () => getService({ ...session.requestOptions, url: serviceUrl }) as unknown as Promise<ServiceJson>);
}

export function getLayerJson(session: ArcGISSession, layerUrl: string): Promise<Record<string, unknown>> {
  return session.request<Record<string, unknown>>(layerUrl);
}

/** Admin `addToDefinition` with layers and tables (each keeps its id). */
export async function addToDefinition(session: ArcGISSession, serviceUrl: string, definition: { layers: Record<string, unknown>[]; tables: Record<string, unknown>[] }): Promise<void> {
  const response = await write(session, `${serviceUrl} addToDefinition`, () =>
    addToServiceDefinition(serviceUrl, { ...session.requestOptions, layers: definition.layers, tables: definition.tables } as never) as Promise<{ success?: boolean }>
  );
  if (response.success === false) throw new Error(`addToDefinition on ${serviceUrl} did not succeed: ${JSON.stringify(response).slice(0, 300)}`);
}

/** Admin `updateDefinition` of the service (capabilities and other service properties). */
export async function updateDefinition(session: ArcGISSession, serviceUrl: string, definition: Record<string, unknown>): Promise<void> {
  // Setting properties to given values is idempotent, so a plain retried call is right here.
  await session.call(`${serviceUrl} updateDefinition`, () =>
    updateServiceDefinition(serviceUrl, { ...session.requestOptions, updateDefinition: definition } as never)
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Features

export interface EditResult {
  objectId?: number;
  globalId?: string | null;
  success: boolean;
  error?: { code?: number; description?: string };
}

/** Object ids (and global ids where the layer has them) of every feature of a layer, paged by object id. */
export async function liveKeys(session: ArcGISSession, layerUrl: string, oidField: string, globalIdField: string | undefined, pageSize: number): Promise<{ oid: number; globalId?: string }[]> {
  const keys: { oid: number; globalId?: string }[] = [];
  let after = -Infinity;
  for (;;) {
    const where = after === -Infinity ? '1=1' : `${oidField} > ${after}`;
    const page = await session.call(`${layerUrl} (keys)`, () =>
      queryFeatures({
        ...session.requestOptions,
        url: layerUrl,
        where,
        outFields: globalIdField ? [oidField, globalIdField] : [oidField],
        returnGeometry: false,
        orderByFields: oidField,
        resultRecordCount: pageSize,
        httpMethod: 'POST'
      }) as unknown as Promise<{ features: EsriFeature[]; exceededTransferLimit?: boolean }>
    );
    let max = after;
    for (const f of page.features) {
      const oid = numberAttribute(f, oidField);
      if (oid === undefined) continue;
      const gid = globalIdField ? stringAttribute(f, globalIdField) : undefined;
      keys.push(gid === undefined ? { oid } : { oid, globalId: gid });
      if (oid > max) max = oid;
    }
    if (!page.exceededTransferLimit || max === after) break;
    after = max;
  }
  return keys;
}

/** Features by object id (with geometry), at most `objectIds.length` per call: callers keep that below maxRecordCount. */
export async function featuresByIds(session: ArcGISSession, layerUrl: string, objectIds: number[]): Promise<EsriFeature[]> {
  if (objectIds.length === 0) return [];
  const page = await session.call(`${layerUrl} (features by id)`, () =>
    queryFeatures({ ...session.requestOptions, url: layerUrl, objectIds, outFields: '*', returnGeometry: true, httpMethod: 'POST' }) as unknown as Promise<{ features: EsriFeature[] }>
  );
  return page.features;
}

export async function addFeatureBatch(session: ArcGISSession, layerUrl: string, features: EsriFeature[], options: { useGlobalIds: boolean; rollbackOnFailure: boolean }): Promise<EditResult[]> {
  const response = await write(session, `${layerUrl} applyEdits (${features.length} adds)`, () =>
    applyEdits({
      ...session.requestOptions,
      url: layerUrl,
      adds: features as never,
      useGlobalIds: options.useGlobalIds,
      rollbackOnFailure: options.rollbackOnFailure
    }) as unknown as Promise<{ addResults?: EditResult[] }>
  );
  return response.addResults ?? [];
}

export async function updateFeatureBatch(session: ArcGISSession, layerUrl: string, features: EsriFeature[]): Promise<EditResult[]> {
  // Setting attributes to given values is idempotent: a retried update gives the same feature.
  const response = await session.call(`${layerUrl} updateFeatures (${features.length})`, () =>
    updateFeatures({ ...session.requestOptions, url: layerUrl, features: features as never, rollbackOnFailure: false }) as unknown as Promise<{ updateResults?: EditResult[] }>
  );
  return response.updateResults ?? [];
}

export async function deleteFeatureBatch(session: ArcGISSession, layerUrl: string, objectIds: number[]): Promise<EditResult[]> {
  // A retried delete of an already deleted feature reports "not found", which the caller counts as deleted.
  const response = await session.call(`${layerUrl} deleteFeatures (${objectIds.length})`, () =>
    deleteFeatures({ ...session.requestOptions, url: layerUrl, objectIds, rollbackOnFailure: false }) as unknown as Promise<{ deleteResults?: EditResult[] }>
  );
  return response.deleteResults ?? [];
}

// ---------------------------------------------------------------------------------------------------------------------
// Attachments

export interface LiveAttachment {
  id: number;
  name: string;
  contentType?: string;
  size?: number;
  keywords?: string;
  globalId?: string;
}

/** Attachment metadata of the features with object ids in [fromOid, toOid], by object id. */
export async function liveAttachments(session: ArcGISSession, layerUrl: string, oidField: string, fromOid: number, toOid: number): Promise<Map<number, LiveAttachment[]>> {
  const response = await session.request<{ attachmentGroups?: { parentObjectId: number; attachmentInfos: LiveAttachment[] }[] }>(
    `${layerUrl}/queryAttachments`,
    { definitionExpression: `${oidField} >= ${fromOid} AND ${oidField} <= ${toOid}` },
    { httpMethod: 'POST' }
  );
  const byOid = new Map<number, LiveAttachment[]>();
  for (const group of response.attachmentGroups ?? []) byOid.set(group.parentObjectId, [...(byOid.get(group.parentObjectId) ?? []), ...group.attachmentInfos]);
  return byOid;
}

/** The attachments of one feature (`<oid>/attachments`). */
export async function featureAttachments(session: ArcGISSession, layerUrl: string, oid: number): Promise<LiveAttachment[]> {
  const response = await session.request<{ attachmentInfos?: LiveAttachment[] }>(`${layerUrl}/${oid}/attachments`);
  return response.attachmentInfos ?? [];
}

export async function addAttachmentTo(session: ArcGISSession, layerUrl: string, oid: number, file: { bytes: Buffer; name: string; contentType: string; keywords?: string }): Promise<EditResult> {
  const response = await write(session, `${layerUrl}/${oid} addAttachment ${file.name}`, () =>
    addAttachment({
      ...session.requestOptions,
      url: layerUrl,
      featureId: oid,
      attachment: new File([new Uint8Array(file.bytes)], file.name, { type: file.contentType }),
      ...(file.keywords ? { params: { keywords: file.keywords } } : {})
    }) as unknown as Promise<{ addAttachmentResult?: EditResult }>
  );
  return response.addAttachmentResult ?? { success: false, error: { description: 'addAttachment answered without a result' } };
}

export async function deleteAttachmentsOf(session: ArcGISSession, layerUrl: string, oid: number, attachmentIds: number[]): Promise<EditResult[]> {
  const response = await session.call(`${layerUrl}/${oid} deleteAttachments`, () =>
    deleteAttachments({ ...session.requestOptions, url: layerUrl, featureId: oid, attachmentIds }) as unknown as Promise<{ deleteAttachmentResults?: EditResult[] }>
  );
  return response.deleteAttachmentResults ?? [];
}

// ---------------------------------------------------------------------------------------------------------------------

export function numberAttribute(feature: EsriFeature, field: string): number | undefined {
  const value = attribute(feature, field);
  return typeof value === 'number' ? value : undefined;
}

export function stringAttribute(feature: EsriFeature, field: string): string | undefined {
  const value = attribute(feature, field);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An attribute whatever case the server used for the field name. */
export function attribute(feature: EsriFeature, field: string): unknown {
  if (field in feature.attributes) return feature.attributes[field];
  const lower = field.toLowerCase();
  for (const [key, value] of Object.entries(feature.attributes)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** GlobalIDs compare without braces and case. */
export function normalizeGuid(value: string): string {
  return value.replace(/[{}]/g, '').toUpperCase();
}
