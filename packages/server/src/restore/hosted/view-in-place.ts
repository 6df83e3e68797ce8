/**
 * In place for a hosted feature layer view: its definition is brought back (capabilities, each layer's
 * `viewDefinitionQuery`, which of its source's fields it shows, its spatial filter), and layers deleted from it since
 * the snapshot are defined again on their source. Never a row: writing rows through a view writes its source, so a
 * view's data is restored only through its source's own step.
 */
import { getLayerInfo, getServiceInfo, updateDefinition } from '../../arcgis/feature-service/index.js';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { Store } from '../../store/index.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { RestoreLayerDataArgs } from './hosted-restore.types.js';
import { defineViewLayers } from './view-recreate.js';
import { type SourceUrlFor, targetSourceUrl, viewFieldOverrides, viewLinkOf, visibleFieldNames } from './view-layers.js';

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
  for (const layer of service.layers) {
    if (layersAdded.includes(layer.id)) continue;
    layers.push(await layerUpdate(session, args.store, layer.definition.hash, viewLinkOf(service, layer.id), args.sourceUrlFor, layer.id));
  }
  if (layers.length > 0) update.layers = layers;
  if (Object.keys(update).length > 0) await updateDefinition({ session, url: serviceUrl, definition: update });
  return { layersAdded, layersUpdated: layers.map((l) => l.id as number) };
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
