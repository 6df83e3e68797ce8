/**
 * In place for a hosted feature layer view: its definition is brought back (capabilities, each layer's
 * `viewDefinitionQuery`, which of its source's fields it shows, its spatial filter), and layers deleted from it since
 * the snapshot are defined again on their source; a join view layer whose join changed is defined again. Never a row: writing rows through a view writes its source, so a
 * view's data is restored only through its source's own step.
 */
import { isDeepStrictEqual } from 'node:util';
import { addToDefinition, deleteFromDefinition, getLayerInfo, getServiceAdminInfo, getServiceInfo, updateDefinition, withJoinSourceNames } from '../../arcgis/feature-service/index.js';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { HostedServiceEntry, Store } from '../../store/index.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { RestoreLayerDataArgs } from './hosted-restore.types.js';
import { defineViewLayers } from './view-recreate.js';
import { joinOf, type SourceUrlFor, targetJoinTable, targetSourceUrl, viewFieldOverrides, viewLayersForAdd, viewLinkOf, visibleFieldNames } from './view-layers.js';

export interface RestoreViewDefinitionArgs extends Omit<RestoreLayerDataArgs, 'layerIds' | 'onProgress' | 'checkpoint' | 'resumeState'> {
  sourceUrlFor: SourceUrlFor;
}

export interface RestoreViewDefinitionResult {
  /** View layers defined again (they had been deleted from the view). */
  layersAdded: number[];
  /** View layers whose definition was set back. */
  layersUpdated: number[];
}

export async function restoreViewDefinition(args: RestoreViewDefinitionArgs): Promise<RestoreViewDefinitionResult> {
  const service = args.entry.service;
  if (!service?.view) throw new HostedRestoreError('not_in_snapshot', `Item ${args.entry.id} (${args.entry.title}) is not a hosted feature layer view in this snapshot.`);
  const session = args.session.withSignal(args.signal);
  const serviceUrl = args.serviceUrl.trim().replace(/\/+$/, '');
  const layersAdded = await defineViewLayers(session, args.store, service, serviceUrl, args.sourceUrlFor);
  const json = await args.store.getJson<Record<string, unknown>>(service.definition.hash);
  const live = await getServiceInfo({ session, url: serviceUrl });
  const update: Record<string, unknown> = {};
  if (typeof json.capabilities === 'string' && json.capabilities !== live.capabilities) update.capabilities = json.capabilities;
  const layers: Record<string, unknown>[] = [];
  const joinsRedefined = await redefineChangedJoins(session, args.store, service, serviceUrl, args.sourceUrlFor, layersAdded);
  for (const layer of service.layers) {
    if (layersAdded.includes(layer.id) || joinOf(viewLinkOf(service, layer.id))) continue;
    layers.push(await layerUpdate(session, args.store, layer.definition.hash, viewLinkOf(service, layer.id), args.sourceUrlFor, layer.id));
  }
  if (layers.length > 0) update.layers = layers;
  if (Object.keys(update).length > 0) await updateDefinition({ session, url: serviceUrl, definition: update });
  return { layersAdded, layersUpdated: [...joinsRedefined, ...layers.map((l) => l.id as number)] };
}

/**
 * A join view layer's definition cannot be updated (ArcGIS takes no new `table`): one whose live join differs from
 * the snapshot's (its sources named as in the target) is deleted from the view and defined again. No row moves: a
 * join view has none of its own. Returns the ids redefined.
 */
async function redefineChangedJoins(session: ArcGISSession, store: Store, service: HostedServiceEntry, serviceUrl: string, sourceUrlFor: SourceUrlFor, skip: number[]): Promise<number[]> {
  const joins = service.layers.filter((l) => !skip.includes(l.id) && joinOf(viewLinkOf(service, l.id)));
  if (joins.length === 0) return [];
  const admin = await getServiceAdminInfo({ session, url: serviceUrl });
  const live = [...(admin.layers ?? []), ...(admin.tables ?? [])];
  const changed: number[] = [];
  for (const layer of joins) {
    const link = viewLinkOf(service, layer.id);
    const want = targetJoinTable(service, link, joinOf(link)!, sourceUrlFor);
    const have = live.find((l) => l.id === layer.id)?.adminLayerInfo?.viewLayerDefinition?.table;
    if (!isDeepStrictEqual(comparableJoin(have), comparableJoin(want))) changed.push(layer.id);
  }
  if (changed.length === 0) return [];
  await deleteFromDefinition({ session, url: serviceUrl, layerIds: changed });
  const { layers, tables } = await viewLayersForAdd(store, service, sourceUrlFor, changed);
  await addToDefinition({ session, url: serviceUrl, layers, tables });
  return changed;
}

/** A join's `table` as compared: service names without case (ArcGIS matches them so). */
function comparableJoin(table: unknown): unknown {
  if (!table || typeof table !== 'object') return table;
  return withJoinSourceNames(table as Record<string, unknown>, (name) => name.toLowerCase());
}

/** One view layer's updateDefinition entry: its query, each source field shown or hidden, its spatial filter. */
async function layerUpdate(session: ArcGISSession, store: Store, hash: string, link: ReturnType<typeof viewLinkOf>, sourceUrlFor: SourceUrlFor, id: number): Promise<Record<string, unknown>> {
  const stored = await store.getJson<Record<string, unknown>>(hash);
  const shown = new Set(visibleFieldNames(stored).map((n) => n.toLowerCase()));
  // The source URL comes from the snapshot (ArcGIS content): it is read only on one of the organization's servers.
  const sourceUrl = (await session.orgOrigins()).hostedFeatureServiceUrl(targetSourceUrl(link, sourceUrlFor));
  if (!sourceUrl) throw new HostedRestoreError('view_source_missing', `The source of view layer ${id} (${link.sourceUrl}) is not a hosted feature layer of the organization, so it was not requested.`);
  const source = await getLayerInfo({ session, url: `${sourceUrl}/${link.sourceLayerId}` });
  const own = viewFieldOverrides(stored, (source.fields ?? []));
  // Aliases are set on every field (back to the source's where the view had none of its own); a domain or description
  // only where the view had its own (the live view's are not read: setting the source's would pin it on the view).
  const fields = (source.fields ?? [])
    .filter((f) => f.type !== 'esriFieldTypeOID')
    .map((f) => ({ alias: f.alias ?? f.name, ...own.get(f.name.toLowerCase()), name: f.name, visible: shown.has(f.name.toLowerCase()) }));
  const entry: Record<string, unknown> = { id, viewDefinitionQuery: typeof stored.viewDefinitionQuery === 'string' ? stored.viewDefinitionQuery : '', fields };
  const filter = link.viewLayerDefinition?.filter;
  if (filter !== undefined) entry.viewLayerDefinition = { filter };
  return entry;
}
