/**
 * `orgkeeper store key add|remove|list` on an open encrypted store: who can open it. Adding wraps the store key
 * (already unlocked in this process) for one more opener; removing deletes one key file, never the last one, under
 * the store's exclusive lock so that two removals at once cannot leave none.
 */
import { acquireLock } from '../lock.js';
import type { Store } from '../store.js';
import { StoreError } from '../store-error.js';
import { type KeySummary, type ScryptParams, deleteKeyFile, makeKeyFile, readKeyFiles, serverKeyId, summarize, writeKeyFile } from './store-keys.js';

function requireEncrypted(store: Store): NonNullable<Store['crypto']> {
  if (!store.crypto) throw new StoreError('invalid_entry', `The store at ${store.location} is not encrypted, so it has no keys. (Encryption is chosen when a store is created; copy it into a new encrypted store with \`orgkeeper store copy --encrypt\`.)`);
  return store.crypto;
}

export async function listStoreKeys(store: Store): Promise<KeySummary[]> {
  const crypto = requireEncrypted(store);
  return (await readKeyFiles(store.backend)).map((file) => summarize(file, crypto.keyId));
}

export async function addStoreKey(store: Store, opener: { passphrase: string; scrypt?: ScryptParams } | { masterKey: Buffer }, label: string): Promise<KeySummary> {
  const crypto = requireEncrypted(store);
  if ('masterKey' in opener) {
    const id = serverKeyId(opener.masterKey);
    if ((await readKeyFiles(store.backend)).some((file) => file.kind === 'server' && file.serverKeyId === id)) {
      throw new StoreError('invalid_entry', `This OrgKeeper server's key (${id}) opens the store at ${store.location} already.`);
    }
  }
  const file = await makeKeyFile(store.config.storeId, crypto.storeKey, opener, label);
  await writeKeyFile(store.backend, file);
  return summarize(file, crypto.keyId);
}

export async function removeStoreKey(store: Store, keyId: string): Promise<void> {
  requireEncrypted(store);
  const lock = await acquireLock(store, { kind: 'exclusive', operation: 'store key remove' });
  try {
    const files = await readKeyFiles(store.backend);
    if (!files.some((file) => file.id === keyId)) throw new StoreError('invalid_id', `The store at ${store.location} has no key ${keyId}; see \`orgkeeper store key list\`.`);
    if (files.length === 1) {
      throw new StoreError('last_key', `Key ${keyId} is the last key of the store at ${store.location}: removing it would make the backups unreadable for everyone. Add another key first.`);
    }
    lock.assertHeld();
    await deleteKeyFile(store.backend, keyId);
  } finally {
    await lock.release();
  }
}
