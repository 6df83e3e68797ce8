import { createItem, searchGroupContent, searchItems, SearchQueryBuilder, setItemAccess, shareItemWithGroup } from '@esri/arcgis-rest-portal';
import { type ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newItemRecord } from '../../src/state/records.js';
import { type EmulatorHandle } from '../../src/index.js';
import { type UserRecord } from '../../src/state/types.js';
import { addTestGroup, addTestUser, signInAs } from '../support/content-fixtures.js';
import { signInAsAdmin, startTestEmulator } from '../support/emulator.js';

describe("item search with Esri's client", () => {
  let emu: EmulatorHandle;
  let admin: ArcGISIdentityManager;
  let alice: UserRecord;
  let aliceAuth: ArcGISIdentityManager;
  let bobAuth: ArcGISIdentityManager;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    alice = addTestUser(emu, 'alice_pub', 'org_publisher');
    const bob = addTestUser(emu, 'bob_user', 'org_user');
    admin = await signInAsAdmin(emu);
    aliceAuth = await signInAs(emu, alice);
    bobAuth = await signInAs(emu, bob);
    const add = async (key: string, item: Record<string, unknown>) => {
      emu.context.clock.offsetMs += 1000; // distinct created times, in this order
      ids[key] = (await createItem({ item: { title: key, ...item } as never, authentication: aliceAuth })).id;
    };
    await add('Parks Map', { type: 'Web Map', tags: ['parks', 'recreation'], snippet: 'Where the parks are' });
    await add('Parks Viewer', { type: 'Web Mapping Application', tags: ['parks'] });
    await add('Fire Stations', { type: 'Feature Service', typeKeywords: ['Hosted Service', 'Data'], description: 'All fire stations of Demoville' });
    await add('Budget 2026', { type: 'PDF', tags: ['finance'] });
    await add('Street Trees', { type: 'CSV', tags: ['trees', 'parks'] });
    await setItemAccess({ id: ids['Parks Map']!, access: 'org', authentication: aliceAuth });
    await setItemAccess({ id: ids['Budget 2026']!, access: 'public', authentication: aliceAuth });
  });
  afterAll(async () => {
    await emu?.close();
  });

  const titles = (r: { results: { title: string }[] }) => r.results.map((i) => i.title);

  it('answers the documented result shape', async () => {
    const r = await searchItems({ q: 'owner:alice_pub', sortField: 'created', authentication: aliceAuth });
    expect(Object.keys(r).sort()).toEqual(['nextStart', 'num', 'query', 'results', 'start', 'total']);
    expect(r).toMatchObject({ query: 'owner:alice_pub', total: 5, start: 1, num: 10, nextStart: -1 });
    expect(titles(r)).toEqual(['Parks Map', 'Parks Viewer', 'Fire Stations', 'Budget 2026', 'Street Trees']);
  });

  it('finds by type the way ArcGIS tokenizes it, and filter matches exactly', async () => {
    expect(titles(await searchItems({ q: 'type:"Web Map"', sortField: 'title', authentication: aliceAuth }))).toEqual(['Parks Map', 'Parks Viewer']);
    expect(titles(await searchItems({ q: 'type:"Web Map" -type:"Web Mapping Application"', authentication: aliceAuth }))).toEqual(['Parks Map']);
    expect(titles(await searchItems({ q: '', filter: 'type:"Web Map"', authentication: aliceAuth }))).toEqual(['Parks Map']);
  });

  it('builds queries with SearchQueryBuilder', async () => {
    const q = new SearchQueryBuilder().match('alice_pub').in('owner').and().startGroup().match('parks').in('tags').or().match('fire').endGroup();
    const r = await searchItems({ q, sortField: 'title', authentication: aliceAuth });
    expect(titles(r)).toEqual(['Fire Stations', 'Parks Map', 'Parks Viewer', 'Street Trees']);

    const created = emu.context.state.items.get(ids['Fire Stations']!)!.json.created;
    const range = new SearchQueryBuilder().from(new Date(created)).to(new Date(created + 2500)).in('created');
    expect(titles(await searchItems({ q: range, sortField: 'created', authentication: aliceAuth }))).toEqual(['Fire Stations', 'Budget 2026', 'Street Trees']);
  });

  it('pages with num, start and nextStart, and nextPage()', async () => {
    const first = await searchItems({ q: 'owner:alice_pub', num: 2, sortField: 'title', sortOrder: 'desc', authentication: aliceAuth });
    expect(first).toMatchObject({ total: 5, start: 1, num: 2, nextStart: 3 });
    expect(titles(first)).toEqual(['Street Trees', 'Parks Viewer']);
    const second = await first.nextPage!();
    expect(second).toMatchObject({ start: 3, nextStart: 5 });
    expect(titles(second)).toEqual(['Parks Map', 'Fire Stations']);
    const third = await searchItems({ q: 'owner:alice_pub', num: 2, start: 5, sortField: 'title', sortOrder: 'desc', authentication: aliceAuth });
    expect(titles(third)).toEqual(['Budget 2026']);
    expect(third.nextStart).toBe(-1);
    expect(third.nextPage).toBeUndefined();
  });

  it('shows each caller only what they may read', async () => {
    expect(titles(await searchItems({ q: 'owner:alice_pub', sortField: 'title', authentication: bobAuth }))).toEqual(['Budget 2026', 'Parks Map']);
    expect(titles(await searchItems({ q: 'owner:alice_pub', portal: emu.restUrl }))).toEqual(['Budget 2026']);
    expect((await searchItems({ q: 'owner:alice_pub', authentication: admin })).total).toBe(5);
  });

  it('counts fields over all matches', async () => {
    const r = await searchItems({ q: 'owner:alice_pub', num: 1, countFields: 'type,access', countSize: 3, authentication: aliceAuth });
    const counts = (r as unknown as { aggregations: { counts: { fieldName: string; fieldValues: { value: string; count: number }[] }[] } }).aggregations.counts;
    expect(counts.map((c) => c.fieldName)).toEqual(['type', 'access']);
    expect(counts[1]!.fieldValues).toEqual([
      { value: 'private', count: 3 },
      { value: 'org', count: 1 },
      { value: 'public', count: 1 }
    ]);
    expect(counts[0]!.fieldValues).toHaveLength(3);
  });

  it('searches a group’s content', async () => {
    const group = addTestGroup(emu, alice, 'Parks team', ['bob_user']);
    await shareItemWithGroup({ id: ids['Street Trees']!, groupId: group.id, authentication: aliceAuth });
    const r = await searchGroupContent({ groupId: group.id, q: 'trees', authentication: bobAuth });
    expect(titles(r)).toEqual(['Street Trees']);
    expect(titles(await searchItems({ q: `group:${group.id}`, authentication: bobAuth }))).toEqual(['Street Trees']);
  });

  it('caps num at 100 and pages only the first 10,000 results while total counts them all', async () => {
    // 10,050 lightweight items straight into state (the HTTP path is covered above)
    const owner = addTestUser(emu, 'bulk_owner', 'org_publisher');
    const state = emu.context.state;
    for (let i = 0; i < 10_050; i++) {
      const item = newItemRecord({ id: state.newId(), owner: owner.username, orgId: owner.orgId, created: 1_000_000 + i, type: 'Web Map', title: `Bulk ${String(i).padStart(5, '0')}` });
      item.json.modified = emu.context.clock.now();
      state.addItem(item);
    }
    const big = await searchItems({ q: 'owner:bulk_owner', num: 500, authentication: admin });
    expect(big).toMatchObject({ total: 10_050, num: 100, nextStart: 101 });
    expect(big.results).toHaveLength(100);

    const last = await searchItems({ q: 'owner:bulk_owner', start: 9_901, num: 100, sortField: 'created', authentication: admin });
    expect(last).toMatchObject({ total: 10_050, start: 9_901, nextStart: -1 });
    expect(last.results).toHaveLength(100);
    expect(last.results[99]!.title).toBe('Bulk 09999');

    const beyond = await searchItems({ q: 'owner:bulk_owner', start: 10_001, num: 100, authentication: admin });
    expect(beyond).toMatchObject({ total: 10_050, nextStart: -1 });
    expect(beyond.results).toEqual([]);

    // the documented way past the cap: split by created ranges
    const tail = await searchItems({ q: 'owner:bulk_owner AND created:[1010000 TO 1010049]', num: 100, authentication: admin });
    expect(tail.total).toBe(50);
  });
});
