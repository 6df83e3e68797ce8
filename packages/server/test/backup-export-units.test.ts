/**
 * The export's building blocks on their own (geometry conversion, CSV cells) and a large synthetic layer written through
 * the store API: GeoJSON and ZIP exports of 300,000 features stream in a child whose heap is capped far below their size.
 */
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureChunkBytes, FEATURE_CHUNK_LEVEL, CHUNK_OID_SPAN } from '../src/store/feature-chunks.js';
import { coordinateHandling, csvCell, esriGeometryToGeoJSON, layerToGeoJSON, safeNamePart, webMercatorToWgs84 } from '../src/backup/export/index.js';
import { type FeatureChunk, type ItemEntry, type LayerEntry, MANIFEST_FORMAT, MANIFEST_VERSION, type Store, isSafeRelativePath, newSnapshotId } from '../src/store/index.js';
import { tempStore } from '../src/store/testing/fixtures.js';

const execFileAsync = promisify(execFile);

const WGS84 = { coordinates: { kind: 'wgs84' } } as const;

describe('ArcGIS JSON geometry to GeoJSON', () => {
  it('converts points, multipoints and polylines, dropping m values and keeping z', () => {
    expect(esriGeometryToGeoJSON({ x: 1, y: 2 }, { ...WGS84, geometryType: 'esriGeometryPoint' })).toEqual({ type: 'Point', coordinates: [1, 2] });
    expect(esriGeometryToGeoJSON({ x: 1, y: 2, z: 3, m: 4 }, { ...WGS84, geometryType: 'esriGeometryPoint' })).toEqual({ type: 'Point', coordinates: [1, 2, 3] });
    expect(esriGeometryToGeoJSON({ x: 'NaN', y: 2 }, { ...WGS84, geometryType: 'esriGeometryPoint' })).toBeNull();
    expect(esriGeometryToGeoJSON({ points: [[1, 2], [3, 4]] }, WGS84)).toEqual({ type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
    // hasM without hasZ: the third value is m, not z.
    expect(esriGeometryToGeoJSON({ paths: [[[0, 0, 9], [1, 1, 9]]] }, { ...WGS84, hasM: true })).toEqual({ type: 'LineString', coordinates: [[0, 0], [1, 1]] });
    expect(esriGeometryToGeoJSON({ paths: [[[0, 0, 5, 9], [1, 1, 6, 9]]] }, { ...WGS84, hasZ: true, hasM: true })).toEqual({ type: 'LineString', coordinates: [[0, 0, 5], [1, 1, 6]] });
    expect(esriGeometryToGeoJSON({ paths: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] }, WGS84)).toEqual({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] });
    expect(esriGeometryToGeoJSON({ paths: [] }, WGS84)).toBeNull();
    expect(esriGeometryToGeoJSON(null, WGS84)).toBeNull();
  });

  it('assigns each hole to the outer ring that contains it, whatever the ring order, with RFC 7946 winding', () => {
    const outerA = [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]; // clockwise: ArcGIS outer
    const outerB = [[20, 0], [20, 10], [30, 10], [30, 0], [20, 0]];
    const holeA = [[2, 2], [8, 2], [8, 8], [2, 8], [2, 2]]; // counter-clockwise: ArcGIS hole
    const holeB = [[22, 2], [28, 2], [28, 8], [22, 8], [22, 2]];
    // Holes listed after both outers, the first hole belonging to the first outer ring.
    const geometry = esriGeometryToGeoJSON({ rings: [outerA, outerB, holeA, holeB] }, WGS84);
    expect(geometry).toEqual({
      type: 'MultiPolygon',
      coordinates: [
        [[...outerA].reverse(), [...holeA].reverse()],
        [[...outerB].reverse(), [...holeB].reverse()]
      ]
    });
    // An island inside a hole is a polygon of its own, not a hole of the big ring.
    const island = [[4, 4], [4, 6], [6, 6], [6, 4], [4, 4]];
    const nested = esriGeometryToGeoJSON({ rings: [outerA, holeA, island] }, WGS84) as { type: string; coordinates: number[][][][] };
    expect(nested.type).toBe('MultiPolygon');
    expect(nested.coordinates.map((p) => p.length)).toEqual([2, 1]);
    // Unclosed rings are closed.
    expect(esriGeometryToGeoJSON({ rings: [outerA.slice(0, 4)] }, WGS84)).toEqual({ type: 'Polygon', coordinates: [[...outerA].reverse()] });
  });

  it('always gives counter-clockwise exteriors and clockwise holes (property)', () => {
    const signed = (ring: number[][]) => ring.reduce((s, p, i) => s + (ring[(i + ring.length - 1) % ring.length]![0]! * p[1]! - p[0]! * ring[(i + ring.length - 1) % ring.length]![1]!), 0);
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), (count, withHoles) => {
      const rings: number[][][] = [];
      for (let i = 0; i < count; i++) {
        const x = i * 20;
        rings.push([[x, 0], [x, 10], [x + 10, 10], [x + 10, 0], [x, 0]]);
        if (withHoles) rings.push([[x + 2, 2], [x + 8, 2], [x + 8, 8], [x + 2, 8], [x + 2, 2]]);
      }
      const g = esriGeometryToGeoJSON({ rings }, WGS84) as { type: string; coordinates: unknown };
      const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
      expect(polygons).toHaveLength(count);
      for (const polygon of polygons) {
        expect(signed(polygon[0]!)).toBeGreaterThan(0);
        for (const hole of polygon.slice(1)) expect(signed(hole)).toBeLessThan(0);
      }
    }));
  });

  it('projects Web Mercator to WGS84 and tells other coordinate systems apart', () => {
    // EPSG:3857 forward formulas, inverted by the export.
    const R = 6378137;
    for (const [lon0, lat0] of [[-117.195, 34.057], [2.35, 48.85], [0, 0], [179.9, -84.9]] as const) {
      const [lon, lat] = webMercatorToWgs84((lon0 * Math.PI * R) / 180, R * Math.log(Math.tan(Math.PI / 4 + (lat0 * Math.PI) / 360)));
      expect(lon).toBeCloseTo(lon0, 9);
      expect(lat).toBeCloseTo(lat0, 9);
    }
    expect(coordinateHandling({ wkid: 102100, latestWkid: 3857 })).toEqual({ kind: 'webmercator' });
    expect(coordinateHandling({ wkid: 4326 })).toEqual({ kind: 'wgs84' });
    expect(coordinateHandling(undefined)).toEqual({ kind: 'wgs84' });
    expect(coordinateHandling({ wkid: 102645, latestWkid: 2229 })).toEqual({ kind: 'other', wkid: 2229 });
    const point = esriGeometryToGeoJSON({ x: 0, y: 0 }, { coordinates: { kind: 'webmercator' }, geometryType: 'esriGeometryPoint' });
    expect(point).toEqual({ type: 'Point', coordinates: [0, 0] });
  });
});

