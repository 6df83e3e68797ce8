import { itemJsonFor } from '../content/item-json.js';
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { intParam, listParam, startAndNum } from '../http/request.js';
import { canReadItem } from '../state/permissions.js';
import { type ItemRecord, type UserRecord } from '../state/types.js';
import { compileItemFilter, compileItemQuery, type ItemPredicate } from './item-matcher.js';
import { parseQuery, type QueryNode, QuerySyntaxError } from './query.parser.js';
import { trackStateWrites } from '../state/track-writes.js';

/** ArcGIS pages at most 100 results per request ("Maximum of 100 results returned"); larger `num` is capped. */
export const MAX_NUM = 100;
/**
 * "Only the first 10,000 results can be paginated; results greater than 10,000 cannot be returned through pagination.
 * The actual number of total returned results may be greater than 10,000." (Esri, Considerations and limitations.)
 * Esri does not document the answer to a page beyond the window; the emulator answers it with no results and
 * `nextStart: -1` (and `total` still counting every match), the way the Elasticsearch window behind it truncates.
 */
export const SEARCH_WINDOW = 10_000;
const MAX_COUNT_FIELDS = 3;
const COUNT_FIELDS = new Set(['type', 'typekeywords', 'tags', 'access', 'owner', 'contentstatus', 'categories', 'culture', 'orgid']);

export interface SearchResponse {
  query: string;
  total: number;
  start: number;
  num: number;
  nextStart: number;
  results: Record<string, unknown>[];
  aggregations?: { counts: { fieldName: string; fieldValues: { value: string; count: number }[] }[] };
}

/** Sort keys ArcGIS accepts (`sortField`), mapped to item values. */
const SORT_KEYS: Record<string, (item: ItemRecord) => string | number> = {
  title: (i) => i.json.title.toLowerCase(),
  created: (i) => i.json.created,
  uploaded: (i) => i.json.created,
  modified: (i) => i.json.modified,
  type: (i) => i.json.type.toLowerCase(),
  owner: (i) => i.json.owner.toLowerCase(),
  numviews: (i) => i.json.numViews,
  avgrating: (i) => i.json.avgRating,
  numratings: (i) => i.json.numRatings,
  numcomments: (i) => i.json.numComments,
  size: (i) => i.json.size,
  name: (i) => (i.json.name ?? '').toLowerCase(),
  id: (i) => i.json.id
};

/**
 * An item as the search index answers it: the item JSON with `size: -1`. Esri: search runs on "a high-performance
 * index that indexes the most popular fields of an item" (Sharing API, Search); an item found by search has size -1
 * where the item GET gives the bytes, "a result of optimization in search logic" (Esri/arcgis-python-api#43, answered
 * by Esri, asked against "Portal or Organizational AGOL"); the captured search response in Esri/arcgis-rest-js's mocks
 * (test/mocks/items/search.ts, a Feature Service) has `size: -1` too. Nothing says a type or a deployment differs, so
 * every item, on Online and Enterprise, answers -1. The group content listings read the same index here (search.routes.ts).
 */
export function indexedItemJson(item: ItemRecord, user: UserRecord | null): Record<string, unknown> {
  return { ...itemJsonFor(item, user), size: -1 };
}

export interface ItemSearchScope {
  /** Only items shared with this group (group content search). */
  groupId?: string;
}

