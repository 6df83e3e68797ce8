// Typed calls for restores: the dry-run plan, starting a restore (an operation), and its per-step log.
// Titles in plans and logs come from ArcGIS (through the snapshot) and are untrusted text.
import type { ApiClient } from './api-client';
import type { Operation } from './operations.api';

export type RestoreMode = 'in-place' | 'recreate' | 'copy' | 'clone';

export interface RestoreRequest {
  snapshotId: string;
  mode: RestoreMode;
  /** Exactly one of items, query, all. */
  items?: string[];
  query?: string;
  all?: boolean;
  /** Clone: the identity to restore into. */
  targetIdentityId?: string;
  /** Copy and clone: owner and folder of the restored items (default: the original, mapped for clone). */
  owner?: string;
  folder?: string;
  /** Copy: appended to titles (default " (copy)"). */
  suffix?: string;
  /** Clone: source username -> target username. */
  ownerMap?: Record<string, string>;
}

export type StepAction = 'create' | 'overwrite' | 'skip';

export interface PlanStep {
  key: string;
  kind: 'group' | 'folder' | 'item';
  action: StepAction;
  reason: string;
  sourceId: string;
  title: string;
  type: string;
  owner: string;
  folder: string | null;
  targetId?: string;
  dependsOn: string[];
  rewrites: { kind: 'item' | 'url'; from: string; to?: string }[];
  hosted?: boolean;
  warnings?: string[];
}

export interface RestorePlan {
  snapshotId: string;
  mode: RestoreMode;
  source: { identityId: string; orgId: string; portalUrl: string };
  target: { identityId: string; orgId: string; portalUrl: string; admin: string; isEnterprise: boolean };
  steps: PlanStep[];
  counts: { create: number; overwrite: number; skip: number };
  createdAt: string;
}

export interface RestoreLogRow {
  key: string;
  kind: 'group' | 'folder' | 'item';
  title: string;
  type: string;
  action: StepAction;
  oldId: string;
  newId: string | null;
  newUrl: string | null;
  status: 'ok' | 'failed' | 'skipped';
  error: string | null;
  durationMs: number;
  finishedAt: string | null;
}

const base = (identityId: string) => `/api/identities/${encodeURIComponent(identityId)}/restores`;

export function planRestore(client: ApiClient, identityId: string, request: RestoreRequest): Promise<{ plan: RestorePlan }> {
  return client.post(`${base(identityId)}/plan`, request);
}

export function startRestore(client: ApiClient, identityId: string, request: RestoreRequest): Promise<{ operationId: string; operation: Operation }> {
  return client.post(base(identityId), request);
}

export function restoreSteps(client: ApiClient, operationId: string, signal?: AbortSignal): Promise<{ operationId: string; plan: RestorePlan | null; steps: RestoreLogRow[] }> {
  return client.get(`/api/restores/${encodeURIComponent(operationId)}/steps`, { signal });
}
