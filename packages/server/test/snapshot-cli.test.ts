import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

/** Entry names of a ZIP file. */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('orgkeeper snapshot show|diff, export and log (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let first: string;
  let second: string;
  let changedId: string;
  const run = (args: string[]) => runCli(args, { dataDir: data.path });

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data, backups } = fixture);
    await addIdentityWithCli(emu, data.path, { name: 'Shelbyville', fileLocation: join(backups.path, 'store') });
    const one = await run(['backup', '--identity', 'Shelbyville', '--name', 'Before', '--json']);
    expect(one.code, one.stderr).toBe(0);
    first = (JSON.parse(one.stdout) as { snapshotId: string }).snapshotId;
    // change one web map's title and data in the emulator, then back up again
    const map = [...emu.context.state.items.values()].find((i) => i.json.type === 'Web Map' && i.json.orgId === emu.orgId)!;
    changedId = map.json.id;
    map.json.title = 'Renamed map';
    map.json.modified = emu.context.clock.now();
    const two = await run(['backup', '--identity', 'Shelbyville', '--name', 'After', '--json']);
    expect(two.code, two.stderr).toBe(0);
    second = (JSON.parse(two.stdout) as { snapshotId: string }).snapshotId;
  }, 120_000);

  afterAll(() => fixture?.close());

  it('shows a snapshot with its items, found without naming the identity', async () => {
    const shown = await run(['snapshot', 'show', first]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Snapshot ${first} "Before" of Shelbyville`);
    expect(shown.stdout).toContain(changedId);
    const json = await run(['snapshot', 'show', second, '--identity', 'Shelbyville', '--json']);
    const parsed = JSON.parse(json.stdout) as { snapshot: { name: string }; items: { id: string; title: string }[] };
    expect(parsed.snapshot.name).toBe('After');
    expect(parsed.items.find((i) => i.id === changedId)?.title).toBe('Renamed map');
  });

  it('diffs two snapshots: exactly the changed item, with its changed parts', async () => {
    const diff = await run(['snapshot', 'diff', first, second, '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    const parsed = JSON.parse(diff.stdout) as { items: { added: unknown[]; removed: unknown[]; changed: { id: string; parts: string[] }[] } };
    expect(parsed.items.added).toEqual([]);
    expect(parsed.items.removed).toEqual([]);
    expect(parsed.items.changed.map((c) => c.id)).toEqual([changedId]);
    expect(parsed.items.changed[0]!.parts).toEqual(expect.arrayContaining(['title', 'item']));
    const text = await run(['snapshot', 'diff', first, second]);
    expect(text.stdout).toMatch(/^Items: 0 added, 0 removed, 1 changed, \d+ unchanged$/m);
  });

  it('exports an item as a ZIP, and a hosted layer with its GeoJSON', async () => {
    const out = join(backups.path, 'map.zip');
    const exported = await run(['export', '--snapshot', second, '--item', changedId, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const names = await zipEntries(out);
    expect(names).toEqual(expect.arrayContaining(['README.txt', 'item.json', 'data.json']));
    const layerItem = [...emu.context.state.items.values()].find((i) => i.json.type === 'Feature Service' && i.json.orgId === emu.orgId)!;
    const layerZip = join(backups.path, 'layer.zip');
    expect((await run(['export', '--snapshot', second, '--item', layerItem.json.id, '--out', layerZip])).code).toBe(0);
    expect((await zipEntries(layerZip)).some((n) => n.startsWith('layers/') && n.endsWith('.geojson'))).toBe(true);
  });

  it('prints the per-item log, and as CSV', async () => {
    const csvFile = join(backups.path, 'log.csv');
    const csv = await run(['log', '--snapshot', first, '--csv', '--out', csvFile]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = (await readFile(csvFile, 'utf8')).trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,title,type,owner/);
    const orgItems = [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId).length;
    expect(lines.length - 1).toBe(orgItems);
    const text = await run(['log', '--snapshot', first]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(orgItems);
  });

  it('explains wrong input with exit code 2', async () => {
    expect((await run(['snapshot', 'show', 'not-an-id'])).code).toBe(2);
    const missing = await run(['snapshot', 'show', '20200101T000000000Z-00000000']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("is not in any identity's File Location");
    expect((await run(['export', '--snapshot', first])).code).toBe(2);
    expect((await run(['log'])).code).toBe(2);
  });

  // Last: it removes the first snapshot.
  it('forgets what the policy does not keep, then prunes exactly the unreferenced content', async () => {
    const dry = await run(['forget', '--identity', 'Shelbyville', '--keep-last', '1', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { keep: { id: string }[]; remove: { id: string }[] };
    expect(plan.keep.map((k) => k.id)).toEqual([second]);
    expect(plan.remove.map((r) => r.id)).toEqual([first]);
    expect((await run(['snapshot', 'show', first])).code).toBe(0); // a dry run removes nothing

    expect((await run(['forget', '--identity', 'Shelbyville'])).code).toBe(2); // no policy: refused
    const done = await run(['forget', '--identity', 'Shelbyville', '--keep-last', '1']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('Removed 1 snapshots');
    expect((await run(['snapshot', 'show', first])).code).toBe(2);

    const dryPrune = JSON.parse((await run(['prune', '--identity', 'Shelbyville', '--dry-run', '--json'])).stdout) as { unreferencedBlobs: number; deletedBlobs: number };
    expect(dryPrune.unreferencedBlobs).toBeGreaterThan(0); // the renamed map's old item JSON, the first snapshot's lists
    expect(dryPrune.deletedBlobs).toBe(0);
    const pruned = JSON.parse((await run(['prune', '--identity', 'Shelbyville', '--json'])).stdout) as { unreferencedBlobs: number; deletedBlobs: number; bytesFreed: number };
    expect(pruned.deletedBlobs).toBe(dryPrune.unreferencedBlobs);
    expect(pruned.bytesFreed).toBeGreaterThan(0);
    const checked = await run(['check', '--identity', 'Shelbyville', '--read-data']);
    expect(checked.code, checked.stdout).toBe(0);
    const again = JSON.parse((await run(['prune', '--identity', 'Shelbyville', '--json'])).stdout) as { unreferencedBlobs: number };
    expect(again.unreferencedBlobs).toBe(0);
  });

  it('runs check, forget and prune as operations, recorded in the operation log like the server\'s', async () => {
    const listed = await run(['operations', 'list', '--identity', 'Shelbyville', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const operations = (JSON.parse(listed.stdout) as { operations: { kind: string; status: string; createdBy: string; params: Record<string, unknown> }[] }).operations;
    const ofKind = (kind: string) => operations.filter((o) => o.kind === kind).map((o) => [o.status, o.createdBy, o.params]);
    // Newest first; the refused `forget` without a policy started nothing.
    expect(ofKind('forget')).toEqual([
      ['succeeded', 'cli', { policy: { keepLast: 1 } }],
      ['succeeded', 'cli', { policy: { keepLast: 1 }, dryRun: true }]
    ]);
    expect(ofKind('prune')).toEqual([
      ['succeeded', 'cli', {}],
      ['succeeded', 'cli', {}],
      ['succeeded', 'cli', { dryRun: true }]
    ]);
    expect(ofKind('check')).toEqual([['succeeded', 'cli', { readData: 100 }]]);
  });

  it('says which items a backup of a chosen form took along, and for which item; the form itself is not marked', async () => {
    const form = [...emu.context.state.items.values()].find((i) => i.json.type === 'Form' && i.json.orgId === emu.orgId)!;
    const backup = await run(['backup', '--identity', 'Shelbyville', '--items', form.json.id, '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const snapshotId = (JSON.parse(backup.stdout) as { snapshotId: string }).snapshotId;
    const json = await run(['snapshot', 'show', snapshotId, '--json']);
    const items = (JSON.parse(json.stdout) as { items: { id: string; type: string; takenAlong: { itemId: string; title: string; need: string; neededBy: number } | null }[] }).items;
    expect(items.find((i) => i.id === form.json.id)?.takenAlong).toBeNull();
    const taken = items.filter((i) => i.id !== form.json.id);
    expect(taken.length).toBeGreaterThanOrEqual(3);
    for (const i of taken) expect(i.takenAlong, i.id).toMatchObject({ need: expect.stringMatching(/^(service|data) of survey$|^(source|view) of (view|service)$/), neededBy: expect.any(Number) });
    const forForm = taken.filter((i) => i.takenAlong!.itemId === form.json.id);
    expect(forForm.length).toBeGreaterThan(0);

    const text = await run(['snapshot', 'show', snapshotId]);
    const line = (id: string) => text.stdout.split('\n').find((l) => l.startsWith(id))!;
    expect(line(form.json.id)).not.toContain('taken along');
    for (const i of forForm) expect(line(i.id)).toContain(`taken along: ${i.takenAlong!.need} ${form.json.title}`);
    for (const i of taken) expect(line(i.id)).toMatch(i.takenAlong!.neededBy > 1 ? /\(and \d+ more\)\)$/ : /\)$/);
  });
});
