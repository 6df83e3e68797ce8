/**
 * Every clean scan against the demo organization in the emulator (real HTTP), run through the CLI
 * (`orgkeeper scan --json`, which runs the `scan` operation in the foreground): each finds exactly the cases the demo
 * plants (demo-expectations.ts) and nothing else, in both directions. Also the text and CSV output and usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPECTATIONS as X, DEMO_SERVICE_NAMES } from '@orgkeeper/arcgis-emulator';
import type { EmulatorHandle } from './support/emulator-harness.js';
import { runCli } from './support/cli-runner.js';
import { addIdentityWithCli, startDataDirFixture, type DataDirFixture, type TempFolder } from './support/org-fixture.js';

interface Finding {
  key: string;
  code: string;
  severity: string;
  message: string;
  where?: string;
  target: { kind: string; id: string; title: string; type?: string; owner?: string; portalUrl?: string };
  details: Record<string, unknown>;
}
interface ScanJson {
  scan: { id: string; type: string; status: string; findings: number; options: Record<string, unknown>; summary: Record<string, unknown> };
  itemIds: string[];
  userIds: string[];
  groupIds: string[];
  findings: Finding[];
}

const sorted = (list: string[]) => [...list].sort();
/** The ids of the findings with this code. */
const ids = (scan: ScanJson, code: string) => sorted(scan.findings.filter((f) => f.code === code).map((f) => f.target.id));

