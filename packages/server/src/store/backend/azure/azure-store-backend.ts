import type { BlobCodec } from '../../blob-store/blob-codec.js';
import { AzureBlobStore } from '../../blob-store/azure/azure-blob-store.js';
import { type ObjectBackendOptions, ObjectStoreBackend } from '../object/object-store-backend.js';
import type { AzureLocation } from '../store-location.js';
import { AzureObjectClient } from './azure-object-client.js';

/** A store under an Azure Blob Storage container prefix. */
export class AzureStoreBackend extends ObjectStoreBackend {
  declare readonly client: AzureObjectClient;

  constructor(client: AzureObjectClient, options: ObjectBackendOptions = {}) {
    super(client, options);
  }

  static async open(location: AzureLocation, options: ObjectBackendOptions = {}): Promise<AzureStoreBackend> {
    return new AzureStoreBackend(await AzureObjectClient.create(location), options);
  }

  blobStore(codec: BlobCodec): AzureBlobStore {
    return new AzureBlobStore(this.client, { ...this.options, codec });
  }
}
