/**
 * Restore of hosted feature services from a snapshot: recreate a deleted service with its layers, features and
 * attachments, or bring chosen layers of a live service back to the snapshot's data. The restore engine calls these;
 * both are resumable through the checkpoint/resumeState pair.
 */
export { recreateHostedService, serviceNameFrom } from './recreate.js';
export { restoreLayerData } from './in-place.js';
export { recreateView, type RecreateViewArgs } from './view-recreate.js';
export { restoreViewDefinition, type RestoreViewDefinitionArgs, type RestoreViewDefinitionResult } from './view-in-place.js';
export { HostedRestoreError, type HostedRestoreErrorCode } from './hosted-restore.error.js';
export type {
  HostedRestoreProgress,
  RecreateHostedServiceArgs,
  RecreateHostedServiceResult,
  RestoreLayerDataArgs,
  RestoreLayerDataResult
} from './hosted-restore.types.js';
export { comparableLayerDefinition } from './definitions.js';
