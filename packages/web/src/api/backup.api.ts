// Typed calls for backups: the organization's content map, starting a backup, and browsing what is stored (snapshots,
// their items, an item's detail, diffs and downloads). Text from ArcGIS in these answers is untrusted.
import type { ApiClient } from './api-client';
import type { Operation } from './operations.api';

export interface ContentMapItem {
  id: string;
  title: string;
  type: string;
  /** Storage in ArcGIS, bytes. */
  size: number;
  owner: string;
  folderId: string | null;
  modified: string | null;
  access: string | null;
}

export interface ContentMapFolder {
  id: string;
  title: string;
  owner: string;
  items: number;
  size: number;
}

export interface ContentMapOwner {
  username: string;
  items: number;
  size: number;
  folders: string[];
}

export interface ContentMap {
  identityId: string;
  orgId: string;
  generatedAt: string;
  owners: ContentMapOwner[];
  folders: ContentMapFolder[];
  items: ContentMapItem[];
  totals: { items: number; size: number; owners: number; folders: number };
  problems: { kind: string; target: string; message: string }[];
}

export interface BackupRequest {
  name?: string;
  /** Item ids; leave out to back up everything (items, groups and users). */
  items?: string[];
  query?: string;
}

export interface SnapshotSummary {
  id: string;
  name: string;
  startedAt: string;
  finishedAt: string;
  status: string;
  parent: string | null;
  tags: string[];
  items: number;
  counts: { ok: number; skipped: number; failed: number; groups: number; users: number; layers: number; features: number; attachments: number };
  bytesRead: number;
  newBytes: number;
}

export interface SnapshotList {
  snapshots: SnapshotSummary[];
  /** Snapshot files that exist but cannot be read (damaged or from a newer OrgKeeper). */
  unreadable: { id: string; file: string; code?: string; error: string }[];
}

export interface SnapshotDetail {
  snapshot: SnapshotSummary & { org: { id: string; portalUrl: string } };
  types: { value: string; count: number }[];
  owners: { value: string; count: number }[];
}

export interface SnapshotItem {
  id: string;
  title: string;
  type: string;
  owner: string;
  folderId: string | null;
  modified: string;
  status: string;
  layers: number;
  features: number;
  carriedFrom: string | null;
}

export interface ItemPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  items: SnapshotItem[];
}

/** A part of an item that could not be backed up, and why. */
export interface PartProblem {
  part: string;
  status: 'skipped' | 'failed';
  reason: string;
  code?: string;
}

export interface ItemDetail {
  item: {
    id: string;
    title: string;
    type: string;
    owner: string;
    folderId: string | null;
    modified: string;
    status: string;
    problems: PartProblem[];
    carriedFrom: string | null;
    stats: { bytesRead?: number; newBytes?: number; durationMs?: number } | null;
    parts: {
      item: { size: number | null } | null;
      data: { kind: string; filename: string | null; contentType: string | null; size: number | null } | null;
      thumbnail: { filename: string; contentType: string | null; size: number | null } | null;
      metadata: { size: number | null } | null;
      resources: { path: string; contentType: string | null; size: number | null }[];
      sharing: { access: string; groups: string[] } | null;
      related: { relationshipType: string; direction: string; itemId: string }[];
    };
    service: {
      url: string;
      layers: { id: number; name: string; kind: string; featureCount: number; attachmentCount: number; chunks: number; status: string; problems: PartProblem[] }[];
    } | null;
  };
  itemJson: Record<string, unknown> | null;
}

export interface ItemSummary {
  id: string;
  title: string;
  type: string;
  owner: string;
}

export interface EntryDiff<S, C> {
  added: S[];
  removed: S[];
  changed: C[];
  unchanged: number;
}

export interface SnapshotDiff {
  from: string;
  to: string;
  items: EntryDiff<ItemSummary, ItemSummary & { parts: string[] }>;
  groups: EntryDiff<{ id: string; title: string }, { id: string; title: string; parts: string[] }>;
  users: EntryDiff<{ username: string }, { username: string; parts: string[] }>;
}

const identityPath = (identityId: string, rest = '') => `/api/identities/${encodeURIComponent(identityId)}${rest}`;
const snapshotPath = (identityId: string, snapshotId: string, rest = '') =>
  identityPath(identityId, `/snapshots/${encodeURIComponent(snapshotId)}${rest}`);

export function getContentMap(client: ApiClient, identityId: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ContentMap> {
  return client.get<ContentMap>(identityPath(identityId, `/content-map${options.refresh ? '?refresh=true' : ''}`), { signal: options.signal });
}

export function startBackup(client: ApiClient, identityId: string, request: BackupRequest): Promise<{ operationId: string; operation: Operation }> {
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
