/**
 * Hosted feature services: the model the state holds (by lower-cased service name) and the spec the seed and
 * `createService` build them from. JSON shapes follow ArcGIS's service and layer resources.
 */
import { type Access, type Blob, type Feature } from '../state/types.js';
import { type AttachmentStore } from './attachment-store.js';
import { type FeatureStore } from './feature-store.js';

export type { Feature };

export type GeometryType = 'esriGeometryPoint' | 'esriGeometryMultipoint' | 'esriGeometryPolyline' | 'esriGeometryPolygon';

export type FieldType =
  | 'esriFieldTypeOID'
  | 'esriFieldTypeGlobalID'
  | 'esriFieldTypeGUID'
  | 'esriFieldTypeString'
  | 'esriFieldTypeInteger'
  | 'esriFieldTypeSmallInteger'
  | 'esriFieldTypeBigInteger'
  | 'esriFieldTypeDouble'
  | 'esriFieldTypeSingle'
  | 'esriFieldTypeDate'
  | 'esriFieldTypeDateOnly'
  | 'esriFieldTypeTimeOnly'
  | 'esriFieldTypeTimestampOffset'
  | 'esriFieldTypeXML'
  | 'esriFieldTypeBlob'
  | 'esriFieldTypeRaster'
  | 'esriFieldTypeGeometry';

export interface CodedValueDomain {
  type: 'codedValue';
  name: string;
  description?: string;
  codedValues: { name: string; code: string | number }[];
  mergePolicy?: string;
  splitPolicy?: string;
}

export interface RangeDomain {
  type: 'range';
  name: string;
  description?: string;
  range: [number, number];
  mergePolicy?: string;
  splitPolicy?: string;
}

export type Domain = CodedValueDomain | RangeDomain | { type: 'inherited' };

/** A field as the layer resource lists it. */
export interface FieldDef {
  name: string;
  type: FieldType;
  alias: string;
  sqlType: string;
  length?: number;
  nullable: boolean;
  editable: boolean;
  domain: Domain | null;
  defaultValue: unknown;
  [extra: string]: unknown;
}

/** A field in a spec: only `name` and `type` are required; the rest gets ArcGIS's defaults. */
export interface FieldSpec {
  name: string;
  type: FieldType;
  alias?: string;
  sqlType?: string;
  length?: number;
  nullable?: boolean;
  editable?: boolean;
  domain?: Domain | null;
  defaultValue?: unknown;
  /** Other field properties (e.g. `description`) passed through. */
  [extra: string]: unknown;
}

export interface SpatialReference {
  wkid?: number;
  latestWkid?: number;
  wkt?: string;
}

export interface Extent {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  spatialReference?: SpatialReference;
}

/** Features produced on demand from their objectId, for layers too big to hold (scaled orgs). */
export interface LazyFeatures {
  /** ObjectIds 1..count exist until deleted. */
  count: number;
  /**
   * Must be deterministic: the same oid always gives the same feature. Attributes need not contain the objectId or
   * globalId fields (they are filled in); geometry is in `featuresSpatialReference` (default: the service's).
   */
  generate(oid: number): Feature;
}

/** An attachment in a spec. `data` or `blob` gives the bytes. */
export interface AttachmentSpec {
  name: string;
  contentType: string;
  data?: Buffer | string;
  /** Lazy bytes (the size is known up front). */
  blob?: Blob;
  keywords?: string;
  globalId?: string;
}

/** Attachments of a lazy layer, computed per feature and deterministic. */
export interface LazyAttachments {
  /** At most this many attachments per feature (attachment ids are derived from oid * perFeatureMax + index). */
  perFeatureMax: number;
  generate(oid: number): AttachmentSpec[];
}

export interface RelationshipDef {
  id: number;
  name: string;
  relatedTableId: number;
  cardinality: 'esriRelCardinalityOneToOne' | 'esriRelCardinalityOneToMany' | 'esriRelCardinalityManyToMany';
  role: 'esriRelRoleOrigin' | 'esriRelRoleDestination';
  keyField: string;
  composite?: boolean;
  relationshipTableId?: number;
  keyFieldInRelationshipTable?: string;
  [extra: string]: unknown;
}

