import { createHash } from 'node:crypto';
import { type Readable, type Transform, Transform as TransformStream } from 'node:stream';
import { createGunzip, createGzip, gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { StoreError, describeError } from '../store-error.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * How a blob's content becomes its name and its stored bytes. Blob stores (disk, S3, Azure, ...) only move the stored
 * bytes; the codec decides what they are:
 * - plain (`PLAIN_CODEC`): named by the SHA-256 of the content, stored as gzip (any `gunzip` reads a blob).
 * - encrypted (`encryption/encrypted-codec.ts`): named by a keyed hash (HMAC-SHA256), stored as gzip sealed with
 *   AES-256-GCM, so neither names nor bytes reveal content.
 * Either way a name is 64 lowercase hex digits and the same content always gets the same name (deduplication).
 */
export interface BlobCodec {
  readonly naming: 'sha256' | 'hmac-sha256';
  nameOf(content: Uint8Array): string;
  /** Names content while it streams. */
  newNamer(): BlobNamer;
  /** The stored form of whole content. */
  encode(content: Uint8Array, level: number): Promise<Buffer>;
  /** Transforms that turn content into its stored form while streaming, in order (memory stays bounded). */
  encoders(level: number): Transform[];
  /** The content of a stored blob, checked against its name: throws `blob_corrupt` otherwise. */
  decode(stored: Buffer, hash: string): Promise<Buffer>;
  /** The content as a stream; fails with `blob_corrupt` at its end if it does not match its name. */
  decodeStream(stored: Readable, hash: string): Readable;
}

export interface BlobNamer {
  update(chunk: Uint8Array): void;
  digest(): string;
}

export function blobCorrupt(hash: string, why: string): StoreError {
  return new StoreError('blob_corrupt', `Blob ${hash} is corrupt: ${why}. Run check --read-data to find every damaged blob.`);
}

/** SHA-256 names, gzip storage: the store format since version 1. */
export const PLAIN_CODEC: BlobCodec = {
  naming: 'sha256',
  nameOf: (content) => createHash('sha256').update(content).digest('hex'),
  newNamer: () => {
    const hasher = createHash('sha256');
    return { update: (chunk) => void hasher.update(chunk), digest: () => hasher.digest('hex') };
  },
  encode: (content, level) => gzipAsync(content, { level }),
  encoders: (level) => [createGzip({ level })],
  async decode(stored, hash) {
    let content: Buffer;
    try {
      content = await gunzipAsync(stored);
    } catch (error) {
      throw blobCorrupt(hash, `it does not decompress (${describeError(error)})`);
    }
    const actual = PLAIN_CODEC.nameOf(content);
    if (actual !== hash) throw blobCorrupt(hash, `its content hashes to ${actual}`);
    return content;
  },
  decodeStream: (stored, hash) => verifiedStream(stored, [createGunzip()], PLAIN_CODEC.newNamer(), hash, 'it does not decompress')
};

/**
 * Decode (decompress, decrypt) and re-name while streaming; the result fails with `blob_corrupt` at its end if the name
 * differs, or as soon as a decoder fails. A consumer that stops early closes the stored stream.
 */
export function verifiedStream(stored: Readable, decoders: Transform[], namer: BlobNamer, hash: string, decodeFailure: string): Readable {
  const verifier = new TransformStream({
    transform(chunk: Buffer, _encoding, callback) {
      namer.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = namer.digest();
      callback(actual === hash ? null : blobCorrupt(hash, `its content hashes to ${actual}`));
    }
  });
  stored.on('error', (error) => verifier.destroy(error));
  for (const decoder of decoders) decoder.on('error', (error) => verifier.destroy(isStoreCorrupt(error) ? error : blobCorrupt(hash, `${decodeFailure} (${describeError(error)})`)));
  verifier.on('close', () => {
    stored.destroy();
    for (const decoder of decoders) decoder.destroy();
  });
  let tail: Readable = stored;
  for (const decoder of decoders) tail = tail.pipe(decoder);
  tail.pipe(verifier);
  return verifier;
}

/** A pass-through that names content and counts its bytes while it streams to the encoders (streamed puts). */
export function namingTap(codec: BlobCodec): { stream: Transform; name: () => string; size: () => number } {
  const namer = codec.newNamer();
  let size = 0;
  const stream = new TransformStream({
    transform(chunk: Buffer, _encoding, callback) {
      namer.update(chunk);
      size += chunk.byteLength;
      callback(null, chunk);
    }
  });
  return { stream, name: () => namer.digest(), size: () => size };
}

function isStoreCorrupt(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'blob_corrupt';
}
