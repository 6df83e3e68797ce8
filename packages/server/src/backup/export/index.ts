/**
 * Exports from backup snapshots: one item as a ZIP, one layer as GeoJSON, a snapshot's run log as CSV. Used by
 * `orgkeeper export`, `orgkeeper log --csv` and the REST API; each writes to a stream the caller owns (or a file).
 */
export { exportItemZip, type ItemZipOptions, type ItemZipResult } from './item-zip.js';
export { layerToGeoJSON, writeLayerGeoJSON, type GeoJSONExportResult } from './layer-geojson.js';
export { snapshotLogCsv, snapshotLogRow, entryParts, csvCell, csvRow, SNAPSHOT_LOG_COLUMNS, type SnapshotLogOptions } from './snapshot-log-csv.js';
export { esriGeometryToGeoJSON, esriFeatureToGeoJSON, coordinateHandling, webMercatorToWgs84, type CoordinateHandling, type GeometryOptions } from './esri-geojson.js';
export { findItemEntry, safeNamePart } from './export-support.js';
