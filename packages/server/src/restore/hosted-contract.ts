/**
 * The contract with the hosted feature service restore (restore/hosted/index.ts, another module): what the engine
 * calls for items that are hosted feature services. Declared here so the engine compiles and is tested on its own;
 * the module is loaded at run time (`loadHostedRestore`).
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import type { ItemEntry, Store } from '../store/index.js';
import type * as HostedModule from './hosted/index.js';

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

/** Compile-time check that the hosted-service module still has the agreed signatures. */
type Agreed<T extends true> = T;
export type HostedContractHolds = Agreed<
  typeof HostedModule.recreateHostedService extends HostedRestore['recreateHostedService']
    ? typeof HostedModule.restoreLayerData extends HostedRestore['restoreLayerData']
      ? true
      : false
    : false
>;

/**
 * The hosted-service module, or undefined when this build does not have it (the plan then says hosted feature services
 * cannot be restored). The path is a variable so the engine compiles without the module.
 */
export async function loadHostedRestore(): Promise<HostedRestore | undefined> {
  const path = './hosted/index.js';
  try {
    const mod = (await import(path)) as Partial<HostedRestore>;
    if (typeof mod.recreateHostedService === 'function' && typeof mod.restoreLayerData === 'function') {
      return { recreateHostedService: mod.recreateHostedService, restoreLayerData: mod.restoreLayerData };
    }
    return undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
