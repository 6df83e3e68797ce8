import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AnonymousCredential, ContainerClient, RestError, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { StoreError, describeError } from '../../store-error.js';
import type { ObjectInfo, StoredObject } from '../store-backend.js';
import { type AzureLocation, accountNameOf, formatStoreLocation } from '../store-location.js';
import { type ObjectClient, type ObjectHead, type PartSource, type PutCondition, uploadEachPart } from '../object/object-client.js';

/**
 * A prefix in an Azure Blob Storage container (or Azurite) through `@azure/storage-blob`. Conditional writes use the
 * blob service's ETag conditions (`ifNoneMatch: '*'`, `ifMatch`), which Azure checks atomically.
 */
export class AzureObjectClient implements ObjectClient {
  readonly kind = 'azure' as const;
  readonly location: string;
  private readonly prefix: string;

  private constructor(
    location: AzureLocation,
    readonly container: ContainerClient
  ) {
    this.location = formatStoreLocation(location);
    this.prefix = location.prefix;
  }

  static async create(location: AzureLocation): Promise<AzureObjectClient> {
    const url = `${location.accountUrl.replace(/\/+$/, '')}/${location.container}`;
    const pipeline: StoragePipelineOptions = { retryOptions: { maxTries: 5 } };
    const credentials = location.credentials ?? credentialsFromEnvironment(location.accountUrl);
    let container: ContainerClient;
    if (credentials?.kind === 'shared-key') {
      container = new ContainerClient(url, new StorageSharedKeyCredential(credentials.accountName, credentials.accountKey), pipeline);
    } else if (credentials?.kind === 'sas') {
      container = new ContainerClient(`${url}?${credentials.token.replace(/^\?/, '')}`, new AnonymousCredential(), pipeline);
    } else {
      // The standard chain: environment service principal, workload identity, managed identity, Azure CLI sign-in.
      const { DefaultAzureCredential } = await import('@azure/identity');
      container = new ContainerClient(url, new DefaultAzureCredential(), pipeline);
    }
    return new AzureObjectClient(location, container);
  }

