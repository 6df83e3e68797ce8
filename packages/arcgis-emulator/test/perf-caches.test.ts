import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/auth/tokens.js';
import { type EmulatorHandle } from '../src/index.js';
import { newItemRecord } from '../src/state/records.js';
import { type ItemRecord } from '../src/state/types.js';
import { addTestGroup, addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

type SearchBody = { total: number; nextStart: number; results: { id: string; title: string }[] };
type UsersBody = { total: number; users: { username: string; storageUsage: number }[] };

/**
 * Search results, storage per user and groups per user are derived from the state once per state version
 * (EmulatorState.derive). These tests change the state through the REST API (and in place with markDirty, the
 * contract for code that edits records) and check that every read afterwards sees the change.
 */
describe('caches derived from the state follow every write', () => {
  let emu: EmulatorHandle;
  let rest: string;
  let adminToken: string;
  let aliceToken: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    rest = emu.restUrl;
    addTestUser(emu, 'alice_perf', 'org_publisher');
    addTestUser(emu, 'bob_perf', 'org_user');
    adminToken = issueToken(emu.context, emu.admin.username, 60).token;
    aliceToken = issueToken(emu.context, 'alice_perf', 60).token;
  });
  afterAll(async () => {
    await emu?.close();
  });

  const search = async (params: Record<string, string | number>, token = aliceToken) =>
    (await rawRequest(`${rest}/search`, { num: 100, ...params, token })).body as SearchBody;
  const post = async (path: string, params: Record<string, string>, token = aliceToken) =>
    (await rawRequest(`${rest}/${path}`, { ...params, token }, { method: 'POST' })).body as Record<string, unknown>;
  const addItem = async (title: string, extra: Record<string, string> = {}) =>
    (await post('content/users/alice_perf/addItem', { title, type: 'CSV', ...extra })).id as string;
  /** Uploads `bytes` as the item's file (multipart, as rest-js sends files). */
  const upload = async (path: string, fields: Record<string, string>, bytes: number) => {
    const form = new FormData();
    form.set('f', 'json');
    form.set('token', aliceToken);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([Buffer.alloc(bytes, 'a')], { type: 'text/csv' }), 'rows.csv');
    return (await (await fetch(`${rest}/${path}`, { method: 'POST', body: form })).json()) as Record<string, unknown>;
  };
  const storageInListing = async (username: string) => {
    const page = (await rawRequest(`${rest}/portals/self/users`, { num: 100, sortField: 'username', token: adminToken })).body as UsersBody;
    return page.users.find((u) => u.username === username)?.storageUsage;
  };
  const storageOfUser = async (username: string) =>
    ((await rawRequest(`${rest}/community/users/${username}`, { token: adminToken })).body as { storageUsage: number }).storageUsage;

  it('a search sees items added, renamed and deleted after the same search was answered', async () => {
    expect((await search({ q: 'zeppelin' })).total).toBe(0);
    const first = await addItem('Zeppelin hangars');
    expect((await search({ q: 'zeppelin' })).results.map((r) => r.id)).toEqual([first]);

    // paging: the second page of the same query sees an item added after the first page was read
    const page1 = await search({ q: 'zeppelin', num: 1, sortField: 'created' });
    expect(page1).toMatchObject({ total: 1, nextStart: -1 });
    const second = await addItem('Zeppelin routes');
    const page2 = await search({ q: 'zeppelin', num: 1, start: 2, sortField: 'created' });
    expect(page2).toMatchObject({ total: 2, nextStart: -1 });
    expect(page2.results.map((r) => r.id)).toEqual([second]);

    expect((await post(`content/users/alice_perf/items/${second}/update`, { title: 'Airship routes' })).success).toBe(true);
    expect((await search({ q: 'zeppelin' })).results.map((r) => r.title)).toEqual(['Zeppelin hangars']);
    expect((await search({ q: 'airship' })).results.map((r) => r.id)).toEqual([second]);

    expect((await post(`content/users/alice_perf/items/${first}/delete`, {})).success).toBe(true);
    expect((await search({ q: 'zeppelin' })).total).toBe(0);
  });

  it('a search sees sharing, group membership and ownership changes', async () => {
    const owner = emu.context.state.getUser('alice_perf')!;
    const group = addTestGroup(emu, owner, 'Perf group', []);
    const id = await addItem('Blimp docks');
    const bobToken = issueToken(emu.context, 'bob_perf', 60).token;

    expect((await search({ q: `group:${group.id}`, num: 1 })).total).toBe(0);
    expect((await search({ q: 'blimp' }, bobToken)).total).toBe(0);
    expect((await post(`content/users/alice_perf/items/${id}/share`, { groups: group.id })).notSharedWith).toEqual([]);
    expect((await search({ q: `group:${group.id}`, num: 1 })).total).toBe(1);
    // bob is not a member yet; joining through the API makes the item visible to him
    expect((await search({ q: 'blimp' }, bobToken)).total).toBe(0);
    expect((await post(`community/groups/${group.id}/addUsers`, { users: 'bob_perf' })).notAdded).toEqual([]);
    expect((await search({ q: 'blimp' }, bobToken)).results.map((r) => r.id)).toEqual([id]);
    const groupContent = (await rawRequest(`${rest}/content/groups/${group.id}/search`, { q: 'blimp', token: bobToken })).body as SearchBody;
    expect(groupContent.results.map((r) => r.id)).toEqual([id]);

    expect((await search({ q: 'owner:bob_perf' }, adminToken)).total).toBe(0);
    expect((await post(`content/users/alice_perf/items/${id}/reassign`, { targetUsername: 'bob_perf' }, adminToken)).success).toBe(true);
    expect((await search({ q: 'owner:bob_perf' }, adminToken)).results.map((r) => r.id)).toEqual([id]);
    expect((await search({ q: 'owner:alice_perf AND blimp' }, adminToken)).total).toBe(0);
  });

  it('a search sees a record changed in place once markDirty is called (the contract for code that edits records)', async () => {
    const id = await addItem('Dirigible masts');
    expect((await search({ q: 'dirigible', sortField: 'numviews', sortOrder: 'desc' })).total).toBe(1);
    const item = emu.context.state.items.get(id)!;
    item.json.title = 'Balloon masts';
    emu.context.markDirty();
    expect((await search({ q: 'dirigible', sortField: 'numviews', sortOrder: 'desc' })).total).toBe(0);
    expect((await search({ q: 'balloon' })).results.map((r) => r.id)).toEqual([id]);
  });

  it('pages through one query without matching the items again', async () => {
    const ids = [await addItem('Counting one'), await addItem('Counting two'), await addItem('Counting three')];
    const counted = emu.context.state.items.get(ids[0]!)!;
    let reads = 0;
    countReads(counted, 'title', () => reads++);
    const page = (start: number) => search({ q: 'counting', num: 1, start, sortField: 'created' });
    expect((await page(1)).results.map((r) => r.id)).toEqual([ids[0]]);
    const afterFirst = reads;
    expect(afterFirst).toBeGreaterThan(1); // matched, then shown
    expect((await page(2)).results.map((r) => r.id)).toEqual([ids[1]]);
    expect((await page(3)).results.map((r) => r.id)).toEqual([ids[2]]);
    expect(reads).toBe(afterFirst);
    // any change starts over
    emu.context.markDirty();
    await page(2);
    expect(reads).toBeGreaterThan(afterFirst);
  });

  it('reports storage after addItem, update and delete with a file, and after reassigning', async () => {
    expect(await storageInListing('alice_perf')).toBe(await storageOfUser('alice_perf'));
    const before = (await storageOfUser('alice_perf'))!;

    const added = await upload('content/users/alice_perf/addItem', { title: 'Sized rows', type: 'CSV' }, 1000);
    const id = added.id as string;
    expect(added.success).toBe(true);
    expect(await storageInListing('alice_perf')).toBe(before + 1000);
    expect(await storageOfUser('alice_perf')).toBe(before + 1000);

    expect((await upload(`content/users/alice_perf/items/${id}/update`, {}, 2500)).success).toBe(true);
    expect(await storageInListing('alice_perf')).toBe(before + 2500);
    expect(await storageOfUser('alice_perf')).toBe(before + 2500);

    const bobBefore = (await storageOfUser('bob_perf'))!;
    expect((await post(`content/users/alice_perf/items/${id}/reassign`, { targetUsername: 'bob_perf' }, adminToken)).success).toBe(true);
    expect(await storageInListing('alice_perf')).toBe(before);
    expect(await storageInListing('bob_perf')).toBe(bobBefore + 2500);

    expect((await post(`content/users/bob_perf/items/${id}/delete`, {}, adminToken)).success).toBe(true);
    expect(await storageInListing('bob_perf')).toBe(bobBefore);
    expect(await storageOfUser('bob_perf')).toBe(bobBefore);
  });

  it('lists a user’s groups after joining and leaving through the API', async () => {
    const bobToken = issueToken(emu.context, 'bob_perf', 60).token;
    const created = (await post('community/createGroup', { title: 'Joinable', access: 'org' }, adminToken)) as { group: { id: string } };
    const groupsOfBob = async () =>
      ((await rawRequest(`${rest}/community/self`, { token: bobToken })).body as { groups: { id: string }[] }).groups.map((g) => g.id);
    expect(await groupsOfBob()).not.toContain(created.group.id);
    expect((await post(`community/groups/${created.group.id}/addUsers`, { users: 'bob_perf' }, adminToken)).notAdded).toEqual([]);
    expect(await groupsOfBob()).toContain(created.group.id);
    expect((await post(`community/groups/${created.group.id}/removeUsers`, { users: 'bob_perf' }, adminToken)).notRemoved).toEqual([]);
    expect(await groupsOfBob()).not.toContain(created.group.id);
  });
});

