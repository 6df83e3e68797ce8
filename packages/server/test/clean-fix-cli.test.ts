/**
 * `orgkeeper fix` and `orgkeeper undo` against the emulated demo organization: --dry-run prints exactly what would
 * change and changes nothing, the fix then changes that, undo puts it back; usage errors say what is wrong (exit 2).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixPreview } from '../src/clean/fixes/fix.types.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { startTestServer } from './support/server-harness.js';
import { storeScan } from './support/stored-scan.js';
import { createIdentity, ROLE_ACCOUNTS } from './support/org-fixture.js';

describe('orgkeeper fix and undo', () => {
  let emu: EmulatorHandle;
  let dataDir: string;
  let folder: { path: string; remove(): Promise<void> };
  let scanId: string;
  let findingIds: string[];
  let publicIds: string[];
  const access = () => publicIds.map((id) => emu.context.state.items.get(id)!.json.access);

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    dataDir = await mkdtemp(join(tmpdir(), 'orgkeeper-fix-cli-'));
    folder = await tempFolder();
    // The identity and a stored scan are set up through a server on the same data directory, which is then stopped:
    // the CLI works on the data directory alone.
    const server = await startTestServer({ dataDir, accounts: ROLE_ACCOUNTS.slice(0, 1) });
    try {
      const api = await server.login();
      const identityId = await createIdentity(api, emu, { fileLocation: `${folder.path}/springfield` });
      const items = [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId && i.json.access === 'public');
      publicIds = items.map((i) => i.json.id);
      ({ scanId, ids: findingIds } = await storeScan(
        server.server.db,
        identityId,
        items.map((item) => ({
          key: `public:${item.json.id}`,
          code: 'public',
          message: 'Shared with everyone.',
          target: { kind: 'item', id: item.json.id, title: String(item.json.title), type: String(item.json.type), owner: String(item.json.owner), folderId: item.json.ownerFolder ?? null }
        }))
      ));
    } finally {
      await server.close();
    }
  }, 60_000);

  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('previews with --dry-run, fixes, and undoes', async () => {
    expect(access().every((a) => a === 'public')).toBe(true);
    const dry = await runCli(['fix', '--scan', scanId, '--all', '--action', 'unshare', '--option', 'from=everyone', '--dry-run'], { dataDir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${publicIds.length} will change, 0 skipped`);
    expect(dry.stdout).toContain('Sharing: Everyone (public) -> Organization');
    expect(access().every((a) => a === 'public')).toBe(true);

    const json = await runCli(['fix', '--scan', scanId, '--findings', findingIds[0]!, '--action', 'unshare', '--dry-run', '--json'], { dataDir });
    expect(json.code, json.stderr).toBe(0);
    const preview = JSON.parse(json.stdout) as FixPreview;
    expect(preview.findings.map((p) => [p.findingId, p.status])).toEqual([[findingIds[0], 'change']]);

    const hash = /^Preview ([0-9a-f]{64}) /.exec(dry.stdout)?.[1];
    expect(hash, dry.stdout).toBeTruthy();
    const applied = await runCli(['fix', '--scan', scanId, '--all', '--action', 'unshare', '--preview-hash', hash!], { dataDir });
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(applied.stdout).toContain(`${publicIds.length} fixed, 0 failed, 0 skipped`);
    expect(access().every((a) => a === 'org')).toBe(true);
    const fixId = /orgkeeper undo --fix (\S+)/.exec(applied.stdout)?.[1];
    expect(fixId, applied.stdout).toBeTruthy();

    const undone = await runCli(['undo', '--fix', fixId!], { dataDir });
    expect(undone.code, undone.stderr + undone.stdout).toBe(0);
    expect(undone.stdout).toContain(`${publicIds.length} findings put back as before the fix`);
    expect(access().every((a) => a === 'public')).toBe(true);

    const again = await runCli(['undo', '--fix', fixId!], { dataDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already undone');
  }, 120_000);

  it('says what is wrong with the command line (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['fix', '--all', '--action', 'protect'], '--scan is required'],
      [['fix', '--scan', scanId, '--action', 'protect'], '--findings ID,ID or --all'],
      [['fix', '--scan', scanId, '--all', '--action', 'shred'], 'Unknown action "shred"'],
      [['fix', '--scan', scanId, '--all', '--action', 'reassign', '--dry-run'], 'targetUsername'],
      [['fix', '--scan', scanId, '--all', '--action', 'protect', '--option', 'colour=red'], 'Unknown option'],
      [['fix', '--scan', 'no-such-scan', '--all', '--action', 'protect'], 'There is no scan no-such-scan'],
      [['fix', '--scan', scanId, '--findings', 'nope', '--action', 'protect', '--dry-run'], 'not a finding'],
      [['undo'], '--fix is required'],
      [['undo', '--fix', 'nope'], 'There is no fix nope']
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args, { dataDir });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(access().every((a) => a === 'public')).toBe(true);
  }, 60_000);
});
