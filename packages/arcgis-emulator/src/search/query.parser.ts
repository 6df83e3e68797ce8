/**
 * The `q` syntax of ArcGIS search (Esri's "Search reference"), one language for item, user and group search (each
 * gives fields their own meaning, see query.compiler.ts): terms and "quoted phrases", `field:value`,
 * `field:"a phrase"`, `field:(a OR b)`, ranges `field:[a TO b]` (inclusive) and `field:{a TO b}` (exclusive) with `*`
 * for an open end, `AND`/`OR`/`NOT` (upper case only; `&&`, `||`, `!` too), `+` (required) and `-` (prohibited)
 * prefixes, parentheses, `*`/`?` wildcards and `^n` boosts (accepted, ignored: they only change ranking).
 *
 * Terms next to each other without an operator are combined with AND, as current ArcGIS Online and Enterprise 11 do
 * ("map services returns items with both map and services"; older releases documented OR as the default).
 * Precedence: NOT binds tighter than AND, AND than OR.
 */

export type QueryNode =
  | { kind: 'all' }
  | { kind: 'and'; children: QueryNode[] }
  | { kind: 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode }
  | { kind: 'term'; field: string | null; text: string; phrase: boolean }
  | { kind: 'range'; field: string | null; lower: string | null; upper: string | null; includeLower: boolean; includeUpper: boolean };

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}

type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'plus' | 'minus'; pos: number }
  | { type: 'field'; name: string; pos: number }
  | { type: 'word'; text: string; pos: number }
  | { type: 'phrase'; text: string; pos: number }
  | { type: 'range'; lower: string | null; upper: string | null; includeLower: boolean; includeUpper: boolean; pos: number };

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const WORD_END = new Set(['(', ')', '"', ':', '[', ']', '{', '}', '^']);

