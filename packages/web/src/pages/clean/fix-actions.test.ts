import { describe, expect, it } from 'vitest';
import { actionsFor, describeValue, fixActionInfo, FIX_ACTIONS, toFixOptions } from './fix-actions';

describe('fix actions', () => {
  it('offer the actions that fit the selected kinds of finding', () => {
    expect(actionsFor(new Set(['user'])).map((a) => a.action)).toEqual(['disable-users', 'transfer-and-delete-user', 'notify-owners']);
    expect(actionsFor(new Set(['group'])).map((a) => a.action)).toEqual(['unshare', 'notify-owners']);
    expect(actionsFor(new Set(['item'])).map((a) => a.action)).not.toContain('disable-users');
    // Every action of the server's contract is offered.
    expect(FIX_ACTIONS.map((a) => a.action).sort()).toEqual(
      ['add-tags', 'delete-items', 'disable-users', 'mark-deprecated', 'move', 'notify-owners', 'protect', 'reassign', 'transfer-and-delete-user', 'unshare'].sort()
    );
  });

  it('build the options each action reads, and ask for the required ones', () => {
    expect(toFixOptions(fixActionInfo('add-tags')!, { tags: ' review, , old ' })).toEqual({ options: { tags: ['review', 'old'] }, errors: {} });
    expect(toFixOptions(fixActionInfo('reassign')!, { targetUsername: '  ' }).errors).toEqual({ targetUsername: 'New owner is required for reassign owner.' });
    expect(toFixOptions(fixActionInfo('delete-items')!, { overrideProtection: true }).options).toEqual({ overrideProtection: true });
    expect(toFixOptions(fixActionInfo('delete-items')!, { overrideProtection: false }).options).toEqual({});
    expect(toFixOptions(fixActionInfo('delete-items')!, { permanentDelete: true }).options).toEqual({ permanentDelete: true });
    expect(toFixOptions(fixActionInfo('delete-items')!, { overrideProtection: true, permanentDelete: false }).options).toEqual({ overrideProtection: true });
    // Groups only go with unsharing from groups.
    expect(toFixOptions(fixActionInfo('unshare')!, { from: 'org', groups: 'g1' }).options).toEqual({ from: 'org' });
    expect(toFixOptions(fixActionInfo('unshare')!, { from: 'groups', groups: 'g1,g2' }).options).toEqual({ from: 'groups', groups: ['g1', 'g2'] });
  });

  it('describe before and after values in words', () => {
    expect(describeValue(null)).toBe('(none)');
    expect(describeValue([])).toBe('(none)');
    expect(describeValue(['a', 'b'])).toBe('a, b');
    expect(describeValue(true)).toBe('yes');
    expect(describeValue('org')).toBe('org');
  });
});
