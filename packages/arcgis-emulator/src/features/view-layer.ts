/**
 * Hosted feature layer views at request time. A view service (`isView`) holds layers whose rows live in a source
 * layer of another hosted service; the view shows them filtered by its `viewDefinitionQuery` and spatial filter,
 * with only its visible fields. `dataLayerOf` gives the layer a request reads and edits: the layer itself for an
 * ordinary service, a stand-in over the source's rows for a view, so every query, edit and attachment route works on
 * views without a copy of the rows.
 *
 * Esri documents views in "Create hosted feature layer views" (ArcGIS Online and Enterprise) and in Add to
 * Definition (Feature Service) ("Views, whether advanced or not, are created using a call to the addToDefinition
 * operation on a service marked as a view"); the JSON properties (`isView`, `isUpdatableView`,
 * `sourceSchemaChangesAllowed`, `hasViews`, `viewDefinitionQuery`) are those Esri's clients read and send
 * (ArcGIS API for Python `create_view` and `clone_items`, Esri/solution.js mocks).
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { type FeatureStore, type FeatureStoreSnapshot, type StoredFeature, type Tombstone } from './feature-store.js';
import { type BBox, bboxIntersects, bboxOf, projectGeometry } from './geometry.js';
import { joinDataLayer, joinSourceNames } from './join-view.js';
import { compileLayerWhere } from './query.js';
import { type FieldDef, type HostedLayer, type HostedService, type RelationshipDef, type SpatialReference, type ViewLayerSource } from './types.js';

/** Whether the service is a hosted feature layer view (created with `isView`). */
export function isViewService(service: HostedService): boolean {
  return service.definition.isView === true;
}

/** A view that cannot be edited at all (`isUpdatableView: false`), whatever its capabilities say. */
export function isReadOnlyView(service: HostedService): boolean {
  return isViewService(service) && service.definition.isUpdatableView === false;
}

export interface LayerRef {
  service: HostedService;
  layer: HostedLayer;
}

/** The source service and layer of a view layer, or undefined when the source is gone. */
export function sourceOf(emu: EmulatorContext, layer: HostedLayer): LayerRef | undefined {
  if (!layer.view) return undefined;
  const service = emu.state.getService(layer.view.sourceServiceName);
  const source = service?.layers.get(layer.view.sourceLayerId);
  return service && source ? { service, layer: source } : undefined;
}

/** ArcGIS's answer when a view's source is gone (Esri documents none: the wording says what happened). */
export function sourceMissing(layer: HostedLayer): ArcGISError {
  const v = layer.view!;
  return new ArcGISError(400, 'Unable to complete operation.', {
    details: [`The source of view layer ${layer.id} (layer ${v.sourceLayerId} of service '${v.sourceServiceName}') no longer exists.`]
  });
}

/** The source fields a view layer shows: hidden ones left out, the view's own aliases, domains... applied. */
export function viewFields(source: HostedLayer, view: ViewLayerSource): FieldDef[] {
  const hidden = new Set(view.hiddenFields);
  return source.fields
    .filter((f) => !hidden.has(f.name.toLowerCase()))
    .map((f) => {
      const override = view.fieldOverrides[f.name.toLowerCase()];
      return override ? ({ ...f, ...override, name: f.name, type: f.type } as FieldDef) : f;
    });
}

/** Compiled `viewDefinitionQuery` per view layer, kept while the query text stays the same. */
const compiled = new WeakMap<HostedLayer, { where: string; test: (row: Record<string, unknown>) => boolean }>();

/** The test a source feature must pass to be seen through the view (definition query and spatial filter). */
export function viewTest(emu: EmulatorContext, viewLayer: HostedLayer, source: LayerRef): ((f: { attributes: Record<string, unknown>; geometry: Record<string, unknown> | null }) => boolean) | null {
  const where = String(viewLayer.definition.viewDefinitionQuery ?? '').trim();
  let attributeTest: ((row: Record<string, unknown>) => boolean) | null = null;
  if (where !== '') {
    let entry = compiled.get(viewLayer);
    if (!entry || entry.where !== where) {
      const { predicate, matchesAll } = compileLayerWhere(emu, source.layer, where);
      entry = { where, test: matchesAll ? () => true : predicate };
      compiled.set(viewLayer, entry);
    }
    attributeTest = entry.test;
  }
  const box = filterBox(viewLayer.view!, source.service.spatialReference);
  if (!attributeTest && !box) return null;
  return (f) => {
    if (box) {
      const b = bboxOf(f.geometry);
      if (!b || !bboxIntersects(b, box)) return false;
    }
    return attributeTest ? attributeTest(f.attributes) : true;
  };
}

