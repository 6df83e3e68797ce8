import { describe, expect, it } from 'vitest';
import { takenAlongText } from './taken-along';

describe('takenAlongText', () => {
  it('is null for an item that was chosen or backed up whole', () => {
    expect(takenAlongText({ takenAlong: null })).toBeNull();
  });

  it('names what the item is to the item that needs it, and how many more need it', () => {
    expect(takenAlongText({ takenAlong: { itemId: 'f1', title: 'Storm damage', need: 'service of survey', neededBy: 1 } })).toBe('taken along: service of survey Storm damage');
    expect(takenAlongText({ takenAlong: { itemId: 'v1', title: 'Storm damage_results', need: 'source of view', neededBy: 3 } })).toBe(
      'taken along: source of view Storm damage_results and 2 more'
    );
  });

  it('falls back to the item id for an empty title, and keeps markup in a title as text', () => {
    expect(takenAlongText({ takenAlong: { itemId: 'f1', title: '  ', need: 'data of survey', neededBy: 1 } })).toBe('taken along: data of survey f1');
    expect(takenAlongText({ takenAlong: { itemId: 'f1', title: '<img src=x onerror=alert(1)>', need: 'data of survey', neededBy: 1 } })).toBe(
      'taken along: data of survey <img src=x onerror=alert(1)>'
    );
  });
});
