import { describe, expect, it } from 'vitest';
import { sizesFromText } from './scan-sizes';

describe('sizesFromText', () => {
  it('says where a storage scan read its sizes, and how many are not known', () => {
    expect(sizesFromText({ sizesFrom: { contentListing: 1200, itemRequest: 3, unknown: 0 } })).toEqual({ text: "1,200 from the owners' content listings, 3 from the items themselves", unknown: 0 });
    expect(sizesFromText({ sizesFrom: { contentListing: 10, itemRequest: 0, unknown: 4 } })).toEqual({ text: "10 from the owners' content listings, 0 from the items themselves, 4 not known", unknown: 4 });
  });

  it('is nothing for scans without sizes, and reads hostile values as 0', () => {
    expect(sizesFromText({ itemsChecked: 3 })).toBeNull();
    expect(sizesFromText(null)).toBeNull();
    expect(sizesFromText({ sizesFrom: { contentListing: '<img>', itemRequest: -5, unknown: Number.NaN } })).toEqual({ text: "0 from the owners' content listings, 0 from the items themselves", unknown: 0 });
  });
});
