import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/auth/tokens.js';
import { type EmulatorHandle } from '../src/index.js';
import { addTestGroup, addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

type SearchBody = { total: number; num: number; nextStart: number; results: { id: string; title: string }[]; items?: { id: string }[] };

/** Raw HTTP: search parameters and errors, bulk sharing, and the item parameters that search depends on. */
describe('search and bulk sharing over HTTP', () => {
  let emu: EmulatorHandle;
  let rest: string;
  let aliceToken: string;
  let bobToken: string;
  const ids: string[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    rest = emu.restUrl;
    addTestUser(emu, 'alice_pub', 'org_publisher');
    addTestUser(emu, 'bob_user', 'org_user');
    aliceToken = issueToken(emu.context, 'alice_pub', 60).token;
    bobToken = issueToken(emu.context, 'bob_user', 60).token;
    for (const [title, categories] of [
      ['Water mains', '/Categories/Utilities/Water'],
      ['Sewer lines', '/Categories/Utilities/Sewer'],
      ['Bike lanes', '/Categories/Transport']
    ] as const) {
      const r = await rawRequest(
        `${rest}/content/users/alice_pub/addItem`,
        { title, type: 'Feature Collection', categories: JSON.stringify([categories]), token: aliceToken },
        { method: 'POST' }
      );
      ids.push((r.body as { id: string }).id);
    }
  });
  afterAll(async () => {
    await emu?.close();
  });

  const search = async (params: Record<string, string | number>, token = aliceToken) =>
    (await rawRequest(`${rest}/search`, { ...params, token })).body as SearchBody & { error?: { code: number; message: string; details: string[] } };

  it('filters by categories (OR within a list, sub-categories included; AND across lists)', async () => {
    expect((await search({ q: 'owner:alice_pub', categories: '/Categories/Utilities' })).total).toBe(2);
    expect((await search({ q: 'owner:alice_pub', categories: '/Categories/Utilities/Water,/Categories/Transport' })).total).toBe(2);
    expect((await search({ q: 'owner:alice_pub', categories: JSON.stringify([['/Categories/Utilities'], ['/Categories/Utilities/Sewer']]) })).total).toBe(1);
  });

  it('answers num=0 with only the total, and refuses too many count fields', async () => {
    const counted = await search({ q: 'owner:alice_pub', num: 0 });
    expect(counted).toMatchObject({ total: 3, num: 0, nextStart: -1, results: [] });
    const tooMany = await search({ q: '', countFields: 'type,access,tags,owner' });
    expect(tooMany.error).toMatchObject({ code: 400 });
    expect(tooMany.error!.details[0]).toContain('at most 3');
  });

  it('serves anonymous searches (public items only) and answers an invalid token with 498', async () => {
    const anonymous = (await rawRequest(`${rest}/search`, { q: 'owner:alice_pub' })).body as SearchBody;
    expect(anonymous.total).toBe(0);
    const invalid = (await rawRequest(`${rest}/search`, { q: '', token: 'nope' })).body as { error: { code: number } };
    expect(invalid.error.code).toBe(498);
  });

  it('shares and unshares in bulk with per-item results', async () => {
    const group = addTestGroup(emu, emu.context.state.getUser('alice_pub')!, 'Utilities', ['bob_user']);
    const shared = await rawRequest(
      `${rest}/content/users/alice_pub/shareItems`,
      { items: `${ids[0]},${ids[1]},ffffffffffffffffffffffffffffffff`, groups: group.id, token: aliceToken },
      { method: 'POST' }
    );
    expect(shared.body).toEqual({
      results: [
        { itemId: ids[0], success: true, notSharedWith: [] },
        { itemId: ids[1], success: true, notSharedWith: [] },
        { itemId: 'ffffffffffffffffffffffffffffffff', success: false, notSharedWith: [group.id] }
      ]
    });
    expect((await search({ q: 'owner:alice_pub', sortField: 'title' }, bobToken)).results.map((r) => r.title)).toEqual(['Sewer lines', 'Water mains']);
    expect((await search({ q: '', searchUserAccess: 'groupMember' }, bobToken)).total).toBe(2);

    const listing = (await rawRequest(`${rest}/content/groups/${group.id}`, { token: bobToken })).body as SearchBody;
    expect(listing).toMatchObject({ total: 2, start: 1, nextStart: -1 });
    expect(listing.items!.map((i) => i.id).sort()).toEqual([ids[0], ids[1]].sort());

    const unshared = await rawRequest(`${rest}/content/users/alice_pub/unshareItems`, { items: ids[0]!, groups: group.id, token: aliceToken }, { method: 'POST' });
    expect(unshared.body).toEqual({ results: [{ itemId: ids[0], success: true, notUnsharedFrom: [] }] });
    expect((await search({ q: `group:${group.id}` }, bobToken)).total).toBe(1);
    const everyone = await rawRequest(`${rest}/content/users/alice_pub/shareItems`, { items: ids[2]!, everyone: true, token: aliceToken }, { method: 'POST' });
    expect(everyone.body).toEqual({ results: [{ itemId: ids[2], success: true, notSharedWith: [] }] });
    expect(((await rawRequest(`${rest}/search`, { q: 'owner:alice_pub' })).body as SearchBody).results.map((r) => r.title)).toEqual(['Bike lanes']);
    // a group the caller is not in cannot be searched
    const other = addTestGroup(emu, emu.context.state.getUser('alice_pub')!, 'Private team', [], 'private');
    const refused = (await rawRequest(`${rest}/content/groups/${other.id}/search`, { q: '', token: bobToken })).body as { error: { code: number } };
    expect(refused.error.code).toBe(400);
  });

  it('overwrites an item of the same type and title with overwrite=true, and takes a thumbnail from a data URL', async () => {
    const first = (await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'Daily report', type: 'PDF', token: aliceToken }, { method: 'POST' })).body as { id: string };
    const second = (
      await rawRequest(
        `${rest}/content/users/alice_pub/addItem`,
        { title: 'Daily report', type: 'PDF', overwrite: true, snippet: 'today', thumbnailUrl: 'data:image/png;base64,iVBORw0KGgo=', token: aliceToken },
        { method: 'POST' }
      )
    ).body as { id: string };
    expect(second.id).toBe(first.id);
    const item = (await rawRequest(`${rest}/content/items/${first.id}`, { token: aliceToken })).body as { snippet: string; thumbnail: string };
    expect(item).toMatchObject({ snippet: 'today', thumbnail: 'thumbnail/thumbnail.png' });
    const thumb = await fetch(`${rest}/content/items/${first.id}/info/${item.thumbnail}?token=${aliceToken}`);
    expect(Buffer.from(await thumb.arrayBuffer()).toString('base64')).toBe('iVBORw0KGgo=');
  });

  it('answers size -1 in search results and group content, the real size in the item GET and the user content listing', async () => {
    const added = await rawRequest(
      `${rest}/content/users/alice_pub/addItem`,
      { title: 'Sized map', type: 'Web Map', text: JSON.stringify({ operationalLayers: [], version: '2.30' }), token: aliceToken },
      { method: 'POST' }
    );
    const id = (added.body as { id: string }).id;
    const found = (await search({ q: `id:${id}` })).results[0] as unknown as { id: string; size: number };
    expect(found).toMatchObject({ id, size: -1 });
    const item = (await rawRequest(`${rest}/content/items/${id}`, { token: aliceToken })).body as { size: number };
    expect(item.size).toBeGreaterThan(0);
    const listed = (await rawRequest(`${rest}/content/users/alice_pub`, { num: 100, token: aliceToken })).body as { items: { id: string; size: number }[] };
    expect(listed.items.find((i) => i.id === id)).toEqual(item);
  });
});
