import type { StoreBackend } from '../backend/store-backend.js';

/** Flip a byte in the middle of a blob's stored form, through the backend (the same layout on every backend). */
export async function damageStoredBlob(backend: StoreBackend, hash: string): Promise<void> {
  const key = `blobs/${hash.slice(0, 2)}/${hash}`;
  const found = await backend.read(key);
  if (!found) throw new Error(`No blob ${hash} to damage.`);
  found.bytes[Math.floor(found.bytes.length / 2)]! ^= 0xff;
  await backend.write(key, found.bytes);
}
