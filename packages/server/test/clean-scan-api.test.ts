/**
 * The clean scans REST API over real HTTP against the demo organization in the emulator: scan types, starting a scan
 * (an operation of kind `scan` run by the server's job pool), scan history, findings (filter, sort, paging), CSV,
 * comparing two scans (new, resolved, still open), the allowlist (allowlisted findings are not reported; removing an
 * entry brings them back), stale items by view counts between scans, roles and CSRF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPECTATIONS as X } from '@orgkeeper/arcgis-emulator';
import type { EmulatorHandle } from './support/emulator-harness.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { startOrgFixture, type OrgFixture } from './support/org-fixture.js';

const DAY = 24 * 3600 * 1000;

interface Operation {
  id: string;
  kind: string;
  status: string;
  message: string | null;
  result: { scanId: string; findings: number } | null;
}
interface Scan {
  id: string;
  type: string;
  status: string;
  operationId: string | null;
  options: Record<string, unknown>;
  findings: number;
  allowlisted: number;
  createdBy: string;
  summary: Record<string, unknown>;
}
interface Finding {
  id: string;
  key: string;
  code: string;
  severity: string;
  target: { kind: string; id: string; title: string; owner?: string };
  message: string;
}
interface FindingsPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  findings: Finding[];
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

describe('clean scans REST API', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  const base = () => `/api/identities/${identityId}`;

  /** Starts a scan and waits for its operation to finish; returns the stored scan. */
  async function runScan(type: string, options: Record<string, unknown> = {}, as: ApiClient = operator): Promise<Scan> {
    const started = await as.post<{ operationId: string; operation: Operation }>(`${base()}/scans`, { type, options });
    expect(started.status, started.text).toBe(202);
    expect(started.body.operation).toMatchObject({ kind: 'scan' });
    const until = Date.now() + 60_000;
    for (;;) {
      const op = (await as.get<Operation>(`/api/operations/${started.body.operationId}`)).body;
      if (['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'].includes(op.status)) {
        expect(op.status, op.message ?? '').toBe('succeeded');
        const scan = await as.get<Scan>(`${base()}/scans/${op.result!.scanId}`);
        expect(scan.status).toBe(200);
        expect(scan.body.operationId).toBe(op.id);
        const byOperation = await as.get<Scan>(`${base()}/scans/by-operation/${op.id}`);
        expect(byOperation.body.id).toBe(scan.body.id);
        return scan.body;
      }
      if (Date.now() > until) throw new Error(`scan did not finish: ${JSON.stringify(op)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const findings = async (scanId: string, query = '') => (await viewer.get<FindingsPage>(`${base()}/scans/${scanId}/findings${query}`)).body;

  beforeAll(async () => {
    org = await startOrgFixture({ identityName: 'Demoville', storeName: 'demo' });
    ({ emu, server, admin, operator, viewer, identityId } = org);
  }, 60_000);

  afterAll(() => org?.close());

  it('lists the scan types with their option schemas', async () => {
    const types = await viewer.get<{ scanTypes: { type: string; options: { name: string; kind: string; default?: unknown; required?: boolean }[] }[] }>('/api/clean/scan-types');
    expect(types.status).toBe(200);
    expect(types.body.scanTypes.map((t) => t.type)).toEqual(['stale-items', 'inactive-users', 'broken-links', 'text-search', 'missing-metadata', 'over-shared', 'duplicates', 'groups', 'storage']);
    const text = types.body.scanTypes.find((t) => t.type === 'text-search')!;
    expect(text.options.find((o) => o.name === 'text')).toMatchObject({ kind: 'string', required: true });
    expect(types.body.scanTypes.find((t) => t.type === 'stale-items')!.options.find((o) => o.name === 'days')).toMatchObject({ kind: 'integer', default: 365 });
  });

  it('refuses scans without the operator role, without CSRF, without a session, or with bad options', async () => {
    const asViewer = await viewer.post<ErrorBody>(`${base()}/scans`, { type: 'groups' });
    expect(asViewer.status).toBe(403);
    const noCsrf = await operator.post<ErrorBody>(`${base()}/scans`, { type: 'groups' }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    expect((await server.client().post(`${base()}/scans`, { type: 'groups' })).status).toBe(401);
    for (const path of [`${base()}/scans`, '/api/clean/scan-types', `${base()}/clean/allowlist`]) expect((await server.client().get(path)).status).toBe(401);
    const badType = await operator.post<ErrorBody>(`${base()}/scans`, { type: 'everything' });
    expect(badType.status).toBe(400);
    const badOption = await operator.post<ErrorBody>(`${base()}/scans`, { type: 'stale-items', options: { days: 0, colour: 'red' } });
    expect(badOption.status).toBe(400);
    expect(badOption.body.error.fields).toMatchObject({ 'options.days': expect.stringMatching(/from 1 to 36500/), 'options.colour': expect.stringMatching(/has no option "colour"/) });
    const missingText = await operator.post<ErrorBody>(`${base()}/scans`, { type: 'text-search', options: {} });
    expect(missingText.body.error.fields?.['options.text']).toMatch(/Text is required/);
    expect((await operator.post<ErrorBody>('/api/identities/nope/scans', { type: 'groups' })).status).toBe(404);
  });

  it('runs a scan as an operation and pages, filters and sorts its findings; exports CSV', async () => {
    const scan = await runScan('missing-metadata');
    expect(scan).toMatchObject({ type: 'missing-metadata', status: 'succeeded', findings: 6, createdBy: 'operator' });
    expect(scan.options).toMatchObject({ description: true, tags: true, types: [] });
    const all = await findings(scan.id, '?sort=title&num=4');
    expect(all).toMatchObject({ total: 6, start: 1, num: 4, nextStart: 5 });
    const second = await findings(scan.id, '?sort=title&num=4&start=5');
    expect(second).toMatchObject({ total: 6, num: 2, nextStart: -1 });
    const titles = [...all.findings, ...second.findings].map((f) => f.target.title.toLowerCase());
    expect(titles).toEqual([...titles].sort());
    const byCode = await findings(scan.id, '?code=no-tags');
    expect(byCode.findings.map((f) => f.target.id)).toEqual(X.items.missingMetadata.tags);
    const byOwner = await findings(scan.id, '?owner=maria.publisher&sort=code&order=desc');
    expect(byOwner.findings.map((f) => f.code)).toEqual(['no-summary']);
    const search = await findings(scan.id, '?q=ZONING');
    expect(search.findings.map((f) => f.target.id)).toEqual([X.ids['shp-zoning']]);
    expect((await findings(scan.id, '?q=%25')).total).toBe(0);

    const csv = await viewer.get<string>(`${base()}/scans/${scan.id}/findings.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="scan-missing-metadata-\d{4}-\d\d-\d\d-[0-9a-f]{8}\.csv"/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(new RegExp(`^${scan.id},missing-metadata,\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC,no-`));

    const history = await viewer.get<{ scans: Scan[] }>(`${base()}/scans?type=missing-metadata`);
    expect(history.body.scans.map((s) => s.id)).toEqual([scan.id]);
    expect((await viewer.get(`${base()}/scans/not-a-scan`)).status).toBe(404);
  }, 60_000);

  it('compares two scans of the same type: new, resolved, still open', async () => {
    const first = await runScan('over-shared');
    // Make one public item private and one private item public (as an owner would in the portal).
    const publicReport = emu.context.state.items.get(X.ids['pdf-annual-report'])!;
    const newlyPublic = emu.context.state.items.get(X.ids['img-city-hall'])!;
    publicReport.json.access = 'org';
    newlyPublic.json.access = 'public';
    try {
      const second = await runScan('over-shared');
      const diff = await viewer.get<{ counts: { new: number; resolved: number; open: number }; new: Finding[]; resolved: Finding[]; open: Finding[] }>(
        `${base()}/scans/compare?from=${first.id}&to=${second.id}`
      );
      expect(diff.status).toBe(200);
      expect(diff.body.counts).toEqual({ new: 1, resolved: 1, open: first.findings - 1 });
      expect(diff.body.new.map((f) => f.target.id)).toEqual([X.ids['img-city-hall']]);
      expect(diff.body.resolved.map((f) => f.target.id)).toEqual([X.ids['pdf-annual-report']]);
      const other = await runScan('groups');
      const mixed = await viewer.get<ErrorBody>(`${base()}/scans/compare?from=${first.id}&to=${other.id}`);
      expect(mixed.status).toBe(400);
      expect(mixed.body.error.message).toMatch(/Only scans of the same type can be compared/);
    } finally {
      publicReport.json.access = 'public';
      newlyPublic.json.access = 'org';
    }
  }, 60_000);

  it('allowlists findings (by finding, by target and code), hides them from later scans, and brings them back when removed', async () => {
    const before = await runScan('groups');
    const page = await findings(before.id, '?code=empty');
    const empty = page.findings[0]!;
    expect(empty.target.id).toBe(X.groups.empty[0]);

    expect((await viewer.post(`${base()}/clean/allowlist`, { findingId: empty.id, scanId: before.id, reason: 'x' })).status).toBe(403);
    const noReason = await operator.post<ErrorBody>(`${base()}/clean/allowlist`, { findingId: empty.id, scanId: before.id });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields?.reason).toMatch(/reason is required/);
    const noCsrf = await operator.post<ErrorBody>(`${base()}/clean/allowlist`, { findingId: empty.id, scanId: before.id, reason: 'x' }, { csrf: false });
    expect(noCsrf.status).toBe(403);

    const byFinding = await operator.post<{ id: string; findingKey: string; addedBy: string; reason: string }>(`${base()}/clean/allowlist`, {
      findingId: empty.id,
      scanId: before.id,
      reason: 'Paul keeps it for training.'
    });
    expect(byFinding.status).toBe(201);
    expect(byFinding.body).toMatchObject({ findingKey: empty.key, addedBy: 'operator', reason: 'Paul keeps it for training.' });
    // Every finding about the disabled owner's group, whatever its code.
    const byTarget = await operator.post<{ id: string }>(`${base()}/clean/allowlist`, {
      scanType: 'groups',
      target: { kind: 'group', id: X.groups.ownerDisabled[0], title: '2019 Flood Response' },
      reason: 'Archived response group.'
    });
    expect(byTarget.status).toBe(201);

    const during = await runScan('groups');
    expect(during.findings).toBe(before.findings - 2);
    expect(during.allowlisted).toBe(2);
    const ids = (await findings(during.id)).findings.map((f) => f.target.id);
    expect(ids).not.toContain(X.groups.empty[0]);
    expect(ids).not.toContain(X.groups.ownerDisabled[0]);
    const listed = await viewer.get<{ entries: { id: string; scanType: string; target: { id: string } | null }[] }>(`${base()}/clean/allowlist?scanType=groups`);
    expect(listed.body.entries.map((e) => e.id).sort()).toEqual([byFinding.body.id, byTarget.body.id].sort());
    // Other scan types are not affected by a groups entry.
    expect((await viewer.get<{ entries: unknown[] }>(`${base()}/clean/allowlist?scanType=storage`)).body.entries).toEqual([]);

    expect((await viewer.delete(`${base()}/clean/allowlist/${byFinding.body.id}`)).status).toBe(403);
    expect((await operator.delete(`${base()}/clean/allowlist/${byFinding.body.id}`)).status).toBe(204);
    expect((await operator.delete(`${base()}/clean/allowlist/${byFinding.body.id}`)).status).toBe(404);
    const after = await runScan('groups');
    expect(after.allowlisted).toBe(1);
    expect((await findings(after.id, '?code=empty')).findings.map((f) => f.target.id)).toEqual(X.groups.empty);

    const audit = await admin.get<{ events: { action: string }[] }>('/api/audit?limit=100');
    const actions = (audit.body.events ?? []).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['clean.allowlist.add', 'clean.allowlist.remove', 'scan.start']));
  }, 90_000);

  it('cancels a running scan: the operation and the scan say so, nothing is stored', async () => {
    emu.faults.update({ latencyMs: 150 });
    try {
      const started = await operator.post<{ operationId: string }>(`${base()}/scans`, { type: 'duplicates' });
      expect(started.status).toBe(202);
      const id = started.body.operationId;
      let scan: Scan | undefined;
      for (let i = 0; i < 200 && !scan; i++) {
        const found = await viewer.get<Scan>(`${base()}/scans/by-operation/${id}`);
        if (found.status === 200) scan = found.body;
        else await new Promise((r) => setTimeout(r, 25));
      }
      expect(scan?.status).toBe('running');
      const cancelled = await operator.post<Operation>(`/api/operations/${id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      const after = (await viewer.get<Scan>(`${base()}/scans/${scan!.id}`)).body;
      expect(after).toMatchObject({ status: 'cancelled', findings: 0, message: 'The scan was stopped before it finished.' });
      expect((await findings(after.id)).total).toBe(0);
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
  }, 60_000);

  it('stale items: views unchanged since a scan N days ago count as not viewed; OrgKeeper’s own reads are not views', async () => {
    const clean = server.server.services.clean;
    const now = Date.now();
    const orgItems = [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId).map((item) => item.json.id);
    const first = await clean.runScan(identityId, { type: 'stale-items', options: { days: 365 } }, { now });
    expect((await clean.allFindings(identityId, first.id)).map((f) => f.target.id).sort()).toEqual([...X.items.staleItems].sort());
    // Scans that read item data (duplicates) raise ArcGIS's numViews; that is not someone using the item.
    await clean.runScan(identityId, { type: 'duplicates', options: { byTitle: false } }, { now: now + DAY });
    // Someone views one item.
    const viewed = emu.context.state.items.get(X.ids['pdf-snow-routes'])!;
    viewed.json.numViews += 1;
    // A year and a day later, nothing modified: every item whose view count stayed the same is stale, the viewed one is not.
    const later = await clean.runScan(identityId, { type: 'stale-items', options: { days: 365 } }, { now: now + 366 * DAY });
    const laterFindings = await clean.allFindings(identityId, later.id);
    expect(laterFindings.map((f) => f.target.id).sort()).toEqual(orgItems.filter((id) => id !== viewed.json.id).sort());
    for (const id of X.items.staleItems) expect(laterFindings.find((f) => f.target.id === id)!.message).toMatch(/has never been viewed\.$/);
    const unchanged = laterFindings.find((f) => f.target.id === X.ids['map-parks'])!;
    expect(unchanged.message).toMatch(/has had the same \d+ views since \d{4}-\d\d-\d\d \(366 days\)\.$/);
    // The duplicates scans (the cancelled one too) read it; ArcGIS counted those reads as views.
    expect(Number(unchanged.details?.viewsByOrgKeeper)).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
