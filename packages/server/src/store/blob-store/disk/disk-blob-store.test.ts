import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { DiskBlobStore } from './disk-blob-store.js';

async function makeStore() {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-blobs-'));
  const store = new DiskBlobStore({ blobsDir: join(dir, 'blobs'), tmpDir: join(dir, 'tmp') });
  return { dir, store };
}

describeBlobStoreContract('disk', async () => {
  const { dir, store } = await makeStore();
  return {
    store,
    damage: async (hash) => {
      const path = store.pathOf(hash);
      const bytes = await readFile(path);
      // Flip a byte in the middle of the deflate stream: gzip may or may not notice, the hash check must.
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      await writeFile(path, bytes);
    },
    cleanup: () => rm(dir, { recursive: true, force: true })
  };
});

describe('DiskBlobStore on disk', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes blobs/<2 hex>/<hash> as plain gzip of the content, and leaves tmp empty', async () => {
    const made = await makeStore();
    dir = made.dir;
    const content = Buffer.from('{"id":"abc"}');
    const { hash } = await made.store.put(content);
    const file = join(dir, 'blobs', hash.slice(0, 2), hash);
    expect(gunzipSync(await readFile(file))).toEqual(content);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves no temporary file behind when a streamed put fails', async () => {
    const made = await makeStore();
    dir = made.dir;
    async function* failing() {
      yield Buffer.alloc(100_000, 1);
      throw new Error('socket hang up');
    }
    await expect(made.store.putStream(failing())).rejects.toThrow('socket hang up');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('ignores stray files in the blob folders when listing', async () => {
    const made = await makeStore();
    dir = made.dir;
    const { hash } = await made.store.put(Buffer.from('x'));
    await writeFile(join(dir, 'blobs', hash.slice(0, 2), 'notes.txt'), 'hello');
    await writeFile(join(dir, 'blobs', 'README'), 'hello');
    const listed = [];
    for await (const blob of made.store.list()) listed.push(blob.hash);
    expect(listed).toEqual([hash]);
  });
});
