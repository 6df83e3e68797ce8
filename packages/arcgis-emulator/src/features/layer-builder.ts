/**
 * Builds a HostedLayer (definition, fields, stores) from a LayerSpec. Used by the factory (seeded services) and by
 * `addToDefinition` (layers sent by clients, which arrive as ArcGIS layer-definition JSON).
 */
import { hashString } from '../util/random.js';
import { AttachmentStore } from './attachment-store.js';
import { type FeatureStore, LazyFeatureStore, MemoryFeatureStore, type StoredFeature, toStored } from './feature-store.js';
import { projectGeometry, sameSpatialReference } from './geometry.js';
import {
  type FieldDef,
  type FieldSpec,
  type FieldType,
  type HostedLayer,
  type LayerSpec,
  type LazyAttachments,
  type LazyFeatures,
  type SpatialReference
} from './types.js';

/** ArcGIS's sqlType for each field type, as hosted layers report them. */
const SQL_TYPES: Partial<Record<FieldType, string>> = {
  esriFieldTypeOID: 'sqlTypeOther',
  esriFieldTypeGlobalID: 'sqlTypeOther',
  esriFieldTypeGUID: 'sqlTypeOther',
  esriFieldTypeString: 'sqlTypeOther',
  esriFieldTypeInteger: 'sqlTypeOther',
  esriFieldTypeSmallInteger: 'sqlTypeOther',
  esriFieldTypeDouble: 'sqlTypeOther',
  esriFieldTypeDate: 'sqlTypeOther'
};

export const EDITOR_TRACKING_FIELDS = {
  creationDateField: 'CreationDate',
  creatorField: 'Creator',
  editDateField: 'EditDate',
  editorField: 'Editor'
} as const;

/** Fills in ArcGIS's defaults for a field. */
export function completeField(spec: FieldSpec): FieldDef {
  const type = spec.type;
  const field: FieldDef = {
    ...spec,
    name: spec.name,
    type,
    alias: spec.alias ?? spec.name,
    sqlType: spec.sqlType ?? SQL_TYPES[type] ?? 'sqlTypeOther',
    nullable: spec.nullable ?? !(type === 'esriFieldTypeOID' || type === 'esriFieldTypeGlobalID'),
    editable: spec.editable ?? !(type === 'esriFieldTypeOID' || type === 'esriFieldTypeGlobalID'),
    domain: spec.domain ?? null,
    defaultValue: spec.defaultValue ?? null
  };
  if (type === 'esriFieldTypeString') field.length = spec.length ?? 256;
  else if (type === 'esriFieldTypeGlobalID' || type === 'esriFieldTypeGUID') field.length = spec.length ?? 38;
  else if (type === 'esriFieldTypeDate') field.length = spec.length ?? 8;
  else if (spec.length !== undefined) field.length = spec.length;
  else delete field.length;
  return field;
}

const guidHeads = new Map<string, string>();

/** The constant part of numberedGuid's GUIDs for a prefix (cached: lazy layers make one per generated feature). */
function guidHead(prefix: string): string {
  let head = guidHeads.get(prefix);
  if (head === undefined) {
    const h1 = hashString(`${prefix}:a`).toString(16).padStart(8, '0').toUpperCase();
    const h2 = hashString(`${prefix}:b`).toString(16).padStart(8, '0').toUpperCase();
    head = `{${h1}-${h2.slice(0, 4)}-4${h2.slice(5, 8)}-8${h1.slice(1, 4)}-`;
    guidHeads.set(prefix, head);
  }
  return head;
}

/** A deterministic GUID whose last 12 hex digits carry a number, so lazy layers can find a feature by globalId. */
export function numberedGuid(prefix: string, n: number): string {
  return `${guidHead(prefix)}${n.toString(16).padStart(12, '0').toUpperCase()}}`;
}

