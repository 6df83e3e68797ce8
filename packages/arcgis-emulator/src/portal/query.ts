import { ArcGISError } from '../errors.js';
import { intParam } from '../http/request.js';

/**
 * The `q` syntax of ArcGIS's user and group searches, enough for what clients send: field queries (`username:jdoe`,
 * `title:"Street Maps"`, `owner:gis_*`), free text, quoted phrases, `AND`/`OR`/`NOT`, parentheses and ranges
 * (`created:[0000001000000 TO 0000002000000]`). Terms without an operator are ANDed (*ArcGIS's default operator is
 * not documented for these searches*). The item search has its own engine in src/search/.
 */
export type FieldKind = 'keyword' | 'text' | 'number';

export interface FieldSpec<T> {
  kind: FieldKind;
  get(record: T): string | number | boolean | null | undefined | (string | null | undefined)[];
}

export type FieldSpecs<T> = Record<string, FieldSpec<T>>;

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; node: Node }
  | { kind: 'term'; field: string | null; value: string; phrase: boolean }
  | { kind: 'range'; field: string; from: string; to: string; inclusive: boolean }
  | { kind: 'all' };

interface Token {
  type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'term' | 'range';
  field?: string | null;
  value?: string;
  phrase?: boolean;
  from?: string;
  to?: string;
  inclusive?: boolean;
}

function invalidQuery(q: string): ArcGISError {
  return new ArcGISError(400, 'Unable to parse query.', { details: [`Invalid query: ${q}`] });
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readWord = (): string => {
    let word = '';
    while (i < q.length && !/[\s()]/.test(q[i]!)) {
      if (q[i] === '\\' && i + 1 < q.length) {
        word += q[i + 1];
        i += 2;
        continue;
      }
      word += q[i];
      i++;
    }
    return word;
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let text = '';
    while (i < q.length && q[i] !== '"') {
      if (q[i] === '\\' && i + 1 < q.length) i++;
      text += q[i];
      i++;
    }
    if (i >= q.length) throw invalidQuery(q);
    i++; // closing quote
    return text;
  };
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      tokens.push({ type: 'lparen' });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ type: 'rparen' });
      i++;
      continue;
    }
    if (c === '"') {
      tokens.push({ type: 'term', field: null, value: readQuoted(), phrase: true });
      continue;
    }
    // field:..., a word, or an operator
    const fieldMatch = /^([A-Za-z_][A-Za-z0-9_.]*):/.exec(q.slice(i));
    if (fieldMatch) {
      const field = fieldMatch[1]!.toLowerCase();
      i += fieldMatch[0].length;
      const next = q[i];
      if (next === '"') {
        tokens.push({ type: 'term', field, value: readQuoted(), phrase: true });
      } else if (next === '[' || next === '{') {
        const close = next === '[' ? ']' : '}';
        const end = q.indexOf(close, i);
        if (end < 0) throw invalidQuery(q);
        const inner = q.slice(i + 1, end).trim();
        const parts = /^(\S+)\s+TO\s+(\S+)$/i.exec(inner);
        if (!parts) throw invalidQuery(q);
        tokens.push({ type: 'range', field, from: parts[1]!, to: parts[2]!, inclusive: next === '[' });
        i = end + 1;
      } else {
        const value = readWord();
        if (!value) throw invalidQuery(q);
        tokens.push({ type: 'term', field, value, phrase: false });
      }
      continue;
    }
    const word = readWord();
    if (word === 'AND' || word === '&&') tokens.push({ type: 'and' });
    else if (word === 'OR' || word === '||') tokens.push({ type: 'or' });
    else if (word === 'NOT') tokens.push({ type: 'not' });
    else if (word === '*') tokens.push({ type: 'term', field: null, value: '*', phrase: false });
    else if (word.startsWith('-') && word.length > 1) {
      tokens.push({ type: 'not' });
      tokens.push({ type: 'term', field: null, value: word.slice(1), phrase: false });
    } else tokens.push({ type: 'term', field: null, value: word, phrase: false });
  }
  return tokens;
}

export function parseQuery(q: string | undefined): Node {
  const text = (q ?? '').trim();
  if (!text) return { kind: 'all' };
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek()?.type === 'or') {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    for (;;) {
      const t = peek();
      if (!t || t.type === 'rparen' || t.type === 'or') return left;
      if (t.type === 'and') pos++;
      // NOT between terms means AND NOT, as in Lucene
      left = { kind: 'and', left, right: parseUnary() };
    }
  };
  const parseUnary = (): Node => {
    const t = peek();
    if (!t) throw invalidQuery(text);
    if (t.type === 'not') {
      pos++;
      return { kind: 'not', node: parseUnary() };
    }
    if (t.type === 'lparen') {
      pos++;
      const inner = parseOr();
      if (peek()?.type !== 'rparen') throw invalidQuery(text);
      pos++;
      return inner;
    }
    if (t.type === 'term') {
      pos++;
      if (t.field === null && t.value === '*') return { kind: 'all' };
      return { kind: 'term', field: t.field ?? null, value: t.value ?? '', phrase: !!t.phrase };
    }
    if (t.type === 'range') {
      pos++;
      return { kind: 'range', field: t.field!, from: t.from!, to: t.to!, inclusive: !!t.inclusive };
    }
    throw invalidQuery(text);
  };
  const node = parseOr();
  if (pos !== tokens.length) throw invalidQuery(text);
  return node;
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

/** Whether the record matches the parsed query. Unknown fields match nothing (as ArcGIS finds nothing for them). */
export function matches<T>(node: Node, record: T, specs: FieldSpecs<T>, freeText: string[]): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'and':
      return matches(node.left, record, specs, freeText) && matches(node.right, record, specs, freeText);
    case 'or':
      return matches(node.left, record, specs, freeText) || matches(node.right, record, specs, freeText);
    case 'not':
      return !matches(node.node, record, specs, freeText);
    case 'range': {
      const spec = specs[node.field];
      if (!spec) return false;
      const raw = spec.get(record);
      const n = Number(raw);
      if (!Number.isFinite(n)) return false;
      const from = node.from === '*' ? -Infinity : Number(node.from);
      const to = node.to === '*' ? Infinity : Number(node.to);
      return node.inclusive ? n >= from && n <= to : n > from && n < to;
    }
    case 'term': {
      if (node.field) {
        const spec = specs[node.field];
        return !!spec && matchValue(spec.kind, spec.get(record), node.value, node.phrase);
      }
      return freeText.some((name) => {
        const spec = specs[name];
        return !!spec && matchValue(spec.kind === 'keyword' ? 'keyword' : 'text', spec.get(record), node.value, node.phrase);
      });
    }
  }
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
  return [...records].sort((a, b) => {
    for (const f of fields) {
      const spec = specs[f]!;
      const ka = key(spec, a);
      const kb = key(spec, b);
      if (ka < kb) return desc ? 1 : -1;
      if (ka > kb) return desc ? -1 : 1;
    }
    return 0;
  });
}
