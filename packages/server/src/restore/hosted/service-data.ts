/**
 * The part both modes share: restore the data of chosen layers of a live service from the snapshot, layer after
 * layer, with the service made editable for the time it takes (its original capabilities are put back after).
 */
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { HostedServiceEntry, LayerEntry, Store } from '../../store/index.js';
import { capabilityList, layerWriteInfo, withEditing } from './definitions.js';
import { HostedRestoreError } from './hosted-restore.error.js';
import type { HostedRestoreProgress, RestoreLayerDataResult } from './hosted-restore.types.js';
import { recordGlobalIds, syncLayer } from './layer-sync.js';
import type { LayerCheckpoint, LayerSyncContext } from './layer-sync-context.js';
import { OidMap } from './oid-map.js';
import { getLayerInfo, getServiceInfo, type ServiceInfo, updateDefinition } from '../../arcgis/feature-service/index.js';

export interface ServiceDataState {
  /** The service's capabilities before the restore made it editable (put back at the end). */
  originalCapabilities?: string;
  layers: Record<string, LayerCheckpoint>;
}

export interface ServiceDataContext {
  session: ArcGISSession;
  store: Store;
  signal: AbortSignal;
  service: HostedServiceEntry;
  serviceUrl: string;
  layerIds: number[];
  matchByObjectId: boolean;
  /** The service was created empty by this call (a recreate that is not a resume). */
  freshService?: boolean;
  /**
   * Keep GlobalIDs with useGlobalIds where the service supports it (default). False makes the restore behave as on a
   * service without that support: new GlobalIDs, and GUID keys of related features rewritten to them (tests).
   */
  useGlobalIds?: boolean;
  state: ServiceDataState;
  saveState: () => Promise<void>;
  onProgress?: (progress: HostedRestoreProgress) => void;
}

export function isServiceDataState(value: unknown): value is ServiceDataState {
  if (!value || typeof value !== 'object') return false;
  const layers = (value as { layers?: unknown }).layers;
  if (!layers || typeof layers !== 'object') return false;
  return Object.values(layers).every((l) => {
    if (!l || typeof l !== 'object') return false;
    const layer = l as LayerCheckpoint;
    return ['features', 'attachments', 'done'].includes(layer.phase) && (layer.runs === undefined || OidMap.isRuns(layer.runs));
  });
}

/** What restoring a service's layers shares from layer to layer. */
interface ServiceRun {
  ctx: ServiceDataContext;
  session: ArcGISSession;
  /** The live service, as made editable. */
  live: ServiceInfo;
  /** The snapshot's layer definitions, by layer id. */
  definitions: Map<number, Record<string, unknown>>;
  totals: RestoreLayerDataResult;
  progress: HostedRestoreProgress;
  rejected: string[];
  globalIdMap: Map<string, string>;
}

export async function restoreServiceData(ctx: ServiceDataContext): Promise<RestoreLayerDataResult> {
  const session = ctx.session.withSignal(ctx.signal);
  const { entries, incomplete } = snapshotLayers(ctx);
  const live = await makeEditable(ctx, session);
  const liveIds = new Set([...(live.layers ?? []), ...(live.tables ?? [])].map((l) => l.id));
  const run: ServiceRun = {
    ctx,
    session,
    live,
    definitions: new Map(),
    totals: { added: 0, updated: 0, deleted: 0, attachmentsAdded: 0, attachmentsDeleted: 0 },
    progress: { features: 0, attachments: 0 },
    rejected: [],
    globalIdMap: new Map()
  };
  // Origins of relationships first: their features' GlobalIDs are known before the related features are written.
  for (const entry of entries) run.definitions.set(entry.id, await ctx.store.getJson<Record<string, unknown>>(entry.definition.hash));
  entries.sort((a, b) => Number(isOrigin(run, b)) - Number(isOrigin(run, a)));
  try {
    for (const entry of entries) {
      if (!liveIds.has(entry.id)) {
        throw new HostedRestoreError('not_in_snapshot', `The service ${ctx.serviceUrl} has no layer or table ${entry.id} (${entry.name}); restore the service definition first or choose other layers.`);
      }
      await restoreLayer(run, entry);
    }
  } catch (error) {
    // Not left editable by a failed run (best effort, without the cancelled signal); the state keeps the original
    // capabilities, so a resumed run makes it editable again and puts them back at its end.
    const original = ctx.state.originalCapabilities;
    if (original !== undefined) await updateDefinition({ session: ctx.session, url: ctx.serviceUrl, definition: { capabilities: original } }).catch(() => undefined);
    throw error;
  }

  if (ctx.state.originalCapabilities !== undefined) {
    const original = ctx.state.originalCapabilities;
    if (capabilityList(original).join(',') !== capabilityList(live.capabilities).join(',')) await updateDefinition({ session: session, url: ctx.serviceUrl, definition: { capabilities: original } });
    delete ctx.state.originalCapabilities;
    await ctx.saveState();
  }
  throwIfNotAllRestored(ctx, incomplete, run.rejected);
  return run.totals;
}

/**
 * The snapshot's entries of the chosen layers. In place, a layer the snapshot holds only in part stops the restore
 * before anything changes; a recreated service gets its other layers' data and the incomplete ones are reported at
 * the end.
 */
