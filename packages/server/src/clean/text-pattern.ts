/**
 * What the text-search scan looks for, turned into a pattern for RE2 (the `re2js` port): a linear-time engine, so no
 * pattern and no item text can make a match run for minutes, whatever either holds. Users write JavaScript syntax;
 * what RE2 cannot do in linear time (backreferences, lookahead, lookbehind) is refused with a message that says so,
 * and the few places where the two dialects differ are translated so a pattern finds what it would in JavaScript.
 */
import { RE2JS } from 're2js';

/** Longest pattern (or plain text) a scan accepts, in characters. */
export const MAX_PATTERN_CHARS = 500;

/**
 * Each title, summary, description, tag, JSON string and field name is searched up to this many characters (UTF-16
 * code units, as JavaScript counts); the rest of a longer text is not searched, and the scan's summary counts such
 * texts (`textsCut`). It bounds the work per text: a match costs at most text length × pattern size.
 */
export const MAX_TEXT_CHARS = 100_000;

/** What the regular-expression option supports, for the option's description (shown in the UI) and the README. */
export const PATTERN_SYNTAX_HELP =
  'JavaScript syntax run by a linear-time engine (RE2): literals, ., [classes], \\d \\w \\s \\b, \\p{L} and \\p{Greek}, groups (including named), alternation, ' +
  '*, +, ?, {n,m} (up to 1000) and ^ $. Not supported: backreferences (\\1, \\k<name>) and lookaround ((?=...), (?!...), (?<=...), (?<!...)). ' +
  `At most ${MAX_PATTERN_CHARS} characters; each text is searched up to its first ${MAX_TEXT_CHARS.toLocaleString('en-US')} characters.`;

/** A compiled-and-checked pattern in RE2 syntax, with its RE2JS flags; what the matching worker runs. */
export interface TextPattern {
  source: string;
  flags: number;
}

export class TextPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TextPatternError';
  }
}

// JavaScript's \s: ECMAScript WhiteSpace and LineTerminator. RE2's \s is ASCII only (no no-break space), so \s is
// spelled out to keep finding "Main\u00a0Street" with "Main\sStreet".
const JS_WHITESPACE = '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

// JavaScript's long names of \p{...} that RE2 spells without the property name (RE2: \p{Greek}, \p{Lu}).
const PROPERTY_PREFIX = /^(?:Script|sc|General_Category|gc)=/;

/** Why a text-search pattern cannot be used, or undefined. */
export function textPatternProblem(text: string, regex = true): string | undefined {
  try {
    compileTextPattern(text, { regex, caseSensitive: false });
    return undefined;
  } catch (error) {
    if (error instanceof TextPatternError) return error.message;
    throw error;
  }
}

/** Checks and compiles what a scan looks for; throws TextPatternError saying what is wrong and what to do. */
export function compileTextPattern(text: string, options: { regex: boolean; caseSensitive: boolean }): TextPattern {
  if (text.length > MAX_PATTERN_CHARS) throw new TextPatternError(`The text must be at most ${MAX_PATTERN_CHARS} characters (it has ${text.length}).`);
  const flags = options.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE;
  const source = options.regex ? toRe2Syntax(text) : RE2JS.quote(text);
  try {
    RE2JS.compile(source, flags);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    throw new TextPatternError(
      `The regular expression cannot be run by the linear-time engine (RE2): ${reason}. Repeat counts go up to 1000; Unicode properties are written \\p{L}, \\p{Lu} or \\p{Greek}.`
    );
  }
  return { source, flags };
}

/**
 * JavaScript pattern (as with the `u` flag) to RE2 syntax. Refuses what RE2 does not have, checks the JavaScript
 * syntax, spells out \s, shortens \p{Script=X}; re2js translates the rest (named groups, \u, \c, [^]).
 */
function toRe2Syntax(text: string): string {
  const unsupported = unsupportedSyntax(text);
  if (unsupported) {
    throw new TextPatternError(
      `The regular expression uses ${unsupported}, which the linear-time engine (RE2) that runs text searches does not support. ` +
        'Backreferences (\\1, \\k<name>) and lookaround ((?=...), (?!...), (?<=...), (?<!...)) are not supported; search for the text itself, or run two scans.'
    );
  }
  try {
    new RegExp(text, 'u');
  } catch (error) {
    throw new TextPatternError(`The text is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}.`);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '\\') {
      const next = String.fromCodePoint(text.codePointAt(i + 1)!);
      if (next === 's') out += inClass ? JS_WHITESPACE : `[${JS_WHITESPACE}]`;
      // (\S inside a class stays RE2's ASCII \S: a class cannot hold the complement of a set.)
      else if (next === 'S' && !inClass) out += `[^${JS_WHITESPACE}]`;
      else if (next === 'b' && inClass) out += '\\x08';
      else if ((next === 'p' || next === 'P') && text[i + 2] === '{') {
        const close = text.indexOf('}', i + 3);
        out += `\\${next}{${text.slice(i + 3, close).replace(PROPERTY_PREFIX, '')}}`;
        i = close + 1;
        continue;
      } else out += `\\${next}`;
      i += 1 + next.length;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // In JavaScript a ] right after [ or [^ closes the class; re2js rewrites those two forms, so copy them whole.
      const empty = /^\[\^?\]/.exec(text.slice(i));
      if (empty) {
        out += empty[0];
        i += empty[0].length;
        inClass = false;
        continue;
      }
    }
    out += c;
    i++;
  }
  return RE2JS.translateRegExp(out);
}

/** The first construct RE2 cannot run (described for people), or undefined. Escapes and classes are skipped. */
function unsupportedSyntax(text: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `a backreference (\\${/^\d+/.exec(text.slice(i + 1))![0]})`;
      if (next === 'k' && text[i + 2] === '<') return 'a named backreference (\\k<...>)';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (text[i + 1] === '^') i++;
      if (text[i + 1] === ']') {
        inClass = false;
        i++;
      }
    } else if (c === '(' && text[i + 1] === '?') {
      const kind = text.slice(i + 2, i + 4);
      if (kind.startsWith('=')) return 'a lookahead ((?=...))';
      if (kind.startsWith('!')) return 'a negative lookahead ((?!...))';
      if (kind === '<=') return 'a lookbehind ((?<=...))';
      if (kind === '<!') return 'a negative lookbehind ((?<!...))';
    }
  }
  return undefined;
}
