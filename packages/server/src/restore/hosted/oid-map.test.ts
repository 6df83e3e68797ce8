import { describe, expect, it } from 'vitest';
import { OidMap } from './oid-map.js';

describe('OidMap', () => {
  it('keeps consecutive adds as one run and reads back what it was given', () => {
    const map = new OidMap();
    for (let i = 0; i < 2000; i++) map.set(10 + i, 5000 + i);
    map.set(3000, 9000);
    map.set(3002, 9001); // a gap in the old ids starts a new run
    expect(map.runs()).toEqual([[10, 5000, 2000], [3000, 9000, 1], [3002, 9001, 1]]);
    const again = new OidMap(map.runs());
    expect(again.size).toBe(2002);
    expect(again.get(10)).toBe(5000);
    expect(again.get(2009)).toBe(6999);
    expect(again.get(3002)).toBe(9001);
    expect(again.get(3001)).toBeUndefined();
  });

  it('recognizes checkpointed runs and rejects anything else', () => {
    expect(OidMap.isRuns([[1, 2, 3]])).toBe(true);
    expect(OidMap.isRuns([])).toBe(true);
    expect(OidMap.isRuns([[1, 2]])).toBe(false);
    expect(OidMap.isRuns([[1, 2, 0]])).toBe(false);
    expect(OidMap.isRuns('x')).toBe(false);
  });
});
