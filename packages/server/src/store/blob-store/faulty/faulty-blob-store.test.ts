import { describe, expect, it } from 'vitest';
import { check } from '../../check.js';
import { isStoreError } from '../../store-error.js';
import { initStore } from '../../store.js';
import { TEST_ORG, buildSnapshot, tempStore } from '../../testing/fixtures.js';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { MemoryBlobStore } from '../memory/memory-blob-store.js';
import { FaultyBlobStore } from './faulty-blob-store.js';

// With no faults injected, the wrapper is a faithful blob store.
describeBlobStoreContract('faulty wrapper without faults', async () => {
  const inner = new MemoryBlobStore();
  return { store: new FaultyBlobStore(inner), damage: async (hash) => inner.overwriteStored(hash, Buffer.from('rot')), cleanup: async () => undefined };
});

describe('FaultyBlobStore', () => {
  it('fails chosen calls and counts every call', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).inject({ method: 'put', kind: 'fail', after: 1, times: 2 });
    await store.put(Buffer.from('1'));
    await expect(store.put(Buffer.from('2'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    await expect(store.put(Buffer.from('3'))).rejects.toThrow(/Injected fault: put failed \(call 3\)/);
    await store.put(Buffer.from('4'));
    expect(store.calls.put).toBe(4);
  });

  it('fails with a given error and only for a given hash', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore());
    const a = await store.put(Buffer.from('a'));
    const b = await store.put(Buffer.from('b'));
    store.inject({ method: 'get', kind: 'fail', hash: b.hash, times: Infinity, error: new Error('EIO: i/o error') });
    expect((await store.get(a.hash)).toString()).toBe('a');
    await expect(store.get(b.hash)).rejects.toThrow('EIO');
    await expect(store.get(b.hash)).rejects.toThrow('EIO');
  });

  it('corrupts a blob for later reads', async () => {
    const store = new FaultyBlobStore(new MemoryBlobStore()).inject({ method: 'put', kind: 'corrupt' });
    const { hash } = await store.put(Buffer.from('rotting'));
    await expect(store.get(hash)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_corrupt'));
    expect((await store.verify(hash)).status).toBe('corrupt');
  });

  it('loses writes, which writeSnapshot refuses and check reports', async () => {
    const t = await tempStore();
    try {
      let faulty: FaultyBlobStore | undefined;
      const store = await initStore(t.dir, TEST_ORG, { blobStore: () => (faulty = new FaultyBlobStore(t.store.blobs)) });
      faulty!.inject({ method: 'put', kind: 'lose', after: 3 });
      const manifest = await buildSnapshot(store, [{ id: 'x', title: 'X', data: 'one' }, { id: 'y', title: 'Y', data: 'two' }]);
      await expect(store.writeSnapshot(manifest)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'missing_blobs'));
      await store.writeSnapshot(manifest, { verifyReferences: false }); // what a buggy engine could do
      const result = await check(store);
      expect(result.ok).toBe(false);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]!.affects[0]!.items.map((i) => i.id)).toEqual(['y']);
    } finally {
      await t.cleanup();
    }
  });
});
