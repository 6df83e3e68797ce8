/**
 * `orgkeeper store reindex`: the database only indexes the store, so the index rebuilt from the File Location alone lists
 * exactly what was there before the rows were lost, and the API serves it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotIndexRepository } from '../src/backup/snapshot-index.repository.js';
import { openDatabase } from '../src/db/database.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';
import { startTestServer } from './support/server-harness.js';

const cli = runCli;

interface ReindexJson {
  identity: string;
  identityId: string;
  snapshots: number;
  items: number;
  unreadable: { id: string; file: string; error: string }[];
}

describe('orgkeeper store reindex', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  let backups: TempFolder;
  let storeDir: string;
  const run = (args: string[]) => cli(args, { dataDir: data.path });
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  /** The index as the database holds it, without the time it was written. */
  async function indexRows(identityId: string) {
    const db = openDatabase(join(data.path, 'orgkeeper.db'));
    try {
      const repository = new SnapshotIndexRepository(db);
      const snapshots = (await repository.listSnapshots(identityId)).map(({ indexed_at: _at, ...rest }) => rest);
      const items = [];
      for (const s of snapshots) items.push(...(await repository.searchItems(identityId, s.snapshot_id, { offset: 0, limit: 100_000 })).rows);
      return { snapshots, items };
    } finally {
      await db.destroy();
    }
  }

  async function dropIndex(identityId: string) {
    const db = openDatabase(join(data.path, 'orgkeeper.db'));
    try {
      await new SnapshotIndexRepository(db).deleteSnapshots(identityId);
    } finally {
      await db.destroy();
    }
  }

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data, backups } = fixture);
    storeDir = join(backups.path, 'springfield');
    await addIdentityWithCli(emu, data.path, { name: 'Springfield', fileLocation: storeDir });
    await addIdentityWithCli(emu, data.path, { name: 'Empty', fileLocation: join(backups.path, 'empty') });
    // Two snapshots written by the CLI, which does not touch the index.
    expect((await run(['backup', '--identity', 'Springfield', '--name', 'First', '--json'])).code).toBe(0);
    const record = orgItems().find((i) => i.data?.kind === 'json')!;
    record.data = { kind: 'json', text: JSON.stringify({ changed: true }) };
    record.json.modified = Date.now();
    expect((await run(['backup', '--identity', 'Springfield', '--name', 'Second', '--json'])).code).toBe(0);
  }, 90_000);

  afterAll(() => fixture?.close());

  it('rebuilds the index from the folder alone: the same listing after the rows are deleted', async () => {
    const first = await run(['store', 'reindex', '--identity', 'springfield', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as ReindexJson;
    expect(result).toMatchObject({ identity: 'Springfield', snapshots: 2, items: 2 * orgItems().length, unreadable: [] });
    const before = await indexRows(result.identityId);
    expect(before.snapshots.map((s) => s.name)).toEqual(['First', 'Second']);
    expect(before.items).toHaveLength(2 * orgItems().length);

    await dropIndex(result.identityId);
    expect((await indexRows(result.identityId)).snapshots).toEqual([]);

    const text = await run(['store', 'reindex', '--identity', 'Springfield']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Indexed 2 snapshots \\(${2 * orgItems().length} item entries\\) of "Springfield" in \\d+\\.\\d s\\.\\n$`));
    expect(await indexRows(result.identityId)).toEqual(before);

    // The API serves the rebuilt index.
    const server = await startTestServer({ dataDir: data.path, accounts: [{ username: 'viewer', password: 'correct horse battery staple', role: 'viewer' }] });
    try {
      const api = await server.login();
      const listed = await api.get<{ snapshots: { id: string; name: string; items: number }[] }>(`/api/identities/${result.identityId}/snapshots`);
      expect(listed.status).toBe(200);
      expect(listed.body.snapshots.map((s) => [s.id, s.name, s.items])).toEqual(before.snapshots.map((s) => [s.snapshot_id, s.name, orgItems().length]));
      const items = await api.get<{ total: number }>(`/api/identities/${result.identityId}/snapshots/${before.snapshots[1]!.snapshot_id}/items`);
      expect(items.body.total).toBe(orgItems().length);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('indexes nothing for an identity without backups (exit 0)', async () => {
    const result = await run(['store', 'reindex', '--identity', 'Empty', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ snapshots: 0, items: 0, unreadable: [] });
  });

  it('lists an unreadable snapshot manifest and exits 1, indexing the readable ones', async () => {
    await writeFile(join(storeDir, 'snapshots', '20200101T000000000Z-0badf00d.json'), '{ not json');
    const result = await run(['store', 'reindex', '--identity', 'Springfield', '--json']);
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as ReindexJson;
    expect(body.snapshots).toBe(2);
    expect(body.unreadable).toEqual([expect.objectContaining({ id: '20200101T000000000Z-0badf00d', file: join('snapshots', '20200101T000000000Z-0badf00d.json') })]);
    const text = await run(['store', 'reindex', '--identity', 'Springfield']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('unreadable: snapshots/20200101T000000000Z-0badf00d.json');
  });

  it('exits 2 on wrong usage', async () => {
    const noIdentity = await run(['store', 'reindex']);
    expect(noIdentity.code).toBe(2);
    expect(noIdentity.stderr).toMatch(/--identity is required/);
    const unknown = await run(['store', 'reindex', '--identity', 'Nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no identity named or with the id "Nowhere"/);
    const badSub = await run(['store', 'rebuild']);
    expect(badSub.code).toBe(2);
    expect(badSub.stderr).toMatch(/Unknown store command "rebuild"/);
    expect((await run(['store'])).code).toBe(2);
    const help = await run(['store', 'reindex', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orgkeeper store <reindex\|key\|copy>.*\n[\s\S]*orgkeeper store reindex --identity NAME/);
    expect((await run(['store', 'reindex', '--identity', 'x', '--bogus'])).code).toBe(2);
  });
});
