/**
 * `orgkeeper recycle-bin list|restore` against the emulated demo organization: the list shows every member's bin,
 * restore brings items back with their ids (a view after its source), reports what it could not restore (exit 1),
 * and usage errors say what is wrong (exit 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteItem } from '../src/arcgis/portal/index.js';
import type { RecycleBinView } from '../src/recycle-bin/recycle-bin.types.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture } from './support/org-fixture.js';

describe('orgkeeper recycle-bin', () => {
  let fixture: DataDirFixture;
  let emu: EmulatorHandle;
  const cli = (args: string[]) => runCli(['recycle-bin', ...args], { dataDir: fixture.data.path });
  const byTitle = (title: string) => [...emu.context.state.items.values()].find((i) => i.json.orgId === emu.orgId && i.json.title === title)!;

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    emu = fixture.emu;
    await addIdentityWithCli(emu, fixture.data.path, { name: 'Springfield', fileLocation: `${fixture.backups.path}/springfield` });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('lists the bin and restores a view and its source with their ids', async () => {
    const layer = byTitle('Bike Lanes');
    const view = byTitle('Protected Bike Lanes');
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    for (const item of [view, layer]) await deleteItem({ session, owner: item.json.owner, id: item.json.id });

    const listed = await cli(['list', '--identity', 'Springfield']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/ID +TYPE +OWNER +DELETED BY/);
    for (const item of [layer, view]) expect(listed.stdout).toContain(item.json.id);
    const json = JSON.parse((await cli(['list', '--identity', 'Springfield', '--json'])).stdout) as RecycleBinView;
    expect(json.items.map((i) => i.id).sort()).toEqual([layer.json.id, view.json.id].sort());

    const restored = await cli(['restore', '--identity', 'Springfield', view.json.id, layer.json.id]);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`restored  ${view.json.id} (same id)`);
    expect(restored.stdout).toMatch(/owner only/);
    for (const item of [layer, view]) expect(emu.context.state.items.has(item.json.id)).toBe(true);

    const again = await cli(['restore', '--identity', 'Springfield', view.json.id]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/failed +[0-9a-f]{32}: It is not in the recycle bin/);
  }, 120_000);

  it('says what is wrong with its usage (exit 2)', async () => {
    expect((await cli(['list'])).stderr).toMatch(/--identity NAME/);
    expect((await cli(['list'])).code).toBe(2);
    expect((await cli(['empty', '--identity', 'Springfield'])).code).toBe(2);
    expect((await cli(['restore', '--identity', 'Springfield'])).stderr).toMatch(/needs the ids/);
    const bad = await cli(['restore', '--identity', 'Springfield', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not an item id/);
    expect((await cli(['list', '--identity', 'Nowhere'])).code).toBe(2);
    expect((await cli(['--help'])).stdout).toMatch(/Usage: orgkeeper recycle-bin/);
  }, 60_000);
});
