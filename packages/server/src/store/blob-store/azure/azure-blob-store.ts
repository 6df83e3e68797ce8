import type { AzureObjectClient } from '../../backend/azure/azure-object-client.js';
import { ObjectBlobStore, type ObjectBlobStoreOptions } from '../object-blob-store.js';

/** A block blob holds at most 50,000 committed blocks (each up to 4,000 MiB). */
const AZURE_MAX_BLOCKS = 50_000;

/**
 * Blobs in an Azure Blob Storage container prefix: `blobs/<first 2 hex>/<name>` block blobs, uploaded with
 * `ifNoneMatch: '*'`, large ones as staged blocks committed with `ifNoneMatch: '*'`. See `ObjectBlobStore`.
 */
export class AzureBlobStore extends ObjectBlobStore {
  constructor(client: AzureObjectClient, options: ObjectBlobStoreOptions) {
    super(client, options, AZURE_MAX_BLOCKS);
  }
}
