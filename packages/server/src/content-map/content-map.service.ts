/**
 * The content map of an identity's organization (owners -> folders -> items, with sizes), read live with the
 * identity's session: every item through the org enumerator (which works around the 10,000-result search cap), and each
 * owner's folders and the items' sizes from their content listings (search answers size -1). Maps are cached for a
 * short time per identity, and concurrent requests for the same identity share one read, because the Backup page asks
 * again on every visit and a large org takes many requests to list.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { ArcGISFailure, toArcGISFailure } from '../arcgis/arcgis-errors.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { IwaUnavailableError } from '../arcgis/iwa-client.js';
import { enumerateOrgItems, readListedSizes } from '../arcgis/portal/index.js';
import { CredentialsExpiredError } from '../arcgis/token-source.js';
import { AppError } from '../errors/app-error.js';
import type { ArcGISSessionFactory, IdentityRepository } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { ContentMap, ContentMapFolder, ContentMapItem, ContentMapOwner, ContentMapProblem } from './content-map.types.js';

/** How long a map is reused: long enough to move between pages, short enough that a new item soon shows. */
export const CONTENT_MAP_TTL_MS = 60_000;

export interface ContentMapServiceDeps {
  identities: IdentityRepository;
  arcgisSessions: ArcGISSessionFactory;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
}

interface CacheEntry {
  expiresAt: number;
  map: Promise<ContentMap>;
}

export class ContentMapService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;

  constructor(private readonly deps: ContentMapServiceDeps) {
    this.ttlMs = deps.ttlMs ?? CONTENT_MAP_TTL_MS;
  }

  /** The identity's content map, from the cache when it is fresh (and `refresh` is not set). */
  async get(identityId: string, options: { refresh?: boolean } = {}): Promise<ContentMap> {
    const row = await this.deps.identities.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    const now = this.deps.clock().getTime();
    const cached = this.cache.get(row.id);
    // A read in flight is always shared, even on refresh: it started after the refresh was asked for anyway.
    if (cached && (cached.expiresAt === Infinity || (!options.refresh && cached.expiresAt > now))) return cached.map;
    const entry: CacheEntry = { expiresAt: Infinity, map: this.read(row) };
    this.cache.set(row.id, entry);
    entry.map.then(
      () => {
        entry.expiresAt = this.deps.clock().getTime() + this.ttlMs;
      },
      () => {
        // Failures are not cached: the next request tries again.
        if (this.cache.get(row.id) === entry) this.cache.delete(row.id);
      }
    );
    return entry.map;
  }

  /** Forgets an identity's map (its content changed through OrgKeeper, or the identity was deleted). */
  invalidate(identityId: string): void {
    this.cache.delete(identityId);
  }

  private async read(row: IdentityRow): Promise<ContentMap> {
    if (!row.org_id) {
      throw new AppError('needs_sign_in', `"${row.name}" has not been connected yet, so OrgKeeper does not know its organization. Connect it on Manage Identities first.`);
    }
    const orgId = row.org_id;
    const session = await this.deps.arcgisSessions.sessionFor(row.id);
    const items: ContentMapItem[] = [];
    const problems: ContentMapProblem[] = [];
    try {
      const report = await enumerateOrgItems(session, { orgId }, (page) => {
        for (const item of page) items.push(mapItem(item));
      });
      for (const range of report.unreachableRanges) {
        problems.push({
          kind: 'enumeration',
          target: `created ${new Date(range.from).toISOString()}`,
          message: `${range.total} items were created in the same millisecond; ArcGIS search can list only the first 10,000 of them.`
        });
      }
      const folders = await this.readFolders(session, [...new Set(items.map((i) => i.owner))], items, problems);
      return assemble(row.id, orgId, this.deps.clock().toISOString(), items, folders, problems);
    } catch (error) {
      throw arcgisError(row, error);
    }
  }

  /**
   * Each owner's folders and the items' sizes, from their content listings (search answers size -1:
   * arcgis/portal/listed-sizes.ts); one owner's failure only leaves its folders unnamed and its items' sizes 0.
   */
  private async readFolders(session: ArcGISSession, owners: string[], items: ContentMapItem[], problems: ContentMapProblem[]): Promise<Map<string, { id: string; title: string; owner: string }>> {
    const listed = await readListedSizes(session, owners, (error) => error instanceof CredentialsExpiredError || error instanceof AppError);
    for (const { owner, error } of listed.refused) {
      const failure = toArcGISFailure(error);
      this.deps.logger.warn({ owner, err: failure }, 'could not list an owner\'s content for the content map');
      problems.push({ kind: 'folders', target: owner, message: `The folders of ${owner} could not be listed: ${failure.message} (the sizes of their items are unknown).` });
    }
    for (const item of items) item.size = listed.sizes.get(item.id) ?? 0;
    return listed.folders;
  }
}

