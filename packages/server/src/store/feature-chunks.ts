/**
 * How a layer's features are cut into chunk blobs. A chunk holds the features whose object ids fall in one FIXED range
 * of CHUNK_OID_SPAN ids ([k * span, k * span + span - 1]), serialized canonically (sorted keys, features by object id).
 * Boundaries never depend on what else is in the layer, so an edit rewrites only the chunk of the ids it touched and
 * every other range gives byte-identical blobs that deduplicate across snapshots.
 */
import type { EsriFeature } from '../arcgis/feature-service/index.js';

/** Object ids per chunk. At the usual maxRecordCount of 2000, one dense chunk is one query page (about 0.5-2 MB). */
export const CHUNK_OID_SPAN = 2000;

/** Feature-chunk JSON compresses about 7:1 at level 1, at twice the speed of level 6 (store README, Performance). */
export const FEATURE_CHUNK_LEVEL = 1;

export const FEATURE_CHUNK_FORMAT = 'orgkeeper-features';

export interface OidRange {
  fromOid: number;
  toOid: number;
}

/** The fixed range holding an object id. */
export function chunkRangeOf(oid: number, span = CHUNK_OID_SPAN): OidRange {
  const fromOid = Math.floor(oid / span) * span;
  return { fromOid, toOid: fromOid + span - 1 };
}

/** True when a stored chunk has the boundaries this version cuts (older or foreign cuts cannot be patched). */
export function isAlignedRange(range: OidRange, span = CHUNK_OID_SPAN): boolean {
  return range.fromOid % span === 0 && range.toOid === range.fromOid + span - 1;
}

/** An ArcGIS feature as `query` returns it with f=json (the catalogue's type). */
export type { EsriFeature };

/** What a chunk blob holds: a FeatureSet restricted to one object-id range, readable on its own (export, restore). */
export interface FeatureChunkContent {
  format: typeof FEATURE_CHUNK_FORMAT;
  objectIdFieldName: string;
  fromOid: number;
  toOid: number;
  geometryType?: string;
  spatialReference?: unknown;
  features: EsriFeature[];
}

/**
 * JSON with object keys sorted at every level, so the same content always gives the same bytes (and hash) whatever
 * order the server wrote its keys in. Undefined values are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** The object id of a feature, whatever case the server used for the field name. */
export function featureOid(feature: EsriFeature, objectIdField: string): number {
  const direct = feature.attributes[objectIdField];
  if (typeof direct === 'number') return direct;
  const lower = objectIdField.toLowerCase();
  for (const [key, value] of Object.entries(feature.attributes)) if (key.toLowerCase() === lower && typeof value === 'number') return value;
  throw new Error(`A feature has no numeric object id in field ${objectIdField}; the layer cannot be paged by object id.`);
}

/** The chunk blob's bytes: canonical, features sorted by object id. */
export function featureChunkBytes(content: Omit<FeatureChunkContent, 'format'>): Buffer {
  const features = [...content.features].sort((a, b) => featureOid(a, content.objectIdFieldName) - featureOid(b, content.objectIdFieldName));
  return canonicalBytes({ ...content, format: FEATURE_CHUNK_FORMAT, features });
}
