import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { DEMO_EXPECTATIONS, DEMO_SERVICE_NAMES, DEMO_USERS } from '../src/seed/demo-expectations.js';
import { rawRequest, signInAsAdmin, startTestEmulator } from './support/emulator.js';

const started: EmulatorHandle[] = [];
const dirs: string[] = [];

async function start(stateDir: string, extra: Parameters<typeof startTestEmulator>[0] = {}): Promise<EmulatorHandle> {
  const emu = await startTestEmulator({ stateDir, ...extra });
  started.push(emu);
  return emu;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const emu of started.splice(0)) await emu.close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('--state-dir persistence', () => {
  for (const kind of ['online', 'enterprise'] as const) {
    it(`keeps changes made over HTTP across a restart on another port, with URLs rewritten (${kind})`, async () => {
      const dir = tempDir();
      const a = await start(dir, { kind });
      const session = await signInAsAdmin(a);
      const token = session.token;
      const ids = DEMO_EXPECTATIONS.ids;
      const hydrantsA = `${a.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer/0`;

      // item update, a new item whose data holds a service URL, feature edits, an attachment, a folder
      const upd = await rawRequest(`${a.restUrl}/content/users/${DEMO_USERS.tom}/items/${ids['map-water']}/update`, { token, title: 'Water Network Map (renamed)' }, { method: 'POST' });
      expect(upd.body).toMatchObject({ success: true });
      const added = await rawRequest(
        `${a.restUrl}/content/users/${a.admin.username}/addItem`,
        { token, title: 'Hydrant list', type: 'Web Map', tags: 'test', text: JSON.stringify({ operationalLayers: [{ url: hydrantsA, layerType: 'ArcGISFeatureLayer' }], version: '2.33' }) },
        { method: 'POST' }
      );
      const newId = (added.body as { id: string }).id;
      expect(newId).toMatch(/^[0-9a-f]{32}$/);
      const edits = await rawRequest(
        `${hydrantsA}/applyEdits`,
        {
          token,
          adds: JSON.stringify([{ attributes: { FACILITYID: 'HYD-NEW', STATUS: 1 }, geometry: { x: -13045000, y: 4035000 } }]),
          updates: JSON.stringify([{ attributes: { OBJECTID: 1, FACILITYID: 'HYD-EDITED' } }]),
          deletes: '3'
        },
        { method: 'POST' }
      );
      const editBody = edits.body as { addResults: { objectId: number; success: boolean }[]; updateResults: { success: boolean }[]; deleteResults: { success: boolean }[] };
      expect(editBody.addResults[0]!.success).toBe(true);
      expect(editBody.updateResults[0]!.success).toBe(true);
      expect(editBody.deleteResults[0]!.success).toBe(true);
      const newOid = editBody.addResults[0]!.objectId;
      const form = new FormData();
      form.set('f', 'json');
      form.set('token', token);
      form.set('attachment', new Blob([Buffer.from('persisted attachment bytes')], { type: 'text/plain' }), 'note.txt');
      const att = (await (await fetch(`${hydrantsA}/${newOid}/addAttachment`, { method: 'POST', body: form })).json()) as { addAttachmentResult: { objectId: number; success: boolean } };
      expect(att.addAttachmentResult.success).toBe(true);
      const attachmentId = att.addAttachmentResult.objectId;
      const gensBefore = (await rawRequest(`${a.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer`, { token })).body as { changeTrackingInfo: { layerServerGens: { serverGen: number }[] } };
      expect(gensBefore.changeTrackingInfo.layerServerGens[0]!.serverGen).toBeGreaterThan(1);
      await a.close();
      started.splice(started.indexOf(a), 1);
      expect(existsSync(join(dir, 'state.json'))).toBe(true);
      expect(readdirSync(join(dir, 'blobs')).length).toBeGreaterThan(5);

      const b = await start(dir, { kind });
      expect(new URL(b.portalUrl).port).not.toBe(new URL(a.portalUrl).port);
      const hydrantsB = `${b.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer/0`;
      // the token issued before the restart still works
      const renamed = await rawRequest(`${b.restUrl}/content/items/${ids['map-water']}`, { token });
      expect(renamed.body).toMatchObject({ title: 'Water Network Map (renamed)', owner: DEMO_USERS.tom });
      // URLs inside item data point at the new origin, and resolve
      const newData = (await rawRequest(`${b.restUrl}/content/items/${newId}/data`, { token })).body as { operationalLayers: { url: string }[] };
      expect(newData.operationalLayers[0]!.url).toBe(hydrantsB);
      const seededMap = (await rawRequest(`${b.restUrl}/content/items/${ids['map-water']}/data`, { token })).body as { operationalLayers: { url: string }[] };
      expect(seededMap.operationalLayers[0]!.url).toBe(hydrantsB);
      const item = (await rawRequest(`${b.restUrl}/content/items/${ids['svc-water']}`, { token })).body as { url: string };
      expect(item.url).toBe(`${b.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer`);
      const story = await fetch(`${b.restUrl}/content/items/${ids['story-parks']}/resources/draft.json?token=${token}`);
      expect(await story.text()).not.toContain(new URL(a.portalUrl).host);

      const q = (await rawRequest(`${newData.operationalLayers[0]!.url}/query`, { token, where: '1=1', outFields: 'OBJECTID,FACILITYID', orderByFields: 'OBJECTID' })).body as {
        features: { attributes: { OBJECTID: number; FACILITYID: string } }[];
      };
      const byOid = new Map(q.features.map((f) => [f.attributes.OBJECTID, f.attributes.FACILITYID]));
      expect(q.features).toHaveLength(40);
      expect(byOid.get(1)).toBe('HYD-EDITED');
      expect(byOid.has(3)).toBe(false);
      expect(byOid.get(newOid)).toBe('HYD-NEW');
      const bytes = await fetch(`${hydrantsB}/${newOid}/attachments/${attachmentId}?token=${token}`);
      expect(await bytes.text()).toBe('persisted attachment bytes');
      const seededAttachment = await fetch(`${hydrantsB}/1/attachments?f=json&token=${token}`);
      const infos = ((await seededAttachment.json()) as { attachmentInfos: { id: number }[] }).attachmentInfos;
      expect(infos.length).toBe(1);
      const photo = await fetch(`${hydrantsB}/1/attachments/${infos[0]!.id}?token=${token}`);
      expect(Buffer.from(await photo.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
      const gensAfter = (await rawRequest(`${b.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer`, { token })).body as { changeTrackingInfo: { layerServerGens: unknown } };
      expect(gensAfter.changeTrackingInfo.layerServerGens).toEqual(gensBefore.changeTrackingInfo.layerServerGens);
      // changes since a generation taken before the edits are still reported after the restart
      const changes = (await rawRequest(`${b.servicesRoot}/${DEMO_SERVICE_NAMES.water}/FeatureServer/extractChanges`, {
        token, layers: '[0]', layerServerGens: JSON.stringify([{ id: 0, serverGen: 1 }]), returnInserts: true, returnUpdates: true, returnDeletes: true
      }, { method: 'POST' })).body as { edits?: { features: { adds?: unknown[]; updates?: unknown[]; deleteIds?: number[] } }[] };
      expect(changes.edits?.[0]?.features.deleteIds).toEqual([3]);
      // a new oid is never a reused one
      const again = (await rawRequest(`${hydrantsB}/addFeatures`, { token, features: JSON.stringify([{ attributes: { FACILITYID: 'HYD-AFTER' }, geometry: { x: -13045000, y: 4035000 } }]) }, { method: 'POST' })).body as {
        addResults: { objectId: number }[];
      };
      expect(again.addResults[0]!.objectId).toBeGreaterThan(newOid);
    });
  }

  it('keeps views as views (no rows of their own), their changed definitions and relationships; survey files point at the new origin', async () => {
    const dir = tempDir();
    const a = await start(dir);
    const token = (await signInAsAdmin(a)).token;
    const x = DEMO_EXPECTATIONS;
    const survey = x.surveys.find((s) => s.publishedWith === 'connect')!;
    const office = (emu: EmulatorHandle) => `${emu.servicesRoot}/${DEMO_SERVICE_NAMES.stormDamageOffice}/FeatureServer`;
    expect(survey.resultsView).toBe(x.ids['view-storm-damage-office']);
    const adminUrl = office(a).replace('/rest/services', '/rest/admin/services');
    const changed = await rawRequest(`${adminUrl}/0/updateDefinition`, { token, updateDefinition: JSON.stringify({ viewDefinitionQuery: "severity = 'severe'", fields: [{ name: 'description', visible: false }] }) }, { method: 'POST' });
    expect(changed.body).toEqual({ success: true });
    const countA = ((await rawRequest(`${office(a)}/0/query`, { token, where: '1=1', returnCountOnly: true })).body as { count: number }).count;
    await a.close();
    started.splice(started.indexOf(a), 1);

    const b = await start(dir);
    const layer = (await rawRequest(`${office(b)}/0`, { token })).body as { viewDefinitionQuery: string; fields: { name: string }[]; isView: boolean };
    expect(layer).toMatchObject({ isView: true, viewDefinitionQuery: "severity = 'severe'" });
    expect(layer.fields.map((f) => f.name)).not.toContain('description');
    expect(((await rawRequest(`${office(b)}/0/query`, { token, where: '1=1', returnCountOnly: true })).body as { count: number }).count).toBe(countA);
    const view = b.context.state.getService(DEMO_SERVICE_NAMES.stormDamageOffice)!;
    expect([...view.layers.values()].map((l) => l.store.count())).toEqual([0, 0]);
    const rels = (list: { type: string; originItemId: string; destinationItemId: string }[]) => list.map((r) => `${r.type} ${r.originItemId} ${r.destinationItemId}`).sort();
    expect(rels(b.context.state.relationships)).toEqual(rels(x.relationships));
    // The survey's package and XLSForm name the public view at the new origin.
    const publicView = `${b.servicesRoot}/${DEMO_SERVICE_NAMES.stormDamagePublic}/FeatureServer`;
    const zipped = Buffer.from(await (await fetch(`${b.restUrl}/content/items/${survey.form}/data?token=${token}`)).arrayBuffer());
    expect(zipped.toString('latin1')).toContain(publicView);
    const xlsx = Buffer.from(await (await fetch(`${b.restUrl}/content/items/${survey.form}/resources/Storm_Damage_Reports.xlsx?token=${token}`)).arrayBuffer());
    expect(xlsx.toString('latin1')).toContain(publicView);
    expect(xlsx.toString('latin1')).not.toContain(new URL(a.portalUrl).host);
  });

  it('regenerates lazy layers of a scaled org and keeps their edits', async () => {
    const dir = tempDir();
    const a = await start(dir, { scale: 2 });
    const token = (await signInAsAdmin(a)).token;
    const layer = `${a.servicesRoot}/Scale_Layer_0001/FeatureServer/0`;
    const upd = (await rawRequest(`${layer}/updateFeatures`, { token, features: JSON.stringify([{ attributes: { OBJECTID: 5, NAME: 'edited lazily' } }]) }, { method: 'POST' })).body as {
      updateResults: { success: boolean }[];
    };
    expect(upd.updateResults[0]!.success).toBe(true);
    await rawRequest(`${layer}/deleteFeatures`, { token, objectIds: '7' }, { method: 'POST' });
    const untouched = (await rawRequest(`${layer}/query`, { token, objectIds: '9', outFields: '*' })).body as { features: unknown[] };
    const csv = [...a.context.state.items.values()].find((i) => i.json.type === 'CSV' && i.json.title.includes('CSV 1'))!;
    const csvBefore = await (await fetch(`${a.restUrl}/content/items/${csv.json.id}/data?token=${token}`)).text();
    expect(csvBefore.startsWith('ID,TOPIC,VALUE')).toBe(true);
    await a.close();
    started.splice(started.indexOf(a), 1);
    // generated item data is saved as "regenerate from the seed", not as a thousand files (the demo's own items,
    // surveys and item types keep theirs: about 220 files)
    const blobFiles = readdirSync(join(dir, 'blobs'), { recursive: true }).length;
    expect(blobFiles).toBeLessThan(400);

    const b = await start(dir, { scale: 2 });
    const layerB = `${b.servicesRoot}/Scale_Layer_0001/FeatureServer/0`;
    const q = (await rawRequest(`${layerB}/query`, { token, objectIds: '5,7,9', outFields: '*' })).body as { features: { attributes: { OBJECTID: number; NAME: string } }[] };
    expect(q.features.map((f) => f.attributes.OBJECTID)).toEqual([5, 9]);
    expect(q.features[0]!.attributes.NAME).toBe('edited lazily');
    expect(q.features[1]).toEqual((untouched.features as unknown[])[0]);
    const count = (await rawRequest(`${layerB}/query`, { token, where: '1=1', returnCountOnly: true })).body as { count: number };
    expect(count.count).toBe(9_999);
    expect(b.context.state.items.size).toBe(a.context.state.items.size);
    expect(await (await fetch(`${b.restUrl}/content/items/${csv.json.id}/data?token=${token}`)).text()).toBe(csvBefore);
  });

  it('saves again after a debounced save, and closes promptly (no lingering save)', async () => {
    const dir = tempDir();
    const emu = await start(dir);
    const admin = await signInAsAdmin(emu);
    const addFolder = (title: string) =>
      rawRequest(`${emu.restUrl}/content/users/${emu.admin.username}/createFolder`, { token: admin.token, title }, { method: 'POST' });
    await addFolder('first');
    await new Promise((r) => setTimeout(r, 1_500)); // the debounced save runs
    await addFolder('second');
    await new Promise((r) => setTimeout(r, 1_500)); // and again: it must not wait on the first one forever
    await addFolder('third');
    await Promise.race([emu.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('close() hung')), 10_000))]);
    started.splice(started.indexOf(emu), 1);
    const again = await start(dir);
    const titles = again.context.state.foldersOf(again.admin.username).map((f) => f.title);
    expect(titles).toEqual(expect.arrayContaining(['first', 'second', 'third']));
  });

  it('refuses an unreadable state folder with a clear error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.json'), '{ not json');
    await expect(start(dir)).rejects.toThrow(/state\.json cannot be read .*delete it to start from the seed/);
    const dir2 = tempDir();
    const a = await start(dir2, { kind: 'online' });
    await a.close();
    started.splice(started.indexOf(a), 1);
    await expect(start(dir2, { kind: 'enterprise' })).rejects.toThrow(/holds an ArcGIS online organization; start with --kind online/);
  });
});
