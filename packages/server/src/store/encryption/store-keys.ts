/**
 * Who can open an encrypted store. The store's data is encrypted under one random 32-byte store key; each key file
 * `keys/<id>.json` holds that store key wrapped for one opener (as restic's key files do), so openers are added and
 * removed without re-encrypting anything:
 * - `passphrase`: wrapped under scrypt(passphrase) (N = 2^17, r = 8, p = 1: 128 MiB and about half a second, the
 *   OWASP recommendation for scrypt), so the store can be opened anywhere with the passphrase alone.
 * - `server`: wrapped under a key derived from an OrgKeeper server's master key (secrets/master-key.ts), so scheduled
 *   backups run unattended. `serverKeyId` tells which server's key without revealing it.
 * Wrapping is AES-256-GCM with the store id and the key file's id as associated data, so a key file cannot be moved
 * to another store or renamed. A wrong passphrase fails authentication: the error says so plainly.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { StoreBackend } from '../backend/store-backend.js';
import { StoreError, describeError } from '../store-error.js';

export const KEY_FORMAT = 'orgkeeper-key';
export const KEY_VERSION = 1;
const KEYS = 'keys/';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's recommendation for scrypt (2^17, 8, 1): 128 MiB of memory per attempt. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** What can open a store: a passphrase, a server's master key, or both (each is tried). */
export interface KeySource {
  passphrase?: string;
  masterKey?: Buffer;
  /** scrypt cost for passphrase key files created now (tests lower it; the default is DEFAULT_SCRYPT). */
  scrypt?: ScryptParams;
}

export interface KeyFile {
  format: typeof KEY_FORMAT;
  version: typeof KEY_VERSION;
  id: string;
  kind: 'passphrase' | 'server';
  /** Free text to tell keys apart (who holds the passphrase, which server). */
  label: string;
  createdAt: string;
  createdBy: { host: string; user: string };
  kdf?: { name: 'scrypt'; salt: string } & ScryptParams;
  /** For `server` keys: which master key wraps it (an HMAC of the key, not the key). */
  serverKeyId?: string;
  /** base64 of nonce (12) + ciphertext (32) + tag (16). */
  wrapped: string;
}

export interface KeySummary {
  id: string;
  kind: KeyFile['kind'];
  label: string;
  createdAt: string;
  createdBy: KeyFile['createdBy'];
  serverKeyId?: string;
  /** The key that opened the store in this process. */
  current: boolean;
}

const scrypt = (password: string, salt: Buffer, params: ScryptParams) =>
  new Promise<Buffer>((resolve, reject) => {
    const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 };
    scryptCallback(password.normalize('NFKC'), salt, 32, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

/** Identifies a server's master key in key files (and in `store key list`) without revealing it. */
export function serverKeyId(masterKey: Buffer): string {
  return createHmac('sha256', masterKey).update('orgkeeper store server key id v1').digest('hex').slice(0, 16);
}

function serverWrappingKey(masterKey: Buffer, storeId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from(storeId), 'orgkeeper store key wrap v1', 32));
}

function associatedData(storeId: string, keyId: string): Buffer {
  return Buffer.from(`orgkeeper-store-key:${storeId}:${keyId}`);
}

function wrap(kek: Buffer, storeKey: Buffer, aad: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([nonce, cipher.update(storeKey), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

function unwrap(kek: Buffer, wrapped: string, aad: Buffer): Buffer | undefined {
  const bytes = Buffer.from(wrapped, 'base64');
  if (bytes.length !== 12 + 32 + 16) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(44));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(12, 44)), decipher.final()]);
  } catch {
    return undefined;
  }
}

const keyKey = (id: string) => `${KEYS}${id}.json`;

function creator(): KeyFile['createdBy'] {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    user = '';
  }
  return { host: hostname(), user };
}

/** Make a key file wrapping `storeKey` for one opener. */
export async function makeKeyFile(storeId: string, storeKey: Buffer, opener: { passphrase: string; scrypt?: ScryptParams } | { masterKey: Buffer }, label: string): Promise<KeyFile> {
  const id = randomBytes(8).toString('hex');
  const base = { format: KEY_FORMAT, version: KEY_VERSION, id, label, createdAt: new Date().toISOString(), createdBy: creator() } as const;
  if ('masterKey' in opener) {
    return { ...base, kind: 'server', serverKeyId: serverKeyId(opener.masterKey), wrapped: wrap(serverWrappingKey(opener.masterKey, storeId), storeKey, associatedData(storeId, id)) };
  }
  if (opener.passphrase.length < 8) throw new StoreError('invalid_entry', 'A store passphrase needs at least 8 characters; a long sentence is better than a short password.');
  const params = opener.scrypt ?? DEFAULT_SCRYPT;
  const salt = randomBytes(16);
  const kek = await scrypt(opener.passphrase, salt, params);
  return { ...base, kind: 'passphrase', kdf: { name: 'scrypt', salt: salt.toString('base64'), ...params }, wrapped: wrap(kek, storeKey, associatedData(storeId, id)) };
}

