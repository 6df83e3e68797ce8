import { hkdfSync } from 'node:crypto';
import type { BlobCodec } from '../blob-store/blob-codec.js';
import { StoreError, describeError } from '../store-error.js';
import { open, seal } from './aead-stream.js';
import { encryptedCodec } from './encrypted-codec.js';

/**
 * The keys of an open encrypted store, all derived from its store key with HKDF-SHA256 (salt: the store id), one per
 * purpose: blob names, blob data, metadata (manifests and journal batches). Metadata is sealed with its key inside
 * the store (`snapshots/<id>.json`, `journal/<run>.jsonl`) as associated data, so a sealed manifest cannot be passed
 * off as another snapshot's.
 */
export class StoreCrypto {
  readonly codec: BlobCodec;
  private readonly metadataKey: Buffer;

  constructor(
    storeKey: Buffer,
    storeId: string,
    /** The key file that opened it (undefined when the store was just created). */
    readonly keyId: string | undefined
  ) {
    const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', storeKey, Buffer.from(storeId), `orgkeeper ${purpose} v1`, 32));
    this.codec = encryptedCodec(derive('blob names'), derive('blob data'));
    this.metadataKey = derive('metadata');
    this.storeKey = storeKey;
  }

  /** Kept for adding key files (wrapping it for another opener). */
  readonly storeKey: Buffer;

  sealMetadata(key: string, bytes: Uint8Array): Buffer {
    return seal(this.metadataKey, bytes, Buffer.from(`orgkeeper:${key}`));
  }

  /** Throws `store_corrupt` when the sealed metadata is not authentic. */
  openMetadata(key: string, bytes: Uint8Array): Buffer {
    try {
      return open(this.metadataKey, bytes, Buffer.from(`orgkeeper:${key}`));
    } catch (error) {
      throw new StoreError('store_corrupt', `${key} fails authentication: it was altered or damaged (${describeError(error)}).`);
    }
  }

  /** A batch of log lines as one sealed line (base64), so an appended log stays line-based. */
  sealLines(key: string, text: string): string {
    return `${this.sealMetadata(key, Buffer.from(text)).toString('base64')}\n`;
  }

  /** The lines of a sealed log; lines that fail to open (a torn last line) are counted, not thrown. */
  openLines(key: string, text: string): { text: string; damaged: number } {
    let damaged = 0;
    const out: string[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(open(this.metadataKey, Buffer.from(line, 'base64'), Buffer.from(`orgkeeper:${key}`)).toString('utf8'));
      } catch {
        damaged += 1;
      }
    }
    return { text: out.join(''), damaged };
  }
}
