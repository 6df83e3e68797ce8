/**
 * Feature edits (applyEdits, addFeatures, updateFeatures, deleteFeatures): validation against the layer's fields as
 * hosted services validate, per-feature results with Esri's documented edit error codes, rollbackOnFailure, editor
 * tracking, and server generations for change tracking.
 *
 * What ArcGIS validates and the emulator with it: unknown objectIds (1011), non-nullable fields (1001), values
 * that cannot be stored in the field's type or length (1016), non-editable fields (1023), malformed geometries
 * (1015), missing globalIds with useGlobalIds (1020). Like ArcGIS, coded-value and range domains are NOT enforced
 * on the server (clients enforce them), and attributes naming fields the layer does not have are ignored.
 */
import { type EmulatorContext } from '../context.js';
import { type UserRecord } from '../state/types.js';
import { featureErrors } from './feature-errors.js';
import { type StoredFeature } from './feature-store.js';
import { projectGeometry, srKind } from './geometry.js';
import { EDITOR_TRACKING_FIELDS, numberedGuid } from './layer-builder.js';
import { parseDateLiteral } from './where.js';
import { type FieldDef, type HostedLayer, type HostedService, type SpatialReference, capabilitiesOf } from './types.js';

export interface EditError {
  code: number;
  description: string;
}

export interface EditResult {
  objectId: number;
  uniqueId?: number;
  globalId: string | null;
  success: boolean;
  error?: EditError;
}

export interface LayerEdits {
  adds?: unknown[];
  updates?: unknown[];
  /** objectIds, or globalIds with useGlobalIds */
  deletes?: (number | string)[];
}

export interface LayerEditResults {
  addResults: EditResult[];
  updateResults: EditResult[];
  deleteResults: EditResult[];
}

type Operation = 'Create' | 'Update' | 'Delete';

/** Whether the service allows an edit operation ("Editing" alone means all edits, as in ArcGIS Server). */
export function allows(service: HostedService, op: Operation): boolean {
  const caps = capabilitiesOf(service);
  if (!caps.includes('Editing')) return false;
  const explicit = caps.filter((c) => c === 'Create' || c === 'Update' || c === 'Delete');
  return explicit.length === 0 || explicit.includes(op);
}

export function requireCapability(service: HostedService, op: Operation): void {
  if (!allows(service, op)) throw featureErrors.notSupported(op);
}

const GUID_RE = /^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/;

function normalizeGuid(g: string): string {
  const s = g.toUpperCase();
  return s.startsWith('{') ? s : `{${s}}`;
}

const err = {
  nonSpecific: (): EditError => ({ code: 1000, description: 'Non-specific edit content error.' }),
  notNullable: (f: string): EditError => ({ code: 1001, description: `Field: ${f} is not nullable. Cannot set null value.` }),
  rolledBack: (): EditError => ({ code: 1003, description: 'Operation rolled back.' }),
  missing: (): EditError => ({ code: 1011, description: 'Object is missing.' }),
  geometry: (): EditError => ({ code: 1015, description: 'Geometry could not be set.' }),
  setValue: (f: string): EditError => ({ code: 1016, description: `Setting of value for ${f} failed.` }),
  missingGlobalId: (): EditError => ({ code: 1020, description: 'Missing GlobalID.' }),
  uniqueGlobalId: (): EditError => ({ code: 1022, description: 'Unique constraint violation error on inserting the value.' }),
  notEditable: (f: string): EditError => ({ code: 1023, description: `Field: ${f} is not editable.` }),
  geometryUpdate: (): EditError => ({ code: 1004, description: 'Geometry update not allowed.' }),
  /**
   * An add or update through a view that would leave the view's definition. Esri documents no code for it; the
   * emulator answers the generic edit error (1000) with the reason.
   */
  outsideView: (reason: string): EditError => ({ code: 1000, description: reason })
};

