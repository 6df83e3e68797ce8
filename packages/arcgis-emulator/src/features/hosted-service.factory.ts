/**
 * Creates hosted feature services together with their portal items, as publishing does in ArcGIS. Used by the seed
 * (demo and scaled organizations), by `createService`, and by the content module when a Feature Service item is deleted.
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { type ItemRecord } from '../state/types.js';
import { newItemRecord } from '../state/records.js';
import { bboxOf, extentOf, projectGeometry, spatialReferenceJson, srKind } from './geometry.js';
import { buildLayer } from './layer-builder.js';
import { type Extent, type HostedLayer, type HostedService, type HostedServiceSpec, type LayerSpec, type SpatialReference } from './types.js';

export const DEFAULT_CAPABILITIES = 'Create,Delete,Query,Update,Editing';
export const DEFAULT_MAX_RECORD_COUNT = 2000;
/** ArcGIS service names: letters, digits and underscores (publishing replaces anything else). */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_]+$/;

/** The URL of a hosted service (`.../FeatureServer`). */
export function serviceUrl(emu: EmulatorContext, name: string): string {
  return `${emu.urls.servicesRoot}/${name}/FeatureServer`;
}

export function adminServiceUrl(emu: EmulatorContext, name: string): string {
  return `${emu.urls.adminServicesRoot}/${name}/FeatureServer`;
}

/**
 * Creates a hosted feature service and its portal item (type "Feature Service", typeKeywords incl. "Hosted Service",
 * `url` = the service URL) in the emulator's state, and returns both. Throws an Error when the spec is invalid
 * (unknown owner or folder, duplicate or malformed name, bad layers) and ArcGISError 409 when the name is taken.
 *
 * Features may be given as an array, or for scaled organizations as a lazy generator whose features are computed
 * from their objectId on demand (nothing is materialized until a client reads or edits it).
 *
 * @example
 * ```ts
 * const { service, item } = createHostedService(emu, {
 *   name: 'Hydrants',
 *   title: 'Fire hydrants',
 *   owner: 'gis_admin',
 *   access: 'org',
 *   capabilities: 'Query,Create,Update,Delete,Editing,ChangeTracking',
 *   featuresSpatialReference: { wkid: 4326 },        // geometries below are lon/lat; stored in Web Mercator
 *   layers: [{
 *     name: 'Hydrants',
 *     geometryType: 'esriGeometryPoint',
 *     fields: [{ name: 'status', type: 'esriFieldTypeString', length: 20,
 *                domain: { type: 'codedValue', name: 'status', codedValues: [{ name: 'OK', code: 'ok' }] } }],
 *     hasAttachments: true,
 *     features: [{ attributes: { status: 'ok' }, geometry: { x: -117.19, y: 34.05 } }],
 *     attachments: { 1: [{ name: 'photo.jpg', contentType: 'image/jpeg', data: jpegBytes }] }
 *   }],
 *   tables: [{ name: 'Inspections', fields: [{ name: 'hydrant_guid', type: 'esriFieldTypeGUID' }] }]
 * });
 * // A million lazily generated features:
 * createHostedService(emu, { name: 'Parcels', owner: 'gis_admin', layers: [{ name: 'Parcels',
 *   geometryType: 'esriGeometryPolygon',
 *   features: { count: 1_000_000, generate: (oid) => ({ attributes: { apn: `P${oid}` }, geometry: ringFor(oid) }) } }] });
 * ```
 */
