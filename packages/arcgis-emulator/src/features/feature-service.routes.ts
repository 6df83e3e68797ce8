/**
 * Feature-service routes under `<services>/<name>/FeatureServer` (reads, query, attachments, edits, change
 * tracking); the admin and portal routes (createService, addToDefinition, ...) are in service-admin.routes.ts.
 */
import { type Ctx, type EmulatorContext } from '../context.js';
import { boolParam, jsonParam, listParam } from '../http/request.js';
import { reply } from '../http/reply.js';
import { type Router } from '../router.js';
import { layerOf, parseOid, readableService, requireQuery, type ServiceAccess } from './access.js';
import { joinReadOnly } from './join-view.js';
import { dataLayerOf, isReadOnlyView, type LayerRef, relationshipsOf, sourceOf, sourcesOf, viewsOf } from './view-layer.js';
import { currentVersion } from './service-json.js';
import { type StoredAttachment } from './attachment-store.js';
import { type StoredFeature } from './feature-store.js';
import { bboxIntersects, bboxOf } from './geometry.js';
import { planAttachmentEdits } from './attachment-edits.js';
import { allows, applyLayerEdits, type LayerEdits, requireCapability, touchLayer } from './edits.js';
import { featureErrors } from './feature-errors.js';
import { featureJson, parseOutSr, parseSelection, resolveOutFields, responseField, runQuery, selectFeatures } from './query.js';
import { layerJson, serviceJson } from './service-json.js';
import { serviceUrl } from './hosted-service.factory.js';
import { canReadItem } from '../state/permissions.js';
import { ArcGISError } from '../errors.js';
import { registerServiceAdminRoutes } from './service-admin.routes.js';
import { type HostedLayer, type HostedService, capabilitiesOf } from './types.js';

export function registerFeatureServiceRoutes(router: Router, emu: EmulatorContext): void {
  const base = `${emu.urls.paths.services}/:name/FeatureServer`;
  const name = (n: string) => ({ name: `features:${n}` });

  router.any(base, (ctx) => serviceJson(ctx.emu, readableService(ctx).service), name('service'));
  router.any(`${base}/layers`, (ctx) => allLayers(ctx), name('layers'));
  // Views: a view's source services, a source's views (literal segments win over `:layerId`).
  router.any(`${base}/sources`, (ctx) => serviceSources(ctx), name('sources'));
  router.any(`${base}/views`, (ctx) => serviceViews(ctx), name('views'));
  router.any(`${base}/:layerId/sources`, (ctx) => layerSources(ctx), name('layerSources'));
  router.any(`${base}/:layerId`, (ctx) => {
    const { service } = readableService(ctx);
    return layerJson(ctx.emu, service, layerOf(service, ctx.params.layerId));
  }, name('layer'));
  router.any(`${base}/:layerId/query`, (ctx) => query(ctx), name('query'));
  router.any(`${base}/:layerId/queryRelatedRecords`, (ctx) => queryRelated(ctx), name('queryRelatedRecords'));
  router.any(`${base}/:layerId/queryAttachments`, (ctx) => queryAttachments(ctx), name('queryAttachments'));
  router.any(`${base}/:layerId/:oid`, (ctx) => getFeature(ctx), name('feature'));
  router.any(`${base}/:layerId/:oid/attachments`, (ctx) => listAttachments(ctx), name('attachments'));
  router.any(`${base}/:layerId/:oid/attachments/:attachmentId`, (ctx) => attachmentBytes(ctx), name('attachment'));
  router.post(`${base}/:layerId/:oid/addAttachment`, (ctx) => addAttachment(ctx), name('addAttachment'));
  router.post(`${base}/:layerId/:oid/updateAttachment`, (ctx) => updateAttachment(ctx), name('updateAttachment'));
  router.post(`${base}/:layerId/:oid/deleteAttachments`, (ctx) => deleteAttachments(ctx), name('deleteAttachments'));
  router.post(`${base}/:layerId/applyEdits`, (ctx) => layerApplyEdits(ctx), name('applyEdits'));
  router.post(`${base}/:layerId/addFeatures`, (ctx) => addFeatures(ctx), name('addFeatures'));
  router.post(`${base}/:layerId/updateFeatures`, (ctx) => updateFeatures(ctx), name('updateFeatures'));
  router.post(`${base}/:layerId/deleteFeatures`, (ctx) => deleteFeatures(ctx), name('deleteFeatures'));
  router.post(`${base}/applyEdits`, (ctx) => serviceApplyEdits(ctx), name('serviceApplyEdits'));
  router.post(`${base}/extractChanges`, (ctx) => extractChanges(ctx), name('extractChanges'));

  registerServiceAdminRoutes(router, emu);
}

