import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { SCAN_TYPE_INFO, validateScanRequest } from './scan-options.js';

const fieldsOf = (input: unknown): Record<string, string> => {
  try {
    validateScanRequest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).fields ?? {};
  }
  throw new Error('the request was accepted');
};

describe('text-search patterns', () => {
  it('accepts ordinary patterns', () => {
    for (const text of ['^Park Inspection', 'parks?\\b', '(draft|test) copy', '\\d{4}-\\d{2}', 'a+b*c?']) {
      expect(validateScanRequest({ type: 'text-search', options: { text, regex: true } }).options.text, text).toBe(text);
    }
  });

  it('checks the pattern with the flag the scan compiles it with', () => {
    // Valid without the u flag, a syntax error with it: the scan would have failed after it started.
    expect(fieldsOf({ type: 'text-search', options: { text: '[\\w-.]', regex: true } })['options.text']).toMatch(/^The text is not a valid regular expression: .*\.$/);
    expect(fieldsOf({ type: 'text-search', options: { text: '(', regex: true } })['options.text']).toMatch(/not a valid regular expression/);
  });

  it('accepts nested repetition, which the linear-time engine runs safely; as plain text the characters are literal', () => {
    for (const text of ['(a+)+$', '(\\w+\\s?)*$', '((ab)*)+', '(x*)*y', '(a|a)*$', '.*.*.*.*.*.*.*.*.*.*=']) {
      expect(validateScanRequest({ type: 'text-search', options: { text, regex: true } }).options.text, text).toBe(text);
      expect(validateScanRequest({ type: 'text-search', options: { text } }).options.text, text).toBe(text);
    }
  });

  it('refuses backreferences and lookaround with a message that says they are not supported', () => {
    for (const text of ['(a)\\1', '(?<w>a)\\k<w>', 'foo(?=bar)', 'foo(?!bar)', '(?<=foo)bar', '(?<!foo)bar']) {
      expect(fieldsOf({ type: 'text-search', options: { text, regex: true } })['options.text'], text).toMatch(/linear-time engine \(RE2\).*does not support.*Backreferences.*lookaround/);
    }
  });

  it('caps the pattern length, and says the limits and the unsupported syntax in the option descriptions', () => {
    expect(fieldsOf({ type: 'text-search', options: { text: 'a'.repeat(501) } })['options.text']).toMatch(/at most 500 characters/);
    const regex = SCAN_TYPE_INFO['text-search'].options.find((o) => o.name === 'regex')!;
    expect(regex.description).toMatch(/RE2/);
    expect(regex.description).toMatch(/Not supported: backreferences .* and lookaround/);
    expect(regex.description).toMatch(/first 100,000 characters/);
  });
});