describe('CSV cells and safe names', () => {
  it('quotes as RFC 4180 says and neutralizes formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(undefined)).toBe('');
  });

  it('turns any name into a safe file-name part (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
      const part = safeNamePart(name, 'layer');
      expect(isSafeRelativePath(part)).toBe(true);
      expect(part).not.toMatch(/[\\/]/);
    }));
    expect(safeNamePart('../..', 'layer')).toBe('.._'); // trailing dots go: Windows would drop them
    expect(safeNamePart('CON', 'layer')).toBe('_CON');
    expect(safeNamePart('nul.txt', 'layer')).toBe('_nul.txt');
    expect(safeNamePart(' .. ', 'layer')).toBe('layer');
    expect(safeNamePart('Parcels 2024', 'layer')).toBe('Parcels 2024');
  });
});

/** A Writable that counts bytes and throws them away, slowly enough to make the writer wait. */
function sink(): { stream: Writable; bytes: () => number } {
  let bytes = 0;
  const stream = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      setImmediate(done);
    }
  });
  return { stream, bytes: () => bytes };
}

const EXPORT_INDEX = fileURLToPath(new URL('../src/backup/export/index.ts', import.meta.url));
const STORE_INDEX = fileURLToPath(new URL('../src/store/index.ts', import.meta.url));

/**
 * Run one export in a child Node whose JavaScript heap is capped far below the output size: if the exporter held the
 * layer (or the archive) in memory, V8 would abort with "heap out of memory". Returns the bytes written.
 */
