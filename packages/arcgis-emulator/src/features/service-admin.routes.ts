/**
 * Creating and changing hosted feature services: `createService` and `isServiceNameAvailable` on the portal, and
 * the admin twin of each service (`<adminServices>/<name>/FeatureServer`): its JSON, `addToDefinition`,
 * `updateDefinition`, `deleteFromDefinition` (service and layer level).
 */
import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { jsonParam } from '../http/request.js';
import { type Router } from '../router.js';
import { isAdmin } from '../state/permissions.js';
import { administrableService, layerOf } from './access.js';
import { featureErrors } from './feature-errors.js';
import { addLayersToService, createHostedService, SERVICE_NAME_PATTERN, serviceUrl } from './hosted-service.factory.js';
import { completeField } from './layer-builder.js';
import { layerJson, serviceJson } from './service-json.js';
import { type FieldSpec, type HostedLayer, type HostedService, type LayerSpec, type SpatialReference } from './types.js';

export function registerServiceAdminRoutes(router: Router, emu: EmulatorContext): void {
  const { rest, adminServices } = emu.urls.paths;
  const name = (n: string) => ({ name: `features:${n}` });
  router.post(`${rest}/content/users/:username/createService`, (ctx) => createService(ctx), name('createService'));
  router.post(`${rest}/content/users/:username/:folderId/createService`, (ctx) => createService(ctx), name('createService'));
  router.any(`${rest}/portals/:orgId/isServiceNameAvailable`, (ctx) => isServiceNameAvailable(ctx), name('isServiceNameAvailable'));

  const admin = `${adminServices}/:name/FeatureServer`;
  router.any(admin, (ctx) => adminServiceJson(ctx), name('adminService'));
  router.any(`${admin}/:layerId`, (ctx) => adminLayerJson(ctx), name('adminLayer'));
  router.post(`${admin}/addToDefinition`, (ctx) => addToDefinition(ctx), name('addToDefinition'));
  router.post(`${admin}/updateDefinition`, (ctx) => updateDefinition(ctx), name('updateDefinition'));
  router.post(`${admin}/deleteFromDefinition`, (ctx) => deleteFromDefinition(ctx), name('deleteFromDefinition'));
  router.post(`${admin}/:layerId/addToDefinition`, (ctx) => layerAddToDefinition(ctx), name('layerAddToDefinition'));
  router.post(`${admin}/:layerId/updateDefinition`, (ctx) => layerUpdateDefinition(ctx), name('layerUpdateDefinition'));
  router.post(`${admin}/:layerId/deleteFromDefinition`, (ctx) => layerDeleteFromDefinition(ctx), name('layerDeleteFromDefinition'));
}

const PUBLISH_PRIVILEGE = 'portal:publisher:publishFeatures';

function createService(ctx: Ctx): object {
  const { emu } = ctx;
  const user = requireUser(ctx);
  const owner = emu.state.getUser(ctx.params.username ?? '');
  if (!owner) throw errors.userNotFound(ctx.params.username);
  const self = owner.username.toLowerCase() === user.username.toLowerCase();
  if (!self && !isAdmin(user)) throw errors.forbidden();
  if (!isAdmin(user) && !user.privileges.includes(PUBLISH_PRIVILEGE)) throw errors.forbidden();
  const folderId = ctx.params.folderId ?? null;
  if (folderId) {
    const folder = emu.state.folders.get(folderId);
    if (!folder || folder.username.toLowerCase() !== owner.username.toLowerCase()) throw errors.folderNotFound();
  }
  const p = ctx.req.params;
  const outputType = p.outputType ?? '';
  if (outputType !== 'featureService') {
    throw new ArcGISError(400, `Invalid outputType '${outputType}'. Only 'featureService' is supported.`, { details: [] });
  }
  const params = jsonParam<Record<string, unknown>>(p, 'createParameters');
  if (!params || typeof params !== 'object') throw errors.missingParam('createParameters');
  const serviceName = typeof params.name === 'string' ? params.name.trim() : '';
  if (!serviceName) throw new ArcGISError(400, "Unable to create service. 'name' must be specified in createParameters.", { details: [] });
  if (!SERVICE_NAME_PATTERN.test(serviceName)) {
    throw new ArcGISError(400, `Service name '${serviceName}' is invalid. Service names can only contain letters, numbers and underscores.`, { details: [] });
  }
  const {
    name: _n,
    capabilities,
    maxRecordCount,
    serviceDescription,
    description,
    copyrightText,
    spatialReference,
    initialExtent,
    fullExtent,
    layers,
    tables,
    ...extra
  } = params;
  void _n;
  const spec = {
    name: serviceName,
    owner: owner.username,
    folderId,
    // Unverified: ArcGIS Online's default when createParameters has no capabilities; query-only is the safe reading.
    capabilities: typeof capabilities === 'string' ? capabilities : 'Query',
    maxRecordCount: typeof maxRecordCount === 'number' ? maxRecordCount : undefined,
    serviceDescription: typeof serviceDescription === 'string' ? serviceDescription : '',
    description: typeof description === 'string' ? description : '',
    copyrightText: typeof copyrightText === 'string' ? copyrightText : '',
    spatialReference: (spatialReference as SpatialReference | undefined) ?? undefined,
    initialExtent: initialExtent as never,
    fullExtent: fullExtent as never,
    extra: pickServiceExtras(extra),
    layers: Array.isArray(layers) ? (layers as Record<string, unknown>[]).map(layerSpecFromJson) : [],
    tables: Array.isArray(tables) ? (tables as Record<string, unknown>[]).map(layerSpecFromJson) : []
  };
  let item;
  try {
    item = createHostedService(emu, spec).item;
  } catch (error) {
    if (error instanceof ArcGISError) throw error;
    throw new ArcGISError(400, 'Unable to create service.', { details: [error instanceof Error ? error.message : String(error)] });
  }
  const url = serviceUrl(emu, serviceName);
  return {
    encodedServiceURL: url,
    itemId: item.json.id,
    name: serviceName,
    serviceItemId: item.json.id,
    serviceurl: url,
    size: -1,
    success: true,
    type: 'Feature Service',
    isView: false
  };
}

