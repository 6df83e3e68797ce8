import type { BlobCodec } from '../../blob-store/blob-codec.js';
import type { BlobStore } from '../../blob-store/blob-store.js';
import { cleanSpool } from '../../blob-store/object-blob-store.js';
import { StoreError } from '../../store-error.js';
import { type LogAppender, type ObjectInfo, type StoreBackend, type StoredObject, assertKey } from '../store-backend.js';
import type { ObjectClient } from './object-client.js';

export interface ObjectBackendOptions {
  /** Local folder for streamed blobs larger than one part while they are named (default: the OS temporary folder). */
  spoolDir?: string;
  partSize?: number;
  concurrency?: number;
}

const SEGMENT = /\.(\d{8})$/;

/**
 * A store in a bucket or container prefix, over an `ObjectClient` (S3 or Azure Blob). Object storage has no rename and
 * no append, but every PUT is atomic (an object is complete or absent) and conditional PUTs are atomic
 * compare-and-swaps, which is all the store needs:
 * - `write`: a PUT. `create`: a PUT with `If-None-Match: *`. `replace`: a PUT with `If-Match: <etag>`.
 * - logs (the journal): the header is `<key>`, and each appended batch is one more object `<key>.<8-digit seq>`,
 *   created with `If-None-Match: *`; reading concatenates them in order. A batch is durable when its PUT returns.
 */
export abstract class ObjectStoreBackend implements StoreBackend {
  readonly kind: 's3' | 'azure';
  readonly location: string;

  constructor(
    readonly client: ObjectClient,
    protected readonly options: ObjectBackendOptions = {}
  ) {
    this.kind = client.kind;
    this.location = client.location;
  }

  abstract blobStore(codec: BlobCodec): BlobStore;

  describeKey(key: string): string {
    return this.client.describeKey(key);
  }

  async initialize(): Promise<void> {}

  topLevelEntries(): Promise<string[]> {
    return this.client.topLevelNames();
  }

  async read(key: string): Promise<StoredObject | undefined> {
    assertKey(key);
    return this.client.get(key);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertKey(key);
    const head = await this.client.head(key);
    return head && { key, size: head.size, modifiedAt: head.modifiedAt };
  }

  async write(key: string, bytes: Uint8Array): Promise<string> {
    assertKey(key);
    return (await this.client.put(key, bytes))!;
  }

  async create(key: string, bytes: Uint8Array): Promise<string | undefined> {
    assertKey(key);
    return this.client.put(key, bytes, { ifNoneMatch: '*' });
  }

  async replace(key: string, bytes: Uint8Array, etag: string): Promise<string | undefined> {
    assertKey(key);
    return this.client.put(key, bytes, { ifMatch: etag });
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<boolean> {
    assertKey(key);
    return this.client.delete(key, options.ifMatch);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix !== '' && !prefix.endsWith('/')) throw new StoreError('invalid_id', `A listing prefix ends with "/": ${JSON.stringify(prefix)}.`);
    for await (const object of this.client.list(prefix, false)) {
      if (!object.key.slice(prefix.length).includes('/')) yield object;
    }
  }

  async openLog(key: string, header: Uint8Array): Promise<{ log: LogAppender; existing: Buffer | undefined }> {
    assertKey(key);
    const segments = await this.segments(key);
    let existing: Buffer | undefined;
    if (segments.length === 0 || segments[0] !== key) {
      if ((await this.client.put(key, header, { ifNoneMatch: '*' })) === undefined) {
        throw new StoreError('io_error', `${this.describeKey(key)} was created by someone else while this run started it.`);
      }
    } else {
      existing = await this.concatenate(segments);
    }
    let next = segments.length === 0 ? 1 : Math.max(1, ...segments.map((s) => Number(SEGMENT.exec(s)?.[1] ?? 0) + 1));
    return {
      existing,
      log: {
        append: async (bytes) => {
          const segment = `${key}.${String(next).padStart(8, '0')}`;
          if ((await this.client.put(segment, bytes, { ifNoneMatch: '*' })) === undefined) {
            // Ours after all when a retried PUT found its first attempt done.
            const found = await this.client.get(segment);
            if (!found?.bytes.equals(Buffer.from(bytes))) throw new StoreError('io_error', `${this.describeKey(segment)} exists already: another process is writing this journal.`);
          }
          next += 1;
        },
        close: async () => undefined
      }
    };
  }

  async readLog(key: string): Promise<{ bytes: Buffer; modifiedAt: Date } | undefined> {
    assertKey(key);
    const segments = await this.segments(key);
    if (segments[0] !== key) return undefined;
    let modifiedAt = new Date(0);
    const parts: Buffer[] = [];
    for (const segment of segments) {
      const found = await this.client.get(segment);
      if (found === undefined) continue; // deleted while reading (discarded)
      parts.push(found.bytes);
      if (found.modifiedAt > modifiedAt) modifiedAt = found.modifiedAt;
    }
    return { bytes: Buffer.concat(parts), modifiedAt };
  }

  async deleteLog(key: string): Promise<void> {
    assertKey(key);
    // Batches first, the header last: a log that loses its header midway is no longer listed or read.
    const segments = await this.segments(key);
    for (const segment of segments.slice(1).reverse()) await this.client.delete(segment);
    if (segments[0] === key) await this.client.delete(key);
  }

  async *listLogs(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const object of this.list(prefix)) if (!SEGMENT.test(object.key)) yield object;
  }

  async cleanTemporary(): Promise<number> {
    return (await this.client.abortUnfinishedUploads()) + (await cleanSpool(this.options.spoolDir));
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** The log's objects in order: the header `<key>` first (when it exists), then its batches. */
  private async segments(key: string): Promise<string[]> {
    const found: string[] = [];
    for await (const object of this.client.list(key, false)) {
      if (object.key === key || (object.key.startsWith(`${key}.`) && SEGMENT.test(object.key) && object.key.length === key.length + 9)) found.push(object.key);
    }
    return found.sort();
  }

  private async concatenate(keys: string[]): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const key of keys) {
      const found = await this.client.get(key);
      if (found) parts.push(found.bytes);
    }
    return Buffer.concat(parts);
  }
}