export function numberedGuidOid(prefix: string, guid: string): number | undefined {
  const s = guid.trim().toUpperCase();
  const withBraces = s.startsWith('{') ? s : `{${s}}`;
  const head = guidHead(prefix);
  if (withBraces.length !== 38 || !withBraces.startsWith(head) || !withBraces.endsWith('}')) return undefined;
  const n = Number.parseInt(withBraces.slice(head.length, 37), 16);
  return Number.isFinite(n) ? n : undefined;
}

function isLazyFeatures(f: LayerSpec['features']): f is LazyFeatures {
  return !!f && !Array.isArray(f) && typeof (f as LazyFeatures).generate === 'function';
}

function isLazyAttachments(a: LayerSpec['attachments']): a is LazyAttachments {
  return !!a && typeof (a as LazyAttachments).generate === 'function';
}

export interface BuildLayerContext {
  serviceName: string;
  kind: 'layer' | 'table';
  id: number;
  now: number;
  serviceSpatialReference: SpatialReference;
  featuresSpatialReference?: SpatialReference;
  defaultMaxRecordCount: number;
  /** Username recorded by editor tracking for features that come with the layer. */
  owner: string;
  /** The service's current server generation (the layer's initial one). */
  serverGen: number;
}

/** Layer-definition keys that the emulator computes or owns, so a client-sent definition cannot override them. */
const COMPUTED_KEYS = new Set([
  'id',
  'fields',
  'objectIdField',
  'globalIdField',
  'editingInfo',
  'serverGens',
  'features',
  'attachments',
  'extra'
]);

