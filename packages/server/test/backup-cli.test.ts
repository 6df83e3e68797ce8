import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { openStore } from '../src/store/index.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

const cli = runCli;

interface BackupJson {
  snapshotId: string;
  operationId: string;
  status: string;
  counts: { ok: number; skipped: number; failed: number; carriedOver: number; groups: number; users: number };
  bytesRead: number;
  newBytes: number;
  durationMs: number;
  problems: { itemId?: string; problems?: { part: string; status: string }[] }[];
}

interface OperationJson {
  id: string;
  kind: string;
  status: string;
  createdBy: string;
  params: Record<string, unknown>;
  snapshotId: string | null;
  result: Record<string, unknown> | null;
}

describe('orgkeeper backup, snapshots and check (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let storeDir: string;
  let first: BackupJson;
  const run = (args: string[]) => cli(args, { dataDir: data.path });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const operations = async () => (JSON.parse((await run(['operations', 'list', '--identity', 'Springfield', '--kind', 'backup', '--json'])).stdout) as { operations: OperationJson[] }).operations;

  beforeAll(async () => {
    fixture = await startDataDirFixture();
    ({ emu, data, backups } = fixture);
    storeDir = join(backups.path, 'springfield');
    await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: storeDir });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('backs up the whole organization and prints one JSON object (exit 0)', async () => {
    const result = await run(['backup', '--identity', 'springfield', '--name', 'Nightly', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout) as BackupJson;
    expect(first).toMatchObject({ status: 'complete', counts: { ok: orgItems().length, skipped: 0, failed: 0, carriedOver: 0 } });
    expect(first.snapshotId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    expect(first.bytesRead).toBeGreaterThan(0);
    expect(first.newBytes).toBeGreaterThan(0);
    expect(first.durationMs).toBeGreaterThan(0);
    const store = await openStore(storeDir, { expectOrgId: emu.orgId });
    expect((await store.listSnapshots()).snapshots.map((s) => s.name)).toEqual(['Nightly']);
    // It ran as an operation (the web app's Logs show it), started by the CLI, with its per-item log.
    const [op] = await operations();
    expect(op).toMatchObject({ id: first.operationId, status: 'succeeded', createdBy: 'cli', params: { name: 'Nightly' }, snapshotId: first.snapshotId });
    expect(op!.result).toMatchObject({ snapshotId: first.snapshotId, counts: first.counts, bytesRead: first.bytesRead, newBytes: first.newBytes });
  }, 60_000);

  it('prints a text summary, and lists the snapshots', async () => {
    const again = await run(['backup', '--identity', 'Springfield', '--concurrency', '4']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`items: ${orgItems().length} ok \\(${orgItems().length} unchanged\\), 0 skipped, 0 failed`));
    expect(again.stdout).toMatch(/read from ArcGIS, .* added to the store/);
    // --concurrency reaches the backup: it is one of the operation's params.
    const latest = (await operations())[0]!;
    expect(latest).toMatchObject({ status: 'succeeded', params: { concurrency: 4 } });
    expect(again.stdout).toContain(`Operation ${latest.id}`);

    const listed = await run(['snapshots', '--identity', 'Springfield']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STARTED \(UTC\)\s+ITEMS\s+FAILED\s+ADDED\s+STATUS$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${first.snapshotId}\\s+Nightly\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${orgItems().length}\\s+0\\s+\\S+ \\w?B\\s+complete$`));
    const json = JSON.parse((await run(['snapshots', '--identity', 'Springfield', '--json'])).stdout) as { snapshots: { id: string; items: number; status: string }[] };
    expect(json.snapshots.map((s) => s.id)[0]).toBe(first.snapshotId);
    expect(json.snapshots.every((s) => s.items === orgItems().length && s.status === 'complete')).toBe(true);
  }, 60_000);

  it('shows a progress bar on a terminal (the operation\'s live progress) and clears it before the summary', async () => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      Object.assign(
        new Writable({
          write(chunk: Buffer, _enc, done) {
            append(chunk.toString());
            done();
          }
        }),
        { isTTY: true }
      );
    for (const item of orgItems().slice(0, 10)) item.json.modified = Date.now();
    emu.faults.update({ latencyMs: 30 });
    let code: number;
    try {
      code = await main(['backup', '--identity', 'Springfield'], {
        stdin: Readable.from([]),
        stdout: sink((s) => (stdout += s)),
        stderr: sink((s) => (stderr += s)),
        env: { ORGKEEPER_DATA_DIR: data.path },
        cwd: data.path,
        stopSignal: () => new Promise<string>(() => undefined)
      });
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
    expect(code, stderr).toBe(0);
    // Each redraw returns to the line start and clears it (CR, ESC [K); the last one leaves the line empty.
    const clear = '\r\u001b[K';
    const frames = stderr.split(clear);
    expect(frames.some((f) => /^Backing up: items \d+\/\d+, [\d.]+ \w?B read, [\d.]+ \w?B new$/.test(f))).toBe(true);
    expect(stderr.endsWith(clear)).toBe(true);
    expect(stdout).toMatch(/^Snapshot \S+ ".*" \(complete\)\n {2}items: /);
  }, 60_000);

  it('checks the store with --read-data (exit 0) and reports a damaged blob with the items it affects (exit 1)', async () => {
    const full = await run(['check', '--identity', 'Springfield', '--read-data']);
    expect(full.stdout).toMatch(/^No problems: 3 snapshots, \d+ blobs referenced, \d+ re-hashed\./);
    expect(full.code).toBe(0);
    const sample = JSON.parse((await run(['check', '--identity', 'Springfield', '--read-data=50', '--json'])).stdout) as { ok: boolean; blobs: { readPercent: number } };
    expect(sample).toMatchObject({ ok: true, blobs: { readPercent: 50 } });

    // Damage the blob of one item's data: check names the snapshots and the item.
    const store = await openStore(storeDir);
    const manifest = await store.readSnapshot(first.snapshotId);
    let victim: { id: string; hash: string } | undefined;
    for await (const entry of store.readList(manifest, 'items')) if (!victim && entry.data) victim = { id: entry.id, hash: entry.data.hash };
    await writeFile(join(storeDir, 'blobs', victim!.hash.slice(0, 2), victim!.hash), gzipSync(Buffer.from('not what was stored')));
    const damaged = await run(['check', '--identity', 'Springfield', '--read-data']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain(`Blob ${victim!.hash} is corrupt`);
    expect(damaged.stdout).toContain(first.snapshotId);
    expect(damaged.stdout).toContain(victim!.id);
  }, 60_000);

  it('exits 1 when an item fails, naming it and the reason', async () => {
    const broken = orgItems().find((i) => i.data?.kind === 'json' && !i.json.typeKeywords.includes('Hosted Service'))!;
    broken.json.modified = Date.now();
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: [`/content/items/${broken.json.id}/data`] });
    try {
      const result = await run(['backup', '--identity', 'Springfield', '--items', broken.json.id, '--json']);
      expect(result.code).toBe(1);
      const body = JSON.parse(result.stdout) as BackupJson;
      expect(body).toMatchObject({ status: 'partial', counts: { ok: 0, failed: 1 } });
      expect(body.problems).toEqual([expect.objectContaining({ itemId: broken.json.id, problems: [expect.objectContaining({ part: 'data', status: 'failed' })] })]);
      expect((await operations())[0]).toMatchObject({ id: body.operationId, status: 'partial' });
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
  }, 60_000);

  it('takes along what a chosen survey form needs, and with --no-dependencies only the form', async () => {
    const form = orgItems().find((i) => i.json.type === 'Form')!;
    const withNeeds = await run(['backup', '--identity', 'Springfield', '--items', form.json.id, '--json']);
    expect(withNeeds.code, withNeeds.stderr).toBe(0);
    const body = JSON.parse(withNeeds.stdout) as BackupJson & { takenAlong: { id: string; neededBy: { itemId: string; need: string }[] }[] };
    expect(body.takenAlong.length).toBeGreaterThanOrEqual(3);
    expect(body.takenAlong.flatMap((t) => t.neededBy)).toContainEqual(expect.objectContaining({ itemId: form.json.id, need: 'service of survey' }));
    expect(body.counts).toMatchObject({ ok: 1 + body.takenAlong.length, failed: 0 });
    const text = await run(['backup', '--identity', 'Springfield', '--items', form.json.id]);
    expect(text.stdout).toMatch(/taken along: \S+ ".*" \(Feature Service\): service of survey /);

    const alone = await run(['backup', '--identity', 'Springfield', '--items', form.json.id, '--no-dependencies', '--json']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(JSON.parse(alone.stdout)).toMatchObject({ counts: { ok: 1, skipped: 0, failed: 0 }, takenAlong: [] });
    expect((await operations())[0]).toMatchObject({ params: { items: [form.json.id], withDependencies: false } });
  }, 60_000);

  it('explains wrong input (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['backup'], /--identity is required/],
      [['backup', '--identity', 'Nowhere'], /There is no identity named or with the id "Nowhere"/],
      [['backup', '--identity', 'Springfield', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64/],
      [['backup', '--identity', 'Springfield', '--concurrency', '65'], /--concurrency must be a whole number from 1 to 64/],
      [['backup', '--identity', 'Springfield', '--name', 'bad\u0007name'], /may not contain control characters/],
      [['backup', '--identity', 'Springfield', '--items', 'abc', '--query', 'owner:x'], /either --query or --items/],
      [['backup', '--identity', 'Springfield', '--items', '../etc'], /is not an ArcGIS item id/],
      [['backup', '--identity', 'Springfield', '--bogus'], /Unknown option '--bogus'/],
      [['backup', '--identity', 'Springfield', '--no-dependencies'], /--no-dependencies goes with --items or --query/],
      [['check', '--identity', 'Springfield', '--read-data=0'], /--read-data=PERCENT needs a percentage/],
      [['snapshots'], /--identity is required/]
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect((await run(['backup', '--help'])).stdout).toMatch(/^Usage: orgkeeper backup --identity NAME/);
    // Wrong input starts nothing.
    expect((await operations()).filter((o) => o.status === 'queued' || o.status === 'running')).toEqual([]);
  }, 60_000);
});
