/**
 * More than 10,000 items (issue 4): ArcGIS's search stops at 10,000 results, so a large organization is only backed
 * up completely if the engine works around the cap. A scaled emulated organization (`scale: 21`: about 10,600 items,
 * 2,000 users, 210 groups) is backed up whole, items, hosted layers, groups and users, and the snapshot is compared
 * with the emulator's state.
 *
 * The scale preset also holds 106 hosted layers of 10,000 features and one of 1,000,000: copying 2 million features
 * would take minutes here and prove nothing the layer tests and the benchmark do not. Before the run, all but three of
 * the scaled layers are deleted through the portal's REST API, as an administrator would; the org keeps more than
 * 10,000 items, and three layers of 10,000 features with attachments (plus the demo org's layers) are backed up.
 */
import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionFor } from './support/emulator-session.js';
import { runBackup } from '../src/backup/backup.engine.js';
import { SEARCH_PAGING_CAP } from '../src/arcgis/portal/index.js';
import { type GroupEntry, type ItemEntry, type UserEntry, check, openStore } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';

const KEPT_LAYERS = 3;

describe('an organization of more than 10,000 items', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online', scale: 21 });
    folder = await tempFolder('orgkeeper-backup-scale-');
    const authentication = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
    const scaled = [...emu.context.state.items.values()].filter((i) => i.json.type === 'Feature Service' && /^Scale_/.test(String(i.json.url ?? '').split('/').at(-2) ?? ''));
    expect(scaled.length).toBeGreaterThan(KEPT_LAYERS);
    // Keep the first few 10,000-feature layers; delete the others and the 1,000,000-feature one.
    const keep = new Set(scaled.filter((i) => !String(i.json.url).includes('Million')).slice(0, KEPT_LAYERS).map((i) => i.json.id));
    for (const item of scaled.filter((i) => !keep.has(i.json.id))) {
      await request(`${emu.restUrl}/content/users/${item.json.owner}/items/${item.json.id}/delete`, { httpMethod: 'POST', authentication });
    }
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('is backed up completely, past the search paging cap, with its hosted layers, groups and users', async () => {
    const state = emu.context.state;
    const expected = [...state.items.values()].filter((item) => item.json.orgId === emu.orgId);
    expect(expected.length).toBeGreaterThan(SEARCH_PAGING_CAP);

    const session = sessionFor(emu, { concurrency: 16 });
    const result = await runBackup({
      identity: { id: 'identity-s', name: 'Large', fileLocation: `${folder.path}/store`, orgId: emu.orgId, portalUrl: emu.portalUrl },
      session,
      concurrency: 16
    });
    expect(result.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('complete');
    expect(result.counts.ok).toBe(expected.length);

    const store = await openStore(`${folder.path}/store`, { expectOrgId: emu.orgId });
    const manifest = await store.readSnapshot(result.snapshotId);
    const stored = new Map<string, ItemEntry>();
    for await (const entry of store.readList(manifest, 'items')) stored.set(entry.id, entry);
    expect(stored.size).toBe(expected.length);
    let hostedLayers = 0;
    for (const record of expected) {
      const at = `${record.json.id} (${record.json.type})`;
      const entry = stored.get(record.json.id);
      expect(entry, at).toBeDefined();
      expect(entry!.modified, at).toBe(record.json.modified);
      expect(entry!.item, at).toBeDefined();
      expect(entry!.folderId ?? null, at).toBe(record.json.ownerFolder ?? null);
      expect(entry!.sharing, at).toEqual({ access: record.json.access, groups: [...record.groups].sort() });
      if (record.data === null) expect(entry!.data, at).toBeUndefined();
      else expect(entry!.data, at).toBeDefined();
      const service = record.json.typeKeywords.includes('Hosted Service') ? state.getService(String(record.json.url).split('/').at(-2)!) : undefined;
      if (service) {
        for (const layer of service.layers.values()) {
          hostedLayers++;
          const backedUp = entry!.service?.layers.find((l) => l.id === layer.id);
          expect(backedUp, `${at} layer ${layer.id}`).toMatchObject({ status: 'ok', featureCount: layer.store.count() });
          let attachments = 0;
          for (const feature of layer.store.scan()) attachments += layer.attachments.list(feature.oid).length;
          expect(backedUp!.attachmentCount ?? 0, `${at} layer ${layer.id}`).toBe(attachments);
        }
      }
    }
    expect(hostedLayers).toBeGreaterThanOrEqual(KEPT_LAYERS);
    expect(manifest.counts.features).toBeGreaterThanOrEqual(KEPT_LAYERS * 10_000);

    const groups = new Map<string, GroupEntry>();
    for await (const group of store.readList(manifest, 'groups')) groups.set(group.id, group);
    const orgGroups = [...state.groups.values()].filter((g) => g.orgId === emu.orgId);
    expect([...groups.keys()].sort()).toEqual(orgGroups.map((g) => g.id).sort());
    for (const group of orgGroups) {
      expect(groups.get(group.id)!.items, group.title).toEqual(expected.filter((i) => i.groups.has(group.id)).map((i) => i.json.id).sort());
      const members = await store.getJson<{ owner: string; admins: string[]; users: string[] }>(groups.get(group.id)!.members!.hash);
      expect(new Set([members.owner, ...members.admins, ...members.users]), group.title).toEqual(new Set(group.members.keys()));
    }

    const users = new Map<string, UserEntry>();
    for await (const user of store.readList(manifest, 'users')) users.set(user.username, user);
    const orgUsers = [...state.users.values()].filter((u) => u.orgId === emu.orgId);
    expect(orgUsers.length).toBeGreaterThanOrEqual(2000);
    expect([...users.keys()].sort()).toEqual(orgUsers.map((u) => u.username).sort());
    for (const user of orgUsers) {
      const entry = users.get(user.username)!;
      expect(entry.role, user.username).toBe(user.role);
      expect(entry.groups, user.username).toEqual(orgGroups.filter((g) => g.members.has(user.username)).map((g) => g.id).sort());
      expect(entry.folders?.map((f) => f.id), user.username).toEqual(state.foldersOf(user.username).map((f) => f.id).sort());
    }
    expect((await check(store)).ok).toBe(true);
    // About 75,000 requests to an in-process emulator: 1.5 to 2 minutes on two cores, longer when they are busy.
  }, 600_000);
});