/** The spatial filter's envelope in the service's spatial reference (the emulator compares envelopes). */
function filterBox(view: ViewLayerSource, serviceSr: SpatialReference): BBox | undefined {
  const geometry = view.filter?.value.geometry;
  if (!geometry) return undefined;
  const sr = (geometry.spatialReference as SpatialReference | undefined) ?? serviceSr;
  return bboxOf(projectGeometry(geometry, sr, serviceSr));
}

/**
 * The source layer's relationships as a view layer reports them: only those whose related layer is also in the view,
 * renumbered to the view's layer ids (a Survey123 view keeps its repeats related to the survey layer).
 */
export function viewRelationships(viewService: HostedService, layer: HostedLayer, source: HostedLayer): RelationshipDef[] {
  const byRelated = new Map<number, number>();
  for (const other of viewService.layers.values()) {
    if (other.view && other.view.sourceServiceName.toLowerCase() === layer.view!.sourceServiceName.toLowerCase()) {
      byRelated.set(other.view.sourceLayerId, other.id);
    }
  }
  const out: RelationshipDef[] = [];
  for (const r of (source.definition.relationships as RelationshipDef[] | undefined) ?? []) {
    const related = byRelated.get(r.relatedTableId);
    if (related !== undefined) out.push({ ...r, relatedTableId: related });
  }
  return out;
}

/** A layer's relationships as its resource reports them (views: mapped from the source). */
export function relationshipsOf(emu: EmulatorContext, service: HostedService, layer: HostedLayer): RelationshipDef[] {
  if (!layer.view) return (layer.definition.relationships as RelationshipDef[] | undefined) ?? [];
  // A joined row is no source row: a join layer takes part in no relationship class.
  if (layer.view.join) return [];
  const source = sourceOf(emu, layer);
  return source ? viewRelationships(service, layer, source.layer) : [];
}

/**
 * The service and layer a request reads and edits. For an ordinary layer, themselves. For a view layer, the source
 * service (its spatial reference and server generations) and a stand-in layer: the view's id, definition and visible
 * fields over the source's rows and attachments, filtered by the view. Edits through the stand-in land in the source.
 */
export function dataLayerOf(emu: EmulatorContext, service: HostedService, layer: HostedLayer): LayerRef {
  if (!layer.view) return { service, layer };
  if (layer.view.join) return joinDataLayer(emu, service, layer);
  const source = sourceOf(emu, layer);
  if (!source) throw sourceMissing(layer);
  const test = viewTest(emu, layer, source);
  const fields = viewFields(source.layer, layer.view);
  const sourceFields = source.layer.fields;
  const definition: Record<string, unknown> = {
    ...layer.definition,
    relationships: viewRelationships(service, layer, source.layer),
    extent: source.layer.definition.extent ?? null
  };
  const src = source.layer;
  const standIn: HostedLayer = {
    id: layer.id,
    kind: src.kind,
    definition,
    fields,
    objectIdField: src.objectIdField,
    globalIdField: src.globalIdField,
    geometryType: src.geometryType,
    editorTracking: src.editorTracking,
    store: new ViewFeatureStore(src.store, test, sourceFields),
    attachments: src.attachments,
    get lastEditDate() {
      return Math.max(src.lastEditDate, layer.schemaLastEditDate);
    },
    set lastEditDate(value: number) {
      src.lastEditDate = value;
    },
    schemaLastEditDate: layer.schemaLastEditDate,
    get dataLastEditDate() {
      return src.dataLastEditDate;
    },
    set dataLastEditDate(value: number) {
      src.dataLastEditDate = value;
    },
    get serverGen() {
      return src.serverGen;
    },
    set serverGen(value: number) {
      src.serverGen = value;
    },
    view: layer.view,
    // Tested as the row will be stored: the fields the view hides get their default values.
    editConstraint: test
      ? (f) => (test({ attributes: withDefaults(f.attributes, sourceFields), geometry: f.geometry }) ? null : "The feature would be outside the view's definition (viewDefinitionQuery or spatial filter).")
      : undefined
  };
  return { service: source.service, layer: standIn };
}

function withDefaults(attributes: Record<string, unknown>, fields: FieldDef[]): Record<string, unknown> {
  const out = { ...attributes };
  for (const field of fields) if (!(field.name in out)) out[field.name] = field.defaultValue ?? null;
  return out;
}

