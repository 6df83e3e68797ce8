import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { PLAIN_CODEC } from '../blob-store/blob-codec.js';
import { describeBlobStoreContract } from '../blob-store/blob-store.contract.js';
import { DiskStoreBackend } from '../backend/disk/disk-store-backend.js';
import { check } from '../check.js';
import { JournalWriter, readJournal } from '../journal.js';
import { prune } from '../prune.js';
import { newSnapshotId } from '../snapshot-id.js';
import { isStoreError } from '../store-error.js';
import { type Store, initStore, openStore } from '../store.js';
import { describeEachBackend } from '../testing/backends.js';
import { damageStoredBlob } from '../testing/blob-damage.js';
import { TEST_ORG, buildSnapshot } from '../testing/fixtures.js';
import { addStoreKey, listStoreKeys, removeStoreKey } from './key-management.js';
import { StoreCrypto } from './store-crypto.js';
import { DEFAULT_SCRYPT, serverKeyId } from './store-keys.js';

/** Cheap scrypt for tests (the default costs 128 MiB and about half a second per attempt; one test uses it). */
const FAST = { N: 2 ** 12, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';
const masterKey = randomBytes(32);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// The blob store contract with the encrypted codec (keyed names, sealed content).
describeBlobStoreContract('disk, encrypted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-encrypted-blobs-'));
  const backend = new DiskStoreBackend(dir);
  const crypto = new StoreCrypto(randomBytes(32), 'store-id', undefined);
  return { store: backend.blobStore(crypto.codec), codec: crypto.codec, damage: (hash) => damageStoredBlob(backend, hash), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describeEachBackend('encrypted store', (kind, servers) => {
  async function encryptedStore(keys: { passphrase?: string; masterKey?: Buffer } = { passphrase: PASSPHRASE, masterKey }) {
    const at = await servers.location(kind, 'encrypted');
    const store = await initStore(at.location, TEST_ORG, { encrypt: true, keys: { ...keys, scrypt: FAST } });
    cleanups.push(async () => {
      await store.close();
      await at.cleanup();
    });
    const reopen = async (source: Parameters<typeof openStore>[1]) => {
      const opened = await openStore(at.location, source);
      cleanups.push(() => opened.close());
      return opened;
    };
    return { store, at, reopen };
  }

  async function everyObject(store: Store): Promise<Buffer> {
    // Every byte the store holds: blobs, manifests, journal, store.json, key files.
    const parts: Buffer[] = [];
    for (const prefix of ['', 'snapshots/', 'journal/', 'keys/', 'locks/', 'pins/']) {
      for await (const object of store.backend.list(prefix)) parts.push(Buffer.from(object.key), (await store.backend.read(object.key))?.bytes ?? Buffer.alloc(0));
    }
    for await (const blob of store.blobs.list()) parts.push((await store.backend.read(`blobs/${blob.hash.slice(0, 2)}/${blob.hash}`))!.bytes);
    return Buffer.concat(parts);
  }

  it('keeps content, names, manifests and the journal unreadable without the key, and deduplicates', async () => {
    const { store } = await encryptedStore();
    expect(store.encrypted).toBe(true);
    expect(store.config).toMatchObject({ version: 2, hash: 'hmac-sha256', encryption: { cipher: 'aes-256-gcm-stream' } });
    const secret = 'Confidential hydrant inspection notes';
    const manifest = await buildSnapshot(store, [{ id: 'secretitem', title: 'Water Main Secrets', data: secret }]);
    await store.writeSnapshot(manifest);
    const runId = newSnapshotId();
    const journal = await JournalWriter.open(store, runId, { operation: 'backup', data: { name: 'Journal Secret Name' } });
    await journal.append('item:secretitem', [manifest.lists.items[0]!.hash]);
    await journal.close();

    const first = await store.blobs.put(Buffer.from(secret));
    expect(first.isNew).toBe(false); // the same content, the same name: stored once
    expect(first.hash).not.toBe(PLAIN_CODEC.nameOf(Buffer.from(secret))); // a keyed hash, not SHA-256
    const everything = await everyObject(store);
    for (const revealing of [secret, 'Water Main Secrets', 'secretitem', 'Journal Secret Name', PLAIN_CODEC.nameOf(Buffer.from(secret))]) {
      expect(everything.includes(Buffer.from(revealing)), `the store reveals "${revealing}"`).toBe(false);
    }
    expect((await readJournal(store, runId))!.header?.data).toEqual({ name: 'Journal Secret Name' });
    expect((await store.readSnapshot(manifest.id)).id).toBe(manifest.id);
    expect((await check(store, { readData: true })).ok).toBe(true);
  });

  it('opens with the passphrase alone (elsewhere), with the server key alone, and says plainly what is wrong otherwise', async () => {
    const { store, reopen } = await encryptedStore();
    const manifest = await buildSnapshot(store, [{ id: 'i1', title: 'Parks', data: 'parks' }]);
    await store.writeSnapshot(manifest);
    for (const keys of [{ passphrase: PASSPHRASE }, { masterKey }, { masterKey: randomBytes(32), passphrase: PASSPHRASE }]) {
      const opened = await reopen({ keys });
      expect((await opened.listSnapshots()).snapshots.map((s) => s.id)).toEqual([manifest.id]);
      expect((await check(opened, { readData: true })).ok).toBe(true);
    }
    await expect(reopen({ keys: { passphrase: 'wrong passphrase' } })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'wrong_passphrase'));
    await expect(reopen({ keys: { passphrase: 'wrong passphrase' } })).rejects.toThrow(/The passphrase does not open the encrypted store .* Check the passphrase, or open the store on the OrgKeeper server/);
    await expect(reopen({})).rejects.toSatisfy((e: unknown) => isStoreError(e, 'key_required'));
    await expect(reopen({ keys: { masterKey: randomBytes(32) } })).rejects.toThrow(new RegExp(`encrypted and this OrgKeeper server's key does not open it. Give its passphrase, or use the OrgKeeper server whose key opens it \\(server key ${serverKeyId(masterKey)}\\)`));
  });

  it('check --read-data finds altered blobs and lists; an altered manifest is listed as unreadable; prune refuses', async () => {
    const { store } = await encryptedStore();
    const manifest = await buildSnapshot(store, [{ id: 'i1', title: 'Parks', data: 'parks data' }, { id: 'i2', title: 'Roads', features: 150 }]);
    await store.writeSnapshot(manifest);
    const page = manifest.lists.items[0]!.hash;
    const items = [];
    for await (const item of store.readList(manifest, 'items')) items.push(item);
    const data = items.find((i) => i.id === 'i1')!.data!.hash;
    await damageStoredBlob(store.backend, data);
    expect((await check(store)).ok).toBe(true); // structure alone cannot see it
    const result = await check(store, { readData: true });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ hash: data, problem: 'corrupt', detail: expect.stringMatching(/fails authentication/) })]);

    await damageStoredBlob(store.backend, page);
    expect((await check(store)).unreadableLists).toEqual([expect.objectContaining({ snapshotId: manifest.id, what: 'page 1 of the items list' })]);

    const key = `snapshots/${manifest.id}.json`;
    const sealed = (await store.backend.read(key))!.bytes;
    sealed[sealed.length - 3]! ^= 0x10;
    await store.backend.write(key, sealed);
    const listing = await store.listSnapshots();
    expect(listing.unreadable).toEqual([expect.objectContaining({ id: manifest.id, code: 'store_corrupt', error: expect.stringMatching(/fails authentication/) })]);
    await expect(prune(store)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'prune_unsafe'));
  });

  it('rotates who can open it: keys are added, listed and removed, never the last one', async () => {
    const { store, reopen } = await encryptedStore({ masterKey });
    const first = await listStoreKeys(store);
    expect(first).toEqual([expect.objectContaining({ kind: 'server', serverKeyId: serverKeyId(masterKey), current: true })]);
    await expect(reopen({ keys: { passphrase: PASSPHRASE } })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'wrong_passphrase'));
    const added = await addStoreKey(store, { passphrase: PASSPHRASE, scrypt: FAST }, 'GIS team safe');
    expect(added).toMatchObject({ kind: 'passphrase', label: 'GIS team safe', current: false });
    await expect(addStoreKey(store, { masterKey }, 'again')).rejects.toThrow(/opens the store .* already/);
    const byPassphrase = await reopen({ keys: { passphrase: PASSPHRASE } });
    expect((await listStoreKeys(byPassphrase)).find((k) => k.current)?.id).toBe(added.id);

    await removeStoreKey(byPassphrase, first[0]!.id);
    await expect(reopen({ keys: { masterKey } })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'key_required'));
    await expect(removeStoreKey(byPassphrase, added.id)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'last_key'));
    await expect(removeStoreKey(byPassphrase, 'abcdefabcdefabcd')).rejects.toThrow(/has no key abcdefabcdefabcd/);
    expect((await listStoreKeys(byPassphrase)).map((k) => k.id)).toEqual([added.id]);
  });

  it('cannot be created without something to wrap its key, and stays what it was created as', async () => {
    const at = await servers.location(kind, 'encrypted');
    cleanups.push(at.cleanup);
    await expect(initStore(at.location, TEST_ORG, { encrypt: true })).rejects.toSatisfy((e: unknown) => isStoreError(e, 'key_required'));
    const plain = await initStore(at.location, TEST_ORG);
    cleanups.push(() => plain.close());
    expect(plain.config.version).toBe(1); // a plain store keeps the format older OrgKeepers read
    const again = await initStore(at.location, TEST_ORG, { encrypt: true, keys: { passphrase: PASSPHRASE, scrypt: FAST } });
    cleanups.push(() => again.close());
    expect(again.encrypted).toBe(false);
  });
}, ['disk', 's3', 'azure']);

it('wraps passphrase keys with scrypt at the recommended cost by default', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-encrypted-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await initStore(dir, TEST_ORG, { encrypt: true, keys: { passphrase: PASSPHRASE } });
  const store = await openStore(dir, { keys: { passphrase: PASSPHRASE } });
  const file = JSON.parse((await store.backend.read(`keys/${(await listStoreKeys(store))[0]!.id}.json`))!.bytes.toString('utf8'));
  expect(file.kdf).toMatchObject({ name: 'scrypt', ...DEFAULT_SCRYPT });
  expect(file.wrapped).not.toContain(PASSPHRASE);
});
