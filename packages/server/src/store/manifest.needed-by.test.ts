import { describe, expect, it } from 'vitest';
import { itemEntryProblems } from './manifest.js';

const entry = { id: 'i1', title: 'Storm Damage', type: 'Feature Service', owner: 'tom', modified: 1, status: 'ok' };
const reason = { itemId: 'f1', title: 'Storm Damage Report', need: 'service of survey', relationshipType: 'Survey2Service' };

describe('item entries taken along (neededBy)', () => {
  it('accepts entries without it (chosen items, full backups, older snapshots) and a list of reasons', () => {
    expect(itemEntryProblems(entry)).toEqual([]);
    expect(itemEntryProblems({ ...entry, neededBy: [reason, { ...reason, need: 'view of service', relationshipType: 'Service2Data' }] })).toEqual([]);
  });

  it('names a damaged one: not a list, a reason that is not an object, or a field that is not text', () => {
    for (const neededBy of ['f1', [null], [{ ...reason, itemId: 7 }], [{ itemId: 'f1', need: 'x' }]]) {
      expect(itemEntryProblems({ ...entry, neededBy }), JSON.stringify(neededBy)).toEqual([expect.stringMatching(/\.neededBy needs a list/)]);
    }
  });
});
