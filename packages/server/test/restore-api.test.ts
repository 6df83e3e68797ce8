/**
 * The restore REST API over real HTTP: the plan (dry run), starting a restore as an operation and following it to the
 * end, its per-step log as JSON and CSV, and the authentication, role and CSRF rules on each route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreLogRow, RestorePlan } from '../src/restore/restore.types.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';
import { createIdentity, ROLE_ACCOUNTS, startOrgFixture, TEST_PASSWORD, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface Operation {
  id: string;
  kind: string;
  status: string;
  message: string | null;
  result: Record<string, unknown> | null;
  snapshotId: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

describe('restore REST API', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  let snapshotId: string;
  let mapId: string;
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const base = () => `/api/identities/${identityId}/restores`;

  beforeAll(async () => {
    org = await startOrgFixture();
    ({ emu, server, operator, viewer, identityId } = org);
    const started = await operator.post<{ operationId: string }>(`/api/identities/${identityId}/backups`, { name: 'Before' });
    expect(started.status, started.text).toBe(202);
    const backup = await waitForOperation<Operation>(operator, started.body.operationId);
    expect(backup.status).toBe('succeeded');
    snapshotId = backup.snapshotId!;
    mapId = orgItems().find((i) => i.json.title === 'Parks and Trails')!.json.id;
    emu.context.state.items.delete(mapId);
  }, 90_000);
  afterAll(() => org?.close());

  it('guards every route: sign-in, operator role, CSRF, valid input', async () => {
    const body = { snapshotId, mode: 'recreate', items: [mapId] };
    expect((await server.client().post(`${base()}/plan`, body)).status).toBe(401);
    expect((await server.client().get('/api/restores/x/steps')).status).toBe(401);
    expect((await server.client().get('/api/restores/x/log.csv')).status).toBe(401);
    const asViewer = await viewer.post<ErrorBody>(base(), body);
    expect(asViewer.status).toBe(403);
    const noCsrf = await operator.post<ErrorBody>(`${base()}/plan`, body, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    const both = await operator.post<ErrorBody>(`${base()}/plan`, { snapshotId, mode: 'recreate', items: [mapId], all: true });
    expect(both.status).toBe(400);
    expect(both.body.error.fields?.items).toMatch(/exactly one/);
    const clone = await operator.post<ErrorBody>(`${base()}/plan`, { snapshotId, mode: 'clone', all: true });
    expect(clone.body.error.fields?.targetIdentityId).toMatch(/identity to clone into/);
    const unknown = await operator.get<ErrorBody>('/api/restores/no-such-op/steps');
    expect(unknown.status).toBe(404);
  });

  it('plans, starts and logs a restore', async () => {
    const before = orgItems().length;
    const planned = await operator.post<{ plan: RestorePlan }>(`${base()}/plan`, { snapshotId, mode: 'recreate', query: 'parks' });
    expect(planned.status, planned.text).toBe(200);
    expect(planned.body.plan.steps.find((s) => s.sourceId === mapId)).toMatchObject({ action: 'create', kind: 'item' });
    expect(orgItems().length).toBe(before);

    const started = await operator.post<{ operationId: string }>(base(), { snapshotId, mode: 'recreate', items: [mapId] });
    expect(started.status, started.text).toBe(202);
    const done = await waitForOperation<Operation>(viewer, started.body.operationId);
    expect(done, done.message ?? '').toMatchObject({ kind: 'restore', status: 'succeeded', snapshotId });
    expect(orgItems().length).toBe(before + 1);

    const steps = await viewer.get<{ steps: RestoreLogRow[]; plan: RestorePlan }>(`/api/restores/${started.body.operationId}/steps`);
    expect(steps.status).toBe(200);
    const row = steps.body.steps.find((s) => s.oldId === mapId)!;
    expect(row).toMatchObject({ status: 'ok', action: 'create', kind: 'item', title: 'Parks and Trails' });
    expect(emu.context.state.items.get(row.newId!)!.json.title).toBe('Parks and Trails');
    const csv = await viewer.get<string>(`/api/restores/${started.body.operationId}/log.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text).toContain(row.newId!);

    // The operation's generic per-item log has the step too.
    const items = await viewer.get<{ items: { itemId: string; status: string }[] }>(`/api/operations/${started.body.operationId}/items`);
    expect(items.body.items).toContainEqual(expect.objectContaining({ itemId: mapId, status: 'ok' }));
  }, 60_000);
});

describe('restore operation interrupted by a server stop', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let data: { path: string; remove(): Promise<void> };
  let server: TestServer | undefined;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder();
    data = await tempFolder('orgkeeper-data-');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await emu?.close();
    await folder?.remove();
    await data?.remove();
  });

  it('is resumed after the restart and finishes without duplicates', async () => {
    server = await startTestServer({ accounts: ROLE_ACCOUNTS.slice(0, 1), dataDir: data.path });
    let admin = await server.login('admin');
    const identityId = await createIdentity(admin, emu, { fileLocation: `${folder.path}/springfield` });
    const backup = await admin.post<{ operationId: string }>(`/api/identities/${identityId}/backups`, {});
    const snapshotId = (await waitForOperation<Operation>(admin, backup.body.operationId)).snapshotId!;
    const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
    const count = orgItems().length;
    const gone = orgItems().filter((i) => ['Web Map', 'Web Mapping Application', 'Dashboard', 'CSV'].includes(i.json.type)).slice(0, 8);
    for (const i of gone) emu.context.state.items.delete(i.json.id);

    // Slow requests, so the server stops in the middle of the restore.
    emu.faults.update({ latencyMs: 40 });
    const started = await admin.post<{ operationId: string }>(`/api/identities/${identityId}/restores`, { snapshotId, mode: 'recreate', items: gone.map((i) => i.json.id) });
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operationId;
    for (let i = 0; i < 400; i++) {
      const steps = await admin.get<{ steps: RestoreLogRow[] }>(`/api/restores/${operationId}/steps`);
      if (steps.status === 200 && steps.body.steps.some((s) => s.status === 'ok' && s.kind === 'item')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await server.close();
    emu.faults.update({ latencyMs: 0 });

    server = await startTestServer({ accounts: [], dataDir: data.path });
    admin = await server.login('admin', TEST_PASSWORD);
    const stopped = await admin.get<Operation>(`/api/operations/${operationId}`);
    // Stopped in the middle: interrupted (or already queued again, if the job system resumes on start-up).
    expect(['interrupted', 'queued', 'running']).toContain(stopped.body.status);
    if (stopped.body.status === 'interrupted') {
      const resumed = await admin.post(`/api/operations/${operationId}/resume`, {});
      expect(resumed.status, resumed.text).toBe(202);
    }
    const done = await waitForOperation<Operation>(admin, operationId);
    expect(done.status, done.message ?? '').toBe('succeeded');
    expect(orgItems().length).toBe(count);
    for (const i of gone) expect(orgItems().filter((x) => x.json.title === i.json.title && x.json.type === i.json.type).length, i.json.title).toBeGreaterThanOrEqual(1);
    expect(orgItems().filter((i) => i.json.typeKeywords.some((k) => k.startsWith('orgkeeper-restore:')))).toEqual([]);
  }, 120_000);
});
