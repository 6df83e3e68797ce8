import { type IItem, type ISearchResult, searchItems } from '@esri/arcgis-rest-portal';
import { type ArcGISSession } from '../arcgis/arcgis-session.js';
import { TaskPool } from '../lib/task-pool.js';

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
  /**
   * How many pages to ask for at once before the total is known (default 1). More saves a round trip when the
   * scope holds more than one page, at the cost of requests answered empty when it holds fewer: worth it where time
   * matters more than a few requests (a scan someone waits for), not for backups.
   */
  firstRound?: number;
  signal?: AbortSignal;
}

export interface EnumerationReport {
  /** Items that could not be enumerated (a single millisecond holding more than 10,000 items). */
  unreachableRanges: { from: number; to: number; total: number }[];
  requests: number;
}

/** An epoch-ms bound of a `created` range, zero-padded to 19 digits as in Esri's search reference examples. */
const bound = (ms: number) => String(Math.max(0, Math.trunc(ms))).padStart(19, '0');
/** The upper bound of a chunk's `created` range: far past any item (year 2286), so items created meanwhile are included. */
const END_OF_TIME = bound(9_999_999_999_999);

/**
 * Every item of the organization (or another scope, such as a group) the session may read, each exactly once, working
 * around the search cap with as few dependent round trips as possible:
 * - the first page (sorted by `created`) gives the total; every other page is then requested at once, so a query
 *   under the cap takes two rounds;
 * - past the cap, the query is read in chunks of 10,000 in `created` order: the first chunk is the query itself (pages
 *   up to result 10,000), each next chunk is `created` from the date the previous chunk's 10,000th result has,
 *   onwards. A chunk's last page is asked for first and the next chunk's first page as soon as that answers, ahead of
 *   the pages still waiting, so the chain from chunk to chunk never holds the listing up. Items of the boundary
 *   millisecond come in both chunks and are passed on once.
 * The enumerator keeps at most the session's concurrency of its own requests in flight (the rest wait in its queue,
 * most urgent first), so other listings sharing the session (users, groups) are not queued behind all its pages.
 * A millisecond holding more than 10,000 items cannot be paged past the cap: its first 10,000 are listed and the range
 * is reported as unreachable.
 */
export async function enumerateOrgItems(
  session: ArcGISSession,
  options: EnumerateOptions,
  onItems: (items: IItem[]) => void | Promise<void>
): Promise<EnumerationReport> {
  const scope = options.scope ?? (options.orgId ? `orgid:${options.orgId}` : undefined);
  if (!scope) throw new Error('enumerateOrgItems needs an orgId or a scope query.');
  return new Enumeration(session, options, `${scope}${options.query ? ` AND (${options.query})` : ''}`, onItems).run();
}

/** One listing: its request pool, the items passed on so far, and the chunks it reads one after another. */
class Enumeration {
  private readonly report: EnumerationReport = { unreachableRanges: [], requests: 0 };
  private readonly seen = new Set<string>();
  /**
   * The enumerator's own slots (the session's bound, which halves while ArcGIS throttles); urgent requests (the chunk
   * chain) go to the front. A failed page fails the listing: the pages still waiting are not asked for.
   */
  private readonly pool: TaskPool;

  constructor(
    private readonly session: ArcGISSession,
    private readonly options: EnumerateOptions,
    /** The whole query: the scope, ANDed with the caller's query. */
    private readonly base: string,
    private readonly onItems: (items: IItem[]) => void | Promise<void>
  ) {
    this.pool = new TaskPool({ concurrency: () => session.concurrency, onError: 'stop', signal: options.signal });
  }