/** Converts a value for a field as the database would, or returns an error. */
function coerce(field: FieldDef, value: unknown): { value: unknown } | { error: EditError } {
  if (value === null || value === undefined) return { value: null };
  switch (field.type) {
    case 'esriFieldTypeString': {
      const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
      if (s === null) return { error: err.setValue(field.name) };
      if (field.length !== undefined && s.length > field.length) return { error: err.setValue(field.name) };
      return { value: s };
    }
    case 'esriFieldTypeInteger':
    case 'esriFieldTypeSmallInteger':
    case 'esriFieldTypeBigInteger': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n) || !Number.isInteger(n)) return { error: err.setValue(field.name) };
      const [lo, hi] =
        field.type === 'esriFieldTypeSmallInteger' ? [-32768, 32767] : field.type === 'esriFieldTypeInteger' ? [-2147483648, 2147483647] : [-(2 ** 53), 2 ** 53];
      if (n < lo || n > hi) return { error: err.setValue(field.name) };
      return { value: n };
    }
    case 'esriFieldTypeDouble':
    case 'esriFieldTypeSingle': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) return { error: err.setValue(field.name) };
      return { value: n };
    }
    case 'esriFieldTypeDate': {
      if (typeof value === 'number' && Number.isFinite(value)) return { value: Math.trunc(value) };
      if (typeof value === 'string') {
        const ms = /^-?\d+$/.test(value.trim()) ? Number(value) : (parseDateLiteral(value) ?? Date.parse(value));
        if (Number.isFinite(ms)) return { value: ms };
      }
      return { error: err.setValue(field.name) };
    }
    case 'esriFieldTypeGUID':
    case 'esriFieldTypeGlobalID':
      if (typeof value !== 'string' || !GUID_RE.test(value)) return { error: err.setValue(field.name) };
      return { value: normalizeGuid(value) };
    default:
      return { value };
  }
}

function validGeometry(geometryType: string, g: Record<string, unknown>): boolean {
  const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const isCoords = (v: unknown) => Array.isArray(v) && v.every((c) => Array.isArray(c) && c.length >= 2 && isNum(c[0]) && isNum(c[1]));
  const isParts = (v: unknown) => Array.isArray(v) && v.every(isCoords);
  switch (geometryType) {
    case 'esriGeometryPoint':
      return isNum(g.x) && isNum(g.y);
    case 'esriGeometryMultipoint':
      return isCoords(g.points);
    case 'esriGeometryPolyline':
      return isParts(g.paths);
    case 'esriGeometryPolygon':
      return isParts(g.rings);
    default:
      return false;
  }
}

/** Validates and converts an incoming geometry to the service's spatial reference. */
function prepareGeometry(service: HostedService, layer: HostedLayer, g: unknown): { value: Record<string, unknown> | null } | { error: EditError } {
  if (g === null || g === undefined) return { value: null };
  if (typeof g !== 'object' || Array.isArray(g) || !layer.geometryType) return { error: err.geometry() };
  const geometry = g as Record<string, unknown>;
  if (!validGeometry(layer.geometryType, geometry)) return { error: err.geometry() };
  const sr = geometry.spatialReference as SpatialReference | undefined;
  const { spatialReference: _drop, ...rest } = geometry;
  void _drop;
  if (sr && srKind(sr) && srKind(service.spatialReference)) return { value: projectGeometry(rest, sr, service.spatialReference) };
  return { value: rest };
}

interface Planned {
  apply: () => void;
}

interface EditContext {
  emu: EmulatorContext;
  service: HostedService;
  layer: HostedLayer;
  user: UserRecord | null;
  gen: number;
  now: number;
  useGlobalIds: boolean;
}

function trackingValues(ctx: EditContext, kind: 'add' | 'update'): Record<string, unknown> {
  if (!ctx.layer.editorTracking) return {};
  const who = ctx.user?.username ?? '';
  const out: Record<string, unknown> = { [EDITOR_TRACKING_FIELDS.editDateField]: ctx.now, [EDITOR_TRACKING_FIELDS.editorField]: who };
  if (kind === 'add') {
    out[EDITOR_TRACKING_FIELDS.creationDateField] = ctx.now;
    out[EDITOR_TRACKING_FIELDS.creatorField] = who;
  }
  return out;
}

