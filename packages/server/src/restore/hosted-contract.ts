/**
 * The contract with the hosted feature service restore (restore/hosted): what the engine calls for items that are
 * hosted feature services, as an interface so that RestoreService can be given another implementation in tests
 * (its `hosted` option). The argument and result types are the hosted module's own.
 */
import * as HostedModule from './hosted/index.js';
import type { RecreateHostedServiceArgs, RecreateHostedServiceResult, RestoreLayerDataArgs, RestoreLayerDataResult } from './hosted/hosted-restore.types.js';
import type { RecreateViewArgs, RestoreViewDefinitionArgs, RestoreViewDefinitionResult } from './hosted/index.js';

export interface HostedRestore {
  recreateHostedService(args: RecreateHostedServiceArgs): Promise<RecreateHostedServiceResult>;
  restoreLayerData(args: RestoreLayerDataArgs): Promise<RestoreLayerDataResult>;
  /** A hosted feature layer view, made again as a view of its (restored) source. */
  recreateView(args: RecreateViewArgs): Promise<RecreateHostedServiceResult>;
  /** A live view's definition brought back; never its rows. */
  restoreViewDefinition(args: RestoreViewDefinitionArgs): Promise<RestoreViewDefinitionResult>;
}

/** The hosted-service module as the engine uses it. */
export function loadHostedRestore(): Promise<HostedRestore> {
  return Promise.resolve({
    recreateHostedService: HostedModule.recreateHostedService,
    restoreLayerData: HostedModule.restoreLayerData,
    recreateView: HostedModule.recreateView,
    restoreViewDefinition: HostedModule.restoreViewDefinition
  });
}
