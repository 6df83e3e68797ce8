/**
 * Backups on object storage, end to end through the CLI, as an administrator would run them: an identity whose File
 * Location is an S3 prefix (plain) or an Azure container prefix (encrypted, with a passphrase), then a full backup, an
 * unchanged rerun that stores nothing new, check --read-data, forget and prune, a restore from the store, a backup
 * killed with SIGKILL and run again, and the store moved to the other service with `store copy` and the identity
 * pointed at the copy. The same steps on a folder are the other backup tests' subject.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoreLocation, check, formatStoreLocation, listJournals, openStore } from '../src/store/index.js';
import { AZURITE_KEY, type AzureTestServer, type S3TestServer, startAzurite, startS3Server } from '../src/store/testing/object-servers.js';
import type { BackupChildSettings } from './support/backup-child.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

const CHILD = fileURLToPath(new URL('./support/backup-child.ts', import.meta.url));
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSPHRASE = 'the records office keeps this passphrase';

interface BackupJson {
  snapshotId: string;
  status: string;
  counts: { ok: number; failed: number; carriedOver: number };
  newBytes: number;
}

describe('backups on object storage (CLI)', () => {
  let fixture: DataDirFixture;
  let emu: EmulatorHandle;
  let data: TempFolder;
  let s3: S3TestServer;
  let azure: AzureTestServer;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data } = fixture);
    [s3, azure] = await Promise.all([startS3Server(), startAzurite()]);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([s3?.stop(), azure?.stop()]);
    await fixture?.close();
  });

  interface Backend {
    kind: 's3' | 'azure';
    name: string;
    encrypted: boolean;
    location: StoreLocation;
    /** The identity's credentials, from the environment the CLI reads them from (never arguments). */
    env: Record<string, string>;
    credentialFlag: string[];
  }

  const backends = (): Backend[] => {
    const s3Location = s3.location('backups');
    const azureLocation = azure.location('backups');
    return [
      {
        kind: 's3',
        name: 'Capital City (S3)',
        encrypted: false,
        location: s3Location,
        env: { ORGKEEPER_S3_ACCESS_KEY_ID: s3Location.kind === 's3' ? s3Location.credentials!.accessKeyId : '', ORGKEEPER_S3_SECRET_ACCESS_KEY: s3Location.kind === 's3' ? s3Location.credentials!.secretAccessKey : '' },
        credentialFlag: ['--location-credential', 's3']
      },
      {
        kind: 'azure',
        name: 'Capital City (Azure)',
        encrypted: true,
        location: azureLocation,
        env: { ORGKEEPER_AZURE_ACCOUNT_KEY: AZURITE_KEY, ORGKEEPER_STORE_PASSPHRASE: PASSPHRASE },
        credentialFlag: ['--location-credential', 'azure-key']
      }
    ];
  };

  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { dataDir: data.path, env });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  /** The backup engine in its own process, to be killed. */
  function backupChild(settings: BackupChildSettings, env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(settings)], { cwd: SERVER_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let downloading!: () => void;
    const started = new Promise<void>((resolve) => (downloading = resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { progress?: { phase: string; itemsDone: number } };
      if (message.progress?.phase === 'items' && message.progress.itemsDone > 0) downloading();
    });
    const exited = new Promise<{ signal: NodeJS.Signals | null; stderr: () => string }>((resolve) => child.once('exit', (_code, signal) => {
      children.delete(child);
      resolve({ signal, stderr: () => stderr });
    }));
    return { child, started, exited };
  }

  it('backs up to S3 and to Azure (encrypted), reruns, checks, forgets, prunes, restores, survives SIGKILL, and moves between them', async () => {
    const [onS3, onAzure] = backends();
    for (const backend of [onS3!, onAzure!]) {
      const text = formatStoreLocation(backend.location);
      const added = await runCli(
        ['identities', 'add', '--type', 'online', '--name', backend.name, '--url', emu.portalUrl, '--app-id', emu.appId, '--file-location', text, ...backend.credentialFlag, ...(backend.encrypted ? ['--encrypt'] : []), '--username', emu.admin.username, '--password-stdin', '--json'],
        { dataDir: data.path, stdin: `${emu.admin.password}\n`, env: backend.env }
      );
      expect(added.code, added.stderr).toBe(0);
      const view = (JSON.parse(added.stdout) as { identity: { fileLocation: string; fileLocationKind: string; hasFileLocationCredentials: boolean; encryptBackups: boolean } }).identity;
      expect(view).toMatchObject({ fileLocation: text, fileLocationKind: backend.kind, hasFileLocationCredentials: true, encryptBackups: backend.encrypted });
      expect(added.stdout).not.toContain(backend.kind === 's3' ? 'orgkeeper-test-secret' : AZURITE_KEY);

      // Full backup, then an unchanged rerun that carries every item over and stores (almost) nothing new.
      const full = await run(['backup', '--identity', backend.name, '--name', 'Full', '--json']);
      expect(full.code, full.stderr).toBe(0);
      const first = JSON.parse(full.stdout) as BackupJson;
      expect(first.counts.failed).toBe(0);
      expect(first.counts.ok).toBeGreaterThan(5);
      const rerun = await run(['backup', '--identity', backend.name, '--name', 'Rerun', '--json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      const second = JSON.parse(rerun.stdout) as BackupJson;
      expect(second.counts.carriedOver).toBe(second.counts.ok);
      expect(second.newBytes).toBeLessThan(first.newBytes / 10);

      // The store on the service: encrypted as chosen, and opened elsewhere with the passphrase alone.
      const store = await openStore(backend.location, backend.encrypted ? { keys: { passphrase: PASSPHRASE } } : {});
      expect(store.encrypted).toBe(backend.encrypted);
      expect((await store.listSnapshots()).snapshots.map((s) => s.id)).toEqual([first.snapshotId, second.snapshotId]);
      await store.close();

      const checked = await run(['check', '--identity', backend.name, '--read-data']);
      expect(checked.code, checked.stdout).toBe(0);
      expect(checked.stdout).toMatch(/No problems: 2 snapshots/);

      const forgot = await run(['forget', '--identity', backend.name, '--keep-last', '1', '--json']);
      expect((JSON.parse(forgot.stdout) as { removed: string[] }).removed).toEqual([first.snapshotId]);
      const pruned = await run(['prune', '--identity', backend.name, '--json']);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect((await run(['check', '--identity', backend.name, '--read-data'])).code).toBe(0);

      // Restore a deleted web map from the store as a copy.
      const map = orgItems().find((i) => i.json.type === 'Web Map')!;
      const restored = await run(['restore', '--identity', backend.name, '--snapshot', second.snapshotId, '--mode', 'copy', '--items', map.json.id, '--json']);
      expect(restored.code, restored.stderr).toBe(0);
      expect((JSON.parse(restored.stdout) as { counts: { ok: number; failed: number } }).counts).toMatchObject({ ok: 1, failed: 0 });
    }

    // SIGKILL in the middle of a backup to Azure (encrypted): the next run resumes and the store stays clean.
    const settings: BackupChildSettings = { restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin, fileLocation: formatStoreLocation(onAzure!.location), passphrase: PASSPHRASE, concurrency: 2 };
    const killed = backupChild({ ...settings, name: 'Killed' }, azure.env);
    await killed.started;
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const afterKill = await openStore(onAzure!.location, { keys: { passphrase: PASSPHRASE } });
    expect((await check(afterKill)).ok).toBe(true);
    expect((await listJournals(afterKill)).length).toBeLessThanOrEqual(1);
    await afterKill.close();
    const resumed = await run(['backup', '--identity', onAzure!.name, '--name', 'After the kill', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await run(['check', '--identity', onAzure!.name, '--read-data'])).code).toBe(0);

    // Move the S3 identity's store to Azure (encrypted copy), verified, and point the identity at the copy.
    const target = azure.location('moved');
    const targetText = formatStoreLocation(target);
    const copied = await run(['store', 'copy', '--identity', onS3!.name, '--to', targetText, '--location-credential', 'azure-key', '--encrypt', '--json'], { ORGKEEPER_AZURE_ACCOUNT_KEY: AZURITE_KEY });
    expect(copied.code, copied.stderr).toBe(0);
    expect((JSON.parse(copied.stdout) as { verification: { ok: boolean } }).verification.ok).toBe(true);
    const pointed = await run(['identities', 'update', onS3!.name, '--file-location', targetText, '--location-credential', 'azure-key', '--json'], { ORGKEEPER_AZURE_ACCOUNT_KEY: AZURITE_KEY });
    expect(pointed.code, pointed.stderr).toBe(0);
    const listed = await run(['snapshots', '--identity', onS3!.name, '--json']);
    expect((JSON.parse(listed.stdout) as { fileLocation: string; snapshots: unknown[] }).snapshots).toHaveLength(1);
    expect((await run(['backup', '--identity', onS3!.name, '--name', 'On Azure now', '--json'])).code).toBe(0);
  }, 300_000);

  it('refuses a location it cannot use, saying why', async () => {
    const missingBucket = `s3://no-such-bucket/x/?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&path-style=true`;
    const refused = await runCli(['identities', 'add', '--type', 'online', '--name', 'Nowhere', '--url', emu.portalUrl, '--app-id', emu.appId, '--file-location', missingBucket, '--location-credential', 's3'], {
      dataDir: data.path,
      env: { ORGKEEPER_S3_ACCESS_KEY_ID: 'id', ORGKEEPER_S3_SECRET_ACCESS_KEY: 'secret' }
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/fileLocation: OrgKeeper cannot use s3:\/\/no-such-bucket\/x\/.*writing a test object failed.*bucket "no-such-bucket" does not exist/);

    const lax = await startS3Server({ conditionalWrites: false });
    try {
      const location = formatStoreLocation(lax.location('lax'));
      const ignored = await runCli(['identities', 'add', '--type', 'online', '--name', 'Lax', '--url', emu.portalUrl, '--app-id', emu.appId, '--file-location', location, '--location-credential', 's3'], {
        dataDir: data.path,
        env: { ORGKEEPER_S3_ACCESS_KEY_ID: 'id', ORGKEEPER_S3_SECRET_ACCESS_KEY: 'secret' }
      });
      expect(ignored.code).toBe(2);
      expect(ignored.stderr).toMatch(/ignores conditional writes .* cannot keep two OrgKeeper processes from writing the same store/);
    } finally {
      await lax.stop();
    }
  }, 60_000);
});
