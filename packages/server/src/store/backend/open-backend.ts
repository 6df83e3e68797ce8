import type { ObjectBackendOptions } from './object/object-store-backend.js';
import type { StoreBackend } from './store-backend.js';
import { type StoreLocation, type StoreLocationInput, parseStoreLocation } from './store-location.js';
import { DiskStoreBackend } from './disk/disk-store-backend.js';

export type { StoreLocationInput } from './store-location.js';

/**
 * The backend for a location. The object storage backends are imported on first use, so OrgKeeper on a folder never
 * loads the AWS or Azure SDKs.
 */
export async function openBackend(input: StoreLocationInput, options: ObjectBackendOptions = {}): Promise<StoreBackend> {
  const location: StoreLocation = parseStoreLocation(input);
  switch (location.kind) {
    case 'folder':
      return new DiskStoreBackend(location.path);
    case 's3': {
      const { S3StoreBackend } = await import('./s3/s3-store-backend.js');
      return new S3StoreBackend(location, options);
    }
    case 'azure': {
      const { AzureStoreBackend } = await import('./azure/azure-store-backend.js');
      return AzureStoreBackend.open(location, options);
    }
  }
}
