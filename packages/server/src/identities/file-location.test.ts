import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFileLocation, createFileLocation, locationsOverlap, planFileLocation, removeCreatedFolders } from './file-location.js';

describe('file locations', () => {
  it('overlap when equal or nested either way, not when siblings share a prefix', () => {
    expect(locationsOverlap('/srv/a', '/srv/a')).toBe(true);
    expect(locationsOverlap('/srv/a/b', '/srv/a')).toBe(true);
    expect(locationsOverlap('/srv/a', '/srv/a/b/c')).toBe(true);
    expect(locationsOverlap('/srv/ab', '/srv/a')).toBe(false);
    expect(locationsOverlap('/srv/a', '/srv/b')).toBe(false);
    expect(locationsOverlap('/srv/..a', '/srv')).toBe(true);
  });

  it('creates a missing folder, writes and deletes a probe, and answers its real path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-fl-'));
    try {
      const checked = await checkFileLocation(`${join(dir, 'x', 'y')}//`);
      expect(checked).toMatchObject({ ok: true, path: join(dir, 'x', 'y') });
      const again = await checkFileLocation(join(dir, 'x', 'y'));
      expect(again.ok).toBe(true);
      expect((await checkFileLocation('relative/path')).ok).toBe(false);
      expect((await checkFileLocation('')).ok).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('plans a missing folder without creating anything; creating it makes only the missing folders, which can be undone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-fl-'));
    try {
      const plan = await planFileLocation(join(dir, 'a', 'b'));
      expect(plan).toMatchObject({ ok: true, path: join(dir, 'a', 'b'), missing: [join(dir, 'a'), join(dir, 'a', 'b')] });
      expect(await readdir(dir)).toEqual([]);
      if (!plan.ok) throw new Error(plan.message);
      const made = await createFileLocation(plan);
      expect(made).toMatchObject({ ok: true, created: [join(dir, 'a'), join(dir, 'a', 'b')] });
      await removeCreatedFolders(made.ok ? made.created : []);
      expect(await readdir(dir)).toEqual([]);

      await writeFile(join(dir, 'file'), 'x');
      expect(await planFileLocation(join(dir, 'file', 'sub'))).toMatchObject({ ok: false, message: expect.stringMatching(/a part of .* is a file, not a folder/) });
      expect(await planFileLocation(join(dir, 'file'))).toMatchObject({ ok: false, message: expect.stringMatching(/is a file, not a folder/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
