/**
 * A hosted feature layer view (`isView`) is backed up as what it is: its service JSON and each layer's definition
 * (the fields it shows, its `viewDefinitionQuery`, capabilities, drawing info), and a reference to its source (the
 * source service's URL and item id, the source layer of each view layer, and the `viewLayerDefinition` it was made
 * with). No feature or attachment is read through a view: its rows are its source's, stored once under the source.
 *
 * Requests: the caller has read the service JSON and `/layers`. An unchanged view (same layers, same definitions apart
 * from edit dates) keeps the previous snapshot's source reference, so it costs those two requests, as an unchanged
 * service does. Otherwise `<view>/sources` names the source services and the admin service JSON gives each layer's
 * `adminLayerInfo.viewLayerDefinition` (what the ArcGIS API for Python's clone_items reads); an identity that may not
 * read the admin JSON asks each layer's `<view>/<id>/sources` instead. A join view (`viewLayerDefinition.table`) is kept
 * with its whole `table`: the main source and each related table's, by service name.
 */
import { ArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { type AdminServiceInfo, getServiceAdminInfo, getViewLayerSource, getViewSources, joinSources, joinTableOf, type LayerInfo, serviceNameInUrl, type ServiceInfo } from '../arcgis/feature-service/index.js';
import type { BlobRef, HostedServiceEntry, LayerEntry, Store, ViewEntry, ViewLayerEntry } from '../store/index.js';
import { canonicalBytes } from '../store/feature-chunks.js';
import { objectIdFieldOf } from './hosted-layer.backup.js';

export interface ViewBackupOwner {
  readonly sessionForLayers: ArcGISSession;
  readonly store: Store;
  readonly serviceUrl: string;
  putJson(value: unknown): Promise<BlobRef>;
}

/** Whether a service JSON is a view's. */
export function isViewService(service: ServiceInfo): boolean {
  return service.isView === true;
}

export async function backupViewService(owner: ViewBackupOwner, definition: BlobRef, infos: LayerInfo[], previous: HostedServiceEntry | undefined): Promise<HostedServiceEntry> {
  const layers: LayerEntry[] = [];
  for (const info of infos) {
    const entry: LayerEntry = { id: info.id, name: info.name ?? `Layer ${info.id}`, kind: info.type === 'Table' ? 'table' : 'layer', definition: await owner.putJson(info), featureCount: 0, chunks: [], status: 'ok' };
    const oidField = objectIdFieldOf(info);
    if (oidField) entry.objectIdField = oidField;
    layers.push(entry);
  }
  const view = (await unchangedView(owner.store, previous, infos)) ?? (await readViewReference(owner.sessionForLayers, owner.serviceUrl, infos));
  const missing = infos.filter((info) => !view.layers.some((l) => l.id === info.id));
  for (const info of missing) {
    const layer = layers.find((l) => l.id === info.id)!;
    layer.status = 'skipped';
    layer.problems = [{ part: `layer:${info.id}`, status: 'skipped', reason: `View layer ${info.id} (${layer.name}) names no source layer (its source may have been deleted): only its definition is kept.`, code: 'view_source_missing' }];
  }
  return { url: owner.serviceUrl, definition, layers, view };
}

/** Properties of a view layer's JSON that change with its source's data, not with the view. */
const VOLATILE = new Set(['editingInfo', 'serverGens', 'extent', 'currentVersion']);

/** The definition without its volatile properties, serialized as the store serializes it (keys sorted). */
function comparable(info: Record<string, unknown>): string {
  return canonicalBytes(Object.fromEntries(Object.entries(info).filter(([k]) => !VOLATILE.has(k)))).toString('utf8');
}

/** The previous snapshot's reference when the view's layers and their definitions (edit dates aside) are the same. */
async function unchangedView(store: Store, previous: HostedServiceEntry | undefined, infos: LayerInfo[]): Promise<ViewEntry | undefined> {
  if (!previous?.view || previous.layers.length !== infos.length) return undefined;
  for (const info of infos) {
    const before = previous.layers.find((l) => l.id === info.id);
    if (!before || !previous.view.layers.some((l) => l.id === info.id)) return undefined;
    const stored = await store.getJson<Record<string, unknown>>(before.definition.hash).catch(() => undefined);
    if (!stored || comparable(stored) !== comparable(info)) return undefined;
  }
  return previous.view;
}

const trim = (url: string) => url.replace(/\/+$/, '');

async function readViewReference(session: ArcGISSession, url: string, infos: LayerInfo[]): Promise<ViewEntry> {
  const services = await getViewSources({ session, url });
  const sources = services
    .filter((s): s is typeof s & { url: string } => typeof s.url === 'string' && s.url !== '')
    .map((s) => ({ url: trim(s.url), ...(typeof s.serviceItemId === 'string' && s.serviceItemId !== '' ? { itemId: s.serviceItemId } : {}) }));
  let admin: AdminServiceInfo | undefined;
  try {
    admin = await getServiceAdminInfo({ session, url });
  } catch (error) {
    // Only the owner and administrators read the admin JSON: the public per-layer `/sources` says enough.
    if (!(error instanceof ArcGISFailure) || !['forbidden', 'not_found', 'invalid', 'auth'].includes(error.kind)) throw error;
  }
  const adminLayers = [...(admin?.layers ?? []), ...(admin?.tables ?? [])];
  const layers: ViewLayerEntry[] = [];
  for (const info of infos) {
    const definition = adminLayers.find((l) => l.id === info.id)?.adminLayerInfo?.viewLayerDefinition;
    // A join view names its main source in `table`, and keeps every source name there (a restore rewrites them).
    const join = joinTableOf(definition);
    const mainName = join?.sourceServiceName ?? definition?.sourceServiceName;
    const named = typeof mainName === 'string' ? sources.find((s) => serviceNameInUrl(s.url)?.toLowerCase() === mainName.toLowerCase()) : undefined;
    const sourceLayerId = Number(join ? join.sourceLayerId : definition?.sourceLayerId);
    if (definition && named && Number.isInteger(sourceLayerId)) {
      if (join) addJoinedSources(sources, named.url, join);
      layers.push({ id: info.id, sourceUrl: named.url, sourceLayerId, viewLayerDefinition: join ? { ...definition } : withoutSourceNames(definition) });
      continue;
    }
    const source = await getViewLayerSource({ session, url: `${url}/${info.id}` });
    const match = typeof source?.url === 'string' ? /^(.*\/FeatureServer)\/(\d+)\/?$/i.exec(source.url) : null;
    if (!match) continue;
    layers.push({ id: info.id, sourceUrl: trim(match[1]!), sourceLayerId: Number(match[2]), ...(definition ? { viewLayerDefinition: withoutSourceNames(definition) } : {}) });
    if (!sources.some((s) => s.url.toLowerCase() === trim(match[1]!).toLowerCase())) sources.push({ url: trim(match[1]!), ...(source?.serviceItemId ? { itemId: source.serviceItemId } : {}) });
  }
  return { sources, layers };
}

/**
 * The joined services `/sources` did not list (it lists them all on ArcGIS; this keeps a snapshot whole if not): each
 * on the main source's server, by name.
 */
function addJoinedSources(sources: ViewEntry['sources'], mainUrl: string, join: Record<string, unknown>): void {
  for (const { sourceServiceName } of joinSources(join)) {
    if (sources.some((s) => serviceNameInUrl(s.url)?.toLowerCase() === sourceServiceName.toLowerCase())) continue;
    sources.push({ url: mainUrl.replace(/\/[^/]+\/FeatureServer$/i, `/${encodeURIComponent(sourceServiceName)}/FeatureServer`) });
  }
}

function withoutSourceNames(definition: Record<string, unknown>): Record<string, unknown> {
  const { sourceServiceName: _name, sourceLayerId: _id, ...rest } = definition;
  return rest;
}
