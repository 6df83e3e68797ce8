import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService } from '../src/features/hosted-service.factory.js';
import { type EmulatorHandle } from '../src/index.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { serviceUrlOf, tokenFor } from './support/feature-fixtures.js';

type Body = Record<string, unknown>;
const COUNT = 1_000_000;

/** Feature n of the lazy layer: a deterministic function of the objectId, as scaled seeds generate them. */
function lazyFeature(oid: number) {
  return {
    attributes: { code: `C${oid}`, bucket: oid % 100, value: (oid * 7919) % 1000 },
    geometry: { x: -13_000_000 + (oid % 1000) * 10, y: 4_000_000 + Math.floor(oid / 1000) * 10 }
  };
}

describe('lazily generated layers (a million features)', () => {
  let emu: EmulatorHandle;
  let token: string;
  let url: string;
  const get = async (path: string, params: Record<string, string | number | boolean> = {}) => (await rawRequest(`${url}${path}`, { token, ...params })).body as Body;
  const post = async (path: string, params: Record<string, string | number | boolean> = {}) =>
    (await rawRequest(`${url}${path}`, { token, ...params }, { method: 'POST' })).body as Body;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    createHostedService(emu.context, {
      name: 'Big',
      owner: emu.admin.username,
      capabilities: 'Create,Delete,Query,Update,Editing,ChangeTracking',
      layers: [
        {
          name: 'Big',
          geometryType: 'esriGeometryPoint',
          hasAttachments: true,
          fields: [
            { name: 'code', type: 'esriFieldTypeString', length: 16 },
            { name: 'bucket', type: 'esriFieldTypeInteger' },
            { name: 'value', type: 'esriFieldTypeInteger' }
          ],
          features: { count: COUNT, generate: lazyFeature },
          attachments: { perFeatureMax: 2, generate: (oid) => (oid % 1000 === 0 ? [{ name: `${oid}.txt`, contentType: 'text/plain', data: `file ${oid}` }] : []) }
        }
      ]
    });
    token = await tokenFor(emu, emu.admin.username, emu.admin.password);
    url = serviceUrlOf(emu, 'Big');
  });
  afterAll(async () => {
    await emu.close();
  });

  it('counts without generating and pages by objectId from anywhere in the layer', async () => {
    expect((await get('/0/query', { where: '1=1', returnCountOnly: true })).count).toBe(COUNT);
    const page = await get('/0/query', { where: 'OBJECTID > 900000', orderByFields: 'OBJECTID', outFields: '*', resultRecordCount: 2000 });
    const features = page.features as { attributes: Body; geometry: Body }[];
    expect(features).toHaveLength(2000);
    expect(page.exceededTransferLimit).toBe(true);
    expect(features[0]!.attributes).toMatchObject({ OBJECTID: 900_001, code: 'C900001', bucket: 1 });
    expect(features[0]!.geometry).toEqual(lazyFeature(900_001).geometry);
    expect(features[1999]!.attributes.OBJECTID).toBe(902_000);
    const tail = await get('/0/query', { where: `OBJECTID > ${COUNT - 5}`, returnIdsOnly: true });
    expect(tail.objectIds).toEqual([999_996, 999_997, 999_998, 999_999, 1_000_000]);
  });

  it('answers the default page (no paging parameters) capped at maxRecordCount', async () => {
    const page = await get('/0/query', { where: '1=1' });
    expect((page.features as unknown[]).length).toBe(2000);
    expect(page.exceededTransferLimit).toBe(true);
  });

  it('keeps edits and deletes in an overlay, visible to queries and extractChanges', async () => {
    const start = ((await get('')).changeTrackingInfo as { layerServerGens: { serverGen: number }[] }).layerServerGens[0]!.serverGen;
    const edits = await post('/0/applyEdits', {
      adds: JSON.stringify([{ attributes: { code: 'NEW', bucket: 7, value: 1 }, geometry: { x: 0, y: 0 } }]),
      updates: JSON.stringify([{ attributes: { OBJECTID: 500_000, code: 'EDITED' } }]),
      deletes: '500001'
    });
    expect((edits.addResults as Body[])[0]).toMatchObject({ objectId: COUNT + 1, success: true });
    expect((edits.updateResults as Body[])[0]!.success).toBe(true);
    expect((edits.deleteResults as Body[])[0]!.success).toBe(true);

    expect((await get('/0/query', { where: '1=1', returnCountOnly: true })).count).toBe(COUNT);
    const around = await get('/0/query', { where: 'OBJECTID >= 499999 AND OBJECTID <= 500002', outFields: 'OBJECTID,code' });
    expect((around.features as { attributes: Body }[]).map((f) => f.attributes)).toEqual([
      { OBJECTID: 499_999, code: 'C499999' },
      { OBJECTID: 500_000, code: 'EDITED' },
      { OBJECTID: 500_002, code: 'C500002' }
    ]);
    expect((await get('/0/query', { where: "code = 'NEW'", returnIdsOnly: true })).objectIds).toEqual([COUNT + 1]);

    const changes = await post('/extractChanges', { layers: '0', returnIdsOnly: true, layerServerGens: JSON.stringify([{ id: 0, serverGen: start }]) });
    expect((changes.edits as Body[])[0]).toEqual({ id: 0, objectIds: { adds: [COUNT + 1], updates: [500_000], deletes: [500_001] } });
  });

  it('finds generated features by globalId and serves generated attachments', async () => {
    const f = ((await get('/0/3000', { returnGeometry: false })).feature as { attributes: Body }).attributes;
    const gid = f.GlobalID as string;
    const del = await post('/0/applyEdits', { useGlobalIds: true, updates: JSON.stringify([{ attributes: { GlobalID: gid, value: 5 } }]) });
    expect((del.updateResults as Body[])[0]).toMatchObject({ objectId: 3000, success: true });
    const infos = (await get('/0/3000/attachments')).attachmentInfos as Body[];
    expect(infos.map((a) => a.name)).toEqual(['3000.txt']);
    const bytes = await fetch(`${url}/0/3000/attachments/${String(infos[0]!.id)}?token=${token}`);
    expect(await bytes.text()).toBe('file 3000');
    expect((await get('/0/3001/attachments')).attachmentInfos).toEqual([]);
    const grouped = await get('/0/queryAttachments', { objectIds: '2000,2001,3000' });
    expect((grouped.attachmentGroups as Body[]).map((g) => g.parentObjectId)).toEqual([2000, 3000]);
  });
});