function allLayers(ctx: Ctx): object {
  const { service } = readableService(ctx);
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id);
  return {
    layers: layers.filter((l) => l.kind === 'layer').map((l) => layerJson(ctx.emu, service, l)),
    tables: layers.filter((l) => l.kind === 'table').map((l) => layerJson(ctx.emu, service, l))
  };
}

/** The rows behind the layer named in the URL (a view layer's are its source's, as the view shows them). */
function dataOf(ctx: Ctx, access: ServiceAccess, layerIdText = ctx.params.layerId): LayerRef {
  return dataLayerOf(ctx.emu, access.service, layerOf(access.service, layerIdText));
}

// ---------------------------------------------------------------- views

/** One service in a `/sources` or `/views` answer (rest-js IViewServiceSource: name, type, url, serviceItemId). */
function serviceEntry(ctx: Ctx, service: HostedService): Record<string, unknown> {
  return { name: service.name, type: 'FeatureServer', url: serviceUrl(ctx.emu, service.name), serviceItemId: service.itemId };
}

/**
 * `<view>/sources`: the services a view reads from, `{currentVersion, services: [...]}` (the shape rest-js
 * getViewSources types as IViewServiceSources). An ordinary service lists none.
 */
function serviceSources(ctx: Ctx): object {
  const { service } = readableService(ctx);
  return { currentVersion: currentVersion(ctx.emu), services: sourcesOf(ctx.emu, service).map((s) => serviceEntry(ctx, s)) };
}

/**
 * `<source>/views`: the views of a service that the caller can see, `{currentVersion, views: [...]}`. Unverified:
 * Esri documents no JSON for this resource (its HTML page lists "View Services"); the entries are shaped like
 * `/sources` entries.
 */
function serviceViews(ctx: Ctx): object {
  const { service } = readableService(ctx);
  const views = viewsOf(ctx.emu, service).filter((view) => {
    const item = ctx.emu.state.items.get(view.itemId);
    return !!item && canReadItem(ctx.emu.state, ctx.user, item);
  });
  return { currentVersion: currentVersion(ctx.emu), views: views.map((v) => serviceEntry(ctx, v)) };
}

/**
 * `<view>/<layerId>/sources`: the source layer of a view layer, under `layers` or `tables` as the source is one
 * (what the ArcGIS API for Python's clone_items reads: each entry's `url` and `serviceItemId`).
 */
function layerSources(ctx: Ctx): object {
  const { service } = readableService(ctx);
  const layer = layerOf(service, ctx.params.layerId);
  const source = sourceOf(ctx.emu, layer);
  const out: Record<string, unknown> = { currentVersion: currentVersion(ctx.emu) };
  const entries = source
    ? [
        {
          id: source.layer.id,
          name: String(source.layer.definition.name),
          type: source.layer.kind === 'table' ? 'Table' : 'Feature Layer',
          url: `${serviceUrl(ctx.emu, source.service.name)}/${source.layer.id}`,
          serviceItemId: source.service.itemId
        }
      ]
    : [];
  out[source?.layer.kind === 'table' ? 'tables' : 'layers'] = entries;
  return out;
}

// ---------------------------------------------------------------- query

function query(ctx: Ctx): object {
  const access = readableService(ctx);
  requireQuery(ctx, access);
  const { service, layer } = dataOf(ctx, access);
  return runQuery(ctx.emu, service, layer, ctx.req.params);
}

function getFeature(ctx: Ctx): object {
  const access = readableService(ctx);
  requireQuery(ctx, access);
  const { service, layer } = dataOf(ctx, access);
  const oid = parseOid(ctx.params.oid);
  const f = layer.store.get(oid);
  if (!f) throw featureErrors.featureNotFound(oid);
  const outSr = parseOutSr(ctx.emu, service, ctx.req.params.outSR);
  return {
    feature: featureJson(f, layer.fields, { include: !!layer.geometryType && boolParam(ctx.req.params, 'returnGeometry', true), from: service.spatialReference, to: outSr })
  };
}

// ---------------------------------------------------------------- related records

