/**
 * The SQL subset that feature-service `where` clauses use ("standardized queries"): comparisons, AND/OR/NOT,
 * parentheses, [NOT] IN, [NOT] LIKE (with ESCAPE), IS [NOT] NULL, [NOT] BETWEEN, arithmetic, string/number/date
 * literals (`date '2020-01-01'`, `timestamp '2020-01-01 00:00:00'`), CURRENT_DATE/CURRENT_TIMESTAMP and a few
 * functions (UPPER, LOWER, TRIM, CHAR_LENGTH, ABS, ROUND, FLOOR, CEILING).
 *
 * Evaluation follows SQL's three-valued logic: a comparison with NULL is unknown (null), `NOT unknown` is unknown,
 * and only rows whose condition is true are selected.
 */

export type Value = number | string | boolean | null;
export type Row = Record<string, unknown>;

export class WhereError extends Error {
  constructor(
    readonly kind: 'syntax' | 'field',
    message: string,
    readonly field?: string
  ) {
    super(message);
    this.name = 'WhereError';
  }
}

type Node =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'date'; v: number }
  | { t: 'null' }
  | { t: 'field'; name: string }
  | { t: 'now'; kind: 'date' | 'timestamp' }
  | { t: 'neg'; e: Node }
  | { t: 'arith'; op: '+' | '-' | '*' | '/'; l: Node; r: Node }
  | { t: 'fn'; name: string; args: Node[] }
  | { t: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; l: Node; r: Node }
  | { t: 'and'; l: Node; r: Node }
  | { t: 'or'; l: Node; r: Node }
  | { t: 'not'; e: Node }
  | { t: 'in'; e: Node; list: Node[]; not: boolean }
  | { t: 'like'; e: Node; pattern: Node; escape: string | null; not: boolean }
  | { t: 'isnull'; e: Node; not: boolean }
  | { t: 'between'; e: Node; lo: Node; hi: Node; not: boolean };

export type WhereAst = Node;

type Token =
  | { k: 'num'; v: number; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'id'; v: string; quoted: boolean; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'eof'; pos: number };

