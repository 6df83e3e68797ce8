/**
 * The layer `query` operation: attribute (where, objectIds) and envelope filters, outFields, ordering, paging with
 * exceededTransferLimit, ids/count/extent-only answers, outSR (WGS84 <-> Web Mercator) and f=json|geojson.
 */
import { type EmulatorContext } from '../context.js';
import { boolParam } from '../http/request.js';
import { featureErrors } from './feature-errors.js';
import { type StoredFeature } from './feature-store.js';
import { type BBox, bboxIntersects, bboxOf, extentOf, projectGeometry, spatialReferenceJson, srKind, toGeoJsonGeometry } from './geometry.js';
import { type FieldDef, type HostedLayer, type HostedService, type SpatialReference } from './types.js';
import { compileWhere, oidRange, type Predicate, WhereError, type WhereAst } from './where.js';

/** Parsed and validated selection parameters shared by query, deleteFeatures(where), queryAttachments and queryRelated. */
export interface Selection {
  predicate: Predicate;
  ast: WhereAst | null;
  /** true when the where clause is a constant (e.g. 1=1) so every feature matches */
  matchesAll: boolean;
  objectIds: number[] | null;
  bbox: BBox | null;
}

function fieldByName(layer: HostedLayer, name: string): FieldDef | undefined {
  const lower = name.trim().toLowerCase();
  return layer.fields.find((f) => f.name.toLowerCase() === lower);
}

export function compileLayerWhere(emu: EmulatorContext, layer: HostedLayer, where: string | undefined): { predicate: Predicate; ast: WhereAst | null; matchesAll: boolean } {
  try {
    const { predicate, ast } = compileWhere(where, {
      fields: layer.fields,
      caseInsensitive: emu.options.kind === 'online',
      now: () => emu.clock.now()
    });
    const constant = ast === null || !JSON.stringify(ast).includes('"t":"field"');
    return { predicate, ast, matchesAll: constant && predicate({}) };
  } catch (error) {
    if (error instanceof WhereError) {
      throw error.kind === 'field' && error.field ? featureErrors.invalidField(emu, error.field) : featureErrors.invalidWhere(emu);
    }
    throw error;
  }
}

export function parseObjectIds(emu: EmulatorContext, value: string | undefined, name = 'objectIds'): number[] | null {
  if (value === undefined || value.trim() === '') return null;
  let parts: unknown[];
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      parts = JSON.parse(trimmed) as unknown[];
    } catch {
      throw featureErrors.invalidParameter(emu, name);
    }
  } else parts = trimmed.split(',');
  const ids = parts.map((p) => Number(String(p).trim()));
  if (ids.some((n) => !Number.isInteger(n))) throw featureErrors.invalidParameter(emu, name);
  return [...new Set(ids)].sort((a, b) => a - b);
}

function parseSr(value: string | undefined): SpatialReference | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return { wkid: Number(t) };
  try {
    return JSON.parse(t) as SpatialReference;
  } catch {
    return { wkid: Number.NaN };
  }
}

/** Parses `geometry` (+ `geometryType`, `inSR`, `spatialRel`) into a bounding box in the service's spatial reference. */
function parseGeometryFilter(emu: EmulatorContext, service: HostedService, params: Record<string, string>): BBox | null {
  const raw = params.geometry;
  if (raw === undefined || raw.trim() === '') return null;
  const rel = params.spatialRel || 'esriSpatialRelIntersects';
  // Intersects is evaluated on bounding boxes: exact for points and envelopes, approximate for lines and polygons.
  if (rel !== 'esriSpatialRelIntersects' && rel !== 'esriSpatialRelEnvelopeIntersects') throw featureErrors.invalidParameter(emu, 'spatialRel');
  let geometry: Record<string, unknown>;
  const t = raw.trim();
  if (t.startsWith('{')) {
    try {
      geometry = JSON.parse(t) as Record<string, unknown>;
    } catch {
      throw featureErrors.invalidParameter(emu, 'geometry');
    }
  } else {
    const n = t.split(',').map(Number);
    if (n.some((x) => !Number.isFinite(x))) throw featureErrors.invalidParameter(emu, 'geometry');
    if (n.length === 4) geometry = { xmin: n[0], ymin: n[1], xmax: n[2], ymax: n[3] };
    else if (n.length === 2) geometry = { x: n[0], y: n[1] };
    else throw featureErrors.invalidParameter(emu, 'geometry');
  }
  const inSr = parseSr(params.inSR) ?? (geometry.spatialReference as SpatialReference | undefined) ?? service.spatialReference;
  if (!srKind(inSr) && !srKind(service.spatialReference)) {
    // neither is one we can project; assume they are the same
  } else if (!srKind(inSr)) throw featureErrors.invalidParameter(emu, 'inSR');
  const projected = projectGeometry(geometry, inSr, service.spatialReference);
  const box = bboxOf(projected);
  if (!box) throw featureErrors.invalidParameter(emu, 'geometry');
  return box;
}

