/**
 * Join views: a hosted feature layer view whose layer joins a main table to one or more related tables
 * (`adminLayerInfo.viewLayerDefinition.table` of addToDefinition on a service created with `isView`). The rows are
 * computed from the sources at query time; nothing is stored under the view.
 *
 * What Esri documents (REST "Add To Definition (Feature Service)", section "Advanced views"): views "whether advanced
 * or not" are made with addToDefinition on a view service; the presence of `table` in `viewLayerDefinition` makes an
 * advanced view; "advanced views are read-only and cannot be sync-enabled"; to reference a service in one "you must be
 * either the owner of that service or have administrator privilege"; at Enterprise 11.2 a join view includes the
 * attachments of the left table; at 11.3 access control follows the left table. ArcGIS Online's "Create hosted feature
 * layer views" names the joined hosted feature layer view ("a single view that joins the data for two hosted feature
 * layers").
 *
 * What the ArcGIS API for Python sends (its `PrimaryTableView` / `RelatedTable` / `SourceLayerField` classes): `table`
 * = {name, sourceServiceName, sourceLayerId, sourceLayerFields: [{name, alias, source, statisticType, type}], filter,
 * topFilter, relatedTables, havingFilter, groupBy}; each related table = {name, sourceServiceName, sourceLayerId,
 * sourceLayerFields, type (INNER, LEFT, RIGHT, FULL), parentKeyFields, keyFields, filter, topFilter}. Its
 * `topFilter` is typed as a plain string there; the object {groupByFields, orderByFields, topCount} (the one-to-many
 * "keep the latest related record" case) and `materialized: false` are what scripts written against the API send
 * (public repositories), not something an Esri page we could read shows.
 *
 * Not confirmed, chosen here and said so: the object ids of joined rows (here: the main row's object id while each
 * main row gives at most one joined row, else 1..n in main-then-related object id order); the error texts (Esri's
 * generic 400 "Unable to add feature service layer definition." with a detail); the per-layer `/sources` of a join
 * layer (here: its main table). Not built, refused with a clear error: RIGHT and FULL joins, statistics
 * (`statisticType`, `groupBy`, `havingFilter`), expressions and table `filter`s, attachments of the left table.
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { AttachmentStore } from './attachment-store.js';
import { type FeatureStore, type FeatureStoreSnapshot, type StoredFeature, type Tombstone } from './feature-store.js';
import { type FieldDef, type HostedLayer, type HostedService, type ViewJoin, type ViewJoinField, type ViewJoinRelated, type ViewJoinTable, type ViewTopFilter } from './types.js';

const JOIN_TYPES = ['INNER', 'LEFT'] as const;
/** Table properties the emulator does not build; each is refused rather than ignored. */
const UNSUPPORTED = ['filter', 'havingFilter', 'groupBy'] as const;

/** Whether a `viewLayerDefinition` sent to addToDefinition defines a join view. */
export function isJoinDefinition(v: Record<string, unknown>): boolean {
  return 'table' in v;
}

/** Checks the shape of `viewLayerDefinition.table` (what the sources hold is checked by resolveJoin). */
export function parseJoinTable(raw: unknown, where: string): ViewJoin {
  const t = record(raw, `${where}.table`);
  const main = parseTable(t, `${where}.table`);
  if (t.topFilter !== undefined) throw new Error(`${where}.table.topFilter is not built by this emulator: put the topFilter on the related table it limits.`);
  const related = t.relatedTables;
  if (!Array.isArray(related) || related.length === 0) {
    throw new Error(`${where}.table.relatedTables must list the tables joined to the main table (a view of one table needs no table: use sourceServiceName and sourceLayerId).`);
  }
  return {
    ...main,
    relatedTables: related.map((r, i) => parseRelated(r, `${where}.table.relatedTables[${i}]`)),
    materialized: t.materialized === true
  };
}

