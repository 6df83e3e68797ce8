/**
 * The geometry the emulator needs: Web Mercator <-> WGS84 projection, bounding boxes, envelope intersection and
 * conversion of ArcGIS JSON geometries to GeoJSON (RFC 7946).
 */
import { type Extent, type SpatialReference } from './types.js';

const R = 6378137;
const WEB_MERCATOR = new Set([102100, 3857, 900913, 102113]);
const WGS84 = new Set([4326]);

export type SrKind = 'wgs84' | 'webmercator';

/** Which of the two supported spatial references this is; undefined for any other. */
export function srKind(sr: SpatialReference | number | null | undefined): SrKind | undefined {
  if (sr === null || sr === undefined) return undefined;
  const wkids = typeof sr === 'number' ? [sr] : [sr.wkid, sr.latestWkid];
  for (const w of wkids) {
    if (w === undefined) continue;
    if (WEB_MERCATOR.has(w)) return 'webmercator';
    if (WGS84.has(w)) return 'wgs84';
  }
  return undefined;
}

export function sameSpatialReference(a: SpatialReference, b: SpatialReference): boolean {
  const ka = srKind(a);
  const kb = srKind(b);
  if (ka && kb) return ka === kb;
  return (a.wkid ?? a.latestWkid) === (b.wkid ?? b.latestWkid);
}

export function spatialReferenceJson(kind: SrKind): SpatialReference {
  return kind === 'webmercator' ? { wkid: 102100, latestWkid: 3857 } : { wkid: 4326, latestWkid: 4326 };
}