export interface LayerSpec {
  /** Defaults to the position among layers then tables. */
  id?: number;
  name: string;
  description?: string;
  copyrightText?: string;
  /** Absent for tables. */
  geometryType?: GeometryType;
  /** Default 'OBJECTID' (added when no esriFieldTypeOID field is given). */
  objectIdField?: string;
  /** Default 'GlobalID' (added when no esriFieldTypeGlobalID field is given); `null` for a layer without global ids. */
  globalIdField?: string | null;
  displayField?: string;
  fields?: FieldSpec[];
  drawingInfo?: Record<string, unknown>;
  relationships?: RelationshipDef[];
  indexes?: Record<string, unknown>[];
  typeIdField?: string | null;
  types?: Record<string, unknown>[];
  templates?: Record<string, unknown>[];
  hasAttachments?: boolean;
  /** Adds the editor-tracking fields (CreationDate, Creator, EditDate, Editor) and maintains them on edits. */
  editorTracking?: boolean;
  hasZ?: boolean;
  hasM?: boolean;
  minScale?: number;
  maxScale?: number;
  defaultVisibility?: boolean;
  maxRecordCount?: number;
  extent?: Extent;
  /** Any other layer-definition properties to pass through as they are. */
  extra?: Record<string, unknown>;
  features?: Feature[] | LazyFeatures;
  /** Attachments by the feature's objectId, or a generator (lazy layers). */
  attachments?: Record<number, AttachmentSpec[]> | LazyAttachments;
}

/**
 * Where a view layer takes its rows and fields from (`adminLayerInfo.viewLayerDefinition` of addToDefinition on a
 * service created with `isView`). A view layer holds no rows of its own: queries and edits go to the source layer.
 */
export interface ViewLayerSource {
  /** The source service's name, as in its URL. */
  sourceServiceName: string;
  sourceLayerId: number;
  /** Lower-cased names of the source fields the view hides (`updateDefinition` with `fields: [{name, visible: false}]`). */
  hiddenFields: string[];
  /** Field properties the view overrides (alias, domain, description, ...), by lower-cased field name. */
  fieldOverrides: Record<string, Record<string, unknown>>;
  /** `viewLayerDefinition.filter`: features must intersect this geometry (kept as sent, in its spatial reference). */
  filter: ViewSpatialFilter | null;
  /**
   * Set on a join view layer (`viewLayerDefinition.table`, join-view.ts): the main table (also named by
   * `sourceServiceName` and `sourceLayerId` above) and the tables joined to it. Such a layer hides no field and has
   * no overrides: its fields are those the join names.
   */
  join?: ViewJoin;
}

/** A field of a join view: its name in the view, the source field it shows (`source`), its alias. */
export interface ViewJoinField {
  name: string;
  source: string;
  alias?: string;
}

/** One table of a join view (`viewLayerDefinition.table` or one of its `relatedTables`). */
export interface ViewJoinTable {
  /** The name the definition gives the table (Esri: "an alias sometimes used to reference this table"). */
  name?: string;
  sourceServiceName: string;
  sourceLayerId: number;
  /** The fields the view shows from this table. */
  fields: ViewJoinField[];
}

/** `topFilter`: per group of rows with the same `groupByFields`, the first `topCount` in `orderByFields` order. */
export interface ViewTopFilter {
  groupByFields: string;
  orderByFields: string;
  topCount: number;
}

/** A table joined to the main table of a join view. */
export interface ViewJoinRelated extends ViewJoinTable {
  type: 'INNER' | 'LEFT';
  /** Fields of the main table matched, in order, with `keyFields` of this one. */
  parentKeyFields: string[];
  keyFields: string[];
  topFilter?: ViewTopFilter;
}

/** A join view layer's definition: the main table and the tables joined to it. */
export interface ViewJoin extends ViewJoinTable {
  relatedTables: ViewJoinRelated[];
  /** `materialized` as sent (false when not): the emulator always joins at query time. */
  materialized: boolean;
}

