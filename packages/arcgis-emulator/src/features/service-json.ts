/**
 * The JSON of the service resource (`<service>?f=json`), the layer resource (`<layer>?f=json`) and `/layers`,
 * shaped after ArcGIS Online / Enterprise hosted feature services (Esri's REST docs and captured responses).
 */
import { type EmulatorContext } from '../context.js';
import { type HostedLayer, type HostedService, capabilitiesOf } from './types.js';
import { EDITOR_TRACKING_FIELDS } from './layer-builder.js';
import { dataLayerOf, isViewService, relationshipsOf, viewsOf } from './view-layer.js';

/** What `currentVersion` hosted services report (ArcGIS Online at the end of 2025; Enterprise 11.3). */
export function currentVersion(emu: EmulatorContext): number {
  return emu.options.kind === 'online' ? 11.5 : 11.3;
}

/** Query formats the emulator really produces (PBF is not implemented, so it is not advertised). */
export const SUPPORTED_QUERY_FORMATS = 'JSON, geoJSON';

function isEditable(service: HostedService): boolean {
  const caps = capabilitiesOf(service);
  return caps.some((c) => c === 'Create' || c === 'Update' || c === 'Delete' || c === 'Editing');
}

export function serviceJson(emu: EmulatorContext, service: HostedService): Record<string, unknown> {
  const caps = capabilitiesOf(service);
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id);
  const tracking = layers.some((l) => l.editorTracking);
  const json: Record<string, unknown> = {
    currentVersion: currentVersion(emu),
    serviceItemId: service.itemId,
    serviceDescription: service.definition.serviceDescription ?? '',
    hasVersionedData: false,
    supportsDisconnectedEditing: false,
    hasStaticData: !isEditable(service),
    hasSharedDomains: false,
    maxRecordCount: service.definition.maxRecordCount,
    supportedQueryFormats: SUPPORTED_QUERY_FORMATS,
    supportsVCSProjection: false,
    supportedExportFormats: '',
    capabilities: service.definition.capabilities,
    description: service.definition.description ?? '',
    copyrightText: service.definition.copyrightText ?? '',
    spatialReference: service.spatialReference,
    initialExtent: service.definition.initialExtent ?? null,
    fullExtent: service.definition.fullExtent ?? null,
    allowGeometryUpdates: service.definition.allowGeometryUpdates ?? true,
    units: service.definition.units,
    supportsAppend: true,
    supportsSharedDomains: true,
    supportsWebHooks: true,
    supportsTemporalLayers: true,
    layerOverridesEnabled: true,
    syncEnabled: caps.includes('Sync'),
    supportsApplyEditsWithGlobalIds: true,
    supportsReturnDeleteResults: true,
    supportsLayerOverrides: true,
    supportsTilesAndBasicQueriesMode: true,
    supportsQueryContingentValues: true,
    supportedContingentValuesFormats: 'JSON, PBF',
    supportsContingentValuesJson: 2,
    supportsRelationshipsResource: true,
    editorTrackingInfo: {
      enableEditorTracking: tracking,
      enableOwnershipAccessControl: false,
      allowOthersToQuery: true,
      allowOthersToUpdate: true,
      allowOthersToDelete: true,
      allowAnonymousToQuery: true,
      allowAnonymousToUpdate: true,
      allowAnonymousToDelete: true
    },
    xssPreventionInfo: { xssPreventionEnabled: true, xssPreventionRule: 'InputOnly', xssInputRule: 'rejectInvalid' },
    layers: layers.filter((l) => l.kind === 'layer').map(layerEntry),
    tables: layers.filter((l) => l.kind === 'table').map(layerEntry),
    relationships: serviceRelationships(emu, service),
    enableZDefaults: false,
    isLocationTrackingService: false,
    isLocationTrackingView: false,
    isIndoorsService: false,
    size: Number(service.definition.size ?? 0)
  };
  if (caps.includes('ChangeTracking')) {
    json.extractChangesCapabilities = {
      supportsReturnIdsOnly: true,
      supportsReturnExtentOnly: false,
      supportsReturnAttachments: false,
      supportsLayerQueries: true,
      supportsGeometry: true,
      supportsFeatureReturn: true,
      supportsReturnHasGeometryUpdates: false,
      supportsReturnDeletedFeatures: false,
      supportsServerGens: true,
      supportsFieldsToCompare: false
    };
    json.changeTrackingInfo = changeTrackingInfo(emu, service);
  }
  // A source service says it has views (the ArcGIS API for Python's clone_items drops `hasViews` before recreating).
  if (!isViewService(service) && viewsOf(emu, service).length > 0) json.hasViews = true;
  // Pass-through properties given at creation that the emulator does not compute.
  for (const [k, v] of Object.entries(service.definition)) if (!(k in json) && k !== 'name') json[k] = v;
  return json;
}

