/**
 * What scans read from an organization, each read at most once per scan and only when a scan asks for it:
 * items (search, past the 10,000 cap via the backup's enumerator), users (`portals/self/users`), groups
 * (`community/groups`), and per item or service only what a scan needs (data, service and layer definitions,
 * group members and content counts). Every call goes through the identity's ArcGISSession (bounded concurrency,
 * retries, token refresh); pages after the first are fetched in parallel.
 */
import type { IGroup, IItem } from '@esri/arcgis-rest-portal';
import { request } from '@esri/arcgis-rest-request';
import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { hostedServiceUrl } from '../arcgis/item-classifier.js';
import type { OrgOrigins } from '../arcgis/org-origins.js';
import { enumerateOrgItems } from '../backup/org-enumerator.js';

const PAGE = 100;
/** ArcGIS search pages only the first 10,000 results. */
const SEARCH_CAP = 10_000;

export interface PortalUser {
  username: string;
  fullName?: string;
  role?: string;
  roleId?: string;
  userLicenseTypeId?: string;
  disabled?: boolean;
  /** Epoch ms; -1 when the user never signed in. */
  lastLogin?: number;
  created?: number;
  storageUsage?: number;
}

export interface GroupMembers {
  owner: string;
  admins: string[];
  users: string[];
}

/** A hosted service's layers and tables (`<service>/layers`). */
export interface ServiceLayers {
  layers: { id: number; name: string; fields?: { name: string; alias?: string }[] }[];
  tables: { id: number; name: string; fields?: { name: string; alias?: string }[] }[];
}

export interface ServiceInfo {
  capabilities?: string;
  layers?: { id: number; name?: string }[];
  tables?: { id: number; name?: string }[];
}

interface Paged<T> {
  total: number;
  nextStart: number;
  results?: T[];
  users?: T[];
}

export interface OrgReaderOptions {
  orgId: string;
  signal?: AbortSignal;
  /** Called as reads finish, for progress (what was read, how many so far). */
  onRead?: (what: string, count: number) => void;
}

export class OrgReader {
  private itemsPromise?: Promise<IItem[]>;
  private usersPromise?: Promise<PortalUser[]>;
  private groupsPromise?: Promise<IGroup[]>;
  private readonly serviceInfos = new Map<string, Promise<ServiceInfo | null>>();
  private readonly itemLookups = new Map<string, Promise<IItem | null>>();
  private readonly itemBatchListeners: ((items: IItem[]) => void)[] = [];
  /** Things the scan could not read (besides what it reports as findings): shown in the scan's summary. */
  readonly problems: string[] = [];
  /** Reads of each item's JSON or data: ArcGIS counts each as a view, which the stale-items scan must not take for use. */
  readonly itemReads = new Map<string, number>();

  constructor(
    readonly session: ArcGISSession,
    private readonly options: OrgReaderOptions
  ) {}

  get orgId(): string {
    return this.options.orgId;
  }

  get requests(): number {
    return this.session.stats.requests;
  }

  /**
   * Calls `listener` with each page of items as the listing reads it (register before calling `items()`), so a scan can
   * start the reads an item needs while the rest of the organization is still being listed.
   */
  onItemBatch(listener: (items: IItem[]) => void): void {
    this.itemBatchListeners.push(listener);
  }

  /**
   * Every item of the organization (search results: the item JSON without data). The first pages are asked for
   * together before the total is known (a round trip saved; a small organization answers a few of them empty).
   */
  items(): Promise<IItem[]> {
    this.itemsPromise ??= (async () => {
      const items: IItem[] = [];
      const report = await enumerateOrgItems(this.session, { orgId: this.orgId, signal: this.options.signal, firstRound: this.session.concurrency }, (batch) => {
        items.push(...batch);
        for (const listener of this.itemBatchListeners) listener(batch);
        this.options.onRead?.('items', items.length);
      });
      for (const range of report.unreachableRanges) {
        this.problems.push(`${range.total} items created in the same millisecond (${new Date(range.from).toISOString()}) could not all be listed (ArcGIS pages only 10,000 search results).`);
      }
      return items;
    })();
    return this.itemsPromise;
  }

  /** Every member of the organization with the administrator's view (lastLogin, disabled, role, license type). */
  users(): Promise<PortalUser[]> {
    this.usersPromise ??= this.pageAll<PortalUser>('users', (start) =>
      this.session.request<Paged<PortalUser>>(`${this.session.restUrl}/portals/self/users`, { start, num: PAGE, sortField: 'username', sortOrder: 'asc' })
    );
    return this.usersPromise;
  }

  /** Every group of the organization. */
  groups(): Promise<IGroup[]> {
    this.groupsPromise ??= this.pageAll<IGroup>('groups', (start) =>
      this.session.request<Paged<IGroup>>(`${this.session.restUrl}/community/groups`, { q: `orgid:${this.orgId}`, start, num: PAGE, sortField: 'title', sortOrder: 'asc' })
    );
    return this.groupsPromise;
  }

  groupMembers(groupId: string): Promise<GroupMembers> {
    return this.session.request<GroupMembers>(`${this.session.restUrl}/community/groups/${encodeURIComponent(groupId)}/users`);
  }

  /**
   * How many items the administrator can see shared with a group: search `group:<id>` and read `total` (one result
   * is asked for, since Esri documents `num` only from 1 to 100).
   */
  async groupItemCount(groupId: string): Promise<number> {
    const page = await this.session.request<Paged<IItem>>(`${this.session.restUrl}/search`, { q: `group:${groupId}`, start: 1, num: 1 });
    return page.total;
  }

