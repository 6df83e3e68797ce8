import { createHash } from 'node:crypto';
import { StoreError } from './store-error.js';

/** Blobs are named by the lowercase hex SHA-256 of their uncompressed content. */
export const BLOB_HASH = /^[0-9a-f]{64}$/;

export function isBlobHash(value: unknown): value is string {
  return typeof value === 'string' && BLOB_HASH.test(value);
}

/** Every hash that reaches a file path goes through here, so a crafted "hash" can never name another file. */
export function assertBlobHash(value: unknown): asserts value is string {
  if (!isBlobHash(value)) {
    throw new StoreError('invalid_id', `Not a blob hash: ${JSON.stringify(value)}. A blob hash is 64 lowercase hex digits (SHA-256).`);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