describe('clean scans of the demo organization (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  const scan = async (type: string, ...options: string[]): Promise<ScanJson> => {
    const result = await runCli(['scan', '--identity', 'Demoville', '--type', type, ...options.flatMap((o) => ['--option', o]), '--json'], { dataDir: data.path });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as ScanJson;
    expect(parsed.scan).toMatchObject({ type, status: 'succeeded', findings: parsed.findings.length });
    return parsed;
  };

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'online' });
    ({ emu, data } = fixture);
    await addIdentityWithCli(emu, data.path, { kind: 'online', name: 'Demoville', fileLocation: `${fixture.backups.path}/demo` });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('stale-items: exactly the planted stale items', async () => {
    const result = await scan('stale-items');
    expect(ids(result, 'stale')).toEqual(sorted(X.items.staleItems));
    expect(result.findings).toHaveLength(X.items.staleItems.length);
    const budget = result.findings.find((f) => f.target.id === X.ids['csv-budget-2018'])!;
    expect(budget).toMatchObject({ severity: 'warning', target: { kind: 'item', type: 'CSV', owner: 'paul.planner', title: 'Capital Budget 2018' } });
    expect(budget.target.portalUrl).toBe(`${emu.portalUrl}/home/item.html?id=${X.ids['csv-budget-2018']}`);
    expect(budget.details).toMatchObject({ numViews: 0, thresholdDays: 365 });
    expect(budget.message).toMatch(/^Not modified for \d+ days and has never been viewed\.$/);
    // Filters by type and owner.
    const pdfs = await scan('stale-items', 'types=PDF');
    expect(ids(pdfs, 'stale')).toEqual([X.ids['pdf-flood-plan-2019']]);
    const ann = await scan('stale-items', 'owners=ann.retired');
    expect(ids(ann, 'stale')).toEqual(sorted(X.items.staleItems.filter((id) => X.items.ownedByDisabledUsers.includes(id))));
  }, 60_000);

  it('inactive-users: no sign-in for a year, never signed in, disabled with content', async () => {
    const result = await scan('inactive-users');
    expect(ids(result, 'no-login')).toEqual(sorted(X.users.noLoginOver365Days));
    expect(ids(result, 'never-logged-in')).toEqual(sorted(X.users.neverLoggedIn));
    expect(ids(result, 'disabled')).toEqual(sorted(X.users.disabledOwningContent));
    expect(result.findings).toHaveLength(X.users.noLoginOver365Days.length + X.users.neverLoggedIn.length + X.users.disabledOwningContent.length);
    expect(sorted(result.userIds)).toEqual(sorted([...new Set([...X.users.noLoginOver365Days, ...X.users.neverLoggedIn, ...X.users.disabled])]));
    const ann = result.findings.find((f) => f.code === 'disabled')!;
    expect(ann).toMatchObject({ severity: 'critical', target: { kind: 'user', id: 'ann.retired', title: 'Ann Rivers' } });
    expect(ann.details.itemsOwned).toBe(X.items.ownedByDisabledUsers.length);
    expect(ann.target.portalUrl).toBe(`${emu.portalUrl}/home/user.html?user=ann.retired`);
  }, 60_000);

  it('broken-links: exactly the planted broken references, by id and by URL; external basemaps are not requested', async () => {
    const result = await scan('broken-links');
    const got = result.findings.map((f) => ({ itemId: f.target.id, path: f.where })).sort((a, b) => a.itemId.localeCompare(b.itemId));
    const want = X.brokenReferences.findings.map((f) => ({ itemId: f.itemId, path: f.path })).sort((a, b) => a.itemId.localeCompare(b.itemId));
    expect(got).toEqual(want);
    expect(sorted(result.itemIds)).toEqual(sorted(X.brokenReferences.itemIds));
    const deleted = result.findings.find((f) => f.target.id === X.brokenReferences.webMapToDeletedLayer.itemId)!;
    expect(deleted).toMatchObject({ code: 'missing-item', severity: 'critical' });
    expect(deleted.details).toMatchObject({ itemId: X.brokenReferences.webMapToDeletedLayer.missingItemId, itemMissing: true, urlBroken: true, title: 'Storm Drains' });
    expect(String(deleted.details.url)).toBe(`${emu.servicesRoot}/${DEMO_SERVICE_NAMES.deletedStormDrains}/FeatureServer/0`);
    const deadUrl = result.findings.find((f) => f.target.id === X.brokenReferences.webMapToDeadUrl.itemId)!;
    expect(deadUrl).toMatchObject({ code: 'missing-service', details: { url: `${emu.servicesRoot}/${DEMO_SERVICE_NAMES.deadHistoricParcels}/FeatureServer/0` } });
    const app = result.findings.find((f) => f.target.id === X.brokenReferences.appToMissingMap.itemId)!;
    expect(app).toMatchObject({ code: 'missing-item', where: 'values.webmap', details: { itemId: X.brokenReferences.appToMissingMap.missingItemId } });
    // Basemaps on Esri's hosts are counted as not checked, never as broken, and never requested (no read failed).
    expect(result.scan.summary.problems).toBeUndefined();
    expect(Number(result.scan.summary.externalReferencesNotChecked)).toBeGreaterThan(0);
    expect(JSON.stringify(result.findings)).not.toMatch(new RegExp(X.brokenReferences.externalHosts.map((h) => h.replace(/\./g, '\\.')).join('|')));
  }, 60_000);

  it('broken-links: an item whose data cannot be read is reported as a problem of the scan, never as broken', async () => {
    const unreadable = X.ids['map-parks'];
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: [`/content/items/${unreadable}/data`] });
    try {
      const result = await scan('broken-links');
      expect(result.findings.map((f) => f.target.id).sort()).toEqual(X.brokenReferences.findings.map((f) => f.itemId).sort());
      expect(result.scan.summary).toMatchObject({ unreadable: 1, problemCount: 1 });
      expect((result.scan.summary.problems as string[])[0]).toMatch(new RegExp(`^The data of "Parks and Trails" \\(${unreadable}\\) could not be read: `));
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
  }, 120_000);

  it('text-search: titles, descriptions, tags, item data and layer field names and aliases, each saying where', async () => {
    // A field name of the water network's hydrants layer, also used in the water map's popup and the Field Maps form.
    const field = await scan('text-search', 'text=PRESSURE_PSI');
    const where = field.findings.map((f) => `${f.target.id} ${f.where}`).sort();
    expect(where).toEqual(
      sorted([
        `${X.ids['svc-water']} field PRESSURE_PSI of layer 0 "Hydrants"`,
        `${X.ids['map-water']} data operationalLayers[0].popupInfo.fieldInfos[2].fieldName`,
        `${X.ids['map-water']} data operationalLayers[0].popupInfo.fieldInfos[2].label`,
        `${X.itemTypes.ids['map-hydrant-inspections']} data operationalLayers[0].formInfo.formElements[2].fieldName`
      ])
    );
    // An alias, case-insensitively.
    const alias = await scan('text-search', 'text=static pressure', 'inData=false');
    expect(alias.findings.map((f) => `${f.target.id} ${f.where}`)).toEqual([`${X.ids['svc-water']} alias of field PRESSURE_PSI of layer 0 "Hydrants"`]);
    // A regular expression over titles only.
    const titles = await scan('text-search', 'text=^Park Inspection', 'regex=true', 'inDescription=false', 'inSummary=false', 'inTags=false', 'inData=false', 'inFields=false');
    expect(ids(titles, 'match')).toEqual(sorted(X.items.duplicatesByTitle[0]!));
    expect(titles.findings.every((f) => f.where === 'title')).toBe(true);
    // Tags.
    const tags = await scan('text-search', 'text=hydrants', 'inTitle=false', 'inDescription=false', 'inSummary=false', 'inData=false', 'inFields=false');
    expect(tags.findings.map((f) => `${f.target.id} ${f.where}`)).toEqual([`${X.ids['svc-water']} tag "hydrants"`]);
    // Markup in a description is found and kept as text.
    const markup = await scan('text-search', 'text=onerror', 'inData=false', 'inFields=false');
    expect(new Set(ids(markup, 'match'))).toEqual(new Set([X.ids['csv-feedback-xss']]));
    // The demo's summary repeats the title.
    expect(sorted(markup.findings.map((f) => f.where!))).toEqual(['description', 'summary', 'title']);
  }, 60_000);

  it('missing-metadata: one finding per missing field, exactly the planted items', async () => {
    const result = await scan('missing-metadata');
    const m = X.items.missingMetadata;
    expect(ids(result, 'no-description')).toEqual(sorted(m.description));
    expect(ids(result, 'no-summary')).toEqual(sorted(m.snippet));
    expect(ids(result, 'no-tags')).toEqual(sorted(m.tags));
    expect(ids(result, 'no-thumbnail')).toEqual(sorted(m.thumbnail));
    expect(ids(result, 'no-license')).toEqual(sorted(m.licenseInfo));
    expect(ids(result, 'no-credits')).toEqual(sorted(m.accessInformation));
    expect(result.findings).toHaveLength(Object.values(m).flat().length);
    const only = await scan('missing-metadata', 'description=false', 'snippet=false', 'tags=false', 'thumbnail=false', 'licenseInfo=false');
    expect(only.findings.map((f) => f.code)).toEqual(['no-credits']);
  }, 60_000);

  it('over-shared: public items, the publicly editable layer, public groups', async () => {
    const result = await scan('over-shared');
    expect(ids(result, 'public')).toEqual(sorted(X.items.publicItems));
    expect(ids(result, 'public-editable')).toEqual(sorted(X.items.publiclyEditableLayers));
    expect(ids(result, 'public-group')).toEqual(sorted(X.groups.public));
    expect(result.findings).toHaveLength(X.items.publicItems.length + X.items.publiclyEditableLayers.length + X.groups.public.length);
    const editable = (id: string) => result.findings.find((f) => f.code === 'public-editable' && f.target.id === id);
    expect(editable(X.ids['svc-reports'])).toMatchObject({ severity: 'critical', message: expect.stringMatching(/add, update, delete features without signing in/) });
    // A public Survey123 submission view is publicly editable although its source is private: anyone may add.
    for (const id of X.views.publicSubmission) {
      // ... and the finding says which layer that is (view-sharing.ts).
      expect(editable(id)).toMatchObject({ severity: 'critical', message: expect.stringMatching(/^Is a public view of ".+" \((private|shared with groups|org)\) and lets anyone add features of that layer through it without signing in\.$/) });
    }
    expect(sorted(result.groupIds)).toEqual(sorted(X.groups.public));
  }, 60_000);

  it('duplicates: the same title, type and owner; identical data', async () => {
    const result = await scan('duplicates');
    expect(ids(result, 'same-title')).toEqual(sorted(X.items.duplicatesByTitle.flat()));
    expect(ids(result, 'same-data')).toEqual(sorted(X.items.duplicatesByData.flat()));
    expect(result.findings).toHaveLength(X.items.duplicatesByTitle.flat().length + X.items.duplicatesByData.flat().length);
    const [a, b] = X.items.duplicatesByData[0]!;
    const copy = result.findings.find((f) => f.code === 'same-data' && f.target.id === a)!;
    expect(copy.details).toMatchObject({ duplicates: [b], set: expect.arrayContaining([a, b]) });
    expect(result.findings.filter((f) => f.code === 'same-data' && f.details.oldest === true)).toHaveLength(1);
    // Sizes come from the content listings (search answers -1): the large items are not downloaded under a 10 MB limit.
    expect(result.scan.summary.tooLargeToCompare).toBe(0);
    const limited = await scan('duplicates', 'maxDataMb=10');
    expect(Number(limited.scan.summary.tooLargeToCompare)).toBeGreaterThanOrEqual(X.items.largeItems.length);
  }, 60_000);

  it('groups: empty, single member, no content, owner disabled', async () => {
    const result = await scan('groups');
    const empty = X.groups.empty;
    expect(ids(result, 'empty')).toEqual(sorted(empty));
    // An empty group is reported once, as empty, not again as single-member or without content.
    expect(ids(result, 'single-member')).toEqual(sorted(X.groups.singleMember.filter((g) => !empty.includes(g))));
    expect(ids(result, 'no-content')).toEqual(sorted(X.groups.noContent.filter((g) => !empty.includes(g))));
    expect(ids(result, 'owner-disabled')).toEqual(sorted(X.groups.ownerDisabled));
    const all = new Set([...X.groups.empty, ...X.groups.singleMember, ...X.groups.noContent, ...X.groups.ownerDisabled]);
    expect(sorted(result.groupIds)).toEqual(sorted([...all]));
    expect(result.findings.find((f) => f.code === 'owner-disabled')?.target).toMatchObject({ owner: 'ann.retired', portalUrl: `${emu.portalUrl}/home/group.html?id=${X.groups.ownerDisabled[0]}` });
  }, 60_000);

  it('storage: the large items with their monthly credits (file storage), owners over the threshold', async () => {
    const result = await scan('storage');
    expect(ids(result, 'large-item')).toEqual(sorted(X.items.largeItems));
    expect(result.findings).toHaveLength(X.items.largeItems.length);
    const ortho = result.findings.find((f) => f.target.id === X.ids['fgdb-ortho'])!;
    const size = Number(ortho.details.sizeBytes);
    expect(size).toBeGreaterThan(24 * 1024 * 1024);
    // File storage: 1.2 credits per GB per month.
    expect(ortho.details).toMatchObject({ storage: 'file', creditsPerMonth: Math.round((size / 1024 ** 3) * 1.2 * 1000) / 1000 });
    const summary = result.scan.summary as { largestItems: { id: string; storage: string }[]; largestOwners: { owner: string; creditsPerMonth: number }[]; featureBytes: number };
    expect(summary.largestItems.slice(0, 2).map((i) => i.id)).toEqual([X.ids['fgdb-ortho'], X.ids['pdf-lidar']]);
    expect(summary.featureBytes).toBeGreaterThan(0);
    // Owners: with the threshold lowered to 20 MB, Tom (the orthophoto) is reported, priced as feature + file storage.
    const owners = await scan('storage', 'minOwnerMb=20', 'minItemMb=1000');
    expect(owners.findings.map((f) => `${f.code} ${f.target.id}`)).toEqual(['large-owner tom.editor']);
    const tom = owners.findings[0]!.details as { featureBytes: number; fileBytes: number; creditsPerMonth: number };
    const expected = (tom.featureBytes / (10 * 1024 * 1024)) * 2.4 + (tom.fileBytes / 1024 ** 3) * 1.2;
    expect(tom.creditsPerMonth).toBeCloseTo(expected, 2);
  }, 60_000);

  it('storage: sizes come from the owners\' content listings (search answers -1), else from the item itself, within the lookup limit', async () => {
    const ortho = X.ids['fgdb-ortho']!;
    const token = (await (await fetch(`${emu.restUrl}/generateToken`, { method: 'POST', body: new URLSearchParams({ ...emu.admin, client: 'referer', referer: emu.portalUrl, f: 'json' }) })).json()) as { token: string };
    const searched = (await (await fetch(`${emu.restUrl}/search?q=id:${ortho}&f=json&token=${token.token}`)).json()) as { results: { size: number }[] };
    expect(searched.results[0]!.size).toBe(-1);
    const listed = await scan('storage');
    const sizeOf = (r: ScanJson) => r.findings.find((f) => f.target.id === ortho)?.details;
    expect(sizeOf(listed)).toMatchObject({ sizeFrom: 'listing' });
    const checked = Number(listed.scan.summary.itemsChecked);
    expect(listed.scan.summary.sizesFrom).toEqual({ contentListing: checked, itemRequest: 0, unknown: 0 });
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: ['/content/users/tom.editor'] });
    try {
      const asked = await scan('storage');
      expect(sizeOf(asked)).toEqual({ ...sizeOf(listed), sizeFrom: 'item' });
      const fromItems = (asked.scan.summary.sizesFrom as { itemRequest: number }).itemRequest;
      expect(fromItems).toBeGreaterThan(0);
      expect(asked.scan.summary.sizesFrom).toEqual({ contentListing: checked - fromItems, itemRequest: fromItems, unknown: 0 });
      expect((asked.scan.summary.problems as string[])[0]).toMatch(/^The content of tom\.editor could not be listed for the sizes of their items: /);
      // No lookups allowed: tom's items stay unknown (0) and the orthophoto is not reported.
      const bounded = await scan('storage', 'maxSizeLookups=0');
      expect(sizeOf(bounded)).toBeUndefined();
      expect(bounded.scan.summary.sizesFrom).toEqual({ contentListing: checked - fromItems, itemRequest: 0, unknown: fromItems });
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
  }, 120_000);

  it('prints text and CSV, and explains wrong input (exit 2)', async () => {
    const text = await runCli(['scan', '--identity', 'Demoville', '--type', 'groups'], { dataDir: data.path });
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Groups scan of Demoville \(scan [0-9a-f-]+\): 5 findings\.$/);
    expect(lines[2]).toMatch(/^CODE\s+SEVERITY\s+TARGET\s+TITLE\s+OWNER\s+FINDING$/);
    expect(lines.slice(3).some((l) => l.startsWith('empty') && l.includes(X.groups.empty[0]!) && l.includes("Paul's Test Group"))).toBe(true);

    const csv = await runCli(['scan', '--identity', 'Demoville', '--type', 'stale-items', '--csv'], { dataDir: data.path });
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('Scan,Scan type,Scanned (UTC),Code,Severity,Kind,ID,Title,Type,Owner,Where,Message,Details,Link');
    expect(rows, csv.stdout + csv.stderr).toHaveLength(1 + X.items.staleItems.length);
    expect(rows[1]).toMatch(/,stale-items,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC,stale,warning,item,/);
    expect(csv.stdout).toMatch(/modified: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

    const cases: [string[], RegExp][] = [
      [['scan', '--identity', 'Demoville'], /--type is required/],
      [['scan', '--type', 'groups'], /--identity is required/],
      [['scan', '--identity', 'Demoville', '--type', 'junk'], /Unknown scan type "junk"/],
      [['scan', '--identity', 'Demoville', '--type', 'text-search'], /Text is required for a text search scan/],
      [['scan', '--identity', 'Demoville', '--type', 'stale-items', '--option', 'days=abc'], /Days must be a whole number/],
      [['scan', '--identity', 'Demoville', '--type', 'stale-items', '--option', 'colour=red'], /has no option "colour"/],
      [['scan', '--identity', 'Demoville', '--type', 'text-search', '--option', 'text=(', '--option', 'regex=true'], /not a valid regular expression/],
      [['scan', '--identity', 'Nowhere', '--type', 'groups'], /There is no identity named or with the id "Nowhere"/]
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { dataDir: data.path });
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.code, args.join(' ')).toBe(2);
    }
    const help = await runCli(['scan', '--help', '--type', 'storage'], { dataDir: data.path });
    expect(help.stdout).toMatch(/minOwnerMb=NUMBER\s+Report owners whose items add up to at least this much\. \(default 1024\)/);
  }, 120_000);
});