export function parseSelection(emu: EmulatorContext, service: HostedService, layer: HostedLayer, params: Record<string, string>, whereParam = 'where'): Selection {
  const where = compileLayerWhere(emu, layer, params[whereParam]);
  return {
    ...where,
    objectIds: parseObjectIds(emu, params.objectIds),
    bbox: layer.geometryType ? parseGeometryFilter(emu, service, params) : null
  };
}

/**
 * Features matching a selection, in objectId order; skips the first `skip` matches and stops once `limit` more
 * were found. Skipping is a jump, not a scan, when every feature matches and the store can tell where to land.
 */
export function* selectFeatures(layer: HostedLayer, sel: Selection, limit = Infinity, skip = 0): Iterable<StoredFeature> {
  if (limit <= 0) return;
  let found = 0;
  const test = (f: StoredFeature) => {
    if (sel.bbox) {
      const b = bboxOf(f.geometry);
      if (!b || !bboxIntersects(b, sel.bbox)) return false;
    }
    return sel.matchesAll || sel.predicate(f.attributes);
  };
  if (sel.objectIds) {
    let toSkip = skip;
    for (const oid of sel.objectIds) {
      const f = layer.store.get(oid);
      if (f && test(f)) {
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        yield f;
        if (++found >= limit) return;
      }
    }
    return;
  }
  const range = oidRange(sel.ast, layer.objectIdField);
  let after = range.after;
  let toSkip = skip;
  if (toSkip > 0 && sel.matchesAll && !sel.bbox) {
    const jump = layer.store.skipAfter(after, toSkip);
    if (jump !== undefined) {
      after = jump;
      toSkip = 0;
    }
  }
  for (const f of layer.store.scan(after)) {
    if (f.oid > range.upTo) return;
    if (test(f)) {
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      yield f;
      if (++found >= limit) return;
    }
  }
}

export function countSelection(layer: HostedLayer, sel: Selection): number {
  if (sel.matchesAll && !sel.objectIds && !sel.bbox) return layer.store.count();
  let n = 0;
  for (const _ of selectFeatures(layer, sel)) n++;
  return n;
}

/** A query answer's field description (no nullable/editable, as query responses list them). */
export function responseField(f: FieldDef): Record<string, unknown> {
  const out: Record<string, unknown> = { name: f.name, type: f.type, alias: f.alias, sqlType: f.sqlType };
  if (f.length !== undefined) out.length = f.length;
  out.domain = f.domain;
  out.defaultValue = f.defaultValue;
  return out;
}

/** Resolves `outFields` (`*`, a comma list, or absent = the objectId field only). */
export function resolveOutFields(emu: EmulatorContext, layer: HostedLayer, outFields: string | undefined): FieldDef[] {
  if (outFields === undefined || outFields.trim() === '') return layer.fields.filter((f) => f.name === layer.objectIdField);
  const names = outFields.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.includes('*')) return layer.fields;
  const out: FieldDef[] = [];
  for (const name of names) {
    const f = fieldByName(layer, name);
    if (!f) throw featureErrors.invalidField(emu, name);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

interface OrderKey {
  field: string;
  desc: boolean;
}

function parseOrderBy(emu: EmulatorContext, layer: HostedLayer, value: string | undefined): OrderKey[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const m = /^\s*("?)([A-Za-z_][A-Za-z0-9_]*)\1(?:\s+(ASC|DESC))?\s*$/i.exec(part);
    if (!m) throw featureErrors.invalidParameter(emu, 'orderByFields');
    const f = fieldByName(layer, m[2]!);
    if (!f) throw featureErrors.invalidField(emu, m[2]!);
    return { field: f.name, desc: (m[3] ?? '').toUpperCase() === 'DESC' };
  });
}