/** Runs an item search with ArcGIS's request parameters (`q`, `filter`, `categories`, sorting, paging, counts). */
export function runItemSearch(
  emu: EmulatorContext,
  user: UserRecord | null,
  params: Record<string, string>,
  scope: ItemSearchScope = {}
): SearchResponse {
  trackStateWrites(emu);
  const q = params.q ?? '';
  // Paging through one query re-reads the same result: matches are computed and sorted once per state version.
  const key = JSON.stringify([
    'search',
    q,
    params.filter ?? null,
    params.categories ?? null,
    (params.searchUserAccess ?? '').toLowerCase(),
    params.sortField ?? null,
    params.sortOrder ?? null,
    scope.groupId ?? null,
    user ? [user.username.toLowerCase(), user.orgId, user.role, user.disabled] : null
  ]);
  const cached = emu.state.recall<ItemRecord[]>(key);
  // A query that does not compile is never cached, so its error is thrown here, before the count fields are checked.
  const compiled = cached ? undefined : compileSearch(emu, user, params, q);

  const countFields = listParam(params, 'countFields').map((f) => f.toLowerCase());
  if (countFields.length > MAX_COUNT_FIELDS) {
    throw new ArcGISError(400, 'Unable to perform query. Too many count fields.', {
      details: [`'countFields' accepts at most ${MAX_COUNT_FIELDS} fields; ${countFields.length} were given.`]
    });
  }
  for (const f of countFields) {
    if (!COUNT_FIELDS.has(f)) {
      throw new ArcGISError(400, 'Unable to perform query. Invalid count field.', {
        details: [`'${f}' cannot be counted. Supported count fields: ${[...COUNT_FIELDS].join(', ')}.`]
      });
    }
  }

  const matches = cached ?? emu.state.remember(key, sortedMatches(emu, user, compiled ?? compileSearch(emu, user, params, q), scope, params));

  const total = matches.length;
  const { start, num } = startAndNum(params, MAX_NUM);

  const windowEnd = Math.min(total, SEARCH_WINDOW);
  const page = start > windowEnd ? [] : matches.slice(start - 1, Math.min(start - 1 + num, windowEnd));
  const next = start + num;
  const nextStart = num > 0 && next <= windowEnd ? next : -1;

  const response: SearchResponse = {
    query: q,
    total,
    start,
    num,
    nextStart,
    results: page.map((item) => indexedItemJson(item, user))
  };
  if (countFields.length > 0) {
    let countSize = intParam(params, 'countSize', 10);
    if (countSize < 1) countSize = 10;
    if (countSize > 200) countSize = 200;
    response.aggregations = { counts: countFields.map((f) => ({ fieldName: f, fieldValues: countValues(matches, f, countSize) })) };
  }
  return response;
}

interface CompiledSearch {
  ast: QueryNode;
  match: ItemPredicate;
  filter: ItemPredicate | undefined;
  categories: string[][] | undefined;
  memberGroupIds: Set<string> | undefined;
}

function compileSearch(emu: EmulatorContext, user: UserRecord | null, params: Record<string, string>, q: string): CompiledSearch {
  const ast = parseOrThrow(q);
  const match = compileItemQuery(ast);
  const filter = params.filter ? compileItemFilter(parseOrThrow(params.filter)) : undefined;
  const categories = parseCategories(params.categories);
  const groupMemberOnly = (params.searchUserAccess ?? '').toLowerCase() === 'groupmember';
  const memberGroupIds = groupMemberOnly && user ? new Set(emu.state.groupsOf(user.username).map((g) => g.id)) : undefined;
  return { ast, match, filter, categories, memberGroupIds };
}

/** The items the search finds, in the order asked for (creation order for relevance). */
function sortedMatches(emu: EmulatorContext, user: UserRecord | null, search: CompiledSearch, scope: ItemSearchScope, params: Record<string, string>): ItemRecord[] {
  const { match, filter, categories, memberGroupIds } = search;
  const matches: ItemRecord[] = [];
  const admin = !!user && user.role === 'org_admin' && !user.disabled;
  for (const item of candidates(emu, search.ast, scope)) {
    if (scope.groupId !== undefined && !item.groups.has(scope.groupId)) continue;
    if (!match(item)) continue;
    if (filter && !filter(item)) continue;
    if (categories && !matchesCategories(item, categories)) continue;
    if (memberGroupIds && ![...item.groups].some((g) => memberGroupIds.has(g))) continue;
    // visibility last: for an administrator it is a cheap org check, for others it walks the item's groups
    if (!(admin && item.json.orgId === user.orgId) && !canReadItem(emu.state, user, item)) continue;
    matches.push(item);
  }
  sortItems(matches, params.sortField, params.sortOrder);
  return matches;
}

/**
 * The items a search must look at, in creation order: those shared with a group or owned by a user when the scope
 * or a required `group:`/`owner:` term says so (from the state's indexes), otherwise every item. Each candidate is
 * still matched against the whole query, so this only skips items that cannot match.
 */
