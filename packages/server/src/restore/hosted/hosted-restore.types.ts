import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { ItemEntry, Store } from '../../store/index.js';

export interface HostedRestoreProgress {
  /** Snapshot features handled so far (added, updated or found equal). */
  features: number;
  /** Attachments added so far. */
  attachments: number;
}

interface CommonArgs {
  session: ArcGISSession;
  store: Store;
  /** The snapshot's entry of the Feature Service item (`entry.service` holds what is restored). */
  entry: ItemEntry;
  signal: AbortSignal;
  /**
   * Called with a JSON-serializable state whenever enough work is done to be worth not redoing; the caller stores it
   * durably and passes the last one back as `resumeState` after a crash or failure. Awaited before more work that
   * depends on it is started.
   */
  checkpoint: (state: unknown) => Promise<void>;
  resumeState?: unknown;
  onProgress?: (progress: HostedRestoreProgress) => void;
}

export interface RecreateHostedServiceArgs extends CommonArgs {
  /** Owner of the new service item (its username). */
  owner: string;
  /** Owner's folder id; null or absent for the root folder. */
  folderId?: string | null;
  /** Wanted service name; a suffix (`_1`, `_2`, ...) is added when the organization already uses it. */
  serviceName: string;
  /** The item's properties (title, tags, ...): restored by the caller; accepted here for the contract's sake. */
  itemProperties: Record<string, unknown>;
}

export interface RecreateHostedServiceResult {
  itemId: string;
  serviceUrl: string;
  /** Layer or table id -> its URL in the new service (ids are kept). */
  layerUrls: Record<number, string>;
}

export interface RestoreLayerDataArgs extends CommonArgs {
  /** The live service (`.../FeatureServer`) to bring back to the snapshot's data. */
  serviceUrl: string;
  /** Layers and tables to restore (default: every one the snapshot has). */
  layerIds?: number[];
}

export interface RestoreLayerDataResult {
  added: number;
  updated: number;
  deleted: number;
  attachmentsAdded: number;
  attachmentsDeleted: number;
}