function queryRelated(ctx: Ctx): object {
  const access = readableService(ctx);
  requireQuery(ctx, access);
  const origin = layerOf(access.service, ctx.params.layerId);
  const p = ctx.req.params;
  const relId = Number(p.relationshipId ?? 0);
  const rel = relationshipsOf(ctx.emu, access.service, origin).find((r) => r.id === relId);
  if (!rel) throw featureErrors.invalidParams(['Invalid relationship id.']);
  const relatedLayer = access.service.layers.get(rel.relatedTableId);
  const back = relatedLayer ? relationshipsOf(ctx.emu, access.service, relatedLayer).find((r) => r.id === relId) : undefined;
  if (!relatedLayer || !back) throw featureErrors.invalidParams(['Invalid relationship id.']);
  const { service, layer } = dataLayerOf(ctx.emu, access.service, origin);
  const related = dataLayerOf(ctx.emu, access.service, relatedLayer).layer;
  const oids = listParam(p, 'objectIds').map(Number);
  if (oids.length === 0 || oids.some((n) => !Number.isInteger(n))) throw featureErrors.invalidParameter(ctx.emu, 'objectIds');
  const sel = parseSelection(ctx.emu, service, related, { where: p.definitionExpression ?? '' });
  const outFields = resolveOutFields(ctx.emu, related, p.outFields);
  const returnGeometry = !!related.geometryType && boolParam(p, 'returnGeometry', true);
  const outSr = parseOutSr(ctx.emu, service, p.outSR);
  // Index the related side once by its key (GUID keys compare case-insensitively).
  const norm = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v);
  const byKey = new Map<unknown, ReturnType<typeof featureJson>[]>();
  for (const f of selectFeatures(related, sel)) {
    const k = norm(f.attributes[back.keyField]);
    if (k === null || k === undefined) continue;
    const list = byKey.get(k) ?? [];
    list.push(featureJson(f, outFields, { include: returnGeometry, from: service.spatialReference, to: outSr }));
    byKey.set(k, list);
  }
  const groups = [];
  for (const oid of oids) {
    const f = layer.store.get(oid);
    if (!f) continue;
    const records = byKey.get(norm(f.attributes[rel.keyField])) ?? [];
    if (records.length > 0) groups.push({ objectId: oid, relatedRecords: records });
  }
  const body: Record<string, unknown> = {};
  if (related.geometryType) {
    body.geometryType = related.geometryType;
    body.spatialReference = outSr;
  }
  body.fields = outFields.map(responseField);
  body.relatedRecordGroups = groups;
  return body;
}

// ---------------------------------------------------------------- attachments

function requireAttachments(layer: HostedLayer): void {
  if (!layer.definition.hasAttachments) {
    throw featureErrors.unableToComplete([`Layer '${String(layer.definition.name)}' does not support attachments.`]);
  }
}

function attachmentInfo(layer: HostedLayer, parentOid: number, a: StoredAttachment): Record<string, unknown> {
  const parent = layer.store.get(parentOid);
  return {
    id: a.id,
    globalId: a.globalId,
    parentGlobalId: layer.globalIdField && parent ? (parent.attributes[layer.globalIdField] ?? null) : null,
    name: a.name,
    contentType: a.contentType,
    size: a.blob.size,
    keywords: a.keywords,
    exifInfo: null
  };
}

function featureForAttachments(ctx: Ctx): { access: ServiceAccess; data: LayerRef; layer: HostedLayer; oid: number } {
  const access = readableService(ctx);
  const data = dataOf(ctx, access);
  const { layer } = data;
  requireAttachments(layer);
  const oid = parseOid(ctx.params.oid);
  if (!layer.store.get(oid)) throw featureErrors.featureNotFound(oid);
  return { access, data, layer, oid };
}

function listAttachments(ctx: Ctx): object {
  const { access, layer, oid } = featureForAttachments(ctx);
  requireQuery(ctx, access);
  return { attachmentInfos: layer.attachments.list(oid).map((a) => attachmentInfo(layer, oid, a)) };
}

function attachmentBytes(ctx: Ctx): object {
  const { access, layer, oid } = featureForAttachments(ctx);
  requireQuery(ctx, access);
  const a = layer.attachments.get(oid, Number(ctx.params.attachmentId));
  if (!a) throw featureErrors.attachmentNotFound();
  const data = a.blob.read();
  return reply.raw(data, a.contentType, 200, {
    'Content-Disposition': `inline; filename="${a.name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(a.name)}`
  });
}

