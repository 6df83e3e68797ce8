import { expect, it } from 'vitest';
import { check } from '../../check.js';
import { isStoreError } from '../../store-error.js';
import { initStore } from '../../store.js';
import { describeEachBackend } from '../../testing/backends.js';
import { damageStoredBlob } from '../../testing/blob-damage.js';
import { TEST_ORG, buildSnapshot } from '../../testing/fixtures.js';
import { PLAIN_CODEC } from '../blob-codec.js';
import type { BlobStore } from '../blob-store.js';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { MemoryBlobStore } from '../memory/memory-blob-store.js';
import { FaultyBlobStore } from './faulty-blob-store.js';

// With no faults injected, the wrapper is a faithful blob store.
describeBlobStoreContract('faulty wrapper without faults', async () => {
  const inner = new MemoryBlobStore();
  return { store: new FaultyBlobStore(inner), damage: async (hash) => inner.overwriteStored(hash, Buffer.from('rot')), cleanup: async () => undefined };
});

// The fault-injection suite, over each backend's blob store: what code above the store does when storage misbehaves.
describeEachBackend('FaultyBlobStore', (kind, servers) => {
  async function blobs(): Promise<{ inner: BlobStore; close: () => Promise<void> }> {
    const at = await servers.location(kind, 'faulty');
    const backend = await at.backend();
    return { inner: backend.blobStore(PLAIN_CODEC), close: async () => { await backend.close(); await at.cleanup(); } };
  }

  describeBlobStoreContract(`faulty wrapper without faults over ${kind}`, async () => {
    const at = await servers.location(kind, 'faulty');
    const backend = await at.backend();
    return { store: new FaultyBlobStore(backend.blobStore(PLAIN_CODEC)), damage: (hash) => damageStoredBlob(backend, hash), cleanup: async () => { await backend.close(); await at.cleanup(); } };
  });

  it('fails chosen calls and counts every call', async () => {
    const { inner, close } = await blobs();
    const store = new FaultyBlobStore(inner).inject({ method: 'put', kind: 'fail', after: 1, times: 2 });
    await store.put(Buffer.from('1'));
    await expect(store.put(Buffer.from('2'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'injected_fault'));
    await expect(store.put(Buffer.from('3'))).rejects.toThrow(/Injected fault: put failed \(call 3\)/);
    await store.put(Buffer.from('4'));
    expect(store.calls.put).toBe(4);
    await close();
  });

  it('fails with a given error and only for a given hash', async () => {
    const { inner, close } = await blobs();
    const store = new FaultyBlobStore(inner);
    const a = await store.put(Buffer.from('a'));
    const b = await store.put(Buffer.from('b'));
    store.inject({ method: 'get', kind: 'fail', hash: b.hash, times: Infinity, error: new Error('EIO: i/o error') });
    expect((await store.get(a.hash)).toString()).toBe('a');
    await expect(store.get(b.hash)).rejects.toThrow('EIO');
    await expect(store.get(b.hash)).rejects.toThrow('EIO');
    await close();
  });

  it('corrupts a blob for later reads', async () => {
    const { inner, close } = await blobs();
    const store = new FaultyBlobStore(inner).inject({ method: 'put', kind: 'corrupt' });
    const { hash } = await store.put(Buffer.from('rotting'));
    await expect(store.get(hash)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_corrupt'));
    expect((await store.verify(hash)).status).toBe('corrupt');
    await close();
  });

  it('loses writes, which writeSnapshot refuses and check reports', async () => {
    const at = await servers.location(kind, 'faulty');
    let faulty: FaultyBlobStore | undefined;
    const store = await initStore(at.location, TEST_ORG, { blobStore: (inner) => (faulty = new FaultyBlobStore(inner)) });
    try {
      faulty!.inject({ method: 'put', kind: 'lose', after: 3 });
      const manifest = await buildSnapshot(store, [{ id: 'x', title: 'X', data: 'one' }, { id: 'y', title: 'Y', data: 'two' }]);
      await expect(store.writeSnapshot(manifest)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'missing_blobs'));
      await store.writeSnapshot(manifest, { verifyReferences: false }); // what a buggy engine could do
      const result = await check(store);
      expect(result.ok).toBe(false);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]!.affects[0]!.items.map((i) => i.id)).toEqual(['y']);
    } finally {
      await store.close();
      await at.cleanup();
    }
  });
});