const TRACKING_NAMES = new Set(Object.values(EDITOR_TRACKING_FIELDS).map((n) => n.toLowerCase()));

/** Validates attributes; returns converted values (by real field name) or the first error. */
function prepareAttributes(
  ctx: EditContext,
  attributes: Record<string, unknown>,
  kind: 'add' | 'update'
): { values: Record<string, unknown> } | { error: EditError } {
  const { layer } = ctx;
  const values: Record<string, unknown> = {};
  const byLower = new Map(layer.fields.map((f) => [f.name.toLowerCase(), f]));
  for (const [name, raw] of Object.entries(attributes)) {
    const field = byLower.get(name.toLowerCase());
    if (!field) continue; // ArcGIS ignores attributes for fields the layer does not have
    if (field.type === 'esriFieldTypeOID') continue;
    if (field.type === 'esriFieldTypeGlobalID') {
      if (kind === 'add' && ctx.useGlobalIds) {
        const c = coerce(field, raw);
        if ('error' in c) return c;
        values[field.name] = c.value;
      }
      continue;
    }
    if (layer.editorTracking && TRACKING_NAMES.has(field.name.toLowerCase())) continue; // maintained by the server
    if (!field.editable) return { error: err.notEditable(field.name) };
    const c = coerce(field, raw);
    if ('error' in c) return c;
    if (c.value === null && !field.nullable) return { error: err.notNullable(field.name) };
    values[field.name] = c.value;
  }
  if (kind === 'add') {
    for (const field of layer.fields) {
      if (field.name in values || field.type === 'esriFieldTypeOID' || field.type === 'esriFieldTypeGlobalID') continue;
      if (layer.editorTracking && TRACKING_NAMES.has(field.name.toLowerCase())) continue;
      const dflt = field.defaultValue ?? null;
      if (dflt === null && !field.nullable) return { error: err.notNullable(field.name) };
      values[field.name] = dflt;
    }
  }
  return { values };
}

function asFeature(x: unknown): { attributes: Record<string, unknown>; geometry?: unknown } | null {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const f = x as { attributes?: unknown; geometry?: unknown };
  const attributes = f.attributes && typeof f.attributes === 'object' && !Array.isArray(f.attributes) ? (f.attributes as Record<string, unknown>) : {};
  return { attributes, geometry: f.geometry };
}

function planAdd(ctx: EditContext, raw: unknown, planned: Planned[], pendingGlobalIds: Set<string>): EditResult {
  const { layer, service } = ctx;
  const feature = asFeature(raw);
  if (!feature) return { objectId: -1, globalId: null, success: false, error: err.nonSpecific() };
  const attrs = prepareAttributes(ctx, feature.attributes, 'add');
  if ('error' in attrs) return { objectId: -1, globalId: null, success: false, error: attrs.error };
  const geometry = layer.geometryType ? prepareGeometry(service, layer, feature.geometry) : { value: null };
  if ('error' in geometry) return { objectId: -1, globalId: null, success: false, error: geometry.error };
  const outside = layer.editConstraint?.({ attributes: attrs.values, geometry: geometry.value });
  if (outside) return { objectId: -1, globalId: null, success: false, error: err.outsideView(outside) };
  let globalId: string | null = null;
  if (layer.globalIdField) {
    const given = attrs.values[layer.globalIdField];
    if (ctx.useGlobalIds) {
      if (typeof given !== 'string') return { objectId: -1, globalId: null, success: false, error: err.missingGlobalId() };
      if (layer.store.findByGlobalId(given) || pendingGlobalIds.has(given)) return { objectId: -1, globalId: given, success: false, error: err.uniqueGlobalId() };
      pendingGlobalIds.add(given);
      globalId = given;
    }
  }
  // The objectId is allocated when the add is applied; report it through the result object.
  const result: EditResult = { objectId: -1, uniqueId: -1, globalId, success: true };
  planned.push({
    apply: () => {
      const oid = layer.store.allocateOid();
      // A view's adds are the source layer's features: the same GlobalID series as the source's own adds.
      const gid = globalId ?? (layer.globalIdField ? numberedGuid(`${service.name.toLowerCase()}:${layer.view?.sourceLayerId ?? layer.id}:feature`, oid) : null);
      const attributes: Record<string, unknown> = { ...attrs.values, ...trackingValues(ctx, 'add'), [layer.objectIdField]: oid };
      if (layer.globalIdField) attributes[layer.globalIdField] = gid;
      const stored: StoredFeature = { oid, attributes, geometry: geometry.value, createdGen: ctx.gen, gen: ctx.gen };
      layer.store.put(stored);
      result.objectId = oid;
      result.uniqueId = oid;
      result.globalId = gid;
    }
  });
  return result;
}