  /** An item's data: parsed JSON for JSON items, the bytes for files; null when the item has none. */
  async itemData(itemId: string): Promise<{ bytes: Buffer; json?: unknown } | null> {
    const downloaded = await this.session.download(`${this.session.restUrl}/content/items/${encodeURIComponent(itemId)}/data`);
    this.countRead(itemId);
    if (!downloaded) return null;
    const text = looksLikeJson(downloaded.bytes) ? downloaded.bytes.toString('utf8') : undefined;
    if (text !== undefined) {
      try {
        return { bytes: downloaded.bytes, json: JSON.parse(text) as unknown };
      } catch {
        // Not JSON after all (a text file starting with a brace): keep the bytes.
      }
    }
    return { bytes: downloaded.bytes };
  }

  /** An item by id, or null when it does not exist or is not accessible (asked once per id). */
  lookupItem(itemId: string): Promise<IItem | null> {
    let found = this.itemLookups.get(itemId);
    if (!found) {
      found = this.session
        .request<IItem>(`${this.session.restUrl}/content/items/${encodeURIComponent(itemId)}`)
        .then((item) => {
          this.countRead(item.id ?? itemId);
          return item;
        })
        .catch((error: unknown) => {
          if (isMissing(error)) return null;
          throw error;
        });
      this.itemLookups.set(itemId, found);
    }
    return found;
  }

  /** The organization's origins and servers (asked of the portal once per scan, with the session). */
  origins(): Promise<OrgOrigins> {
    return this.session.orgOrigins();
  }

  /** The service URL when the item is a hosted feature layer of the organization (item-classifier.ts), else undefined. */
  async hostedServiceUrl(item: IItem): Promise<string | undefined> {
    return hostedServiceUrl(item, await this.origins());
  }

  /**
   * A service's definition (`<service>?f=json`), or null when the service does not exist (asked once per service).
   * Only services on the organization's servers are asked for: any other URL is an external reference, never requested.
   */
  serviceInfo(serviceUrl: string): Promise<ServiceInfo | null> {
    const key = serviceUrl.toLowerCase();
    let info = this.serviceInfos.get(key);
    if (!info) {
      // ArcGIS Server answers a missing service with code 500 ("Service <folder>/<name>/FeatureServer not found "),
      // which the session would retry as a server error: recognised inside the call, it is an answer, not a failure.
      info = this.requireOrgServer(serviceUrl).then(() =>
        this.session.call(serviceUrl, async () => {
          try {
            return (await request(serviceUrl, { httpMethod: 'GET', ...this.session.requestOptions, params: { f: 'json' } })) as ServiceInfo;
          } catch (error) {
            const failure = toArcGISFailure(error, serviceUrl);
            if (isMissing(failure) || (failure.code === 500 && /\b(not found|does not exist)\b/i.test(failure.message))) return null;
            throw error;
          }
        })
      );
      this.serviceInfos.set(key, info);
    }
    return info;
  }

  /** Every layer and table of a service with their fields, in one request (`<service>/layers`); org servers only. */
  async serviceLayers(serviceUrl: string): Promise<ServiceLayers> {
    await this.requireOrgServer(serviceUrl);
    return this.session.request<ServiceLayers>(`${serviceUrl.replace(/\/+$/, '')}/layers`);
  }

  private async requireOrgServer(serviceUrl: string): Promise<void> {
    if (!(await this.origins()).serverOf(serviceUrl)) throw new ExternalServiceError(serviceUrl);
  }

  private countRead(itemId: string): void {
    this.itemReads.set(itemId, (this.itemReads.get(itemId) ?? 0) + 1);
  }

  /** Pages a list endpoint: the first page gives the total, the others are fetched in parallel. */
  private async pageAll<T>(what: string, fetchPage: (start: number) => Promise<Paged<T>>): Promise<T[]> {
    const first = await fetchPage(1);
    const pick = (page: Paged<T>) => page.results ?? page.users ?? [];
    const pages: T[][] = [pick(first)];
    let count = pages[0]!.length;
    this.options.onRead?.(what, count);
    const starts: number[] = [];
    for (let start = 1 + PAGE; start <= Math.min(first.total, SEARCH_CAP); start += PAGE) starts.push(start);
    if (first.total > SEARCH_CAP) this.problems.push(`The organization has ${first.total} ${what}; ArcGIS lists only the first ${SEARCH_CAP}.`);
    const rest = await Promise.all(
      starts.map(async (start) => {
        this.options.signal?.throwIfAborted();
        const page = pick(await fetchPage(start));
        count += page.length;
        this.options.onRead?.(what, count);
        return page;
      })
    );
    return pages.concat(rest).flat();
  }
}

/** A scan asked for a service that is not on one of the organization's servers: it was not requested. */
export class ExternalServiceError extends Error {
  constructor(readonly url: string) {
    super("it is an external reference (not on one of the organization's servers), so it was not requested");
    this.name = 'ExternalServiceError';
  }
}

function looksLikeJson(bytes: Buffer): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** Whether a failed read means "does not exist" (as opposed to a failure worth reporting). */
export function isMissing(error: unknown): boolean {
  const failure = error as { kind?: string; code?: number };
  return failure?.kind === 'not_found' || failure?.code === 404 || (failure?.kind === 'invalid' && failure?.code === 400);
}
