// Typed calls for backups: the organization's content map, starting a backup, and browsing what is stored (snapshots,
// their items, an item's detail, diffs and downloads). Text from ArcGIS in these answers is untrusted.
import type * as Wire from '@orgkeeper/server-types/backup/backup-views.types';
import type { ContentMap } from '@orgkeeper/server-types/content-map/content-map.types';
import type { BackupRequest } from '@orgkeeper/server-types/backup/backup-request.types';
import type { OperationStartedView } from '@orgkeeper/server-types/operations/operation.types';
import type { ApiClient } from './api-client';

export type { ContentMap, ContentMapFolder, ContentMapItem, ContentMapOwner, ContentMapProblem } from '@orgkeeper/server-types/content-map/content-map.types';

/** `items`: item ids; leave out (with `query`) to back up everything (items, groups and users). */
export type { BackupRequest };

// The JSON shapes are the server's own declarations (type-only imports, erased at build).
export type SnapshotSummary = Wire.SnapshotView;
export type SnapshotList = Wire.SnapshotListView;
export type SnapshotDetail = Wire.SnapshotDetailView;
export type SnapshotItem = Wire.SnapshotItemView;
export type ItemPage = Wire.SnapshotItemPage;
/** A part of an item that could not be backed up, and why. */
export type PartProblem = Wire.PartProblemView;
export type ItemDetail = Wire.ItemDetailView;
export type ItemSummary = Wire.ItemSummaryView;
export type EntryDiff<S, C> = Wire.EntryDiffView<S, C>;
export type SnapshotDiff = Wire.SnapshotDiffView;

const identityPath = (identityId: string, rest = '') => `/api/identities/${encodeURIComponent(identityId)}${rest}`;
const snapshotPath = (identityId: string, snapshotId: string, rest = '') =>
  identityPath(identityId, `/snapshots/${encodeURIComponent(snapshotId)}${rest}`);

export function getContentMap(client: ApiClient, identityId: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ContentMap> {
  return client.get<ContentMap>(identityPath(identityId, `/content-map${options.refresh ? '?refresh=true' : ''}`), { signal: options.signal });
}

export function startBackup(client: ApiClient, identityId: string, request: BackupRequest): Promise<OperationStartedView> {
  return client.post(identityPath(identityId, '/backups'), request);
}

export function listSnapshots(client: ApiClient, identityId: string, signal?: AbortSignal): Promise<SnapshotList> {
  return client.get<SnapshotList>(identityPath(identityId, '/snapshots'), { signal });
}

export function getSnapshot(client: ApiClient, identityId: string, snapshotId: string, signal?: AbortSignal): Promise<SnapshotDetail> {
  return client.get<SnapshotDetail>(snapshotPath(identityId, snapshotId), { signal });
}

/** Every item of a snapshot, all pages (1,000 a page). */
export async function listAllSnapshotItems(client: ApiClient, identityId: string, snapshotId: string, signal?: AbortSignal): Promise<SnapshotItem[]> {
  const items: SnapshotItem[] = [];
  for (let start = 1; start > 0; ) {
    const page = await client.get<ItemPage>(snapshotPath(identityId, snapshotId, `/items?start=${start}&num=1000`), { signal });
    items.push(...page.items);
    start = page.nextStart;
  }
  return items;
}

export function getItemDetail(client: ApiClient, identityId: string, snapshotId: string, itemId: string, signal?: AbortSignal): Promise<ItemDetail> {
  return client.get<ItemDetail>(snapshotPath(identityId, snapshotId, `/items/${encodeURIComponent(itemId)}`), { signal });
}

export function diffSnapshots(client: ApiClient, identityId: string, from: string, to: string, signal?: AbortSignal): Promise<SnapshotDiff> {
  const query = new URLSearchParams({ from, to });
  return client.get<SnapshotDiff>(identityPath(identityId, `/snapshots/diff?${query.toString()}`), { signal });
}

/** Download links (the browser fetches them with the session cookie; GET needs no CSRF token). */
export function itemZipUrl(identityId: string, snapshotId: string, itemId: string): string {
  return snapshotPath(identityId, snapshotId, `/items/${encodeURIComponent(itemId)}/export.zip`);
}

export function layerGeoJsonUrl(identityId: string, snapshotId: string, itemId: string, layerId: number): string {
  return snapshotPath(identityId, snapshotId, `/items/${encodeURIComponent(itemId)}/layers/${layerId}.geojson`);
}

export const backupKeys = {
  contentMap: (identityId: string) => ['content-map', identityId] as const,
  snapshots: (identityId: string) => ['snapshots', identityId] as const,
  snapshot: (identityId: string, snapshotId: string) => ['snapshots', identityId, snapshotId] as const,
  snapshotItems: (identityId: string, snapshotId: string) => ['snapshots', identityId, snapshotId, 'items'] as const,
  item: (identityId: string, snapshotId: string, itemId: string) => ['snapshots', identityId, snapshotId, 'item', itemId] as const,
  diff: (identityId: string, from: string, to: string) => ['snapshots', identityId, 'diff', from, to] as const
};