function planUpdate(ctx: EditContext, raw: unknown, planned: Planned[]): EditResult {
  const { layer, service } = ctx;
  const feature = asFeature(raw);
  if (!feature) return { objectId: -1, globalId: null, success: false, error: err.nonSpecific() };
  let existing: StoredFeature | undefined;
  if (ctx.useGlobalIds && layer.globalIdField) {
    const key = Object.keys(feature.attributes).find((k) => k.toLowerCase() === layer.globalIdField!.toLowerCase());
    const g = key ? feature.attributes[key] : undefined;
    if (typeof g !== 'string') return { objectId: -1, globalId: null, success: false, error: err.missingGlobalId() };
    existing = layer.store.findByGlobalId(g);
    if (!existing) return { objectId: -1, globalId: g, success: false, error: err.missing() };
  } else {
    const key = Object.keys(feature.attributes).find((k) => k.toLowerCase() === layer.objectIdField.toLowerCase());
    const oid = key ? Number(feature.attributes[key]) : Number.NaN;
    existing = Number.isInteger(oid) ? layer.store.get(oid) : undefined;
    if (!existing) return { objectId: Number.isInteger(oid) ? oid : -1, globalId: null, success: false, error: err.missing() };
  }
  const target = existing;
  const gid = layer.globalIdField ? ((target.attributes[layer.globalIdField] as string | null) ?? null) : null;
  const attrs = prepareAttributes(ctx, feature.attributes, 'update');
  if ('error' in attrs) return { objectId: target.oid, globalId: gid, success: false, error: attrs.error };
  let geometry: Record<string, unknown> | null = target.geometry;
  if (feature.geometry !== undefined && layer.geometryType) {
    if (service.definition.allowGeometryUpdates === false) return { objectId: target.oid, globalId: gid, success: false, error: err.geometryUpdate() };
    const g = prepareGeometry(service, layer, feature.geometry);
    if ('error' in g) return { objectId: target.oid, globalId: gid, success: false, error: g.error };
    geometry = g.value;
  }
  const outside = layer.editConstraint?.({ attributes: { ...target.attributes, ...attrs.values }, geometry });
  if (outside) return { objectId: target.oid, globalId: gid, success: false, error: err.outsideView(outside) };
  planned.push({
    apply: () => {
      const current = layer.store.get(target.oid);
      if (!current) return;
      layer.store.put({
        oid: target.oid,
        attributes: { ...current.attributes, ...attrs.values, ...trackingValues(ctx, 'update') },
        geometry,
        createdGen: current.createdGen,
        gen: ctx.gen
      });
    }
  });
  return { objectId: target.oid, uniqueId: target.oid, globalId: gid, success: true };
}

function planDelete(ctx: EditContext, key: number | string, planned: Planned[], pendingDeletes: Set<number>): EditResult {
  const { layer } = ctx;
  let existing: StoredFeature | undefined;
  if (ctx.useGlobalIds && typeof key === 'string' && GUID_RE.test(key)) existing = layer.store.findByGlobalId(key);
  else {
    const oid = Number(key);
    existing = Number.isInteger(oid) ? layer.store.get(oid) : undefined;
    if (!existing) return { objectId: Number.isInteger(oid) ? oid : -1, globalId: null, success: false, error: err.missing() };
  }
  if (!existing || pendingDeletes.has(existing.oid)) {
    return { objectId: existing?.oid ?? -1, globalId: typeof key === 'string' ? key : null, success: false, error: err.missing() };
  }
  pendingDeletes.add(existing.oid);
  const oid = existing.oid;
  const gid = layer.globalIdField ? ((existing.attributes[layer.globalIdField] as string | null) ?? null) : null;
  planned.push({
    apply: () => {
      layer.store.delete(oid, ctx.gen);
      layer.attachments.removeAll(oid);
    }
  });
  return { objectId: oid, uniqueId: oid, globalId: gid, success: true };
}

