import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterKey, MasterKeyError } from './master-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orgkeeper-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(process.platform !== 'win32')('loadMasterKey', () => {
  it('creates a 32-byte key file with mode 0600 on first run and reads the same key later', async () => {
    const first = await loadMasterKey({ dataDir: dir, secretKey: null });
    expect(first).toMatchObject({ source: 'file', created: true, file: join(dir, 'master.key') });
    expect(first.key).toHaveLength(32);
    expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);

    const again = await loadMasterKey({ dataDir: dir, secretKey: null });
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('creates the file with mode 0600 even under a permissive umask', async () => {
    const previous = process.umask(0o000);
    try {
      await loadMasterKey({ dataDir: dir, secretKey: null });
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
  });

  it('gives one key to processes starting at the same moment', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir: dir, secretKey: null })));
    expect(keys.filter((k) => k.created)).toHaveLength(1);
    for (const k of keys) expect(k.key.equals(keys[0]!.key)).toBe(true);
  });

  it.each([0o640, 0o604, 0o644])('refuses a key file with mode %s, saying how to fix it', async (mode) => {
    await loadMasterKey({ dataDir: dir, secretKey: null });
    const file = join(dir, 'master.key');
    await chmod(file, mode);
    await expect(loadMasterKey({ dataDir: dir, secretKey: null })).rejects.toThrow(MasterKeyError);
    await expect(loadMasterKey({ dataDir: dir, secretKey: null })).rejects.toThrow(`chmod 600 ${file}`);
  });

  it('refuses a damaged key file instead of replacing it', async () => {
    const file = join(dir, 'master.key');
    await writeFile(file, 'short\n', { mode: 0o600 });
    await expect(loadMasterKey({ dataDir: dir, secretKey: null })).rejects.toThrow(/does not hold a 32-byte key/);
    expect(await readFile(file, 'utf8')).toBe('short\n');
  });

  it('uses ORGKEEPER_SECRET_KEY instead of a file when set', async () => {
    const key = Buffer.alloc(32, 9);
    const loaded = await loadMasterKey({ dataDir: dir, secretKey: key });
    expect(loaded).toEqual({ key, source: 'environment', created: false });
    await expect(stat(join(dir, 'master.key'))).rejects.toThrow();
  });
});
