/**
 * ArcGIS JSON geometry -> GeoJSON (RFC 7946), the way ArcGIS's own `query?f=geojson` answers: WGS84 longitude/latitude,
 * `id` = object id, `properties` = attributes as they are (dates stay epoch milliseconds, as ArcGIS gives them).
 * Pure functions: no I/O, so they are cheap to test and to call per feature while streaming.
 */

/** What to do with coordinates: reproject Web Mercator to WGS84, keep WGS84, or keep a foreign system as it is. */
export type CoordinateHandling = { kind: 'wgs84' } | { kind: 'webmercator' } | { kind: 'other'; wkid?: number; wkt?: string };

const EARTH_RADIUS = 6378137;
const WEB_MERCATOR_WKIDS = new Set([102100, 3857, 900913, 102113]);
const WGS84_WKIDS = new Set([4326]);

interface SpatialReferenceJson {
  wkid?: number;
  latestWkid?: number;
  wkt?: string;
}

/** How a layer's coordinates must be handled, from the spatial reference ArcGIS gave (absent: assume WGS84 as GeoJSON does). */
export function coordinateHandling(spatialReference: unknown): CoordinateHandling {
  if (spatialReference === null || typeof spatialReference !== 'object') return { kind: 'wgs84' };
  const sr = spatialReference as SpatialReferenceJson;
  const wkids = [sr.latestWkid, sr.wkid].filter((w): w is number => typeof w === 'number');
  if (wkids.some((w) => WEB_MERCATOR_WKIDS.has(w))) return { kind: 'webmercator' };
  if (wkids.some((w) => WGS84_WKIDS.has(w))) return { kind: 'wgs84' };
  if (wkids.length === 0 && typeof sr.wkt !== 'string') return { kind: 'wgs84' };
  const out: CoordinateHandling = { kind: 'other' };
  if (wkids[0] !== undefined) out.wkid = wkids[0];
  if (typeof sr.wkt === 'string') out.wkt = sr.wkt;
  return out;
}

/** Web Mercator (spherical, EPSG:3857) metres -> WGS84 degrees. */
export function webMercatorToWgs84(x: number, y: number): [number, number] {
  return [(x / EARTH_RADIUS) * (180 / Math.PI), (2 * Math.atan(Math.exp(y / EARTH_RADIUS)) - Math.PI / 2) * (180 / Math.PI)];
}

export interface GeometryOptions {
  /** The layer's `geometryType` (esriGeometryPoint, ...); guessed from the geometry's shape when absent. */
  geometryType?: string | undefined;
  coordinates: CoordinateHandling;
  /** Whether coordinate arrays carry z and/or m (layer `hasZ`/`hasM`); m values are dropped, GeoJSON has no m. */
  hasZ?: boolean | undefined;
  hasM?: boolean | undefined;
}

type Position = number[];

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function position(x: number, y: number, z: unknown, options: GeometryOptions): Position {
  const [px, py] = options.coordinates.kind === 'webmercator' ? webMercatorToWgs84(x, y) : [x, y];
  return isFiniteNumber(z) ? [px, py, z] : [px, py];
}

/** An ArcGIS coordinate array `[x, y, (z), (m)]` -> a GeoJSON position, or undefined when it is not a coordinate. */
function arrayPosition(coords: unknown, hasZ: boolean, hasM: boolean, options: GeometryOptions): Position | undefined {
  if (!Array.isArray(coords) || !isFiniteNumber(coords[0]) || !isFiniteNumber(coords[1])) return undefined;
  // With hasM but not hasZ the third value is m; without any flag, a third value is taken as z (the common case).
  const z = hasZ || !hasM ? coords[2] : undefined;
  return position(coords[0], coords[1], z, options);
}

function positions(list: unknown, hasZ: boolean, hasM: boolean, options: GeometryOptions): Position[] {
  if (!Array.isArray(list)) return [];
  const out: Position[] = [];
  for (const c of list) {
    const p = arrayPosition(c, hasZ, hasM, options);
    if (p) out.push(p);
  }
  return out;
}

