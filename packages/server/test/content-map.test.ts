/**
 * The content map (GET /api/identities/:id/content-map) over real HTTP against the emulated demo organization: every
 * item with its size, owner and folder, folders named as their owners named them, totals that add up, a short cache
 * that `refresh=true` bypasses, and clear refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './support/emulator-harness.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { createIdentity, startOrgFixture, type OrgFixture } from './support/org-fixture.js';

interface ContentMap {
  identityId: string;
  orgId: string;
  generatedAt: string;
  owners: { username: string; items: number; size: number; folders: string[] }[];
  folders: { id: string; title: string; owner: string; items: number; size: number }[];
  items: { id: string; title: string; type: string; size: number; owner: string; folderId: string | null; modified: string | null; access: string | null }[];
  totals: { items: number; size: number; owners: number; folders: number };
  problems: { kind: string; target: string; message: string }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

describe('content map API', () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let admin: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  const orgItems = () => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
  const mapPath = () => `/api/identities/${identityId}/content-map`;

  beforeAll(async () => {
    org = await startOrgFixture();
    ({ emu, server, admin, viewer, identityId } = org);
    // Untrusted text comes through as it is: the web app, not the API, decides how to show it.
    orgItems()[0]!.json.title = '<img src=x onerror="alert(1)"> & "quotes"';
  }, 60_000);

  afterAll(() => org?.close());

  it('refuses anonymous requests and unknown identities', async () => {
    const anonymous = await server.client().get<ErrorBody>(mapPath());
    expect(anonymous.status).toBe(401);
    const missing = await admin.get<ErrorBody>('/api/identities/nope/content-map');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/no such identity/);
    const badQuery = await admin.get<ErrorBody>(`${mapPath()}?refresh=maybe`);
    expect(badQuery.status).toBe(400);
  });

  it('lists every item of the organization with its size, owner and folder', async () => {
    const response = await viewer.get<ContentMap>(mapPath());
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const map = response.body;
    expect(map.identityId).toBe(identityId);
    expect(map.orgId).toBe(emu.orgId);
    expect(map.problems).toEqual([]);

    const expected = orgItems();
    expect(map.items.length).toBeGreaterThan(20);
    expect(new Set(map.items.map((i) => i.id))).toEqual(new Set(expected.map((i) => i.json.id)));
    for (const record of expected) {
      const item = map.items.find((i) => i.id === record.json.id)!;
      expect(item.title).toBe(record.json.title);
      expect(item.type).toBe(record.json.type);
      expect(item.owner).toBe(record.json.owner);
      expect(item.folderId).toBe(record.json.ownerFolder ?? null);
      expect(item.size).toBe(Math.max(0, Number(record.json.size ?? 0)));
      expect(item.modified).toBe(new Date(Number(record.json.modified)).toISOString());
    }
    expect(map.items.some((i) => i.title === '<img src=x onerror="alert(1)"> & "quotes"')).toBe(true);
    // Largest first, so the page can lay the treemap out without sorting again.
    const sizes = map.items.map((i) => i.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));

    // Folders carry their owners' titles; every folder an item sits in is listed, and so are empty folders.
    const used = new Set(expected.map((i) => i.json.ownerFolder).filter(Boolean));
    expect(used.size).toBeGreaterThan(0);
    for (const id of used) {
      const record = emu.context.state.folders.get(id as string)!;
      const listed = map.folders.find((f) => f.id === id);
      expect(listed, `folder ${String(id)}`).toMatchObject({ title: record.title, owner: record.username });
    }
    const ownersWithItems = new Set(expected.map((i) => i.json.owner));
    const emulatorFolders = [...emu.context.state.folders.values()].filter((f) => ownersWithItems.has(f.username));
    expect(new Set(map.folders.map((f) => f.id))).toEqual(new Set(emulatorFolders.map((f) => f.id)));

    // Totals add up, per folder, per owner and for the organization.
    for (const f of map.folders) {
      const inside = map.items.filter((i) => i.folderId === f.id);
      expect(f.items).toBe(inside.length);
      expect(f.size).toBe(inside.reduce((sum, i) => sum + i.size, 0));
    }
    for (const owner of map.owners) {
      const owned = map.items.filter((i) => i.owner === owner.username);
      expect(owner.items).toBe(owned.length);
      expect(owner.size).toBe(owned.reduce((sum, i) => sum + i.size, 0));
      expect(new Set(owner.folders)).toEqual(new Set(map.folders.filter((f) => f.owner === owner.username).map((f) => f.id)));
    }
    expect(new Set(map.owners.map((o) => o.username))).toEqual(ownersWithItems);
    expect(map.totals).toEqual({
      items: expected.length,
      size: map.items.reduce((sum, i) => sum + i.size, 0),
      owners: ownersWithItems.size,
      folders: map.folders.length
    });
  });

  it('serves the map from a short cache, and reads the organization again on refresh', async () => {
    const first = (await admin.get<ContentMap>(mapPath())).body;
    const requestsBefore = emu.context.requestLog.total;
    const again = (await admin.get<ContentMap>(mapPath())).body;
    expect(again.generatedAt).toBe(first.generatedAt);
    expect(emu.context.requestLog.total).toBe(requestsBefore);

    // An item changes in the organization: the cached map does not show it yet, a refreshed one does.
    const victim = orgItems().find((i) => i.json.id !== first.items[0]!.id)!;
    victim.json.title = 'Renamed while cached';
    const cached = (await admin.get<ContentMap>(mapPath())).body;
    expect(cached.items.find((i) => i.id === victim.json.id)!.title).not.toBe('Renamed while cached');
    const refreshed = (await admin.get<ContentMap>(`${mapPath()}?refresh=true`)).body;
    expect(refreshed.items.find((i) => i.id === victim.json.id)!.title).toBe('Renamed while cached');
    expect(Date.parse(refreshed.generatedAt)).toBeGreaterThanOrEqual(Date.parse(first.generatedAt));

    // Requests that arrive together share one read of the organization.
    const together = await Promise.all([1, 2, 3].map(() => admin.get<ContentMap>(`${mapPath()}?refresh=true`)));
    expect(new Set(together.map((r) => r.body.generatedAt)).size).toBe(1);
  });

  it('still maps every item when owners\' folders cannot be listed, and says what is missing', async () => {
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: ['/sharing/rest/content/users/'] });
    let map: ContentMap;
    try {
      const response = await admin.get<ContentMap>(`${mapPath()}?refresh=true`);
      expect(response.status, response.text).toBe(200);
      map = response.body;
    } finally {
      emu.faults.reset();
    }
    expect(map.items).toHaveLength(orgItems().length);
    expect(map.problems.length).toBe(map.owners.length);
    for (const problem of map.problems) {
      expect(problem.kind).toBe('folders');
      expect(problem.message).toMatch(/^The folders of .+ could not be listed: .*\(the sizes of their items are unknown\)\.$/);
    }
    // Search answers size -1 and no listing gave one: every size is unknown (0), not search's -1.
    expect(map.items.every((i) => i.size === 0)).toBe(true);
    // Items stay grouped by their folder id, named after it.
    const used = new Set(orgItems().map((i) => i.json.ownerFolder).filter(Boolean));
    expect(new Set(map.folders.map((f) => f.id))).toEqual(used);
    for (const f of map.folders) expect(f.title).toBe(`Folder ${f.id}`);
    // The next read has its folders again.
    const again = (await admin.get<ContentMap>(`${mapPath()}?refresh=true`)).body;
    expect(again.problems).toEqual([]);
  }, 60_000);

  it('says what to do when the identity is not connected', async () => {
    const notConnected = await createIdentity(admin, emu, { name: 'Not connected', fileLocation: `${org.folder.path}/not-connected`, storeCredentials: false });
    const response = await admin.get<ErrorBody>(`/api/identities/${notConnected}/content-map`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('needs_sign_in');
    expect(response.body.error.message).toMatch(/connect it/i);
  });
});