export function buildLayer(spec: LayerSpec, ctx: BuildLayerContext): HostedLayer {
  if (!spec.name || typeof spec.name !== 'string') throw new Error(`Layer ${ctx.id} needs a name`);
  const fieldSpecs = [...(spec.fields ?? [])];
  let oidField = fieldSpecs.find((f) => f.type === 'esriFieldTypeOID');
  if (!oidField) {
    oidField = { name: spec.objectIdField ?? 'OBJECTID', type: 'esriFieldTypeOID' };
    fieldSpecs.unshift(oidField);
  }
  let globalIdField: string | null = null;
  if (spec.globalIdField !== null) {
    let gid = fieldSpecs.find((f) => f.type === 'esriFieldTypeGlobalID');
    if (!gid) {
      gid = { name: spec.globalIdField ?? 'GlobalID', type: 'esriFieldTypeGlobalID' };
      fieldSpecs.push(gid);
    }
    globalIdField = gid.name;
  }
  const editorTracking = spec.editorTracking ?? false;
  if (editorTracking) {
    const have = new Set(fieldSpecs.map((f) => f.name.toLowerCase()));
    const add = (f: FieldSpec) => {
      if (!have.has(f.name.toLowerCase())) fieldSpecs.push(f);
    };
    add({ name: EDITOR_TRACKING_FIELDS.creationDateField, type: 'esriFieldTypeDate', editable: false });
    add({ name: EDITOR_TRACKING_FIELDS.creatorField, type: 'esriFieldTypeString', length: 128, editable: false });
    add({ name: EDITOR_TRACKING_FIELDS.editDateField, type: 'esriFieldTypeDate', editable: false });
    add({ name: EDITOR_TRACKING_FIELDS.editorField, type: 'esriFieldTypeString', length: 128, editable: false });
  }
  const names = new Set<string>();
  for (const f of fieldSpecs) {
    const lower = f.name.toLowerCase();
    if (names.has(lower)) throw new Error(`Layer '${spec.name}' has the field '${f.name}' twice`);
    names.add(lower);
  }
  const fields = fieldSpecs.map(completeField);
  const objectIdField = oidField.name;
  const geometryType = ctx.kind === 'table' ? null : (spec.geometryType ?? 'esriGeometryPoint');

  const passThrough: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.extra ?? {})) if (!COMPUTED_KEYS.has(k)) passThrough[k] = v;

  const definition: Record<string, unknown> = {
    name: spec.name,
    type: ctx.kind === 'table' ? 'Table' : 'Feature Layer',
    description: spec.description ?? '',
    copyrightText: spec.copyrightText ?? '',
    defaultVisibility: spec.defaultVisibility ?? true,
    minScale: spec.minScale ?? 0,
    maxScale: spec.maxScale ?? 0,
    displayField: spec.displayField ?? fields.find((f) => f.type === 'esriFieldTypeString')?.name ?? objectIdField,
    typeIdField: spec.typeIdField ?? null,
    drawingInfo: spec.drawingInfo ?? (geometryType ? defaultDrawingInfo(geometryType) : undefined),
    relationships: spec.relationships ?? [],
    indexes: spec.indexes ?? defaultIndexes(objectIdField, globalIdField),
    types: spec.types ?? [],
    templates: spec.templates ?? defaultTemplates(spec.name, fields, geometryType),
    hasAttachments: spec.hasAttachments ?? false,
    hasZ: spec.hasZ ?? false,
    hasM: spec.hasM ?? false,
    maxRecordCount: spec.maxRecordCount ?? ctx.defaultMaxRecordCount,
    ...passThrough
  };
  if (geometryType) {
    definition.geometryType = geometryType;
    definition.extent = spec.extent ?? null;
  } else {
    delete definition.drawingInfo;
  }

  const gen = 0;
  const fromSr = ctx.featuresSpatialReference;
  const reproject = !!fromSr && !sameSpatialReference(fromSr, ctx.serviceSpatialReference);
  const featurePrefix = `${ctx.serviceName.toLowerCase()}:${ctx.id}:feature`;
  const tracking = editorTracking
    ? { created: ctx.now, owner: ctx.owner }
    : null;
  // `owned`: the feature was just made by a lazy generator, so it can be used without copying (hot path of scans).
  const prepare = (oid: number, feature: { attributes: Record<string, unknown>; geometry?: Record<string, unknown> | null }, owned = false): StoredFeature => {
    const geometry = geometryType ? (feature.geometry ?? null) : null;
    const stored = owned
      ? { oid, attributes: feature.attributes ?? {}, geometry, createdGen: gen, gen }
      : toStored(oid, { attributes: feature.attributes, geometry }, gen);
    stored.attributes[objectIdField] = oid;
    if (globalIdField && typeof stored.attributes[globalIdField] !== 'string') stored.attributes[globalIdField] = numberedGuid(featurePrefix, oid);
    if (tracking) {
      stored.attributes[EDITOR_TRACKING_FIELDS.creationDateField] ??= tracking.created;
      stored.attributes[EDITOR_TRACKING_FIELDS.creatorField] ??= tracking.owner;
      stored.attributes[EDITOR_TRACKING_FIELDS.editDateField] ??= tracking.created;
      stored.attributes[EDITOR_TRACKING_FIELDS.editorField] ??= tracking.owner;
    }
    for (const f of fields) if (!(f.name in stored.attributes)) stored.attributes[f.name] = null;
    if (reproject && stored.geometry) stored.geometry = projectGeometry(stored.geometry, fromSr, ctx.serviceSpatialReference);
    return stored;
  };

  let store: FeatureStore;
  const features = spec.features;
  if (isLazyFeatures(features)) {
    if (!Number.isInteger(features.count) || features.count < 0) throw new Error(`Layer '${spec.name}': lazy feature count must be an integer >= 0`);
    store = new LazyFeatureStore(
      features.count,
      (oid) => prepare(oid, features.generate(oid), true),
      globalIdField ? { of: (oid) => numberedGuid(featurePrefix, oid), oidOf: (g) => numberedGuidOid(featurePrefix, g) } : null,
      globalIdField
    );
  } else {
    const memory = new MemoryFeatureStore(globalIdField);
    for (const feature of features ?? []) {
      const given = feature.attributes[objectIdField];
      const oid = typeof given === 'number' && Number.isInteger(given) && given > 0 && !memory.get(given) ? given : memory.allocateOid();
      memory.put(prepare(oid, feature));
    }
    store = memory;
  }

  const attachmentPrefix = `${ctx.serviceName.toLowerCase()}:${ctx.id}:attachment`;
  const guidFor = (id: number) => numberedGuid(attachmentPrefix, id);
  const attachmentsSpec = spec.attachments;
  const attachments = new AttachmentStore(
    guidFor,
    isLazyAttachments(attachmentsSpec) && isLazyFeatures(features) ? { generator: attachmentsSpec, count: features.count } : null,
    (g) => numberedGuidOid(attachmentPrefix, g)
  );
  if (attachmentsSpec && !isLazyAttachments(attachmentsSpec)) {
    for (const [oidText, list] of Object.entries(attachmentsSpec)) {
      const oid = Number(oidText);
      if (!store.get(oid)) throw new Error(`Layer '${spec.name}': attachments given for feature ${oidText}, which does not exist`);
      for (const a of list) attachments.add(oid, a, undefined, gen);
    }
  } else if (isLazyAttachments(attachmentsSpec) && !isLazyFeatures(features)) {
    throw new Error(`Layer '${spec.name}': lazy attachments need lazy features`);
  }
  if (attachmentsSpec) definition.hasAttachments = spec.hasAttachments ?? true;

  return {
    id: ctx.id,
    kind: ctx.kind,
    definition,
    fields,
    objectIdField,
    globalIdField,
    geometryType,
    editorTracking,
    store,
    attachments,
    lastEditDate: ctx.now,
    schemaLastEditDate: ctx.now,
    dataLastEditDate: ctx.now,
    serverGen: ctx.serverGen
  };
}