export function changeTrackingInfo(emu: EmulatorContext, service: HostedService): Record<string, unknown> {
  // A view's layers change when their source's rows do.
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id).map((l) => dataLayerOf(emu, service, l));
  return {
    lastSyncDate: Math.max(...layers.map((l) => l.layer.dataLastEditDate), service.created),
    layerServerGens: layers.map((l) => ({ id: l.layer.id, minServerGen: l.service.minServerGen, serverGen: l.layer.serverGen }))
  };
}

function layerEntry(layer: HostedLayer): Record<string, unknown> {
  const d = layer.definition;
  const entry: Record<string, unknown> = {
    id: layer.id,
    name: d.name,
    parentLayerId: -1,
    defaultVisibility: d.defaultVisibility ?? true,
    subLayerIds: null,
    minScale: d.minScale ?? 0,
    maxScale: d.maxScale ?? 0
  };
  if (layer.geometryType) entry.geometryType = layer.geometryType;
  return entry;
}

/** Service-level relationship classes, from the origin side of each layer relationship. */
function serviceRelationships(emu: EmulatorContext, service: HostedService): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const layer of service.layers.values()) {
    for (const r of relationshipsOf(emu, service, layer)) {
      if (r.role !== 'esriRelRoleOrigin') continue;
      const dest = service.layers.get(r.relatedTableId);
      const back = dest ? relationshipsOf(emu, service, dest).find((x) => x.id === r.id) : undefined;
      out.push({
        id: r.id,
        name: r.name,
        backwardPathLabel: back?.name ?? '',
        originLayerId: layer.id,
        originPrimaryKey: r.keyField,
        forwardPathLabel: r.name,
        destinationLayerId: r.relatedTableId,
        originForeignKey: back?.keyField ?? '',
        relationshipTableId: r.relationshipTableId ?? -1,
        destinationPrimaryKey: '',
        destinationForeignKey: '',
        rules: [],
        cardinality: r.cardinality,
        attributed: false,
        composite: r.composite ?? false
      });
    }
  }
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