function snapshotLayers(ctx: ServiceDataContext): { entries: LayerEntry[]; incomplete: string[] } {
  const incomplete: string[] = [];
  const entries: LayerEntry[] = [];
  for (const id of ctx.layerIds) {
    try {
      entries.push(layerEntryOf(ctx.service, id));
    } catch (error) {
      if (ctx.matchByObjectId || !(error instanceof HostedRestoreError)) throw error;
      incomplete.push(error.message);
    }
  }
  return { entries, incomplete };
}

/** Makes the live service editable for the restore, its original capabilities saved first to be put back. */
async function makeEditable(ctx: ServiceDataContext, session: ArcGISSession): Promise<ServiceInfo> {
  const live: ServiceInfo = await getServiceInfo({ session: session, url: ctx.serviceUrl });
  const editable = withEditing(live.capabilities);
  if (editable === undefined) return live;
  ctx.state.originalCapabilities ??= typeof live.capabilities === 'string' ? live.capabilities : '';
  await ctx.saveState();
  await updateDefinition({ session: session, url: ctx.serviceUrl, definition: { capabilities: editable } });
  return { ...live, capabilities: editable };
}

function isOrigin(run: ServiceRun, entry: LayerEntry): boolean {
  return ((run.definitions.get(entry.id)!.relationships ?? []) as { role?: string }[]).some((r) => r.role === 'esriRelRoleOrigin');
}

/** Restores one layer's data, unless an earlier run did; refused edits are collected, anything else stops the service. */
async function restoreLayer(run: ServiceRun, entry: LayerEntry): Promise<void> {
  const { ctx, session, totals } = run;
  const state = (ctx.state.layers[String(entry.id)] ??= { phase: 'features' });
  const layerUrl = `${ctx.serviceUrl}/${entry.id}`;
  const snapshotInfo = layerWriteInfo(run.definitions.get(entry.id)!);
  // A finished layer is skipped, unless it is an origin whose GlobalIDs could not be kept (its adds were recorded).
  if (state.phase === 'done' && (!isOrigin(run, entry) || state.runs === undefined)) return;
  const liveDefinition = await getLayerInfo({ session: session, url: layerUrl });
  const liveInfo = layerWriteInfo(liveDefinition);
  const supportsGlobalIds = ctx.useGlobalIds !== false && (run.live.supportsApplyEditsWithGlobalIds === true || liveDefinition.supportsApplyEditsWithGlobalIds === true);
  const layerContext: LayerSyncContext = {
    session,
    store: ctx.store,
    signal: ctx.signal,
    layerUrl,
    entry,
    snapshotInfo,
    liveInfo,
    preserveGlobalIds: supportsGlobalIds && !!liveInfo.globalIdField && !!snapshotInfo.globalIdField,
    matchByObjectId: ctx.matchByObjectId,
    startsEmpty: ctx.freshService === true,
    verifyAttachmentBytes: ctx.matchByObjectId,
    concurrency: Math.max(1, session.concurrency),
    globalIdMap: run.globalIdMap,
    state,
    saveState: ctx.saveState,
    progress: (features: number, attachments: number) => {
      run.progress.features += features;
      run.progress.attachments += attachments;
      ctx.onProgress?.({ ...run.progress });
    }
  };
  // Done by an earlier run, but related layers still to restore need to know its features' new GlobalIDs.
  if (state.phase === 'done') {
    await recordGlobalIds(layerContext);
    return;
  }
  try {
    const result = await syncLayer(layerContext);
    totals.added += result.added;
    totals.updated += result.updated;
    totals.deleted += result.deleted;
    totals.attachmentsAdded += result.attachmentsAdded;
    totals.attachmentsDeleted += result.attachmentsDeleted;
  } catch (error) {
    // Refused edits of one layer do not stop the other layers; anything else does.
    if (!(error instanceof HostedRestoreError) || error.code !== 'edits_rejected') throw error;
    run.rejected.push(...error.details.map((d) => `layer ${entry.id}: ${d}`));
    state.phase = 'done';
    await ctx.saveState();
  }
}

/** Layers the snapshot held only in part, and edits ArcGIS refused, reported once everything else is restored. */
function throwIfNotAllRestored(ctx: ServiceDataContext, incomplete: string[], rejected: string[]): void {
  if (incomplete.length > 0) {
    const error = new HostedRestoreError('not_in_snapshot', `Some layers of ${ctx.serviceUrl} were recreated without data: ${incomplete.join(' ')}`, { details: [...incomplete, ...rejected] });
    error.service = { serviceUrl: ctx.serviceUrl };
    throw error;
  }
  if (rejected.length > 0) {
    const error = new HostedRestoreError('edits_rejected', `ArcGIS refused ${rejected.length} edit(s) while restoring ${ctx.serviceUrl}; everything else was restored. First: ${rejected[0]}`, { details: rejected.slice(0, 200) });
    error.service = { serviceUrl: ctx.serviceUrl };
    throw error;
  }
}

function layerEntryOf(service: HostedServiceEntry, id: number): LayerEntry {
  const entry = service.layers.find((l) => l.id === id);
  if (!entry) throw new HostedRestoreError('not_in_snapshot', `The snapshot has no layer or table ${id} of ${service.url}; choose among ${service.layers.map((l) => l.id).join(', ') || 'none'}.`);
  if (entry.status !== 'ok') {
    // Restoring from an incomplete copy would delete live features the snapshot simply failed to read.
    const reason = entry.problems?.[0]?.reason ?? `its backup status is ${entry.status}`;
    throw new HostedRestoreError('not_in_snapshot', `Layer ${id} (${entry.name}) was not fully backed up in this snapshot (${reason}); restore it from another snapshot.`);
  }
  return entry;
}
