/**
 * addToDefinition with the snapshot's layers and tables that a service lacks: all of them for a recreated service,
 * the ones deleted since the snapshot for an in-place restore. Ids are kept, so relationships and layer URLs keep
 * their numbers.
 */
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { HostedServiceEntry, Store } from '../../store/index.js';
import { layerDefinitionForAdd } from './definitions.js';
import { addToDefinition, AmbiguousWriteError, getServiceInfo, type ServiceInfo } from '../../arcgis/feature-service/index.js';

/** Returns the ids it added. `knownEmpty`: the service was just created, so it is not read first. */
export async function defineMissingLayers(
  session: ArcGISSession,
  store: Store,
  service: HostedServiceEntry,
  serviceUrl: string,
  options: { knownEmpty?: boolean; layerIds?: number[] } = {}
): Promise<number[]> {
  const live: ServiceInfo = options.knownEmpty ? {} : await getServiceInfo({ session, url: serviceUrl });
  const present = idsOf(live);
  const layers: Record<string, unknown>[] = [];
  const tables: Record<string, unknown>[] = [];
  for (const entry of service.layers) {
    if (present.has(entry.id) || (options.layerIds && !options.layerIds.includes(entry.id))) continue;
    const definition = layerDefinitionForAdd(await store.getJson<Record<string, unknown>>(entry.definition.hash));
    definition.id = entry.id;
    (entry.kind === 'table' ? tables : layers).push(definition);
  }
  if (layers.length === 0 && tables.length === 0) return [];
  try {
    await addToDefinition({ session, url: serviceUrl, layers, tables });
  } catch (error) {
    if (!(error instanceof AmbiguousWriteError)) throw error;
    // Find out what the lost request did, and add only what is still missing.
    const now = idsOf(await getServiceInfo({ session, url: serviceUrl }));
    const rest = { layers: layers.filter((l) => !now.has(l.id as number)), tables: tables.filter((t) => !now.has(t.id as number)) };
    if (rest.layers.length + rest.tables.length > 0) await addToDefinition({ session, url: serviceUrl, ...rest });
  }
  return [...layers, ...tables].map((l) => l.id as number);
}

function idsOf(service: ServiceInfo): Set<number> {
  return new Set([...(service.layers ?? []), ...(service.tables ?? [])].map((l) => l.id));
}