/** createParameters properties kept on the service as they are (the rest are computed). */
function pickServiceExtras(extra: Record<string, unknown>): Record<string, unknown> {
  const keep = ['allowGeometryUpdates', 'units', 'xssPreventionInfo', 'hasStaticData', 'supportedQueryFormats', 'editorTrackingInfo', 'size'];
  const out: Record<string, unknown> = {};
  for (const k of keep) if (k in extra && k !== 'hasStaticData' && k !== 'supportedQueryFormats') out[k] = extra[k];
  return out;
}

function isServiceNameAvailable(ctx: Ctx): object {
  requireUser(ctx);
  const n = ctx.req.params.name;
  if (!n) throw errors.missingParam('name');
  return { available: !ctx.emu.state.getService(n) };
}

// ---------------------------------------------------------------- admin resources

function adminInfo(service: HostedService): Record<string, unknown> {
  return {
    name: service.name,
    type: 'FeatureServer',
    status: 'Started',
    database: { datasource: { name: `ds_${service.name.toLowerCase()}` }, isDatasourceOwnedByHostingServer: true },
    cacheMaxAge: 30
  };
}

function adminLayerInfo(service: HostedService, layer: HostedLayer): Record<string, unknown> {
  const info: Record<string, unknown> = { tableName: `${service.name}_${layer.id}`.toLowerCase() };
  if (layer.geometryType) info.geometryField = { name: 'Shape', srid: service.spatialReference.wkid ?? service.spatialReference.latestWkid };
  return info;
}

function adminServiceJson(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const base = serviceJson(ctx.emu, service);
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id);
  const full = (l: HostedLayer) => ({ adminLayerInfo: adminLayerInfo(service, l), ...layerJson(ctx.emu, service, l) });
  return {
    adminServiceInfo: adminInfo(service),
    ...base,
    layers: layers.filter((l) => l.kind === 'layer').map(full),
    tables: layers.filter((l) => l.kind === 'table').map(full)
  };
}

function adminLayerJson(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const layer = layerOf(service, ctx.params.layerId);
  return { adminLayerInfo: adminLayerInfo(service, layer), ...layerJson(ctx.emu, service, layer) };
}

/** Layer-definition properties a LayerSpec takes as they are sent. */
const PASSED_THROUGH = [
  'description',
  'copyrightText',
  'geometryType',
  'objectIdField',
  'displayField',
  'drawingInfo',
  'relationships',
  'indexes',
  'typeIdField',
  'types',
  'templates',
  'hasAttachments',
  'hasZ',
  'hasM',
  'minScale',
  'maxScale',
  'defaultVisibility',
  'maxRecordCount',
  'extent'
] as const;

/** Properties read below, or computed by the emulator (never taken from the client); the rest goes to `extra`. */
const NOT_EXTRA = new Set<string>([
  ...PASSED_THROUGH,
  'id',
  'name',
  'type',
  'globalIdField',
  'fields',
  'editFieldsInfo',
  'currentVersion',
  'editingInfo',
  'serverGens',
  'capabilities',
  'adminLayerInfo'
]);

