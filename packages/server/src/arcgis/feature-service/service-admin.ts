/**
 * Creating a hosted feature service and changing its definition: `createService` on the portal (rest-js
 * `createFeatureService`), finding the item a lost createService made, and the admin `addToDefinition` /
 * `updateDefinition` (rest-js `addToServiceDefinition`, `updateServiceDefinition`). `url` is the service's URL.
 */
import { addToServiceDefinition, createFeatureService, updateServiceDefinition } from '@esri/arcgis-rest-feature-service';
import { nextStartOf, type SessionOptions } from '../portal/portal-request.js';
import { searchItemsPage } from '../portal/search.js';
import { writeOnce } from './ambiguous-write.js';
import type { ServiceOptions } from './service.js';

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

export interface CreateServiceOptions extends SessionOptions {
  owner: string;
  folderId?: string | null;
  /** `createParameters`: the service's name, capabilities and other properties. */
  createParameters: Record<string, unknown>;
  /** Other request parameters (`isView` for a hosted feature layer view, as the ArcGIS API for Python sends it). */
  params?: Record<string, unknown>;
}

/** createService; a failure after the request may have arrived is an AmbiguousWriteError (look for the item first). */
export async function createService({ session, owner, folderId, createParameters, params }: CreateServiceOptions): Promise<CreateServiceResult> {
  const label = `createService ${String(createParameters.name)}`;
  const response = await writeOnce(session, label, () =>
    createFeatureService({ ...session.requestOptions, owner, ...(folderId ? { folderId } : {}), item: createParameters, ...(params ? { params } : {}) } as never) as unknown as Promise<CreateServiceResponse>
  );
  const itemId = response.itemId ?? response.serviceItemId;
  const serviceUrl = response.serviceurl ?? response.encodedServiceURL;
  if (!response.success || !itemId || !serviceUrl) {
    throw new Error(`createService answered without a service item and URL: ${JSON.stringify(response).slice(0, 300)}`);
  }
  return { itemId, serviceUrl: serviceUrl.replace(/\/+$/, ''), name: response.name ?? String(createParameters.name) };
}

/**
 * The Feature Service item of `owner` whose URL is the service `name` on one of the organization's hosting servers
 * (after a createService whose answer was lost). Only such a URL counts: any member can add an item whose URL merely
 * looks like one, and what is found here is written to next.
 */
export async function findServiceItem({ session, owner, name }: SessionOptions & { owner: string; name: string }): Promise<CreateServiceResult | undefined> {
  const pattern = new RegExp(`/services/(?:[^/]+/)?${name.replace(/[^A-Za-z0-9_]/g, '')}/FeatureServer/?$`, 'i');
  const origins = await session.orgOrigins();
  for (let start = 1; start > 0; ) {
    const page = await searchItemsPage({ session, q: `owner:"${owner}" AND type:"Feature Service"`, sortField: 'created', sortOrder: 'desc', num: 100, start });
    for (const r of page.results ?? []) {
      const serviceUrl = typeof r.url === 'string' && pattern.test(r.url) ? origins.hostedFeatureServiceUrl(r.url) : undefined;
      if (serviceUrl) return { itemId: r.id, serviceUrl, name };
    }
    start = nextStartOf(page, start);
  }
  return undefined;
}

/** Admin `addToDefinition` with layers and tables (each keeps its id). */
export async function addToDefinition({ session, url, layers, tables }: ServiceOptions & { layers: Record<string, unknown>[]; tables: Record<string, unknown>[] }): Promise<void> {
  const response = await writeOnce(session, `${url} addToDefinition`, () =>
    addToServiceDefinition(url, { ...session.requestOptions, layers, tables } as never) as Promise<{ success?: boolean }>
  );
  if (response.success === false) throw new Error(`addToDefinition on ${url} did not succeed: ${JSON.stringify(response).slice(0, 300)}`);
}

/** Admin `updateDefinition` of the service (capabilities and other service properties). */
export async function updateDefinition({ session, url, definition }: ServiceOptions & { definition: Record<string, unknown> }): Promise<void> {
  // Setting properties to given values is idempotent, so a plain retried call is right here.
  await session.call(`${url} updateDefinition`, () => updateServiceDefinition(url, { ...session.requestOptions, updateDefinition: definition } as never));
}

/**
 * Admin `deleteFromDefinition` of layers and tables by id (rest-js has no function for it; Esri: Delete From
 * Definition (Feature Service), `{"layers": [{"id": n}]}`). Not retried blindly: a lost answer is checked by the caller.
 */
export async function deleteFromDefinition({ session, url, layerIds }: ServiceOptions & { layerIds: number[] }): Promise<void> {
  const adminUrl = `${url.replace(/\/+$/, '').replace('/rest/services', '/rest/admin/services')}/deleteFromDefinition`;
  const response = await session.request<{ success?: boolean }>(adminUrl, { deleteFromDefinition: JSON.stringify({ layers: layerIds.map((id) => ({ id })) }) }, { httpMethod: 'POST' });
  if (response.success === false) throw new Error(`deleteFromDefinition on ${url} did not succeed: ${JSON.stringify(response).slice(0, 300)}`);
}
