import { PLAIN_CODEC } from '../blob-codec.js';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { describeLargeBlobUploads } from '../object-blob-store.contract.js';
import { damageStoredBlob } from '../../testing/blob-damage.js';
import { useTestServers } from '../../testing/backends.js';
import type { S3BlobStore } from './s3-blob-store.js';

const servers = useTestServers();

async function harness(options: { partSize?: number; concurrency?: number; spoolDir?: string } = {}) {
  const at = await servers.location('s3', 'blobs');
  const backend = await at.backend(options);
  const store = backend.blobStore(PLAIN_CODEC) as S3BlobStore;
  return { store, damage: (hash: string) => damageStoredBlob(backend, hash), cleanup: () => backend.close() };
}

// The smallest part size the service allows, so that the contract's 3 MB stream and larger puts test parts too.
describeBlobStoreContract('s3', () => harness({ partSize: 5 * 1024 * 1024 }));
describeLargeBlobUploads('s3', harness);