function uploadedAttachment(ctx: Ctx): { name: string; contentType: string; data: Buffer } {
  const file = ctx.req.files.attachment;
  if (!file) throw featureErrors.invalidParams(["'attachment' must be a file sent as multipart/form-data."]);
  return { name: file.filename, contentType: file.contentType, data: file.data };
}

/** Attachment edits need an editable service: adding needs Create or Update; changing Update; deleting Delete or Update. */
function requireAttachmentEdit(service: HostedService, kinds: ('Create' | 'Update' | 'Delete')[]): void {
  requireUpdatableView(service);
  if (!kinds.some((k) => allows(service, k))) throw featureErrors.notSupported(kinds.join(' or '));
}

/** A view created with `isUpdatableView: false` refuses every edit, whatever its capabilities. */
function requireUpdatableView(service: HostedService): void {
  if ([...service.layers.values()].some((l) => l.view?.join)) throw joinReadOnly(service);
  if (isReadOnlyView(service)) {
    throw new ArcGISError(400, 'Requested operation is not supported by this service.', {
      details: [`View '${service.name}' is not updatable (isUpdatableView is false): it cannot be edited.`]
    });
  }
}

function addAttachment(ctx: Ctx): object {
  const { access, data, layer, oid } = featureForAttachments(ctx);
  requireAttachmentEdit(access.service, ['Create', 'Update']);
  const upload = uploadedAttachment(ctx);
  const gen = touchLayer(ctx.emu, data.service, layer);
  const record = layer.attachments.add(oid, { ...upload, keywords: ctx.req.params.keywords ?? '' }, undefined, gen);
  return { addAttachmentResult: { objectId: record.id, globalId: record.globalId, success: true } };
}

function updateAttachment(ctx: Ctx): object {
  const { access, data, layer, oid } = featureForAttachments(ctx);
  requireAttachmentEdit(access.service, ['Update']);
  const attachmentId = Number(ctx.req.params.attachmentId);
  const existing = layer.attachments.get(oid, attachmentId);
  if (!existing) {
    return { updateAttachmentResult: { objectId: attachmentId, globalId: null, success: false, error: { code: 1009, description: 'Updating an attachment failed.' } } };
  }
  const upload = uploadedAttachment(ctx);
  const gen = touchLayer(ctx.emu, data.service, layer);
  const record = layer.attachments.replace(oid, attachmentId, {
    name: upload.name,
    contentType: upload.contentType,
    keywords: ctx.req.params.keywords ?? existing.keywords,
    blob: { contentType: upload.contentType, size: upload.data.length, read: () => upload.data },
    gen
  })!;
  return { updateAttachmentResult: { objectId: record.id, globalId: record.globalId, success: true } };
}

function deleteAttachments(ctx: Ctx): object {
  const { access, data, layer, oid } = featureForAttachments(ctx);
  requireAttachmentEdit(access.service, ['Delete', 'Update']);
  const ids = listParam(ctx.req.params, 'attachmentIds').map(Number);
  if (ids.length === 0) throw featureErrors.invalidParams(["'attachmentIds' must be specified."]);
  const results = ids.map((id) => {
    const existing = Number.isInteger(id) ? layer.attachments.get(oid, id) : undefined;
    if (!existing) return { objectId: id, globalId: null, success: false, error: { code: 1010, description: 'Deleting an attachment failed.' } };
    layer.attachments.remove(oid, id);
    return { objectId: id, globalId: existing.globalId, success: true };
  });
  if (results.some((r) => r.success)) touchLayer(ctx.emu, data.service, layer);
  return { deleteAttachmentResults: results };
}

