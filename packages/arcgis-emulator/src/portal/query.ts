import { ArcGISError } from '../errors.js';
import { intParam } from '../http/request.js';
import { always, compileQuery, type FieldMatchers, never, type Predicate, type RangeBounds } from '../search/query.compiler.js';
import { parseQuery as parseSearchQuery, type QueryNode, QuerySyntaxError } from '../search/query.parser.js';

/**
 * User and group search: the `q` language is the one of item search (src/search/query.parser.ts); what differs is
 * how fields match. User and group fields are not analyzed: keyword fields match whole (a trailing `*` for a
 * prefix), text fields match words or word sequences, numbers match exactly or by range, all case-insensitively.
 */
export type FieldKind = 'keyword' | 'text' | 'number';

export interface FieldSpec<T> {
  kind: FieldKind;
  get(record: T): string | number | boolean | null | undefined | (string | null | undefined)[];
}

export type FieldSpecs<T> = Record<string, FieldSpec<T>>;

/** Parses `q` (absent or empty: everything); a syntax error is ArcGIS's 400 "Unable to parse query.". */
export function parseQuery(q: string | undefined): QueryNode {
  const text = (q ?? '').trim();
  try {
    return parseSearchQuery(text);
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw new ArcGISError(400, 'Unable to parse query.', { details: [`Invalid query: ${text}`] });
    throw error;
  }
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}_@.-]+/u).filter(Boolean);
}

function matchValue(kind: FieldKind, raw: unknown, value: string, phrase: boolean): boolean {
  if (raw === null || raw === undefined) return false;
  if (Array.isArray(raw)) return raw.some((v) => matchValue(kind, v, value, phrase));
  const text = String(raw).toLowerCase();
  const wanted = value.toLowerCase();
  if (kind === 'number') return Number(raw) === Number(value);
  if (kind === 'keyword') {
    if (wanted.endsWith('*')) return text.startsWith(wanted.slice(0, -1));
    return text === wanted;
  }
  // text: every word of the value appears in order (phrase) or anywhere (single word; prefix with *)
  const have = words(text);
  const want = words(wanted.replace(/\*$/, ''));
  if (want.length === 0) return true;
  if (want.length === 1) {
    const w = want[0]!;
    return wanted.endsWith('*') ? have.some((h) => h.startsWith(w)) : have.includes(w);
  }
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((w, j) => have[i + j] === w)) return true;
  }
  return false;
}

/**
 * The predicate of a parsed query over records described by `specs`; a term without a field searches `freeText`.
 * Unknown fields match nothing (as ArcGIS finds nothing for them).
 */
export function compileRecordQuery<T>(node: QueryNode, specs: FieldSpecs<T>, freeText: string[]): Predicate<T> {
  return compileQuery(node, recordMatchers(specs, freeText));
}

function recordMatchers<T>(specs: FieldSpecs<T>, freeText: string[]): FieldMatchers<T> {
  return {
    term(field, value, phrase) {
      if (field) {
        const spec = specs[field];
        return spec ? (record) => matchValue(spec.kind, spec.get(record), value, phrase) : never;
      }
      if (value === '*' && !phrase) return always;
      return (record) =>
        freeText.some((name) => {
          const spec = specs[name];
          return !!spec && matchValue(spec.kind === 'keyword' ? 'keyword' : 'text', spec.get(record), value, phrase);
        });
    },
    range(field, range) {
      const spec = field === null ? undefined : specs[field];
      return spec ? (record) => inRange(spec.get(record), range) : never;
    }
  };
}

function inRange(raw: unknown, range: RangeBounds): boolean {
  const n = Number(raw);
  if (!Number.isFinite(n)) return false;
  const from = range.lower === null ? -Infinity : Number(range.lower);
  const to = range.upper === null ? Infinity : Number(range.upper);
  return (range.includeLower ? n >= from : n > from) && (range.includeUpper ? n <= to : n < to);
}

export interface Page {
  start: number;
  num: number;
}

/** `start` is 1-based (default 1); `num` defaults to 10 and is at most 100, as in every ArcGIS search. */
export function readPage(params: Record<string, string>): Page {
  const start = Math.max(1, intParam(params, 'start', 1));
  const num = Math.min(100, Math.max(0, intParam(params, 'num', 10)));
  return { start, num };
}

export interface PageResult<T> {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  results: T[];
}

export function paginate<T>(all: T[], page: Page): PageResult<T> {
  const offset = page.start - 1;
  const results = all.slice(offset, offset + page.num);
  const end = offset + results.length;
  return { total: all.length, start: page.start, num: results.length, nextStart: end < all.length && page.num > 0 ? end + 1 : -1, results };
}

/** Sorts by one or more comma-separated fields (`sortField=title,created`), `sortOrder` asc|desc (default asc). */
export function sortRecords<T>(records: T[], params: Record<string, string>, specs: FieldSpecs<T>, fallback: string): T[] {
  const fields = (params.sortField ?? '')
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => specs[f]);
  if (fields.length === 0) fields.push(fallback);
  const desc = (params.sortOrder ?? 'asc').toLowerCase() === 'desc';
  const key = (spec: FieldSpec<T>, r: T): string | number => {
    const v = spec.get(r);
    if (spec.kind === 'number') return Number(v ?? 0);
    return (Array.isArray(v) ? v.join(',') : String(v ?? '')).toLowerCase();
  };
  // Each record's keys are computed once (not per comparison); ties keep the input order, as the stable sort did.
  const columns = fields.map((f) => {
    const spec = specs[f]!;
    return records.map((r) => key(spec, r));
  });
  const positions = records.map((_, i) => i);
  positions.sort((a, b) => {
    for (const column of columns) {
      const ka = column[a]!;
      const kb = column[b]!;
      if (ka < kb) return desc ? 1 : -1;
      if (ka > kb) return desc ? -1 : 1;
    }
    return a - b;
  });
  return positions.map((i) => records[i]!);
}
