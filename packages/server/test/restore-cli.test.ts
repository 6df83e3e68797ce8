/**
 * `orgkeeper restore` end to end: a real data directory, an identity signed in to the emulated organization, a backup,
 * then a dry run (prints the plan in order, changes nothing), the restore itself (exit codes, JSON, CSV log), resume,
 * and usage errors.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestorePlan } from '../src/restore/restore.types.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

describe('orgkeeper restore (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let snapshotId: string;
  const run = (args: string[]) => runCli(args, { dataDir: data.path });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const byTitle = (title: string) => orgItems().filter((i) => i.json.title === title);
  let mapId: string;
  let appId: string;

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data } = fixture);
    await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: join(fixture.backups.path, 'springfield') });
    const backup = await run(['backup', '--identity', 'springfield', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    snapshotId = (JSON.parse(backup.stdout) as { snapshotId: string }).snapshotId;
    mapId = byTitle('Parks and Trails')[0]!.json.id;
    appId = byTitle('Parks Finder')[0]!.json.id;
    // The map and the app that uses it are deleted.
    emu.context.state.items.delete(mapId);
    emu.context.state.items.delete(appId);
  }, 60_000);
  afterAll(() => fixture?.close());

  it('refuses wrong usage with exit code 2 and a hint', async () => {
    const noSelection = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'recreate']);
    expect(noSelection.code).toBe(2);
    expect(noSelection.stderr).toMatch(/exactly one of --items, --query or --all/);
    expect(noSelection.stderr).toMatch(/orgkeeper restore --help/);
    const badMode = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'sideways', '--all']);
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toMatch(/in-place, recreate, copy or clone/);
    const unknownItem = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'recreate', '--items', 'ffffffffffffffffffffffffffffffff', '--dry-run']);
    expect(unknownItem.code).toBe(2);
    expect(unknownItem.stderr).toMatch(/not in snapshot/);
    const noSnapshot = await run(['restore', '--identity', 'springfield', '--snapshot', '20200101T000000000Z-00000000', '--mode', 'recreate', '--all', '--dry-run']);
    expect(noSnapshot.code).toBe(1);
    expect(noSnapshot.stderr).toMatch(/not in the store/);
    const help = await run(['restore', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--dry-run/);
  });

  it('prints the plan in order for a dry run and changes nothing', async () => {
    const before = orgItems().length;
    const writesBefore = emu.requestLog.snapshot(0).byEndpoint['content/users/addItem'] ?? 0;
    const text = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'recreate', '--query', 'parks', '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Nothing has been changed/);
    const mapLine = text.stdout.indexOf('CREATE    Web Map "Parks and Trails"');
    const appLine = text.stdout.indexOf('CREATE    Web Mapping Application "Parks Finder"');
    expect(mapLine).toBeGreaterThan(0);
    expect(appLine).toBeGreaterThan(mapLine);
    expect(text.stdout).toMatch(new RegExp(`rewrite id ${mapId} -> new id of "Parks and Trails"`));
    expect(text.stdout).toMatch(/SKIP .*"City Parks".*the item exists/);
    const json = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'recreate', '--query', 'parks', '--dry-run', '--json']);
    const plan = JSON.parse(json.stdout) as RestorePlan;
    expect(plan.steps.filter((s) => s.action === 'create').map((s) => s.sourceId).sort()).toEqual([mapId, appId].sort());
    expect(orgItems().length).toBe(before);
    expect(emu.requestLog.snapshot(0).byEndpoint['content/users/addItem'] ?? 0).toBe(writesBefore);
  });

  it('restores, prints the log, and a resume of the finished restore changes nothing', async () => {
    const result = await run(['restore', '--identity', 'springfield', '--snapshot', snapshotId, '--mode', 'recreate', '--items', `${appId},${mapId}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { operationId: string; counts: { ok: number; failed: number }; log: { oldId: string; newId: string; status: string }[] };
    expect(out.counts.failed).toBe(0);
    const newMap = out.log.find((r) => r.oldId === mapId)!.newId;
    const newApp = out.log.find((r) => r.oldId === appId)!.newId;
    expect(byTitle('Parks and Trails').map((i) => i.json.id)).toEqual([newMap]);
    const app = emu.context.state.items.get(newApp)!;
    expect(JSON.parse((app.data as { text: string }).text).values.webmap).toBe(newMap);

    const resumed = await run(['restore', '--identity', 'springfield', '--resume', out.operationId, '--csv']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = resumed.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('step,kind,title,type,action,old id,new id,new url,status,error,duration ms,finished (UTC)');
    expect(lines.some((l) => l.includes(newMap) && l.includes(',ok,'))).toBe(true);
    expect(byTitle('Parks and Trails')).toHaveLength(1);
    expect(byTitle('Parks Finder')).toHaveLength(1);
    const unknown = await run(['restore', '--identity', 'springfield', '--resume', 'no-such-operation']);
    expect(unknown.code).toBe(2);
  }, 60_000);
});
