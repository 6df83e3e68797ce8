/**
 * Creating hosted feature layer views: the view service (`createService` with `isView`) and its layers
 * (`addToDefinition` with `adminLayerInfo.viewLayerDefinition`), as the ArcGIS API for Python's `create_view` and
 * `clone_items` send them. Used by the seeds and by the admin routes, so both validate the same way.
 *
 * Built: views of one or several hosted services, each layer showing one source layer (all or some of its fields,
 * a definition query, a spatial filter), and join views (`viewLayerDefinition.table`, join-view.ts: what Esri
 * documents of them and what is not built). Not built, refused with a clear error: views of views (Esri documents
 * creating views from hosted feature layers only).
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { canEditItem } from '../state/permissions.js';
import { type ItemRecord, type UserRecord } from '../state/types.js';
import { AttachmentStore } from './attachment-store.js';
import { MemoryFeatureStore } from './feature-store.js';
import { createHostedService } from './hosted-service.factory.js';
import { joinFields, resolveJoin } from './join-view.js';
import { compileLayerWhere } from './query.js';
import { type HostedLayer, type HostedService, type HostedServiceSpec, type SpatialReference, type ViewJoin, type ViewSpatialFilter } from './types.js';
import { isViewService } from './view-layer.js';

/** One layer of a view. */
export interface ViewLayerSpec {
  /** The view layer's id; default: the next free one. */
  id?: number;
  /** Default: the source layer's name. */
  name?: string;
  /** The source service's name (as in its URL). */
  sourceServiceName: string;
  sourceLayerId: number;
  /** `*` (default) or the source fields the view shows (the object id and GlobalID fields are always shown). */
  sourceLayerFields?: '*' | string[];
  /** Source fields the view hides. */
  hiddenFields?: string[];
  viewDefinitionQuery?: string;
  filter?: ViewSpatialFilter | null;
  /** Layer-definition properties the view sets for itself (drawingInfo, hasAttachments, description, ...). */
  extra?: Record<string, unknown>;
  /**
   * A join view layer (`viewLayerDefinition.table`, as parseJoinTable reads it): its main table must be the one
   * `sourceServiceName` and `sourceLayerId` name; the fields, query and filter above do not apply.
   */
  join?: ViewJoin;
}

export interface HostedViewSpec extends Omit<HostedServiceSpec, 'layers' | 'tables' | 'features' | 'capabilities'> {
  /** Default 'Query' (what `create_view` sends by default). */
  capabilities?: string;
  /** `isUpdatableView`; default true. A view that is not updatable refuses every edit. */
  updatable?: boolean;
  /** `sourceSchemaChangesAllowed`; default true. */
  sourceSchemaChangesAllowed?: boolean;
  /** The view's layers; may be empty, then added later (addToDefinition). */
  layers?: ViewLayerSpec[];
}

const EDIT_CAPABILITIES = ['Create', 'Update', 'Delete', 'Editing'];

/** A view that is not updatable cannot have edit capabilities (what `isUpdatableView: false` means). */
export function assertViewCapabilities(updatable: boolean, capabilities: string): void {
  const edits = capabilities.split(',').map((c) => c.trim()).filter((c) => EDIT_CAPABILITIES.includes(c));
  if (!updatable && edits.length > 0) {
    throw new Error(`A view created with isUpdatableView false cannot have the capabilities ${edits.join(', ')}; set isUpdatableView true or drop them.`);
  }
}

/**
 * Creates a view service and its item (type keywords include "View Service"), then its layers. Throws Error on
 * invalid specs (as createHostedService does).
 */
