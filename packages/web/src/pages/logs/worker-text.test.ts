import { describe, expect, it } from 'vitest';
import { workerLabel, workerRole } from '../../api/workers.api';
import { operationWorkerText, seenAgo } from './worker-text';

const worker = { id: 'gis-2:4127:ab12cd34', host: 'gis-2', pid: 4127 };

describe('worker text', () => {
  it('says which worker runs an operation, ran it, or that it waits for one', () => {
    expect(operationWorkerText({ status: 'running', worker })).toBe('On gis-2, process 4127');
    expect(operationWorkerText({ status: 'succeeded', worker })).toBe('Ran on gis-2, process 4127');
    expect(operationWorkerText({ status: 'interrupted', worker })).toBe('Ran on gis-2, process 4127');
    expect(operationWorkerText({ status: 'queued', worker: null })).toBe('Waiting for a worker');
    expect(operationWorkerText({ status: 'queued', worker })).toBe('Waiting for a worker (last on gis-2, process 4127)');
    expect(operationWorkerText({ status: 'cancelled', worker: null })).toBe('—');
  });

  it('names processes and their roles, and how long ago they were seen', () => {
    expect(workerLabel(worker)).toBe('gis-2, process 4127');
    expect(workerRole({ kind: 'server', runsJobs: true })).toBe('Server and worker');
    expect(workerRole({ kind: 'server', runsJobs: false })).toBe('Server (runs no operations)');
    expect(workerRole({ kind: 'worker', runsJobs: true })).toBe('Worker');
    expect(workerRole({ kind: 'cli', runsJobs: false })).toBe('Command');
    const now = Date.parse('2026-11-24T12:00:00.000Z');
    expect(seenAgo('2026-11-24T11:59:48.000Z', now)).toBe('12 s ago');
    expect(seenAgo('2026-11-24T11:57:00.000Z', now)).toBe('3 min ago');
    expect(seenAgo('2026-11-24T10:00:00.000Z', now)).toBe('2 h ago');
    expect(seenAgo('not a date', now)).toBe('—');
  });
});
