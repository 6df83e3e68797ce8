import { describeBlobStoreContract } from '../blob-store.contract.js';
import { MemoryBlobStore } from './memory-blob-store.js';

describeBlobStoreContract('memory', async () => {
  const store = new MemoryBlobStore();
  return {
    store,
    damage: async (hash) => store.overwriteStored(hash, Buffer.from('not gzip at all')),
    cleanup: async () => undefined
  };
});
