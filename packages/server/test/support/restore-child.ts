/**
 * A restore run in its own process, for restore-crash.test.ts (which SIGKILLs it). Runs the real plan and engine with
 * a real SQLite file; a run with the same operation id continues the stored plan. Prints one JSON line per finished
 * step (`{"step": ...}`) and ends with `{"result": ...}`.
 *
 *   node --import tsx test/support/restore-child.ts '{"restUrl": ..., "dbFile": ..., "operationId": ..., ...}'
 */
import { sessionFor } from './emulator-session.js';
import { migrateToLatest, openDatabase } from '../../src/db/database.js';
import { runRestore } from '../../src/restore/restore.engine.js';
import { buildPlan, readSnapshotContent } from '../../src/restore/restore.plan.js';
import { RestoreRepository } from '../../src/restore/restore.repository.js';
import type { RestoreParams } from '../../src/restore/restore.types.js';
import { openStore } from '../../src/store/index.js';

export interface RestoreChildSettings {
  restUrl: string;
  portalUrl: string;
  admin: { username: string; password: string };
  storeDir: string;
  dbFile: string;
  operationId: string;
  params: RestoreParams;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as RestoreChildSettings;
const write = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const db = openDatabase(settings.dbFile);
await migrateToLatest(db);
const repository = new RestoreRepository(db);
const store = await openStore(settings.storeDir);
const content = await readSnapshotContent(store, settings.params.snapshotId);
const session = sessionFor(settings);
let plan = (await repository.findRun(settings.operationId))?.plan;
if (!plan) {
  plan = await buildPlan({ store, content, params: settings.params, source: { identityId: 'crash' }, target: { identityId: 'crash', session }, hostedAvailable: false, now: new Date() });
  await repository.saveRun({ operationId: settings.operationId, identityId: 'crash', targetIdentityId: 'crash', params: settings.params, plan }, new Date().toISOString());
}
const result = await runRestore({
  operationId: settings.operationId,
  plan,
  store,
  content,
  session,
  repository,
  hosted: undefined,
  signal: new AbortController().signal,
  clock: () => new Date(),
  onStep: (row) => {
    write({ step: row });
  }
});
write({ result: { counts: result.counts, steps: result.steps } });
await db.destroy();
process.stdout.write('', () => process.exit(0));
