/**
 * What scans read from an organization, each read at most once per scan and only when a scan asks for it:
 * items (search, past the 10,000 cap via the catalogue's enumerator), users (`portals/self/users`), groups
 * (`community/groups`), and per item or service only what a scan needs (data, service and layer definitions,
 * group members and content counts). Every call goes through the identity's ArcGISSession (bounded concurrency,
 * retries, token refresh); pages after the first are fetched in parallel.
 */
import type { IGroup, IItem } from '@esri/arcgis-rest-portal';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { findServiceInfo, getLayers, type ServiceInfo, type ServiceLayers } from '../arcgis/feature-service/index.js';
import { hostedServiceUrl } from '../arcgis/item-classifier.js';
import type { OrgOrigins } from '../arcgis/org-origins.js';
import { type ItemPart, itemTypeOf, parsedPart } from '../item-types/index.js';
import {
  countItems,
  enumerateOrgItems,
  getGroupMembers,
  getItem,
  getItemDataBytes,
  itemResourceUrl,
  listItemResources,
  type GroupMembers,
  type Listing,
  listOrgGroups,
  type ListedSizes,
  listOrgUsers,
  type PortalUser,
  readListedSizes,
  SEARCH_PAGING_CAP
} from '../arcgis/portal/index.js';
import { isRecoverable } from './scans/scan-context.js';

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
  private sizesPromise?: Promise<ListedSizes>;
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

  /**
   * The sizes of the organization's items from their owners' content listings (search answers -1; see
   * arcgis/portal/listed-sizes.ts), read once per scan. An owner whose listing fails is a problem of the scan.
   */
  listedSizes(): Promise<ListedSizes> {
    this.sizesPromise ??= (async () => {
      const items = await this.items();
      const listed = await readListedSizes(this.session, items.map((item) => item.owner), (error) => !isRecoverable(error, { signal: this.options.signal }));
      for (const { owner, error } of listed.refused) {
        this.problems.push(`The content of ${owner} could not be listed for the sizes of their items: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.options.onRead?.('sizes', listed.sizes.size);
      return listed;
    })();
    return this.sizesPromise;
  }

  /** Every member of the organization with the administrator's view (lastLogin, disabled, role, license type). */
  users(): Promise<PortalUser[]> {
    this.usersPromise ??= this.listed('users', (onProgress) => listOrgUsers({ session: this.session, signal: this.options.signal, onProgress }));
    return this.usersPromise;
  }

  /** Every group of the organization. */
  groups(): Promise<IGroup[]> {
    this.groupsPromise ??= this.listed('groups', (onProgress) => listOrgGroups({ session: this.session, orgId: this.orgId, signal: this.options.signal, onProgress }));
    return this.groupsPromise;
  }

  groupMembers(groupId: string): Promise<GroupMembers> {
    return getGroupMembers({ session: this.session, id: groupId });
  }

  /** How many items the administrator can see shared with a group (a `group:<id>` search's total). */
  groupItemCount(groupId: string): Promise<number> {
    return countItems({ session: this.session, q: `group:${groupId}` });
  }

  /** An item's data: parsed JSON for JSON items, the bytes for files; null when the item has none. */
  async itemData(itemId: string): Promise<{ bytes: Buffer; json?: unknown } | null> {
    const bytes = await getItemDataBytes({ session: this.session, id: itemId });
    this.countRead(itemId);
    if (!bytes) return null;
    const text = looksLikeJson(bytes) ? bytes.toString('utf8') : undefined;
    if (text !== undefined) {
      try {
        return { bytes, json: JSON.parse(text) as unknown };
      } catch {
        // Not JSON after all (a text file starting with a brace): keep the bytes.
      }
    }
    return { bytes };
  }

  /**
   * The item's resources whose text the item-type catalogue reads references from (`qc.project.json`, StoryMap drafts,
   * Experience Builder's published configuration), parsed; other resources are not downloaded.
   */
  async itemReferenceResources(item: IItem): Promise<ItemPart[]> {
    const spec = itemTypeOf(item);
    const sites = spec?.references.filter((r) => r.part === 'resource') ?? [];
    if (sites.length === 0) return [];
    const paths = (await listItemResources({ session: this.session, id: item.id }))
      .map((r) => r.resource)
      .filter((p): p is string => typeof p === 'string' && sites.some((s) => !s.resources || s.resources.test(p)));
    const parts: ItemPart[] = [];
    for (const path of paths) {
      const downloaded = await this.session.download(itemResourceUrl({ session: this.session, id: item.id, path }));
      if (!downloaded) continue;
      parts.push(parsedPart('resource', downloaded.bytes.toString('utf8'), path));
    }
    return parts;
  }

  /** An item by id, or null when it does not exist or is not accessible (asked once per id). */
  lookupItem(itemId: string): Promise<IItem | null> {
    let found = this.itemLookups.get(itemId);
    if (!found) {
      found = getItem({ session: this.session, id: itemId })
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
      info = this.requireOrgServer(serviceUrl).then(() => findServiceInfo({ session: this.session, url: serviceUrl }));
      this.serviceInfos.set(key, info);
    }
    return info;
  }

  /** Every layer and table of a service with their fields, in one request (`<service>/layers`); org servers only. */
  async serviceLayers(serviceUrl: string): Promise<ServiceLayers> {
    await this.requireOrgServer(serviceUrl);
    return getLayers({ session: this.session, url: serviceUrl.replace(/\/+$/, '') });
  }

  private async requireOrgServer(serviceUrl: string): Promise<void> {
    if (!(await this.origins()).serverOf(serviceUrl)) throw new ExternalServiceError(serviceUrl);
  }

  private countRead(itemId: string): void {
    this.itemReads.set(itemId, (this.itemReads.get(itemId) ?? 0) + 1);
  }

  /** A listing of users or groups, with progress and a problem when the organization has more than can be listed. */
  private async listed<T>(what: string, list: (onProgress: (count: number) => void) => Promise<Listing<T>>): Promise<T[]> {
    const listing = await list((count) => this.options.onRead?.(what, count));
    if (listing.capped) this.problems.push(`The organization has ${listing.total} ${what}; ArcGIS lists only the first ${SEARCH_PAGING_CAP}.`);
    return listing.results;
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
