/**
 * Clean and hosted feature layer views over the REST API, against the emulated demo organization: the over-shared
 * scan reports a public view for what it exposes of its source (an editable view of a private layer; a read-only
 * public view of a layer that is not public), the broken-links scan finds a view whose source is gone and a Survey123
 * form whose service is gone, and deleting a source previews the views that go with it, backs them up, and Undo
 * brings the source back with its views as views of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPECTATIONS as X, DEMO_SERVICE_NAMES, deleteHostedServiceForItem } from '@orgkeeper/arcgis-emulator';
import type { Finding } from '../src/clean/clean.types.js';
import type { FixDetail } from '../src/clean/fixes/fix.service.js';
import type { FixPreview } from '../src/clean/fixes/fix.types.js';
import { openStore } from '../src/store/index.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import type { ApiClient } from './support/server-harness.js';
import { startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';
import { storeScan } from './support/stored-scan.js';

interface Operation {
  id: string;
  status: string;
  message: string | null;
  result?: { scanId?: string };
}
type ScanFinding = Finding & { id: string };

for (const kind of ['online', 'enterprise'] as const) {
  describe(`Clean with views and surveys (${kind})`, () => {
    let org: OrgFixture;
    let emu: EmulatorHandle;
    let operator: ApiClient;
    let identityId: string;
    const base = () => `/api/identities/${identityId}`;
    const state = () => emu.context.state;

    async function scanFindings(type: string, options: Record<string, unknown> = {}): Promise<ScanFinding[]> {
      const started = await operator.post<{ operationId: string }>(`${base()}/scans`, { type, options });
      expect(started.status, started.text).toBe(202);
      const op = await waitForOperation<Operation>(operator, started.body.operationId, { timeoutMs: 90_000 });
      expect(op.status, op.message ?? '').toBe('succeeded');
      const page = await operator.get<{ findings: ScanFinding[] }>(`${base()}/scans/${op.result!.scanId}/findings?limit=500`);
      expect(page.status, page.text).toBe(200);
      return page.body.findings;
    }

    async function share(id: string, everyone: boolean): Promise<void> {
      const item = state().items.get(id)!;
      await sessionFor(emu, { retry: RESTORE_RETRY }).request(`${emu.restUrl}/content/users/${item.json.owner}/items/${id}/share`, { everyone, org: everyone }, { httpMethod: 'POST' });
    }

    beforeAll(async () => {
      org = await startOrgFixture({ kind });
      ({ emu, operator, identityId } = org);
    }, 60_000);
    afterAll(() => org?.close());

    it('over-shared: a public editable view of a private layer, and a public read-only view of a layer that is not public', async () => {
      const tree = X.surveys.find((s) => s.publishedWith === 'web designer')!;
      const bikeView = X.services.byName[DEMO_SERVICE_NAMES.bikeLanesProtected]!;
      const bikes = X.services.byName[DEMO_SERVICE_NAMES.bikeLanes]!;
      expect(state().items.get(tree.service)!.json.access).toBe('private');
      expect(state().items.get(bikes)!.json.access).not.toBe('public');
      await share(bikeView, true);
      const findings = await scanFindings('over-shared');
      const editable = findings.find((f) => f.code === 'public-editable' && f.target.id === tree.submissionView)!;
      expect(editable.message).toMatch(/public view of "Tree Planting Requests" \(private\) and lets anyone add features of that layer/);
      expect(editable.details).toMatchObject({ view: { editable: true, sources: [expect.objectContaining({ itemId: tree.service, access: 'private' })] } });
      const readOnly = findings.find((f) => f.code === 'public-view' && f.target.id === bikeView)!;
      expect(readOnly.message).toMatch(/public read-only view of "Bike Lanes"/);
      expect(readOnly.severity).toBe('warning');
      expect(findings.some((f) => f.code === 'public-editable' && f.target.id === bikeView)).toBe(false);
      // A public view of a public layer exposes nothing more than the layer does.
      await share(bikes, true);
      expect((await scanFindings('over-shared')).some((f) => f.code === 'public-view' && f.target.id === bikeView)).toBe(false);
      await share(bikes, false);
      await share(bikeView, false);
    }, 120_000);

    it('delete a source: the preview lists its views, the backup holds them, Undo brings the source back with its views on it', async () => {
      const tree = X.surveys.find((s) => s.publishedWith === 'web designer')!;
      const views = [tree.submissionView, tree.resultsView];
      const sourceItem = state().items.get(tree.service)!;
      const target = { kind: 'item' as const, id: tree.service, title: String(sourceItem.json.title), type: 'Feature Service', owner: String(sourceItem.json.owner), folderId: sourceItem.json.ownerFolder ?? null };
      const { scanId, ids } = await storeScan(org.server.server.db, identityId, [{ key: `test:${tree.service}`, code: 'test', message: 'delete me', target }]);
      const body = { scanId, findings: ids, action: 'delete-items' };
      const preview = await operator.post<FixPreview>(`${base()}/fixes/preview`, body);
      expect(preview.status, preview.text).toBe(200);
      const changes = preview.body.findings[0]!.changes;
      expect(changes.map((c) => c.field)).toEqual(['views', 'item']);
      expect([...(changes[0]!.before as string[])].sort()).toEqual([...views].sort());
      expect(changes[0]!.summary).toMatch(/2 view\(s\) deleted first/);
      expect([...preview.body.backup.itemIds].sort()).toEqual([tree.service, ...views].sort());

      const started = await operator.post<{ fixId: string; operationId: string }>(`${base()}/fixes`, body);
      expect(started.status, started.text).toBe(202);
      expect((await waitForOperation<Operation>(operator, started.body.operationId, { timeoutMs: 90_000 })).status).toBe('succeeded');
      for (const id of [tree.service, ...views]) expect(state().items.has(id), id).toBe(false);
      const detail = (await operator.get<FixDetail>(`${base()}/fixes/${started.body.fixId}`)).body;
      const store = await openStore(org.storeDir);
      const backedUp = new Map<string, { service?: { view?: unknown } }>();
      for await (const entry of store.readList(await store.readSnapshot(detail.fix.snapshotId!), 'items')) backedUp.set(entry.id, entry);
      expect([...backedUp.keys()].sort()).toEqual([tree.service, ...views].sort());
      for (const id of views) expect(backedUp.get(id)!.service?.view, id).toBeDefined();

      const undo = await operator.post<{ operationId: string }>(`${base()}/fixes/${started.body.fixId}/undo`);
      expect(undo.status, undo.text).toBe(202);
      const undone = await waitForOperation<Operation>(operator, undo.body.operationId, { timeoutMs: 90_000 });
      expect(undone.status, undone.message ?? '').toBe('succeeded');
      // The source is back (createService gives a recreated hosted layer a new item id), and both views are views of it again.
      const source = [...state().items.values()].find((i) => i.json.orgId === emu.orgId && i.json.title === sourceItem.json.title && i.json.type === 'Feature Service' && !i.json.typeKeywords.includes('View Service'))!;
      expect(source).toBeDefined();
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      for (const title of ['Tree Planting Requests_fieldworker', 'Tree Planting Requests_results']) {
        const view = [...state().items.values()].find((i) => i.json.orgId === emu.orgId && i.json.title === title)!;
        expect(view, title).toBeDefined();
        const sources = await session.request<{ services: { serviceItemId: string }[] }>(`${String(view.json.url)}/sources`);
        expect(sources.services.map((s) => s.serviceItemId), title).toEqual([source.json.id]);
      }
    }, 180_000);

    it('broken links: a view whose source is gone, a Survey123 form whose service is gone', async () => {
      const session = sessionFor(emu, { retry: RESTORE_RETRY });
      // A source removed behind ArcGIS's back (its views are left pointing at nothing).
      const bikeView = X.services.byName[DEMO_SERVICE_NAMES.bikeLanesProtected]!;
      const bikes = X.services.byName[DEMO_SERVICE_NAMES.bikeLanes]!;
      expect(deleteHostedServiceForItem(emu.context, bikes)).toBe(true);
      // A survey whose views and service were deleted, the form left behind.
      const storm = X.surveys.find((s) => s.publishedWith === 'connect')!;
      for (const id of [storm.submissionView, storm.resultsView, storm.service]) {
        const item = state().items.get(id)!;
        await session.request(`${emu.restUrl}/content/users/${item.json.owner}/items/${id}/delete`, {}, { httpMethod: 'POST' });
      }
      const findings = await scanFindings('broken-links');
      const view = findings.find((f) => f.target.id === bikeView)!;
      expect(view).toMatchObject({ code: 'view-source-missing', severity: 'critical' });
      expect(view.message).toMatch(/hosted feature layer view, but its source .*no longer exists/);
      const form = findings.filter((f) => f.target.id === storm.form);
      expect(form.map((f) => f.code)).toContain('missing-service');
      expect(form.map((f) => f.code)).toContain('missing-item');
      expect(form.some((f) => f.code === 'missing-service' && f.message.includes('/Storm_Damage_Reports_public/FeatureServer'))).toBe(true);
      // The other survey's service was deleted and brought back by the previous test with its id and URL (on Online
      // from the recycle bin, on Enterprise recreated with its id), so its form is whole.
      const treeForm = X.surveys.find((s) => s.publishedWith === 'web designer')!.form;
      expect(findings.some((f) => f.target.id === treeForm && f.code === 'missing-service')).toBe(false);
    }, 120_000);
  });
}
