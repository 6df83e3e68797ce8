import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { regexProblem, validateScanRequest } from './scan-options.js';

describe('text-search patterns', () => {
  it('accepts ordinary patterns', () => {
    for (const text of ['^Park Inspection', 'parks?\\b', '(draft|test) copy', '\\d{4}-\\d{2}', 'a+b*c?']) expect(regexProblem(text), text).toBeUndefined();
  });

  it('checks the pattern with the flag the scan compiles it with', () => {
    // Valid without the u flag, a syntax error with it: the scan would have failed after it started.
    expect(regexProblem('[\\w-.]')).toMatch(/^The text is not a valid regular expression: .*\.$/);
    expect(regexProblem('(')).toMatch(/not a valid regular expression/);
  });

  it('refuses nested repetition, which can backtrack for minutes on a long description', () => {
    for (const text of ['(a+)+$', '(\\w+\\s?)*$', '((ab)*)+', '(x*)*y']) expect(regexProblem(text), text).toMatch(/repeats a group that itself repeats/);
    const slow = '(a+)+$';
    expect(() => validateScanRequest({ type: 'text-search', options: { text: slow, regex: true } })).toThrow(AppError);
    // As plain text the same characters are only searched for literally.
    expect(validateScanRequest({ type: 'text-search', options: { text: slow } }).options.text).toBe(slow);
  });
});