function toMercator(x: number, y: number): [number, number] {
  const lat = Math.max(-85.05112878, Math.min(85.05112878, y));
  return [(x * Math.PI * R) / 180, R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
}

function toWgs84(x: number, y: number): [number, number] {
  return [(x / R) * (180 / Math.PI), (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * (180 / Math.PI)];
}

type XY = (x: number, y: number) => [number, number];

function mapCoords(coords: unknown, fn: XY): unknown {
  if (!Array.isArray(coords)) return coords;
  if (coords.length >= 2 && typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    const [x, y] = fn(coords[0], coords[1]);
    return [x, y, ...coords.slice(2)];
  }
  return coords.map((c) => mapCoords(c, fn));
}

/** Projects an ArcGIS JSON geometry between WGS84 and Web Mercator; other pairs are returned unchanged. */
export function projectGeometry(geometry: Record<string, unknown>, from: SpatialReference | undefined, to: SpatialReference | undefined): Record<string, unknown> {
  const a = srKind(from);
  const b = srKind(to);
  if (!a || !b || a === b) return geometry;
  const fn: XY = b === 'webmercator' ? toMercator : toWgs84;
  const out: Record<string, unknown> = { ...geometry };
  if (typeof geometry.x === 'number' && typeof geometry.y === 'number') {
    const [x, y] = fn(geometry.x, geometry.y);
    out.x = x;
    out.y = y;
  }
  if (typeof geometry.xmin === 'number' && typeof geometry.ymin === 'number' && typeof geometry.xmax === 'number' && typeof geometry.ymax === 'number') {
    const [x1, y1] = fn(geometry.xmin, geometry.ymin);
    const [x2, y2] = fn(geometry.xmax, geometry.ymax);
    Object.assign(out, { xmin: x1, ymin: y1, xmax: x2, ymax: y2 });
  }
  for (const key of ['points', 'paths', 'rings']) if (key in geometry) out[key] = mapCoords(geometry[key], fn);
  if ('spatialReference' in geometry) out.spatialReference = spatialReferenceJson(b);
  return out;
}

export interface BBox {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/** Bounding box of an ArcGIS JSON geometry (point, multipoint, polyline, polygon, envelope); undefined when empty. */
export function bboxOf(geometry: Record<string, unknown> | null | undefined): BBox | undefined {
  if (!geometry) return undefined;
  if (typeof geometry.x === 'number' && typeof geometry.y === 'number') {
    return { xmin: geometry.x, ymin: geometry.y, xmax: geometry.x, ymax: geometry.y };
  }
  if (typeof geometry.xmin === 'number') {
    const g = geometry as unknown as BBox;
    return { xmin: Math.min(g.xmin, g.xmax), ymin: Math.min(g.ymin, g.ymax), xmax: Math.max(g.xmin, g.xmax), ymax: Math.max(g.ymin, g.ymax) };
  }
  let box: BBox | undefined;
  const visit = (c: unknown) => {
    if (!Array.isArray(c)) return;
    if (c.length >= 2 && typeof c[0] === 'number' && typeof c[1] === 'number') {
      const x = c[0];
      const y = c[1];
      if (!box) box = { xmin: x, ymin: y, xmax: x, ymax: y };
      else {
        box.xmin = Math.min(box.xmin, x);
        box.ymin = Math.min(box.ymin, y);
        box.xmax = Math.max(box.xmax, x);
        box.ymax = Math.max(box.ymax, y);
      }
      return;
    }
    for (const inner of c) visit(inner);
  };
  for (const key of ['points', 'paths', 'rings']) visit(geometry[key]);
  return box;
}

export function bboxIntersects(a: BBox, b: BBox): boolean {
  return a.xmin <= b.xmax && a.xmax >= b.xmin && a.ymin <= b.ymax && a.ymax >= b.ymin;
}

export function extentOf(boxes: Iterable<BBox | undefined>, sr: SpatialReference): Extent | null {
  let out: Extent | null = null;
  for (const b of boxes) {
    if (!b) continue;
    if (!out) out = { ...b, spatialReference: sr };
    else {
      out.xmin = Math.min(out.xmin, b.xmin);
      out.ymin = Math.min(out.ymin, b.ymin);
      out.xmax = Math.max(out.xmax, b.xmax);
      out.ymax = Math.max(out.ymax, b.ymax);
    }
  }
  return out;
}

/** Signed area (shoelace); ArcGIS outer rings are clockwise (negative here), holes counter-clockwise. */
function ringArea(ring: number[][]): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return s / 2;
}

/**
 * ArcGIS JSON -> GeoJSON geometry (coordinates must already be WGS84). Polygons: clockwise rings start new
 * polygons, counter-clockwise rings are holes of the previous one; GeoJSON wants the reverse winding (RFC 7946 3.1.6).
 */
export function toGeoJsonGeometry(geometry: Record<string, unknown> | null | undefined, geometryType: string | null): Record<string, unknown> | null {
  if (!geometry) return null;
  switch (geometryType) {
    case 'esriGeometryPoint':
      if (typeof geometry.x !== 'number' || typeof geometry.y !== 'number') return null;
      return { type: 'Point', coordinates: typeof geometry.z === 'number' ? [geometry.x, geometry.y, geometry.z] : [geometry.x, geometry.y] };
    case 'esriGeometryMultipoint':
      return { type: 'MultiPoint', coordinates: (geometry.points as number[][] | undefined) ?? [] };
    case 'esriGeometryPolyline': {
      const paths = (geometry.paths as number[][][] | undefined) ?? [];
      return paths.length === 1 ? { type: 'LineString', coordinates: paths[0] } : { type: 'MultiLineString', coordinates: paths };
    }
    case 'esriGeometryPolygon': {
      const rings = (geometry.rings as number[][][] | undefined) ?? [];
      const polygons: number[][][][] = [];
      for (const ring of rings) {
        const area = ringArea(ring);
        const reversed = [...ring].reverse();
        if (area <= 0 || polygons.length === 0) polygons.push([reversed]);
        else polygons[polygons.length - 1]!.push(reversed);
      }
      if (polygons.length === 1) return { type: 'Polygon', coordinates: polygons[0] };
      return { type: 'MultiPolygon', coordinates: polygons };
    }
    default:
      return null;
  }
}
