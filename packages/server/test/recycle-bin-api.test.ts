/**
 * The recycle bin API over real HTTP against the emulated demo organization: the listing of every member's bin with
 * who deleted each item and when (known for OrgKeeper's own deletes), the earliest purge and the backup that holds it;
 * restore with ids kept, views after their sources in one request, items not in the bin reported; the rules on each
 * route (sign-in, operator role, CSRF, schema); Enterprise and organizations without a bin say so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteItem, purgeRecycledItem } from '../src/arcgis/portal/index.js';
import type { Finding } from '../src/clean/clean.types.js';
import type { RecycleBinRestoreResult, RecycleBinView } from '../src/recycle-bin/recycle-bin.types.js';
import { control, type EmulatorHandle } from './support/emulator-harness.js';
import { RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { storeScan } from './support/stored-scan.js';
import { startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('recycle bin API (ArcGIS Online)', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  const state = () => emu.context.state;
  const base = () => `/api/identities/${identityId}/recycle-bin`;
  const orgItems = () => [...state().items.values()].filter((i) => i.json.orgId === emu.orgId);
  const byTitle = (title: string) => orgItems().find((i) => i.json.title === title)!;

  beforeAll(async () => {
    org = await startOrgFixture({ kind: 'online' });
    ({ emu, server, operator, viewer, identityId } = org);
  }, 60_000);
  afterAll(() => org?.close());

  it('lists every member’s bin: who deleted what through OrgKeeper and when, the earliest purge, the backup holding it', async () => {
    const empty = await viewer.get<RecycleBinView>(base());
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toMatchObject({ supported: true, enabled: true, retentionHours: 336, items: [], problems: [] });

    // One item deleted by a Clean fix (which backs it up first), one deleted in ArcGIS by its owner's administrator.
    const [viaFix, outside] = orgItems().filter((i) => !String(i.json.type).includes('Service') && i.json.type !== 'Application' && !i.json.protected).slice(0, 2);
    const target: Finding['target'] = { kind: 'item', id: viaFix!.json.id, title: viaFix!.json.title, type: viaFix!.json.type, owner: viaFix!.json.owner };
    const scan = await storeScan(server.server.db, identityId, [{ key: 'k1', code: 'test', message: 'stale', target }]);
    const started = await operator.post<{ operationId: string }>(`/api/identities/${identityId}/fixes`, { scanId: scan.scanId, findings: scan.ids, action: 'delete-items' });
    expect(started.status, started.text).toBe(202);
    const fix = await waitForOperation<{ status: string; snapshotId: string | null }>(operator, started.body.operationId);
    expect(fix.status).toBe('succeeded');
    await deleteItem({ session: sessionFor(emu, { retry: RESTORE_RETRY }), owner: outside!.json.owner, id: outside!.json.id });

    const listed = await viewer.get<RecycleBinView>(base());
    expect(listed.status, listed.text).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const fixed = listed.body.items.find((i) => i.id === viaFix!.json.id)!;
    expect(fixed).toMatchObject({ title: viaFix!.json.title, owner: viaFix!.json.owner, deletedBy: { username: 'operator', fixId: started.body.operationId } });
    expect(Date.parse(fixed.purgeAfter!) - Date.parse(fixed.deletedAt!)).toBe(336 * 3600 * 1000);
    expect(fixed.backupSnapshotId).toMatch(/^\d{8}T/);
    const other = listed.body.items.find((i) => i.id === outside!.json.id)!;
    expect(other).toMatchObject({ deletedBy: null, deletedAt: null, purgeAfter: null, backupSnapshotId: null, folderId: outside!.json.ownerFolder ?? null });
  }, 120_000);

  it('restores with ids kept, a view after its source in the same request, and says which items it could not restore', async () => {
    const layer = byTitle('Bike Lanes');
    const view = byTitle('Protected Bike Lanes');
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    for (const item of [view, layer]) await deleteItem({ session, owner: item.json.owner, id: item.json.id });
    const gone = orgItems().find((i) => i.json.type === 'Web Map')!;
    await deleteItem({ session, owner: gone.json.owner, id: gone.json.id });
    await purgeRecycledItem({ session, owner: gone.json.owner, id: gone.json.id });

    // The view first in the request: it waits for its source.
    const answer = await operator.post<RecycleBinRestoreResult>(`${base()}/restore`, { items: [{ id: view.json.id }, { id: layer.json.id, owner: layer.json.owner }, { id: gone.json.id }] });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.results.map((r) => [r.itemId, r.status])).toEqual([
      [view.json.id, 'ok'],
      [layer.json.id, 'ok'],
      [gone.json.id, 'failed']
    ]);
    expect(answer.body.results[2]!.error).toMatch(/not in the recycle bin/);
    expect(answer.body.note).toMatch(/owner only/);
    for (const item of [view, layer]) {
      expect(state().items.get(item.json.id)?.json.ownerFolder ?? null, item.json.title).toBe(item.json.ownerFolder ?? null);
      expect(state().recycleBin.has(item.json.id)).toBe(false);
    }
    const events = await org.admin.get<{ events: { action: string; actor: { name: string } }[] }>('/api/audit?limit=50');
    expect(events.body.events.some((e) => e.action === 'recycle-bin.restore' && e.actor.name === 'operator')).toBe(true);
  }, 120_000);

  it('guards its routes: sign-in, the operator role to restore, CSRF, a valid body', async () => {
    expect((await server.client().get(base())).status).toBe(401);
    const body = { items: [{ id: 'a'.repeat(32) }] };
    expect((await viewer.post<ErrorBody>(`${base()}/restore`, body)).status).toBe(403);
    const noCsrf = await operator.post<ErrorBody>(`${base()}/restore`, body, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    for (const bad of [{}, { items: [] }, { items: [{ id: '../x' }] }, { items: [{ id: 'a', owner: 'x y' }] }, { items: Array.from({ length: 101 }, () => ({ id: 'a' })) }, { items: 'all' }]) {
      expect((await operator.post<ErrorBody>(`${base()}/restore`, bad)).status, JSON.stringify(bad).slice(0, 60)).toBe(400);
    }
  });

  it('says when the organization has no bin, or has it off', async () => {
    expect((await viewer.get(`${base()}/status`)).body).toEqual({ identityId, supported: true, enabled: true, isEnterprise: false });
    await control(emu, 'recycle-bin', { mode: 'disabled' });
    expect((await viewer.get(`${base()}/status`)).body).toEqual({ identityId, supported: true, enabled: false, isEnterprise: false });
    const off = await viewer.get<RecycleBinView>(base());
    expect(off.body).toMatchObject({ supported: true, enabled: false });
    expect(off.body.message).toMatch(/off: deletes are permanent/);
    await control(emu, 'recycle-bin', { mode: 'unsupported' });
    const none = await viewer.get<RecycleBinView>(base());
    expect(none.body).toMatchObject({ supported: false, enabled: false, items: [] });
    expect(none.body.message).toMatch(/no recycle bin/);
    await control(emu, 'recycle-bin', { mode: 'enabled' });
  });
});

describe('recycle bin API (ArcGIS Enterprise)', () => {
  let org: OrgFixture;
  beforeAll(async () => {
    org = await startOrgFixture({ kind: 'enterprise' });
  }, 60_000);
  afterAll(() => org?.close());

  it('answers that ArcGIS Enterprise has no recycle bin', async () => {
    const answer = await org.viewer.get<RecycleBinView>(`/api/identities/${org.identityId}/recycle-bin`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ supported: false, enabled: false, items: [] });
    expect(answer.body.message).toMatch(/ArcGIS Enterprise has no recycle bin/);
    const status = await org.viewer.get(`/api/identities/${org.identityId}/recycle-bin/status`);
    expect(status.body).toEqual({ identityId: org.identityId, supported: false, enabled: false, isEnterprise: true });
  });
});