/** Twice the signed area (shoelace): positive for counter-clockwise rings with y pointing up. */
function signedArea2(ring: Position[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return s;
}

function closeRing(ring: Position[]): Position[] {
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** Ray casting: is the point inside the ring (boundary counts as either)? */
function ringContains(ring: Position[], point: Position): boolean {
  const [x, y] = point as [number, number];
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * ArcGIS polygon rings -> GeoJSON polygons. ArcGIS draws outer rings clockwise and holes counter-clockwise, in any
 * order; GeoJSON wants each polygon's exterior first, counter-clockwise, then its holes clockwise (RFC 7946 3.1.6).
 * A hole belongs to the smallest outer ring that contains it (not merely the previous one: ArcGIS does not promise an
 * order); a hole inside no outer ring is kept as a polygon of its own rather than dropped.
 */
function polygons(rings: Position[][]): Position[][][] {
  const outers: { ring: Position[]; area: number; holes: Position[][] }[] = [];
  const holes: Position[][] = [];
  for (const raw of rings) {
    if (raw.length < 3) continue;
    const ring = closeRing(raw);
    const area = signedArea2(ring);
    if (area === 0) continue;
    // Clockwise (negative area) is an outer ring in ArcGIS.
    if (area < 0) outers.push({ ring: [...ring].reverse(), area: -area, holes: [] });
    else holes.push([...ring].reverse());
  }
  for (const hole of holes) {
    let best: (typeof outers)[number] | undefined;
    for (const outer of outers) {
      if ((best === undefined || outer.area < best.area) && ringContains(outer.ring, hole[0]!)) best = outer;
    }
    if (best) best.holes.push(hole);
    else outers.push({ ring: [...hole].reverse(), area: Math.abs(signedArea2(hole)), holes: [] });
  }
  return outers.map((o) => [o.ring, ...o.holes]);
}

function guessGeometryType(g: Record<string, unknown>): string | undefined {
  if ('x' in g) return 'esriGeometryPoint';
  if ('points' in g) return 'esriGeometryMultipoint';
  if ('paths' in g) return 'esriGeometryPolyline';
  if ('rings' in g) return 'esriGeometryPolygon';
  if ('xmin' in g) return 'esriGeometryEnvelope';
  return undefined;
}

/** One ArcGIS JSON geometry -> a GeoJSON geometry, or null when absent or empty (as ArcGIS answers for those). */
export function esriGeometryToGeoJSON(geometry: unknown, options: GeometryOptions): Record<string, unknown> | null {
  if (geometry === null || typeof geometry !== 'object') return null;
  const g = geometry as Record<string, unknown>;
  const hasZ = typeof g.hasZ === 'boolean' ? g.hasZ : options.hasZ === true;
  const hasM = typeof g.hasM === 'boolean' ? g.hasM : options.hasM === true;
  switch (options.geometryType ?? guessGeometryType(g)) {
    case 'esriGeometryPoint': {
      if (!isFiniteNumber(g.x) || !isFiniteNumber(g.y)) return null;
      return { type: 'Point', coordinates: position(g.x, g.y, g.z, options) };
    }
    case 'esriGeometryMultipoint': {
      const points = positions(g.points, hasZ, hasM, options);
      return points.length === 0 ? null : { type: 'MultiPoint', coordinates: points };
    }
    case 'esriGeometryPolyline': {
      const paths = (Array.isArray(g.paths) ? g.paths : []).map((p) => positions(p, hasZ, hasM, options)).filter((p) => p.length > 0);
      if (paths.length === 0) return null;
      return paths.length === 1 ? { type: 'LineString', coordinates: paths[0] } : { type: 'MultiLineString', coordinates: paths };
    }
    case 'esriGeometryPolygon': {
      const parts = polygons((Array.isArray(g.rings) ? g.rings : []).map((r) => positions(r, hasZ, hasM, options)));
      if (parts.length === 0) return null;
      return parts.length === 1 ? { type: 'Polygon', coordinates: parts[0] } : { type: 'MultiPolygon', coordinates: parts };
    }
    case 'esriGeometryEnvelope': {
      if (![g.xmin, g.ymin, g.xmax, g.ymax].every(isFiniteNumber)) return null;
      const [xmin, ymin, xmax, ymax] = [g.xmin, g.ymin, g.xmax, g.ymax] as number[];
      const ring = [position(xmin!, ymin!, undefined, options), position(xmax!, ymin!, undefined, options), position(xmax!, ymax!, undefined, options), position(xmin!, ymax!, undefined, options)];
      return { type: 'Polygon', coordinates: [[...ring, ring[0]!]] };
    }
    default:
      return null;
  }
}

/** An ArcGIS feature -> a GeoJSON Feature (`id` = object id; tables and features without geometry get `geometry: null`). */
export function esriFeatureToGeoJSON(feature: { attributes?: Record<string, unknown> | null; geometry?: unknown }, objectId: number | undefined, options: GeometryOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'Feature' };
  if (objectId !== undefined) out.id = objectId;
  out.geometry = esriGeometryToGeoJSON(feature.geometry, options);
  out.properties = feature.attributes ?? {};
  return out;
}
