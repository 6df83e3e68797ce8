import type { BlobCodec } from '../../blob-store/blob-codec.js';
import type { BlobStore } from '../../blob-store/blob-store.js';
import { StoreError } from '../../store-error.js';
import type { LogAppender, ObjectInfo, StoreBackend, StoredObject } from '../store-backend.js';

export type StoreBackendMethod = 'read' | 'stat' | 'write' | 'create' | 'replace' | 'delete' | 'list' | 'append' | 'readLog';

/**
 * One injected fault, for what the emulators cannot show (README.md in store/, "Emulator gaps"):
 * - `fail`: the call throws (a network error, a 503 the SDK gave up retrying) and does nothing.
 * - `lose-answer` (write, create, replace, delete, append): the call takes effect, then throws, like a request whose
 *   response was lost; a retry then finds its own write done (a conditional one sees its precondition fail).
 * - `ignore-conditions` (create, replace, delete): the condition is ignored and the call always succeeds, like an
 *   S3-compatible service without conditional writes.
 */
export interface BackendFault {
  method: StoreBackendMethod;
  kind: 'fail' | 'lose-answer' | 'ignore-conditions';
  /** Only calls about keys starting with this. */
  keyPrefix?: string;
  /** Let this many matching calls through first (default 0). */
  after?: number;
  /** How many calls the fault applies to (default 1; Infinity for all). */
  times?: number;
}

interface Active extends Required<Omit<BackendFault, 'keyPrefix'>> {
  keyPrefix: string;
  seen: number;
  applied: number;
}

/** A StoreBackend wrapper that fails chosen calls, or answers them as a flawed service would, and counts them. */
export class FaultyStoreBackend implements StoreBackend {
  readonly calls: Record<StoreBackendMethod, number> = { read: 0, stat: 0, write: 0, create: 0, replace: 0, delete: 0, list: 0, append: 0, readLog: 0 };
  private readonly faults: Active[] = [];

  constructor(readonly inner: StoreBackend) {}

  get kind() {
    return this.inner.kind;
  }

  get location() {
    return this.inner.location;
  }

  inject(fault: BackendFault): this {
    this.faults.push({ after: 0, times: 1, ...fault, keyPrefix: fault.keyPrefix ?? '', seen: 0, applied: 0 });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  describeKey(key: string): string {
    return this.inner.describeKey(key);
  }

  initialize(): Promise<void> {
    return this.inner.initialize();
  }

  topLevelEntries(): Promise<string[]> {
    return this.inner.topLevelEntries();
  }

  async read(key: string): Promise<StoredObject | undefined> {
    this.fault('read', key);
    return this.inner.read(key);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.fault('stat', key);
    return this.inner.stat(key);
  }

  async write(key: string, bytes: Uint8Array): Promise<string> {
    const fault = this.fault('write', key);
    const etag = await this.inner.write(key, bytes);
    if (fault === 'lose-answer') throw lostAnswer('write', key);
    return etag;
  }

  async create(key: string, bytes: Uint8Array): Promise<string | undefined> {
    const fault = this.fault('create', key);
    const etag = fault === 'ignore-conditions' ? await this.inner.write(key, bytes) : await this.inner.create(key, bytes);
    if (fault === 'lose-answer') throw lostAnswer('create', key);
    return etag;
  }

  async replace(key: string, bytes: Uint8Array, etag: string): Promise<string | undefined> {
    const fault = this.fault('replace', key);
    const result = fault === 'ignore-conditions' ? await this.inner.write(key, bytes) : await this.inner.replace(key, bytes, etag);
    if (fault === 'lose-answer') throw lostAnswer('replace', key);
    return result;
  }

  async delete(key: string, options?: { ifMatch?: string }): Promise<boolean> {
    const fault = this.fault('delete', key);
    const result = await this.inner.delete(key, fault === 'ignore-conditions' ? {} : options);
    if (fault === 'lose-answer') throw lostAnswer('delete', key);
    return result;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.fault('list', prefix);
    yield* this.inner.list(prefix);
  }

  async openLog(key: string, header: Uint8Array): Promise<{ log: LogAppender; existing: Buffer | undefined }> {
    const opened = await this.inner.openLog(key, header);
    return {
      existing: opened.existing,
      log: {
        append: async (bytes) => {
          const fault = this.fault('append', key);
          await opened.log.append(bytes);
          if (fault === 'lose-answer') throw lostAnswer('append', key);
        },
        close: () => opened.log.close()
      }
    };
  }

  async readLog(key: string): Promise<{ bytes: Buffer; modifiedAt: Date } | undefined> {
    this.fault('readLog', key);
    return this.inner.readLog(key);
  }

  deleteLog(key: string): Promise<void> {
    return this.inner.deleteLog(key);
  }

  listLogs(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.listLogs(prefix);
  }

  blobStore(codec: BlobCodec): BlobStore {
    return this.inner.blobStore(codec);
  }

  cleanTemporary(): Promise<number> {
    return this.inner.cleanTemporary();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Count the call; throw for `fail`; return the kind of another fault that applies. */
  private fault(method: StoreBackendMethod, key: string): 'lose-answer' | 'ignore-conditions' | undefined {
    this.calls[method] += 1;
    for (const fault of this.faults) {
      if (fault.method !== method || !key.startsWith(fault.keyPrefix)) continue;
      fault.seen += 1;
      if (fault.seen <= fault.after || fault.applied >= fault.times) continue;
      fault.applied += 1;
      if (fault.kind === 'fail') throw new StoreError('injected_fault', `Injected fault: ${method} ${key} failed (call ${fault.seen}).`);
      return fault.kind;
    }
    return undefined;
  }
}

function lostAnswer(method: string, key: string): StoreError {
  return new StoreError('injected_fault', `Injected fault: the answer to ${method} ${key} was lost (the ${method} took effect).`);
}