export function createHostedService(emu: EmulatorContext, spec: HostedServiceSpec): { service: HostedService; item: ItemRecord } {
  const { state } = emu;
  if (!spec.name || !SERVICE_NAME_PATTERN.test(spec.name)) {
    throw new Error(`Service name '${spec.name}' is invalid: use letters, digits and underscores only`);
  }
  if (state.serviceNameInUse(spec.name)) throw serviceNameTaken(spec.name, state.org.id);
  const owner = state.getUser(spec.owner);
  if (!owner) throw new Error(`Owner '${spec.owner}' of service '${spec.name}' does not exist`);
  const folderId = spec.folderId ?? null;
  if (folderId) {
    const folder = state.folders.get(folderId);
    if (!folder || folder.username.toLowerCase() !== owner.username.toLowerCase()) {
      throw new Error(`Folder '${folderId}' does not exist or does not belong to '${owner.username}'`);
    }
  }
  const itemId = spec.itemId ?? state.newId();
  if (state.items.has(itemId) || state.recycleBin.has(itemId)) throw new Error(`Item id '${itemId}' is already used`);

  const now = emu.clock.now();
  const created = spec.created ?? now;
  const modified = spec.modified ?? created;
  const sr: SpatialReference = spec.spatialReference ?? spatialReferenceJson('webmercator');

  const definition: Record<string, unknown> = {
    serviceDescription: spec.serviceDescription ?? '',
    capabilities: spec.capabilities ?? DEFAULT_CAPABILITIES,
    maxRecordCount: spec.maxRecordCount ?? DEFAULT_MAX_RECORD_COUNT,
    description: spec.description ?? '',
    copyrightText: spec.copyrightText ?? '',
    spatialReference: sr,
    initialExtent: spec.initialExtent ?? null,
    fullExtent: spec.fullExtent ?? null,
    units: srKind(sr) === 'wgs84' ? 'esriDecimalDegrees' : 'esriMeters',
    allowGeometryUpdates: true,
    ...(spec.extra ?? {})
  };

  const service: HostedService = {
    name: spec.name,
    itemId,
    owner: owner.username,
    definition,
    layers: new Map(),
    // ArcGIS Online server generations are epoch-millisecond-like numbers (e.g. 1653614103746).
    serverGen: created,
    minServerGen: created,
    created,
    spatialReference: sr
  };
  addLayersToService(emu, service, spec.layers ?? [], spec.tables ?? [], { now: created, featuresSpatialReference: spec.featuresSpatialReference });

  const extent = (spec.fullExtent as Extent | undefined) ?? computeExtent(service);
  if (extent) {
    definition.fullExtent ??= extent;
    definition.initialExtent ??= extent;
  }
  const wgsExtent = extent ? projectGeometry({ ...extent }, extent.spatialReference ?? sr, { wkid: 4326 }) : null;

  const access = spec.access ?? 'private';
  const url = serviceUrl(emu, spec.name);
  const item = newItemRecord(
    {
      id: itemId,
      owner: owner.username,
      orgId: owner.orgId,
      created,
      modified,
      name: spec.name,
      title: spec.title ?? spec.name,
      type: 'Feature Service',
      typeKeywords: [
        'ArcGIS Server',
        'Data',
        'Feature Access',
        'Feature Service',
        'Metadata',
        service.layers.size > 1 ? 'Multilayer' : 'Singlelayer',
        'Service',
        'Hosted Service',
        ...(spec.typeKeywords ?? [])
      ],
      description: spec.description ?? null,
      tags: spec.tags ?? [],
      snippet: spec.snippet ?? null,
      extent: wgsExtent
        ? [
            [wgsExtent.xmin as number, wgsExtent.ymin as number],
            [wgsExtent.xmax as number, wgsExtent.ymax as number]
          ]
        : [],
      spatialReference: String(sr.latestWkid ?? sr.wkid ?? ''),
      culture: 'en-us',
      url,
      access,
      size: estimateSize(service),
      ownerFolder: folderId,
      scoreCompleteness: 33,
      ...(spec.itemExtra ?? {})
    },
    { groups: new Set(spec.groups ?? []) }
  );
  state.addItem(item);
  state.addService(service);
  emu.markDirty();
  return { service, item };
}

/**
 * Adds layers and tables to a service (seeding and `addToDefinition`). Ids: the spec's, else the next free id.
 * Returns the added layers. Throws Error on invalid specs, before anything is changed.
 */