export function createHostedView(emu: EmulatorContext, spec: HostedViewSpec): { service: HostedService; item: ItemRecord } {
  const capabilities = spec.capabilities ?? 'Query';
  const updatable = spec.updatable ?? true;
  assertViewCapabilities(updatable, capabilities);
  const firstSource = spec.layers?.[0] ? emu.state.getService(spec.layers[0].sourceServiceName) : undefined;
  const { service, item } = createHostedService(emu, {
    ...spec,
    capabilities,
    spatialReference: spec.spatialReference ?? firstSource?.spatialReference,
    initialExtent: spec.initialExtent ?? (firstSource?.definition.initialExtent as HostedServiceSpec['initialExtent']) ?? undefined,
    fullExtent: spec.fullExtent ?? (firstSource?.definition.fullExtent as HostedServiceSpec['fullExtent']) ?? undefined,
    extra: { ...(spec.extra ?? {}), ...viewServiceProperties(updatable, spec.sourceSchemaChangesAllowed ?? true) },
    typeKeywords: [...(spec.typeKeywords ?? []), 'View Service'],
    layers: [],
    tables: []
  });
  if (spec.layers && spec.layers.length > 0) addViewLayers(emu, service, spec.layers, null, spec.created);
  return { service, item };
}

/** The service-definition properties of a view (answered by `<view>?f=json`). */
export function viewServiceProperties(updatable: boolean, sourceSchemaChangesAllowed: boolean): Record<string, unknown> {
  return { isView: true, isUpdatableView: updatable, sourceSchemaChangesAllowed };
}

/** Layer-definition keys a view computes from its source (never copied, never taken from a client). */
const DYNAMIC_KEYS = new Set(['relationships', 'extent', 'fields', 'id', 'name', 'type']);

/**
 * Adds view layers to a view service. `actor` (null for the seeds) must own each source service or administer its
 * organization: "To reference a service as a member of the advanced view you must be either the owner of that
 * service or have administrator privilege" (Add to Definition). Validates everything before changing anything.
 * Records the view's `Service2Data` relationship to each new source (origin: the view, destination: the source, as
 * Esri's relationship types describe derived services and as Esri's hub.js reads a survey's views).
 */
