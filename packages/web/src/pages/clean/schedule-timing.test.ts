import { describe, expect, it } from 'vitest';
import { describeTiming, toTiming } from './schedule-timing';

describe('schedule timing', () => {
  it('turns the form into a preset timing', () => {
    expect(toTiming({ repeat: 'daily', time: '2:05', weekday: '1', dayOfMonth: '1' })).toEqual({ timing: { preset: 'daily', time: '02:05' }, errors: {} });
    expect(toTiming({ repeat: 'weekly', time: '23:59', weekday: '6', dayOfMonth: '' }).timing).toEqual({ preset: 'weekly', time: '23:59', weekday: 6 });
    expect(toTiming({ repeat: 'monthly', time: '00:00', weekday: '', dayOfMonth: 'Last' }).timing).toEqual({ preset: 'monthly', time: '00:00', dayOfMonth: 'last' });
  });

  it('says what is wrong with a time or day', () => {
    expect(toTiming({ repeat: 'daily', time: '24:00', weekday: '', dayOfMonth: '' }).errors.time).toMatch(/HH:MM/);
    expect(toTiming({ repeat: 'monthly', time: '01:00', weekday: '', dayOfMonth: '32' }).errors.dayOfMonth).toMatch(/1 to 31/);
  });

  it('describes timings in words', () => {
    expect(describeTiming({ preset: 'weekly', time: '02:00', weekday: 1 }, 'UTC')).toBe('Every Monday at 02:00 (UTC)');
    expect(describeTiming({ preset: 'monthly', time: '02:00', dayOfMonth: 22 }, 'UTC')).toBe('Monthly on the 22nd at 02:00 (UTC)');
    expect(describeTiming({ preset: 'monthly', time: '02:00', dayOfMonth: 11 }, 'UTC')).toBe('Monthly on the 11th at 02:00 (UTC)');
    expect(describeTiming({ preset: 'cron', cron: '0 2 * * *' }, 'Europe/Zurich')).toBe('Cron 0 2 * * * (Europe/Zurich)');
  });
});
