/**
 * Paging a list endpoint of the portal (`portals/self/users`, `community/groups`, `search`): `start` is 1-based, `num`
 * at most 100, `nextStart` is -1 at the end, and only the first 10,000 results can be paged although `total` counts
 * them all (Esri's search reference). Items get past the cap through the enumerator (org-enumerator.ts); users and
 * groups are listed up to it and the caller says what is missing.
 */

/** ArcGIS search pages only the first 10,000 results of a query, although `total` counts them all. */
export const SEARCH_PAGING_CAP = 10_000;

/** The most results one page may hold (`num`). */
export const PAGE_SIZE = 100;

/** One page of a list endpoint, whatever the endpoint calls its list (`results`, `users`). */
export interface Page<T> {
  total: number;
  nextStart: number;
  results: T[];
}

export interface Listing<T> {
  results: T[];
  /** What ArcGIS counts, which may be more than could be listed (`capped`). */
  total: number;
  /** More than SEARCH_PAGING_CAP: only the first ones are listed. */
  capped: boolean;
}

export interface PageAllOptions {
  signal?: AbortSignal;
  /** Called as pages arrive, with the number of results listed so far. */
  onProgress?: (count: number) => void;
}

/**
 * Every page up to the cap: the first page gives the total, the others are then asked for at once (the session bounds
 * what is in flight). Pages follow the first one's `nextStart` in steps of its size, so a server that answers fewer
 * than `num` per page is still read whole.
 */
export async function pageAll<T>(fetchPage: (start: number) => Promise<Page<T>>, options: PageAllOptions = {}): Promise<Listing<T>> {
  const first = await fetchPage(1);
  let count = first.results.length;
  options.onProgress?.(count);
  const starts: number[] = [];
  const step = first.results.length || PAGE_SIZE;
  if (first.nextStart > 1) for (let start = first.nextStart; start <= Math.min(first.total, SEARCH_PAGING_CAP); start += step) starts.push(start);
  const rest = await Promise.all(
    starts.map(async (start) => {
      options.signal?.throwIfAborted();
      const page = await fetchPage(start);
      count += page.results.length;
      options.onProgress?.(count);
      return page.results;
    })
  );
  return { results: [first.results, ...rest].flat(), total: first.total, capped: first.total > SEARCH_PAGING_CAP };
}
