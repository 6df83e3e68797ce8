/**
 * A backed-up layer or table as one RFC 7946 GeoJSON FeatureCollection, written chunk by chunk: one feature chunk blob
 * (at most CHUNK_OID_SPAN features) is in memory at a time, whatever the layer's size.
 *
 * Coordinates: Web Mercator (102100/3857) is reprojected to WGS84 as RFC 7946 requires, WGS84 is kept. Any other
 * coordinate system is NOT reprojected (that needs a projection engine and datum transformations OrgKeeper does not
 * ship): coordinates are kept as stored and the collection carries a `crs` member naming the system
 * (`urn:ogc:def:crs:EPSG::<wkid>`, the GeoJSON 2008 form GDAL and QGIS read), and the result says so, so the caller can
 * warn. Properties are the attributes as ArcGIS stored them: dates stay epoch milliseconds, exactly as ArcGIS's own
 * `query?f=geojson` answers.
 */
import type { Writable } from 'node:stream';
import { AppError } from '../../errors/app-error.js';
import { type LayerEntry, type Store, StoreError } from '../../store/index.js';
import { FEATURE_CHUNK_FORMAT, type FeatureChunkContent, featureOid } from '../../store/feature-chunks.js';
import { type CoordinateHandling, type GeometryOptions, coordinateHandling, esriFeatureToGeoJSON } from './esri-geojson.js';
import { findItemEntry, writeChunk } from './export-support.js';

export interface GeoJSONExportResult {
  layerId: number;
  features: number;
  /** `EPSG:4326` when the output is WGS84 (RFC 7946), otherwise the system the coordinates were kept in. */
  crs: string;
  /** Set when the coordinates are not WGS84 (a viewer expecting RFC 7946 will misplace them). */
  warning?: string;
}

/** Definition fields the conversion needs. */
interface LayerDefinition {
  geometryType?: string;
  hasZ?: boolean;
  hasM?: boolean;
  objectIdField?: string;
  extent?: { spatialReference?: unknown };
  sourceSpatialReference?: unknown;
}

function crsName(handling: CoordinateHandling): string {
  if (handling.kind !== 'other') return 'EPSG:4326';
  return handling.wkid !== undefined ? `EPSG:${handling.wkid}` : 'a custom coordinate system (WKT)';
}

/** Write one backed-up layer of an item as GeoJSON. `not_found` when the snapshot has no such item or layer. */
export async function layerToGeoJSON(store: Store, snapshotId: string, itemId: string, layerId: number, out: Writable): Promise<GeoJSONExportResult> {
  const { entry } = await findItemEntry(store, snapshotId, itemId);
  const layer = entry.service?.layers.find((l) => l.id === layerId);
  if (!layer) {
    const ids = entry.service?.layers.map((l) => l.id) ?? [];
    throw new AppError('not_found', ids.length === 0
      ? `Item ${itemId} in snapshot ${snapshotId} holds no hosted layers.`
      : `Item ${itemId} in snapshot ${snapshotId} has no layer ${layerId}; its layers and tables are ${ids.join(', ')}.`);
  }
  return writeLayerGeoJSON(store, layer, out);
}

/** Write a layer entry's features as GeoJSON (used by layerToGeoJSON and the item ZIP). Does not end `out`. */
export async function writeLayerGeoJSON(store: Store, layer: LayerEntry, out: Writable): Promise<GeoJSONExportResult> {
  const definition = await store.getJson<LayerDefinition>(layer.definition.hash);
  const chunks = [...layer.chunks].sort((a, b) => a.fromOid - b.fromOid);
  // The spatial reference the features were stored in: the chunks say it (query answers carry it); the definition is the
  // fallback for a layer whose chunks are all empty.
  let handling: CoordinateHandling | undefined;
  const options = (content: FeatureChunkContent | undefined): GeometryOptions => {
    handling ??= coordinateHandling(content?.spatialReference ?? definition.extent?.spatialReference ?? definition.sourceSpatialReference);
    return { geometryType: content?.geometryType ?? definition.geometryType, coordinates: handling, hasZ: definition.hasZ, hasM: definition.hasM };
  };

  let first: FeatureChunkContent | undefined;
  if (chunks[0]) first = await readChunk(store, chunks[0].hash);
  const head = options(first).coordinates;
  let header = '{"type":"FeatureCollection"';
  if (head.kind === 'other' && head.wkid !== undefined) {
    header += `,"crs":${JSON.stringify({ type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${head.wkid}` } })}`;
  }
  header += ',"features":[';
  await writeChunk(out, header);

  let count = 0;
  for (let i = 0; i < chunks.length; i++) {
    const content = i === 0 ? first! : await readChunk(store, chunks[i]!.hash);
    if (i === 0) first = undefined; // let the first chunk be collected like the others
    const geometry = options(content);
    const oidField = content.objectIdFieldName || layer.objectIdField || definition.objectIdField || 'OBJECTID';
    // One write per chunk: cheap, and still bounded by the chunk size.
    const parts: string[] = [];
    for (const feature of content.features) {
      let oid: number | undefined;
      try {
        oid = featureOid(feature, oidField);
      } catch {
        oid = undefined;
      }
      parts.push(JSON.stringify(esriFeatureToGeoJSON(feature, oid, geometry)));
    }
    if (parts.length > 0) {
      await writeChunk(out, (count > 0 ? ',' : '') + parts.join(','));
      count += parts.length;
    }
  }
  await writeChunk(out, ']}');

  const result: GeoJSONExportResult = { layerId: layer.id, features: count, crs: crsName(head) };
  if (head.kind === 'other') {
    result.warning = `Layer ${layer.id} is stored in ${crsName(head)}, not Web Mercator or WGS84: its GeoJSON keeps those coordinates (named in its "crs" member) instead of longitude/latitude. Reproject it (for example with ogr2ogr -t_srs EPSG:4326) before using it where RFC 7946 GeoJSON is expected.`;
  }
  return result;
}

async function readChunk(store: Store, hash: string): Promise<FeatureChunkContent> {
  const content = await store.getJson<FeatureChunkContent>(hash);
  if (content === null || typeof content !== 'object' || content.format !== FEATURE_CHUNK_FORMAT || !Array.isArray(content.features)) {
    throw new StoreError('store_corrupt', `Blob ${hash} is not a feature chunk (format "${FEATURE_CHUNK_FORMAT}"). Run orgkeeper check to see what it affects.`);
  }
  return content;
}
