// Typed calls for ArcGIS Online's recycle bin of an identity's organization: list it, restore items from it.
import type { ApiClient } from './api-client';
import type { RecycleBinRestoreResult, RecycleBinStatus, RecycleBinView } from '@orgkeeper/server-types/recycle-bin/recycle-bin.types';

export type {
  RecycleBinRestoreItemResult,
  RecycleBinRestoreResult,
  RecycleBinStatus,
  RecycleBinView,
  RecycledItemView
} from '@orgkeeper/server-types/recycle-bin/recycle-bin.types';

/** Whether the organization has the bin and has it on (one `portals/self` request on the server). */
export function getRecycleBinStatus(client: ApiClient, identityId: string, signal?: AbortSignal): Promise<RecycleBinStatus> {
  return client.get(`/api/identities/${encodeURIComponent(identityId)}/recycle-bin/status`, { signal });
}

export function getRecycleBin(client: ApiClient, identityId: string, signal?: AbortSignal): Promise<RecycleBinView> {
  return client.get(`/api/identities/${encodeURIComponent(identityId)}/recycle-bin`, { signal });
}

export function restoreFromRecycleBin(client: ApiClient, identityId: string, items: { id: string; owner: string }[]): Promise<RecycleBinRestoreResult> {
  return client.post(`/api/identities/${encodeURIComponent(identityId)}/recycle-bin/restore`, { items });
}

export const recycleBinKeys = {
  bin: (identityId: string) => ['recycle-bin', identityId] as const,
  status: (identityId: string) => ['recycle-bin', identityId, 'status'] as const
};
