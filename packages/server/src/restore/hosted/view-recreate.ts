/**
 * Recreate (and clone) a hosted feature layer view as a view: createService with `isView` (and the view's
 * `isUpdatableView`, `sourceSchemaChangesAllowed` and capabilities), then addToDefinition with each layer's
 * `adminLayerInfo.viewLayerDefinition` on the restored or cloned source (view-layers.ts). No row is ever written: the
 * view shows its source's. Esri: "Create hosted feature layer views" and Add to Definition (Feature Service); the
 * ArcGIS API for Python's `create_view` and clone_items send the same requests.
 *
 * Resumable like a service recreate: the name a createService was sent with is saved first (a lost answer is found by
 * that name), and layers the view has already are not added again.
 */
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import { addToDefinition, AmbiguousWriteError, getLayerInfo, getServiceInfo, type ServiceInfo, updateDefinition } from '../../arcgis/feature-service/index.js';
import type { HostedServiceEntry, Store } from '../../store/index.js';
import { createParameters } from './definitions.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { RecreateHostedServiceArgs, RecreateHostedServiceResult } from './hosted-restore.types.js';
import { createWithFreeName } from './recreate.js';
import { joinOf, type SourceUrlFor, targetSourceUrl, viewFieldOverrides, viewLayersForAdd, viewLinkOf } from './view-layers.js';

export interface RecreateViewArgs extends Omit<RecreateHostedServiceArgs, 'onProgress'> {
  /** The target URL of each source service the snapshot names (restored by this run, or still in the organization). */
  sourceUrlFor: SourceUrlFor;
}

interface ViewState {
  v: 1;
  kind: 'view';
  serviceName?: string;
  itemId?: string;
  serviceUrl?: string;
  defined?: boolean;
}

export async function recreateView(args: RecreateViewArgs): Promise<RecreateHostedServiceResult> {
  const service = args.entry.service;
  if (!service?.view) throw new HostedRestoreError('not_in_snapshot', `Item ${args.entry.id} (${args.entry.title}) is not a hosted feature layer view in this snapshot.`);
  const state = resumed(args.resumeState) ?? { v: 1, kind: 'view' };
  const save = () => args.checkpoint(structuredClone(state));
  const session = args.session.withSignal(args.signal);
  // Checked before anything is created: a view without its source cannot be made at all.
  const definitions = await viewLayersForAdd(args.store, service, args.sourceUrlFor);
  if (!state.serviceUrl || !state.itemId) {
    const json = await args.store.getJson<Record<string, unknown>>(service.definition.hash);
    const created = await createWithFreeName(session, args, state, save, (name) => ({ createParameters: viewCreateParameters(json, name), params: { isView: true } }));
    Object.assign(state, { itemId: created.itemId, serviceUrl: created.serviceUrl });
    await save();
  }
  const serviceUrl = state.serviceUrl!;
  if (!state.defined) {
    await defineViewLayers(session, args.store, service, serviceUrl, args.sourceUrlFor, { knownEmpty: args.resumeState === undefined || args.resumeState === null, given: definitions });
    await restoreOwnFieldProperties(session, args.store, service, serviceUrl, args.sourceUrlFor);
    state.defined = true;
    await save();
  }
  const layerUrls: Record<number, string> = {};
  for (const layer of service.layers) layerUrls[layer.id] = `${serviceUrl}/${layer.id}`;
  return { itemId: state.itemId!, serviceUrl, layerUrls };
}

/** createParameters of a view: the service's own properties and capabilities (a view is never written to here). */
export function viewCreateParameters(json: Record<string, unknown>, name: string): Record<string, unknown> {
  const params = createParameters(json, name);
  if (typeof json.capabilities === 'string') params.capabilities = json.capabilities;
  delete params.hasStaticData;
  params.isView = true;
  params.isUpdatableView = json.isUpdatableView !== false;
  params.sourceSchemaChangesAllowed = json.sourceSchemaChangesAllowed !== false;
  return params;
}

/** addToDefinition with the view layers the view lacks (all of them when it was just created); returns their ids. */
export async function defineViewLayers(
  session: ArcGISSession,
  store: Store,
  service: HostedServiceEntry,
  serviceUrl: string,
  sourceUrlFor: SourceUrlFor,
  options: { knownEmpty?: boolean; given?: { layers: Record<string, unknown>[]; tables: Record<string, unknown>[] } } = {}
): Promise<number[]> {
  const present = options.knownEmpty ? new Set<number>() : idsOf(await getServiceInfo({ session, url: serviceUrl }));
  const missing = service.layers.map((l) => l.id).filter((id) => !present.has(id));
  if (missing.length === 0) return [];
  const all = options.given ?? (await viewLayersForAdd(store, service, sourceUrlFor, missing));
  const wanted = { layers: all.layers.filter((l) => missing.includes(l.id as number)), tables: all.tables.filter((t) => missing.includes(t.id as number)) };
  try {
    await addToDefinition({ session, url: serviceUrl, ...wanted });
  } catch (error) {
    if (!(error instanceof AmbiguousWriteError)) throw error;
    const now = idsOf(await getServiceInfo({ session, url: serviceUrl }));
    const rest = { layers: wanted.layers.filter((l) => !now.has(l.id as number)), tables: wanted.tables.filter((t) => !now.has(t.id as number)) };
    if (rest.layers.length + rest.tables.length > 0) await addToDefinition({ session, url: serviceUrl, ...rest });
  }
  return missing;
}

/** The view's own field properties (alias, domain, description) where they differ from its source's. */
async function restoreOwnFieldProperties(session: ArcGISSession, store: Store, service: HostedServiceEntry, serviceUrl: string, sourceUrlFor: SourceUrlFor): Promise<void> {
  const origins = await session.orgOrigins();
  const layers: Record<string, unknown>[] = [];
  for (const layer of service.layers) {
    const link = viewLinkOf(service, layer.id);
    // A join names its fields and aliases in its definition (sent with addToDefinition); ArcGIS takes no field update.
    if (joinOf(link)) continue;
    const sourceUrl = origins.hostedFeatureServiceUrl(targetSourceUrl(link, sourceUrlFor));
    if (!sourceUrl) continue;
    const source = await getLayerInfo({ session, url: `${sourceUrl}/${link.sourceLayerId}` });
    const own = viewFieldOverrides(await store.getJson<Record<string, unknown>>(layer.definition.hash), (source.fields ?? []));
    const fields = (source.fields ?? []).filter((f) => own.has(f.name.toLowerCase())).map((f) => ({ name: f.name, ...own.get(f.name.toLowerCase())! }));
    if (fields.length > 0) layers.push({ id: layer.id, fields });
  }
  if (layers.length > 0) await updateDefinition({ session, url: serviceUrl, definition: { layers } });
}

function idsOf(service: ServiceInfo): Set<number> {
  return new Set([...(service.layers ?? []), ...(service.tables ?? [])].map((l) => l.id));
}

function resumed(value: unknown): ViewState | undefined {
  if (value === undefined || value === null) return undefined;
  const state = value as Partial<ViewState>;
  if (state.v !== 1 || state.kind !== 'view') {
    throw new HostedRestoreError('bad_resume_state', 'The resume state given is not one a view recreate wrote; start the restore without it.');
  }
  return structuredClone(value as ViewState);
}