function makeComparator(keys: OrderKey[], oidField: string, nullsFirstAsc: boolean, ci: boolean): (a: StoredFeature, b: StoredFeature) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = a.attributes[k.field];
      const y = b.attributes[k.field];
      let c: number;
      if (x === null || x === undefined || y === null || y === undefined) {
        if ((x === null || x === undefined) && (y === null || y === undefined)) c = 0;
        else c = x === null || x === undefined ? (nullsFirstAsc ? -1 : 1) : nullsFirstAsc ? 1 : -1;
      } else if (typeof x === 'number' && typeof y === 'number') c = x - y;
      else {
        const sx = ci ? String(x).toLowerCase() : String(x);
        const sy = ci ? String(y).toLowerCase() : String(y);
        c = sx < sy ? -1 : sx > sy ? 1 : 0;
      }
      if (c !== 0) return k.desc ? -c : c;
    }
    return (a.attributes[oidField] as number) - (b.attributes[oidField] as number);
  };
}

export function parseOutSr(emu: EmulatorContext, service: HostedService, value: string | undefined): SpatialReference {
  const sr = parseSr(value);
  if (!sr) return service.spatialReference;
  const kind = srKind(sr);
  if (!kind) {
    if (sameWkid(sr, service.spatialReference)) return service.spatialReference;
    throw featureErrors.invalidParameter(emu, 'outSR');
  }
  return spatialReferenceJson(kind);
}

function sameWkid(a: SpatialReference, b: SpatialReference): boolean {
  return (a.wkid ?? a.latestWkid) === (b.wkid ?? b.latestWkid);
}

export function featureJson(
  f: StoredFeature,
  fields: FieldDef[],
  geometry: { include: boolean; from: SpatialReference; to: SpatialReference }
): { attributes: Record<string, unknown>; geometry?: Record<string, unknown> | null } {
  const attributes: Record<string, unknown> = {};
  for (const field of fields) attributes[field.name] = f.attributes[field.name] ?? null;
  if (!geometry.include) return { attributes };
  return { attributes, geometry: f.geometry ? projectGeometry(f.geometry, geometry.from, geometry.to) : null };
}

function intParamStrict(emu: EmulatorContext, params: Record<string, string>, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw featureErrors.invalidParameter(emu, name);
  return n;
}