async function exportWithCappedHeap(kind: 'geojson' | 'zip', storeDir: string, snapshotId: string, itemId: string, heapMb: number): Promise<number> {
  const script = `
    import { createWriteStream } from 'node:fs';
    import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
    const { exportItemZip, layerToGeoJSON } = await import(${JSON.stringify(EXPORT_INDEX)});
    const { openStore } = await import(${JSON.stringify(STORE_INDEX)});
    const store = await openStore(${JSON.stringify(storeDir)});
    let bytes = 0;
    const out = new Writable({ highWaterMark: 65536, write(chunk, _e, done) { bytes += chunk.length; setImmediate(done); } });
    if (${JSON.stringify(kind)} === 'geojson') await layerToGeoJSON(store, ${JSON.stringify(snapshotId)}, ${JSON.stringify(itemId)}, 0, out);
    else await exportItemZip(store, ${JSON.stringify(snapshotId)}, ${JSON.stringify(itemId)}, out);
    process.stdout.write(JSON.stringify({ bytes, heapUsed: process.memoryUsage().heapUsed }));
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', `--max-old-space-size=${heapMb}`, '--input-type=module', '-e', script], { maxBuffer: 1024 * 1024 });
  return (JSON.parse(stdout) as { bytes: number }).bytes;
}

describe('a large layer', () => {
  const CHUNKS = 150;
  const BIG = 'big00000000000000000000000000001';
  let t: Awaited<ReturnType<typeof tempStore>>;
  let store: Store;
  let snapshotId: string;

  async function layerOf(store: Store, id: number, spatialReference: unknown, chunks: number): Promise<LayerEntry> {
    const definition = await store.putJson({ id, name: `Parcels ${id}`, type: 'Feature Layer', geometryType: 'esriGeometryPolygon', objectIdField: 'OBJECTID', hasZ: false, hasM: false });
    const refs: FeatureChunk[] = [];
    for (let c = 0; c < chunks; c++) {
      const fromOid = c * CHUNK_OID_SPAN;
      const features = [];
      for (let oid = Math.max(1, fromOid); oid < fromOid + CHUNK_OID_SPAN; oid++) {
        const x = -13_000_000 + (oid % 1000) * 50;
        const y = 4_000_000 + Math.floor(oid / 1000) * 50;
        features.push({
          attributes: { OBJECTID: oid, apn: `APN-${oid.toString().padStart(9, '0')}`, owner_name: `Owner number ${oid}`, zoning: oid % 7 === 0 ? 'R-1' : 'C-2', assessed: oid * 1000.5, recorded: 1_700_000_000_000 + oid },
          geometry: { rings: [[[x, y], [x, y + 40], [x + 40, y + 40], [x + 40, y], [x, y]]] }
        });
      }
      const bytes = featureChunkBytes({ objectIdFieldName: 'OBJECTID', fromOid, toOid: fromOid + CHUNK_OID_SPAN - 1, geometryType: 'esriGeometryPolygon', spatialReference, features });
      const put = await store.blobs.put(bytes, { level: FEATURE_CHUNK_LEVEL });
      refs.push({ hash: put.hash, size: put.size, fromOid, toOid: fromOid + CHUNK_OID_SPAN - 1, count: features.length });
    }
    return { id, name: `Parcels ${id}`, kind: 'layer', definition: { hash: definition.hash, size: definition.size }, objectIdField: 'OBJECTID', featureCount: refs.reduce((n, c) => n + c.count, 0), chunks: refs, status: 'ok' };
  }

  beforeAll(async () => {
    t = await tempStore('orgkeeper-export-large-');
    store = t.store;
    const service = await store.putJson({ layers: [{ id: 0 }, { id: 1 }] });
    const item = await store.putJson({ id: BIG, title: 'Parcels' });
    const entry: ItemEntry = {
      id: BIG, title: 'Parcels', type: 'Feature Service', owner: 'admin', modified: Date.UTC(2026, 0, 1), status: 'ok',
      item: { hash: item.hash, size: item.size },
      sharing: { access: 'org', groups: [] },
      service: {
        url: 'https://services.example.com/arcgis/rest/services/Parcels/FeatureServer',
        definition: { hash: service.hash, size: service.size },
        layers: [await layerOf(store, 0, { wkid: 102100, latestWkid: 3857 }, CHUNKS), await layerOf(store, 1, { wkid: 102645, latestWkid: 2229 }, 1)]
      }
    };
    const items = await store.writeList('items', [entry]);
    const groups = await store.writeList('groups', []);
    const users = await store.writeList('users', []);
    const at = new Date();
    snapshotId = newSnapshotId(at);
    await store.writeSnapshot({
      format: MANIFEST_FORMAT, version: MANIFEST_VERSION, id: snapshotId, name: 'Large', org: { id: store.config.org.id, portalUrl: store.config.org.portalUrl },
      startedAt: at.toISOString(), finishedAt: at.toISOString(), status: 'complete', counts: { items: { ok: 1, skipped: 0, failed: 0 }, groups: 0, users: 0 },
      bytes: { read: 0, newStored: 0 }, lists: { items: items.pages, groups: groups.pages, users: users.pages }
    });
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it('streams 300,000 features as GeoJSON, all of them, in order, into a slow reader', async () => {
    const out = sink();
    const result = await layerToGeoJSON(store, snapshotId, BIG, 0, out.stream);
    expect(result.features).toBe(CHUNKS * CHUNK_OID_SPAN - 1);
    expect(out.bytes()).toBeGreaterThan(120 * 1024 * 1024);
  }, 120_000);

  it('exports that layer, as GeoJSON and inside a ZIP, with a JavaScript heap capped at 48 MB', async () => {
    // The GeoJSON is over 120 MB: holding it (or the parsed layer) would need several times the cap.
    expect(await exportWithCappedHeap('geojson', t.dir, snapshotId, BIG, 48)).toBeGreaterThan(120 * 1024 * 1024);
    expect(await exportWithCappedHeap('zip', t.dir, snapshotId, BIG, 48)).toBeGreaterThan(5 * 1024 * 1024);
  }, 120_000);

  it('keeps coordinates of other systems and names them in a crs member, with a warning', async () => {
    const parts: Buffer[] = [];
    const stream = new Writable({ write(chunk: Buffer, _e, done) { parts.push(chunk); done(); } });
    const result = await layerToGeoJSON(store, snapshotId, BIG, 1, stream);
    expect(result.crs).toBe('EPSG:2229');
    expect(result.warning).toMatch(/not Web Mercator or WGS84.*ogr2ogr/);
    const collection = JSON.parse(Buffer.concat(parts).toString('utf8')) as { crs: unknown; features: { geometry: { coordinates: number[][][] } }[] };
    expect(collection.crs).toEqual({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2229' } });
    expect(collection.features[0]!.geometry.coordinates[0]![0]).toEqual([-13_000_000 + 50, 4_000_000]);
  });
});
