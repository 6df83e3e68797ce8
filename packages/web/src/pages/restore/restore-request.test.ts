import { describe, expect, it } from 'vitest';
import { type RestoreHow, restoreRequest } from './restore-request';

const how = (change: Partial<RestoreHow>): RestoreHow => ({
  mode: 'recreate',
  owner: ' ana ',
  folder: ' Maps ',
  suffix: ' (copy)',
  target: 'id-2',
  ownerMap: { ana: ' bea ', carl: 'dora', gone: 'x', empty: '  ' },
  ...change
});

describe('the restore request', () => {
  it('sends owner, folder and target only for the modes that use them', () => {
    expect(restoreRequest('s1', ['a', 'b'], how({ mode: 'recreate' }), ['ana'])).toEqual({ snapshotId: 's1', mode: 'recreate', items: ['a', 'b'] });
    expect(restoreRequest('s1', ['a'], how({ mode: 'in-place' }), ['ana'])).toEqual({ snapshotId: 's1', mode: 'in-place', items: ['a'] });
    expect(restoreRequest('s1', ['a'], how({ mode: 'copy' }), ['ana'])).toEqual({ snapshotId: 's1', mode: 'copy', items: ['a'], owner: 'ana', folder: 'Maps', suffix: ' (copy)' });
    expect(restoreRequest('s1', ['a'], how({ mode: 'copy', owner: '  ', folder: '' }), ['ana'])).toEqual({ snapshotId: 's1', mode: 'copy', items: ['a'], suffix: ' (copy)' });
  });

  it('maps only the chosen items owners that were given a user, trimmed', () => {
    expect(restoreRequest('s1', ['a'], how({ mode: 'clone' }), ['ana', 'carl', 'empty'])).toEqual({
      snapshotId: 's1',
      mode: 'clone',
      items: ['a'],
      owner: 'ana',
      folder: 'Maps',
      targetIdentityId: 'id-2',
      ownerMap: { ana: 'bea', carl: 'dora' }
    });
  });
});
