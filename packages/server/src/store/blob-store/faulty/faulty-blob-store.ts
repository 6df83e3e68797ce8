import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { sha256Hex } from '../../hash.js';
import { StoreError } from '../../store-error.js';
import { type BlobInfo, type BlobStore, type PutOptions, type PutResult, type VerifyResult } from '../blob-store.js';

export type BlobStoreMethod = 'has' | 'put' | 'putStream' | 'get' | 'getStream' | 'size' | 'delete' | 'list' | 'verify' | 'sync';

/**
 * One injected fault (in the spirit of kopia's blobtesting/faulty.go and restic's errorBackend):
 * - `fail`: the call throws `error` (default: a StoreError `injected_fault`) instead of running.
 * - `lose` (put, putStream): the call reports success but nothing is stored, like a write lost by a broken disk.
 * - `corrupt` (put, putStream, get, getStream, verify): the blob is stored (or read) and from then on reads of it through
 *   this wrapper see a damaged blob, like bit rot: get/getStream fail with `blob_corrupt`, verify says corrupt.
 */
export interface FaultSpec {
  method: BlobStoreMethod;
  kind: 'fail' | 'lose' | 'corrupt';
  /** Let this many matching calls through before the fault applies (default 0). */
  after?: number;
  /** How many calls the fault applies to (default 1; Infinity for all). */
  times?: number;
  /** Only calls about this hash (methods that take one). */
  hash?: string;
  error?: Error;
}

interface ActiveFault extends Required<Omit<FaultSpec, 'hash' | 'error'>> {
  hash: string | undefined;
  error: Error | undefined;
  seen: number;
  applied: number;
}

/** A BlobStore wrapper that fails or corrupts chosen calls, and counts every call, for tests of code above the store. */
export class FaultyBlobStore implements BlobStore {
  readonly calls: Record<BlobStoreMethod, number> = {
    has: 0, put: 0, putStream: 0, get: 0, getStream: 0, size: 0, delete: 0, list: 0, verify: 0, sync: 0
  };
  private readonly faults: ActiveFault[] = [];
  private readonly corrupted = new Set<string>();

  constructor(readonly inner: BlobStore) {}

  inject(spec: FaultSpec): this {
    this.faults.push({ after: 0, times: 1, ...spec, hash: spec.hash, error: spec.error, seen: 0, applied: 0 });
    return this;
  }

  /** Make reads of one blob through this wrapper behave as if it were damaged. */
  corruptBlob(hash: string): void {
    this.corrupted.add(hash);
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.corrupted.clear();
  }

  async has(hash: string): Promise<boolean> {
    this.fault('has', hash);
    return this.inner.has(hash);
  }

  async put(bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.writing('put', () => this.inner.put(bytes, options), bytes);
  }

  async putStream(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<PutResult> {
    const fault = this.fault('putStream', undefined);
    if (fault === 'lose') {
      // Drain the source so the caller sees the same behaviour as a real write.
      const hasher = createHash('sha256');
      let size = 0;
      for await (const chunk of source) {
        hasher.update(chunk as Uint8Array);
        size += (chunk as Uint8Array).byteLength;
      }
      return { hash: hasher.digest('hex'), size, storedSize: 0, isNew: true };
    }
    const result = await this.inner.putStream(source, options);
    if (fault === 'corrupt') this.corrupted.add(result.hash);
    return result;
  }

  async get(hash: string): Promise<Buffer> {
    if (this.fault('get', hash) === 'corrupt') this.corrupted.add(hash);
    if (this.corrupted.has(hash) && (await this.inner.has(hash))) throw corruptError(hash);
    return this.inner.get(hash);
  }

  async getStream(hash: string): Promise<Readable> {
    if (this.fault('getStream', hash) === 'corrupt') this.corrupted.add(hash);
    const stream = await this.inner.getStream(hash);
    if (!this.corrupted.has(hash)) return stream;
    stream.destroy();
    return Readable.from(
      (async function* () {
        yield Buffer.alloc(0);
        throw corruptError(hash);
      })()
    );
  }

  async size(hash: string): Promise<number | undefined> {
    this.fault('size', hash);
    return this.inner.size(hash);
  }

  async delete(hash: string): Promise<number> {
    this.fault('delete', hash);
    return this.inner.delete(hash);
  }

  async *list(): AsyncIterable<BlobInfo> {
    this.fault('list', undefined);
    yield* this.inner.list();
  }

  async verify(hash: string): Promise<VerifyResult> {
    if (this.fault('verify', hash) === 'corrupt') this.corrupted.add(hash);
    const result = await this.inner.verify(hash);
    if (result.status === 'ok' && this.corrupted.has(hash)) return { hash, status: 'corrupt', detail: 'injected corruption' };
    return result;
  }

  async sync(): Promise<void> {
    this.fault('sync', undefined);
    return this.inner.sync();
  }

  private async writing(method: 'put', write: () => Promise<PutResult>, bytes: Uint8Array): Promise<PutResult> {
    const fault = this.fault(method, undefined);
    if (fault === 'lose') {
      return { hash: sha256Hex(bytes), size: bytes.byteLength, storedSize: 0, isNew: true };
    }
    const result = await write();
    if (fault === 'corrupt') this.corrupted.add(result.hash);
    return result;
  }

  /** Count the call; throw for `fail`; return the kind of a non-throwing fault that applies. */
  private fault(method: BlobStoreMethod, hash: string | undefined): 'lose' | 'corrupt' | undefined {
    this.calls[method] += 1;
    for (const fault of this.faults) {
      if (fault.method !== method) continue;
      if (fault.hash !== undefined && fault.hash !== hash) continue;
      fault.seen += 1;
      if (fault.seen <= fault.after || fault.applied >= fault.times) continue;
      fault.applied += 1;
      if (fault.kind === 'fail') {
        throw fault.error ?? new StoreError('injected_fault', `Injected fault: ${method}${hash ? ` ${hash}` : ''} failed (call ${fault.seen}).`);
      }
      return fault.kind;
    }
    return undefined;
  }
}

function corruptError(hash: string): StoreError {
  return new StoreError('blob_corrupt', `Blob ${hash} is corrupt (injected).`);
}