function record(raw: unknown, where: string): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be a JSON object.`);
  return raw as Record<string, unknown>;
}

function parseTable(t: Record<string, unknown>, where: string): ViewJoinTable {
  for (const key of UNSUPPORTED) if (t[key] !== undefined && t[key] !== null && t[key] !== '') throw new Error(`${where}.${key} is not built by this emulator (joins of whole rows only).`);
  if (typeof t.sourceServiceName !== 'string' || t.sourceServiceName.trim() === '') throw new Error(`${where}.sourceServiceName must name the source service (as in its URL).`);
  const sourceLayerId = typeof t.sourceLayerId === 'number' ? t.sourceLayerId : /^\d+$/.test(String(t.sourceLayerId ?? '')) ? Number(t.sourceLayerId) : Number.NaN;
  if (!Number.isInteger(sourceLayerId)) throw new Error(`${where}.sourceLayerId must be the id of a layer of '${t.sourceServiceName}'.`);
  if (!Array.isArray(t.sourceLayerFields) || t.sourceLayerFields.length === 0) {
    throw new Error(`${where}.sourceLayerFields must list the fields the view shows ({"name", "alias", "source"} or field names).`);
  }
  const fields = t.sourceLayerFields.map((f, i): ViewJoinField => {
    if (typeof f === 'string' && f !== '') return { name: f, source: f };
    const o = record(f, `${where}.sourceLayerFields[${i}]`);
    if (o.statisticType !== undefined || o.expression !== undefined) throw new Error(`${where}.sourceLayerFields[${i}]: statistics and expressions are not built by this emulator.`);
    if (typeof o.name !== 'string' || o.name === '') throw new Error(`${where}.sourceLayerFields[${i}].name must be the field's name in the view.`);
    const source = o.source === undefined ? o.name : o.source;
    if (typeof source !== 'string' || source === '') throw new Error(`${where}.sourceLayerFields[${i}].source must name a field of the source table.`);
    return { name: o.name, source, ...(typeof o.alias === 'string' ? { alias: o.alias } : {}) };
  });
  return { ...(typeof t.name === 'string' && t.name !== '' ? { name: t.name } : {}), sourceServiceName: t.sourceServiceName, sourceLayerId, fields };
}

function parseRelated(raw: unknown, where: string): ViewJoinRelated {
  const r = record(raw, where);
  const table = parseTable(r, where);
  const type = String(r.type ?? '').toUpperCase();
  if (!(JOIN_TYPES as readonly string[]).includes(type)) throw new Error(`${where}.type must be INNER or LEFT (RIGHT and FULL joins are not built by this emulator).`);
  const names = (value: unknown, key: string) => {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) throw new Error(`${where}.${key} must be a list of field names.`);
    return value as string[];
  };
  const parentKeyFields = names(r.parentKeyFields, 'parentKeyFields');
  const keyFields = names(r.keyFields, 'keyFields');
  if (parentKeyFields.length !== keyFields.length) throw new Error(`${where}: parentKeyFields and keyFields must name as many fields (${parentKeyFields.length} and ${keyFields.length}).`);
  let topFilter: ViewTopFilter | undefined;
  if (r.topFilter !== undefined && r.topFilter !== null) {
    const f = record(r.topFilter, `${where}.topFilter`);
    const topCount = Number(f.topCount);
    if (typeof f.groupByFields !== 'string' || f.groupByFields.trim() === '' || typeof f.orderByFields !== 'string' || f.orderByFields.trim() === '' || !Number.isInteger(topCount) || topCount < 1) {
      throw new Error(`${where}.topFilter must be {"groupByFields": "<fields>", "orderByFields": "<field> ASC|DESC, ...", "topCount": <n >= 1>}.`);
    }
    topFilter = { groupByFields: f.groupByFields, orderByFields: f.orderByFields, topCount };
  }
  return { ...table, type: type as ViewJoinRelated['type'], parentKeyFields, keyFields, ...(topFilter ? { topFilter } : {}) };
}

/** The service names a join reads from: the main table's first, then each related table's, once each. */
export function joinSourceNames(join: ViewJoin): string[] {
  const out: string[] = [];
  for (const t of [join, ...join.relatedTables]) if (!out.some((n) => n.toLowerCase() === t.sourceServiceName.toLowerCase())) out.push(t.sourceServiceName);
  return out;
}

