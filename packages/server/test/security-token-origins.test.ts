/**
 * Issue 11, part 2: an ordinary member must not be able to make OrgKeeper hand over the administrator's token, nor
 * make it request anything outside the organization. A publisher registers items with the "Hosted Service" keyword
 * and URLs on a host they control, spelled every way that fooled (or could fool) the old checks; a full backup, a
 * restore of those items and a broken-links scan then run against the emulator over real HTTP. A plain listener on
 * another port (another origin) records every request it gets: it must get none, with or without a token.
 */
import { join } from 'node:path';
import { createItem, removeItem, setItemAccess } from '@esri/arcgis-rest-portal';
import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { DEMO_USERS, demoPassword } from '@orgkeeper/arcgis-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForeignOriginError } from '../src/arcgis/origin-guard.js';
import { type RecordingListener, startRecordingListener } from '../src/arcgis/testing/recording-listener.js';
import { runBackup } from '../src/backup/backup.engine.js';
import type { BackupResult } from '../src/backup/backup.types.js';
import { OrgReader } from '../src/clean/org-reader.js';
import { validateScanRequest } from '../src/clean/scan-options.js';
import { scanBrokenLinks } from '../src/clean/scans/broken-links.scan.js';
import { scanOverShared } from '../src/clean/scans/over-shared.scan.js';
import { scanTextSearch } from '../src/clean/scans/text-search.scan.js';
import type { ScanOutput } from '../src/clean/scans/scan-context.js';
import { loadHostedRestore } from '../src/restore/hosted-contract.js';
import { readSnapshotContent, type SnapshotContent } from '../src/restore/restore.plan.js';
import { planAndRun, restoreDb, type RestoreRun, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';
import { type ItemEntry, type Store, openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';

/**
 * A host an attacker controls: records every request and answers like a federated ArcGIS Server that claims
 * `owningSystemUrl()` as its owner (so a client that asks it anything would go on to fetch a token for it).
 */
function attackerHost(owningSystemUrl: () => string): Promise<RecordingListener> {
  return startRecordingListener(() => ({
    currentVersion: 11.3,
    owningSystemUrl: owningSystemUrl(),
    authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${owningSystemUrl()}/sharing/rest/generateToken` },
    layers: [{ id: 0, name: 'Stolen' }],
    tables: []
  }));
}

const HOSTED_KEYWORDS = ['ArcGIS Server', 'Data', 'Feature Access', 'Feature Service', 'Service', 'Hosted Service'];

describe('a member cannot make OrgKeeper send the token (or anything) outside the organization', () => {
  let emu: EmulatorHandle;
  let attacker: RecordingListener;
  let folder: { path: string; remove(): Promise<void> };
  let publisher: ArcGISIdentityManager;
  /** The hostile items by trick: id and the URL the publisher gave it. */
  const hostile = new Map<string, { id: string; url: string }>();
  let mapId: string;
  let backup: BackupResult;
  let store: Store;
  let content: SnapshotContent;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    attacker = await attackerHost(() => emu.portalUrl);
    folder = await tempFolder('orgkeeper-origins-');
    const owner = DEMO_USERS.maria;
    publisher = await ArcGISIdentityManager.signIn({ username: owner, password: demoPassword(owner), portal: emu.restUrl });

    const a = new URL(attacker.origin);
    const portal = emu.portalUrl.replace('http://', '');
    const servicesRoot = `${emu.portalUrl}/${emu.orgId}/arcgis/rest/services`;
    const tricks: Record<string, string> = {
      // The finding: rest-js gives the token to any URL that contains the portal URL (`new RegExp(portal).test(url)`).
      'portal URL in the path': `${attacker.origin}/${emu.restUrl}/x/${servicesRoot}/Evil/FeatureServer`,
      'services root in the path': `${attacker.origin}/${servicesRoot.replace('http://', '')}/Evil/FeatureServer`,
      'portal URL in the query': `${attacker.origin}/arcgis/rest/services/Evil/FeatureServer?next=${emu.restUrl}`,
      '.arcgis.com in the path': `${attacker.origin}/services7.arcgis.com/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      'user info': `http://${portal}@${a.host}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      backslash: `http://${a.host}\\@${portal}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      'upper case': `HTTP://127.0.0.1:${a.port}/${emu.orgId}/ARCGIS/REST/SERVICES/Evil/FeatureServer`,
      'decimal IP': `http://2130706433:${a.port}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      'hex IP': `http://0x7f.0.0.1:${a.port}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      'IPv4-mapped IPv6': `http://[::ffff:127.0.0.1]:${a.port}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      'portal host as a prefix': `http://127.0.0.1.evil.invalid:${new URL(emu.portalUrl).port}/${emu.orgId}/arcgis/rest/services/Evil/FeatureServer`,
      // No portal string at all: still a blind request from the OrgKeeper server, whose answer used to be stored.
      blind: `${attacker.origin}/arcgis/rest/services/Blind/FeatureServer`,
      // The organization's own host, but not its hosting server: not a hosted layer either.
      'org host, not the hosting server': `${emu.portalUrl}/evil/arcgis/rest/services/Evil/FeatureServer`
    };
    for (const [trick, url] of Object.entries(tricks)) {
      const made = await createItem({
        authentication: publisher,
        item: { title: `Totally hosted (${trick})`, type: 'Feature Service', typeKeywords: HOSTED_KEYWORDS, url, tags: ['security-test'] } as never
      });
      hostile.set(trick, { id: made.id, url });
    }
    // A registered layer of another agency (no keywords): an ordinary external reference.
    const external = await createItem({ authentication: publisher, item: { title: 'Partner layer', type: 'Map Service', url: `${attacker.origin}/arcgis/rest/services/Partner/MapServer` } as never });
    hostile.set('plain external', { id: external.id, url: `${attacker.origin}/arcgis/rest/services/Partner/MapServer` });
    // A web map that uses them all: the broken-links scan reads it.
    const operationalLayers = [...hostile.values()].map((h, i) => ({ id: `l${i}`, title: `Layer ${i}`, url: `${h.url.replace(/\/+$/, '')}/0`, layerType: 'ArcGISFeatureLayer' }));
    const map = await createItem({
      authentication: publisher,
      item: { title: 'Innocent map', type: 'Web Map', typeKeywords: ['Web Map'], text: JSON.stringify({ operationalLayers, baseMap: { baseMapLayers: [] }, version: '2.33' }) } as never
    });
    mapId = map.id;

    backup = await runBackup({
      identity: { id: 'identity-1', name: 'Demoville', fileLocation: join(folder.path, 'store'), orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Demoville' },
      session: sessionFor(emu, { retry: RESTORE_RETRY }),
      name: 'With hostile items'
    });
    store = await openStore(join(folder.path, 'store'), { expectOrgId: emu.orgId });
    content = await readSnapshotContent(store, backup.snapshotId);
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    await attacker?.close();
    await folder?.remove();
  });

  it('the backup requests nothing outside the organization', () => {
    expect(attacker.requests).toEqual([]);
    expect(backup.status).toBe('complete');
  });

  it('keeps every hostile item as an external reference: item JSON, no service data', async () => {
    for (const [trick, { id, url }] of hostile) {
      const entry: ItemEntry | undefined = content.items.get(id);
      expect(entry, trick).toBeDefined();
      expect(entry!.status, `${trick}: ${JSON.stringify(entry!.problems)}`).toBe('ok');
      expect(entry!.service, trick).toBeUndefined();
      expect(entry!.external, trick).toMatchObject({ url: url.trim(), reason: expect.any(String) });
      const json = await store.getJson<{ url: string; typeKeywords: string[] }>(entry!.item!.hash);
      expect(json.url, trick).toBe(url);
    }
  });

  it("still backs up the organization's real hosted layers with their data", () => {
    const real = [...content.items.values()].filter((e) => e.type === 'Feature Service' && !hostile.has(e.title) && e.service);
    // Hosted feature layers (the demo's hosted tile layers carry the keyword too, and are not feature services).
    const demoHosted = [...emu.context.state.items.values()].filter(
      (i) => i.json.orgId === emu.orgId && i.json.type === 'Feature Service' && i.json.typeKeywords.includes('Hosted Service') && String(i.json.url).startsWith(emu.portalUrl + '/' + emu.orgId)
    );
    expect(real.length).toBe(demoHosted.length);
    expect(real.every((e) => e.external === undefined && e.service!.layers.length > 0)).toBe(true);
  });

  it('the broken-links scan does not take the attacker host for one of the org servers, and requests nothing there', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    const reader = new OrgReader(session, { orgId: emu.orgId });
    const { options } = validateScanRequest({ type: 'broken-links' });
    const output: ScanOutput = await scanBrokenLinks({ reader, options, portalUrl: emu.portalUrl, platform: 'online', now: Date.now(), viewHistory: new Map(), progress: () => undefined });
    expect(attacker.requests).toEqual([]);
    const roots = output.summary.orgServerRoots as string[];
    expect(roots.some((r) => r.includes(new URL(attacker.origin).port))).toBe(false);
    expect(roots).toContain(`${emu.portalUrl}/${emu.orgId}/arcgis/rest/services`);
    // Every layer of the map is outside the organization's servers (even the one on the portal's host, which is on no
    // server the portal lists): counted as not checked, never reported as broken.
    expect(output.summary.externalReferencesNotChecked as number).toBeGreaterThanOrEqual(hostile.size);
    expect(output.findings.filter((f) => f.target.id === mapId)).toEqual([]);
  });

  it('the other scans that read services (over-shared, text-search in fields) request nothing there either', async () => {
    for (const { id } of hostile.values()) await setItemAccess({ id, owner: DEMO_USERS.maria, access: 'public', authentication: publisher });
    const scan = async (fn: typeof scanOverShared, type: string, opts: Record<string, unknown>) => {
      const reader = new OrgReader(sessionFor(emu, { retry: RESTORE_RETRY }), { orgId: emu.orgId });
      const { options } = validateScanRequest({ type, options: opts });
      return fn({ reader, options, portalUrl: emu.portalUrl, platform: 'online', now: Date.now(), viewHistory: new Map(), progress: () => undefined });
    };
    const overShared = await scan(scanOverShared, 'over-shared', { publicItems: true, publicEditable: true, publicGroups: false });
    const hostileIds = new Set([...hostile.values()].map((h) => h.id));
    expect(overShared.findings.filter((f) => hostileIds.has(f.target.id)).map((f) => f.code)).toEqual([...hostileIds].map(() => 'public'));
    await scan(scanTextSearch, 'text-search', { text: 'Stolen', inFields: true });
    expect(attacker.requests).toEqual([]);
  }, 60_000);

  it('a restore (recreate) brings the hostile items back as items only, requesting none of their URLs', async () => {
    const ids = [...hostile.values()].map((h) => h.id);
    const servicesBefore = emu.context.state.services.size;
    for (const id of ids) await removeItem({ id, owner: DEMO_USERS.maria, authentication: publisher });
    const { db, repository } = await restoreDb(folder.path);
    let run: RestoreRun;
    try {
      run = await planAndRun({ store, content, target: emu, repository, params: { snapshotId: backup.snapshotId, mode: 'recreate', items: ids }, operationId: 'op-origins', hosted: await loadHostedRestore() });
    } finally {
      await db.destroy();
    }
    expect(attacker.requests).toEqual([]);
    expect(run.result.counts).toMatchObject({ failed: 0 });
    for (const step of run.plan.steps.filter((s) => s.kind === 'item')) {
      expect(step.hosted, step.title).toBeUndefined();
      expect(step.action).toBe('create');
      expect(step.warnings?.join(' ')).toMatch(/external reference/);
    }
    const rows = run.result.steps.filter((r) => r.kind === 'item');
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'ok'));
    for (const row of rows) {
      const live = emu.context.state.items.get(row.newId!)!;
      expect(live.json.url).toBe([...hostile.values()].find((h) => h.id === row.oldId)!.url);
      expect(live.json.typeKeywords).toEqual(row.title.startsWith('Totally hosted') ? HOSTED_KEYWORDS : []);
    }
    // Recreated as items: no hosted service was created for any of them.
    expect(emu.context.state.services.size).toBe(servicesBefore);
  }, 60_000);

  it('the session refuses, without sending anything, every way of asking the attacker host directly', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    for (const { url } of hostile.values()) {
      if (url.startsWith(emu.portalUrl)) continue;
      expect(await session.auth!.getToken(url), url).toBe('');
      await expect(session.request(url), url).rejects.toBeInstanceOf(ForeignOriginError);
      await expect(session.download(url), url).rejects.toBeInstanceOf(ForeignOriginError);
    }
    expect(attacker.requests).toEqual([]);
  });
});

