import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeRelativePath, safeFileName, safeRelativePath } from './safe-path.js';
import { isStoreError } from './store-error.js';

describe('safeRelativePath', () => {
  it('accepts ordinary resource paths and normalizes backslashes', () => {
    expect(safeRelativePath('images/logo.png')).toBe('images/logo.png');
    expect(safeRelativePath('config\\settings.json')).toBe('config/settings.json');
    expect(safeRelativePath('Données été.csv')).toBe('Données été.csv');
    expect(safeRelativePath('.hidden')).toBe('.hidden');
    expect(safeRelativePath('a..b/c...d.txt')).toBe('a..b/c...d.txt');
  });

  it.each([
    ['', 'empty'],
    ['../etc/passwd', 'parent'],
    ['a/../../b', 'parent in the middle'],
    ['a/..', 'trailing parent'],
    ['..\\windows\\system32', 'backslash parent'],
    ['/etc/passwd', 'absolute'],
    ['\\\\server\\share\\x', 'UNC'],
    ['C:\\Windows', 'drive letter'],
    ['C:file.txt', 'drive-relative'],
    ['a//b', 'empty segment'],
    ['./a', 'dot segment'],
    ['a\u0000b', 'NUL'],
    ['a\nb', 'newline'],
    ['file.txt:stream', 'alternate data stream'],
    ['CON', 'device name'],
    ['dir/nul.txt', 'device name with extension'],
    ['name.', 'trailing dot'],
    ['name ', 'trailing space'],
    ['a?b', 'reserved character'],
    ['x'.repeat(300), 'segment too long']
  ])('rejects %j (%s)', (input) => {
    expect(() => safeRelativePath(input)).toThrow(expect.objectContaining({ code: 'unsafe_path' }));
    expect(isSafeRelativePath(input)).toBe(false);
  });

  it('rejects non-strings', () => {
    for (const v of [undefined, null, 42, ['a']]) expect(isSafeRelativePath(v)).toBe(false);
  });

  it('safeFileName allows no folders', () => {
    expect(safeFileName('report.pdf')).toBe('report.pdf');
    expect(() => safeFileName('a/b.pdf')).toThrow(expect.objectContaining({ code: 'unsafe_path' }));
  });

  it('never lets an accepted path resolve outside its folder (property)', () => {
    const base = resolve('/srv/export/item');
    const segment = fc.oneof(fc.constantFrom('..', '.', '', 'a', 'b.txt', 'C:', '\\', '/', 'CON', ' '), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.constantFrom('/', '\\'), (segments, sep) => {
        const input = segments.join(sep);
        let safe: string;
        try {
          safe = safeRelativePath(input);
        } catch (error) {
          expect(isStoreError(error, 'unsafe_path')).toBe(true);
          return;
        }
        const target = resolve(join(base, safe));
        expect(target.startsWith(`${base}/`)).toBe(true);
      }),
      { numRuns: 2000 }
    );
  });
});
