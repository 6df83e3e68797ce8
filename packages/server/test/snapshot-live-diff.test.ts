/**
 * A live item against its snapshot, part by part (`orgkeeper snapshot diff ID --live --item ID`), and a restore of
 * only the parts picked (`orgkeeper restore --mode in-place --parts ...`): the other parts stay as they are live.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveItemDiff } from '../src/restore/live-diff.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

describe('orgkeeper snapshot diff --live and restore --parts (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let snapshot: string;
  let mapId: string;
  let originalTitle: string;
  let originalData: string;
  let groupRemoved: string;
  const run = (args: string[]) => runCli(args, { dataDir: data.path });

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data, backups } = fixture);
    await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: join(backups.path, 'store') });
    const backup = await run(['backup', '--identity', 'Springfield', '--name', 'Before', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    snapshot = (JSON.parse(backup.stdout) as { snapshotId: string }).snapshotId;
    // Someone edits the water map: its title, a layer's popup title, a resource, its sharing.
    const map = [...emu.context.state.items.values()].find((i) => i.json.type === 'Web Map' && i.resources.size > 0 && i.groups.size > 1)!;
    mapId = map.json.id;
    originalTitle = map.json.title;
    originalData = (map.data as { text: string }).text;
    map.json.title = 'Water map (edited)';
    const edited = JSON.parse(originalData) as { operationalLayers: { popupInfo: { title: string } }[] };
    edited.operationalLayers[0]!.popupInfo.title = 'Edited popup';
    map.data = { kind: 'json', text: JSON.stringify(edited) };
    map.resources.clear();
    groupRemoved = [...map.groups][0]!;
    map.groups.delete(groupRemoved);
    map.json.modified = emu.context.clock.now();
  }, 120_000);

  afterAll(() => fixture?.close());

  it('compares the live item with the snapshot part by part', async () => {
    const json = await run(['snapshot', 'diff', snapshot, '--live', '--item', mapId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const diff = JSON.parse(json.stdout) as LiveItemDiff;
    const status = Object.fromEntries(diff.parts.map((p) => [p.part, p.status]));
    expect(status).toEqual({ item: 'changed', data: 'changed', resources: 'changed', sharing: 'changed', thumbnail: 'same', metadata: 'same' });
    const part = (name: string) => diff.parts.find((p) => p.part === name)!.changes;
    expect(part('item')).toEqual([{ what: 'title', how: 'changed', snapshot: originalTitle, live: 'Water map (edited)' }]);
    expect(part('data')).toEqual([{ what: 'operationalLayers[0].popupInfo.title', how: 'changed', snapshot: (JSON.parse(originalData) as { operationalLayers: { popupInfo: { title: string } }[] }).operationalLayers[0]!.popupInfo.title, live: 'Edited popup' }]);
    expect(part('resources').map((c) => c.how)).toEqual(['only in the snapshot']);
    expect(part('sharing')).toEqual([{ what: groupRemoved, how: 'only in the snapshot' }]);

    const text = await run(['snapshot', 'diff', snapshot, '--live', '--item', mapId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('~ operationalLayers[0].popupInfo.title');
    expect(text.stdout).toContain(`--items ${mapId} --parts item,data,resources,sharing`);
  });

  it('restores only the parts picked; the others stay as they are live', async () => {
    const restored = await run(['restore', '--identity', 'Springfield', '--snapshot', snapshot, '--mode', 'in-place', '--items', mapId, '--parts', 'data,sharing', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    const map = emu.context.state.items.get(mapId)!;
    expect(JSON.parse((map.data as { text: string }).text)).toEqual(JSON.parse(originalData));
    expect(map.groups.has(groupRemoved)).toBe(true);
    // Not picked: the title and the resources keep their live state.
    expect(map.json.title).toBe('Water map (edited)');
    expect(map.resources.size).toBe(0);
    const after = JSON.parse((await run(['snapshot', 'diff', snapshot, '--live', '--item', mapId, '--json'])).stdout) as LiveItemDiff;
    expect(after.parts.filter((p) => p.status === 'changed').map((p) => p.part)).toEqual(['item', 'resources']);
  });

  it('explains wrong use', async () => {
    const noItem = await run(['snapshot', 'diff', snapshot, '--live']);
    expect(noItem.code).toBe(2);
    expect(noItem.stderr).toMatch(/--live --item ITEM_ID/);
    const copyParts = await run(['restore', '--identity', 'Springfield', '--snapshot', snapshot, '--mode', 'copy', '--items', mapId, '--parts', 'data', '--dry-run']);
    expect(copyParts.code).toBe(2);
    expect(copyParts.stderr).toMatch(/in place only/);
    const badPart = await run(['restore', '--identity', 'Springfield', '--snapshot', snapshot, '--mode', 'in-place', '--items', mapId, '--parts', 'features', '--dry-run']);
    expect(badPart.code).toBe(2);
    expect(badPart.stderr).toMatch(/"features" is not one/);
    const notThere = await run(['snapshot', 'diff', snapshot, '--live', '--item', 'f'.repeat(32)]);
    expect(notThere.code).not.toBe(0);
    expect(notThere.stderr).toMatch(/is not in snapshot/);
  });
});
