import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFileLocation, locationsOverlap } from './file-location.js';

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
});
