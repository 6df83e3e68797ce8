// The one test suite every BlobStore implementation passes (disk, memory, and S3 when it comes): each implementation's
// test file calls `describeBlobStoreContract` with a factory. Kept out of `*.test.ts` so vitest does not run it alone.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../store-error.js';
import { type BlobCodec, PLAIN_CODEC } from './blob-codec.js';
import type { BlobStore } from './blob-store.js';

export interface BlobStoreHarness {
  store: BlobStore;
  /** How the store names blobs (default: SHA-256 of the content). */
  codec?: BlobCodec;
  /** Damage the stored form of a blob (flip bytes), as bit rot or a bad disk would. */
  damage(hash: string): Promise<void>;
  cleanup(): Promise<void>;
}


async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(store: BlobStore): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const blob of store.list()) found.set(blob.hash, blob.storedSize);
  return found;
}

/** Yields `total` pseudo-random but compressible bytes in `chunk`-sized pieces without holding them all. */
async function* generated(total: number, chunk = 64 * 1024, seed = 1): AsyncGenerator<Buffer> {
  let state = seed;
  for (let sent = 0; sent < total; sent += chunk) {
    const piece = Buffer.alloc(Math.min(chunk, total - sent));
    for (let i = 0; i < piece.length; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      piece[i] = 97 + (state % 16);
    }
    yield piece;
  }
}

