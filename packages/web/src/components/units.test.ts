import { describe, expect, it } from 'vitest';
import { elapsed, formatBytes, formatCount, formatDuration, plural, readableUtc } from './units';

describe('units', () => {
  it('formats sizes in binary steps', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(980)).toBe('980 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1.25 * 1024 * 1024)).toBe('1.3 MB');
    expect(formatBytes(37 * 1024 ** 3)).toBe('37 GB');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(undefined)).toBe('—');
  });

  it('formats counts, plurals and durations', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(plural(1, 'item')).toBe('1 item');
    expect(plural(2500, 'item')).toBe('2,500 items');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(3_720_000)).toBe('1 h 2 min');
    expect(elapsed('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')).toBe('1 min');
  });

  it('writes readable UTC dates for CSV files', () => {
    expect(readableUtc('2026-11-24T23:21:05.123Z')).toBe('2026-11-24 23:21:05 UTC');
    expect(readableUtc(null)).toBe('');
    expect(readableUtc('not a date')).toBe('');
  });
});
