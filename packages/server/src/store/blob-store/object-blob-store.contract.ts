// Large blobs on object storage (S3, Azure): uploaded in parts, streamed both ways, memory bounded. Each object blob
// store's test file calls `describeLargeBlobUploads`. Memory is measured as the bytes the store holds (in-memory
// head of a stream, parts in flight), counted by the store itself, never by time.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ObjectBlobStore } from './object-blob-store.js';

const MiB = 1024 * 1024;

/** `total` incompressible bytes (an AES-CTR keystream), produced lazily in 256 KiB pieces, the same for a seed. */
function* keystream(total: number, seed = 1): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, seed), Buffer.alloc(16));
  const zeros = Buffer.alloc(256 * 1024);
  for (let sent = 0; sent < total; sent += zeros.length) yield cipher.update(zeros.subarray(0, Math.min(zeros.length, total - sent)));
}

function sha256Of(total: number, seed = 1): string {
  const hasher = createHash('sha256');
  for (const piece of keystream(total, seed)) hasher.update(piece);
  return hasher.digest('hex');
}

export function describeLargeBlobUploads(
  name: string,
  create: (options: { partSize: number; concurrency: number; spoolDir: string }) => Promise<{ store: ObjectBlobStore; cleanup(): Promise<void> }>
): void {
  describe(`large blobs on ${name}`, () => {
    const partSize = 5 * MiB;
    const concurrency = 2;

    async function withStore(test: (store: ObjectBlobStore, spoolDir: string) => Promise<void>) {
      const spoolDir = await mkdtemp(join(tmpdir(), 'orgkeeper-spool-test-'));
      const { store, cleanup } = await create({ partSize, concurrency, spoolDir });
      try {
        await test(store, spoolDir);
      } finally {
        await cleanup();
        await rm(spoolDir, { recursive: true, force: true });
      }
    }

    it('uploads a 40 MiB stream in parts holding at most the parts in flight, and streams it back', async () => {
      await withStore(async (store, spoolDir) => {
        const total = 40 * MiB + 123;
        const put = await store.putStream(Readable.from(keystream(total)), { level: 0 });
        expect(put).toMatchObject({ hash: sha256Of(total), size: total, isNew: true });
        expect(store.stats.spooled).toBe(1);
        expect(store.stats.partUploads).toBeGreaterThanOrEqual(8);
        // One part filling in memory (plus the stream chunk that overflowed it) or `concurrency` parts in flight.
        expect(store.stats.maxBufferedBytes).toBeLessThanOrEqual(concurrency * partSize + 256 * 1024);
        expect(store.stats.maxBufferedBytes).toBeGreaterThanOrEqual(partSize);
        expect(store.stats.bufferedBytes).toBe(0);
        expect(await readdir(spoolDir)).toEqual([]);
        const hasher = createHash('sha256');
        let read = 0;
        for await (const chunk of await store.getStream(put.hash)) {
          hasher.update(chunk as Buffer);
          read += (chunk as Buffer).length;
        }
        expect(read).toBe(total);
        expect(hasher.digest('hex')).toBe(put.hash);
        expect(await store.verify(put.hash)).toMatchObject({ status: 'ok', size: total });
      });
    });

    it('uploads a large buffer in parts', async () => {
      await withStore(async (store) => {
        const bytes = Buffer.concat([...keystream(12 * MiB, 2)]);
        const before = store.stats.partUploads;
        const put = await store.put(bytes, { level: 0 });
        expect(store.stats.partUploads - before).toBeGreaterThanOrEqual(3);
        expect((await store.get(put.hash)).equals(bytes)).toBe(true);
      });
    });

    it('stores large content once when two writers put it at the same time, and the blob is whole', async () => {
      await withStore(async (store) => {
        const total = 12 * MiB;
        const results = await Promise.all([store.putStream(Readable.from(keystream(total, 3))), store.putStream(Readable.from(keystream(total, 3)))]);
        expect(results.map((r) => r.hash)).toEqual([sha256Of(total, 3), sha256Of(total, 3)]);
        expect(results.filter((r) => r.isNew).length).toBeGreaterThanOrEqual(1);
        expect(await store.verify(results[0]!.hash)).toMatchObject({ status: 'ok', size: total });
        const listed = [];
        for await (const blob of store.list()) listed.push(blob.hash);
        expect(listed).toEqual([results[0]!.hash]);
      });
    });

    it('stores nothing and leaves no temporary file when a large stream fails midway', async () => {
      await withStore(async (store, spoolDir) => {
        async function* failing() {
          yield* keystream(11 * MiB, 4);
          throw new Error('connection reset by the portal');
        }
        await expect(store.putStream(failing(), { level: 0 })).rejects.toThrow('connection reset by the portal');
        expect(await readdir(spoolDir)).toEqual([]);
        const listed = [];
        for await (const blob of store.list()) listed.push(blob.hash);
        expect(listed).toEqual([]);
        expect(store.stats.bufferedBytes).toBe(0);
      });
    });
  });
}
