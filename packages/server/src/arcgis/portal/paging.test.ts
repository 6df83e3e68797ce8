import { describe, expect, it } from 'vitest';
import { type Page, pageAll, SEARCH_PAGING_CAP } from './paging.js';

/** A list of `total` numbers served `size` at a time (a server may answer fewer than `num` per page). */
function server(total: number, size: number) {
  const starts: number[] = [];
  const fetchPage = async (start: number): Promise<Page<number>> => {
    starts.push(start);
    const last = Math.min(start + size - 1, total, SEARCH_PAGING_CAP);
    const results = Array.from({ length: Math.max(0, last - start + 1) }, (_, i) => start + i);
    return { total, nextStart: last < Math.min(total, SEARCH_PAGING_CAP) ? last + 1 : -1, results };
  };
  return { starts, fetchPage };
}

describe('pageAll', () => {
  it('reads every page once, in the order of the list, following the server’s page size', async () => {
    for (const [total, size] of [[0, 100], [100, 100], [250, 100], [250, 30]] as const) {
      const s = server(total, size);
      const listing = await pageAll(s.fetchPage);
      expect(listing.results).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(new Set(s.starts).size).toBe(s.starts.length);
      expect(listing).toMatchObject({ total, capped: false });
    }
  });

  it('stops at the search cap and says there are more', async () => {
    const s = server(SEARCH_PAGING_CAP + 500, 100);
    const counts: number[] = [];
    const listing = await pageAll(s.fetchPage, { onProgress: (n) => counts.push(n) });
    expect(listing.results).toHaveLength(SEARCH_PAGING_CAP);
    expect(listing).toMatchObject({ total: SEARCH_PAGING_CAP + 500, capped: true });
    expect(Math.max(...s.starts)).toBeLessThanOrEqual(SEARCH_PAGING_CAP);
    expect(counts.at(-1)).toBe(SEARCH_PAGING_CAP);
  });
});