/** A view's spatial filter (`{"operator": "esriSpatialRelIntersects", "value": {"geometryType", "geometry"}}`). */
export interface ViewSpatialFilter {
  operator: 'esriSpatialRelIntersects';
  value: { geometryType: string; geometry: Record<string, unknown> };
}

export interface HostedServiceSpec {
  /** The service name in its URL (letters, digits, underscores). Unique in the organization, case-insensitively. */
  name: string;
  /** The item title; defaults to the name. */
  title?: string;
  owner: string;
  folderId?: string | null;
  /** The item id; a new one when absent. */
  itemId?: string;
  access?: Access;
  /** Groups the item is shared with. */
  groups?: string[];
  description?: string | null;
  snippet?: string | null;
  tags?: string[];
  serviceDescription?: string;
  copyrightText?: string;
  /** Default 'Create,Delete,Query,Update,Editing' (what ArcGIS gives a new hosted feature layer). */
  capabilities?: string;
  maxRecordCount?: number;
  /** Default Web Mercator {wkid:102100, latestWkid:3857}. */
  spatialReference?: SpatialReference;
  /** The spatial reference the spec's geometries are in, when not the service's (e.g. {wkid: 4326}). */
  featuresSpatialReference?: SpatialReference;
  initialExtent?: Extent;
  fullExtent?: Extent;
  /** Creation time (ms); default: the emulator's clock. */
  created?: number;
  modified?: number;
  /** Extra item JSON properties (numViews, categories, contentStatus, ...). */
  itemExtra?: Record<string, unknown>;
  /** Type keywords added to the ones every hosted service item gets (e.g. `Survey123`, the form's id). */
  typeKeywords?: string[];
  /** Extra service-definition properties passed through. */
  extra?: Record<string, unknown>;
  layers?: LayerSpec[];
  tables?: LayerSpec[];
}

/** One layer or table of a hosted service. */
export interface HostedLayer {
  id: number;
  kind: 'layer' | 'table';
  /**
   * The layer definition as `<layer>?f=json` answers it, minus the parts computed on each request (`editingInfo`,
   * `serverGens`, `capabilities`, ...). Fields live in `fields` below.
   */
  definition: Record<string, unknown>;
  fields: FieldDef[];
  objectIdField: string;
  globalIdField: string | null;
  geometryType: GeometryType | null;
  editorTracking: boolean;
  store: FeatureStore;
  attachments: AttachmentStore;
  lastEditDate: number;
  schemaLastEditDate: number;
  dataLastEditDate: number;
  /** Server generation of the layer's last data change (change tracking). */
  serverGen: number;
  /**
   * Set on the layers of a view service: where the rows come from. Such a layer's own `store` and `attachments`
   * stay empty; requests read and edit the source through `dataLayerOf` (view-layer.ts).
   */
  view?: ViewLayerSource;
  /**
   * Only on the stand-in that `dataLayerOf` builds for a view layer: why an add or update would put the feature
   * outside the view (its definition query or spatial filter), or null when it stays inside.
   */
  editConstraint?: (feature: { attributes: Record<string, unknown>; geometry: Record<string, unknown> | null }) => string | null;
}

export interface HostedService {
  /** Service name as it appears in the URL (`.../services/<name>/FeatureServer`). */
  name: string;
  /** The Feature Service item that represents it in the portal. */
  itemId: string;
  owner: string;
  /**
   * Service-level definition (`<service>?f=json`) minus the parts computed per request (`layers`, `tables`,
   * `serviceItemId`, `changeTrackingInfo`, ...).
   */
  definition: Record<string, unknown>;
  /** Layers and tables by id. */
  layers: Map<number, HostedLayer>;
  /** Server generation: advances on every data edit (change tracking). */
  serverGen: number;
  /** Oldest generation extractChanges can still answer from (ArcGIS: changes are kept since this). */
  minServerGen: number;
  created: number;
  /** Spatial reference of all geometries stored in the service. */
  spatialReference: SpatialReference;
}

export function capabilitiesOf(service: HostedService): string[] {
  return String(service.definition.capabilities ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}