function candidates(emu: EmulatorContext, ast: QueryNode, scope: ItemSearchScope): Iterable<ItemRecord> {
  if (scope.groupId !== undefined) return emu.state.itemsSharedWith(scope.groupId);
  const required = ast.kind === 'and' ? ast.children : [ast];
  for (const node of required) {
    if (node.kind !== 'term' || (!node.phrase && /[*?]/.test(node.text))) continue;
    // group:<id> matches the id as given or lower-cased; the index is by exact id, so only a lower-case id narrows
    if ((node.field === 'group' || node.field === 'groups') && node.text === node.text.toLowerCase()) {
      return emu.state.itemsSharedWith(node.text);
    }
    if (node.field === 'owner') return emu.state.contentOf(node.text).items;
  }
  return emu.state.items.values();
}

function parseOrThrow(text: string): QueryNode {
  try {
    return parseQuery(text);
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      throw new ArcGISError(400, 'Unable to perform query. Please check your parameters.', {
        details: [`Invalid query syntax at character ${error.position + 1}: ${error.message}.`]
      });
    }
    throw error;
  }
}

/**
 * `categories`: "A JSON array or comma-separated list of up to eight org content categories ... OR relationship
 * between the categories specified"; a JSON array of arrays ANDs the inner OR lists. A category matches the item's
 * category itself or any of its sub-categories.
 */
function parseCategories(value: string | undefined): string[][] | undefined {
  if (!value || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ArcGISError(400, 'Unable to perform query. Please check your parameters.', { details: ["'categories' is not valid JSON."] });
    }
    if (Array.isArray(parsed)) {
      if (parsed.every((p) => Array.isArray(p))) return (parsed as unknown[][]).map((list) => list.map((c) => String(c).toLowerCase()));
      return [parsed.map((c) => String(c).toLowerCase())];
    }
  }
  return [trimmed.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '')];
}

function matchesCategories(item: ItemRecord, groups: string[][]): boolean {
  const own = item.json.categories.map((c) => c.toLowerCase());
  return groups.every((anyOf) => anyOf.some((wanted) => own.some((c) => c === wanted || c.startsWith(`${wanted}/`))));
}

/** Sorts in place by `sortField` (comma-separated) and `sortOrder` (one order, or one per field); stable. */
export function sortItems(items: ItemRecord[], sortField: string | undefined, sortOrder: string | undefined): void {
  const fields = (sortField ?? '')
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '' && SORT_KEYS[f]);
  if (fields.length === 0) return; // relevance: the emulator keeps creation order, which is stable across pages
  const orders = (sortOrder ?? 'asc').split(',').map((o) => (o.trim().toLowerCase() === 'desc' ? -1 : 1));
  // Keys are read once per item into columns and positions are sorted (ties keep the input order): a comparator
  // that reads item fields is what made sorting 10,000 items the larger part of a search.
  const columns = fields.map((f) => items.map(SORT_KEYS[f]!));
  const directions = fields.map((_, k) => orders[k] ?? orders[0] ?? 1);
  const positions = items.map((_, i) => i);
  if (columns.length === 1) {
    const column = columns[0]!;
    const direction = directions[0]!;
    positions.sort((a, b) => {
      const x = column[a]!;
      const y = column[b]!;
      if (x !== y) return (x < y ? -1 : 1) * direction;
      return a - b;
    });
  } else {
    positions.sort((a, b) => {
      for (let k = 0; k < columns.length; k++) {
        const x = columns[k]![a]!;
        const y = columns[k]![b]!;
        if (x !== y) return (x < y ? -1 : 1) * directions[k]!;
      }
      return a - b;
    });
  }
  const input = items.slice();
  for (let i = 0; i < positions.length; i++) items[i] = input[positions[i]!]!;
}

function countValues(items: ItemRecord[], field: string, size: number): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  const add = (v: string | null | undefined) => {
    if (v === null || v === undefined || v === '') return;
    const key = v.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (const item of items) {
    const j = item.json;
    switch (field) {
      case 'type':
        add(j.type);
        break;
      case 'typekeywords':
        new Set(j.typeKeywords.map((k) => k.toLowerCase())).forEach(add);
        break;
      case 'tags':
        new Set(j.tags.map((k) => k.toLowerCase())).forEach(add);
        break;
      case 'categories':
        j.categories.forEach(add);
        break;
      case 'access':
        add(j.access);
        break;
      case 'owner':
        add(j.owner);
        break;
      case 'contentstatus':
        add(typeof j.contentStatus === 'string' ? j.contentStatus : null);
        break;
      case 'culture':
        add(j.culture);
        break;
      case 'orgid':
        add(j.orgId);
        break;
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, size)
    .map(([value, count]) => ({ value, count }));
}