/**
 * Applies the edits of several layers as one transaction: with rollbackOnFailure, nothing is applied when any edit
 * fails (the others then report 1003 "Operation rolled back."). One server generation covers the whole request.
 */
export function applyLayerEdits(
  emu: EmulatorContext,
  service: HostedService,
  user: UserRecord | null,
  requests: { layer: HostedLayer; edits: LayerEdits }[],
  options: { useGlobalIds: boolean; rollbackOnFailure: boolean },
  /** Other edits of the same transaction (attachments): whether they failed, and how to apply them. */
  companion?: { failed: boolean; changes: boolean; apply(gen: number): void; rollBack(): void }
): LayerEditResults[] {
  const now = emu.clock.now();
  const gen = nextServerGen(service, now);
  const plans: Planned[] = [];
  const results: LayerEditResults[] = [];
  for (const { layer, edits } of requests) {
    const ctx: EditContext = { emu, service, layer, user, gen, now, useGlobalIds: options.useGlobalIds };
    const pendingGlobalIds = new Set<string>();
    const pendingDeletes = new Set<number>();
    const layerPlans: Planned[] = [];
    results.push({
      addResults: (edits.adds ?? []).map((f) => planAdd(ctx, f, layerPlans, pendingGlobalIds)),
      updateResults: (edits.updates ?? []).map((f) => planUpdate(ctx, f, layerPlans)),
      deleteResults: (edits.deletes ?? []).map((k) => planDelete(ctx, k, layerPlans, pendingDeletes))
    });
    plans.push(...layerPlans);
  }
  const featuresFailed = results.some((r) => [...r.addResults, ...r.updateResults, ...r.deleteResults].some((x) => !x.success));
  const failed = featuresFailed || !!companion?.failed;
  if (failed && options.rollbackOnFailure) {
    companion?.rollBack();
    for (const r of results) {
      for (const list of [r.addResults, r.updateResults, r.deleteResults]) {
        for (const x of list) {
          if (x.success) {
            x.success = false;
            x.error = err.rolledBack();
          }
        }
      }
    }
    return results.map(stripUniqueOnFailure);
  }
  if (plans.length > 0 || companion?.changes) {
    for (const p of plans) p.apply();
    companion?.apply(gen);
    service.serverGen = gen;
    for (const { layer, edits } of requests) {
      if ((edits.adds?.length ?? 0) + (edits.updates?.length ?? 0) + (edits.deletes?.length ?? 0) === 0 && !companion?.changes) continue;
      layer.serverGen = gen;
      layer.lastEditDate = now;
      layer.dataLastEditDate = now;
    }
    emu.markDirty();
  }
  return results.map(stripUniqueOnFailure);
}

function stripUniqueOnFailure(r: LayerEditResults): LayerEditResults {
  const fix = (x: EditResult): EditResult => {
    if (x.success) return x;
    const { uniqueId: _u, ...rest } = x;
    void _u;
    return rest;
  };
  return { addResults: r.addResults.map(fix), updateResults: r.updateResults.map(fix), deleteResults: r.deleteResults.map(fix) };
}

/** The next server generation: increasing, and like ArcGIS Online's, close to the edit time in ms. */
export function nextServerGen(service: HostedService, now: number): number {
  return Math.max(service.serverGen + 1, now);
}

/** Marks the layer's data as changed (attachment edits): new server generation and edit dates. */
export function touchLayer(emu: EmulatorContext, service: HostedService, layer: HostedLayer): number {
  const now = emu.clock.now();
  const gen = nextServerGen(service, now);
  service.serverGen = gen;
  layer.serverGen = gen;
  layer.lastEditDate = now;
  layer.dataLastEditDate = now;
  emu.markDirty();
  return gen;
}