/**
 * Checks a parsed join against its source layers (`main`, then one per related table) and answers it with each
 * field and key spelled as the source spells it. Throws Error saying what is wrong.
 */
export function resolveJoin(join: ViewJoin, main: HostedLayer, related: HostedLayer[], where: string): ViewJoin {
  const real = (layer: HostedLayer, name: string, what: string) => {
    const field = layer.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) throw new Error(`${where}: ${what} names '${name}', which layer ${layer.id} ('${String(layer.definition.name)}') does not have.`);
    return field.name;
  };
  const seen = new Set([main.objectIdField.toLowerCase()]);
  const fieldsOf = (table: ViewJoinTable, layer: HostedLayer, what: string) =>
    table.fields.map((f) => {
      const source = real(layer, f.source, `${what} field '${f.name}'`);
      const isMainOid = layer === main && source === main.objectIdField && f.name.toLowerCase() === source.toLowerCase();
      if (!isMainOid && seen.has(f.name.toLowerCase())) throw new Error(`${where}: the view shows two fields named '${f.name}'; give one another name.`);
      seen.add(f.name.toLowerCase());
      return { ...f, source };
    });
  const out: ViewJoin = { ...join, fields: fieldsOf(join, main, 'the main table'), relatedTables: [] };
  join.relatedTables.forEach((r, i) => {
    const layer = related[i]!;
    const what = `related table ${i + 1}`;
    out.relatedTables.push({
      ...r,
      fields: fieldsOf(r, layer, what),
      parentKeyFields: r.parentKeyFields.map((k) => real(main, k, `${what} parentKeyFields`)),
      keyFields: r.keyFields.map((k) => real(layer, k, `${what} keyFields`)),
      ...(r.topFilter
        ? {
            topFilter: {
              ...r.topFilter,
              groupByFields: splitList(r.topFilter.groupByFields).map((k) => real(layer, k, `${what} topFilter.groupByFields`)).join(','),
              orderByFields: orderOf(r.topFilter.orderByFields).map((o) => `${real(layer, o.field, `${what} topFilter.orderByFields`)} ${o.desc ? 'DESC' : 'ASC'}`).join(',')
            }
          }
        : {})
    });
  });
  return out;
}

const splitList = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

function orderOf(text: string): { field: string; desc: boolean }[] {
  return splitList(text).map((part) => {
    const m = /^(\S+)(?:\s+(ASC|DESC))?$/i.exec(part);
    if (!m) throw new Error(`topFilter.orderByFields: '${part}' must be '<field>' or '<field> ASC|DESC'.`);
    return { field: m[1]!, desc: (m[2] ?? '').toUpperCase() === 'DESC' };
  });
}

/** The JSON `viewLayerDefinition.table` of a join layer, as addToDefinition takes it. */
export function joinDefinitionJson(join: ViewJoin): Record<string, unknown> {
  const table = (t: ViewJoinTable) => ({
    ...(t.name ? { name: t.name } : {}),
    sourceServiceName: t.sourceServiceName,
    sourceLayerId: t.sourceLayerId,
    sourceLayerFields: t.fields.map((f) => ({ name: f.name, source: f.source, ...(f.alias !== undefined ? { alias: f.alias } : {}) }))
  });
  return {
    ...table(join),
    relatedTables: join.relatedTables.map((r) => ({
      ...table(r),
      type: r.type,
      parentKeyFields: r.parentKeyFields,
      keyFields: r.keyFields,
      ...(r.topFilter ? { topFilter: r.topFilter } : {})
    })),
    materialized: join.materialized
  };
}

