/**
 * What the phases of a layer's sync share (layer-sync.ts runs them): the context, the checkpoint, the match of
 * snapshot features to live ones, and reading the snapshot's features.
 */
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import { type EsriFeature, FEATURE_CHUNK_FORMAT, type FeatureChunkContent } from '../../store/feature-chunks.js';
import type { LayerEntry, Store } from '../../store/index.js';
import type { LayerWriteInfo } from './definitions.js';
import type { OidRun } from './oid-map.js';
import { type EditResult, normalizeGuid, stringAttribute } from '../../arcgis/feature-service/index.js';

/** Features per add/update request: ArcGIS handles 1000-2000 well; more risks request-size limits and timeouts. */
export const MAX_EDIT_BATCH = 2000;
/** Passes over a layer (and tries per attachment) before giving up when adds keep failing ambiguously. */
export const MAX_PASSES = 8;

export interface LayerCheckpoint {
  phase: 'features' | 'attachments' | 'done';
  /** Adds of earlier runs (only needed when GlobalIDs cannot identify them). */
  runs?: OidRun[];
}

export interface LayerSyncContext {
  session: ArcGISSession;
  store: Store;
  signal: AbortSignal;
  layerUrl: string;
  /** The snapshot's layer entry and what its definition says about writing. */
  entry: LayerEntry;
  snapshotInfo: LayerWriteInfo;
  /** What the live layer's definition says (field names may differ in case; managed fields decide what is sent). */
  liveInfo: LayerWriteInfo;
  /** Send GlobalIDs with the adds (useGlobalIds): the service supports it and both sides have a GlobalID field. */
  preserveGlobalIds: boolean;
  /** In place, a snapshot feature may still be the live feature of the same object id; not so in a new service. */
  matchByObjectId: boolean;
  /** The layer was created empty by this very call (not resumed): its first pass needs not read what it holds. */
  startsEmpty: boolean;
  /**
   * Download live attachments that look like the snapshot's and compare their bytes (in place: someone may have
   * replaced a file). Not needed in a service this restore made, whose attachments all came from the snapshot.
   */
  verifyAttachmentBytes: boolean;
  concurrency: number;
  /**
   * Old GlobalID (normalized) -> the GlobalID the feature has now, for features whose GlobalID could not be kept
   * (no useGlobalIds). Shared by the service's layers: GUID key fields of related features are rewritten with it, so
   * relationships keep pointing at the right features. Layers are restored origins first.
   */
  globalIdMap: Map<string, string>;
  state: LayerCheckpoint;
  /** Asks for a checkpoint of the whole restore (coalesced by the caller). */
  saveState: () => Promise<void>;
  progress: (features: number, attachments: number) => void;
}

export interface Match {
  /** snapshot object id -> live object id */
  oldToLive: Map<number, number>;
  /** live object ids that no snapshot feature matched */
  extras: number[];
}

export async function readChunk(ctx: LayerSyncContext, hash: string): Promise<FeatureChunkContent> {
  const content = await ctx.store.getJson<FeatureChunkContent>(hash);
  if (content.format !== FEATURE_CHUNK_FORMAT || !Array.isArray(content.features)) throw new Error(`Blob ${hash} of layer ${ctx.entry.id} is not a feature chunk.`);
  return content;
}

export function snapshotGlobalId(ctx: LayerSyncContext, feature: EsriFeature): string | undefined {
  const field = ctx.snapshotInfo.globalIdField;
  const value = field ? stringAttribute(feature, field) : undefined;
  return value === undefined ? undefined : normalizeGuid(value);
}

export function describeEditError(result: EditResult | undefined): string {
  if (!result) return 'no result';
  return `${result.error?.description ?? 'refused'}${result.error?.code !== undefined ? ` (code ${result.error.code})` : ''}`;
}
