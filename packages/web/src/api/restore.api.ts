// Typed calls for restores: the dry-run plan, starting a restore (an operation), and its per-step log.
// Titles in plans and logs come from ArcGIS (through the snapshot) and are untrusted text.
import type { OperationStartedView } from '@orgkeeper/server-types/operations/operation.types';
import type { RestoreParams as RestoreRequest, RestorePlan, RestoreStepsView } from '@orgkeeper/server-types/restore/restore.types';
import type { LiveItemDiff } from '@orgkeeper/server-types/restore/live-diff';
import type { ApiClient } from './api-client';

// The JSON shapes are the server's own declarations (type-only imports, erased at build). A RestoreRequest names
// exactly one of items, query, all.
export type { LiveItemDiff, PartChange, PartDiff } from '@orgkeeper/server-types/restore/live-diff';
export type {
  ItemPartName,
  PlannedReference,
  PlannedViewLayer,
  PlannedViewSource,
  PlanStep,
  PlannedRewrite,
  RestoreLogRow,
  RestoreMode,
  RestoreParams as RestoreRequest,
  RestorePlan,
  StepAction,
  StepKind,
  StepStatus
} from '@orgkeeper/server-types/restore/restore.types';

const base = (identityId: string) => `/api/identities/${encodeURIComponent(identityId)}/restores`;

export function planRestore(client: ApiClient, identityId: string, request: RestoreRequest): Promise<{ plan: RestorePlan }> {
  return client.post(`${base(identityId)}/plan`, request);
}

export function startRestore(client: ApiClient, identityId: string, request: RestoreRequest): Promise<OperationStartedView> {
  return client.post(base(identityId), request);
}

export function restoreSteps(client: ApiClient, operationId: string, signal?: AbortSignal): Promise<RestoreStepsView> {
  return client.get(`/api/restores/${encodeURIComponent(operationId)}/steps`, { signal });
}

/** A live item against its state in a snapshot, part by part (reads the organization, changes nothing). */
export function getLiveDiff(client: ApiClient, identityId: string, snapshotId: string, itemId: string, signal?: AbortSignal): Promise<LiveItemDiff> {
  return client.get(`/api/identities/${encodeURIComponent(identityId)}/snapshots/${encodeURIComponent(snapshotId)}/items/${encodeURIComponent(itemId)}/live-diff`, { signal });
}