function queryAttachments(ctx: Ctx): object {
  const access = readableService(ctx);
  requireQuery(ctx, access);
  const { service, layer } = dataOf(ctx, access);
  requireAttachments(layer);
  const p = ctx.req.params;
  const sel = parseSelection(ctx.emu, service, layer, { where: p.definitionExpression ?? '', objectIds: p.objectIds ?? '' });
  const globalIds = new Set(listParam(p, 'globalIds').map((g) => (g.startsWith('{') ? g : `{${g}}`).toUpperCase()));
  const types = listParam(p, 'attachmentTypes').map((t) => t.toLowerCase());
  const keywords = listParam(p, 'keywords').map((k) => k.toLowerCase());
  const returnUrl = boolParam(p, 'returnUrl');
  // Attachments read through a view are addressed through the view.
  const layerUrl = `${serviceUrl(ctx.emu, access.service.name)}/${layer.id}`;
  const groups = [];
  for (const f of selectFeatures(layer, sel)) {
    const parentGlobalId = layer.globalIdField ? ((f.attributes[layer.globalIdField] as string | null) ?? null) : null;
    if (globalIds.size > 0 && (!parentGlobalId || !globalIds.has(parentGlobalId.toUpperCase()))) continue;
    const infos = layer.attachments
      .list(f.oid)
      .filter((a) => types.length === 0 || types.some((t) => a.contentType.toLowerCase() === t || a.contentType.toLowerCase().startsWith(`${t.replace(/\/\*$/, '')}/`)))
      .filter((a) => keywords.length === 0 || keywords.includes(a.keywords.toLowerCase()))
      .map((a) => {
        const info = attachmentInfo(layer, f.oid, a);
        delete info.parentGlobalId;
        if (returnUrl) info.url = `${layerUrl}/${f.oid}/attachments/${a.id}`;
        return info;
      });
    if (infos.length > 0) groups.push({ parentObjectId: f.oid, parentGlobalId, attachmentInfos: infos });
  }
  return { attachmentGroups: groups };
}

// ---------------------------------------------------------------- edits

function featureArray(ctx: Ctx, name: string): unknown[] {
  const value = jsonParam<unknown>(ctx.req.params, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw featureErrors.invalidParams([`'${name}' must be a JSON array of features.`]);
  return value;
}

function deleteKeys(value: unknown): (number | string)[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'number' ? v : String(v)));
  const text = String(value).trim();
  if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).map((v) => (typeof v === 'number' ? v : String(v)));
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
}

function requireEditsAllowed(service: HostedService, edits: LayerEdits): void {
  if ((edits.adds?.length ?? 0) + (edits.updates?.length ?? 0) + (edits.deletes?.length ?? 0) > 0) requireUpdatableView(service);
  if ((edits.adds?.length ?? 0) > 0) requireCapability(service, 'Create');
  if ((edits.updates?.length ?? 0) > 0) requireCapability(service, 'Update');
  if ((edits.deletes?.length ?? 0) > 0) requireCapability(service, 'Delete');
}

function editOptions(ctx: Ctx): { useGlobalIds: boolean; rollbackOnFailure: boolean } {
  // rollbackOnFailure defaults to true (Esri's applyEdits documentation).
  return { useGlobalIds: boolParam(ctx.req.params, 'useGlobalIds'), rollbackOnFailure: boolParam(ctx.req.params, 'rollbackOnFailure', true) };
}

/** Edits of one layer: allowed by the addressed service (a view's own capabilities), applied to its rows. */
function editLayer(ctx: Ctx, edits: LayerEdits) {
  const access = readableService(ctx);
  const layer = layerOf(access.service, ctx.params.layerId);
  requireEditsAllowed(access.service, edits);
  const data = dataLayerOf(ctx.emu, access.service, layer);
  return applyLayerEdits(ctx.emu, data.service, ctx.user, [{ layer: data.layer, edits }], editOptions(ctx))[0]!;
}

/** `returnEditMoment=true` adds the time the edits were applied (ms), as ArcGIS does. */
function withEditMoment<T extends object>(ctx: Ctx, body: T): T & { editMoment?: number } {
  return boolParam(ctx.req.params, 'returnEditMoment') ? { ...body, editMoment: ctx.emu.clock.now() } : body;
}

