// Snapshot pins end to end: `orgkeeper forget` and `prune` leave alone a snapshot that a reader in another process
// (standing in for a long restore) has pinned, say so, and treat the pin as gone once that process dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withServices } from '../src/commands/command-services.js';
import { initStore, listPins, type Store } from '../src/store/index.js';
import { buildSnapshot } from '../src/store/testing/fixtures.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

const child = fileURLToPath(new URL('../src/store/testing/pin-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface PinEvent {
  pid: number;
  event: 'pinned' | 'failed' | 'released';
  message?: string;
}

/** A reader in another process holding a pin on `ids` until its stdin closes. */
async function startReader(dir: string, ids: string[]): Promise<{ proc: ChildProcess; pid: number; exited: Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, 'restore', ...ids], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const first = await new Promise<PinEvent>((resolve, reject) => {
    let buffer = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const nl = buffer.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buffer.slice(0, nl)) as PinEvent);
    });
    proc.on('exit', () => reject(new Error(`the reader exited before pinning: ${stderr}`)));
  });
  if (first.event !== 'pinned') throw new Error(`the reader could not pin: ${first.message}`);
  return { proc, pid: first.pid, exited };
}

describe('snapshot pins (CLI, reader in another process)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let store: Store;
  let ids: string[];
  let reader: Awaited<ReturnType<typeof startReader>> | undefined;
  const run = (args: string[]) => runCli(args, { dataDir: data.path });

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data, backups } = fixture);
    const location = join(backups.path, 'store');
    await addIdentityWithCli(emu, data.path, { name: 'Ogdenville', fileLocation: location });
    // Three daily snapshots written straight into the identity's store (a real backup is not what is tested here).
    store = await initStore(location, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Ogdenville' });
    ids = [];
    for (let day = 1; day <= 3; day++) {
      const manifest = await buildSnapshot(store, [{ id: `item${day}`, title: `Day ${day}`, data: `content of day ${day}` }], { name: `Day ${day}`, at: new Date(`2026-03-0${day}T12:00:00Z`) });
      await store.writeSnapshot(manifest);
      ids.push(manifest.id);
    }
  }, 60_000);

  afterAll(async () => {
    reader?.proc.kill('SIGKILL');
    await reader?.exited;
    await fixture?.close();
  });

  it('forget keeps the snapshot a restore is reading, prune keeps its content, and both let go once the reader is gone', async () => {
    const [oldest, middle, newest] = ids as [string, string, string];
    reader = await startReader(store.location, [oldest]);

    const dry = await run(['forget', '--identity', 'Ogdenville', '--keep-last', '1', '--utc', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`keep +${oldest} .*\\(in use by restore\\)`));
    expect(dry.stdout).toMatch(new RegExp(`would remove +${middle}`));
    expect(dry.stdout).not.toMatch(new RegExp(`would remove +${oldest}`));

    const forgot = await run(['forget', '--identity', 'Ogdenville', '--keep-last', '1', '--utc', '--json']);
    expect(forgot.code, forgot.stderr).toBe(0);
    const result = JSON.parse(forgot.stdout) as { removed: string[]; keep: { id: string; reasons: string[] }[]; inUse: { id: string; operation: string; pid: number }[] };
    expect(result.removed).toEqual([middle]);
    expect(result.keep.map((k) => [k.id, k.reasons])).toEqual([
      [newest, ['last 1']],
      [oldest, ['in use by restore']]
    ]);
    expect(result.inUse).toEqual([expect.objectContaining({ id: oldest, operation: 'restore', pid: reader.pid })]);

    const pruned = JSON.parse((await run(['prune', '--identity', 'Ogdenville', '--json'])).stdout) as { deletedBlobs: number; inUse: { id: string }[] };
    expect(pruned.inUse.map((u) => u.id)).toEqual([oldest]);
    expect(pruned.deletedBlobs).toBeGreaterThan(0); // the forgotten middle snapshot's own content
    const shown = await run(['snapshot', 'show', oldest]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('item1');
    const checked = await run(['check', '--identity', 'Ogdenville', '--read-data']);
    expect(checked.code, checked.stdout).toBe(0);

    // The reader dies without releasing: its pin names a pid that is gone, so forget clears it and proceeds.
    reader.proc.kill('SIGKILL');
    await reader.exited;
    const after = JSON.parse((await run(['forget', '--identity', 'Ogdenville', '--keep-last', '1', '--utc', '--json'])).stdout) as { removed: string[]; inUse: unknown[]; stalePinsCleared: number };
    expect(after).toMatchObject({ removed: [oldest], inUse: [], stalePinsCleared: 1 });
    expect((await run(['snapshot', 'show', oldest])).code).toBe(2);
  }, 60_000);

  it('a running restore pins its snapshot: forget during the restore keeps it, and removes it once the restore is done', async () => {
    const backedUp = await run(['backup', '--identity', 'Ogdenville', '--name', 'Before', '--json']);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    const source = (JSON.parse(backedUp.stdout) as { snapshotId: string }).snapshotId;
    // A newer snapshot, so that `--keep-last 1` would remove the one being restored.
    const newer = await buildSnapshot(store, [{ id: 'later', title: 'Later', data: 'later' }], { name: 'Later', at: new Date(Date.now() + 60_000) });
    await store.writeSnapshot(newer);
    const map = [...emu.context.state.items.values()].find((i) => i.json.type === 'Web Map' && i.json.orgId === emu.orgId)!;

    const duringRestore: string[] = [];
    const io = { stdin: Readable.from([]), stdout: new PassThrough(), stderr: new PassThrough(), env: { ORGKEEPER_DATA_DIR: data.path, ORGKEEPER_PUBLIC_URL: 'https://orgkeeper.example.org' }, cwd: data.path };
    const { result } = await withServices(io, {}, async (services) => {
      const identity = await services.identities.findByIdOrName('Ogdenville');
      return services.restores.run({
        operationId: 'pinned-restore',
        identityId: identity.id,
        params: { snapshotId: source, mode: 'copy', items: [map.json.id] },
        signal: new AbortController().signal,
        beforeStep: async () => {
          if (duringRestore.length > 0) return;
          const forgot = await run(['forget', '--identity', 'Ogdenville', '--keep-last', '1', '--json']);
          expect(forgot.code, forgot.stderr).toBe(0);
          const parsed = JSON.parse(forgot.stdout) as { removed: string[]; keep: { id: string; reasons: string[] }[] };
          expect(parsed.removed).not.toContain(source);
          expect(parsed.keep.find((k) => k.id === source)?.reasons).toEqual(['in use by restore']);
          duringRestore.push(...parsed.removed);
        }
      });
    });
    expect(result.counts).toMatchObject({ failed: 0 });
    expect(result.counts.ok).toBeGreaterThan(0);
    expect(duringRestore).toEqual(ids.slice(2)); // only the unpinned older snapshot went
    expect(await listPins(store)).toEqual([]); // released

    const after = JSON.parse((await run(['forget', '--identity', 'Ogdenville', '--keep-last', '1', '--json'])).stdout) as { removed: string[] };
    expect(after.removed).toEqual([source]);
  }, 120_000);
});
