import type { IGroup, IItem } from '@esri/arcgis-rest-portal';
import { claimsHostedFeatureService } from '../../arcgis/item-classifier.js';
import type { PortalUser } from '../../arcgis/portal/index.js';
import type { Finding, FindingTarget, ScanType } from '../clean.types.js';
import type { OrgReader } from '../org-reader.js';
import type { ScanOptions } from '../scan-options.js';

/** An item's view count and since when it has had that count (kept between scans for stale items). */
export interface ViewCount {
  /** Views by people (numViews less OrgKeeper's own reads) at the last stale-items scan; -1: none looked yet. */
  numViews: number;
  /** ISO date since which the count has not changed. */
  since: string;
  /** Every read of the item by OrgKeeper's scans (ArcGIS counts each as a view), cumulative. */
  ownReads: number;
}

export interface ScanProgress {
  phase: string;
  done: number;
  total: number;
}

export interface ScanContext {
  reader: OrgReader;
  options: ScanOptions;
  portalUrl: string;
  /** ArcGIS Online charges credits for storage; ArcGIS Enterprise does not. */
  platform: 'online' | 'enterprise';
  /** Epoch ms the scan runs at (fixed for the whole scan, so thresholds are consistent). */
  now: number;
  /** View counts recorded by earlier scans of this identity, by item id (stale items). */
  viewHistory: Map<string, ViewCount>;
  signal?: AbortSignal;
  progress(progress: ScanProgress): void;
}

export interface ScanOutput {
  findings: Finding[];
  /** Scan-specific figures for people (counts, totals, top lists); stored with the scan. */
  summary: Record<string, unknown>;
  /** New view counts to remember (stale items). */
  viewCounts?: Map<string, ViewCount>;
}

export type ScanFunction = (ctx: ScanContext) => Promise<ScanOutput>;

export const DAY_MS = 24 * 3600 * 1000;

export function portalLink(portalUrl: string, kind: FindingTarget['kind'], id: string): string {
  const base = portalUrl.replace(/\/+$/, '');
  if (kind === 'item') return `${base}/home/item.html?id=${encodeURIComponent(id)}`;
  if (kind === 'group') return `${base}/home/group.html?id=${encodeURIComponent(id)}`;
  return `${base}/home/user.html?user=${encodeURIComponent(id)}`;
}

export function itemTarget(ctx: Pick<ScanContext, 'portalUrl'>, item: IItem): FindingTarget {
  return {
    kind: 'item',
    id: item.id,
    title: item.title ?? '',
    type: item.type,
    owner: item.owner,
    folderId: (item.ownerFolder as string | null | undefined) ?? null,
    portalUrl: portalLink(ctx.portalUrl, 'item', item.id)
  };
}

export function userTarget(ctx: Pick<ScanContext, 'portalUrl'>, user: PortalUser): FindingTarget {
  return {
    kind: 'user',
    id: user.username,
    title: user.fullName || user.username,
    type: user.role,
    owner: user.username,
    portalUrl: portalLink(ctx.portalUrl, 'user', user.username)
  };
}

export function groupTarget(ctx: Pick<ScanContext, 'portalUrl'>, group: IGroup): FindingTarget {
  return { kind: 'group', id: group.id, title: group.title ?? '', type: 'group', owner: group.owner, portalUrl: portalLink(ctx.portalUrl, 'group', group.id) };
}

/** The stable key of a finding: the same problem on the same target (and place) gives the same key in every scan. */
export function findingKey(type: ScanType, code: string, target: Pick<FindingTarget, 'kind' | 'id'>, where?: string): string {
  return [type, code, target.kind, target.id.toLowerCase(), ...(where ? [where] : [])].join(':');
}

export function iso(ms: number | undefined | null): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

export function daysBetween(from: number, to: number): number {
  return Math.floor((to - from) / DAY_MS);
}

/**
 * The item *says* it is a hosted feature layer (type and type keyword): enough to count its storage as feature
 * storage, never enough to request its URL. Whether it is one of the organization's is decided by its URL
 * (`ctx.reader.hostedServiceUrl`, arcgis/item-classifier.ts); the reader refuses services off the org's servers.
 */
export const isHostedFeatureService = claimsHostedFeatureService;

/** Runs `work` on every element with the session bounding real concurrency; reports progress as each finishes. */
export async function forEachReporting<T>(list: readonly T[], phase: string, ctx: Pick<ScanContext, 'progress' | 'signal'>, work: (value: T) => Promise<void>): Promise<void> {
  let done = 0;
  ctx.progress({ phase, done, total: list.length });
  await Promise.all(
    list.map(async (value) => {
      ctx.signal?.throwIfAborted();
      await work(value);
      done++;
      ctx.progress({ phase, done, total: list.length });
    })
  );
}

/**
 * Whether a failed read of one item, service or group may be recorded as a problem of the scan and the scan go on:
 * not when the scan is being stopped, nor when the identity's credentials no longer work (every read would fail).
 */
export function isRecoverable(error: unknown, ctx: Pick<ScanContext, 'signal'>): boolean {
  if (ctx.signal?.aborted) return false;
  const name = (error as { name?: string } | null)?.name;
  return name !== 'CredentialsExpiredError' && name !== 'IwaUnavailableError' && name !== 'AbortError' && (error as { kind?: string } | null)?.kind !== 'auth';
}

/** Item types whose JSON data references other items or services (maps, scenes, apps, dashboards, stories, sites). */
export const REFERENCING_TYPES: ReadonlySet<string> = new Set([
  'Web Map',
  'Web Scene',
  'Web Mapping Application',
  'Dashboard',
  'StoryMap',
  'Web Experience',
  'Hub Site Application',
  'Hub Page',
  'Site Application',
  'Site Page'
]);

/** Item types whose data is JSON worth searching: the referencing ones, and collections, forms and feature layers. */
export const JSON_DATA_TYPES: ReadonlySet<string> = new Set([...REFERENCING_TYPES, 'Feature Collection', 'Form', 'Feature Service']);
