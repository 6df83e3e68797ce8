/**
 * Authenticated encryption of byte streams of any length with AES-256-GCM (node:crypto), in the STREAM construction
 * (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance",
 * 2015; the form Tink's streaming AEAD and age use): the plaintext is cut into 64 KiB segments, each sealed with its
 * own nonce made of its number and a flag marking the last one. So a stream is decrypted and checked one segment at a
 * time (memory stays bounded), and reordering, dropping, truncating or extending segments fails authentication.
 *
 * Format: `OKE1` (4 bytes), a random 16-byte salt, then the segments (ciphertext + 16-byte tag each; all but the last
 * hold exactly 64 KiB of plaintext; the last may be empty). Each message has its own key, HKDF-SHA256(key, salt), so
 * nonces never repeat under one key whatever the number of messages. The header and the caller's associated data
 * (e.g. a manifest's name) are authenticated with every segment.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const MAGIC = Buffer.from('OKE1');
const SALT_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + SALT_BYTES;
export const SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SEALED_SEGMENT = SEGMENT_BYTES + TAG_BYTES;

/** A sealed message failed to open: altered, truncated, of another key, or not sealed at all. */
export class AeadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AeadError';
  }
}

function messageKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, 'orgkeeper stream v1', 32));
}

function nonce(counter: number, last: boolean): Buffer {
  if (counter > 0xffffffff) throw new AeadError('The message is too long to seal (more than 2^32 segments).');
  const n = Buffer.alloc(12);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function sealSegment(key: Buffer, counter: number, last: boolean, plaintext: Buffer, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(counter, last), { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function openSegment(key: Buffer, counter: number, last: boolean, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new AeadError('The sealed data is truncated.');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(counter, last), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new AeadError(`Segment ${counter} failed authentication: the data was altered, truncated or reordered, or sealed with another key.`);
  }
}

function header(): { header: Buffer; salt: Buffer } {
  const salt = randomBytes(SALT_BYTES);
  return { header: Buffer.concat([MAGIC, salt]), salt };
}

function readHeader(bytes: Buffer): Buffer {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new AeadError('The data is not sealed by OrgKeeper (no OKE1 header), or is truncated.');
  return bytes.subarray(MAGIC.length, HEADER_BYTES);
}

/** Seal a whole buffer. */
export function seal(key: Buffer, plaintext: Uint8Array, associatedData: Uint8Array = Buffer.alloc(0)): Buffer {
  const { header: head, salt } = header();
  const k = messageKey(key, salt);
  const aad = Buffer.concat([head, associatedData]);
  const data = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const parts = [head];
  let counter = 0;
  for (let offset = 0; ; offset += SEGMENT_BYTES) {
    const last = offset + SEGMENT_BYTES >= data.length;
    parts.push(sealSegment(k, counter++, last, data.subarray(offset, offset + SEGMENT_BYTES), aad));
    if (last) break;
  }
  return Buffer.concat(parts);
}

/** Open a whole sealed buffer; throws AeadError when it is not authentic. */
export function open(key: Buffer, sealed: Uint8Array, associatedData: Uint8Array = Buffer.alloc(0)): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const salt = readHeader(bytes);
  const k = messageKey(key, salt);
  const aad = Buffer.concat([bytes.subarray(0, HEADER_BYTES), associatedData]);
  const parts: Buffer[] = [];
  let counter = 0;
  for (let offset = HEADER_BYTES; ; offset += SEALED_SEGMENT) {
    const last = offset + SEALED_SEGMENT >= bytes.length;
    parts.push(openSegment(k, counter++, last, bytes.subarray(offset, offset + SEALED_SEGMENT), aad));
    if (last) break;
  }
  return Buffer.concat(parts);
}

/** Collects chunks and hands them out in fixed-size pieces without copying more than needed. */
class ChunkQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(size: number): Buffer {
    const out = Buffer.allocUnsafe(Math.min(size, this.length));
    let filled = 0;
    while (filled < out.length) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, out.length - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.length -= out.length;
    return out;
  }
}

/** A Transform that seals what passes through (holding at most one segment). */
export function sealStream(key: Buffer, associatedData: Uint8Array = Buffer.alloc(0)): Transform {
  const { header: head, salt } = header();
  const k = messageKey(key, salt);
  const aad = Buffer.concat([head, associatedData]);
  const queue = new ChunkQueue();
  let counter = 0;
  let started = false;
  const start = (stream: Transform) => {
    if (started) return;
    started = true;
    stream.push(head);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      start(this);
      queue.push(chunk);
      try {
        // Strictly more than a segment: only then is this segment known not to be the last.
        while (queue.length > SEGMENT_BYTES) this.push(sealSegment(k, counter++, false, queue.take(SEGMENT_BYTES), aad));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      start(this);
      try {
        this.push(sealSegment(k, counter++, true, queue.take(SEGMENT_BYTES), aad));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    }
  });
}

/** A Transform that opens a sealed stream, one authenticated segment at a time; fails with AeadError. */
export function openStream(key: Buffer, associatedData: Uint8Array = Buffer.alloc(0)): Transform {
  const queue = new ChunkQueue();
  let k: Buffer | undefined;
  let aad: Buffer | undefined;
  let counter = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      queue.push(chunk);
      try {
        if (k === undefined) {
          if (queue.length < HEADER_BYTES) return callback();
          const head = queue.take(HEADER_BYTES);
          k = messageKey(key, readHeader(head));
          aad = Buffer.concat([head, associatedData]);
        }
        while (queue.length > SEALED_SEGMENT) this.push(openSegment(k, counter++, false, queue.take(SEALED_SEGMENT), aad!));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (k === undefined) throw new AeadError('The sealed data is truncated (no complete header).');
        this.push(openSegment(k, counter++, true, queue.take(SEALED_SEGMENT), aad!));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    }
  });
}
