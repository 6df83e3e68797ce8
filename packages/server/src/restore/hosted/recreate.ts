/**
 * Recreate: a hosted feature service that no longer exists is created again from the snapshot: createService with
 * the service's properties, addToDefinition with every layer's and table's definition (ids kept, so relationships
 * and layer URLs keep their numbers), then every feature and every attachment (service-data.ts).
 *
 * Resumable: the state says which service was (being) created and how far each layer got. A createService whose
 * answer was lost is found again by its name; layers already defined are not added twice.
 */
import { ArcGISFailure } from '../../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import { createParameters } from './definitions.js';
import { defineMissingLayers } from './define-layers.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { RecreateHostedServiceArgs, RecreateHostedServiceResult } from './hosted-restore.types.js';
import { isServiceDataState, restoreServiceData, type ServiceDataState } from './service-data.js';
import { AmbiguousWriteError, createService, type CreateServiceOptions, type CreateServiceResult, findServiceItem } from '../../arcgis/feature-service/index.js';
import { isServiceNameAvailable } from '../../arcgis/portal/index.js';

interface RecreateState extends ServiceDataState {
  v: 1;
  kind: 'recreate';
  /** The name a createService was sent with (set before sending it). */
  serviceName?: string;
  itemId?: string;
  serviceUrl?: string;
  defined?: boolean;
}

/** Suffixes tried after the wanted name is taken. */
const MAX_NAME_SUFFIX = 99;
/** createService requests whose answer was lost (and that created nothing) before giving up. */
const MAX_LOST_CREATES = 5;

export async function recreateHostedService(args: RecreateHostedServiceArgs): Promise<RecreateHostedServiceResult> {
  const service = args.entry.service;
  if (!service) throw new HostedRestoreError('not_in_snapshot', `Item ${args.entry.id} (${args.entry.title}) has no hosted service in this snapshot, so it cannot be recreated as one.`);
  const state = resumed(args.resumeState) ?? { v: 1, kind: 'recreate', layers: {} };
  const save = () => args.checkpoint(structuredClone(state));
  const session = args.session.withSignal(args.signal);

  // Resumed runs read what the service holds; a service made by this very call is known to be empty.
  let fresh = false;
  if (!state.serviceUrl || !state.itemId) {
    fresh = args.resumeState === undefined || args.resumeState === null;
    const definition = await args.store.getJson<Record<string, unknown>>(service.definition.hash);
    const created = await createWithFreeName(session, args, state, save, (name) => ({ createParameters: createParameters(definition, name) }));
    state.itemId = created.itemId;
    state.serviceUrl = created.serviceUrl;
    // Created editable; the snapshot's capabilities are put back once the data is in.
    const original = (await args.store.getJson<Record<string, unknown>>(service.definition.hash)).capabilities;
    state.originalCapabilities = typeof original === 'string' ? original : '';
    await save();
  }
  const serviceUrl = state.serviceUrl;
  const itemId = state.itemId;
  if (!state.defined) {
    await defineMissingLayers(session, args.store, service, serviceUrl, { knownEmpty: fresh });
    state.defined = true;
    await save();
  }
  const layerUrls: Record<number, string> = {};
  for (const layer of service.layers) layerUrls[layer.id] = `${serviceUrl}/${layer.id}`;
  try {
    await restoreServiceData({
      session: args.session,
      store: args.store,
      signal: args.signal,
      service,
      serviceUrl,
      layerIds: service.layers.map((l) => l.id),
      matchByObjectId: false,
      freshService: fresh,
      state,
      saveState: save,
      ...(args.onProgress ? { onProgress: args.onProgress } : {})
    });
  } catch (error) {
    // The caller must learn the new item even when some features were refused.
    if (error instanceof HostedRestoreError) error.service = { itemId, serviceUrl };
    throw error;
  }
  return { itemId, serviceUrl, layerUrls };
}

/**
 * createService under the wanted name, or the first free `<name>_<n>`; a createService whose answer was lost is found
 * again by its name (`state.serviceName` is saved before each attempt). Views use it too (view-recreate.ts).
 */
export async function createWithFreeName(
  session: ArcGISSession,
  args: Pick<RecreateHostedServiceArgs, 'owner' | 'folderId' | 'serviceName'>,
  state: { serviceName?: string },
  save: () => Promise<void>,
  request: (name: string) => Pick<CreateServiceOptions, 'createParameters' | 'params'>
): Promise<CreateServiceResult> {
  // A createService sent before a crash: if its name is now taken by a service of this owner, that is ours.
  if (state.serviceName) {
    const found = await lostCreate(session, args.owner, state.serviceName);
    if (found) return found;
  }
  const base = serviceNameFrom(args.serviceName);
  let lostAnswers = 0;
  for (let suffix = 0; suffix <= MAX_NAME_SUFFIX; suffix++) {
    const name = suffix === 0 ? base : `${base}_${suffix}`;
    if (!(await isServiceNameAvailable({ session, name }))) continue;
    state.serviceName = name;
    await save();
    try {
      return await createService({ session, owner: args.owner, folderId: args.folderId ?? null, ...request(name) });
    } catch (error) {
      if (error instanceof AmbiguousWriteError) {
        const found = await lostCreate(session, args.owner, name);
        if (found) return found;
        // Not created: the same name again, a few times.
        if (++lostAnswers >= MAX_LOST_CREATES) throw error;
        suffix--;
        continue;
      }
      // Taken between the check and the create (another run or user): try the next name.
      if (error instanceof ArcGISFailure && (error.code === 409 || /already exists/i.test(error.message))) continue;
      throw error;
    }
  }
  throw new HostedRestoreError('create_failed', `No free service name found for "${base}" (tried "${base}" and "${base}_1" to "${base}_${MAX_NAME_SUFFIX}"); pass another service name.`);
}

async function lostCreate(session: ArcGISSession, owner: string, name: string): Promise<CreateServiceResult | undefined> {
  if (await isServiceNameAvailable({ session, name })) return undefined;
  return findServiceItem({ session, owner, name });
}

/** ArcGIS service names: letters, digits and underscores. */
export function serviceNameFrom(wanted: string): string {
  const cleaned = wanted.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned === '' ? 'Restored_service' : cleaned.slice(0, 100);
}

function resumed(value: unknown): RecreateState | undefined {
  if (value === undefined || value === null) return undefined;
  const state = value as Partial<RecreateState>;
  if (state.v !== 1 || state.kind !== 'recreate' || !isServiceDataState(value)) {
    throw new HostedRestoreError('bad_resume_state', 'The resume state given is not one a hosted-service recreate wrote; start the restore without it.');
  }
  return structuredClone(value as RecreateState);
}