describe('clean scans of an ArcGIS Enterprise organization (CLI)', () => {
  let emu: EmulatorHandle;
  let fixture: DataDirFixture;
  let data: TempFolder;
  const scan = async (type: string): Promise<ScanJson> => {
    const result = await runCli(['scan', '--identity', 'Enterprise', '--type', type, '--json'], { dataDir: data.path });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as ScanJson;
  };

  beforeAll(async () => {
    fixture = await startDataDirFixture({ kind: 'enterprise' });
    ({ emu, data } = fixture);
    await addIdentityWithCli(emu, data.path, { kind: 'enterprise', name: 'Enterprise', fileLocation: `${fixture.backups.path}/ent` });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('resolves references against the federated hosting server and prices no credits', async () => {
    // Hosted services live on the federated server (`.../server/rest/services/Hosted`), not under the portal.
    expect(emu.servicesRoot).toMatch(/\/rest\/services\/Hosted$/);
    const broken = await scan('broken-links');
    expect(broken.findings.map((f) => `${f.target.id} ${f.where}`).sort()).toEqual(X.brokenReferences.findings.map((f) => `${f.itemId} ${f.path}`).sort());
    expect(broken.findings.find((f) => f.target.id === X.brokenReferences.webMapToDeadUrl.itemId)?.details.url).toBe(
      `${emu.servicesRoot}/${DEMO_SERVICE_NAMES.deadHistoricParcels}/FeatureServer/0`
    );
    const storage = await scan('storage');
    expect(ids(storage, 'large-item')).toEqual(sorted(X.items.largeItems));
    expect(storage.findings.every((f) => f.details.creditsPerMonth === null && !/credits/.test(f.message))).toBe(true);
    expect(storage.scan.summary.creditsPerMonth).toBeNull();
  }, 60_000);
});
