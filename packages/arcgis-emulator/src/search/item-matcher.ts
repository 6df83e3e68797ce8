import { type ItemRecord } from '../state/types.js';
import { always, compileQuery, type FieldMatchers, never, type Predicate, type RangeBounds } from './query.compiler.js';
import { type QueryNode } from './query.parser.js';
import { analyze, containsSequence, wildcardToRegExp, words } from './text-analysis.js';

/**
 * How each searchable item field is matched (Esri's "Search reference", item fields):
 * - analyzed: full-text fields, matched word by word after analysis (see text-analysis.ts);
 * - exact: keyword fields matched whole and case-insensitively (`owner:`, `id:`, `orgid:`, `access:`);
 * - number: dates (ms since epoch; zero-padded forms such as `0000001249084800000` too) and counters;
 * - group: the ids of the groups the item is shared with (`group:`).
 * Fields ArcGIS does not know match nothing.
 */
type FieldSpec =
  | { kind: 'analyzed'; get: (item: ItemRecord) => string | readonly string[] | null | undefined }
  | { kind: 'exact'; get: (item: ItemRecord) => string | readonly string[] | null | undefined }
  | { kind: 'number'; get: (item: ItemRecord) => number | null | undefined }
  | { kind: 'group' };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const ITEM_FIELDS: Record<string, FieldSpec> = {
  id: { kind: 'exact', get: (i) => i.json.id },
  owner: { kind: 'exact', get: (i) => i.json.owner },
  orgid: { kind: 'exact', get: (i) => i.json.orgId },
  access: { kind: 'exact', get: (i) => i.json.access },
  contentstatus: { kind: 'exact', get: (i) => str(i.json.contentStatus) },
  categories: { kind: 'exact', get: (i) => i.json.categories },
  culture: { kind: 'exact', get: (i) => i.json.culture },
  spatialreference: { kind: 'exact', get: (i) => i.json.spatialReference },
  url: { kind: 'exact', get: (i) => i.json.url },
  group: { kind: 'group' },
  groups: { kind: 'group' },
  title: { kind: 'analyzed', get: (i) => i.json.title },
  name: { kind: 'analyzed', get: (i) => i.json.name },
  type: { kind: 'analyzed', get: (i) => i.json.type },
  typekeywords: { kind: 'analyzed', get: (i) => i.json.typeKeywords },
  tags: { kind: 'analyzed', get: (i) => i.json.tags },
  snippet: { kind: 'analyzed', get: (i) => i.json.snippet },
  description: { kind: 'analyzed', get: (i) => i.json.description },
  accessinformation: { kind: 'analyzed', get: (i) => i.json.accessInformation },
  licenseinfo: { kind: 'analyzed', get: (i) => i.json.licenseInfo },
  created: { kind: 'number', get: (i) => i.json.created },
  uploaded: { kind: 'number', get: (i) => i.json.created },
  modified: { kind: 'number', get: (i) => i.json.modified },
  numviews: { kind: 'number', get: (i) => i.json.numViews },
  size: { kind: 'number', get: (i) => i.json.size },
  avgrating: { kind: 'number', get: (i) => i.json.avgRating },
  numratings: { kind: 'number', get: (i) => i.json.numRatings },
  numcomments: { kind: 'number', get: (i) => i.json.numComments }
};

/** Fields searched when a term names none (Esri's search reference, items). */
const DEFAULT_FIELDS = ['title', 'tags', 'snippet', 'description', 'type', 'typekeywords'] as const;

export type ItemPredicate = Predicate<ItemRecord>;

/** `q`: analyzed text fields match word by word; a term without a field searches the default fields. */
const ITEM_QUERY: FieldMatchers<ItemRecord> = {
  term(field, text, phrase) {
    if (field === null) {
      const parts = DEFAULT_FIELDS.map((f) => compileTerm(ITEM_FIELDS[f]!, text, phrase));
      return (item) => parts.some((p) => p(item));
    }
    const spec = ITEM_FIELDS[field];
    return spec ? compileTerm(spec, text, phrase) : never;
  },
  range(field, range) {
    const spec = field === null ? undefined : ITEM_FIELDS[field];
    return spec ? compileRange(spec, range) : never;
  }
};