describe('listing users at scale', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('reads every item once per state version for all users’ storage, not once per user', async () => {
    for (let i = 0; i < 40; i++) addTestUser(emu, `lister_${String(i).padStart(2, '0')}`);
    const state = emu.context.state;
    const probe = state.addItem(newItemRecord({ id: state.newId(), owner: 'lister_07', orgId: state.org.id, created: 1, title: 'Probe', type: 'CSV', size: 70 }));
    let reads = 0;
    countReads(probe, 'owner', () => reads++);
    const token = issueToken(emu.context, emu.admin.username, 60).token;
    const listing = async () =>
      (await rawRequest(`${emu.restUrl}/portals/self/users`, { num: 100, sortField: 'username', token })).body as UsersBody;
    const page = await listing();
    expect(page.users.find((u) => u.username === 'lister_07')?.storageUsage).toBe(70);
    expect(page.users.filter((u) => u.username.startsWith('lister_'))).toHaveLength(40);
    expect(reads).toBe(1);
    await listing();
    expect(reads).toBe(1);
  });
});

describe('the state version', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('moves on every change of the maps, on touch() and on markDirty()', () => {
    const state = emu.context.state;
    const user = addTestUser(emu, 'carol_perf');
    let version = state.version;
    const moved = () => {
      const changed = state.version !== version;
      version = state.version;
      return changed;
    };
    state.touch();
    expect(moved()).toBe(true);
    emu.context.markDirty();
    expect(moved()).toBe(true);
    state.users.delete('nobody');
    expect(moved()).toBe(false); // removing nothing changes nothing
    state.users.delete(user.username.toLowerCase());
    expect(moved()).toBe(true);
    state.addUser(user);
    expect(moved()).toBe(true);
  });

  it('keeps derived values for one version only, and a bounded number of them (least recently used go first)', () => {
    const state = emu.context.state;
    let builds = 0;
    const build = () => ++builds;
    expect(state.derive('test:a', build)).toBe(1);
    expect(state.derive('test:a', build)).toBe(1);
    state.touch();
    expect(state.derive('test:a', build)).toBe(2);
    state.derive('test:b', build);
    for (let i = 0; i < 500; i++) {
      state.derive(`test:many:${i}`, () => i);
      state.recall('test:b'); // in use: kept
    }
    expect(state.recall('test:a')).toBeUndefined(); // the least recently used went first
    expect(state.recall('test:many:0')).toBeUndefined();
    expect(state.recall('test:many:499')).toBe(499);
    expect(state.recall('test:b')).toBe(3);
  });
});

/** Counts reads of one field of an item's JSON (the matcher reads fields; a cached search does not). */
function countReads(item: ItemRecord, field: 'title' | 'owner', onRead: () => void): void {
  let value = item.json[field];
  Object.defineProperty(item.json, field, {
    configurable: true,
    enumerable: true,
    get() {
      onRead();
      return value;
    },
    set(v: string) {
      value = v;
    }
  });
}