function mapItem(item: IItem): ContentMapItem {
  const raw = item as IItem & { ownerFolder?: string | null; access?: string };
  const size = Number(item.size);
  const modified = Number(item.modified);
  return {
    id: item.id,
    title: typeof item.title === 'string' ? item.title : '',
    type: typeof item.type === 'string' ? item.type : '',
    // Search answers -1 (the owner's content listing's size replaces it in readFolders).
    size: Number.isFinite(size) && size > 0 ? size : 0,
    owner: item.owner,
    folderId: typeof raw.ownerFolder === 'string' && raw.ownerFolder !== '' ? raw.ownerFolder : null,
    modified: Number.isFinite(modified) && modified > 0 ? new Date(modified).toISOString() : null,
    access: typeof raw.access === 'string' ? raw.access : null
  };
}

const byText = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' });

function assemble(
  identityId: string,
  orgId: string,
  generatedAt: string,
  items: ContentMapItem[],
  listed: Map<string, { id: string; title: string; owner: string }>,
  problems: ContentMapProblem[]
): ContentMap {
  const owners = new Map<string, ContentMapOwner>();
  const folders = new Map<string, ContentMapFolder>();
  const ownerOf = (username: string) => {
    let owner = owners.get(username);
    if (!owner) owners.set(username, (owner = { username, items: 0, size: 0, folders: [] }));
    return owner;
  };
  for (const folder of listed.values()) folders.set(folder.id, { ...folder, items: 0, size: 0 });
  for (const item of items) {
    const owner = ownerOf(item.owner);
    owner.items++;
    owner.size += item.size;
    if (item.folderId) {
      let folder = folders.get(item.folderId);
      // A folder the listing did not return (its owner's listing failed): keep the items grouped under its id.
      if (!folder) folders.set(item.folderId, (folder = { id: item.folderId, title: `Folder ${item.folderId}`, owner: item.owner, items: 0, size: 0 }));
      folder.items++;
      folder.size += item.size;
    }
  }
  const folderList = [...folders.values()].sort((a, b) => byText(a.owner, b.owner) || byText(a.title, b.title));
  for (const folder of folderList) ownerOf(folder.owner).folders.push(folder.id);
  const ownerList = [...owners.values()].sort((a, b) => b.size - a.size || byText(a.username, b.username));
  items.sort((a, b) => b.size - a.size || byText(a.title, b.title) || a.id.localeCompare(b.id));
  return {
    identityId,
    orgId,
    generatedAt,
    owners: ownerList,
    folders: folderList,
    items,
    totals: { items: items.length, size: items.reduce((sum, i) => sum + i.size, 0), owners: ownerList.length, folders: folderList.length },
    problems
  };
}

/** What went wrong reading the organization, as an error that says what to do. */
function arcgisError(row: IdentityRow, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof CredentialsExpiredError) {
    return new AppError('needs_sign_in', `The portal refused the credentials of "${row.name}" (${error.message}). Connect it again on Manage Identities.`, { cause: error });
  }
  if (error instanceof IwaUnavailableError) return new AppError('iwa_unavailable', error.message, { cause: error });
  const failure = error instanceof ArcGISFailure ? error : toArcGISFailure(error);
  if (failure.kind === 'network' || failure.kind === 'transient' || failure.kind === 'throttled') {
    return new AppError('portal_unreachable', `OrgKeeper could not read the content of ${row.portal_url}: ${failure.message}. Check that this server can reach the portal, then try again.`, { cause: error });
  }
  return new AppError('arcgis_error', `The portal refused to list the content of "${row.name}": ${failure.message}`, { cause: error });
}