export function describeBlobStoreContract(name: string, create: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    let sha: (bytes: Uint8Array) => string;
    let codec: BlobCodec;
    beforeEach(async () => {
      harness = await create();
      store = harness.store;
      codec = harness.codec ?? PLAIN_CODEC;
      sha = (bytes) => codec.nameOf(bytes);
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('stores bytes under the SHA-256 of the uncompressed content and gives them back', async () => {
      const bytes = Buffer.from('{"title":"Parcels"}');
      const result = await store.put(bytes);
      expect(result).toMatchObject({ hash: sha(bytes), size: bytes.length, isNew: true });
      expect(result.storedSize).toBeGreaterThan(0);
      expect(await store.has(result.hash)).toBe(true);
      expect(await store.get(result.hash)).toEqual(bytes);
      expect(await collect(await store.getStream(result.hash))).toEqual(bytes);
      expect(await store.size(result.hash)).toBe(result.storedSize);
    });

    it('stores each content once: a second put is not new and adds no bytes', async () => {
      const bytes = randomBytes(10_000);
      const first = await store.put(bytes);
      const again = await store.put(Buffer.from(bytes));
      const streamed = await store.putStream(Readable.from([bytes.subarray(0, 3000), bytes.subarray(3000)]));
      expect(again).toEqual({ hash: first.hash, size: bytes.length, storedSize: 0, isNew: false });
      expect(streamed).toEqual({ hash: first.hash, size: bytes.length, storedSize: 0, isNew: false });
      expect([...(await listAll(store)).keys()]).toEqual([first.hash]);
    });

    it('keeps the hash independent of the compression level, and rejects a level outside 0 to 9', async () => {
      const bytes = Buffer.from('x'.repeat(5000));
      const fast = await store.put(bytes, { level: 1 });
      expect(fast.hash).toBe(sha(bytes));
      expect((await store.put(bytes, { level: 9 })).isNew).toBe(false);
      const stored = await store.putStream(Readable.from([Buffer.from('y'.repeat(5000))]), { level: 0 });
      expect(stored.storedSize).toBeGreaterThan(5000); // level 0 stores
      expect((await store.get(stored.hash)).toString()).toBe('y'.repeat(5000));
      await expect(store.put(bytes, { level: -1 })).rejects.toThrow(/level/);
      await expect(store.put(bytes, { level: 10 })).rejects.toThrow(/level/);
    });

    it('stores incompressible content without deflating it, and compressible content compressed', async () => {
      const random = randomBytes(200_000);
      const photo = await store.put(random);
      expect(photo.storedSize).toBeGreaterThan(random.length);
      expect(photo.storedSize).toBeLessThan(random.length * 1.01);
      expect(await store.get(photo.hash)).toEqual(random);
      const text = await store.put(Buffer.from('{"a":1}'.repeat(30_000)));
      expect(text.storedSize).toBeLessThan(5_000);
    });

    it('accepts the empty blob', async () => {
      const result = await store.put(new Uint8Array(0));
      expect(result.hash).toBe(sha(new Uint8Array(0)));
      expect((await store.get(result.hash)).length).toBe(0);
      expect((await store.verify(result.hash)).status).toBe('ok');
    });

    it('is safe when the same content is put many times at once', async () => {
      const bytes = randomBytes(200_000);
      const results = await Promise.all([
        ...Array.from({ length: 8 }, () => store.put(bytes)),
        ...Array.from({ length: 4 }, () => store.putStream(Readable.from([bytes])))
      ]);
      expect(new Set(results.map((r) => r.hash))).toEqual(new Set([sha(bytes)]));
      expect(results.some((r) => r.isNew)).toBe(true);
      expect((await listAll(store)).size).toBe(1);
      expect(await store.get(sha(bytes))).toEqual(bytes);
    });

    it('stores many different blobs concurrently and lists every one', async () => {
      const contents = Array.from({ length: 40 }, (_, i) => Buffer.from(`blob ${i} ${'y'.repeat(i * 100)}`));
      const results = await Promise.all(contents.map((c) => store.put(c)));
      const listed = await listAll(store);
      expect(listed.size).toBe(40);
      for (const r of results) expect(listed.get(r.hash)).toBe(r.storedSize);
    });

    it('streams a large blob in and out with the right hash', async () => {
      const total = 3 * 1024 * 1024 + 17;
      const namer = codec.newNamer();
      for await (const piece of generated(total)) namer.update(piece);
      const result = await store.putStream(generated(total), { level: 1 });
      expect(result).toMatchObject({ hash: namer.digest(), size: total, isNew: true });
      expect(result.storedSize).toBeLessThan(total); // compressible content is compressed
      let read = 0;
      const check = codec.newNamer();
      for await (const chunk of await store.getStream(result.hash)) {
        read += (chunk as Buffer).length;
        check.update(chunk as Buffer);
      }
      expect(read).toBe(total);
      expect(check.digest()).toBe(result.hash);
    });

    it('stores nothing when the source stream fails halfway', async () => {
      async function* failing() {
        yield Buffer.from('first part');
        throw new Error('connection reset');
      }
      await expect(store.putStream(failing())).rejects.toThrow('connection reset');
      expect((await listAll(store)).size).toBe(0);
    });

    it('answers absent blobs clearly', async () => {
      const hash = sha(Buffer.from('never stored'));
      expect(await store.has(hash)).toBe(false);
      expect(await store.size(hash)).toBeUndefined();
      await expect(store.get(hash)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_not_found'));
      await expect(store.getStream(hash)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_not_found'));
      expect(await store.verify(hash)).toEqual({ hash, status: 'missing' });
      expect(await store.delete(hash)).toBe(0);
    });

    it('rejects anything that is not a hash before it names a file', async () => {
      for (const bad of ['../../store.json', 'ABCDEF', '', 'a'.repeat(63), `${'a'.repeat(63)}/`, 'g'.repeat(64)]) {
        for (const call of [() => store.has(bad), () => store.get(bad), () => store.getStream(bad), () => store.delete(bad), () => store.size(bad), () => store.verify(bad)]) {
          await expect(call()).rejects.toSatisfy((e: unknown) => isStoreError(e, 'invalid_id'));
        }
      }
    });

    it('deletes idempotently and reports the bytes freed', async () => {
      const a = await store.put(Buffer.from('a'.repeat(1000)));
      const b = await store.put(Buffer.from('b'.repeat(1000)));
      expect(await store.delete(a.hash)).toBe(a.storedSize);
      expect(await store.delete(a.hash)).toBe(0);
      expect(await store.has(a.hash)).toBe(false);
      expect([...(await listAll(store)).keys()]).toEqual([b.hash]);
    });

    it('detects a damaged blob on get, getStream and verify', async () => {
      const bytes = Buffer.from('important layer definition '.repeat(100));
      const { hash } = await store.put(bytes);
      expect(await store.verify(hash)).toMatchObject({ hash, status: 'ok', size: bytes.length });
      await harness.damage(hash);
      await expect(store.get(hash)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_corrupt'));
      await expect(collect(await store.getStream(hash))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'blob_corrupt'));
      expect(await store.verify(hash)).toMatchObject({ hash, status: 'corrupt' });
      // Re-putting the content repairs nothing silently: the name exists, so put reports it as stored. (check finds it.)
      expect(await store.has(hash)).toBe(true);
    });

    it('syncs without error, also with nothing to sync', async () => {
      await store.sync();
      await store.put(Buffer.from('durable'));
      await store.sync();
    });

    it('round-trips any bytes (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 9 }), async (bytes, level) => {
          const put = await store.put(bytes, { level });
          expect(put.hash).toBe(sha(bytes));
          expect(new Uint8Array(await store.get(put.hash))).toEqual(bytes);
          const streamed = await store.putStream(Readable.from([Buffer.from(bytes)]));
          expect(streamed.hash).toBe(put.hash);
          expect(new Uint8Array(await collect(await store.getStream(put.hash)))).toEqual(bytes);
        }),
        { numRuns: 60 }
      );
    });
  });
}