export function layerJson(emu: EmulatorContext, service: HostedService, viewOrLayer: HostedLayer): Record<string, unknown> {
  // A view layer describes its source's rows as the view shows them: visible fields, source geometry and dates.
  const data = dataLayerOf(emu, service, viewOrLayer);
  const layer = data.layer;
  const d = layer.definition;
  const caps = String(service.definition.capabilities ?? '');
  const json: Record<string, unknown> = {
    currentVersion: currentVersion(emu),
    id: layer.id,
    name: d.name,
    type: layer.kind === 'table' ? 'Table' : 'Feature Layer',
    serviceItemId: service.itemId,
    cacheMaxAge: 30,
    displayField: d.displayField,
    description: d.description ?? '',
    copyrightText: d.copyrightText ?? '',
    defaultVisibility: d.defaultVisibility ?? true,
    editingInfo: {
      lastEditDate: layer.lastEditDate,
      schemaLastEditDate: layer.schemaLastEditDate,
      dataLastEditDate: layer.dataLastEditDate
    },
    isDataVersioned: false,
    hasContingentValuesDefinition: false,
    supportsAppend: true,
    supportsCalculate: true,
    supportsASyncCalculate: true,
    supportsTruncate: true,
    supportsAttachmentsByUploadId: true,
    supportsAttachmentsResizing: true,
    supportsRollbackOnFailureParameter: true,
    supportsStatistics: true,
    supportsExceedsLimitStatistics: true,
    supportsAdvancedQueries: true,
    supportsValidateSql: true,
    supportsLayerOverrides: true,
    supportsTilesAndBasicQueriesMode: true,
    supportsFieldDescriptionProperty: true,
    supportsQuantizationEditMode: true,
    supportsApplyEditsWithGlobalIds: true,
    supportsReturningQueryGeometry: true,
    advancedQueryCapabilities: {
      supportsPagination: true,
      supportsPaginationOnAggregatedQueries: true,
      supportsQueryRelatedPagination: true,
      supportsQueryWithDistance: true,
      supportsReturningQueryExtent: true,
      supportsStatistics: true,
      supportsOrderBy: true,
      supportsDistinct: true,
      supportsQueryWithResultType: true,
      supportsSqlExpression: true,
      supportsAdvancedQueryRelated: true,
      supportsCountDistinct: true,
      supportsPercentileStatistics: true,
      supportsLod: true,
      supportsQueryWithLodSR: false,
      supportedLodTypes: ['geohash'],
      supportsReturningGeometryCentroid: false,
      supportsQueryWithDatumTransformation: true,
      supportsHavingClause: true,
      supportsOutFieldSQLExpression: true,
      supportsMaxRecordCountFactor: true,
      supportsTopFeaturesQuery: true,
      supportsDisjointSpatialRel: true,
      supportsQueryWithCacheHint: true,
      supportsQueryAttachments: true,
      supportsQueryAttachmentsWithReturnUrl: true
    },
    useStandardizedQueries: true
  };
  if (layer.geometryType) {
    json.geometryType = layer.geometryType;
    json.minScale = d.minScale ?? 0;
    json.maxScale = d.maxScale ?? 0;
    json.extent = d.extent ?? null;
    json.drawingInfo = d.drawingInfo;
    json.allowGeometryUpdates = service.definition.allowGeometryUpdates ?? true;
  }
  Object.assign(json, {
    hasAttachments: d.hasAttachments ?? false,
    htmlPopupType: 'esriServerHTMLPopupTypeNone',
    hasM: d.hasM ?? false,
    hasZ: d.hasZ ?? false,
    objectIdField: layer.objectIdField,
    uniqueIdField: { name: layer.objectIdField, isSystemMaintained: true },
    globalIdField: layer.globalIdField ?? '',
    typeIdField: d.typeIdField ?? null,
    dateFieldsTimeReference: { timeZone: 'UTC', respectsDaylightSaving: false },
    preferredTimeReference: null,
    fields: layer.fields,
    indexes: d.indexes ?? [],
    types: d.types ?? [],
    templates: d.templates ?? [],
    supportedQueryFormats: SUPPORTED_QUERY_FORMATS,
    supportedAppendFormats: 'geojson',
    supportedExportFormats: '',
    supportedSpatialRelationships: ['esriSpatialRelIntersects', 'esriSpatialRelEnvelopeIntersects'],
    supportedContingentValuesFormats: 'JSON, PBF',
    supportedSyncDataOptions: 3,
    hasStaticData: !isEditable(service),
    maxRecordCount: d.maxRecordCount,
    standardMaxRecordCount: 32000,
    standardMaxRecordCountNoGeometry: 32000,
    tileMaxRecordCount: 8000,
    maxRecordCountFactor: 1,
    capabilities: caps,
    relationships: d.relationships ?? [],
    serverGens: { minServerGen: data.service.minServerGen, serverGen: layer.serverGen }
  });
  if (viewOrLayer.view) {
    json.isView = true;
    json.isUpdatableView = service.definition.isUpdatableView !== false;
    json.sourceSchemaChangesAllowed = service.definition.sourceSchemaChangesAllowed !== false;
    json.viewDefinitionQuery = String(d.viewDefinitionQuery ?? '');
  } else if (viewsOf(emu, service, viewOrLayer.id).length > 0) {
    json.hasViews = true;
  }
  if (layer.geometryType) {
    json.geometryField = { name: 'Shape', type: 'esriFieldTypeGeometry', alias: 'Shape', domain: null, editable: true, nullable: true, defaultValue: null };
  }
  if (layer.editorTracking) {
    json.editFieldsInfo = { ...EDITOR_TRACKING_FIELDS };
    json.ownershipBasedAccessControlForFeatures = null;
  }
  if (d.hasAttachments) {
    json.attachmentProperties = [
      { name: 'name', isEnabled: true },
      { name: 'size', isEnabled: true },
      { name: 'contentType', isEnabled: true },
      { name: 'keywords', isEnabled: true }
    ];
    json.attachmentFields = [
      { name: 'EXIFINFO', type: 'esriFieldTypeBlob', alias: 'EXIFINFO', domain: null, editable: true, nullable: true, defaultValue: null },
      { name: 'KEYWORDS', type: 'esriFieldTypeString', alias: 'KEYWORDS', domain: null, editable: true, nullable: true, length: 64, defaultValue: null }
    ];
    json.supportedAttachmentTypes = ['*'];
  }
  // Pass-through properties of the definition that are not computed above (timeInfo, popupInfo, ...).
  for (const [k, v] of Object.entries(d)) if (!(k in json)) json[k] = v;
  return json;
}