export function addLayersToService(
  emu: EmulatorContext,
  service: HostedService,
  layers: LayerSpec[],
  tables: LayerSpec[],
  options: { now?: number; featuresSpatialReference?: SpatialReference } = {}
): HostedLayer[] {
  const now = options.now ?? emu.clock.now();
  const usedIds = new Set(service.layers.keys());
  const usedNames = new Set([...service.layers.values()].map((l) => String(l.definition.name).toLowerCase()));
  let nextId = usedIds.size === 0 ? 0 : Math.max(...usedIds) + 1;
  const built: HostedLayer[] = [];
  const maxRecordCount = Number(service.definition.maxRecordCount ?? DEFAULT_MAX_RECORD_COUNT);
  for (const [kind, specs] of [
    ['layer', layers],
    ['table', tables]
  ] as const) {
    for (const spec of specs) {
      const id = spec.id ?? nextId;
      if (!Number.isInteger(id) || id < 0) throw new Error(`Layer id ${String(id)} is invalid`);
      if (usedIds.has(id)) throw new Error(`Layer id ${id} is used twice in service '${service.name}'`);
      const lower = String(spec.name ?? '').toLowerCase();
      if (usedNames.has(lower)) throw new Error(`Layer name '${spec.name}' is used twice in service '${service.name}'`);
      usedIds.add(id);
      usedNames.add(lower);
      nextId = Math.max(nextId, id + 1);
      built.push(
        buildLayer(spec, {
          serviceName: service.name,
          kind,
          id,
          now,
          serviceSpatialReference: service.spatialReference,
          featuresSpatialReference: options.featuresSpatialReference,
          defaultMaxRecordCount: maxRecordCount,
          owner: service.owner,
          serverGen: service.serverGen
        })
      );
    }
  }
  for (const layer of built) service.layers.set(layer.id, layer);
  return built;
}

/**
 * Deletes the hosted service that a Feature Service item represents (when the item is deleted, as ArcGIS deletes a
 * hosted service with its item). Returns whether a service was deleted. Does not touch the item itself.
 */
export function deleteHostedServiceForItem(emu: EmulatorContext, itemId: string): boolean {
  for (const [key, service] of emu.state.services) {
    if (service.itemId === itemId) {
      emu.state.services.delete(key);
      emu.markDirty();
      return true;
    }
  }
  return false;
}

/** The service a Feature Service item represents, if it is hosted here. */
export function serviceForItem(emu: EmulatorContext, itemId: string): HostedService | undefined {
  for (const service of emu.state.services.values()) if (service.itemId === itemId) return service;
  return undefined;
}

/** ArcGIS's createService answer when the name exists in the organization ("Service name 'x' already exists for '<orgId>'"). */
export function serviceNameTaken(name: string, orgId: string): ArcGISError {
  return new ArcGISError(409, `Service name '${name}' already exists for '${orgId}'`, { details: [] });
}

/** Extent of all in-memory features (lazy layers are not scanned: their extent must come from the spec). */
function computeExtent(service: HostedService): Extent | null {
  const boxes = [];
  for (const layer of service.layers.values()) {
    if (!layer.geometryType) continue;
    const given = layer.definition.extent as Extent | null | undefined;
    if (given) {
      boxes.push(bboxOf(given as unknown as Record<string, unknown>));
      continue;
    }
    if (layer.store.kind !== 'memory') continue;
    const layerBoxes = [];
    for (const f of layer.store.scan(0)) layerBoxes.push(bboxOf(f.geometry));
    const layerExtent = extentOf(layerBoxes, service.spatialReference);
    if (layerExtent) layer.definition.extent = layerExtent;
    boxes.push(...layerBoxes);
  }
  return extentOf(boxes, service.spatialReference);
}

/** Rough storage size (bytes) reported in the item's `size`, as ArcGIS reports the service's data size. */
function estimateSize(service: HostedService): number {
  let size = 0;
  for (const layer of service.layers.values()) size += layer.store.count() * (64 + layer.fields.length * 16);
  return size;
}
