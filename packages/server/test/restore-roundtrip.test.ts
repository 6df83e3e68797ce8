/**
 * Round trip of the demo organization's items (hosted feature services aside: restore-hosted-* covers them): back up,
 * change the organization (edit items, their data and sharing; delete items including a web map that apps, a
 * dashboard and a StoryMap use; remove resources), restore in place, and find every item equal to the snapshot in
 * every part, with the references to recreated items pointing at them. On ArcGIS Online recreated items get new ids
 * and references are rewritten; on ArcGIS Enterprise they keep their ids (itemIdToCreate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { loadHostedRestore } from '../src/restore/hosted-contract.js';
import type { RestoreRepository } from '../src/restore/restore.repository.js';
import type { ItemEntry } from '../src/store/index.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, idMapOf, orgItems, planAndRun, restoreDb, RESTORE_RETRY } from './support/restore-harness.js';
import { sessionFor } from './support/emulator-session.js';

const DEMO_KEYS_USED = { mapParks: 'Parks and Trails', mapWater: 'Water Network Map', app: 'Parks Finder', dash: 'Parks Operations Dashboard', story: "Discover Demoville's Parks" };

for (const kind of ['online', 'enterprise'] as const) {
  describe(`in-place restore round trip (${kind})`, () => {
    let emu: EmulatorHandle;
    let folder: { path: string; remove(): Promise<void> };
    let db: Db;
    let repository: RestoreRepository;

    beforeAll(async () => {
      emu = await startTestEmulator({ kind });
      folder = await tempFolder('orgkeeper-restore-');
      ({ db, repository } = await restoreDb(folder.path));
    }, 60_000);
    afterAll(async () => {
      await db?.destroy();
      await emu?.close();
      await folder?.remove();
    });

    it('brings edited and deleted items back as they were, references included', async () => {
      const { store, snapshotId, content } = await backUp(emu, folder.path);
      const byTitle = (title: string) => [...content.items.values()].find((e) => e.title === title)!;
      const mapParks = byTitle(DEMO_KEYS_USED.mapParks);
      const mapWater = byTitle(DEMO_KEYS_USED.mapWater);
      const app = byTitle(DEMO_KEYS_USED.app);
      const dash = byTitle(DEMO_KEYS_USED.dash);
      const story = byTitle(DEMO_KEYS_USED.story);
      const csv = [...content.items.values()].find((e) => e.type === 'CSV' && e.data?.kind === 'file')!;
      const pdf = [...content.items.values()].find((e) => e.type === 'PDF' && e.data?.kind === 'file' && e.id !== csv.id)!;

      // Change the organization through its REST API, as people and scripts do.
      const s = sessionFor(emu, { retry: RESTORE_RETRY });
      const rest = emu.restUrl;
      const post = (path: string, params: Record<string, unknown>) => s.request(`${rest}/${path}`, params, { httpMethod: 'POST' });
      await post(`content/users/${mapWater.owner}/items/${mapWater.id}/update`, {
        title: 'Renamed by mistake',
        description: 'overwritten',
        tags: 'oops',
        text: JSON.stringify({ operationalLayers: [], baseMap: { baseMapLayers: [], title: 'None' }, version: '2.33' })
      });
      await post(`content/users/${mapWater.owner}/items/${mapWater.id}/removeResources`, { resource: 'notes/legend-notes.json' });
      await post(`content/users/${mapWater.owner}/items/${mapWater.id}/unshare`, { groups: mapWater.sharing!.groups.join(',') });
      await post(`content/users/${mapWater.owner}/items/${mapWater.id}/addResources`, { fileName: 'stray.txt', text: 'not in the backup' });
      await post(`content/users/${csv.owner}/items/${csv.id}/update`, { file: new File([new Uint8Array(Buffer.from('A,B\r\n1,2\r\n'))], 'changed.csv', { type: 'text/csv' }) });
      await post(`content/users/${dash.owner}/items/${dash.id}/share`, { everyone: 'true', org: 'true' });
      await post(`content/users/${story.owner}/items/${story.id}/removeResources`, { resource: 'images/hero.png' });
      // A group the water map was shared with is deleted too: it comes back with its members, and the sharing with it.
      const group = content.groups.get(mapWater.sharing!.groups[0]!)!;
      expect(await post(`community/groups/${group.id}/delete`, {})).toMatchObject({ success: true });
      // And a group someone else owns, without the administrator in it (it must not stay in the recreated group).
      const sharedWith = new Set([...content.items.values()].filter((e) => !e.service).flatMap((e) => e.sharing?.groups ?? []));
      let other: (typeof group) | undefined;
      for (const g of content.groups.values()) {
        if (g.id === group.id || !sharedWith.has(g.id) || g.owner === emu.admin.username || !g.members) continue;
        const m = await store.getJson<{ owner: string; admins: string[]; users: string[] }>(g.members.hash);
        if (![m.owner, ...m.admins, ...m.users].includes(emu.admin.username) && !emu.context.state.getUser(g.owner)?.disabled) {
          other = g;
          break;
        }
      }
      expect(other, 'a group owned by someone else').toBeDefined();
      expect(await post(`community/groups/${other!.id}/delete`, {})).toMatchObject({ success: true });
      for (const gone of [mapParks, pdf]) {
        // For good: recreating them is what is tested (recycle-bin-restore.test.ts restores from the bin).
        const answer = await post(`content/users/${gone.owner}/items/${gone.id}/delete`, { permanentDelete: true });
        expect(answer).toMatchObject({ success: true });
      }
      expect(emu.context.state.items.has(mapParks.id)).toBe(false);

      // Every item but the hosted feature services (restored by their own module, tested in restore-hosted-*).
      const selected: ItemEntry[] = [...content.items.values()].filter((e) => !e.service && e.status !== 'failed');
      const before = orgItems(emu).length;
      const { plan, result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: selected.map((e) => e.id) }, operationId: `rt-${kind}` });
      expect(result.steps.filter((r) => r.status === 'failed')).toEqual([]);
      const step = (id: string) => plan.steps.find((p) => p.key === `item:${id}`)!;
      expect(step(mapParks.id).action).toBe('create');
      expect(step(pdf.id).action).toBe('create');
      expect(step(mapWater.id).action).toBe('overwrite');
      // Dependency order: the recreated map before the app, dashboard and story that use it.
      const index = (id: string) => plan.steps.findIndex((p) => p.key === `item:${id}`);
      for (const user of [app, dash, story]) expect(index(mapParks.id)).toBeLessThan(index(user.id));
      // Exactly the two deleted items came back; nothing was duplicated.
      expect(orgItems(emu).length).toBe(before + 2);

      const ids = idMapOf(result);
      // Enterprise keeps item ids (groups always get new ones).
      if (kind === 'enterprise') expect([...ids.keys()].filter((id) => content.items.has(id))).toEqual([]);
      else {
        expect(ids.has(mapParks.id)).toBe(true);
        expect(step(app.id).rewrites).toContainEqual({ kind: 'item', from: mapParks.id, to: `new id of "${mapParks.title}"` });
      }
      const maps = { ids, urls: new Map<string, string>() };
      const newGroup = emu.context.state.groups.get(ids.get(group.id) ?? group.id)!;
      expect(newGroup).toMatchObject({ title: group.title, owner: group.owner });
      const members = await store.getJson<{ owner: string; admins: string[]; users: string[] }>(group.members!.hash);
      const active = (names: string[]) => [...new Set(names.filter((u) => !emu.context.state.getUser(u)?.disabled).map((u) => u.toLowerCase()))].sort();
      expect([...newGroup.members.keys()].map((u) => u.toLowerCase()).sort()).toEqual(active([members.owner, ...members.admins, ...members.users]));
      if (kind === 'online') expect(ids.get(group.id)).toBeDefined();
      const otherGroup = emu.context.state.groups.get(ids.get(other!.id)!)!;
      const otherMembers = await store.getJson<{ owner: string; admins: string[]; users: string[] }>(other!.members!.hash);
      expect(otherGroup.owner).toBe(other!.owner);
      expect([...otherGroup.members.keys()].map((u) => u.toLowerCase()).sort()).toEqual(active([otherMembers.owner, ...otherMembers.admins, ...otherMembers.users]));
      for (const entry of selected) await expectItemMatches(emu, store, content, entry, ids.get(entry.id) ?? entry.id, maps);

      // The app, dashboard and story point at the restored map.
      const newMapId = ids.get(mapParks.id) ?? mapParks.id;
      const appData = JSON.parse((emu.context.state.items.get(app.id)!.data as { text: string }).text) as { values: { webmap: string } };
      expect(appData.values.webmap).toBe(newMapId);
      expect((emu.context.state.items.get(dash.id)!.data as { text: string }).text).toContain(newMapId);
      expect((emu.context.state.items.get(story.id)!.data as { text: string }).text).toContain(newMapId);

      // Running it again is a no-op: every step is recorded as done.
      const again = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [] }, plan, operationId: `rt-${kind}` });
      expect(again.result.counts).toEqual(result.counts);
      expect(orgItems(emu).length).toBe(before + 2);
    }, 120_000);

    it('recreates a deleted hosted layer and the web map that used it, and puts edited features back', async () => {
      const hosted = await loadHostedRestore();
      expect(hosted, 'the hosted-service module is present').toBeDefined();
      const { store, snapshotId, content } = await backUp(emu, folder.path, 'Hosted');
      const byTitle = (title: string) => [...content.items.values()].find((e) => e.title === title)!;
      const parks = byTitle('City Parks');
      const water = byTitle('Water Network');
      const map = byTitle(DEMO_KEYS_USED.mapParks);
      expect(parks.service?.layers.some((l) => (l.attachmentCount ?? 0) > 0) || water.service?.layers.some((l) => (l.attachmentCount ?? 0) > 0)).toBe(true);
      const s = sessionFor(emu, { retry: RESTORE_RETRY });
      const waterUrl = water.service!.url;
      const deleted = await s.request<{ deleteResults: { success: boolean }[] }>(`${waterUrl}/0/deleteFeatures`, { where: 'OBJECTID <= 3' }, { httpMethod: 'POST' });
      expect(deleted.deleteResults.length).toBe(3);
      for (const gone of [parks, map]) await s.request(`${emu.restUrl}/content/users/${gone.owner}/items/${gone.id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });

      const { result } = await planAndRun({ store, content, target: emu, repository, params: { snapshotId, mode: 'in-place', items: [parks.id, map.id, water.id] }, operationId: `hosted-${kind}`, hosted: hosted! });
      expect(result.steps.filter((r) => r.status === 'failed')).toEqual([]);
      const ids = idMapOf(result);
      const parksRow = result.steps.find((r) => r.oldId === parks.id)!;
      const newParksId = ids.get(parks.id) ?? parks.id;
      // Every layer's features (and the attachments, counted) are back.
      for (const [entry, url] of [[parks, parksRow.newUrl!], [water, waterUrl]] as const) {
        for (const layer of entry.service!.layers) {
          const count = await s.request<{ count: number }>(`${url}/${layer.id}/query`, { where: '1=1', returnCountOnly: true });
          expect(count.count, `${entry.title} layer ${layer.id}`).toBe(layer.featureCount);
          if (layer.attachmentCount) {
            const groups = await s.request<{ attachmentGroups: { attachmentInfos: unknown[] }[] }>(`${url}/${layer.id}/queryAttachments`, { definitionExpression: '1=1' });
            expect(groups.attachmentGroups.reduce((n, g) => n + g.attachmentInfos.length, 0)).toBe(layer.attachmentCount);
          }
        }
      }
      // The recreated map points at the recreated layer: its item id and its URL.
      const mapData = JSON.parse((emu.context.state.items.get(ids.get(map.id) ?? map.id)!.data as { text: string }).text) as { operationalLayers: { itemId?: string; url?: string; title: string }[] };
      const parksLayer = mapData.operationalLayers.find((l) => l.title === 'City Parks')!;
      expect(parksLayer.itemId).toBe(newParksId);
      expect(parksLayer.url).toBe(`${parksRow.newUrl!}/0`);
      // The items themselves (properties, data, thumbnail, metadata, resources, sharing) equal the snapshot.
      const urls = new Map([[parks.service!.url, parksRow.newUrl!]]);
      for (const entry of [parks, map, water]) await expectItemMatches(emu, store, content, entry, ids.get(entry.id) ?? entry.id, { ids, urls });
    }, 120_000);
  });
}
