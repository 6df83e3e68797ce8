import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
  UploadPartCommand
} from '@aws-sdk/client-s3';
import { StoreError, describeError } from '../../store-error.js';
import type { ObjectInfo, StoredObject } from '../store-backend.js';
import { type S3Location, formatStoreLocation } from '../store-location.js';
import { type ObjectClient, type ObjectHead, type PartSource, type PutCondition, uploadEachPart } from '../object/object-client.js';

/** Unfinished multipart uploads younger than this may belong to a writer still running elsewhere: left alone. */
const UNFINISHED_UPLOAD_AGE_MS = 24 * 60 * 60_000;

/**
 * An S3 bucket prefix through the AWS SDK: AWS itself, or an S3-compatible service (MinIO, Wasabi, Ceph RGW, a NAS
 * gateway) at `endpoint`. Conditional writes (`If-None-Match: *`, `If-Match`) are what keep two writers apart: the
 * service must support them (AWS since 2024; check with the identity form's access check, which tries them).
 */
export class S3ObjectClient implements ObjectClient {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(location: S3Location, options: { client?: S3Client } = {}) {
    this.location = formatStoreLocation(location);
    this.bucket = location.bucket;
    this.prefix = location.prefix;
    this.client = options.client ?? new S3Client(s3ClientConfig(location));
  }

  describeKey(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '', modifiedAt: out.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      return { bytes, etag: out.ETag ?? '', modifiedAt: out.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'read', key);
    }
  }

  async put(key: string, bytes: Uint8Array, condition?: PutCondition): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.full(key), Body: bytes, ContentLength: bytes.byteLength, ...conditionParams(condition) })
      );
      return out.ETag ?? '';
    } catch (error) {
      // If-Match on a key that is gone answers 404.
      if (condition && (isPreconditionFailure(error) || isNotFound(error))) return undefined;
      throw this.failure(error, 'write', key);
    }
  }

  async putParts(key: string, source: PartSource, condition?: PutCondition): Promise<string | undefined> {
    const Key = this.full(key);
    let uploadId: string | undefined;
    try {
      uploadId = (await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }))).UploadId;
      const parts = await uploadEachPart(source, async (index, bytes) => {
        const out = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: index + 1, Body: bytes, ContentLength: bytes.byteLength }));
        return { PartNumber: index + 1, ETag: out.ETag };
      });
      const out = await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...conditionParams(condition) })
      );
      uploadId = undefined;
      return out.ETag ?? '';
    } catch (error) {
      if (condition && isPreconditionFailure(error)) return undefined;
      throw this.failure(error, 'write', key);
    } finally {
      // A failed upload must not leave its parts billed and invisible.
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })).catch(() => undefined);
    }
  }

  async delete(key: string, ifMatch?: string): Promise<boolean> {
    // S3 answers a delete of a missing key with success: look first, to tell the caller.
    const found = await this.head(key);
    if (found === undefined || (ifMatch !== undefined && found.etag !== ifMatch)) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.full(key), ...(ifMatch !== undefined ? { IfMatch: ifMatch } : {}) }));
      return true;
    } catch (error) {
      if (isNotFound(error) || (ifMatch !== undefined && isPreconditionFailure(error))) return false;
      throw this.failure(error, 'delete', key);
    }
  }

  async *list(prefix: string, recursive: boolean): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.full(prefix), ...(recursive ? {} : { Delimiter: '/' }), ...(token ? { ContinuationToken: token } : {}) })
        );
      } catch (error) {
        throw this.failure(error, 'list', prefix);
      }
      for (const object of out.Contents ?? []) {
        if (!object.Key) continue;
        yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async topLevelNames(): Promise<string[]> {
    try {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: '/', MaxKeys: 100 }));
      const names = [...(out.Contents ?? []).map((c) => c.Key ?? ''), ...(out.CommonPrefixes ?? []).map((p) => (p.Prefix ?? '').replace(/\/$/, ''))];
      return names.map((name) => name.slice(this.prefix.length)).filter((name) => name !== '');
    } catch (error) {
      throw this.failure(error, 'list', '');
    }
  }

  async abortUnfinishedUploads(): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix, ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker } : {}) }));
      } catch (error) {
        throw this.failure(error, 'list', 'unfinished uploads');
      }
      for (const upload of out.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || Date.now() - (upload.Initiated?.getTime() ?? 0) < UNFINISHED_UPLOAD_AGE_MS) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId })).catch(() => undefined);
        aborted += 1;
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.NextUploadIdMarker;
    } while (keyMarker);
    return aborted;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private full(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** A service error as a StoreError that says what to do. */
  private failure(error: unknown, action: 'read' | 'write' | 'delete' | 'list', key: string): StoreError {
    if (error instanceof StoreError) return error;
    const where = key === '' ? this.location : this.describeKey(key);
    const name = error instanceof S3ServiceException ? error.name : (error as { name?: string }).name;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NoSuchBucket') {
      return new StoreError('location_unreachable', `The S3 bucket "${this.bucket}" does not exist (${this.location}). Create it, or correct the File Location.`, { cause: error });
    }
    if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'ExpiredToken' || status === 403) {
      return new StoreError('access_denied', `S3 refused to ${action} ${where} (${name ?? status}). Check the access key and that its policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on this bucket and prefix.`, { cause: error });
    }
    if (name === 'CredentialsProviderError' || /credential/i.test(describeError(error)) && status === undefined) {
      return new StoreError('access_denied', `No AWS credentials were found to ${action} ${where}: enter an access key for this location, or configure the standard AWS credential chain (environment, ~/.aws, instance role) for the account that runs OrgKeeper.`, { cause: error });
    }
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EAI_AGAIN' || name === 'TimeoutError') {
      return new StoreError('location_unreachable', `Cannot reach the S3 service for ${this.location} (${code ?? name}). Check the endpoint and the network.`, { cause: error });
    }
    return new StoreError('io_error', `S3 could not ${action} ${where}: ${name && name !== 'Error' ? `${name}: ` : ''}${describeError(error)}`, { cause: error });
  }
}

export function s3ClientConfig(location: S3Location): S3ClientConfig {
  const custom = location.endpoint !== undefined;
  return {
    region: location.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(custom ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.forcePathStyle ?? false,
    followRegionRedirects: true,
    maxAttempts: 5,
    // A backup asks whether many blobs exist at once (carried-over attachments, chunks): more sockets than the SDK's
    // 50, and requests queued behind them are normal here, not the leak its warning guards against.
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: 64 }, httpsAgent: { keepAlive: true, maxSockets: 64 }, socketAcquisitionWarningTimeout: 120_000 },
    ...(location.credentials ? { credentials: location.credentials } : {}),
    // Many S3-compatible services reject the SDK's newer default checksums (aws-chunked uploads with trailing CRCs).
    // The store checks every blob against its own name anyway.
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {})
  };
}

function conditionParams(condition: PutCondition | undefined): { IfNoneMatch?: string; IfMatch?: string } {
  if (condition === undefined) return {};
  return 'ifNoneMatch' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.ifMatch };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket');
}

/** 412 when a condition does not hold; 409 when a concurrent conditional write to the key is in progress. */
function isPreconditionFailure(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return statusOf(error) === 412 || name === 'PreconditionFailed' || statusOf(error) === 409 || name === 'ConditionalRequestConflict';
}
