import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeStoreBackendContract } from '../store-backend.contract.js';
import { DiskStoreBackend } from './disk-store-backend.js';

describeStoreBackendContract('disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-backend-'));
  return { backend: new DiskStoreBackend(join(dir, 'store')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

it('leaves no temporary or mutex file behind after creates and compare-and-swaps', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-backend-'));
  try {
    const backend = new DiskStoreBackend(dir);
    const etag = (await backend.create('locks/lock.json', Buffer.from('a')))!;
    await Promise.all([backend.replace('locks/lock.json', Buffer.from('b'), etag), backend.replace('locks/lock.json', Buffer.from('c'), etag)]);
    expect(await readdir(join(dir, 'locks'))).toEqual(['lock.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
