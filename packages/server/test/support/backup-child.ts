/**
 * A backup run in its own process, for tests that kill it (backup-crash.test.ts) or need a separate process's
 * resources. Runs `runBackup` as the CLI does (the real engine, store and session) with the settings given as one JSON
 * argument, reports progress as JSON lines on stdout (`{"progress": ...}`) and ends with `{"result": ...}`.
 *
 *   node --import tsx test/support/backup-child.ts '{"restUrl": ..., "portalUrl": ..., "orgId": ..., ...}'
 */
import { sessionFor } from './emulator-session.js';
import { runBackup } from '../../src/backup/backup.engine.js';
import { initStore } from '../../src/store/index.js';

export interface BackupChildSettings {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
  fileLocation: string;
  /** Open (or create) the store encrypted with this passphrase. */
  passphrase?: string;
  name?: string;
  concurrency?: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as BackupChildSettings;
const write = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const session = sessionFor(settings, { concurrency: settings.concurrency ?? 8 });
const result = await runBackup({
  identity: {
    id: 'crash-identity',
    name: 'Crash',
    fileLocation: settings.fileLocation,
    orgId: settings.orgId,
    portalUrl: settings.portalUrl,
    ...(settings.passphrase
      ? { openStore: () => initStore(settings.fileLocation, { id: settings.orgId, portalUrl: settings.portalUrl, name: 'Crash' }, { encrypt: true, keys: { passphrase: settings.passphrase! } }) }
      : {})
  },
  session,
  ...(settings.name ? { name: settings.name } : {}),
  ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
  onProgress: (progress) => write({ progress })
});
write({ result: { snapshotId: result.snapshotId, status: result.status, resumed: result.resumed, counts: result.counts, failed: result.items.filter((i) => i.status !== 'ok').map((i) => ({ id: i.id, problems: i.problems })) } });
// Keep-alive sockets must not hold the process open after the result.
process.stdout.write('', () => process.exit(0));