/** Views of a service: every view service with a layer whose source is in it (optionally: that layer). */
export function viewsOf(emu: EmulatorContext, service: HostedService, layerId?: number): HostedService[] {
  return [...emu.state.services.values()].filter((candidate) => isViewOf(candidate, service, layerId));
}

/** The views of a service, those whose items are in the recycle bin included (they come back with their item). */
export function allViewsOf(emu: EmulatorContext, service: HostedService, layerId?: number): HostedService[] {
  const recycled = [...emu.state.recycleBin.values()].map((e) => e.service).filter((s): s is HostedService => !!s && isViewOf(s, service, layerId));
  return [...viewsOf(emu, service, layerId), ...recycled];
}

/** Whether `candidate` is a view with a layer whose source is `service` (optionally: its layer `layerId`). */
export function isViewOf(candidate: HostedService, service: HostedService, layerId?: number): boolean {
  if (candidate === service || !isViewService(candidate)) return false;
  const name = service.name.toLowerCase();
  for (const layer of candidate.layers.values()) {
    if (layer.view?.sourceServiceName.toLowerCase() === name && (layerId === undefined || layer.view.sourceLayerId === layerId)) return true;
    // A join view is a view of each table it joins.
    for (const r of layer.view?.join?.relatedTables ?? []) if (r.sourceServiceName.toLowerCase() === name && (layerId === undefined || r.sourceLayerId === layerId)) return true;
  }
  return false;
}

/** The names of the services a view layer reads (a join layer: each table's, main first). */
export function viewSourceNames(layer: HostedLayer): string[] {
  if (!layer.view) return [];
  return layer.view.join ? joinSourceNames(layer.view.join) : [layer.view.sourceServiceName];
}

/** The source services of a view service, in the order its layers name them. */
export function sourcesOf(emu: EmulatorContext, service: HostedService): HostedService[] {
  const out: HostedService[] = [];
  for (const layer of [...service.layers.values()].sort((a, b) => a.id - b.id)) {
    for (const name of viewSourceNames(layer)) {
      const source = emu.state.getService(name);
      if (source && !out.includes(source)) out.push(source);
    }
  }
  return out;
}

/**
 * A source layer's rows as a view sees them. Reads skip features outside the view; writes go to the source (an add
 * gets the source fields the view hides, with their default values, as a database row would).
 */
export class ViewFeatureStore implements FeatureStore {
  constructor(
    private readonly source: FeatureStore,
    private readonly test: ((f: StoredFeature) => boolean) | null,
    private readonly sourceFields: FieldDef[]
  ) {}

  get kind(): 'memory' | 'lazy' {
    return this.source.kind;
  }

  private visible(f: StoredFeature | undefined): StoredFeature | undefined {
    return f && (!this.test || this.test(f)) ? f : undefined;
  }

  count(): number {
    if (!this.test) return this.source.count();
    let n = 0;
    for (const _ of this.scan(0)) n++;
    return n;
  }

  get(oid: number): StoredFeature | undefined {
    return this.visible(this.source.get(oid));
  }

  *scan(afterOid = 0): Iterable<StoredFeature> {
    for (const f of this.source.scan(afterOid)) if (!this.test || this.test(f)) yield f;
  }

  skipAfter(afterOid: number, skip: number): number | undefined {
    return this.test ? undefined : this.source.skipAfter(afterOid, skip);
  }

  allocateOid(): number {
    return this.source.allocateOid();
  }

  put(feature: StoredFeature): void {
    this.source.put({ ...feature, attributes: withDefaults(feature.attributes, this.sourceFields) });
  }

  delete(oid: number, gen: number): StoredFeature | undefined {
    return this.get(oid) ? this.source.delete(oid, gen) : undefined;
  }

  findByGlobalId(globalId: string): StoredFeature | undefined {
    return this.visible(this.source.findByGlobalId(globalId));
  }

  *changedSince(gen: number): Iterable<StoredFeature> {
    for (const f of this.source.changedSince(gen)) if (!this.test || this.test(f)) yield f;
  }

  /** Deleted rows can no longer be tested against the view: every delete is reported (a client ignores unknown ids). */
  tombstonesSince(gen: number): Tombstone[] {
    return this.source.tombstonesSince(gen);
  }

  /** A view is never saved: its rows are the source's. */
  snapshot(): FeatureStoreSnapshot {
    return { features: [], tombstones: [] };
  }

  restore(): void {
    throw new Error('A view layer has no rows of its own to restore');
  }
}
