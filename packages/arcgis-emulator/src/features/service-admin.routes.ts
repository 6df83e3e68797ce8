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
import { addViewLayers, assertViewCapabilities, parseViewFilter, validateDefinitionQuery, viewServiceProperties, type ViewLayerSpec } from './hosted-view.factory.js';
import { isJoinDefinition, joinDefinitionJson, parseJoinTable } from './join-view.js';
import { completeField } from './layer-builder.js';
import { layerJson, serviceJson } from './service-json.js';
import { type FieldSpec, type HostedLayer, type HostedService, type LayerSpec, type SpatialReference } from './types.js';
import { allViewsOf, isViewService, sourceOf } from './view-layer.js';

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
  // A view: `isView=true` as a request parameter (ArcGIS API for Python) or in createParameters (both are sent).
  const isView = (p.isView ?? '').toLowerCase() === 'true' || params.isView === true;
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
    isView: _v,
    isUpdatableView,
    sourceSchemaChangesAllowed,
    ...extra
  } = params;
  void _n;
  void _v;
  if (isView && ((Array.isArray(layers) && layers.length > 0) || (Array.isArray(tables) && tables.length > 0))) {
    throw new ArcGISError(400, 'Unable to create service.', {
      details: ["A view gets its layers from addToDefinition with adminLayerInfo.viewLayerDefinition, not from createParameters."]
    });
  }
  const updatable = isUpdatableView !== false;
  // Unverified: ArcGIS Online's default when createParameters has no capabilities; query-only is the safe reading.
  const caps = typeof capabilities === 'string' ? capabilities : 'Query';
  if (isView) {
    try {
      assertViewCapabilities(updatable, caps);
    } catch (error) {
      throw new ArcGISError(400, 'Unable to create service.', { details: [(error as Error).message] });
    }
  }
  const spec = {
    name: serviceName,
    owner: owner.username,
    folderId,
    capabilities: caps,
    maxRecordCount: typeof maxRecordCount === 'number' ? maxRecordCount : undefined,
    serviceDescription: typeof serviceDescription === 'string' ? serviceDescription : '',
    description: typeof description === 'string' ? description : '',
    copyrightText: typeof copyrightText === 'string' ? copyrightText : '',
    spatialReference: (spatialReference as SpatialReference | undefined) ?? undefined,
    initialExtent: initialExtent as never,
    fullExtent: fullExtent as never,
    extra: { ...pickServiceExtras(extra), ...(isView ? viewServiceProperties(updatable, sourceSchemaChangesAllowed !== false) : {}) },
    typeKeywords: isView ? ['View Service'] : [],
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
    isView
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
  // A name stays taken while its hosted layer is in the recycle bin ("you cannot create other hosted layers with the
  // same name").
  return { available: !ctx.emu.state.serviceNameInUse(n) };
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

function adminLayerInfo(emu: EmulatorContext, service: HostedService, layer: HostedLayer): Record<string, unknown> {
  const info: Record<string, unknown> = { tableName: `${service.name}_${layer.id}`.toLowerCase() };
  if (layer.geometryType) info.geometryField = { name: 'Shape', srid: service.spatialReference.wkid ?? service.spatialReference.latestWkid };
  if (layer.view?.join) {
    info.viewLayerDefinition = { table: joinDefinitionJson(layer.view.join) };
  } else if (layer.view) {
    // What the view was defined with, as addToDefinition takes it (sourceLayerFields: "*" or the visible fields).
    const v = layer.view;
    info.viewLayerDefinition = {
      sourceServiceName: v.sourceServiceName,
      sourceLayerId: v.sourceLayerId,
      sourceLayerFields: v.hiddenFields.length === 0 ? '*' : visibleFieldNames(emu, layer),
      ...(v.filter ? { filter: v.filter } : {})
    };
  }
  return info;
}

function visibleFieldNames(emu: EmulatorContext, layer: HostedLayer): string[] | '*' {
  const source = sourceOf(emu, layer);
  return source ? source.layer.fields.filter((f) => !layer.view!.hiddenFields.includes(f.name.toLowerCase())).map((f) => f.name) : '*';
}

function adminServiceJson(ctx: Ctx): object {
  const { service } = administrableService(ctx);
  const base = serviceJson(ctx.emu, service);
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id);
  const full = (l: HostedLayer) => ({ adminLayerInfo: adminLayerInfo(ctx.emu, service, l), ...layerJson(ctx.emu, service, l) });
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
  return { adminLayerInfo: adminLayerInfo(ctx.emu, service, layer), ...layerJson(ctx.emu, service, layer) };
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

/** `adminLayerInfo.viewLayerDefinition` of a layer sent to addToDefinition, when it has one. */
function viewLayerDefinitionOf(def: Record<string, unknown>): Record<string, unknown> | undefined {
  const info = def && typeof def === 'object' ? (def.adminLayerInfo as { viewLayerDefinition?: unknown } | undefined) : undefined;
  const v = info?.viewLayerDefinition;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Properties of a layer JSON sent for a view that the view takes from its source or computes (clone_items sends the
 * source view's whole layer JSON without `fields`); the rest (drawingInfo, templates, description, ...) is the
 * view's own.
 */
const VIEW_COMPUTED = new Set([
  'id', 'name', 'type', 'fields', 'adminLayerInfo', 'currentVersion', 'editingInfo', 'serverGens', 'capabilities', 'relationships',
  'extent', 'geometryType', 'objectIdField', 'globalIdField', 'uniqueIdField', 'isView', 'isUpdatableView', 'sourceSchemaChangesAllowed',
  'hasViews', 'editFieldsInfo', 'serviceItemId', 'viewDefinitionQuery', 'indexes', 'geometryField', 'hasZ', 'hasM'
]);

/** Turns a view layer sent to addToDefinition (`adminLayerInfo.viewLayerDefinition`) into a ViewLayerSpec. */
function viewLayerSpecFromJson(def: Record<string, unknown>): ViewLayerSpec {
  const v = viewLayerDefinitionOf(def)!;
  const { id, name } = def;
  const layerId = typeof id === 'number' ? id : id !== undefined && /^\d+$/.test(String(id)) ? Number(id) : undefined;
  const extra: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(def)) if (!VIEW_COMPUTED.has(k)) extra[k] = value;
  if (isJoinDefinition(v)) {
    const join = parseJoinTable(v.table, 'viewLayerDefinition');
    const other = Object.keys(v).filter((k) => k !== 'table');
    if (other.length > 0) throw new Error(`viewLayerDefinition of a join view holds its sources in 'table' only (found also: ${other.join(', ')}).`);
    if (typeof def.viewDefinitionQuery === 'string' && def.viewDefinitionQuery.trim() !== '') throw new Error('A join view layer takes no viewDefinitionQuery in this emulator (table filters are not built).');
    return { id: layerId, name: typeof name === 'string' && name.trim() !== '' ? name : undefined, sourceServiceName: join.sourceServiceName, sourceLayerId: join.sourceLayerId, join, extra };
  }
  if (typeof v.sourceServiceName !== 'string' || v.sourceServiceName.trim() === '') {
    throw new Error('viewLayerDefinition.sourceServiceName must name the source service (as in its URL).');
  }
  const sourceLayerId = typeof v.sourceLayerId === 'number' ? v.sourceLayerId : /^\d+$/.test(String(v.sourceLayerId ?? '')) ? Number(v.sourceLayerId) : Number.NaN;
  if (!Number.isInteger(sourceLayerId)) throw new Error(`viewLayerDefinition.sourceLayerId must be the id of a layer of '${v.sourceServiceName}'.`);
  const fields = v.sourceLayerFields;
  let sourceLayerFields: ViewLayerSpec['sourceLayerFields'] = '*';
  if (Array.isArray(fields)) {
    sourceLayerFields = fields.map((f) => (typeof f === 'string' ? f : String((f as { name?: unknown })?.name ?? '')));
  } else if (fields !== undefined && fields !== '*') {
    throw new Error('viewLayerDefinition.sourceLayerFields must be "*" or a list of field names.');
  }
  return {
    id: layerId,
    name: typeof name === 'string' && name.trim() !== '' ? name : undefined,
    sourceServiceName: v.sourceServiceName,
    sourceLayerId,
    sourceLayerFields,
    viewDefinitionQuery: typeof def.viewDefinitionQuery === 'string' ? def.viewDefinitionQuery : undefined,
    filter: v.filter === undefined || v.filter === null ? null : parseViewFilter(v.filter, 'viewLayerDefinition'),
    extra
  };
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
    const all = [...layers, ...tables];
    const viewLayers = all.filter((l) => viewLayerDefinitionOf(l) !== undefined);
    if (isViewService(service) || viewLayers.length > 0) {
      if (viewLayers.length !== all.length) {
        throw new Error(
          isViewService(service)
            ? `'${service.name}' is a view: each layer needs adminLayerInfo.viewLayerDefinition {sourceServiceName, sourceLayerId} naming its source.`
            : `'${service.name}' is not a view: adminLayerInfo.viewLayerDefinition can only be added to a service created with isView.`
        );
      }
      added = addViewLayers(ctx.emu, service, all.map(viewLayerSpecFromJson), ctx.user);
    } else {
      added = addLayersToService(ctx.emu, service, layers.map(layerSpecFromJson), tables.map(layerSpecFromJson));
    }
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
  if (isViewService(service) && typeof def.capabilities === 'string') {
    try {
      assertViewCapabilities(service.definition.isUpdatableView !== false, def.capabilities);
    } catch (error) {
      throw new ArcGISError(400, 'Unable to update feature service definition.', { details: [(error as Error).message] });
    }
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
    applyLayerUpdate(ctx.emu, layer, l, now);
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
  for (const layer of layers) {
    // views in the recycle bin count: restored, they would show this layer
    const views = allViewsOf(ctx.emu, service, layer.id);
    if (views.length > 0) {
      throw new ArcGISError(400, 'Unable to delete from feature service definition.', {
        details: [`Layer ${layer.id} is the source of the views ${views.map((v) => `'${v.name}'`).join(', ')}; delete their layers first.`]
      });
    }
  }
  for (const layer of layers) service.layers.delete(layer.id);
  ctx.emu.markDirty();
  return { success: true };
}

// ---------------------------------------------------------------- layer-level definition changes

const LAYER_LOCKED_KEYS = new Set(['id', 'objectIdField', 'globalIdField', 'geometryType', 'fields', 'type', 'editingInfo', 'serverGens', 'currentVersion']);

function applyLayerUpdate(emu: EmulatorContext, layer: HostedLayer, def: Record<string, unknown>, now: number): void {
  if (layer.view) {
    applyViewLayerUpdate(emu, layer, def, now);
    return;
  }
  if ('viewDefinitionQuery' in def || 'viewLayerDefinition' in def) {
    throw new ArcGISError(400, 'Unable to update feature service layer definition.', {
      details: ['viewDefinitionQuery and viewLayerDefinition apply to the layers of a view; this layer is not one.']
    });
  }
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

/** Keys of a view layer's JSON that an update cannot change (they come from the view's source or definition). */
const VIEW_LOCKED_KEYS = new Set([...LAYER_LOCKED_KEYS, 'isView', 'isUpdatableView', 'sourceSchemaChangesAllowed', 'hasViews', 'relationships', 'extent', 'adminLayerInfo']);

/**
 * `updateDefinition` of a view layer: `viewDefinitionQuery`, field visibility and the view's own field aliases and
 * domains (`fields: [{name, visible, alias, domain}]`, as clone_items sends them), the spatial filter
 * (`viewLayerDefinition.filter`) and presentation (drawingInfo, hasAttachments, ...). The source is not changed.
 * Everything is checked before anything is applied.
 */
function applyViewLayerUpdate(emu: EmulatorContext, layer: HostedLayer, def: Record<string, unknown>, now: number): void {
  const unable = (detail: string) => new ArcGISError(400, 'Unable to update feature service layer definition.', { details: [detail] });
  if (layer.view!.join) {
    // A join's fields, keys and tables are its definition: another join is another view (Esri documents no update).
    const fixed = ['fields', 'viewDefinitionQuery', 'viewLayerDefinition'].filter((k) => def[k] !== undefined);
    if (fixed.length > 0) throw unable(`Layer ${layer.id} is a join view: its ${fixed.join(', ')} cannot be changed; create another join view instead.`);
    for (const [k, v] of Object.entries(def)) if (!VIEW_LOCKED_KEYS.has(k) && k !== 'hasAttachments') layer.definition[k] = v;
    layer.schemaLastEditDate = now;
    layer.lastEditDate = now;
    return;
  }
  const source = sourceOf(emu, layer);
  if (!source) throw unable(`The source of view layer ${layer.id} ('${layer.view!.sourceServiceName}' layer ${layer.view!.sourceLayerId}) no longer exists.`);
  const view = layer.view!;
  const hidden = new Set(view.hiddenFields);
  const overrides: Record<string, Record<string, unknown>> = structuredClone(view.fieldOverrides);
  if (def.fields !== undefined) {
    if (!Array.isArray(def.fields)) throw unable("'fields' must be a list of {name, visible, alias, domain, ...}.");
    for (const f of def.fields as Record<string, unknown>[]) {
      const field = source.layer.fields.find((x) => x.name.toLowerCase() === String(f?.name).toLowerCase());
      if (!field) throw unable(`Field '${String(f?.name)}' does not exist in the view's source layer.`);
      const lower = field.name.toLowerCase();
      if (f.visible === false) {
        if (field.type === 'esriFieldTypeOID') throw unable(`The object id field '${field.name}' cannot be hidden.`);
        hidden.add(lower);
      } else if (f.visible === true) hidden.delete(lower);
      for (const key of ['alias', 'domain', 'description', 'editable', 'nullable', 'defaultValue'] as const) {
        if (key in f) (overrides[lower] ??= {})[key] = f[key];
      }
    }
  }
  let query: string | undefined;
  if (def.viewDefinitionQuery !== undefined) {
    if (typeof def.viewDefinitionQuery !== 'string') throw unable("'viewDefinitionQuery' must be a SQL where clause (a string; empty to show every feature).");
    query = def.viewDefinitionQuery.trim();
    try {
      validateDefinitionQuery(emu, source.layer, query, `view layer ${layer.id}`);
    } catch (error) {
      throw unable((error as Error).message);
    }
  }
  let filter = view.filter;
  if (def.viewLayerDefinition !== undefined) {
    const v = def.viewLayerDefinition as Record<string, unknown> | null;
    if (!v || typeof v !== 'object') throw unable("'viewLayerDefinition' must be an object.");
    const other = Object.keys(v).filter((k) => k !== 'filter');
    if (other.length > 0) throw unable(`A view layer's source cannot be changed (${other.join(', ')}); create another view instead.`);
    try {
      filter = v.filter === null ? null : parseViewFilter(v.filter, 'viewLayerDefinition');
    } catch (error) {
      throw unable((error as Error).message);
    }
  }
  // Everything valid: apply.
  view.hiddenFields = [...hidden];
  view.fieldOverrides = overrides;
  view.filter = filter;
  if (query !== undefined) layer.definition.viewDefinitionQuery = query;
  for (const [k, v] of Object.entries(def)) {
    if (k === 'fields' || k === 'viewDefinitionQuery' || k === 'viewLayerDefinition' || VIEW_LOCKED_KEYS.has(k)) continue;
    layer.definition[k] = v;
  }
  layer.schemaLastEditDate = now;
  layer.lastEditDate = now;
}

/** Fields of a view come from its source: they are added and deleted there. */
function refuseViewSchemaChange(layer: HostedLayer, verb: 'add' | 'delete'): void {
  if (!layer.view) return;
  throw new ArcGISError(400, verb === 'add' ? 'Unable to add feature service layer definition.' : 'Unable to delete from feature service layer definition.', {
    details: [`Layer ${layer.id} is a view of '${layer.view.sourceServiceName}' layer ${layer.view.sourceLayerId}: change the fields of the source layer (hide fields in the view with updateDefinition).`]
  });
}

function adminLayer(ctx: Ctx): { service: HostedService; layer: HostedLayer } {
  const { service } = administrableService(ctx);
  return { service, layer: layerOf(service, ctx.params.layerId) };
}

function layerAddToDefinition(ctx: Ctx): object {
  const { layer } = adminLayer(ctx);
  refuseViewSchemaChange(layer, 'add');
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
  applyLayerUpdate(ctx.emu, layer, definitionParam(ctx, 'updateDefinition'), ctx.emu.clock.now());
  ctx.emu.markDirty();
  return { success: true };
}

function layerDeleteFromDefinition(ctx: Ctx): object {
  const { layer } = adminLayer(ctx);
  refuseViewSchemaChange(layer, 'delete');
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
