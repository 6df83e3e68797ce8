import type { BlobCodec } from '../../blob-store/blob-codec.js';
import { S3BlobStore } from '../../blob-store/s3/s3-blob-store.js';
import { type ObjectBackendOptions, ObjectStoreBackend } from '../object/object-store-backend.js';
import type { S3Location } from '../store-location.js';
import { S3ObjectClient } from './s3-object-client.js';

/** A store under an S3 (or S3-compatible) bucket prefix: `s3://bucket/prefix`. */
export class S3StoreBackend extends ObjectStoreBackend {
  declare readonly client: S3ObjectClient;

  constructor(location: S3Location | S3ObjectClient, options: ObjectBackendOptions = {}) {
    super(location instanceof S3ObjectClient ? location : new S3ObjectClient(location), options);
  }

  blobStore(codec: BlobCodec): S3BlobStore {
    return new S3BlobStore(this.client, { ...this.options, codec });
  }
}
