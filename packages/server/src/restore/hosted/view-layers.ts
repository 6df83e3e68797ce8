/**
 * The layers of a hosted feature layer view as `addToDefinition` takes them: each layer's own definition (drawing
 * info, templates, description) without what the view takes from its source (fields, relationships) or what ArcGIS
 * computes, with `adminLayerInfo.viewLayerDefinition` naming the source service (restored or cloned: its new name)
 * and layer, the fields it shows and its spatial filter, and its `viewDefinitionQuery`; for a join view, its `table`
 * with the main and related sources renamed the same way. As the ArcGIS API for Python's clone_items sends them;
 * Esri documents `viewLayerDefinition` (and advanced views' `table`) in Add to Definition (Feature Service).
 */
import { isDeepStrictEqual } from 'node:util';
import { joinTableOf, serviceNameInUrl, withJoinSourceNames } from '../../arcgis/feature-service/index.js';
import type { HostedServiceEntry, Store, ViewLayerEntry } from '../../store/index.js';
import { layerDefinitionForAdd } from './definitions.js';
import { HostedRestoreError } from './hosted-restore.error.js';

/** Where a view's source is in the target: its new URL when this restore made it again, else undefined (unknown). */
export type SourceUrlFor = (snapshotUrl: string) => string | undefined;

/** The view layer's link to its source, or a clear error. */
export function viewLinkOf(service: HostedServiceEntry, layerId: number): ViewLayerEntry {
  const link = service.view?.layers.find((l) => l.id === layerId);
  if (!link) throw new HostedRestoreError('view_source_missing', `View layer ${layerId} has no source in the snapshot (it could not be read at backup time), so it cannot be defined again.`);
  return link;
}

/** The `table` of a join view layer (viewLayerDefinition.table), else undefined. */
export function joinOf(link: ViewLayerEntry): Record<string, unknown> | undefined {
  return joinTableOf(link.viewLayerDefinition);
}

/**
 * A join view layer's `table` with every source (main and related) named as in the target: each snapshot service
 * name found among the view's sources, then where this restore made it (or where it still is). A clear error names
 * the first source that is in neither.
 */
export function targetJoinTable(service: HostedServiceEntry, link: ViewLayerEntry, table: Record<string, unknown>, sourceUrlFor: SourceUrlFor): Record<string, unknown> {
  return withJoinSourceNames(table, (name) => {
    const source = service.view?.sources.find((s) => serviceNameInUrl(s.url)?.toLowerCase() === name.toLowerCase());
    const url = source ? sourceUrlFor(source.url) : undefined;
    const target = url ? serviceNameInUrl(url) : undefined;
    if (!target) throw new HostedRestoreError('view_source_missing', `Join view layer ${link.id} joins the service '${name}'${source ? ` (${source.url})` : ''}, which is neither restored by this run nor in the organization.`);
    return target;
  });
}

/** The source URL of a view layer in the target organization, or a clear error. */
export function targetSourceUrl(link: ViewLayerEntry, sourceUrlFor: SourceUrlFor): string {
  const url = sourceUrlFor(link.sourceUrl);
  if (!url) throw new HostedRestoreError('view_source_missing', `The source of view layer ${link.id} (${link.sourceUrl}, layer ${link.sourceLayerId}) is neither restored by this run nor in the organization.`);
  return url;
}

/** The names of the fields a view layer shows, from its stored definition. */
export function visibleFieldNames(definition: Record<string, unknown>): string[] {
  return (Array.isArray(definition.fields) ? (definition.fields as { name?: unknown }[]) : []).map((f) => f.name).filter((n): n is string => typeof n === 'string');
}

/** Layers and tables for addToDefinition on a view (all of them, or those in `only`). */
export async function viewLayersForAdd(store: Store, service: HostedServiceEntry, sourceUrlFor: SourceUrlFor, only?: number[]): Promise<{ layers: Record<string, unknown>[]; tables: Record<string, unknown>[] }> {
  const layers: Record<string, unknown>[] = [];
  const tables: Record<string, unknown>[] = [];
  for (const layer of service.layers) {
    if (only && !only.includes(layer.id)) continue;
    const link = viewLinkOf(service, layer.id);
    const sourceServiceName = serviceNameInUrl(targetSourceUrl(link, sourceUrlFor));
    const stored = await store.getJson<Record<string, unknown>>(layer.definition.hash);
    const definition = layerDefinitionForAdd(stored);
    delete definition.fields;
    delete definition.relationships;
    delete definition.viewDefinitionQuery;
    definition.id = layer.id;
    const given = link.viewLayerDefinition ?? {};
    const join = joinOf(link);
    definition.adminLayerInfo = join
      ? // A join view: its whole definition, each source named as in the target (the main one is `sourceServiceName`).
        { viewLayerDefinition: { ...given, table: targetJoinTable(service, link, join, sourceUrlFor) } }
      : { viewLayerDefinition: { ...given, sourceServiceName, sourceLayerId: link.sourceLayerId, sourceLayerFields: given.sourceLayerFields ?? visibleFieldNames(stored) } };
    if (typeof stored.viewDefinitionQuery === 'string' && stored.viewDefinitionQuery.trim() !== '') definition.viewDefinitionQuery = stored.viewDefinitionQuery;
    (layer.kind === 'table' ? tables : layers).push(definition);
  }
  return { layers, tables };
}

/**
 * Field properties a view may set for itself with updateDefinition `fields: [{name, ...}]` without changing its
 * source: the alias and the domain (ArcGIS Online "Set view definition" and the Data tab's field settings; the ArcGIS
 * API for Python's clone_items sends `fields` with `alias` and `domain` to a cloned view), and the field description
 * (the Data tab's "field description", kept in the field's `description`). Esri documents no list of the per-field
 * properties a view takes: `visible` (handled apart, by the fields shown) and these three are those its clients send.
 */
const OWN_FIELD_KEYS = ['alias', 'domain', 'description'] as const;
export type ViewFieldOverride = Partial<Record<(typeof OWN_FIELD_KEYS)[number], unknown>>;

/**
 * The view's own field properties: those its stored definition gives that differ from its source's field, by
 * lower-cased field name, as updateDefinition takes them. A property the stored field lacks is left alone.
 */
export function viewFieldOverrides(stored: Record<string, unknown>, sourceFields: readonly { name: string }[]): Map<string, ViewFieldOverride> {
  const source = new Map(sourceFields.map((f) => [f.name.toLowerCase(), f as Record<string, unknown>]));
  const out = new Map<string, ViewFieldOverride>();
  for (const f of (Array.isArray(stored.fields) ? stored.fields : []) as Record<string, unknown>[]) {
    if (typeof f?.name !== 'string') continue;
    const from = source.get(f.name.toLowerCase());
    if (!from) continue;
    const own: ViewFieldOverride = {};
    for (const key of OWN_FIELD_KEYS) {
      if (!(key in f) || (key === 'alias' && typeof f.alias !== 'string')) continue;
      // A missing property on the source reads as null, as the layer JSON of an ArcGIS field does.
      if (!isDeepStrictEqual(f[key] ?? null, from[key] ?? null)) own[key] = f[key];
    }
    if (Object.keys(own).length > 0) out.set(f.name.toLowerCase(), own);
  }
  return out;
}