export async function writeKeyFile(backend: StoreBackend, file: KeyFile): Promise<void> {
  if ((await backend.create(keyKey(file.id), Buffer.from(`${JSON.stringify(file, null, 2)}\n`))) === undefined) {
    throw new StoreError('io_error', `Key file ${file.id} exists already in ${backend.location}.`);
  }
}

/** Every readable key file (damaged ones are skipped: they cannot open anything). */
export async function readKeyFiles(backend: StoreBackend): Promise<KeyFile[]> {
  const files: KeyFile[] = [];
  for await (const object of backend.list(KEYS)) {
    if (!object.key.endsWith('.json')) continue;
    const found = await backend.read(object.key);
    if (!found) continue;
    try {
      const value = JSON.parse(found.bytes.toString('utf8')) as Partial<KeyFile>;
      if (value.format === KEY_FORMAT && typeof value.id === 'string' && typeof value.wrapped === 'string' && (value.kind === 'passphrase' || value.kind === 'server') && object.key === keyKey(value.id)) {
        files.push(value as KeyFile);
      }
    } catch {
      // not JSON: not a key
    }
  }
  return files.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/**
 * The store key, from the first key file the source opens: server keys of this master key first (no KDF cost), then
 * passphrase keys. Throws `key_required` when nothing was given that could open it, `wrong_passphrase` when the
 * passphrase opens no key file.
 */
export async function unlockStoreKey(backend: StoreBackend, storeId: string, source: KeySource | undefined): Promise<{ storeKey: Buffer; keyId: string }> {
  const files = await readKeyFiles(backend);
  if (files.length === 0) throw new StoreError('store_corrupt', `The encrypted store at ${backend.location} has no readable key files (keys/): it cannot be opened by anyone.`);
  if (source?.masterKey) {
    const id = serverKeyId(source.masterKey);
    for (const file of files.filter((f) => f.kind === 'server' && f.serverKeyId === id)) {
      const storeKey = unwrap(serverWrappingKey(source.masterKey, storeId), file.wrapped, associatedData(storeId, file.id));
      if (storeKey) return { storeKey, keyId: file.id };
    }
  }
  const passphraseFiles = files.filter((f) => f.kind === 'passphrase' && f.kdf?.name === 'scrypt');
  if (source?.passphrase !== undefined) {
    for (const file of passphraseFiles) {
      let kek: Buffer;
      try {
        kek = await scrypt(source.passphrase, Buffer.from(file.kdf!.salt, 'base64'), file.kdf!);
      } catch (error) {
        throw new StoreError('store_corrupt', `Key file ${file.id} of ${backend.location} has unusable scrypt parameters (${describeError(error)}).`);
      }
      const storeKey = unwrap(kek, file.wrapped, associatedData(storeId, file.id));
      if (storeKey) return { storeKey, keyId: file.id };
    }
    throw new StoreError('wrong_passphrase', `The passphrase does not open the encrypted store at ${backend.location} (it has ${passphraseFiles.length} passphrase key${passphraseFiles.length === 1 ? '' : 's'}). Check the passphrase${files.some((f) => f.kind === 'server') ? ', or open the store on the OrgKeeper server whose key it also holds' : ''}.`);
  }
  const servers = files.filter((f) => f.kind === 'server').map((f) => f.serverKeyId);
  throw new StoreError(
    'key_required',
    `The store at ${backend.location} is encrypted${source?.masterKey ? ' and this OrgKeeper server\'s key does not open it' : ''}. Give its passphrase${servers.length > 0 ? `, or use the OrgKeeper server whose key opens it (server key ${[...new Set(servers)].join(', ')})` : ''}.`
  );
}

export function summarize(file: KeyFile, currentKeyId: string | undefined): KeySummary {
  return { id: file.id, kind: file.kind, label: file.label, createdAt: file.createdAt, createdBy: file.createdBy, ...(file.serverKeyId ? { serverKeyId: file.serverKeyId } : {}), current: file.id === currentKeyId };
}

export async function deleteKeyFile(backend: StoreBackend, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new StoreError('invalid_id', `Not a key id: ${JSON.stringify(id)}. Key ids are 16 hex digits (see \`orgkeeper store key list\`).`);
  return backend.delete(keyKey(id));
}
