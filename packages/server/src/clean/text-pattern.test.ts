import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { compileTextPattern, MAX_PATTERN_CHARS, textPatternProblem, TextPatternError } from './text-pattern.js';

/** Whether the compiled pattern matches the text (run here directly; the scan runs it in a worker). */
const finds = (pattern: string, text: string, caseSensitive = false) => {
  const p = compileTextPattern(pattern, { regex: true, caseSensitive });
  return RE2JS.compile(p.source, p.flags).test(text);
};

describe('text-search patterns on RE2', () => {
  it('finds what the same JavaScript pattern finds, for the syntax users write', () => {
    const cases: [string, string[], string[]][] = [
      ['^Park Inspection', ['Park Inspections 2024'], ['Old Park Inspection']],
      ['(?<year>\\d{4})-\\d{2}', ['Survey 2024-05'], ['Survey 24-05']],
      ['Main\\sStreet', ['Main Street', 'Main\u00a0Street', 'Main\u3000Street'], ['MainStreet']],
      ['Main\\SStreet', ['Main-Street'], ['Main\u00a0Street']],
      ['[^\\s]+ park', ['big park'], [' park']],
      ['\\p{Script=Greek}+', ['Ωμέγα'], ['Omega']],
      ['^\\p{L}+$', ['École'], ['École 2']],
      ['\\u00e9t\\u{e9}', ['été'], ['ete']],
      ['a[\\b]c', ['a\bc'], ['abc']],
      ['^[^]$', ['x'], ['']],
      ['draft|copy', ['A copy of it'], ['final']]
    ];
    for (const [pattern, yes, no] of cases) {
      const js = new RegExp(pattern, 'iu');
      for (const text of yes) {
        expect(js.test(text), `${pattern} in JavaScript on ${JSON.stringify(text)}`).toBe(true);
        expect(finds(pattern, text), `${pattern} on ${JSON.stringify(text)}`).toBe(true);
      }
      for (const text of no) {
        expect(js.test(text), `${pattern} in JavaScript on ${JSON.stringify(text)}`).toBe(false);
        expect(finds(pattern, text), `${pattern} on ${JSON.stringify(text)}`).toBe(false);
      }
    }
  });

  it('is case-insensitive over Unicode unless asked otherwise', () => {
    expect(finds('straße', 'STRAßE')).toBe(true);
    expect(finds('ÉCOLE', 'école')).toBe(true);
    expect(finds('σ', 'Σ')).toBe(true);
    expect(finds('École', 'école', true)).toBe(false);
    const plain = compileTextPattern('a.b (c)', { regex: false, caseSensitive: false });
    expect(RE2JS.compile(plain.source, plain.flags).test('x A.B (C) y')).toBe(true);
    expect(RE2JS.compile(plain.source, plain.flags).test('aXb (c)')).toBe(false);
  });

  it('refuses backreferences and lookaround by name, whatever else the pattern holds', () => {
    expect(textPatternProblem('(a)\\1')).toMatch(/uses a backreference \(\\1\)/);
    expect(textPatternProblem('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10')).toMatch(/uses a backreference \(\\10\)/);
    expect(textPatternProblem('(?<w>a)\\k<w>')).toMatch(/uses a named backreference/);
    expect(textPatternProblem('x(?=y)')).toMatch(/uses a lookahead/);
    expect(textPatternProblem('x(?!y)')).toMatch(/uses a negative lookahead/);
    expect(textPatternProblem('(?<=y)x')).toMatch(/uses a lookbehind/);
    expect(textPatternProblem('(?<!y)x')).toMatch(/uses a negative lookbehind/);
    // The same characters escaped or inside a class are ordinary and accepted.
    for (const text of ['\\(?=x\\)', '[(?=]x', '[\\]1]', '\\\\1']) expect(textPatternProblem(text), text).toBeUndefined();
    // As plain text nothing is refused.
    expect(textPatternProblem('(?=x)\\1', false)).toBeUndefined();
  });

  it('refuses what RE2 cannot run with its reason, and patterns over the length cap', () => {
    expect(textPatternProblem('a{1001}')).toMatch(/cannot be run by the linear-time engine \(RE2\): invalid repeat count/);
    expect(textPatternProblem('\\p{Letter}')).toMatch(/cannot be run by the linear-time engine/);
    expect(textPatternProblem('x'.repeat(MAX_PATTERN_CHARS))).toBeUndefined();
    expect(() => compileTextPattern('x'.repeat(MAX_PATTERN_CHARS + 1), { regex: false, caseSensitive: false })).toThrow(TextPatternError);
  });
});
