import { describe, expect, it } from 'vitest';
import { KEEP_FLAG_OPTIONS, parsePolicy, policyFromFlags, validatePolicy } from './retention.js';
import { RETENTION_RULES } from './retention.types.js';

describe('retention policies', () => {
  it('has one flag per rule, named after it', () => {
    expect(Object.keys(KEEP_FLAG_OPTIONS)).toEqual(['keep-last', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly']);
    expect(RETENTION_RULES.map((r) => r.key)).toEqual(['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly']);
  });

  it('reads --keep-* flags, naming the flag that is not a whole number', () => {
    expect(policyFromFlags({ 'keep-daily': '7', 'keep-weekly': '0', identity: 'x' })).toEqual({ policy: { keepDaily: 7, keepWeekly: 0 } });
    expect(policyFromFlags({})).toEqual({ policy: {} });
    expect(policyFromFlags({ 'keep-last': '1.5' })).toEqual({ problem: '--keep-last needs a whole number of snapshots, not "1.5".' });
    expect(policyFromFlags({ 'keep-yearly': '-1' })).toEqual({ problem: '--keep-yearly needs a whole number of snapshots, not "-1".' });
  });

  it('reads a policy from JSON, refusing unknown rules, bad counts and a policy that keeps nothing', () => {
    expect(parsePolicy({ keepLast: 3, keepMonthly: null })).toEqual({ policy: { keepLast: 3 } });
    expect(parsePolicy([])).toEqual({ problem: 'The retention policy must be an object such as { "keepDaily": 7, "keepWeekly": 4 }.' });
    expect(parsePolicy({ keepHourly: 1 })).toEqual({ problem: 'Unknown retention rule "keepHourly" (known: keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly).' });
    expect(parsePolicy({ keepDaily: 10_001 })).toEqual({ problem: 'keepDaily must be a whole number from 0 to 10000.' });
    expect(parsePolicy({ keepLast: 0 })).toEqual({
      problem: 'The retention policy keeps nothing: give at least one of keep-last, keep-daily, keep-weekly, keep-monthly or keep-yearly. (Delete snapshots one by one to remove them all.)'
    });
    expect(() => validatePolicy({ keepWeekly: 2.5 })).toThrow(expect.objectContaining({ code: 'invalid_policy', message: 'keepWeekly must be a whole number of 0 or more, not 2.5.' }));
  });
});
