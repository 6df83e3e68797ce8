/**
 * The backup REST API over real HTTP against the emulated organization: start a backup, follow its operation, read its
 * per-item log (JSON and CSV), browse snapshots and items, item detail, downloads, diffs, cancel, and the roles and
 * CSRF rules on each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, openStore } from '../src/store/index.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { startOrgFixture, TERMINAL_STATUSES, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface Operation {
  id: string;
  kind: string;
  identityId: string;
  status: string;
  params: Record<string, unknown>;
  progress: { phase: string; itemsTotal: number; itemsDone: number; bytesRead: number; newBytes: number; itemsTakenAlong?: number } | null;
  message: string | null;
  result: { snapshotId: string; counts: { ok: number; skipped: number; failed: number; carriedOver: number }; newBytes: number; takenAlong?: unknown[] } | null;
  snapshotId: string | null;
  createdBy: string;
  startedAt: string | null;
  finishedAt: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface Snapshot {
  id: string;
  name: string;
  status: string;
  items: number;
  counts: { ok: number; layers: number; features: number };
  newBytes: number;
}
interface Page<T> {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  items: T[];
}
interface SnapshotItem {
  id: string;
  title: string;
  type: string;
  owner: string;
  modified: string;
  status: string;
  features: number;
}

describe('backup REST API', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  let storeDir: string;
  let first: Operation;
  let second: Operation;
  let changedItem: string;
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const base = () => `/api/identities/${identityId}`;

  beforeAll(async () => {
    org = await startOrgFixture();
    ({ emu, server, admin, operator, viewer, identityId, storeDir } = org);
    // Untrusted titles: a spreadsheet formula and CSV metacharacters must come out of the CSV log as inert text.
    const web = orgItems().find((i) => i.json.type === 'Web Map')!;
    web.json.title = '=HYPERLINK("http://evil.example","click"), "quoted"';
  }, 60_000);

  afterAll(() => org?.close());

  it('refuses to start a backup without the operator role, without CSRF, or with bad input', async () => {
    const asViewer = await viewer.post<ErrorBody>(`${base()}/backups`, {});
    expect(asViewer.status).toBe(403);
    expect(asViewer.body.error.code).toBe('forbidden');
    const noCsrf = await operator.post<ErrorBody>(`${base()}/backups`, {}, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    const anonymous = await server.client().post<ErrorBody>(`${base()}/backups`, {});
    expect(anonymous.status).toBe(401);
    expect((await server.client().get(`${base()}/snapshots`)).status).toBe(401);
    expect((await server.client().get('/api/operations')).status).toBe(401);

    const both = await operator.post<ErrorBody>(`${base()}/backups`, { query: 'owner:x', items: ['abc'] });
    expect(both.status).toBe(400);
    expect(both.body.error.fields?.items).toMatch(/either a search query or item ids/);
    const badId = await operator.post<ErrorBody>(`${base()}/backups`, { items: ['not an id'] });
    expect(badId.body.error.fields?.items).toMatch(/is not an ArcGIS item id/);
    const emptyName = await operator.post<ErrorBody>(`${base()}/backups`, { name: '  ' });
    expect(emptyName.body.error.fields?.name).toMatch(/name is empty/);
    const badConcurrency = await operator.post<ErrorBody>('/api/operations', { kind: 'backup', identityId, params: { concurrency: 0 } });
    expect(badConcurrency.status).toBe(400);
    expect(badConcurrency.body.error.fields?.concurrency).toMatch(/concurrency must be a whole number from 1 to 64/);
    const missing = await operator.post<ErrorBody>('/api/identities/nope/backups', {});
    expect(missing.status).toBe(404);
    expect((await admin.get<{ operations: Operation[] }>('/api/operations')).body.operations).toEqual([]);
  });

  it('starts a backup (202 with an operation id) and follows it to succeeded', async () => {
    const started = await operator.post<{ operationId: string }>(`${base()}/backups`, { name: 'Nightly' });
    expect(started.status, started.text).toBe(202);
    expect(started.body.operationId).toMatch(/^[0-9a-f-]{36}$/);
    first = await waitForOperation<Operation>(viewer, started.body.operationId);
    expect(first).toMatchObject({ kind: 'backup', identityId, status: 'succeeded', createdBy: 'operator', params: { name: 'Nightly' } });
    expect(first.result?.counts).toMatchObject({ ok: orgItems().length, skipped: 0, failed: 0 });
    expect(first.progress).toMatchObject({ phase: 'done', itemsTotal: orgItems().length, itemsDone: orgItems().length });
    expect(first.snapshotId).toBe(first.result?.snapshotId);
    expect(first.message).toMatch(new RegExp(`^${orgItems().length} items ok, 0 skipped, 0 failed`));
    expect(Date.parse(first.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(first.startedAt!));

    const listed = await viewer.get<{ operations: Operation[] }>(`/api/operations?identityId=${identityId}&kind=backup&status=succeeded`);
    expect(listed.body.operations.map((o) => o.id)).toEqual([first.id]);
    expect((await viewer.get<{ operations: Operation[] }>('/api/operations?status=failed')).body.operations).toEqual([]);
    expect((await viewer.get<ErrorBody>('/api/operations?status=done')).status).toBe(400);
    expect((await viewer.get<ErrorBody>('/api/operations/no-such-operation')).status).toBe(404);
  }, 90_000);

  it('keeps a per-item log, as JSON pages and as a CSV that is safe to open in a spreadsheet', async () => {
    const all = await viewer.get<Page<{ itemId: string; title: string; owner: string; status: string; parts: string[]; modified: string; bytesRead: number }>>(
      `/api/operations/${first.id}/items?num=1000`
    );
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(orgItems().length);
    expect(all.body.items.map((i) => i.itemId).sort()).toEqual(orgItems().map((i) => i.json.id).sort());
    for (const row of all.body.items) {
      const record = emu.context.state.items.get(row.itemId)!;
      expect(row).toMatchObject({ status: 'ok', owner: record.json.owner, title: record.json.title, modified: new Date(record.json.modified).toISOString() });
      expect(row.parts).toContain('item');
    }
    expect(all.body.items.reduce((sum, r) => sum + r.bytesRead, 0)).toBeGreaterThan(0);
    const page = await viewer.get<Page<unknown>>(`/api/operations/${first.id}/items?num=2&start=3`);
    expect(page.body).toMatchObject({ total: orgItems().length, start: 3, num: 2, nextStart: 5 });
    expect(page.body.items).toHaveLength(2);
    expect((await viewer.get<Page<unknown>>(`/api/operations/${first.id}/items?status=failed`)).body).toMatchObject({ total: 0, items: [], nextStart: -1 });

    const csv = await viewer.get(`/api/operations/${first.id}/items.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="orgkeeper-backup-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv"$/);
    const lines = csv.text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('item id,title,type,owner,modified,status,parts,carried over,bytes read,new bytes stored,duration ms,error,action,new id');
    expect(lines).toHaveLength(orgItems().length + 2);
    const web = orgItems().find((i) => i.json.type === 'Web Map')!;
    const webLine = lines.find((l) => l.startsWith(`${web.json.id},`))!;
    // Quoted (comma and quotes inside), quotes doubled, and the formula defused by a leading apostrophe.
    expect(webLine).toContain(`,"'=HYPERLINK(""http://evil.example"",""click""), ""quoted""",Web Map,`);
    expect(webLine).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,ok,/);
    // A backup row has no error, action or new id: the last three cells are empty.
    expect(webLine).toMatch(/,\d+,,,$/);
  });

  it('puts the action and new id of restore steps in the CSV log (the same columns for every kind)', async () => {
    // A finished restore's log as the restore job writes it (the restore itself is tested in restore-api.test.ts).
    const repository = server.server.services.repositories.operations;
    const id = `restore-log-${Date.now()}`;
    const at = new Date().toISOString();
    await repository.insert({
      id, kind: 'restore', identity_id: identityId, status: 'partial', params: '{}', progress: null, message: 'Restored 1 of 2.', result: null,
      snapshot_id: first.snapshotId, created_by: 'admin', created_at: at, started_at: at, finished_at: at, runner_id: null, heartbeat_at: null,
      cancel_requested_by: null, exclusive_key: null
    });
    const step = { operation_id: id, owner: 'jdoe', modified: null, parts: '', carried_over: 0, bytes_read: 0, new_bytes: 0, duration_ms: 12, details: null };
    await repository.insertItems([
      { ...step, item_id: 'aaaa1111', title: 'Parks', type: 'Web Map', status: 'ok', error: null, action: 'create', new_id: 'bbbb2222', seq: 1 },
      { ...step, item_id: 'cccc3333', title: 'Roads', type: 'Feature Service', status: 'failed', error: 'Item does not exist', action: 'overwrite', new_id: null, seq: 2 }
    ]);
    const csv = await viewer.get(`/api/operations/${id}/items.csv`);
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n')).toEqual([
      'item id,title,type,owner,modified,status,parts,carried over,bytes read,new bytes stored,duration ms,error,action,new id',
      'aaaa1111,Parks,Web Map,jdoe,,ok,,no,0,0,12,,create,bbbb2222',
      'cccc3333,Roads,Feature Service,jdoe,,failed,,no,0,0,12,Item does not exist,overwrite,',
      ''
    ]);
  });

  it('lists snapshots and browses their items from the index', async () => {
    const listed = await viewer.get<{ snapshots: Snapshot[]; unreadable: unknown[] }>(`${base()}/snapshots`);
    expect(listed.status).toBe(200);
    expect(listed.body.unreadable).toEqual([]);
    expect(listed.body.snapshots).toHaveLength(1);
    expect(listed.body.snapshots[0]).toMatchObject({ id: first.snapshotId, name: 'Nightly', status: 'complete', items: orgItems().length });
    expect(listed.body.snapshots[0]!.newBytes).toBeGreaterThan(0);

    const summary = await viewer.get<{ snapshot: Snapshot; types: { value: string; count: number }[]; owners: { value: string; count: number }[] }>(
      `${base()}/snapshots/${first.snapshotId}`
    );
    expect(summary.status).toBe(200);
    expect(summary.body.snapshot).toMatchObject({ id: first.snapshotId, items: orgItems().length });
    const webMaps = orgItems().filter((i) => i.json.type === 'Web Map').length;
    expect(summary.body.types).toContainEqual({ value: 'Web Map', count: webMaps });
    expect(summary.body.owners.reduce((s, o) => s + o.count, 0)).toBe(orgItems().length);

    const byType = await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?type=${encodeURIComponent('Web Map')}`);
    expect(byType.body.total).toBe(webMaps);
    expect(byType.body.items.every((i) => i.type === 'Web Map')).toBe(true);

    const owner = orgItems()[0]!.json.owner;
    const byOwner = await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?owner=${encodeURIComponent(owner)}&num=1000`);
    expect(byOwner.body.items.map((i) => i.id).sort()).toEqual(orgItems().filter((i) => i.json.owner === owner).map((i) => i.json.id).sort());

    const search = await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?q=${encodeURIComponent('HYPERLINK("http')}`);
    expect(search.body.items.map((i) => i.type)).toEqual(['Web Map']);
    // LIKE wildcards in the query match themselves, not everything.
    expect((await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?q=%25`)).body.total).toBe(0);

    const paged = await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?num=2`);
    expect(paged.body).toMatchObject({ total: orgItems().length, start: 1, nextStart: 3 });
    const titles = (await viewer.get<Page<SnapshotItem>>(`${base()}/snapshots/${first.snapshotId}/items?num=1000`)).body.items.map((i) => i.title.toLowerCase());
    expect(titles).toEqual([...titles].sort());

    expect((await viewer.get<ErrorBody>(`${base()}/snapshots/20990101T000000000Z-deadbeef`)).status).toBe(404);
    expect((await viewer.get<ErrorBody>(`${base()}/snapshots/not-a-snapshot/items`)).status).toBe(404);
  });

  it('shows an item’s detail and downloads it as a ZIP and its layer as GeoJSON', async () => {
    const hosted = orgItems().find((i) => i.json.type === 'Feature Service')!;
    const detail = await viewer.get<{
      item: { id: string; status: string; parts: { item: { size: number } | null; sharing: unknown }; service: { layers: { id: number; featureCount: number; status: string }[] } | null };
      itemJson: { id: string; title: string };
    }>(`${base()}/snapshots/${first.snapshotId}/items/${hosted.json.id}`);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.itemJson).toMatchObject({ id: hosted.json.id, title: hosted.json.title });
    expect(detail.body.item).toMatchObject({ id: hosted.json.id, status: 'ok' });
    expect(detail.body.item.parts.item?.size).toBeGreaterThan(0);
    expect(detail.body.item.parts.sharing).not.toBeNull();
    const layers = detail.body.item.service!.layers;
    expect(layers.length).toBeGreaterThan(0);
    const layer = layers.find((l) => l.featureCount > 0)!;
    expect(layer).toBeDefined();
    expect(detail.text).not.toMatch(/"hash"/);
    expect((await viewer.get(`${base()}/snapshots/${first.snapshotId}/items/0000000000000000000000000000dead`)).status).toBe(404);

    const zip = await fetch(new URL(`${base()}/snapshots/${first.snapshotId}/items/${hosted.json.id}/export.zip`, server.url), { headers: { cookie: viewer.cookie! } });
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toBe(`attachment; filename="${hosted.json.id}-${first.snapshotId}.zip"`);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');

    const geojson = await viewer.get<{ type: string; features: unknown[] }>(`${base()}/snapshots/${first.snapshotId}/items/${hosted.json.id}/layers/${layer.id}.geojson`);
    expect(geojson.status).toBe(200);
    expect(geojson.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const parsed = JSON.parse(geojson.text) as { type: string; features: unknown[] };
    expect(parsed.type).toBe('FeatureCollection');
    expect(parsed.features).toHaveLength(layer.featureCount);
    const noLayer = await viewer.get<ErrorBody>(`${base()}/snapshots/${first.snapshotId}/items/${hosted.json.id}/layers/999.geojson`);
    expect(noLayer.status).toBe(404);
  });

  it('backs up again after a change and diffs the two snapshots', async () => {
    const record = orgItems().find((i) => i.data?.kind === 'json' && i.json.type !== 'Web Map')!;
    changedItem = record.json.id;
    record.data = { kind: 'json', text: JSON.stringify({ changed: true, at: Date.now() }) };
    record.json.modified = Date.now();
    const started = await operator.post<{ operationId: string }>(`${base()}/backups`, {});
    expect(started.status).toBe(202);
    second = await waitForOperation<Operation>(viewer, started.body.operationId);
    expect(second.status).toBe('succeeded');
    expect(second.result?.counts.carriedOver).toBe(orgItems().length - 1);

    const listed = await viewer.get<{ snapshots: Snapshot[] }>(`${base()}/snapshots`);
    expect(listed.body.snapshots.map((s) => s.id)).toEqual([first.snapshotId, second.snapshotId]);

    const diff = await viewer.get<{ from: string; to: string; items: { added: unknown[]; removed: unknown[]; changed: { id: string; parts: string[] }[] } }>(
      `${base()}/snapshots/diff?from=${first.snapshotId}&to=${second.snapshotId}`
    );
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body).toMatchObject({ from: first.snapshotId, to: second.snapshotId, items: { added: [], removed: [] } });
    expect(diff.body.items.changed.map((c) => c.id)).toEqual([changedItem]);
    expect(diff.body.items.changed[0]!.parts).toEqual(expect.arrayContaining(['data', 'item']));
    expect((await viewer.get<ErrorBody>(`${base()}/snapshots/diff?from=${first.snapshotId}`)).status).toBe(400);
  }, 90_000);

  it('cancels a running backup: status cancelled, earlier snapshots intact and the store check clean', async () => {
    emu.faults.update({ latencyMs: 250 });
    try {
      // Every item changed, so nothing is carried over and the run takes long enough to cancel in the middle.
      for (const record of orgItems()) record.json.modified = Date.now();
      const started = await operator.post<{ operationId: string }>(`${base()}/backups`, { name: 'To be cancelled' });
      expect(started.status).toBe(202);
      const id = started.body.operationId;
      await waitForOperation<Operation>(viewer, id, { until: (op) => (op.progress?.itemsDone ?? 0) > 0 || TERMINAL_STATUSES.includes(op.status) });

      const again = await operator.post<ErrorBody>(`${base()}/backups`, {});
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_running');
      expect(again.body.error.message).toContain(id);

      expect((await viewer.post<ErrorBody>(`/api/operations/${id}/cancel`)).status).toBe(403);
      expect((await operator.post<ErrorBody>(`/api/operations/${id}/cancel`, undefined, { csrf: false })).body.error.code).toBe('csrf_failed');
      const cancelled = await operator.post<Operation>(`/api/operations/${id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body).toMatchObject({ id, status: 'cancelled', snapshotId: null });
      expect(cancelled.body.message).toMatch(/^Cancelled by operator\./);
      expect(cancelled.body.finishedAt).not.toBeNull();
      expect((await operator.post<ErrorBody>(`/api/operations/${id}/cancel`)).body.error.code).toBe('conflict');
      // What it stored before stopping is its log (and is not downloaded again by the next run).
      const log = await viewer.get<Page<{ itemId: string; status: string; owner: string }>>(`/api/operations/${id}/items?num=1000`);
      expect(log.body.total).toBeGreaterThan(0);
      expect(log.body.total).toBeLessThan(orgItems().length);
      expect(cancelled.body.message).toContain(`${log.body.total} items were stored before it stopped`);
      expect(log.body.items.every((i) => i.status === 'ok' && i.owner !== '')).toBe(true);
    } finally {
      emu.faults.reset();
    }
    const store = await openStore(storeDir, { expectOrgId: emu.orgId });
    const result = await check(store);
    expect(result.problems).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.snapshots.total).toBe(2);
    expect((await viewer.get<{ snapshots: Snapshot[] }>(`${base()}/snapshots`)).body.snapshots).toHaveLength(2);

    const audit = await admin.get<{ events: { action: string; actor: { name: string } }[] }>('/api/audit?limit=500');
    const actions = audit.body.events.map((e) => `${e.action}:${e.actor.name}`);
    expect(actions).toContain('backup.start:operator');
    expect(actions).toContain('operation.cancel:operator');
    expect(actions).toContain('backup.finish:backup');
  }, 120_000);

  it('keeps CLI and server backups of an identity apart; a CLI backup is in the Logs and is cancelled from the web app', async () => {
    const cli = (args: string[]) => runCli(args, { dataDir: server.dataDir });
    emu.faults.update({ latencyMs: 250 });
    try {
      // `orgkeeper backup` against the server's data directory, while the server runs.
      for (const record of orgItems()) record.json.modified = Date.now();
      let cliEnded = false;
      const cliRun = cli(['backup', '--identity', identityId, '--json']).finally(() => (cliEnded = true));
      let cliOp: Operation | undefined;
      while (!cliOp) {
        const listed = await viewer.get<{ operations: Operation[] }>(`/api/operations?identityId=${identityId}&kind=backup&status=running`);
        cliOp = listed.body.operations.find((o) => o.createdBy === 'cli' && (o.progress?.itemsDone ?? 0) > 0);
        if (!cliOp && cliEnded) throw new Error(`The CLI backup ended early: ${JSON.stringify(await cliRun)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const refused = await operator.post<ErrorBody>(`${base()}/backups`, {});
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'already_running', message: expect.stringContaining(cliOp.id) });
      const cancelled = await operator.post<Operation>(`/api/operations/${cliOp.id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      const outcome = await cliRun;
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/^orgkeeper: backup stopped\. Cancelled by operator\. .*Run the same command again to continue where it stopped\.\n$/);
      const after = await viewer.get<Operation>(`/api/operations/${cliOp.id}`);
      expect(after.body).toMatchObject({ status: 'cancelled', createdBy: 'cli', message: expect.stringMatching(/^Cancelled by operator\./) });
      expect((await viewer.get<Page<unknown>>(`/api/operations/${cliOp.id}/items`)).body.total).toBeGreaterThan(0);

      // And the other way round: a CLI backup is refused while the server backs the identity up.
      const started = await operator.post<{ operationId: string }>(`${base()}/backups`, {});
      expect(started.status).toBe(202);
      const id = started.body.operationId;
      await waitForOperation<Operation>(viewer, id, { until: (op) => op.status === 'running' || TERMINAL_STATUSES.includes(op.status) });
      const second = await cli(['backup', '--identity', identityId]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`A backup of "Springfield" is already running (operation ${id}).`);
      expect((await operator.post<Operation>(`/api/operations/${id}/cancel`)).body.status).toBe('cancelled');
    } finally {
      emu.faults.reset();
    }
    expect((await check(await openStore(storeDir, { expectOrgId: emu.orgId }))).ok).toBe(true);
  }, 120_000);

  it('backs up a chosen survey form with what it needs (withDependencies, default on) or alone, and says why items were taken', async () => {
    const bad = await operator.post<ErrorBody>(`${base()}/backups`, { items: ['abc'], withDependencies: 'no' });
    expect(bad.status).toBe(400);
    const badParam = await operator.post<ErrorBody>('/api/operations', { kind: 'backup', identityId, params: { items: ['abc'], withDependencies: 'no' } });
    expect(badParam.body.error.fields?.withDependencies).toMatch(/must be true or false/);

    const form = orgItems().find((i) => i.json.type === 'Form')!;
    const withNeeds = await waitForOperation<Operation>(viewer, (await operator.post<{ operationId: string }>(`${base()}/backups`, { items: [form.json.id] })).body.operationId);
    expect(withNeeds.status, withNeeds.message ?? '').toBe('succeeded');
    const taken = withNeeds.result?.takenAlong as { id: string; type: string; neededBy: { itemId: string; need: string }[] }[];
    expect(taken.length).toBeGreaterThanOrEqual(3);
    expect(taken.every((t) => t.type === 'Feature Service')).toBe(true);
    expect(taken.flatMap((t) => t.neededBy.map((b) => b.need))).toContain('service of survey');
    expect(withNeeds.progress).toMatchObject({ itemsTotal: 1 + taken.length, itemsTakenAlong: taken.length });
    expect(withNeeds.message).toMatch(new RegExp(`${taken.length} items taken along`));
    const detail = await viewer.get<{ item: { neededBy: { itemId: string; need: string }[] } }>(`${base()}/snapshots/${withNeeds.snapshotId}/items/${taken[0]!.id}`);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.item.neededBy).toEqual(taken[0]!.neededBy.map((b) => expect.objectContaining({ itemId: b.itemId, need: b.need })));
    // The operation's per-item log says it too.
    const log = await viewer.get<{ items: { itemId: string; details: { takenAlong?: string[] } | null }[] }>(`/api/operations/${withNeeds.id}/items`);
    expect(log.body.items.find((i) => i.itemId === taken[0]!.id)?.details?.takenAlong?.[0]).toMatch(/^(service|data) of survey |^(source|view) of (view|service) /);
    expect(log.body.items.find((i) => i.itemId === form.json.id)?.details ?? null).toBeNull();
    const formDetail = await viewer.get<{ item: { neededBy: unknown[] } }>(`${base()}/snapshots/${withNeeds.snapshotId}/items/${form.json.id}`);
    expect(formDetail.body.item.neededBy).toEqual([]);
    // The snapshot's item list marks each item taken along with the item that needs it (the chosen form where it is one
    // of them, else the first) and how many do; the chosen form is not marked.
    type Marked = SnapshotItem & { takenAlong: { itemId: string; title: string; need: string; neededBy: number } | null };
    const listed = async () => (await viewer.get<Page<Marked>>(`${base()}/snapshots/${withNeeds.snapshotId}/items?num=100`)).body.items;
    const shown = (t: (typeof taken)[number]) => t.neededBy.find((b) => b.itemId === form.json.id) ?? t.neededBy[0]!;
    const expected = Object.fromEntries([
      [form.json.id, null],
      ...taken.map((t) => [t.id, { itemId: shown(t).itemId, title: orgItems().find((i) => i.json.id === shown(t).itemId)!.json.title, need: shown(t).need, neededBy: t.neededBy.length }])
    ]);
    const marks = async () => Object.fromEntries((await listed()).map((i) => [i.id, i.takenAlong]));
    expect(await marks()).toEqual(expected);
    const forForm = taken.filter((t) => shown(t).itemId === form.json.id).map((t) => expected[t.id]);
    expect(forForm.length).toBeGreaterThan(0);
    for (const mark of forForm) expect(mark).toMatchObject({ need: expect.stringMatching(/^(service|data) of survey$/), title: form.json.title });
    // A snapshot indexed before items carried this (index version 1, no marks) is indexed again when its items are listed.
    const index = server.server.services.repositories.snapshotIndex;
    const indexed = (await index.findSnapshot(identityId, withNeeds.snapshotId!))!;
    const rows = (await index.searchItems(identityId, withNeeds.snapshotId!, { offset: 0, limit: 100 })).rows;
    await index.replaceSnapshot({ ...indexed, index_version: 1 }, rows.map((r) => ({ ...r, needed_by_id: null, needed_by_title: null, needed_by_need: null, needed_by_count: 0 })));
    expect(await marks()).toEqual(expected);
    expect(await index.findSnapshot(identityId, withNeeds.snapshotId!)).toMatchObject({ index_version: 2 });

    const alone = await waitForOperation<Operation>(viewer, (await operator.post<{ operationId: string }>(`${base()}/backups`, { items: [form.json.id], withDependencies: false })).body.operationId);
    expect(alone).toMatchObject({ status: 'succeeded', params: { items: [form.json.id], withDependencies: false }, result: { takenAlong: [] } });
    expect(alone.result?.counts).toMatchObject({ ok: 1, skipped: 0, failed: 0 });
  }, 120_000);

  it('marks operations left running by an earlier process as interrupted at start-up', async () => {
    const services = server.server.services;
    await services.repositories.operations.insert({
      id: 'left-running',
      kind: 'backup',
      identity_id: identityId,
      status: 'running',
      params: '{}',
      progress: null,
      message: null,
      result: null,
      snapshot_id: null,
      created_by: 'operator',
      created_at: new Date().toISOString(),
      started_at: new Date().toISOString(),
      finished_at: null
    });
    await services.operations.recoverInterrupted();
    const op = await viewer.get<Operation>('/api/operations/left-running');
    expect(op.body).toMatchObject({ status: 'interrupted' });
    expect(op.body.message).toMatch(/Run it again/);
  });
});
