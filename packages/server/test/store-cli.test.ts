/**
 * `orgkeeper store copy` and `orgkeeper store key`: an identity's store copied to S3 (encrypted, with a passphrase)
 * and to an encrypted folder, each verified; the keys of an encrypted store listed, added and removed, never the last.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Store, initStore, openStore } from '../src/store/index.js';
import { type S3TestServer, startS3Server } from '../src/store/testing/object-servers.js';
import { buildSnapshot } from '../src/store/testing/fixtures.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

const PASSPHRASE = 'a long passphrase kept in the safe';

describe('orgkeeper store copy and store key', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let s3: S3TestServer;
  let store: Store;
  let ids: string[];
  const saved: Record<string, string | undefined> = {};
  const run = (args: string[], stdin?: string) => runCli(args, { dataDir: data.path, ...(stdin !== undefined ? { stdin } : {}) });

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data, backups } = fixture);
    s3 = await startS3Server();
    // The CLI finds S3 credentials where the AWS SDK looks: the standard environment variables.
    for (const [name, value] of Object.entries(s3.env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const location = join(backups.path, 'shelbyville');
    await addIdentityWithCli(emu, data.path, { name: 'Shelbyville', fileLocation: location });
    store = await initStore(location, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Shelbyville' });
    ids = [];
    for (let day = 1; day <= 2; day++) {
      const manifest = await buildSnapshot(store, [{ id: `item${day}`, title: `Day ${day}`, data: `content of day ${day}` }], { name: `Day ${day}`, at: new Date(`2026-05-0${day}T12:00:00Z`) });
      await store.writeSnapshot(manifest);
      ids.push(manifest.id);
    }
  }, 60_000);

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await s3?.stop();
    await fixture?.close();
  });

  it('copies the store to S3, encrypted with a passphrase, verified; the copy opens with the passphrase alone', async () => {
    const target = s3.location('cli-copy');
    const url = `s3://${target.bucket}/${target.prefix}?endpoint=${encodeURIComponent(target.endpoint!)}&region=us-east-1&path-style=true`;
    const copied = await run(['store', 'copy', '--identity', 'Shelbyville', '--to', url, '--encrypt', '--passphrase-stdin', '--json'], `${PASSPHRASE}\n`);
    expect(copied.code, copied.stderr).toBe(0);
    const result = JSON.parse(copied.stdout) as { encrypted: boolean; snapshots: { id: string; status: string }[]; verification: { ok: boolean; blobsRead: number } };
    expect(result.encrypted).toBe(true);
    expect(result.snapshots.map((s) => [s.id, s.status])).toEqual(ids.map((id) => [id, 'copied']));
    expect(result.verification.ok).toBe(true);
    expect(result.verification.blobsRead).toBeGreaterThan(0);

    const copy = await openStore(url, { keys: { passphrase: PASSPHRASE } });
    expect((await copy.listSnapshots()).snapshots.map((s) => s.id)).toEqual(ids);
    await copy.close();

    const again = await run(['store', 'copy', '--identity', 'Shelbyville', '--to', url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 snapshots copied, 2 already there.*verified/);
  }, 60_000);

  it('manages the keys of an encrypted store, and explains a plain store has none', async () => {
    const plain = await run(['store', 'key', 'list', '--identity', 'Shelbyville']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/is not encrypted, so it has no keys/);

    const folder = join(backups.path, 'shelbyville-encrypted');
    const copied = await run(['store', 'copy', '--identity', 'Shelbyville', '--to', folder, '--encrypt']);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/Only this OrgKeeper server's key opens the copy: add a passphrase/);
    await addIdentityWithCli(emu, data.path, { name: 'Shelbyville copy', fileLocation: folder });

    const listed = JSON.parse((await run(['store', 'key', 'list', '--identity', 'Shelbyville copy', '--json'])).stdout) as { keys: { id: string; kind: string; current: boolean }[] };
    expect(listed.keys).toEqual([expect.objectContaining({ kind: 'server', current: true })]);
    const serverKey = listed.keys[0]!.id;

    const added = await run(['store', 'key', 'add', '--identity', 'Shelbyville copy', '--passphrase-stdin', '--label', 'records office safe', '--json'], `${PASSPHRASE}\n`);
    expect(added.code, added.stderr).toBe(0);
    const passphraseKey = (JSON.parse(added.stdout) as { added: { id: string } }).added.id;
    expect((await run(['store', 'key', 'list', '--identity', 'Shelbyville copy'])).stdout).toMatch(/passphrase +records office safe/);

    const removed = await run(['store', 'key', 'remove', '--identity', 'Shelbyville copy', serverKey]);
    expect(removed.code, removed.stderr).toBe(0);
    // Without the server key, this server can no longer open it; the passphrase still does.
    const locked = await run(['store', 'key', 'list', '--identity', 'Shelbyville copy']);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/is encrypted and this OrgKeeper server's key does not open it\. Give its passphrase/);
    const opened = await openStore(folder, { keys: { passphrase: PASSPHRASE } });
    expect((await opened.listSnapshots()).snapshots).toHaveLength(2);
    await opened.close();

    const usage = await run(['store', 'key', 'add', '--identity', 'Shelbyville copy']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/exactly one of --passphrase-stdin/);
    expect(passphraseKey).toMatch(/^[0-9a-f]{16}$/);
  }, 60_000);

  it('refuses what makes no sense, with usage errors', async () => {
    expect((await run(['store', 'copy', '--identity', 'Shelbyville'])).stderr).toMatch(/--to is required/);
    expect((await run(['store', 'copy', '--identity', 'Shelbyville', '--to', 's3://Bad_Bucket/x'])).stderr).toMatch(/not a valid S3 bucket name/);
    expect((await run(['store', 'copy', '--identity', 'Shelbyville', '--to', join(backups.path, 'x'), '--passphrase-stdin'])).stderr).toMatch(/goes with --encrypt/);
    expect((await run(['store', 'key', 'rotate'])).stderr).toMatch(/it has: list, add, remove/);
  });
});
