import { describe, expect, it } from 'vitest';
import type { Operation, OperationItem } from '../../api/operations.api';
import { csvCell, csvFileName, operationCsv } from './operation-csv';

const operation: Operation = {
  id: '0123456789abcdef',
  kind: 'backup',
  identityId: 'i1',
  status: 'partial',
  params: { name: 'Nightly' },
  progress: null,
  message: null,
  result: null,
  snapshotId: null,
  createdBy: 'gis-admin',
  createdAt: '2026-11-24T23:00:00.000Z',
  startedAt: '2026-11-24T23:00:01.500Z',
  finishedAt: '2026-11-24T23:05:09.000Z',
  cancelRequestedBy: null,
  attempt: 0,
  resumable: false,
  worker: null
};

const row = (over: Partial<OperationItem>): OperationItem => ({
  itemId: 'abc',
  title: 'Parks',
  type: 'Web Map',
  owner: 'ana',
  modified: '2026-11-20T08:30:00.000Z',
  status: 'ok',
  parts: ['item', 'data'],
  carriedOver: false,
  bytesRead: 1234,
  newBytes: 600,
  error: null,
  durationMs: 1500,
  action: null,
  newId: null,
  details: null,
  seq: 1,
  ...over
});

describe('operation CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it('writes readable dates and one line per item', () => {
    const text = operationCsv(operation, [row({}), row({ itemId: 'def', title: '=cmd|calc', status: 'failed', error: 'Token expired, retry', carriedOver: true })]);
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines[0]).toBe('Operation,0123456789abcdef,Kind,backup,Status,partial');
    expect(lines[1]).toBe('Started,2026-11-24 23:00:01 UTC,Finished,2026-11-24 23:05:09 UTC,By,gis-admin');
    expect(lines[3]).toBe('Item ID,Title,Type,Owner,Modified,Status,Parts,Carried over,Bytes read,New bytes stored,Duration (s),Error');
    expect(lines[4]).toBe('abc,Parks,Web Map,ana,2026-11-20 08:30:00 UTC,ok,item data,no,1234,600,1.50,');
    expect(lines[5]).toBe(`def,'=cmd|calc,Web Map,ana,2026-11-20 08:30:00 UTC,failed,item data,yes,1234,600,1.50,"Token expired, retry"`);
    expect(csvFileName(operation)).toBe('orgkeeper-backup-2026-11-24-01234567.csv');
  });
});
