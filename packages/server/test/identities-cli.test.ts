import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-runner.js';
import { startTestServer } from './support/server-harness.js';
import { NON_ADMIN, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';

const cli = runCli;

describe('orgkeeper identities (CLI)', () => {
  let emu: EmulatorHandle;
  let data: { path: string; remove(): Promise<void> };
  let backups: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    data = await tempFolder('orgkeeper-data-');
    backups = await tempFolder();
  });
  afterAll(async () => {
    await emu?.close();
    await data?.remove();
    await backups?.remove();
  });

  const add = (name: string, extra: string[] = []) => [
    'identities', 'add', '--type', 'online', '--name', name, '--url', emu.portalUrl, '--app-id', emu.appId,
    '--file-location', join(backups.path, name.replace(/\W+/g, '-')), ...extra
  ];

  it('adds an identity with a built-in administrator account and stores the credentials (encrypted)', async () => {
    const run = await cli(add('Springfield', ['--username', emu.admin.username, '--password-stdin']), { dataDir: data.path, stdin: `${emu.admin.password}\n` });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Added "Springfield" \(ArcGIS Online, http:\/\/127\.0\.0\.1:\d+\)/);
    expect(run.stdout).toMatch(/Connected as "gis_admin" \(administrator\); the credentials are stored encrypted/);

    const listed = await cli(['identities', 'list', '--json'], { dataDir: data.path });
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as { identities: { name: string; status: { state: string; username: string; hasStoredPassword: boolean } }[]; redirectUri: string };
    expect(body.redirectUri).toBe('https://orgkeeper.example.org/api/oauth/callback');
    expect(body.identities).toHaveLength(1);
    expect(body.identities[0]).toMatchObject({ name: 'Springfield', status: { state: 'connected', username: 'gis_admin', hasStoredPassword: true } });

    const text = await cli(['identities', 'list'], { dataDir: data.path });
    expect(text.stdout).toMatch(/^NAME\s+TYPE\s+AUTH\s+URL\s+STATUS\s+FILE LOCATION/);
    expect(text.stdout).toMatch(/Springfield\s+Online\s+OAuth2\s+http:\/\/127\.0\.0\.1:\d+\s+connected as gis_admin/);

    for (const file of ['orgkeeper.db', 'orgkeeper.db-wal'].map((f) => join(data.path, f)).filter(existsSync)) {
      expect((await readFile(file, 'latin1')).includes(emu.admin.password)).toBe(false);
    }
  });

  it('tests it check by check (exit 0 when all pass)', async () => {
    const run = await cli(['identities', 'test', 'springfield'], { dataDir: data.path });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok +Portal reachable/);
    expect(run.stdout).toMatch(/ok +Administrator: "gis_admin" is an administrator/);
    expect(run.stdout).toMatch(/ok +Token lifetime: Signs in with the stored password of the built-in account "gis_admin"/);
    expect(run.stdout).toMatch(/All checks passed\./);
    const json = JSON.parse((await cli(['identities', 'test', 'Springfield', '--json'], { dataDir: data.path })).stdout) as { ok: boolean; checks: { id: string }[] };
    expect(json.ok).toBe(true);
    expect(json.checks.map((c) => c.id)).toEqual(['portal_reachable', 'kind_matches', 'signed_in', 'administrator', 'recycle_bin', 'token_lifetime', 'file_location']);
  });

  it('lets the server run scheduled work with what the CLI stored', async () => {
    const server = await startTestServer({ dataDir: data.path });
    try {
      const [row] = await server.server.services.repositories.identities.list();
      const session = await server.server.services.arcgisSessions.sessionFor(row!.id);
      const self = await session.request<{ username: string; role: string }>(`${emu.restUrl}/community/self`);
      expect(self).toMatchObject({ username: 'gis_admin', role: 'org_admin' });
    } finally {
      await server.close();
    }
  });

  it('refuses a wrong password and a non-administrator, saying why (exit 2)', async () => {
    const wrong = await cli(add('Wrong', ['--username', emu.admin.username, '--password-stdin']), { dataDir: data.path, stdin: 'not-the-password' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/password: The portal refused this user name and password \(.*\)\. Enter the password of a built-in ArcGIS account/);
    const user = await cli(add('Not admin', ['--username', NON_ADMIN.username, '--password-stdin']), { dataDir: data.path, stdin: NON_ADMIN.password });
    expect(user.code).toBe(2);
    expect(user.stderr).toMatch(/username: "maria\.publisher" is a publisher in .*not an administrator/);
    const names = (JSON.parse((await cli(['identities', 'list', '--json'], { dataDir: data.path })).stdout) as { identities: { name: string }[] }).identities.map((i) => i.name);
    expect(names).toEqual(['Springfield']);
  });

  it('explains wrong usage (exit 2) and unknown identities (exit 1)', async () => {
    const missing = await cli(['identities', 'add', '--type', 'online', '--name', 'x'], { dataDir: data.path });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--url is required/);
    const noStdin = await cli(add('x', ['--username', 'someone']), { dataDir: data.path });
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toMatch(/--username needs --password-stdin/);
    expect((await cli(['identities', 'frobnicate'], { dataDir: data.path })).code).toBe(2);
    const unknown = await cli(['identities', 'test', 'Nope'], { dataDir: data.path });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no identity named or with the id "Nope"/);
    const help = await cli(['identities', '--help'], { dataDir: data.path });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--password-stdin');
  });

  it('adds an OAuth2 identity without a password and says what to do next', async () => {
    const run = await cli(add('Shelbyville'), { dataDir: data.path });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Next: register this redirect URI on App ID ${emu.appId}: https://orgkeeper.example.org/api/oauth/callback`);
  });

  it('removes identities, keeping their backups and revoking nothing it does not have', async () => {
    const run = await cli(['identities', 'remove', 'Springfield'], { dataDir: data.path });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Removed "Springfield" and revoked its tokens\. Its backups in .*Springfield are kept\./);
    expect(existsSync(join(backups.path, 'Springfield'))).toBe(true);
    const json = await cli(['identities', 'remove', 'Shelbyville', '--json'], { dataDir: data.path });
    expect(JSON.parse(json.stdout)).toMatchObject({ removed: { name: 'Shelbyville' } });
    expect((await cli(['identities', 'list'], { dataDir: data.path })).stdout).toMatch(/No identities yet/);
  });
});