/** Runs `<layer>/query`; returns the JSON body (ArcGIS JSON or GeoJSON per `f`). */
export function runQuery(emu: EmulatorContext, service: HostedService, layer: HostedLayer, params: Record<string, string>): Record<string, unknown> {
  const format = (params.f ?? 'json').toLowerCase();
  if (format === 'pbf') {
    throw featureErrors.invalidParams(["'f' parameter is invalid: pbf output is not supported by this service. Use f=json or f=geojson."]);
  }
  if (params.outStatistics || boolParam(params, 'returnDistinctValues')) {
    // Statistics and distinct values are not emulated; say so instead of answering wrongly.
    throw featureErrors.invalidParams(['outStatistics and returnDistinctValues are not supported by the emulator.']);
  }
  const sel = parseSelection(emu, service, layer, params);
  const outFields = resolveOutFields(emu, layer, params.outFields);
  const orderBy = parseOrderBy(emu, layer, params.orderByFields);
  const offset = intParamStrict(emu, params, 'resultOffset');
  const recordCount = intParamStrict(emu, params, 'resultRecordCount');
  const returnIdsOnly = boolParam(params, 'returnIdsOnly');
  const returnCountOnly = boolParam(params, 'returnCountOnly');
  const returnExtentOnly = boolParam(params, 'returnExtentOnly');
  const returnGeometry = boolParam(params, 'returnGeometry', true) && !!layer.geometryType;
  const outSr = parseOutSr(emu, service, params.outSR);
  const maxRecordCount = Number(layer.definition.maxRecordCount ?? service.definition.maxRecordCount ?? 2000);
  const ci = emu.options.kind === 'online';
  // SQL Server (Online) sorts NULL first ascending; PostgreSQL (Enterprise data store) sorts NULL last ascending.
  const comparator = makeComparator(orderBy, layer.objectIdField, emu.options.kind === 'online', ci);
  const byOidOnly = orderBy.length === 0 || (orderBy.length === 1 && orderBy[0]!.field === layer.objectIdField && !orderBy[0]!.desc);

  if (returnCountOnly || returnExtentOnly) {
    const out: Record<string, unknown> = {};
    if (returnCountOnly) out.count = countSelection(layer, sel);
    if (returnExtentOnly) {
      const boxes: (BBox | undefined)[] = [];
      for (const f of selectFeatures(layer, sel)) boxes.push(bboxOf(f.geometry));
      const ext = extentOf(boxes, service.spatialReference);
      out.extent = ext
        ? { ...projectGeometry(ext as unknown as Record<string, unknown>, service.spatialReference, outSr), spatialReference: outSr }
        : { xmin: 'NaN', ymin: 'NaN', xmax: 'NaN', ymax: 'NaN', spatialReference: outSr };
    }
    return out;
  }

  if (returnIdsOnly) {
    let ids: StoredFeature[] = [...selectFeatures(layer, sel)];
    if (!byOidOnly) ids.sort(comparator);
    if (offset !== undefined || recordCount !== undefined) ids = ids.slice(offset ?? 0, recordCount !== undefined ? (offset ?? 0) + recordCount : undefined);
    return { objectIdFieldName: layer.objectIdField, objectIds: ids.map((f) => f.oid) };
  }

  const pageSize = Math.min(recordCount && recordCount > 0 ? recordCount : maxRecordCount, maxRecordCount);
  const start = offset ?? 0;
  let page: StoredFeature[];
  let exceeded: boolean;
  if (byOidOnly) {
    // Ordered by objectId already: stop scanning one past the page to know whether more remain.
    const upTo = [...selectFeatures(layer, sel, pageSize + 1, start)];
    page = upTo.slice(0, pageSize);
    exceeded = upTo.length > pageSize;
  } else {
    const all = [...selectFeatures(layer, sel)].sort(comparator);
    page = all.slice(start, start + pageSize);
    exceeded = all.length > start + pageSize;
  }

  const geometryOptions = { include: returnGeometry, from: service.spatialReference, to: outSr };
  if (format === 'geojson') {
    const wgs = spatialReferenceJson('wgs84');
    return {
      type: 'FeatureCollection',
      ...(exceeded ? { properties: { exceededTransferLimit: true } } : {}),
      features: page.map((f) => {
        const attributes: Record<string, unknown> = {};
        for (const field of outFields) attributes[field.name] = f.attributes[field.name] ?? null;
        const geometry = returnGeometry && f.geometry ? projectGeometry(f.geometry, service.spatialReference, wgs) : null;
        return { type: 'Feature', id: f.oid, geometry: toGeoJsonGeometry(geometry, layer.geometryType), properties: attributes };
      })
    };
  }

  const body: Record<string, unknown> = {
    objectIdFieldName: layer.objectIdField,
    uniqueIdField: { name: layer.objectIdField, isSystemMaintained: true },
    globalIdFieldName: layer.globalIdField ?? ''
  };
  if (layer.geometryType) {
    body.geometryType = layer.geometryType;
    body.spatialReference = outSr;
  }
  body.fields = outFields.map(responseField);
  if (exceeded) body.exceededTransferLimit = true;
  body.features = page.map((f) => featureJson(f, outFields, geometryOptions));
  return body;
}
