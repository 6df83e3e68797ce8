import type { S3ObjectClient } from '../../backend/s3/s3-object-client.js';
import { ObjectBlobStore, type ObjectBlobStoreOptions } from '../object-blob-store.js';

/** S3 allows at most 10,000 parts in one multipart upload (each 5 MiB to 5 GiB, the last one smaller). */
const S3_MAX_PARTS = 10_000;

/**
 * Blobs in an S3 (or S3-compatible) bucket prefix: `blobs/<first 2 hex>/<name>`, PUT with `If-None-Match: *`, large
 * ones as multipart uploads completed with `If-None-Match: *`. See `ObjectBlobStore`.
 */
export class S3BlobStore extends ObjectBlobStore {
  constructor(client: S3ObjectClient, options: ObjectBlobStoreOptions) {
    super(client, options, S3_MAX_PARTS);
  }
}