/** The fields a join layer shows: the main table's object id first, then the join's, named and aliased as it says. */
export function joinFields(join: ViewJoin, main: HostedLayer, related: HostedLayer[]): FieldDef[] {
  const oid = main.fields.find((f) => f.name === main.objectIdField)!;
  const out: FieldDef[] = [oid];
  const add = (table: ViewJoinTable, layer: HostedLayer) => {
    for (const f of table.fields) {
      const source = layer.fields.find((x) => x.name === f.source);
      if (!source || (layer === main && source.name === main.objectIdField && f.name === source.name)) continue;
      // Only the main table's object id identifies a joined row; other ids and GlobalIDs are plain values there.
      const type = source.type === 'esriFieldTypeOID' ? 'esriFieldTypeInteger' : source.type === 'esriFieldTypeGlobalID' ? 'esriFieldTypeGUID' : source.type;
      out.push({ ...source, name: f.name, type, alias: f.alias ?? source.alias, editable: false });
    }
  };
  add(join, main);
  join.relatedTables.forEach((r, i) => add(r, related[i]!));
  return out;
}

/** A key value as joins compare it: GUIDs without braces and case, other values as they are. */
function keyOf(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^\{(.*)\}$/, '$1').toLowerCase() : value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The related rows a `topFilter` keeps: per group, the first `topCount` in its order (ties: lower object id first). */
function applyTopFilter(rows: StoredFeature[], filter: ViewTopFilter): StoredFeature[] {
  const group = splitList(filter.groupByFields);
  const order = orderOf(filter.orderByFields);
  const groups = new Map<string, StoredFeature[]>();
  for (const row of rows) {
    const key = JSON.stringify(group.map((g) => keyOf(row.attributes[g])));
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(row);
  }
  const kept: StoredFeature[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => {
      for (const o of order) {
        const c = compare(a.attributes[o.field], b.attributes[o.field]);
        if (c !== 0) return o.desc ? -c : c;
      }
      return a.oid - b.oid;
    });
    kept.push(...list.slice(0, filter.topCount));
  }
  return kept.sort((a, b) => a.oid - b.oid);
}

/** The joined rows of a join layer, computed from its sources' rows. */
export function joinRows(join: ViewJoin, main: HostedLayer, related: HostedLayer[]): StoredFeature[] {
  const indexes = join.relatedTables.map((r, i) => {
    let rows = [...related[i]!.store.scan(0)];
    if (r.topFilter) rows = applyTopFilter(rows, r.topFilter);
    const byKey = new Map<string, StoredFeature[]>();
    for (const row of rows) {
      const key = JSON.stringify(r.keyFields.map((k) => keyOf(row.attributes[k])));
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(row);
    }
    return byKey;
  });
  const out: StoredFeature[] = [];
  let oneEach = true;
  for (const m of main.store.scan(0)) {
    // Each related table multiplies the rows so far by its matches (INNER: none drops the row; LEFT: one empty match).
    let combos: (StoredFeature | null)[][] = [[]];
    join.relatedTables.forEach((r, i) => {
      const key = JSON.stringify(r.parentKeyFields.map((k) => keyOf(m.attributes[k])));
      const matches: (StoredFeature | null)[] = indexes[i]!.get(key) ?? [];
      const used = matches.length > 0 ? matches : r.type === 'LEFT' ? [null] : [];
      combos = combos.flatMap((c) => used.map((x) => [...c, x]));
    });
    if (combos.length > 1) oneEach = false;
    for (const combo of combos) {
      const attributes: Record<string, unknown> = { [main.objectIdField]: m.oid };
      for (const f of join.fields) attributes[f.name] = m.attributes[f.source] ?? null;
      join.relatedTables.forEach((r, i) => {
        for (const f of r.fields) attributes[f.name] = combo[i]?.attributes[f.source] ?? null;
      });
      const gen = Math.max(m.gen, ...combo.map((x) => x?.gen ?? 0));
      out.push({ oid: m.oid, attributes, geometry: m.geometry, createdGen: m.createdGen, gen });
    }
  }
  if (!oneEach) out.forEach((row, i) => Object.assign(row, { oid: i + 1, attributes: { ...row.attributes, [main.objectIdField]: i + 1 } }));
  return out;
}

/** Why an edit of a join view is refused (Esri: "advanced views are read-only"). */
export function joinReadOnly(service: HostedService): ArcGISError {
  return new ArcGISError(400, 'Requested operation is not supported by this service.', {
    details: [`View '${service.name}' joins tables (viewLayerDefinition.table): advanced views are read-only; edit the source layers instead.`]
  });
}

