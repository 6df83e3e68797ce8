import { type IItem, type ISearchResult, searchItems } from '@esri/arcgis-rest-portal';
import { type ArcGISSession } from '../arcgis/arcgis-session.js';

/** ArcGIS search pages only the first 10,000 results of a query, although `total` counts them all. */
export const SEARCH_PAGING_CAP = 10_000;
const PAGE_SIZE = 100;

export interface EnumerateOptions {
  /** The organization whose items to list (`orgid:<id>`). */
  orgId?: string;
  /** Instead of an organization, any other scope query, e.g. `group:<id>` (the items shared with a group, of any org). */
  scope?: string;
  /** An extra search query to AND with the scope (e.g. `owner:jdoe` or `type:"Web Map"`). */
  query?: string;
  signal?: AbortSignal;
}

export interface EnumerationReport {
  /** Items that could not be enumerated (a single millisecond holding more than 10,000 items). */
  unreachableRanges: { from: number; to: number; total: number }[];
  requests: number;
}

interface Range {
  from: number;
  to: number;
}

/**
 * Every item of the organization (or another scope, such as a group) the session may read, each exactly once, working around the search cap: a query
 * whose total exceeds 10,000 is split by `created` ranges (bisected until each range fits), and each range's pages are
 * fetched in parallel (the session bounds concurrency).
 */
export async function enumerateOrgItems(
  session: ArcGISSession,
  options: EnumerateOptions,
  onItems: (items: IItem[]) => void | Promise<void>
): Promise<EnumerationReport> {
  const report: EnumerationReport = { unreachableRanges: [], requests: 0 };
  const seen = new Set<string>();
  const scope = options.scope ?? (options.orgId ? `orgid:${options.orgId}` : undefined);
  if (!scope) throw new Error('enumerateOrgItems needs an orgId or a scope query.');
  const base = `${scope}${options.query ? ` AND (${options.query})` : ''}`;

  const search = async (q: string, start: number, sortOrder: 'asc' | 'desc' = 'asc'): Promise<ISearchResult<IItem>> => {
    options.signal?.throwIfAborted();
    report.requests++;
    return session.call('search', () =>
      searchItems({ q, start, num: PAGE_SIZE, sortField: 'created', sortOrder, ...session.requestOptions, httpMethod: 'GET' })
    );
  };

  const emit = async (results: IItem[]) => {
    const fresh = results.filter((item) => {
      if (seen.has(item.id)) return false;
      seen.add(item.id);
      return true;
    });
    if (fresh.length > 0) await onItems(fresh);
  };

  /** Pages a query whose total fits under the cap; the first page is already known. */
  const pageAll = async (q: string, first: ISearchResult<IItem>) => {
    await emit(first.results);
    const starts: number[] = [];
    for (let start = 1 + PAGE_SIZE; start <= first.total; start += PAGE_SIZE) starts.push(start);
    await Promise.all(
      starts.map(async (start) => {
        const page = await search(q, start);
        await emit(page.results);
      })
    );
  };

  const first = await search(base, 1);
  if (first.total <= SEARCH_PAGING_CAP) {
    await pageAll(base, first);
    return report;
  }

  // Too many to page: learn the created span, then split it.
  const newest = await search(base, 1, 'desc');
  const span: Range = { from: Number(first.results[0]?.created ?? 0), to: Number(newest.results[0]?.created ?? Date.now()) };
  const visit = async (range: Range): Promise<void> => {
    const q = `${base} AND created:[${range.from} TO ${range.to}]`;
    const page = await search(q, 1);
    if (page.total <= SEARCH_PAGING_CAP) {
      await pageAll(q, page);
      return;
    }
    if (range.from >= range.to) {
      report.unreachableRanges.push({ ...range, total: page.total });
      await pageAll(q, { ...page, total: SEARCH_PAGING_CAP });
      return;
    }
    const mid = Math.floor((range.from + range.to) / 2);
    await Promise.all([visit({ from: range.from, to: mid }), visit({ from: mid + 1, to: range.to })]);
  };
  await visit(span);
  return report;
}
