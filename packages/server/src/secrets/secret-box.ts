import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value could not be opened: wrong key, wrong associated data, or altered text. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * Authenticated encryption of small secrets (refresh tokens, passwords) at rest with AES-256-GCM.
 *
 * Sealed form: `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`. The associated data binds a
 * secret to where it belongs (e.g. `identity:<id>:refresh_token`), so a value copied into another
 * row or column fails to open instead of being silently accepted.
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #master: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new RangeError(`The master key must be 32 bytes, got ${masterKey.length}.`);
    this.#master = Buffer.from(masterKey);
    // A derived key, so the master key can later serve other purposes without reusing one AES key for them.
    this.#key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'orgkeeper secret-box v1', 32));
  }

  /**
   * A key for another purpose, derived from the master key (HKDF-SHA256, the purpose as info): e.g. the key that wraps
   * encrypted backup stores' keys (store/encryption/store-keys.ts), so those open on this server without the master
   * key itself leaving this class.
   */
  deriveKey(purpose: string): Buffer {
    if (!purpose) throw new TypeError('SecretBox.deriveKey needs a purpose.');
    return Buffer.from(hkdfSync('sha256', this.#master, Buffer.alloc(0), `orgkeeper ${purpose}`, 32));
  }

  seal(plaintext: string | Uint8Array, associatedData: string): string {
    if (!associatedData) throw new TypeError('SecretBox.seal needs associated data naming what the secret belongs to.');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
  }

  open(sealed: string, associatedData: string): Buffer {
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretBoxError(`Not a sealed secret (expected the form ${VERSION}:<iv>:<tag>:<ciphertext>).`);
    }
    const iv = decodeBase64(parts[1] as string);
    const tag = decodeBase64(parts[2] as string);
    const ciphertext = decodeBase64(parts[3] as string);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
      throw new SecretBoxError('The sealed secret is malformed.');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError(
        'The secret could not be decrypted: it was altered, belongs to another record, or was sealed with another master key.'
      );
    }
  }

  openString(sealed: string, associatedData: string): string {
    return this.open(sealed, associatedData).toString('utf8');
  }
}

function decodeBase64(text: string): Buffer | null {
  // Buffer.from silently skips junk; insist on canonical base64 so alterations are caught here too.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64');
}