/** A join layer's rows, computed once per request from its sources; every write is refused. */
export class JoinFeatureStore implements FeatureStore {
  readonly kind = 'memory' as const;
  private rows: StoredFeature[] | undefined;
  private byOid: Map<number, StoredFeature> | undefined;

  constructor(
    private readonly build: () => StoredFeature[],
    private readonly service: HostedService
  ) {}

  private all(): StoredFeature[] {
    if (!this.rows) {
      this.rows = this.build();
      this.byOid = new Map(this.rows.map((r) => [r.oid, r]));
    }
    return this.rows;
  }

  count(): number {
    return this.all().length;
  }

  get(oid: number): StoredFeature | undefined {
    this.all();
    return this.byOid!.get(oid);
  }

  *scan(afterOid = 0): Iterable<StoredFeature> {
    for (const row of this.all()) if (row.oid > afterOid) yield row;
  }

  skipAfter(): number | undefined {
    return undefined;
  }

  allocateOid(): number {
    throw joinReadOnly(this.service);
  }

  put(): void {
    throw joinReadOnly(this.service);
  }

  delete(): StoredFeature | undefined {
    throw joinReadOnly(this.service);
  }

  findByGlobalId(): StoredFeature | undefined {
    return undefined;
  }

  *changedSince(gen: number): Iterable<StoredFeature> {
    for (const row of this.all()) if (row.gen > gen) yield row;
  }

  tombstonesSince(): Tombstone[] {
    return [];
  }

  snapshot(): FeatureStoreSnapshot {
    return { features: [], tombstones: [] };
  }

  restore(): void {
    throw new Error('A join view layer has no rows of its own to restore');
  }
}

/** The source layers of a join layer (main, then related), or the first missing one's description. */
export function joinSources(emu: EmulatorContext, join: ViewJoin): { main: { service: HostedService; layer: HostedLayer }; related: HostedLayer[] } | string {
  const find = (t: ViewJoinTable) => emu.state.getService(t.sourceServiceName)?.layers.get(t.sourceLayerId);
  const mainService = emu.state.getService(join.sourceServiceName);
  const main = mainService?.layers.get(join.sourceLayerId);
  if (!mainService || !main) return `layer ${join.sourceLayerId} of service '${join.sourceServiceName}'`;
  const related: HostedLayer[] = [];
  for (const r of join.relatedTables) {
    const layer = find(r);
    if (!layer) return `layer ${r.sourceLayerId} of service '${r.sourceServiceName}'`;
    related.push(layer);
  }
  return { main: { service: mainService, layer: main }, related };
}

/** The stand-in a request reads for a join layer (see dataLayerOf): the joined rows over the main table's geometry. */
export function joinDataLayer(emu: EmulatorContext, service: HostedService, layer: HostedLayer): { service: HostedService; layer: HostedLayer } {
  const join = layer.view!.join!;
  const sources = joinSources(emu, join);
  if (typeof sources === 'string') {
    throw new ArcGISError(400, 'Unable to complete operation.', { details: [`A source of join view layer ${layer.id} (${sources}) no longer exists.`] });
  }
  const { main, related } = sources;
  const all = [main.layer, ...related];
  const standIn: HostedLayer = {
    id: layer.id,
    kind: layer.kind,
    definition: { ...layer.definition, relationships: [], extent: main.layer.definition.extent ?? null },
    fields: joinFields(join, main.layer, related),
    objectIdField: main.layer.objectIdField,
    globalIdField: null,
    geometryType: main.layer.geometryType,
    editorTracking: false,
    store: new JoinFeatureStore(() => joinRows(join, main.layer, related), service),
    attachments: new AttachmentStore(() => ''),
    lastEditDate: Math.max(layer.schemaLastEditDate, ...all.map((l) => l.lastEditDate)),
    schemaLastEditDate: layer.schemaLastEditDate,
    dataLastEditDate: Math.max(...all.map((l) => l.dataLastEditDate)),
    serverGen: main.layer.serverGen,
    view: layer.view
  };
  return { service: main.service, layer: standIn };
}