/** Turns a layer definition sent by a client (addToDefinition, createParameters) into a LayerSpec. */
export function layerSpecFromJson(def: Record<string, unknown>): LayerSpec {
  if (!def || typeof def !== 'object') throw featureErrors.invalidParams(['Each layer must be a JSON object.']);
  const { id, name, globalIdField, fields, editFieldsInfo } = def;
  if (typeof name !== 'string' || name.trim() === '') throw featureErrors.invalidParams(['Each layer needs a name.']);
  // A layer JSON of a layer without GlobalIDs says `"globalIdField": ""`; sent back with fields that hold no GlobalID
  // field (a copy or restore of such a layer), it asks for a layer without one (Esri's addToDefinition documentation
  // adds GlobalIDs to a layer later as an ordinary field). Otherwise the emulator adds a GlobalID as before.
  const hasGlobalIdField = Array.isArray(fields) && (fields as { type?: unknown }[]).some((f) => f?.type === 'esriFieldTypeGlobalID');
  const spec: Record<string, unknown> = {
    id: typeof id === 'number' ? id : id !== undefined && /^\d+$/.test(String(id)) ? Number(id) : undefined,
    name,
    globalIdField: globalIdField === '' ? (Array.isArray(fields) && !hasGlobalIdField ? null : undefined) : globalIdField,
    fields: Array.isArray(fields) ? (fields as FieldSpec[]) : undefined,
    editorTracking: editFieldsInfo ? true : undefined
  };
  for (const key of PASSED_THROUGH) spec[key] = def[key];
  spec.extra = Object.fromEntries(Object.entries(def).filter(([key]) => !NOT_EXTRA.has(key)));
  return spec as unknown as LayerSpec;
}

function definitionParam(ctx: Ctx, name: string): Record<string, unknown> {
  const value = jsonParam<Record<string, unknown>>(ctx.req.params, name);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw errors.missingParam(name);
  return value;
}

function addToDefinition(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const def = definitionParam(ctx, 'addToDefinition');
  const layers = Array.isArray(def.layers) ? (def.layers as Record<string, unknown>[]) : [];
  const tables = Array.isArray(def.tables) ? (def.tables as Record<string, unknown>[]).map((t) => ({ ...t, geometryType: undefined })) : [];
  if (layers.length === 0 && tables.length === 0) {
    throw new ArcGISError(400, 'Unable to add feature service definition.', { details: ["'addToDefinition' holds no layers or tables."] });
  }
  let added: HostedLayer[];
  try {
    added = addLayersToService(ctx.emu, service, layers.map(layerSpecFromJson), tables.map(layerSpecFromJson));
  } catch (error) {
    if (error instanceof ArcGISError) throw error;
    throw new ArcGISError(400, 'Unable to add feature service definition.', { details: [error instanceof Error ? error.message : String(error)] });
  }
  ctx.emu.markDirty();
  const summary = (l: HostedLayer) => ({ name: String(l.definition.name), id: l.id });
  const out: Record<string, unknown> = {};
  const addedLayers = added.filter((l) => l.kind === 'layer');
  const addedTables = added.filter((l) => l.kind === 'table');
  if (addedLayers.length > 0) out.layers = addedLayers.map(summary);
  if (addedTables.length > 0) out.tables = addedTables.map(summary);
  out.success = true;
  return out;
}

/** Service properties updateDefinition may change. */
const UPDATABLE_SERVICE_KEYS = new Set([
  'capabilities',
  'maxRecordCount',
  'serviceDescription',
  'description',
  'copyrightText',
  'initialExtent',
  'fullExtent',
  'allowGeometryUpdates',
  'units',
  'xssPreventionInfo',
  'editorTrackingInfo',
  'syncEnabled'
]);

function updateDefinition(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const def = definitionParam(ctx, 'updateDefinition');
  const unknown = Object.keys(def).filter((k) => !UPDATABLE_SERVICE_KEYS.has(k) && k !== 'layers' && k !== 'tables');
  if (unknown.length > 0) {
    throw new ArcGISError(400, 'Unable to update feature service definition.', { details: [`Properties that cannot be updated: ${unknown.join(', ')}.`] });
  }
  if (def.capabilities !== undefined && typeof def.capabilities !== 'string') {
    throw new ArcGISError(400, 'Unable to update feature service definition.', { details: ["'capabilities' must be a comma-separated string."] });
  }
  for (const [k, v] of Object.entries(def)) {
    if (k === 'layers' || k === 'tables') continue;
    if (k === 'syncEnabled') {
      const caps = String(service.definition.capabilities ?? '').split(',').filter((c) => c && c !== 'Sync');
      if (v === true) caps.push('Sync');
      service.definition.capabilities = caps.join(',');
      continue;
    }
    service.definition[k] = v;
  }
  const now = ctx.emu.clock.now();
  for (const entry of [...((def.layers as unknown[]) ?? []), ...((def.tables as unknown[]) ?? [])]) {
    const l = entry as Record<string, unknown>;
    const layer = layerOf(service, String(l.id));
    applyLayerUpdate(layer, l, now);
  }
  ctx.emu.markDirty();
  return { success: true };
}