export function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = q.length;
  while (i < n) {
    const c = q[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '(') {
      tokens.push({ type: 'lparen', pos });
      i++;
    } else if (c === ')') {
      tokens.push({ type: 'rparen', pos });
      i++;
    } else if (c === '"') {
      const end = q.indexOf('"', i + 1);
      if (end < 0) throw new QuerySyntaxError('Unterminated quoted phrase', pos);
      tokens.push({ type: 'phrase', text: q.slice(i + 1, end), pos });
      i = end + 1;
    } else if (c === '[' || c === '{') {
      const close = c === '[' ? ']' : '}';
      let end = i + 1;
      while (end < n && q[end] !== ']' && q[end] !== '}') end++;
      if (end >= n) throw new QuerySyntaxError(`Unterminated range, expected '${close}'`, pos);
      const inner = q.slice(i + 1, end).trim();
      const m = /^(\S+)\s+TO\s+(\S+)$/.exec(inner);
      if (!m) throw new QuerySyntaxError("A range must look like [lower TO upper]", pos);
      const bound = (s: string) => (s === '*' ? null : s.replace(/^"(.*)"$/, '$1'));
      tokens.push({
        type: 'range',
        lower: bound(m[1]!),
        upper: bound(m[2]!),
        includeLower: c === '[',
        includeUpper: q[end] === ']',
        pos
      });
      i = end + 1;
    } else if (c === '^') {
      // boost: ^2 or ^0.5 after a term; ranking only
      i++;
      while (i < n && /[\d.]/.test(q[i]!)) i++;
    } else if ((c === '+' || c === '-' || c === '!') && i + 1 < n && !isSpace(q[i + 1])) {
      tokens.push({ type: c === '+' ? 'plus' : c === '-' ? 'minus' : 'not', pos });
      i++;
    } else if (c === '&' && q[i + 1] === '&') {
      tokens.push({ type: 'and', pos });
      i += 2;
    } else if (c === '|' && q[i + 1] === '|') {
      tokens.push({ type: 'or', pos });
      i += 2;
    } else {
      let end = i;
      while (end < n && !isSpace(q[end]) && !WORD_END.has(q[end]!)) {
        if (q[end] === '\\' && end + 1 < n) end++;
        end++;
      }
      if (end === i) {
        // a stray ':' ']' or '}' on its own
        throw new QuerySyntaxError(`Unexpected '${c}'`, pos);
      }
      const raw = q.slice(i, end).replace(/\\(.)/g, '$1');
      i = end;
      if (q[i] === ':') {
        tokens.push({ type: 'field', name: raw.toLowerCase(), pos });
        i++;
        // A value glued to its field may itself hold ':' (url:https://..., id values never do but URLs and
        // spatial references can); read it up to the next space or ')'.
        if (i < n && !isSpace(q[i]) && !'"([{'.includes(q[i]!)) {
          let vEnd = i;
          while (vEnd < n && !isSpace(q[vEnd]) && q[vEnd] !== ')' && q[vEnd] !== '^') vEnd++;
          const value = q.slice(i, vEnd).replace(/\\(.)/g, '$1');
          tokens.push(
            value === 'AND' || value === 'OR' || value === 'NOT'
              ? { type: value.toLowerCase() as 'and' | 'or' | 'not', pos: i }
              : { type: 'word', text: value, pos: i }
          );
          i = vEnd;
        }
      } else if (raw === 'AND') tokens.push({ type: 'and', pos });
      else if (raw === 'OR') tokens.push({ type: 'or', pos });
      else if (raw === 'NOT') tokens.push({ type: 'not', pos });
      else tokens.push({ type: 'word', text: raw, pos });
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode {
    if (this.tokens.length === 0) return { kind: 'all' };
    const node = this.orExpr(null);
    const extra = this.peek();
    if (extra) throw new QuerySyntaxError(extra.type === 'rparen' ? "Unbalanced ')'" : 'Unexpected input', extra.pos);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private orExpr(field: string | null): QueryNode {
    const children = [this.andExpr(field)];
    while (this.peek()?.type === 'or') {
      this.i++;
      children.push(this.andExpr(field));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private andExpr(field: string | null): QueryNode {
    const children = [this.unary(field)];
    for (;;) {
      const t = this.peek();
      if (!t || t.type === 'or' || t.type === 'rparen') break;
      if (t.type === 'and') this.i++;
      children.push(this.unary(field));
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private unary(field: string | null): QueryNode {
    const t = this.peek();
    if (!t) throw new QuerySyntaxError('The query ends where a term was expected', this.endPos());
    if (t.type === 'not' || t.type === 'minus') {
      this.i++;
      return { kind: 'not', child: this.unary(field) };
    }
    if (t.type === 'plus') {
      this.i++;
      return this.unary(field);
    }
    return this.primary(field);
  }

  private primary(field: string | null): QueryNode {
    const t = this.tokens[this.i++];
    if (!t) throw new QuerySyntaxError('The query ends where a term was expected', this.endPos());
    switch (t.type) {
      case 'lparen': {
        const inner = this.orExpr(field);
        const close = this.tokens[this.i++];
        if (close?.type !== 'rparen') throw new QuerySyntaxError("Missing ')'", close?.pos ?? this.endPos());
        return inner;
      }
      case 'field': {
        const next = this.peek();
        if (!next || (next.type !== 'word' && next.type !== 'phrase' && next.type !== 'range' && next.type !== 'lparen')) {
          throw new QuerySyntaxError(`Field '${t.name}' has no value`, t.pos);
        }
        return this.primary(t.name);
      }
      case 'word':
        return { kind: 'term', field, text: t.text, phrase: false };
      case 'phrase':
        return { kind: 'term', field, text: t.text, phrase: true };
      case 'range':
        return { kind: 'range', field, lower: t.lower, upper: t.upper, includeLower: t.includeLower, includeUpper: t.includeUpper };
      default:
        throw new QuerySyntaxError(`Unexpected ${t.type.toUpperCase()}`, t.pos);
    }
  }

  private endPos(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.pos + 1 : 0;
  }
}

/** Parses a `q` string into an AST; an empty query matches everything. Throws QuerySyntaxError. */
export function parseQuery(q: string): QueryNode {
  const trimmed = q.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === '*:*') return { kind: 'all' };
  return new Parser(tokenize(trimmed)).parse();
}
