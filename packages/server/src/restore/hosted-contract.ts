/**
 * The contract with the hosted feature service restore (restore/hosted/index.ts, another module): what the engine
 * calls for items that are hosted feature services, declared here so the engine can be given another implementation
 * in tests; `loadHostedRestore` assigns the module's functions to it, so the compiler keeps them to these signatures.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import type { ItemEntry, Store } from '../store/index.js';
import * as HostedModule from './hosted/index.js';

export interface HostedProgress {
  features: number;
  attachments: number;
}

export interface RecreateHostedArgs {
  session: ArcGISSession;
  store: Store;
  entry: ItemEntry;
  owner: string;
  folderId?: string | null;
  serviceName: string;
  itemProperties: Record<string, unknown>;
  signal: AbortSignal;
  checkpoint: (state: unknown) => Promise<void>;
  resumeState?: unknown;
  onProgress?: (p: HostedProgress) => void;
}

export interface RecreateHostedResult {
  itemId: string;
  serviceUrl: string;
  layerUrls: Record<number, string>;
}

export interface RestoreLayerDataArgs {
  session: ArcGISSession;
  store: Store;
  entry: ItemEntry;
  serviceUrl: string;
  layerIds?: number[];
  signal: AbortSignal;
  checkpoint: (state: unknown) => Promise<void>;
  resumeState?: unknown;
  onProgress?: (p: HostedProgress) => void;
}

export interface RestoreLayerDataResult {
  added: number;
  updated: number;
  deleted: number;
  attachmentsAdded: number;
  attachmentsDeleted: number;
}

export interface HostedRestore {
  recreateHostedService(args: RecreateHostedArgs): Promise<RecreateHostedResult>;
  restoreLayerData(args: RestoreLayerDataArgs): Promise<RestoreLayerDataResult>;
}

/** The hosted-service module as the engine uses it (tests inject fakes through RestoreService's `hosted` option). */
export function loadHostedRestore(): Promise<HostedRestore> {
  return Promise.resolve({ recreateHostedService: HostedModule.recreateHostedService, restoreLayerData: HostedModule.restoreLayerData });
}