function defaultIndexes(oid: string, gid: string | null): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    { name: `PK__${oid}`, fields: oid, isAscending: true, isUnique: true, description: 'clustered, unique, primary key' }
  ];
  if (gid) out.push({ name: `${gid}_Index`, fields: gid, isAscending: true, isUnique: true, description: '' });
  return out;
}

function defaultTemplates(name: string, fields: FieldDef[], geometryType: string | null): Record<string, unknown>[] {
  const attributes: Record<string, unknown> = {};
  for (const f of fields) if (f.editable && f.defaultValue !== null && f.defaultValue !== undefined) attributes[f.name] = f.defaultValue;
  const drawingTool =
    geometryType === 'esriGeometryPolygon'
      ? 'esriFeatureEditToolPolygon'
      : geometryType === 'esriGeometryPolyline'
        ? 'esriFeatureEditToolLine'
        : geometryType === 'esriGeometryMultipoint'
          ? 'esriFeatureEditToolMultiPoint'
          : geometryType
            ? 'esriFeatureEditToolPoint'
            : 'esriFeatureEditToolNone';
  return [{ name, description: '', drawingTool, prototype: { attributes } }];
}

/** A simple renderer like the ones ArcGIS Online gives new layers. */
export function defaultDrawingInfo(geometryType: string): Record<string, unknown> {
  const symbol =
    geometryType === 'esriGeometryPolygon'
      ? {
          type: 'esriSFS',
          style: 'esriSFSSolid',
          color: [20, 158, 206, 130],
          outline: { type: 'esriSLS', style: 'esriSLSSolid', color: [255, 255, 255, 229], width: 0.75 }
        }
      : geometryType === 'esriGeometryPolyline'
        ? { type: 'esriSLS', style: 'esriSLSSolid', color: [20, 158, 206, 255], width: 1.5 }
        : {
            type: 'esriSMS',
            style: 'esriSMSCircle',
            color: [20, 158, 206, 255],
            size: 6,
            angle: 0,
            xoffset: 0,
            yoffset: 0,
            outline: { color: [255, 255, 255, 255], width: 0.75 }
          };
  return { renderer: { type: 'simple', symbol, label: '', description: '' }, transparency: 0, labelingInfo: null };
}
