import { describe, expect, it } from 'vitest';
import type { Operation } from '../../api/operations.api';
import { dispositionFileName } from './download';
import { detailsLine, humanize, untrustedLabel } from './labels';
import { phaseLabel, scanProgress } from './scan-progress';

describe('Clean labels', () => {
  it('humanizes summary keys', () => {
    expect(humanize('externalReferencesNotChecked')).toBe('External references not checked');
    expect(humanize('items_checked')).toBe('Items checked');
  });

  it('shortens untrusted text for accessible names and ignores non-strings', () => {
    expect(untrustedLabel('x'.repeat(200))).toHaveLength(120);
    expect(untrustedLabel({ toString: () => 'no' })).toBe('');
  });

  it("shows a finding's simple details in one line", () => {
    expect(detailsLine({ daysSinceModified: 400, public: true, tags: ['a', 'b'], nested: { x: 1 }, empty: '' })).toBe('Days since modified: 400 · Public: yes · Tags: a, b');
    expect(detailsLine({ ids: [1, 2, 3, 4, 5, 6, 7] })).toBe('Ids: 1, 2, 3, 4, 5 and 2 more');
    expect(detailsLine(undefined)).toBe('');
  });

  it('takes only a plain file name from Content-Disposition', () => {
    expect(dispositionFileName('attachment; filename="scan-broken-links-2026-11-24-abcd1234.csv"', 'f.csv')).toBe('scan-broken-links-2026-11-24-abcd1234.csv');
    expect(dispositionFileName('attachment; filename="../../etc/passwd"', 'f.csv')).toBe('f.csv');
    expect(dispositionFileName(null, 'f.csv')).toBe('f.csv');
  });

  it('reads progress counters defensively', () => {
    const op = { status: 'running', progress: { phase: 'reading items', done: 5, total: 'x', requests: -1 } } as unknown as Operation;
    expect(scanProgress(op)).toEqual({ phase: 'reading items', done: 5, total: 0, requests: 0 });
    expect(scanProgress({ status: 'queued', progress: null } as unknown as Operation).phase).toBe('queued');
    expect(phaseLabel('reading items')).toBe('Reading items');
    expect(phaseLabel('queued')).toBe('Waiting to start');
  });
});