describe('a hostile owningSystemUrl gets no token (ArcGIS Enterprise)', () => {
  let emu: EmulatorHandle;
  /** Not listed by the portal, but says the portal owns it. */
  let unlisted: RecordingListener;
  /** Listed as a federated server by the portal, but names an unlisted host as its owner (a regular expression that matches any portal). */
  let listed: RecordingListener;
  let third: RecordingListener;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'enterprise', seed: 'empty' });
    unlisted = await attackerHost(() => emu.portalUrl);
    third = await attackerHost(() => emu.portalUrl);
    listed = await attackerHost(() => `${third.origin}/x|.*`);
    emu.context.state.org.federatedServers = [
      { id: 'ListedButHostile', name: new URL(listed.origin).host, url: `${listed.origin}/arcgis`, adminUrl: `${listed.origin}/arcgis`, isHosted: false, serverType: 'ArcGIS', serverRole: 'FEDERATED_SERVER', serverFunction: '' }
    ];
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await unlisted?.close();
    await listed?.close();
    await third?.close();
  });

  const generateTokenRequests = () =>
    emu.requestLog
      .snapshot()
      .recent.filter((r) => r.endpoint === 'generateToken')
      .map((r) => r.path);

  it('a server the portal does not list gets nothing, even when its rest/info names the portal as owner', async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    const url = `${unlisted.origin}/arcgis/rest/services/Claimed/FeatureServer`;
    expect(await session.auth!.getToken(url)).toBe('');
    await expect(session.request(url)).rejects.toBeInstanceOf(ForeignOriginError);
    expect(unlisted.requests).toEqual([]);
  });

  it("a listed server cannot send rest-js's token chain to another host: that host gets no request, let alone a token", async () => {
    const session = sessionFor(emu, { retry: RESTORE_RETRY });
    await session.request(`${emu.restUrl}/portals/self`); // signed in (its own generateToken) before counting
    const url = `${listed.origin}/arcgis/rest/services/Roads/FeatureServer`;
    const generateTokensBefore = generateTokenRequests().length;
    // The listed server is the organization's: it may be asked (its rest/info), but the owner it names is not.
    await expect(session.request(url)).rejects.toBeInstanceOf(ForeignOriginError);
    expect(third.requests).toEqual([]);
    for (const r of listed.requests) {
      expect(new URL(r.url, listed.origin).searchParams.get('token'), r.url).toBeNull();
      expect(r.body).not.toMatch(/token=/);
    }
    // Nothing asked the portal for a token for a server it does not list.
    expect(generateTokenRequests().length).toBe(generateTokensBefore);
  });
});