const INTERVAL_MS: Record<string, number> = { DAY: 86_400_000, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1000 };
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'IS', 'NULL', 'BETWEEN', 'ESCAPE']);
const FUNCTIONS = new Set(['UPPER', 'LOWER', 'TRIM', 'CHAR_LENGTH', 'ABS', 'ROUND', 'FLOOR', 'CEILING']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new WhereError('syntax', `Unterminated string literal at position ${start + 1}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ k: 'str', v: s, pos: start });
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new WhereError('syntax', `Unterminated quoted identifier at position ${start + 1}`);
      out.push({ k: 'id', v: src.slice(i + 1, end), quoted: true, pos: start });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: Number(m[0]), pos: start });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      out.push({ k: 'id', v: m[0], quoted: false, pos: start });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '<>' || two === '!=' || two === '<=' || two === '>=') {
      out.push({ k: 'op', v: two === '!=' ? '<>' : two, pos: start });
      i += 2;
      continue;
    }
    if ('=<>(),+-*/'.includes(c)) {
      out.push({ k: 'op', v: c, pos: start });
      i++;
      continue;
    }
    throw new WhereError('syntax', `Unexpected character '${c}' at position ${start + 1}`);
  }
  out.push({ k: 'eof', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)]!;
  }

  private next(): Token {
    return this.toks[this.i++]!;
  }

  private isKw(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.k === 'id' && !t.quoted && t.v.toUpperCase() === word;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.k === 'op' && t.v === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) this.fail(`'${op}' expected`);
    this.i++;
  }

  private expectKw(word: string): void {
    if (!this.isKw(word)) this.fail(`${word} expected`);
    this.i++;
  }

  private fail(what: string): never {
    const t = this.peek();
    const near = t.k === 'eof' ? 'the end' : `position ${t.pos + 1}`;
    throw new WhereError('syntax', `${what} near ${near}`);
  }

  parse(): Node {
    const e = this.or();
    if (this.peek().k !== 'eof') this.fail('Unexpected token');
    return e;
  }

  private or(): Node {
    let l = this.and();
    while (this.isKw('OR')) {
      this.i++;
      l = { t: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Node {
    let l = this.not();
    while (this.isKw('AND')) {
      this.i++;
      l = { t: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Node {
    if (this.isKw('NOT')) {
      this.i++;
      return { t: 'not', e: this.not() };
    }
    return this.predicate();
  }

  private predicate(): Node {
    const e = this.additive();
    const t = this.peek();
    if (t.k === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return { t: 'cmp', op: t.v as '=', l: e, r: this.additive() };
    }
    let not = false;
    if (this.isKw('NOT') && (this.isKw('IN', 1) || this.isKw('LIKE', 1) || this.isKw('BETWEEN', 1))) {
      not = true;
      this.i++;
    }
    if (this.isKw('IN')) {
      this.i++;
      this.expectOp('(');
      const list: Node[] = [this.additive()];
      while (this.isOp(',')) {
        this.i++;
        list.push(this.additive());
      }
      this.expectOp(')');
      return { t: 'in', e, list, not };
    }
    if (this.isKw('LIKE')) {
      this.i++;
      const pattern = this.additive();
      let escape: string | null = null;
      if (this.isKw('ESCAPE')) {
        this.i++;
        const tok = this.next();
        if (tok.k !== 'str' || tok.v.length !== 1) this.fail('A one-character string expected after ESCAPE');
        escape = tok.v;
      }
      return { t: 'like', e, pattern, escape, not };
    }
    if (this.isKw('BETWEEN')) {
      this.i++;
      const lo = this.additive();
      this.expectKw('AND');
      const hi = this.additive();
      return { t: 'between', e, lo, hi, not };
    }
    if (not) this.fail('IN, LIKE or BETWEEN expected');
    if (this.isKw('IS')) {
      this.i++;
      let isNot = false;
      if (this.isKw('NOT')) {
        this.i++;
        isNot = true;
      }
      this.expectKw('NULL');
      return { t: 'isnull', e, not: isNot };
    }
    return e;
  }

  private additive(): Node {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.next() as { v: string }).v as '+' | '-';
      l = { t: 'arith', op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Node {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = (this.next() as { v: string }).v as '*' | '/';
      l = { t: 'arith', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Node {
    if (this.isOp('-')) {
      this.i++;
      const e = this.unary();
      return e.t === 'num' ? { t: 'num', v: -e.v } : { t: 'neg', e };
    }
    if (this.isOp('+')) {
      this.i++;
      return this.unary();
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.peek();
    if (t.k === 'num') {
      this.i++;
      return { t: 'num', v: t.v };
    }
    if (t.k === 'str') {
      this.i++;
      return { t: 'str', v: t.v };
    }
    if (t.k === 'op' && t.v === '(') {
      this.i++;
      const e = this.or();
      this.expectOp(')');
      return e;
    }
    if (t.k === 'id') {
      const upper = t.v.toUpperCase();
      if (!t.quoted) {
        if ((upper === 'DATE' || upper === 'TIMESTAMP') && this.peek(1).k === 'str') {
          this.i++;
          const lit = this.next() as { v: string };
          const ms = parseDateLiteral(lit.v);
          if (ms === undefined) throw new WhereError('syntax', `Invalid ${upper.toLowerCase()} literal '${lit.v}'`);
          return { t: 'date', v: ms };
        }
        if (upper === 'INTERVAL' && this.peek(1).k === 'str') {
          // INTERVAL '3' DAY (Esri's standardized SQL), as a number of milliseconds to add to or subtract from dates.
          this.i++;
          const amount = Number((this.next() as { v: string }).v);
          const unitTok = this.next();
          const unit = unitTok.k === 'id' ? unitTok.v.toUpperCase() : '';
          const ms = INTERVAL_MS[unit];
          if (!Number.isFinite(amount) || ms === undefined) throw new WhereError('syntax', 'INTERVAL needs a number and DAY, HOUR, MINUTE or SECOND');
          return { t: 'num', v: amount * ms };
        }
        if (upper === 'CURRENT_DATE' || upper === 'CURRENT_TIMESTAMP') {
          this.i++;
          return { t: 'now', kind: upper === 'CURRENT_DATE' ? 'date' : 'timestamp' };
        }
        if (upper === 'NULL') {
          this.i++;
          return { t: 'null' };
        }
        if (this.peek(1).k === 'op' && (this.peek(1) as { v: string }).v === '(') {
          if (!FUNCTIONS.has(upper)) throw new WhereError('syntax', `Unsupported function ${t.v}`);
          this.i += 2;
          const args: Node[] = [];
          if (!this.isOp(')')) {
            args.push(this.additive());
            while (this.isOp(',')) {
              this.i++;
              args.push(this.additive());
            }
          }
          this.expectOp(')');
          const arity = upper === 'ROUND' ? [1, 2] : [1, 1];
          if (args.length < arity[0]! || args.length > arity[1]!) throw new WhereError('syntax', `Wrong number of arguments to ${upper}`);
          return { t: 'fn', name: upper, args };
        }
        if (KEYWORDS.has(upper)) this.fail(`Unexpected ${upper}`);
      }
      this.i++;
      return { t: 'field', name: t.v };
    }
    this.fail('A value or field expected');
  }
}

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.fff]` (UTC, as hosted services store dates). */
export function parseDateLiteral(text: string): number | undefined {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z)?\s*$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  const value = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
  const check = new Date(value);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  return value;
}

export function parseWhere(where: string): WhereAst {
  return new Parser(tokenize(where)).parse();
}

const BOOLEAN_NODES = new Set(['cmp', 'and', 'or', 'not', 'in', 'like', 'isnull', 'between']);

export interface CompileOptions {
  /** Field names of the layer; matched case-insensitively. */
  fields: readonly { name: string; type: string }[];
  /** String comparison and LIKE ignore case (ArcGIS Online's SQL Server collation) or not (Enterprise's PostgreSQL). */
  caseInsensitive: boolean;
  now?: () => number;
}

export type Predicate = (row: Row) => boolean;

/** Parses and compiles a where clause; throws WhereError for syntax errors and unknown fields. */
export function compileWhere(where: string | undefined, options: CompileOptions): { predicate: Predicate; ast: WhereAst | null } {
  if (where === undefined || where.trim() === '') return { predicate: () => true, ast: null };
  const ast = parseWhere(where);
  if (!BOOLEAN_NODES.has(ast.t)) throw new WhereError('syntax', 'The where clause is not a condition');
  const fieldMap = new Map<string, { name: string; type: string }>();
  for (const f of options.fields) fieldMap.set(f.name.toLowerCase(), f);
  const ev = compileNode(ast, { ...options, fieldMap, now: options.now ?? Date.now });
  return { predicate: (row) => ev(row) === true, ast };
}

type Ev = (row: Row) => Value;
interface Env extends CompileOptions {
  fieldMap: Map<string, { name: string; type: string }>;
  now: () => number;
}

function and3(a: Value, b: Value): Value {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

function or3(a: Value, b: Value): Value {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

function normalize(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

/** SQL comparison: null when either side is null or they cannot be compared. */
function compare(a: Value, b: Value, ci: boolean): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = ci ? a.toLowerCase() : a;
    const y = ci ? b.toLowerCase() : b;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // A number (or date, stored as ms) against a string literal: the database converts the string.
  const num = typeof a === 'number' ? a : typeof b === 'number' ? b : null;
  const str = typeof a === 'string' ? a : typeof b === 'string' ? b : null;
  if (num !== null && str !== null) {
    let converted = Number(str);
    if (str.trim() === '' || !Number.isFinite(converted)) {
      const d = parseDateLiteral(str);
      if (d === undefined) return null;
      converted = d;
    }
    const [x, y] = typeof a === 'number' ? [num, converted] : [converted, num];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return null;
}

function likeRegex(pattern: string, escape: string | null, ci: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, ci ? 'i' : '');
}

function compileNode(n: Node, env: Env): Ev {
  switch (n.t) {
    case 'num':
    case 'str':
    case 'date': {
      const v = n.v;
      return () => v;
    }
    case 'null':
      return () => null;
    case 'now':
      return () => {
        const t = env.now();
        return n.kind === 'date' ? t - (t % 86_400_000) : t;
      };
    case 'field': {
      const f = env.fieldMap.get(n.name.toLowerCase());
      if (!f) throw new WhereError('field', `Invalid field: ${n.name}`, n.name);
      const name = f.name;
      return (row) => normalize(row[name]);
    }
    case 'neg': {
      const e = compileNode(n.e, env);
      return (row) => {
        const v = e(row);
        return typeof v === 'number' ? -v : null;
      };
    }
    case 'arith': {
      const l = compileNode(n.l, env);
      const r = compileNode(n.r, env);
      const op = n.op;
      return (row) => {
        const a = l(row);
        const b = r(row);
        if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
        if (typeof a !== 'number' || typeof b !== 'number') return null;
        if (op === '+') return a + b;
        if (op === '-') return a - b;
        if (op === '*') return a * b;
        return b === 0 ? null : a / b;
      };
    }
    case 'fn': {
      const args = n.args.map((a) => compileNode(a, env));
      const a0 = args[0]!;
      switch (n.name) {
        case 'UPPER':
          return (row) => {
            const v = a0(row);
            return v === null ? null : String(v).toUpperCase();
          };
        case 'LOWER':
          return (row) => {
            const v = a0(row);
            return v === null ? null : String(v).toLowerCase();
          };
        case 'TRIM':
          return (row) => {
            const v = a0(row);
            return v === null ? null : String(v).trim();
          };
        case 'CHAR_LENGTH':
          return (row) => {
            const v = a0(row);
            return v === null ? null : String(v).length;
          };
        case 'ABS':
        case 'FLOOR':
        case 'CEILING': {
          const fn = n.name === 'ABS' ? Math.abs : n.name === 'FLOOR' ? Math.floor : Math.ceil;
          return (row) => {
            const v = a0(row);
            return typeof v === 'number' ? fn(v) : null;
          };
        }
        default: {
          const digits = args[1];
          return (row) => {
            const v = a0(row);
            const d = digits ? digits(row) : 0;
            if (typeof v !== 'number' || typeof d !== 'number') return null;
            const p = 10 ** d;
            return Math.round(v * p) / p;
          };
        }
      }
    }
    case 'cmp': {
      const l = compileNode(n.l, env);
      const r = compileNode(n.r, env);
      const ci = env.caseInsensitive;
      const test: (c: number) => boolean =
        n.op === '='
          ? (c) => c === 0
          : n.op === '<>'
            ? (c) => c !== 0
            : n.op === '<'
              ? (c) => c < 0
              : n.op === '<='
                ? (c) => c <= 0
                : n.op === '>'
                  ? (c) => c > 0
                  : (c) => c >= 0;
      return (row) => {
        const c = compare(l(row), r(row), ci);
        return c === null ? null : test(c);
      };
    }
    case 'and': {
      const l = compileNode(n.l, env);
      const r = compileNode(n.r, env);
      return (row) => {
        const a = l(row);
        if (a === false) return false;
        return and3(a, r(row));
      };
    }
    case 'or': {
      const l = compileNode(n.l, env);
      const r = compileNode(n.r, env);
      return (row) => {
        const a = l(row);
        if (a === true) return true;
        return or3(a, r(row));
      };
    }
    case 'not': {
      const e = compileNode(n.e, env);
      return (row) => {
        const v = e(row);
        return v === null ? null : !v;
      };
    }
    case 'isnull': {
      const e = compileNode(n.e, env);
      return n.not ? (row) => e(row) !== null : (row) => e(row) === null;
    }
    case 'in': {
      const e = compileNode(n.e, env);
      const list = n.list.map((x) => compileNode(x, env));
      const ci = env.caseInsensitive;
      const not = n.not;
      return (row) => {
        const v = e(row);
        if (v === null) return null;
        let sawNull = false;
        for (const item of list) {
          const c = compare(v, item(row), ci);
          if (c === 0) return !not;
          if (c === null) sawNull = true;
        }
        return sawNull ? null : not;
      };
    }
    case 'like': {
      const e = compileNode(n.e, env);
      const ci = env.caseInsensitive;
      const not = n.not;
      const escape = n.escape;
      if (n.pattern.t === 'str') {
        const re = likeRegex(n.pattern.v, escape, ci);
        return (row) => {
          const v = e(row);
          if (v === null) return null;
          return re.test(String(v)) !== not;
        };
      }
      const p = compileNode(n.pattern, env);
      return (row) => {
        const v = e(row);
        const pat = p(row);
        if (v === null || pat === null) return null;
        return likeRegex(String(pat), escape, ci).test(String(v)) !== not;
      };
    }
    case 'between': {
      const e = compileNode(n.e, env);
      const lo = compileNode(n.lo, env);
      const hi = compileNode(n.hi, env);
      const ci = env.caseInsensitive;
      const not = n.not;
      return (row) => {
        const v = e(row);
        const a = compare(v, lo(row), ci);
        const b = compare(v, hi(row), ci);
        const inRange = and3(a === null ? null : a >= 0, b === null ? null : b <= 0);
        return inRange === null ? null : inRange !== not;
      };
    }
  }
}

/**
 * The objectId range implied by the top-level AND conjuncts of a where clause (`oid > N`, `oid >= N`, `N < oid`,
 * `oid <= M`, `oid = K`, `oid BETWEEN a AND b`, `oid IN (...)`), so paged queries (`objectid > N order by objectid`) scan from N
 * instead of from the first feature, and bounded ones stop early. Features with after < oid <= upTo may match.
 */
export function oidRange(ast: WhereAst | null, oidField: string): { after: number; upTo: number } {
  const range = { after: 0, upTo: Infinity };
  if (!ast) return range;
  const lower = oidField.toLowerCase();
  const isOid = (x: Node) => x.t === 'field' && x.name.toLowerCase() === lower;
  const visit = (n: Node) => {
    if (n.t === 'and') {
      visit(n.l);
      visit(n.r);
      return;
    }
    if (n.t === 'between' && !n.not && isOid(n.e) && n.lo.t === 'num' && n.hi.t === 'num') {
      range.after = Math.max(range.after, Math.ceil(n.lo.v) - 1);
      range.upTo = Math.min(range.upTo, Math.floor(n.hi.v));
      return;
    }
    if (n.t === 'in' && !n.not && isOid(n.e) && n.list.every((x) => x.t === 'num')) {
      const values = n.list.map((x) => (x as { v: number }).v);
      range.after = Math.max(range.after, Math.ceil(Math.min(...values)) - 1);
      range.upTo = Math.min(range.upTo, Math.floor(Math.max(...values)));
      return;
    }
    if (n.t !== 'cmp') return;
    let op = n.op;
    let value: Node;
    if (isOid(n.l)) value = n.r;
    else if (isOid(n.r)) {
      value = n.l;
      op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>' } as const)[op];
    } else return;
    if (value.t !== 'num') return;
    const v = value.v;
    if (op === '>') range.after = Math.max(range.after, Math.floor(v));
    else if (op === '>=') range.after = Math.max(range.after, Math.ceil(v) - 1);
    else if (op === '<') range.upTo = Math.min(range.upTo, Math.ceil(v) - 1);
    else if (op === '<=') range.upTo = Math.min(range.upTo, Math.floor(v));
    else if (op === '=') {
      range.after = Math.max(range.after, Math.ceil(v) - 1);
      range.upTo = Math.min(range.upTo, Math.floor(v));
    }
  };
  visit(ast);
  return range;
}

/** The "after" end of oidRange (kept for callers that only page forward). */
export function oidLowerBound(ast: WhereAst | null, oidField: string): number {
  return oidRange(ast, oidField).after;
}