export function addViewLayers(emu: EmulatorContext, view: HostedService, specs: ViewLayerSpec[], actor: UserRecord | null, now = emu.clock.now()): HostedLayer[] {
  if (!isViewService(view)) {
    throw new Error(`Service '${view.name}' is not a view: adminLayerInfo.viewLayerDefinition can only be added to a service created with isView.`);
  }
  const usedIds = new Set(view.layers.keys());
  const usedNames = new Set([...view.layers.values()].map((l) => String(l.definition.name).toLowerCase()));
  let nextId = usedIds.size === 0 ? 0 : Math.max(...usedIds) + 1;
  const built: { layer: HostedLayer; sources: { source: HostedService; sourceLayer: HostedLayer }[] }[] = [];
  specs.forEach((spec, index) => {
    const where = `layer ${index + 1} (viewLayerDefinition)`;
    const { source, sourceLayer } = viewSource(emu, String(spec.sourceServiceName ?? ''), Number(spec.sourceLayerId), actor, where);
    const related = (spec.join?.relatedTables ?? []).map((r, i) => viewSource(emu, r.sourceServiceName, r.sourceLayerId, actor, `${where}.table.relatedTables[${i}]`));
    const id = spec.id ?? nextId;
    if (!Number.isInteger(id) || id < 0) throw new Error(`${where}: layer id ${String(id)} is invalid.`);
    if (usedIds.has(id)) throw new Error(`${where}: layer id ${id} is used twice in view '${view.name}'.`);
    const name = spec.name ?? String(sourceLayer.definition.name);
    if (usedNames.has(name.toLowerCase())) throw new Error(`${where}: layer name '${name}' is used twice in view '${view.name}'.`);
    usedIds.add(id);
    usedNames.add(name.toLowerCase());
    nextId = Math.max(nextId, id + 1);

    if (spec.join) {
      const join = resolveJoin(spec.join, sourceLayer, related.map((r) => r.sourceLayer), where);
      // Checked now so that a join the view cannot show is refused here, not on its first query.
      joinFields(join, sourceLayer, related.map((r) => r.sourceLayer));
      const copied: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sourceLayer.definition)) if (!DYNAMIC_KEYS.has(k) && k !== 'hasAttachments') copied[k] = structuredClone(v);
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(spec.extra ?? {})) if (!DYNAMIC_KEYS.has(k) && k !== 'hasAttachments') own[k] = v;
      const layer: HostedLayer = {
        id,
        kind: sourceLayer.kind,
        // Attachments of the left table (Enterprise 11.2) are not built: a join layer has none.
        definition: { ...copied, ...own, name, type: sourceLayer.kind === 'table' ? 'Table' : 'Feature Layer', viewDefinitionQuery: '', hasAttachments: false },
        fields: [],
        objectIdField: sourceLayer.objectIdField,
        globalIdField: null,
        geometryType: sourceLayer.geometryType,
        editorTracking: false,
        store: new MemoryFeatureStore(null),
        attachments: new AttachmentStore(() => ''),
        lastEditDate: now,
        schemaLastEditDate: now,
        dataLastEditDate: now,
        serverGen: view.serverGen,
        view: { sourceServiceName: source.name, sourceLayerId: sourceLayer.id, hiddenFields: [], fieldOverrides: {}, filter: null, join: { ...join, sourceServiceName: source.name } }
      };
      built.push({ layer, sources: [{ source, sourceLayer }, ...related] });
      return;
    }

    const hiddenFields = hiddenFieldsOf(sourceLayer, spec, where);
    const viewDefinitionQuery = (spec.viewDefinitionQuery ?? '').trim();
    validateDefinitionQuery(emu, sourceLayer, viewDefinitionQuery, where);
    const filter = spec.filter ? parseViewFilter(spec.filter, where) : null;

    const copied: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sourceLayer.definition)) if (!DYNAMIC_KEYS.has(k)) copied[k] = structuredClone(v);
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec.extra ?? {})) if (!DYNAMIC_KEYS.has(k)) own[k] = v;
    const layer: HostedLayer = {
      id,
      kind: sourceLayer.kind,
      definition: { ...copied, ...own, name, type: sourceLayer.kind === 'table' ? 'Table' : 'Feature Layer', viewDefinitionQuery },
      fields: [],
      objectIdField: sourceLayer.objectIdField,
      globalIdField: sourceLayer.globalIdField,
      geometryType: sourceLayer.geometryType,
      editorTracking: sourceLayer.editorTracking,
      // The rows are the source's: these stay empty (dataLayerOf reads through to the source).
      store: new MemoryFeatureStore(sourceLayer.globalIdField),
      attachments: new AttachmentStore(() => ''),
      lastEditDate: now,
      schemaLastEditDate: now,
      dataLastEditDate: now,
      serverGen: view.serverGen,
      view: { sourceServiceName: source.name, sourceLayerId: sourceLayer.id, hiddenFields, fieldOverrides: {}, filter }
    };
    built.push({ layer, sources: [{ source, sourceLayer }] });
  });

  const viewItem = emu.state.items.get(view.itemId);
  for (const { layer, sources } of built) {
    view.layers.set(layer.id, layer);
    for (const { source, sourceLayer } of sources) {
      // "Creating a hosted feature layer view alters the schema of the source hosted feature layer" (ArcGIS Online).
      sourceLayer.schemaLastEditDate = Math.max(sourceLayer.schemaLastEditDate, now);
      sourceLayer.lastEditDate = Math.max(sourceLayer.lastEditDate, now);
      if (viewItem) relateViewToSource(emu, viewItem, source, now);
    }
  }
  if (viewItem) {
    const count = view.layers.size > 1 ? 'Multilayer' : 'Singlelayer';
    viewItem.json.typeKeywords = viewItem.json.typeKeywords.map((k) => (k === 'Singlelayer' || k === 'Multilayer' ? count : k));
  }
  emu.markDirty();
  return built.map((b) => b.layer);
}

