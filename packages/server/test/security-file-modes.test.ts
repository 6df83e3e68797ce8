/**
 * Issue 11, part 5: files OrgKeeper writes are private. Under a permissive umask (0022 and 0000) a backup to a fresh
 * store leaves every store file 0600 and every folder 0700; the database (with its -wal and -shm files) and the master
 * key are 0600 even in a data directory that someone else created open; `check` warns about a store that group or
 * others can read, and the next backup closes a store root this account owns.
 */
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { runCli } from './support/cli-runner.js';
import { tempFolder } from './support/emulator-harness.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture } from './support/org-fixture.js';

const modeOf = async (path: string) => (await lstat(path)).mode & 0o777;

/** Every file and folder under `root` (the root included) with its mode, as `path: 0NNN`. */
async function modes(root: string): Promise<{ files: Record<string, string>; folders: Record<string, string> }> {
  const files: Record<string, string> = {};
  const folders: Record<string, string> = { '.': (await modeOf(root)).toString(8) };
  const walk = async (dir: string, rel: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      const mode = (await modeOf(path)).toString(8);
      if (entry.isDirectory()) {
        folders[name] = mode;
        await walk(path, name);
      } else files[name] = mode;
    }
  };
  await walk(root, '');
  return { files, folders };
}

const every = (record: Record<string, string>, mode: string) => Object.fromEntries(Object.keys(record).map((k) => [k, mode]));

describe('files OrgKeeper writes are private (issue 11, part 5)', () => {
  let fixture: DataDirFixture;
  const savedUmask = process.umask();

  beforeAll(async () => {
    fixture = await startDataDirFixture();
  }, 60_000);
  afterEach(() => {
    process.umask(savedUmask);
  });
  afterAll(() => fixture?.close());

  for (const umask of [0o022, 0o000]) {
    it(`a backup to a fresh store under umask ${umask.toString(8).padStart(4, '0')} writes 0600 files and 0700 folders, the database and key included`, async () => {
      process.umask(umask);
      // A data directory someone else created, open to everyone.
      const dataDir = join(fixture.backups.path, `data-${umask.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, 0o777);
      const storeDir = join(fixture.backups.path, `store-${umask.toString(8)}`, 'springfield');
      await addIdentityWithCli(fixture.emu, dataDir, { name: 'Springfield', fileLocation: storeDir });
      const backup = await runCli(['backup', '--identity', 'Springfield', '--json'], { dataDir });
      expect(backup.code, backup.stderr).toBe(0);

      const store = await modes(storeDir);
      expect(Object.keys(store.files)).toContain('store.json');
      expect(Object.keys(store.files).some((f) => f.startsWith('blobs/'))).toBe(true);
      expect(Object.keys(store.files).some((f) => f.startsWith('snapshots/'))).toBe(true);
      expect(store.files).toEqual(every(store.files, '600'));
      expect(store.folders).toEqual(every(store.folders, '700'));

      const data = await modes(dataDir);
      expect(Object.keys(data.files)).toEqual(expect.arrayContaining(['orgkeeper.db', 'master.key']));
      expect(data.files).toEqual(every(data.files, '600'));
      // The data directory itself is left as its creator made it (it may be shared); what OrgKeeper writes in it is not.
      expect(data.folders['.']).toBe('777');
    });
  }

  it('keeps the database, its -wal and -shm files 0600, and makes a database an older version left 0644 private', async () => {
    process.umask(0o000);
    const dir = await tempFolder('orgkeeper-db-modes-');
    try {
      await chmod(dir.path, 0o755);
      const file = join(dir.path, 'orgkeeper.db');
      const db = openDatabase(file);
      try {
        await migrateToLatest(db);
        for (const name of ['orgkeeper.db', 'orgkeeper.db-wal', 'orgkeeper.db-shm']) expect((await modeOf(join(dir.path, name))).toString(8), name).toBe('600');
      } finally {
        await db.destroy();
      }
      const old = join(dir.path, 'old.db');
      await writeFile(old, '', { mode: 0o644 });
      await writeFile(`${old}-wal`, '', { mode: 0o644 });
      const reopened = openDatabase(old);
      try {
        await migrateToLatest(reopened);
        for (const path of [old, `${old}-wal`, `${old}-shm`]) expect((await modeOf(path)).toString(8), path).toBe('600');
      } finally {
        await reopened.destroy();
      }
    } finally {
      await dir.remove();
    }
  });

  it('check warns about a store that group or others can read; the next backup makes the root private again', async () => {
    const dataDir = join(fixture.backups.path, 'data-check');
    const storeDir = join(fixture.backups.path, 'store-check', 'springfield');
    await addIdentityWithCli(fixture.emu, dataDir, { name: 'Springfield', fileLocation: storeDir });
    expect((await runCli(['backup', '--identity', 'Springfield', '--json'], { dataDir })).code).toBe(0);

    const clean = await runCli(['check', '--identity', 'Springfield', '--json'], { dataDir });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, warnings: [] });

    await chmod(storeDir, 0o750);
    await chmod(join(storeDir, 'blobs'), 0o755);
    await chmod(join(storeDir, 'store.json'), 0o644);
    const json = JSON.parse((await runCli(['check', '--identity', 'Springfield', '--json'], { dataDir })).stdout) as { ok: boolean; warnings: string[] };
    // The snapshots are whole (ok); the permissions are a warning, one per path.
    expect(json.ok).toBe(true);
    expect(json.warnings).toEqual([
      expect.stringMatching(new RegExp(`^The store folder ${storeDir} is readable by group, enterable by group \\(mode 750\\): other accounts .*chmod 700 ${storeDir}`)),
      expect.stringMatching(/^The store's store.json .* is readable by group and others \(mode 644\).*chmod 600/),
      expect.stringMatching(/^The store's blobs folder .* is readable by group and others, enterable by group and others \(mode 755\)/)
    ]);
    const text = await runCli(['check', '--identity', 'Springfield'], { dataDir });
    expect(text.stdout).toMatch(/^No problems: .*\nWarning: The store folder .* is readable by group/);

    // The next backup closes the root (this account owns it), which keeps others out of everything inside.
    expect((await runCli(['backup', '--identity', 'Springfield', '--json'], { dataDir })).code).toBe(0);
    expect((await modeOf(storeDir)).toString(8)).toBe('700');
  });
});