  describeKey(key: string): string {
    return `${this.container.url.split('?')[0]}/${this.prefix}${key}`;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const props = await this.blob(key).getProperties();
      return { size: props.contentLength ?? 0, etag: props.etag ?? '', modifiedAt: props.lastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.blob(key).download(0, undefined, { maxRetryRequests: 5 });
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
      return { bytes: Buffer.concat(chunks), etag: response.etag ?? '', modifiedAt: response.lastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    try {
      // The SDK resumes a download that breaks midway (from the byte where it stopped, checked against the ETag).
      const response = await this.blob(key).download(0, undefined, { maxRetryRequests: 5 });
      return response.readableStreamBody as Readable;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async put(key: string, bytes: Uint8Array, condition?: PutCondition): Promise<string | undefined> {
    try {
      const out = await this.blob(key).getBlockBlobClient().upload(bytes, bytes.byteLength, { conditions: conditionsOf(condition) });
      return out.etag ?? '';
    } catch (error) {
      if (condition && isConditionFailure(error)) return undefined;
      throw this.failure(error, 'write', key);
    }
  }

  async putParts(key: string, source: PartSource, condition?: PutCondition): Promise<string | undefined> {
    const client = this.blob(key).getBlockBlobClient();
    // Block ids are unique to this upload: two writers staging blocks of one blob never mix each other's blocks.
    const upload = randomBytes(12).toString('hex');
    try {
      const ids = await uploadEachPart(source, async (index, bytes) => {
        const id = Buffer.from(`${upload}-${String(index).padStart(6, '0')}`).toString('base64');
        await client.stageBlock(id, bytes, bytes.byteLength);
        return id;
      });
      const out = await client.commitBlockList(ids, { conditions: conditionsOf(condition) });
      return out.etag ?? '';
    } catch (error) {
      if (condition && isConditionFailure(error)) return undefined;
      throw this.failure(error, 'write', key);
    }
    // Uncommitted blocks of a failed upload are discarded by the service after a week.
  }

  async delete(key: string, ifMatch?: string): Promise<boolean> {
    try {
      await this.blob(key).delete({ conditions: ifMatch !== undefined ? { ifMatch } : {} });
      return true;
    } catch (error) {
      if (isNotFound(error) || (ifMatch !== undefined && isConditionFailure(error))) return false;
      throw this.failure(error, 'delete', key);
    }
  }

  async *list(prefix: string, recursive: boolean): AsyncIterable<ObjectInfo> {
    try {
      const pages = recursive
        ? this.container.listBlobsFlat({ prefix: this.full(prefix) }).byPage({ maxPageSize: 5000 })
        : this.container.listBlobsByHierarchy('/', { prefix: this.full(prefix) }).byPage({ maxPageSize: 5000 });
      for await (const page of pages) {
        for (const item of page.segment.blobItems) {
          yield { key: item.name.slice(this.prefix.length), size: item.properties.contentLength ?? 0, modifiedAt: item.properties.lastModified };
        }
      }
    } catch (error) {
      throw this.failure(error, 'list', prefix);
    }
  }

  async topLevelNames(): Promise<string[]> {
    try {
      const names: string[] = [];
      for await (const page of this.container.listBlobsByHierarchy('/', { prefix: this.prefix }).byPage({ maxPageSize: 100 })) {
        for (const item of page.segment.blobItems) names.push(item.name);
        for (const item of page.segment.blobPrefixes ?? []) names.push(item.name.replace(/\/$/, ''));
        break;
      }
      return names.map((name) => name.slice(this.prefix.length)).filter((name) => name !== '');
    } catch (error) {
      throw this.failure(error, 'list', '');
    }
  }

  /** Azure discards the uncommitted blocks of an upload that never finished after a week: nothing to do. */
  async abortUnfinishedUploads(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}

  private full(key: string): string {
    return `${this.prefix}${key}`;
  }

  private blob(key: string) {
    return this.container.getBlobClient(this.full(key));
  }

  private failure(error: unknown, action: 'read' | 'write' | 'delete' | 'list', key: string): StoreError {
    if (error instanceof StoreError) return error;
    const where = key === '' ? this.location : this.describeKey(key);
    const status = error instanceof RestError ? error.statusCode : undefined;
    const code = error instanceof RestError ? error.code : (error as { code?: string }).code;
    if (code === 'ContainerNotFound') {
      return new StoreError('location_unreachable', `The Azure container "${this.container.containerName}" does not exist (${this.location}). Create it, or correct the File Location.`, { cause: error });
    }
    if (status === 403 || status === 401 || code === 'AuthenticationFailed' || code === 'AuthorizationFailure' || code === 'AuthorizationPermissionMismatch') {
      return new StoreError('access_denied', `Azure refused to ${action} ${where} (${code ?? status}). Check the account key or SAS token (it needs read, add, create, write, delete and list permissions), or the role of the identity OrgKeeper runs as (Storage Blob Data Contributor).`, { cause: error });
    }
    if ((error as { name?: string }).name === 'CredentialUnavailableError' || (error as { name?: string }).name === 'AggregateAuthenticationError') {
      return new StoreError('access_denied', `No Azure credentials were found to ${action} ${where}: enter an account key or SAS token for this location, or sign the account that runs OrgKeeper in to Azure (managed identity, environment service principal, Azure CLI).`, { cause: error });
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EAI_AGAIN' || code === 'REQUEST_SEND_ERROR') {
      return new StoreError('location_unreachable', `Cannot reach Azure Blob Storage for ${this.location} (${code}). Check the account URL and the network.`, { cause: error });
    }
    return new StoreError('io_error', `Azure could not ${action} ${where}: ${code ? `${code}: ` : ''}${describeError(error)}`, { cause: error });
  }
}

/** A shared key or SAS token from the environment (AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN), for the CLI and tests. */
function credentialsFromEnvironment(accountUrl: string): AzureLocation['credentials'] {
  const key = process.env.AZURE_STORAGE_KEY;
  if (key) return { kind: 'shared-key', accountName: process.env.AZURE_STORAGE_ACCOUNT || accountNameOf(accountUrl), accountKey: key };
  const sas = process.env.AZURE_STORAGE_SAS_TOKEN;
  if (sas) return { kind: 'sas', token: sas };
  return undefined;
}

function conditionsOf(condition: PutCondition | undefined): { ifNoneMatch?: string; ifMatch?: string } {
  if (condition === undefined) return {};
  return 'ifNoneMatch' in condition ? { ifNoneMatch: '*' } : { ifMatch: condition.ifMatch };
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404 && error.code !== 'ContainerNotFound';
}

/** 409 BlobAlreadyExists for `ifNoneMatch: '*'`, 412 ConditionNotMet for `ifMatch`, 404 for `ifMatch` on a gone blob. */
function isConditionFailure(error: unknown): boolean {
  return error instanceof RestError && (error.statusCode === 412 || (error.statusCode === 409 && error.code === 'BlobAlreadyExists') || isNotFound(error));
}
