/** Fix requests are checked field by field with messages that say what to send; owner emails are plain text. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors/app-error.js';
import { ownerEmail } from '../src/clean/fixes/actions/index.js';
import { validateFixRequest } from '../src/clean/fixes/fix-request.js';
import type { PlannedFix } from '../src/clean/fixes/fix.types.js';

function fieldsOf(input: unknown): Record<string, string> {
  try {
    validateFixRequest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).fields ?? {};
  }
  throw new Error('expected a validation error');
}

describe('validateFixRequest', () => {
  it('normalises a valid request', () => {
    expect(validateFixRequest({ scanId: ' s1 ', findings: ['a', 'a', ' b'], action: 'add-tags', options: { tags: [' old ', 'x'] } })).toEqual({
      scanId: 's1',
      findings: ['a', 'b'],
      action: 'add-tags',
      options: { tags: ['old', 'x'] }
    });
    expect(validateFixRequest({ scanId: 's1', findings: 'all', action: 'delete-items', options: { overrideProtection: true }, confirmNoBackup: true })).toEqual({
      scanId: 's1',
      findings: 'all',
      action: 'delete-items',
      options: { overrideProtection: true },
      confirmNoBackup: true
    });
  });

  it('names every wrong field', () => {
    expect(Object.keys(fieldsOf({ findings: [], action: 'shred' })).sort()).toEqual(['action', 'findings', 'scanId']);
    const options = fieldsOf({ scanId: 's', findings: 'all', action: 'unshare', options: { from: 'world', tags: ['a,b'], overrideProtection: 'yes', colour: 'red' } });
    expect(options['options.from']).toContain('everyone, org, groups');
    expect(options['options.tags']).toContain('without commas');
    expect(options['options.overrideProtection']).toBe('true or false.');
    expect(options['options.colour']).toContain('Unknown option');
  });
});

describe('ownerEmail', () => {
  it('lists each finding with its link and keeps untrusted titles as plain text', () => {
    const plan = (id: string, title: string): PlannedFix => ({
      findingId: id,
      target: { kind: 'item', id, title, type: 'Web Map', owner: 'jdoe', portalUrl: `https://org.example/home/item.html?id=${id}` },
      message: 'Not viewed for 400 days.',
      status: 'change',
      reason: null,
      changes: [],
      context: { recipient: 'jdoe' }
    });
    const mail = ownerEmail('Springfield', 'jdoe', [plan('a1', '<script>alert(1)</script>'), plan('b2', 'Parks')], 'Please review by Friday.');
    expect(mail.subject).toBe('2 findings about your content in Springfield');
    expect(mail.text).toContain('Please review by Friday.');
    expect(mail.text).toContain('- <script>alert(1)</script> (Web Map)');
    expect(mail.text).toContain('https://org.example/home/item.html?id=b2');
    expect(mail.text.match(/Not viewed for 400 days\./g)).toHaveLength(2);
  });
});