  async run(): Promise<EnumerationReport> {
    const { base } = this;
    const firstPage = this.search(base, 1);
    const asked = new Map<number, Promise<ISearchResult<IItem>>>();
    const firstRound = Math.min(Math.max(1, Math.trunc(this.options.firstRound ?? 1)), SEARCH_PAGING_CAP / PAGE_SIZE);
    for (let i = 1; i < firstRound; i++) asked.set(1 + i * PAGE_SIZE, this.search(base, 1 + i * PAGE_SIZE));
    // Settled below; a failure of one of them is thrown there, not reported as unhandled meanwhile.
    for (const known of asked.values()) known.catch(() => undefined);
    const first = await firstPage;
    // The first chunk starts at its oldest item: 10,000 results all created then cannot be paged past either.
    const oldest = Number(first.results[0]?.created ?? NaN);
    await this.readChunk(base, first, Number.isFinite(oldest) ? oldest : undefined, asked);
    return this.report;
  }

  private search(q: string, start: number, urgent = false, num = PAGE_SIZE): Promise<ISearchResult<IItem>> {
    const { session } = this;
    return this.pool.run(
      () => {
        this.report.requests++;
        return session.call('search', () => searchItems({ q, start, num, sortField: 'created', sortOrder: 'asc', ...session.requestOptions, httpMethod: 'GET' }));
      },
      { urgent }
    );
  }

  private async emit(results: IItem[]): Promise<void> {
    const fresh = results.filter((item) => {
      if (this.seen.has(item.id)) return false;
      this.seen.add(item.id);
      return true;
    });
    if (fresh.length > 0) await this.onItems(fresh);
  }

  /**
   * Reads one chunk (a query in `created` order whose first page is known, starting at `from`): every page up to the
   * cap, the last one first; past the cap, goes on with the next chunk as soon as that last page says where it starts.
   */
  private async readChunk(q: string, first: ISearchResult<IItem>, from: number | undefined, asked = new Map<number, Promise<ISearchResult<IItem>>>()): Promise<void> {
    await this.emit(first.results);
    const capped = first.total > SEARCH_PAGING_CAP;
    const starts: number[] = [];
    for (let start = 1 + PAGE_SIZE; start <= Math.min(first.total, SEARCH_PAGING_CAP); start += PAGE_SIZE) starts.push(start);
    const lastStart = starts.pop();
    // Pages asked for before the total was known are used, not asked again (past the total they are empty).
    const page = (start: number, urgent = false) => {
      const known = asked.get(start);
      asked.delete(start);
      return known ?? this.search(q, start, urgent);
    };
    const work: Promise<void>[] = [];
    if (lastStart !== undefined) {
      const last = page(lastStart, capped);
      work.push(last.then((answer) => this.emit(answer.results)), ...starts.map(async (start) => this.emit((await page(start)).results)));
      if (capped) work.push(last.then((answer) => this.next(answer, first, from)));
    } else if (capped) {
      work.push(this.next(first, first, from));
    }
    // Early pages past the total: usually empty, but an item created meanwhile is still an item.
    work.push(...[...asked.values()].map(async (known) => this.emit((await known).results)));
    asked.clear();
    await Promise.all(work);
  }

  /** Starts the chunk after one that reached past the cap, from the `created` date of its 10,000th result. */
  private async next(last: ISearchResult<IItem>, first: ISearchResult<IItem>, from: number | undefined): Promise<void> {
    const { base } = this;
    const reached = Number(last.results.at(-1)?.created ?? first.results.at(-1)?.created ?? NaN);
    if (!Number.isFinite(reached)) {
      throw new Error(`ArcGIS search counted ${first.total} items for "${base}" but returned no creation dates to page past the first ${SEARCH_PAGING_CAP}.`);
    }
    let start = reached;
    if (from !== undefined && reached <= from) {
      // 10,000 results in a row created in the same millisecond: search cannot page past them; report how many there are.
      const same = await this.search(`${base} AND created:[${bound(from)} TO ${bound(from)}]`, 1, true, 1);
      this.report.unreachableRanges.push({ from, to: from, total: same.total });
      start = from + 1;
    }
    const q = `${base} AND created:[${bound(start)} TO ${END_OF_TIME}]`;
    await this.readChunk(q, await this.search(q, 1, true), start);
  }
}
