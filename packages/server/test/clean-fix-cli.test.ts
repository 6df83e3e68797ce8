/**
 * `orgkeeper fix` and `orgkeeper undo` against the emulated demo organization: --dry-run prints exactly what would
 * change and changes nothing, the fix then changes that, undo puts it back; usage errors say what is wrong (exit 2).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanRepository } from '../src/clean/clean.repository.js';
import type { FixPreview } from '../src/clean/fixes/fix.types.js';
import { newId } from '../src/lib/ids.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './identities/support.js';
import { runCli } from './support/cli-runner.js';
import { startTestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';

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
    const server = await startTestServer({ dataDir, admin: { username: 'admin', password: PASSWORD } });
    try {
      const api = await server.login();
      const created = await api.post<{ id: string }>('/api/identities', {
        type: 'online',
        name: 'Springfield',
        url: emu.portalUrl,
        appId: emu.appId,
        fileLocation: `${folder.path}/springfield`,
        username: emu.admin.username,
        password: emu.admin.password
      });
      expect(created.status, created.text).toBe(201);
      const items = [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId && i.json.access === 'public');
      publicIds = items.map((i) => i.json.id);
      const repository = new CleanRepository(server.server.db);
      scanId = newId();
      const now = new Date().toISOString();
      await repository.insertScan({
        id: scanId,
        identity_id: created.body.id,
        operation_id: null,
        scan_type: 'over-shared',
        options: '{}',
        status: 'running',
        message: null,
        summary: null,
        findings: 0,
        allowlisted: 0,
        requests: 0,
        created_by: 'test',
        started_at: now,
        finished_at: null
      });
      findingIds = items.map(() => newId());
      await repository.finishScan(
        scanId,
        items.map((item, i) => ({
          id: findingIds[i]!,
          scan_id: scanId,
          finding_key: `public:${item.json.id}`,
          scan_type: 'over-shared',
          code: 'public',
          severity: 'warning',
          target_kind: 'item',
          target_id: item.json.id,
          target_title: String(item.json.title),
          target_title_key: String(item.json.title).toLowerCase(),
          target_type: String(item.json.type),
          target_owner: String(item.json.owner),
          target_folder_id: item.json.ownerFolder ?? null,
          portal_url: null,
          message: 'Shared with everyone.',
          where_text: null,
          details: '{}'
        })),
        { status: 'succeeded', findings: items.length, finished_at: now }
      );
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
