/**
 * What a recreated service is created from: `createParameters` from the backed-up service JSON, and each layer's and
 * table's definition for `addToDefinition`, with what ArcGIS computes or manages itself taken out (ArcGIS rejects
 * or ignores those, and an old value such as `editingInfo` or `serviceItemId` would be wrong on the new service).
 */

/** Service JSON properties createService takes. */
const CREATE_PARAMETER_KEYS = [
  'serviceDescription',
  'description',
  'copyrightText',
  'hasStaticData',
  'maxRecordCount',
  'supportedQueryFormats',
  'capabilities',
  'spatialReference',
  'initialExtent',
  'fullExtent',
  'allowGeometryUpdates',
  'units',
  'xssPreventionInfo',
  'editorTrackingInfo',
  'syncEnabled',
  'syncCapabilities',
  'zDefault',
  'enableZDefaults'
] as const;

/** Capabilities a restore needs while it writes features and attachments; the original ones are set back after. */
export const EDITING_CAPABILITIES = ['Create', 'Delete', 'Query', 'Update', 'Editing'];

export function capabilityList(capabilities: unknown): string[] {
  return typeof capabilities === 'string' ? capabilities.split(',').map((c) => c.trim()).filter((c) => c !== '') : [];
}

/** The original capabilities plus what editing needs, or undefined when they already allow it. */
export function withEditing(capabilities: unknown): string | undefined {
  const list = capabilityList(capabilities);
  const missing = EDITING_CAPABILITIES.filter((c) => !list.some((x) => x.toLowerCase() === c.toLowerCase()));
  return missing.length === 0 ? undefined : [...list, ...missing].join(',');
}

export function createParameters(service: Record<string, unknown>, name: string): Record<string, unknown> {
  const params: Record<string, unknown> = { name };
  for (const key of CREATE_PARAMETER_KEYS) if (service[key] !== undefined && service[key] !== null) params[key] = service[key];
  // Writable while the data is restored; the original capabilities are put back at the end.
  params.capabilities = withEditing(service.capabilities) ?? service.capabilities ?? EDITING_CAPABILITIES.join(',');
  params.hasStaticData = false;
  // Sync needs the capability too; it comes back with the original capabilities.
  delete params.syncEnabled;
  return params;
}

/** Layer properties ArcGIS computes, reports about the current data or state, or refuses in addToDefinition. */
const LAYER_MANAGED_KEYS = new Set([
  'currentVersion',
  'serviceItemId',
  'cacheMaxAge',
  'editingInfo',
  'serverGens',
  'adminLayerInfo',
  'uniqueIdField',
  'isDataVersioned',
  'isDataArchived',
  'isDataBranchVersioned',
  'isDataReplicaTracked',
  'isCoGoEnabled',
  'isView',
  'isUpdatableView',
  'isMultiServicesView',
  'sourceSchemaChangesAllowed',
  'hasViews',
  'viewSourceHasAttachments',
  'parentLayer',
  'subLayers',
  'standardMaxRecordCount',
  'standardMaxRecordCountNoGeometry',
  'tileMaxRecordCount',
  'maxRecordCountFactor',
  'supportedQueryFormats',
  'supportedAppendFormats',
  'supportedExportFormats',
  'supportedSpatialRelationships',
  'supportedContingentValuesFormats',
  'supportedSyncDataOptions',
  'supportedAttachmentTypes',
  'advancedQueryCapabilities',
  'ownershipBasedAccessControlForFeatures',
  'dateFieldsTimeReference',
  'preferredTimeReference',
  'useStandardizedQueries',
  'capabilities',
  'hasContingentValuesDefinition',
  'archivingInfo',
  'attachmentFields',
  'attachmentProperties',
  'geometryField',
  'htmlPopupType',
  'hasStaticData'
]);

/** A layer definition as addToDefinition takes it (same id, fields, domains, drawing info, relationships, ...). */
export function layerDefinitionForAdd(definition: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(definition)) {
    if (LAYER_MANAGED_KEYS.has(key) || /^supports/.test(key)) continue;
    out[key] = value;
  }
  // ArcGIS Online adds and computes the area and length fields of polygon and line layers itself.
  if (Array.isArray(out.fields)) out.fields = (out.fields as FieldInfo[]).filter((f) => !SYSTEM_FIELD.test(String(f?.name)));
  return out;
}

const SYSTEM_FIELD = /^shape__(area|length)$/i;

/**
 * Properties left out when a restored layer's definition is compared with the backed-up one: the ones the server
 * manages (dates, generations, ids of the new service), as listed above.
 */
export function comparableLayerDefinition(definition: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(definition)) {
    if (key === 'editingInfo' || key === 'serverGens' || key === 'serviceItemId' || key === 'currentVersion') continue;
    out[key] = value;
  }
  return out;
}

export interface FieldInfo {
  name: string;
  type: string;
  editable?: boolean;
}

/** What a restore writes of a layer's features, from its definition. */
export interface LayerWriteInfo {
  oidField: string;
  globalIdField: string | undefined;
  /** Field names (lower case) the server fills in itself: object id, global id (unless sent with useGlobalIds),
   * editor tracking, and fields that are not editable (Shape__Area, Shape__Length). */
  managed: Set<string>;
  geometry: boolean;
  hasAttachments: boolean;
  maxRecordCount: number;
  /** GUID fields (lower case): the keys that point at other features' GlobalIDs in relationships. */
  guidFields: Set<string>;
}

export function layerWriteInfo(definition: Record<string, unknown>): LayerWriteInfo {
  const fields = (Array.isArray(definition.fields) ? definition.fields : []) as FieldInfo[];
  const oidField = (typeof definition.objectIdField === 'string' && definition.objectIdField) || fields.find((f) => f.type === 'esriFieldTypeOID')?.name || 'OBJECTID';
  const globalIdField = (typeof definition.globalIdField === 'string' && definition.globalIdField) || fields.find((f) => f.type === 'esriFieldTypeGlobalID')?.name || undefined;
  const managed = new Set<string>([oidField.toLowerCase()]);
  if (globalIdField) managed.add(globalIdField.toLowerCase());
  const tracking = definition.editFieldsInfo as Record<string, unknown> | undefined | null;
  if (tracking) for (const key of ['creationDateField', 'creatorField', 'editDateField', 'editorField']) if (typeof tracking[key] === 'string') managed.add((tracking[key] as string).toLowerCase());
  for (const f of fields) if (f.editable === false && f.type !== 'esriFieldTypeGlobalID') managed.add(f.name.toLowerCase());
  const max = typeof definition.maxRecordCount === 'number' && definition.maxRecordCount > 0 ? definition.maxRecordCount : 1000;
  return {
    oidField,
    globalIdField,
    managed,
    geometry: typeof definition.geometryType === 'string' && definition.geometryType !== '',
    hasAttachments: definition.hasAttachments === true,
    maxRecordCount: max,
    guidFields: new Set(fields.filter((f) => f.type === 'esriFieldTypeGUID').map((f) => f.name.toLowerCase()))
  };
}
