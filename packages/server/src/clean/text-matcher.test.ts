import { describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS, compileTextPattern } from './text-pattern.js';
import { TextMatcher, capText } from './text-matcher.js';

const open = (pattern: string, signal?: AbortSignal) => new TextMatcher(compileTextPattern(pattern, { regex: true, caseSensitive: false }), signal);

describe('TextMatcher (RE2 in a worker thread)', () => {
  it('runs classic catastrophic-backtracking patterns on texts built to trigger them, and finds what they should', async () => {
    // Each of these takes JavaScript's backtracking engine seconds to years on the texts below.
    const cases: [string, string, { start: number; end: number } | null][] = [
      ['(a|a)*$', `${'a'.repeat(28)}!`, { start: 29, end: 29 }],
      ['^(a|a)*$', `${'a'.repeat(28)}!`, null],
      ['.*.*.*.*.*.*.*.*.*.*=', 'x'.repeat(28), null],
      ['.*.*.*.*.*.*.*.*.*.*=', `${'x'.repeat(28)}=y`, { start: 0, end: 29 }],
      ['^(a+)+$', `${'a'.repeat(40)}b`, null],
      ['^(\\w+\\s?)*$', `${'word '.repeat(30)}!`, null],
      ['(x+x+)+y', 'x'.repeat(5000), null],
      ['^(([a-z])+.)+[A-Z]([a-z])+$', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', null]
    ];
    for (const [pattern, text, expected] of cases) {
      const m = open(pattern);
      try {
        expect(await m.match([text]), pattern).toEqual([expected]);
      } finally {
        await m.close();
      }
    }
  });

  it('answers a batch in order, in UTF-16 offsets', async () => {
    const m = open('b+');
    try {
      expect(await m.match(['abbc', 'none', '😀bb'])).toEqual([{ start: 1, end: 3 }, null, { start: 2, end: 4 }]);
    } finally {
      await m.close();
    }
  });

  it('searches a text only up to the cap, without splitting a surrogate pair', async () => {
    const long = `${'x'.repeat(MAX_TEXT_CHARS)}needle`;
    const m = open('needle|^x+$');
    try {
      // The needle lies past the cap: not found; the capped text is all x, so ^x+$ matches it.
      expect(await m.match([long])).toEqual([{ start: 0, end: MAX_TEXT_CHARS }]);
    } finally {
      await m.close();
    }
    const astral = `${'x'.repeat(MAX_TEXT_CHARS - 1)}😀`;
    expect(capText(astral)).toBe('x'.repeat(MAX_TEXT_CHARS - 1));
  });

  it('stops when the scan is cancelled, without waiting for the batch it is matching', async () => {
    // About 2.5 s per text to locate the match: the batch would take close to a minute.
    const texts = Array.from({ length: 20 }, () => `${'a'.repeat(MAX_TEXT_CHARS - 1)}q`);
    const controller = new AbortController();
    const m = open('[a-z]{1000}q', controller.signal);
    const pending = m.match(texts);
    controller.abort(new DOMException('The scan was stopped.', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(m.match(['a'])).rejects.toMatchObject({ name: 'AbortError' });
    await m.close();
  });
});
