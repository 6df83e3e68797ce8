import { describe, expect, it } from 'vitest';
import { describeAction, describeRetention, describeTiming, parseItemIds } from './schedule-format';

describe('schedule wording', () => {
  it('describes timings', () => {
    expect(describeTiming({ preset: 'daily', time: '02:00' })).toBe('Daily at 02:00');
    expect(describeTiming({ preset: 'weekly', time: '01:30', weekday: 1 })).toBe('Weekly on Monday at 01:30');
    expect(describeTiming({ preset: 'monthly', time: '03:00', dayOfMonth: 22 })).toBe('Monthly on the 22nd at 03:00');
    expect(describeTiming({ preset: 'monthly', time: '03:00', dayOfMonth: 'last' })).toBe('Monthly on the last day at 03:00');
    expect(describeTiming({ preset: 'cron', cron: '*/15 * * * *' })).toBe('Cron */15 * * * *');
  });

  it('describes actions and retention, and reads item ids', () => {
    expect(describeAction({ kind: 'backup', target: 'everything' })).toBe('Back up everything');
    expect(describeAction({ kind: 'backup', target: 'selection', items: ['a'] })).toBe('Back up 1 chosen item');
    expect(describeAction({ kind: 'backup', target: 'query', query: 'owner:ana' })).toBe('Back up what "owner:ana" finds');
    expect(describeAction({ kind: 'backup', target: 'selection', items: ['a', 'b'], withDependencies: false })).toBe('Back up 2 chosen items, without what they need');
    expect(describeRetention({ keepLast: 7, keepMonthly: 12 })).toBe('Keeps last 7, 12 monthly');
    expect(describeRetention(undefined)).toBe('Keeps every backup');
    expect(parseItemIds('a1, b2\nc3  a1;d4')).toEqual(['a1', 'b2', 'c3', 'd4']);
  });
});