/** A view layer's source service and layer, checked: it exists, is no view and `actor` may make views of it. */
function viewSource(emu: EmulatorContext, name: string, layerId: number, actor: UserRecord | null, where: string): { source: HostedService; sourceLayer: HostedLayer } {
  const source = emu.state.getService(name);
  if (!source) {
    // A service whose item is in the recycle bin keeps its name and data but cannot be used until restored.
    if (emu.state.serviceNameInUse(name)) throw new Error(`${where}: source service '${name}' is in the recycle bin; restore its item first.`);
    throw new Error(`${where}: source service '${name}' does not exist.`);
  }
  if (isViewService(source)) {
    throw new Error(`${where}: '${source.name}' is itself a view; views of views are not supported (create the view from the hosted feature layer '${sourceNames(source)}').`);
  }
  const sourceLayer = source.layers.get(layerId);
  if (!sourceLayer) throw new Error(`${where}: service '${source.name}' has no layer ${String(layerId)}.`);
  const sourceItem = emu.state.items.get(source.itemId);
  if (actor && (!sourceItem || !canEditItem(actor, sourceItem))) {
    throw new ArcGISError(403, 'You do not have permissions to access this resource or perform this operation.', {
      messageCode: 'GWM_0003',
      details: [`Only the owner of '${source.name}' or an administrator can create views of it.`]
    });
  }
  return { source, sourceLayer };
}

function sourceNames(view: HostedService): string {
  return [...view.layers.values()].map((l) => l.view?.sourceServiceName).filter(Boolean).join("', '");
}

function relateViewToSource(emu: EmulatorContext, viewItem: ItemRecord, source: HostedService, now: number): void {
  const rels = emu.state.relationships;
  const exists = rels.some((r) => r.type === 'Service2Data' && r.originItemId === viewItem.json.id && r.destinationItemId === source.itemId);
  if (!exists && emu.state.items.has(source.itemId)) {
    rels.push({ type: 'Service2Data', originItemId: viewItem.json.id, destinationItemId: source.itemId, created: now, createdBy: viewItem.json.owner });
  }
}

function hiddenFieldsOf(source: HostedLayer, spec: ViewLayerSpec, where: string): string[] {
  const byLower = new Map(source.fields.map((f) => [f.name.toLowerCase(), f.name]));
  const known = (name: string, what: string) => {
    const real = byLower.get(String(name).toLowerCase());
    if (!real) throw new Error(`${where}: ${what} names '${String(name)}', which layer ${source.id} of the source does not have.`);
    return real.toLowerCase();
  };
  const hidden = new Set<string>();
  if (Array.isArray(spec.sourceLayerFields)) {
    const shown = new Set(spec.sourceLayerFields.map((n) => known(n, 'sourceLayerFields')));
    // The object id and GlobalID fields stay: queries and edits by globalId need them.
    const kept = new Set([source.objectIdField.toLowerCase(), (source.globalIdField ?? '').toLowerCase()]);
    for (const lower of byLower.keys()) if (!shown.has(lower) && !kept.has(lower)) hidden.add(lower);
  }
  for (const name of spec.hiddenFields ?? []) {
    const lower = known(name, 'hiddenFields');
    if (lower === source.objectIdField.toLowerCase()) throw new Error(`${where}: the object id field '${source.objectIdField}' cannot be hidden.`);
    hidden.add(lower);
  }
  return [...hidden];
}

/** A definition query must be valid SQL over the source layer's fields (all of them, hidden ones included). */
export function validateDefinitionQuery(emu: EmulatorContext, source: HostedLayer, query: string, where: string): void {
  if (query === '') return;
  try {
    compileLayerWhere(emu, source, query);
  } catch (error) {
    const detail = error instanceof ArcGISError ? error.details.join(' ') || error.message : String(error);
    throw new Error(`${where}: viewDefinitionQuery "${query}" is not valid for the source layer (${detail}).`);
  }
}

/** Checks `viewLayerDefinition.filter`: the one operator the emulator evaluates, with an envelope or another geometry. */
export function parseViewFilter(raw: unknown, where: string): ViewSpatialFilter {
  const f = raw as { operator?: unknown; value?: { geometryType?: unknown; geometry?: unknown } };
  if (!f || typeof f !== 'object' || f.operator !== 'esriSpatialRelIntersects' || !f.value || typeof f.value.geometry !== 'object' || f.value.geometry === null) {
    throw new Error(`${where}: filter must be {"operator": "esriSpatialRelIntersects", "value": {"geometryType": ..., "geometry": {...}}}.`);
  }
  const geometry = f.value.geometry as Record<string, unknown> & { spatialReference?: SpatialReference };
  return { operator: 'esriSpatialRelIntersects', value: { geometryType: String(f.value.geometryType ?? 'esriGeometryEnvelope'), geometry } };
}
