/**
 * In place: the chosen layers of a live hosted service are brought back to the snapshot's data (features and
 * attachments); the service and its item id stay.
 */
import { defineMissingLayers } from './define-layers.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { RestoreLayerDataArgs, RestoreLayerDataResult } from './hosted-restore.types.js';
import { isServiceDataState, restoreServiceData, type ServiceDataState } from './service-data.js';

interface InPlaceState extends ServiceDataState {
  v: 1;
  kind: 'in-place';
  serviceUrl: string;
}

export async function restoreLayerData(args: RestoreLayerDataArgs): Promise<RestoreLayerDataResult> {
  const service = args.entry.service;
  if (!service) throw new HostedRestoreError('not_in_snapshot', `Item ${args.entry.id} (${args.entry.title}) has no hosted service data in this snapshot.`);
  const serviceUrl = args.serviceUrl.trim().replace(/\/+$/, '');
  const state = resumed(args.resumeState, serviceUrl) ?? { v: 1, kind: 'in-place', serviceUrl, layers: {} };
  const layerIds = args.layerIds ?? service.layers.map((l) => l.id);
  // A layer or table deleted from the service since the snapshot comes back with its definition, then its data.
  await defineMissingLayers(args.session.withSignal(args.signal), args.store, service, serviceUrl, { layerIds: layerIds.filter((id) => service.layers.some((l) => l.id === id && l.status === 'ok')) });
  return restoreServiceData({
    session: args.session,
    store: args.store,
    signal: args.signal,
    service,
    serviceUrl,
    layerIds,
    matchByObjectId: true,
    state,
    saveState: () => args.checkpoint(structuredClone(state)),
    ...(args.onProgress ? { onProgress: args.onProgress } : {})
  });
}

function resumed(value: unknown, serviceUrl: string): InPlaceState | undefined {
  if (value === undefined || value === null) return undefined;
  const state = value as Partial<InPlaceState>;
  if (state.v !== 1 || state.kind !== 'in-place' || !isServiceDataState(value)) {
    throw new HostedRestoreError('bad_resume_state', 'The resume state given is not one an in-place layer restore wrote; start the restore without it.');
  }
  if (state.serviceUrl !== serviceUrl) {
    throw new HostedRestoreError('bad_resume_state', `The resume state is for ${String(state.serviceUrl)}, not ${serviceUrl}; start the restore without it.`);
  }
  return structuredClone(value as InPlaceState);
}
