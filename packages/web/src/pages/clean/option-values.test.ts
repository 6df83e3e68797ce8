import { describe, expect, it } from 'vitest';
import type { OptionSpec } from '../../api/clean.api';
import { describeOptions, initialValues, serverFieldErrors, splitList, toFormValue, toOptions } from './option-values';

const SPECS: OptionSpec[] = [
  { name: 'days', kind: 'integer', label: 'Days', description: '', default: 365, min: 1, max: 36500 },
  { name: 'maxDataMb', kind: 'number', label: 'Largest item (MB)', description: '', default: 100, min: 0, max: 1000 },
  { name: 'types', kind: 'string-list', label: 'Item types', description: '', default: [] },
  { name: 'text', kind: 'string', label: 'Text', description: '', required: true, maxLength: 5 },
  { name: 'regex', kind: 'boolean', label: 'Regular expression', description: '', default: false },
  { name: 'inTitle', kind: 'boolean', label: 'Titles', description: '', default: true }
];

describe('scan option values', () => {
  it('start from each option default, lists as comma-separated text and flags as booleans', () => {
    expect(initialValues(SPECS)).toEqual({ days: '365', maxDataMb: '100', types: '', text: '', regex: false, inTitle: true });
    expect(toFormValue(SPECS[2]!, ['Web Map', 'CSV'])).toBe('Web Map, CSV');
  });

  it('turn the form back into typed options', () => {
    const values = { ...initialValues(SPECS), days: ' 30 ', maxDataMb: '2.5', types: 'Web Map, , CSV ', text: 'abc', regex: true };
    expect(toOptions(SPECS, values)).toEqual({
      options: { days: 30, maxDataMb: 2.5, types: ['Web Map', 'CSV'], text: 'abc', regex: true, inTitle: true },
      errors: {}
    });
  });

  it('name each wrong option with what is allowed', () => {
    const values = { ...initialValues(SPECS), days: '1.5', maxDataMb: '5000', text: '' };
    expect(toOptions(SPECS, values).errors).toEqual({
      days: 'Days must be a whole number.',
      maxDataMb: 'Largest item (MB) must be from 0 to 1000.',
      text: 'Text is required.'
    });
    expect(toOptions(SPECS, { ...values, days: 'x', maxDataMb: '1', text: 'too long' }).errors).toEqual({
      days: 'Days must be a whole number.',
      text: 'Text must be at most 5 characters.'
    });
  });

  it("map the server's field messages onto the controls, keeping the others", () => {
    expect(serverFieldErrors({ 'options.days': 'Too many', 'options.nope': 'Unknown', type: 'Bad type' }, ['days', 'text'])).toEqual({
      byName: { days: 'Too many' },
      other: ['Unknown', 'Bad type']
    });
  });

  it('describe options in one line, leaving out flags at their default', () => {
    expect(describeOptions(SPECS, { days: 30, types: [], inTitle: true, regex: true })).toBe('Days: 30 · Regular expression: yes');
    expect(describeOptions(undefined, { custom: 'x' })).toBe('custom: x');
    expect(splitList(' a,b ,,c')).toEqual(['a', 'b', 'c']);
  });
});