function layerApplyEdits(ctx: Ctx): object {
  const p = ctx.req.params;
  const edits: LayerEdits = { adds: featureArray(ctx, 'adds'), updates: featureArray(ctx, 'updates'), deletes: deleteKeys(p.deletes) };
  const attachmentEdits = jsonParam<{ adds?: unknown; updates?: unknown; deletes?: unknown }>(p, 'attachments');
  if (!attachmentEdits) {
    const r = editLayer(ctx, edits);
    return withEditMoment(ctx, { addResults: r.addResults, updateResults: r.updateResults, deleteResults: r.deleteResults });
  }
  // Attachments travel with the features only by globalId (Esri's applyEdits documentation).
  const access = readableService(ctx);
  const { service, layer } = dataOf(ctx, access);
  const options = editOptions(ctx);
  if (!options.useGlobalIds) throw featureErrors.invalidParams(["'attachments' can only be used with useGlobalIds=true."]);
  requireAttachments(layer);
  requireEditsAllowed(access.service, edits);
  requireAttachmentEdit(access.service, ['Create', 'Update']);
  const pendingParents = new Set<string>();
  if (layer.globalIdField) {
    for (const f of edits.adds ?? []) {
      const attrs = ((f ?? {}) as { attributes?: Record<string, unknown> }).attributes ?? {};
      const key = Object.keys(attrs).find((k) => k.toLowerCase() === layer.globalIdField!.toLowerCase());
      const g = key ? attrs[key] : undefined;
      if (typeof g === 'string') pendingParents.add((g.startsWith('{') ? g : `{${g}}`).toUpperCase());
    }
  }
  const plan = planAttachmentEdits(layer, attachmentEdits, pendingParents);
  const counts = [attachmentEdits.adds, attachmentEdits.updates, attachmentEdits.deletes].map((x) => (Array.isArray(x) ? x.length : 0));
  const r = applyLayerEdits(ctx.emu, service, ctx.user, [{ layer, edits }], options, { ...plan, changes: counts.some((n) => n > 0) })[0]!;
  return withEditMoment(ctx, { addResults: r.addResults, updateResults: r.updateResults, deleteResults: r.deleteResults, attachments: plan.results });
}

function addFeatures(ctx: Ctx): object {
  return withEditMoment(ctx, { addResults: editLayer(ctx, { adds: featureArray(ctx, 'features') }).addResults });
}

function updateFeatures(ctx: Ctx): object {
  return withEditMoment(ctx, { updateResults: editLayer(ctx, { updates: featureArray(ctx, 'features') }).updateResults });
}

function deleteFeatures(ctx: Ctx): object {
  const access = readableService(ctx);
  const { service, layer } = dataOf(ctx, access);
  const p = ctx.req.params;
  const hasFilter = [p.where, p.objectIds, p.geometry].some((v) => v !== undefined && v.trim() !== '');
  if (!hasFilter) throw featureErrors.invalidParams(["'where', 'objectIds' or 'geometry' must be specified."]);
  requireUpdatableView(access.service);
  requireCapability(access.service, 'Delete');
  const sel = parseSelection(ctx.emu, service, layer, p);
  // Like ArcGIS, objectIds that do not exist are reported as failures; a where clause deletes what matches.
  const keys: number[] = sel.objectIds && !p.where && !p.geometry ? sel.objectIds : [...selectFeatures(layer, sel)].map((f) => f.oid);
  const r = applyLayerEdits(ctx.emu, service, ctx.user, [{ layer, edits: { deletes: keys } }], { useGlobalIds: false, rollbackOnFailure: boolParam(p, 'rollbackOnFailure', true) })[0]!;
  return withEditMoment(ctx, { deleteResults: r.deleteResults });
}

function serviceApplyEdits(ctx: Ctx): object {
  const access = readableService(ctx);
  const edits = jsonParam<unknown>(ctx.req.params, 'edits');
  if (!Array.isArray(edits)) throw featureErrors.invalidParams(["'edits' must be a JSON array of {id, adds, updates, deletes}."]);
  let dataService: HostedService | undefined;
  const requests = edits.map((e) => {
    const entry = (e ?? {}) as { id?: unknown; adds?: unknown; updates?: unknown; deletes?: unknown };
    const data = dataOf(ctx, access, String(entry.id));
    const layerEdits: LayerEdits = {
      adds: Array.isArray(entry.adds) ? entry.adds : [],
      updates: Array.isArray(entry.updates) ? entry.updates : [],
      deletes: deleteKeys(entry.deletes)
    };
    requireEditsAllowed(access.service, layerEdits);
    // One transaction edits one database: the layers of a view must share their source service.
    if (dataService && dataService !== data.service) {
      throw featureErrors.invalidParams([`The layers of view '${access.service.name}' edited together must come from one source service.`]);
    }
    dataService = data.service;
    return { layer: data.layer, edits: layerEdits };
  });
  const results = applyLayerEdits(ctx.emu, dataService ?? access.service, ctx.user, requests, editOptions(ctx));
  return results.map((r, i) => withEditMoment(ctx, { id: requests[i]!.layer.id, ...r }));
}

// ---------------------------------------------------------------- change tracking