/**
 * The `filter` parameter: "exact matching of field values", same syntax as `q` but every field value must equal the
 * term as a whole (case-insensitive), e.g. `filter=type:"Web Map"` finds web maps and not web mapping applications.
 */
const ITEM_FILTER: FieldMatchers<ItemRecord> = {
  term(field, text, phrase) {
    const spec = field === null ? undefined : ITEM_FIELDS[field];
    if (field === null || !spec) return ITEM_QUERY.term(field, text, phrase);
    return compileTerm(spec.kind === 'analyzed' ? { kind: 'exact', get: spec.get } : spec, text, phrase);
  },
  range: ITEM_QUERY.range
};

export function compileItemQuery(node: QueryNode): ItemPredicate {
  return compileQuery(node, ITEM_QUERY);
}

export function compileItemFilter(node: QueryNode): ItemPredicate {
  return compileQuery(node, ITEM_FILTER);
}

const hasWildcard = (text: string) => /[*?]/.test(text);

function asList(value: string | readonly string[] | null | undefined): readonly string[] {
  if (value === null || value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Numbers in queries may be zero-padded (`0000001249084800000`) as Esri's examples show. */
function parseNumber(text: string): number | null {
  if (!/^-?\d+(\.\d+)?$/.test(text.trim())) return null;
  return Number(text);
}

function compileTerm(spec: FieldSpec, text: string, phrase: boolean): ItemPredicate {
  const wildcard = !phrase && hasWildcard(text);
  switch (spec.kind) {
    case 'group': {
      const id = text.toLowerCase();
      if (wildcard) {
        const re = wildcardToRegExp(text);
        return (item) => [...item.groups].some((g) => re.test(g));
      }
      return (item) => item.groups.has(id) || item.groups.has(text);
    }
    case 'number': {
      const n = parseNumber(text);
      if (n === null) return never;
      return (item) => spec.get(item) === n;
    }
    case 'exact': {
      if (wildcard) {
        if (text === '*') return (item) => asList(spec.get(item)).length > 0;
        const re = wildcardToRegExp(text);
        return (item) => asList(spec.get(item)).some((v) => re.test(v));
      }
      const wanted = text.toLowerCase();
      return (item) => asList(spec.get(item)).some((v) => v.toLowerCase() === wanted);
    }
    case 'analyzed': {
      if (wildcard) {
        if (text === '*') return (item) => asList(spec.get(item)).some((v) => v.trim() !== '');
        // Wildcards apply to single, unanalyzed words (Lucene/Elasticsearch behaviour).
        const re = wildcardToRegExp(text);
        return (item) => asList(spec.get(item)).some((v) => words(v).some((w) => re.test(w)));
      }
      const needle = analyze(text);
      if (needle.length === 0) return always; // only stop words: ignored, as the search engine does
      return (item) => asList(spec.get(item)).some((v) => containsSequence(analyze(v), needle));
    }
  }
}

function compileRange(spec: FieldSpec, range: RangeBounds): ItemPredicate {
  if (spec.kind === 'group') return never;
  if (spec.kind === 'number') {
    const lo = range.lower === null ? -Infinity : parseNumber(range.lower);
    const hi = range.upper === null ? Infinity : parseNumber(range.upper);
    if (lo === null || hi === null) return never;
    return (item) => {
      const v = spec.get(item);
      if (typeof v !== 'number') return false;
      return (range.includeLower ? v >= lo : v > lo) && (range.includeUpper ? v <= hi : v < hi);
    };
  }
  // Text ranges compare whole values lower-cased (title:[a TO c]).
  const lo = range.lower?.toLowerCase() ?? null;
  const hi = range.upper?.toLowerCase() ?? null;
  return (item) =>
    asList(spec.get(item)).some((raw) => {
      const v = raw.toLowerCase();
      const aboveLo = lo === null || (range.includeLower ? v >= lo : v > lo);
      const belowHi = hi === null || (range.includeUpper ? v <= hi : v < hi);
      return aboveLo && belowHi;
    });
}
