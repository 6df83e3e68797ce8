import { describe, expect, it } from 'vitest';
import { formatWait } from './format';

describe('formatWait', () => {
  it('says seconds, minutes and hours the way people do', () => {
    expect(formatWait(0)).toBe('0 seconds');
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(0.2)).toBe('1 second');
    expect(formatWait(45)).toBe('45 seconds');
    expect(formatWait(60)).toBe('1 min');
    expect(formatWait(65)).toBe('1 min 5 s');
    expect(formatWait(3600)).toBe('1 h');
    expect(formatWait(3600 + 600 + 30)).toBe('1 h 10 min');
    expect(formatWait(-5)).toBe('0 seconds');
  });
});