function deleteFromDefinition(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const def = definitionParam(ctx, 'deleteFromDefinition');
  const entries = [...((def.layers as unknown[]) ?? []), ...((def.tables as unknown[]) ?? [])] as Record<string, unknown>[];
  if (entries.length === 0) throw new ArcGISError(400, 'Unable to delete from feature service definition.', { details: ["'deleteFromDefinition' names no layers or tables."] });
  const layers = entries.map((e) => layerOf(service, String(e.id)));
  for (const layer of layers) service.layers.delete(layer.id);
  ctx.emu.markDirty();
  return { success: true };
}

// ---------------------------------------------------------------- layer-level definition changes

const LAYER_LOCKED_KEYS = new Set(['id', 'objectIdField', 'globalIdField', 'geometryType', 'fields', 'type', 'editingInfo', 'serverGens', 'currentVersion']);

function applyLayerUpdate(layer: HostedLayer, def: Record<string, unknown>, now: number): void {
  for (const [k, v] of Object.entries(def)) {
    if (k === 'fields' && Array.isArray(v)) {
      // updateDefinition may change a field's alias, domain, editable/nullable flags and default value, not its type.
      for (const f of v as Record<string, unknown>[]) {
        const field = layer.fields.find((x) => x.name.toLowerCase() === String(f.name).toLowerCase());
        if (!field) throw new ArcGISError(400, 'Unable to update feature service layer definition.', { details: [`Field '${String(f.name)}' does not exist.`] });
        for (const key of ['alias', 'domain', 'editable', 'nullable', 'defaultValue', 'description'] as const) if (key in f) field[key] = f[key] as never;
      }
      continue;
    }
    if (LAYER_LOCKED_KEYS.has(k)) continue;
    layer.definition[k] = v;
  }
  layer.schemaLastEditDate = now;
  layer.lastEditDate = now;
}

function adminLayer(ctx: Ctx): { service: HostedService; layer: HostedLayer } {
  const { service } = administrableService(ctx);
  return { service, layer: layerOf(service, ctx.params.layerId) };
}

function layerAddToDefinition(ctx: Ctx): object {
  const { layer } = adminLayer(ctx);
  const def = definitionParam(ctx, 'addToDefinition');
  const now = ctx.emu.clock.now();
  const fields = Array.isArray(def.fields) ? (def.fields as FieldSpec[]) : [];
  const existing = new Set(layer.fields.map((f) => f.name.toLowerCase()));
  for (const f of fields) {
    if (!f || typeof f.name !== 'string' || typeof f.type !== 'string') {
      throw new ArcGISError(400, 'Unable to add feature service layer definition.', { details: ['Each field needs a name and a type.'] });
    }
    if (existing.has(f.name.toLowerCase())) {
      throw new ArcGISError(400, 'Unable to add feature service layer definition.', { details: [`Field '${f.name}' already exists.`] });
    }
    existing.add(f.name.toLowerCase());
  }
  for (const f of fields) layer.fields.push(completeField(f));
  for (const key of ['indexes', 'types', 'templates', 'relationships'] as const) {
    if (Array.isArray(def[key])) layer.definition[key] = [...((layer.definition[key] as unknown[]) ?? []), ...(def[key] as unknown[])];
  }
  layer.schemaLastEditDate = now;
  layer.lastEditDate = now;
  ctx.emu.markDirty();
  return { success: true };
}

function layerUpdateDefinition(ctx: Ctx): object {
  const { layer } = adminLayer(ctx);
  applyLayerUpdate(layer, definitionParam(ctx, 'updateDefinition'), ctx.emu.clock.now());
  ctx.emu.markDirty();
  return { success: true };
}

function layerDeleteFromDefinition(ctx: Ctx): object {
  const { layer } = adminLayer(ctx);
  const def = definitionParam(ctx, 'deleteFromDefinition');
  const names = (Array.isArray(def.fields) ? (def.fields as { name?: unknown }[]) : []).map((f) => String(f.name).toLowerCase());
  for (const n of names) {
    const field = layer.fields.find((f) => f.name.toLowerCase() === n);
    if (!field) throw new ArcGISError(400, 'Unable to delete from feature service layer definition.', { details: [`Field '${n}' does not exist.`] });
    if (field.type === 'esriFieldTypeOID' || field.type === 'esriFieldTypeGlobalID') {
      throw new ArcGISError(400, 'Unable to delete from feature service layer definition.', { details: [`Field '${field.name}' is required and cannot be deleted.`] });
    }
  }
  // In place: the layer's feature builder holds the same array.
  for (let i = layer.fields.length - 1; i >= 0; i--) if (names.includes(layer.fields[i]!.name.toLowerCase())) layer.fields.splice(i, 1);
  const now = ctx.emu.clock.now();
  layer.schemaLastEditDate = now;
  layer.lastEditDate = now;
  ctx.emu.markDirty();
  return { success: true };
}