function extractChanges(ctx: Ctx): object {
  const access = readableService(ctx);
  if (!capabilitiesOf(access.service).includes('ChangeTracking')) throw featureErrors.notSupported('ChangeTracking');
  const p = ctx.req.params;
  const layerIds = parseLayerList(p.layers);
  if (layerIds.length === 0) throw featureErrors.invalidParams(["'layers' must be specified."]);
  const data = layerIds.map((id) => dataOf(ctx, access, String(id)));
  const layers = data.map((d) => d.layer);
  const service = data[0]!.service;
  // Where to start per layer: layerServerGens [{id, serverGen}], or serverGens [min, max] for all layers.
  const since = new Map<number, number>();
  const lsg = jsonParam<{ id: number; serverGen: number }[]>(p, 'layerServerGens');
  const sg = jsonParam<number[]>(p, 'serverGens');
  if (Array.isArray(lsg)) for (const g of lsg) since.set(Number(g.id), Number(g.serverGen));
  else if (Array.isArray(sg) && sg.length > 0) for (const l of layers) since.set(l.id, Number(sg[0]));
  else throw featureErrors.invalidParams(["'layerServerGens' or 'serverGens' must be specified."]);
  const format = (p.dataFormat ?? 'json').toLowerCase();
  if (format !== 'json') throw featureErrors.invalidParams([`dataFormat '${p.dataFormat}' is not supported by the emulator; use dataFormat=json.`]);
  const returnInserts = boolParam(p, 'returnInserts', true);
  const returnUpdates = boolParam(p, 'returnUpdates', true);
  const returnDeletes = boolParam(p, 'returnDeletes', true);
  const returnIdsOnly = boolParam(p, 'returnIdsOnly');
  const outSr = parseOutSr(ctx.emu, service, p.outSR);

  // layerQueries: {"<layerId>": {"where": "...", "useFilter": true}} limits adds and updates per layer; geometry
  // (with geometryType/inSR) limits them spatially. Deletes are always reported (their rows are gone).
  const layerQueries = jsonParam<Record<string, { where?: string; useFilter?: boolean; queryOption?: string }>>(p, 'layerQueries') ?? {};
  const edits = layers.map((layer) => {
    const gen = since.get(layer.id) ?? service.minServerGen;
    const lq = layerQueries[String(layer.id)];
    const filtered = lq && lq.useFilter !== false && lq.queryOption !== 'none' ? lq.where : undefined;
    const sel = parseSelection(ctx.emu, service, layer, { where: filtered ?? '', geometry: p.geometry ?? '', geometryType: p.geometryType ?? '', inSR: p.inSR ?? '' });
    const keep = (f: StoredFeature) => {
      if (sel.bbox) {
        const b = bboxOf(f.geometry);
        if (!b || !bboxIntersects(b, sel.bbox)) return false;
      }
      return sel.matchesAll || sel.predicate(f.attributes);
    };
    const adds = [];
    const updates = [];
    for (const f of layer.store.changedSince(gen)) {
      if (!keep(f)) continue;
      if (f.createdGen > gen) adds.push(f);
      else updates.push(f);
    }
    // A feature both added and deleted after `gen` never existed for the client.
    const deletes = layer.store.tombstonesSince(gen).filter((t) => t.createdGen <= gen);
    const geometry = { include: !!layer.geometryType, from: service.spatialReference, to: outSr };
    if (returnIdsOnly) {
      return {
        id: layer.id,
        objectIds: {
          adds: returnInserts ? adds.map((f) => f.oid) : [],
          updates: returnUpdates ? updates.map((f) => f.oid) : [],
          deletes: returnDeletes ? deletes.map((t) => t.oid) : []
        }
      };
    }
    return {
      id: layer.id,
      features: {
        adds: returnInserts ? adds.map((f) => featureJson(f, layer.fields, geometry)) : [],
        updates: returnUpdates ? updates.map((f) => featureJson(f, layer.fields, geometry)) : [],
        deleteIds: returnDeletes ? deletes.map((t) => t.oid) : []
      }
    };
  });
  return {
    layerServerGens: layers.map((l) => ({ id: l.id, serverGen: l.serverGen })),
    transportType: 'esriTransportTypeEmbedded',
    responseType: 'esriDataChangesResponseTypeEdits',
    edits
  };
}

function parseLayerList(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [];
  const t = value.trim();
  const parts: unknown[] = t.startsWith('[') ? (JSON.parse(t) as unknown[]) : t.split(',');
  return parts.map((v) => Number(String(v).trim())).filter((n) => Number.isInteger(n));
}
