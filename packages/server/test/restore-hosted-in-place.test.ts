import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService, DEMO_SERVICE_NAMES, type EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import type { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import type { EsriFeature } from '../src/store/feature-chunks.js';
import { comparableLayerDefinition, restoreLayerData } from '../src/restore/hosted/index.js';
import { restoreServiceData } from '../src/restore/hosted/service-data.js';
import type { ItemEntry, Store } from '../src/store/index.js';
import { serviceNamed, backUp, snapshotRecords, liveRecords, startHostedFixture, type HostedFixture } from './support/hosted-restore.js';

async function addAttachment(layerUrl: string, token: string, oid: number, name: string, bytes: Buffer): Promise<void> {
  const form = new FormData();
  form.set('f', 'json');
  form.set('token', token);
  form.set('attachment', new File([bytes], name, { type: 'application/octet-stream' }));
  const response = await fetch(`${layerUrl}/${oid}/addAttachment`, { method: 'POST', body: form });
  expect(((await response.json()) as { addAttachmentResult?: { success: boolean } }).addAttachmentResult?.success).toBe(true);
}

const noCheckpoint = async () => {};

describe.each(['online', 'enterprise'] as const)('restoreLayerData in place (%s emulator)', (kind) => {
  let emu: EmulatorHandle;
  let session: ArcGISSession;
  let token: string;
  let store: Store;
  let fixture: HostedFixture;

  beforeAll(async () => {
    fixture = await startHostedFixture(kind, 'orgkeeper-restore-in-place-');
    ({ emu, session, store } = fixture);
    token = await session.auth!.getToken(`${emu.restUrl}/portals/self`);
  }, 60_000);

  afterAll(() => fixture?.close());

  it('undoes edits, deletes and additions of features and attachments, keeping the service, its item and GlobalIDs', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.reports);
    const serviceUrl = entry.service!.url;
    const layerUrl = `${serviceUrl}/0`;
    const expected = await snapshotRecords(store, entry, 0);
    expect(await liveRecords(session, layerUrl)).toEqual(expected);

    // Drift: an edited feature (attributes and geometry), two deleted ones (one with an attachment), two new ones,
    // a replaced attachment and an extra one.
    const edits = await session.request<{ updateResults: { success: boolean }[]; deleteResults: { success: boolean }[]; addResults: { success: boolean }[] }>(`${layerUrl}/applyEdits`, {
      updates: JSON.stringify([{ attributes: { OBJECTID: 1, STATUS: 'Edited', DETAILS: 'changed' }, geometry: { x: 1, y: 2 } }]),
      deletes: '3,5',
      adds: JSON.stringify([{ attributes: { REPORT_TYPE: 'DUMP', STATUS: 'Open' }, geometry: { x: 5, y: 5 } }, { attributes: { REPORT_TYPE: 'LIGHT', STATUS: 'Open' }, geometry: { x: 6, y: 6 } }])
    }, { httpMethod: 'POST' });
    expect([...edits.updateResults, ...edits.deleteResults, ...edits.addResults].every((r) => r.success)).toBe(true);
    const reports = serviceNamed(emu, DEMO_SERVICE_NAMES.reports).layers.get(0)!;
    const graffiti = reports.attachments.list(7)[0]!;
    await session.request(`${layerUrl}/7/deleteAttachments`, { attachmentIds: String(graffiti.id) }, { httpMethod: 'POST' });
    await addAttachment(layerUrl, token, 7, 'graffiti.png', Buffer.from('not the original picture'));
    await addAttachment(layerUrl, token, 10, 'extra.bin', Buffer.from('an attachment added after the backup'));
    expect(await liveRecords(session, layerUrl)).not.toEqual(expected);

    let last = { features: 0, attachments: 0 };
    const result = await restoreLayerData({ session, store, entry, serviceUrl, signal: new AbortController().signal, checkpoint: noCheckpoint, onProgress: (p) => (last = p) });
    expect(result).toEqual({ added: 2, updated: 1, deleted: 2, attachmentsAdded: 2, attachmentsDeleted: 2 });
    expect(await liveRecords(session, layerUrl)).toEqual(expected);
    expect(last).toEqual({ features: entry.service!.layers[0]!.featureCount, attachments: 2 });
    // Same service, same item.
    expect(serviceNamed(emu, DEMO_SERVICE_NAMES.reports).itemId).toBe(entry.id);

    // Nothing left to do the second time.
    const again = await restoreLayerData({ session, store, entry, serviceUrl, signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(again).toEqual({ added: 0, updated: 0, deleted: 0, attachmentsAdded: 0, attachmentsDeleted: 0 });
  });

  it('ends equal to the snapshot when edits fail after ArcGIS applied them', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const serviceUrl = entry.service!.url;
    await session.request(`${serviceUrl}/0/deleteFeatures`, { where: 'OBJECTID <= 20' }, { httpMethod: 'POST' });
    await session.request(`${serviceUrl}/2/deleteFeatures`, { where: '1=1' }, { httpMethod: 'POST' });
    await session.request(`${serviceUrl}/1/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 1, MATERIAL: 'PVC', INSTALL_YEAR: 1901 } }]) }, { httpMethod: 'POST' });
    emu.faults.update({ resetRate: 0.3, errorRate: 0.1, errorStyle: 'mixed', pathFilter: ['/applyEdits', '/addAttachment', '/deleteFeatures', '/updateFeatures', '/deleteAttachments'] });
    let injected: number;
    try {
      await restoreLayerData({ session, store, entry, serviceUrl, signal: new AbortController().signal, checkpoint: noCheckpoint });
    } finally {
      injected = emu.faults.injected.reset + emu.faults.injected.error;
      emu.faults.reset();
    }
    expect(injected).toBeGreaterThan(0);
    for (const layer of entry.service!.layers) expect(await liveRecords(session, `${serviceUrl}/${layer.id}`)).toEqual(await snapshotRecords(store, entry, layer.id));
  });

  it('brings back a table deleted from the service, definition and rows', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const serviceUrl = entry.service!.url;
    const admin = serviceUrl.replace('/rest/services', '/rest/admin/services');
    await session.request(`${admin}/deleteFromDefinition`, { deleteFromDefinition: JSON.stringify({ tables: [{ id: 2 }] }) }, { httpMethod: 'POST' });
    expect(serviceNamed(emu, DEMO_SERVICE_NAMES.water).layers.has(2)).toBe(false);
    const result = await restoreLayerData({ session, store, entry, serviceUrl, layerIds: [2], signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(result.added).toBe(entry.service!.layers.find((l) => l.id === 2)!.featureCount);
    const definition = await store.getJson<Record<string, unknown>>(entry.service!.layers.find((l) => l.id === 2)!.definition.hash);
    expect(comparableLayerDefinition(await session.request(`${serviceUrl}/2`))).toEqual(comparableLayerDefinition(definition));
    expect(await liveRecords(session, `${serviceUrl}/2`)).toEqual(await snapshotRecords(store, entry, 2));
  });

  it('keeps related rows pointing at their features when GlobalIDs cannot be kept (service without useGlobalIds)', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const serviceUrl = entry.service!.url;
    // Facility id of each hydrant by GlobalID, and of each inspection's hydrant, in the snapshot.
    const byLayer = async (layerUrl: string) => (await session.request<{ features: EsriFeature[] }>(`${layerUrl}/query`, { where: '1=1', outFields: '*' })).features;
    const facilityOf = (hydrants: EsriFeature[]) => new Map(hydrants.map((f) => [String(f.attributes.GlobalID).toUpperCase(), f.attributes.FACILITYID]));
    const inspectedFacilities = (hydrants: EsriFeature[], inspections: EsriFeature[]) => {
      const facility = facilityOf(hydrants);
      return inspections.map((f) => facility.get(String(f.attributes.HydrantGlobalID).toUpperCase()) ?? 'none').sort();
    };
    const before = inspectedFacilities(await byLayer(`${serviceUrl}/0`), await byLayer(`${serviceUrl}/2`));
    expect(before).not.toContain('none');
    // Three hydrants that have inspections are deleted.
    const referenced = new Set((await byLayer(`${serviceUrl}/2`)).map((f) => String(f.attributes.HydrantGlobalID).toUpperCase()));
    const victims = (await byLayer(`${serviceUrl}/0`)).filter((f) => referenced.has(String(f.attributes.GlobalID).toUpperCase())).slice(0, 3);
    const removed = victims.map((f) => String(f.attributes.GlobalID).toUpperCase());
    await session.request(`${serviceUrl}/0/deleteFeatures`, { objectIds: victims.map((f) => f.attributes.OBJECTID).join(',') }, { httpMethod: 'POST' });
    expect(inspectedFacilities(await byLayer(`${serviceUrl}/0`), await byLayer(`${serviceUrl}/2`))).toContain('none');

    const result = await restoreServiceData({
      session, store, signal: new AbortController().signal, service: entry.service!, serviceUrl, layerIds: [2, 1, 0],
      matchByObjectId: true, useGlobalIds: false, state: { layers: {} }, saveState: noCheckpoint
    });
    expect(result.added).toBe(3);
    const hydrants = await byLayer(`${serviceUrl}/0`);
    // New GlobalIDs for the re-added hydrants, and the inspections follow them.
    for (const gid of removed) expect(facilityOf(hydrants).has(gid)).toBe(false);
    expect(result.updated).toBeGreaterThan(0);
    expect(inspectedFacilities(hydrants, await byLayer(`${serviceUrl}/2`))).toEqual(before);
  });

  it('finds an attachment replaced by one of the same name, type and size by its bytes', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.reports);
    const serviceUrl = entry.service!.url;
    const layerUrl = `${serviceUrl}/0`;
    const reports = serviceNamed(emu, DEMO_SERVICE_NAMES.reports).layers.get(0)!;
    const [oid, original] = [...reports.store.scan()].flatMap((f) => reports.attachments.list(f.oid).map((a) => [f.oid, a] as const))[0]!;
    const bytes = Buffer.from(original.blob.read());
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0xff;
    const form = new FormData();
    form.set('f', 'json');
    form.set('token', token);
    form.set('attachmentId', String(original.id));
    form.set('attachment', new File([bytes], original.name, { type: original.contentType }));
    const updated = await (await fetch(`${layerUrl}/${oid}/updateAttachment`, { method: 'POST', body: form })).json() as { updateAttachmentResult: { success: boolean } };
    expect(updated.updateAttachmentResult.success).toBe(true);
    expect(reports.attachments.get(oid, original.id)!.blob.size).toBe(bytes.length);

    const result = await restoreLayerData({ session, store, entry, serviceUrl, signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(result).toEqual({ added: 0, updated: 0, deleted: 0, attachmentsAdded: 1, attachmentsDeleted: 1 });
    expect(await liveRecords(session, layerUrl)).toEqual(await snapshotRecords(store, entry, 0));
  });

  it('restores chosen layers only, and a read-only service keeps its capabilities', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const serviceUrl = entry.service!.url;
    const water = serviceNamed(emu, DEMO_SERVICE_NAMES.water);
    await session.request(`${serviceUrl}/1/deleteFeatures`, { where: '1=1' }, { httpMethod: 'POST' });
    await session.request(`${serviceUrl}/2/deleteFeatures`, { where: '1=1' }, { httpMethod: 'POST' });
    const result = await restoreLayerData({ session, store, entry, serviceUrl, layerIds: [1], signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(result.added).toBe(entry.service!.layers[1]!.featureCount);
    expect(await liveRecords(session, `${serviceUrl}/1`)).toEqual(await snapshotRecords(store, entry, 1));
    expect(water.layers.get(2)!.store.count()).toBe(0);

    const permits = await backUp(emu, session, store, DEMO_SERVICE_NAMES.permits);
    const permitsUrl = permits.service!.url;
    const service = serviceNamed(emu, DEMO_SERVICE_NAMES.permits);
    expect(service.definition.capabilities).toBe('Query');
    // Someone with the service's admin rights emptied half of the table.
    const table = service.layers.get(0)!;
    for (const f of [...table.store.scan()].slice(0, 40)) table.store.delete(f.oid, service.serverGen + 1);
    const restored = await restoreLayerData({ session, store, entry: permits, serviceUrl: permitsUrl, signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(restored.added).toBe(40);
    expect(await liveRecords(session, `${permitsUrl}/0`)).toEqual(await snapshotRecords(store, permits, 0));
    expect((await session.request<{ capabilities: string }>(permitsUrl)).capabilities).toBe('Query');
  });

  it('matches features by object id in a layer without GlobalIDs, and resumes after a cancelled run', async () => {
    const name = `Plain_${kind}`;
    createHostedService(emu.context, {
      name,
      owner: emu.admin.username,
      capabilities: 'Query,Create,Update,Delete,Editing',
      layers: [{
        name: 'Plain', geometryType: 'esriGeometryPoint', globalIdField: null, hasAttachments: true, maxRecordCount: 200,
        fields: [{ name: 'CODE', type: 'esriFieldTypeString', length: 20 }],
        features: Array.from({ length: 1000 }, (_, i) => ({ attributes: { CODE: `C${i + 1}` }, geometry: { x: i, y: i } })),
        attachments: { 2: [{ name: 'a.txt', contentType: 'text/plain', data: Buffer.from('first') }], 900: [{ name: 'b.txt', contentType: 'text/plain', data: Buffer.from('second') }] }
      }]
    } as never);
    const entry = await backUp(emu, session, store, name);
    const serviceUrl = entry.service!.url;
    const layerUrl = `${serviceUrl}/0`;
    await session.request(`${layerUrl}/deleteFeatures`, { where: 'OBJECTID > 500' }, { httpMethod: 'POST' });
    await session.request(`${layerUrl}/updateFeatures`, { features: JSON.stringify([{ attributes: { OBJECTID: 2, CODE: 'changed' } }]) }, { httpMethod: 'POST' });

    // Cancelled after some features; the rerun from its last checkpoint does not add them twice.
    const controller = new AbortController();
    let saved: unknown;
    await expect(restoreLayerData({
      session, store, entry, serviceUrl, signal: controller.signal,
      checkpoint: async (s) => void (saved = JSON.parse(JSON.stringify(s))),
      onProgress: (p) => {
        if (p.features >= 200) controller.abort(new Error('cancelled'));
      }
    })).rejects.toThrow();
    const result = await restoreLayerData({ session, store, entry, serviceUrl, resumeState: saved, signal: new AbortController().signal, checkpoint: noCheckpoint });
    expect(result.deleted).toBe(0);
    expect(await liveRecords(session, layerUrl)).toEqual(await snapshotRecords(store, entry, 0));
    expect(serviceNamed(emu, name).layers.get(0)!.store.count()).toBe(1000);
    // Untouched features kept their object ids: 1 to 500 are still there.
    const low = await session.request<{ count: number }>(`${layerUrl}/query`, { where: 'OBJECTID <= 500', returnCountOnly: true });
    expect(low.count).toBe(500);
  });

  it('refuses to restore from a layer the snapshot holds only in part, and changes nothing', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.bikeLanes);
    const layer = entry.service!.layers[0]!;
    const broken: ItemEntry = { ...entry, service: { ...entry.service!, layers: [{ ...layer, status: 'failed', chunks: [], featureCount: 0, problems: [{ part: 'layer:0', status: 'failed', reason: 'HTTP 500' }] }] } };
    const before = serviceNamed(emu, DEMO_SERVICE_NAMES.bikeLanes).layers.get(0)!.store.count();
    await expect(restoreLayerData({ session, store, entry: broken, serviceUrl: entry.service!.url, signal: new AbortController().signal, checkpoint: noCheckpoint }))
      .rejects.toMatchObject({ code: 'not_in_snapshot', message: expect.stringContaining('not fully backed up') });
    expect(serviceNamed(emu, DEMO_SERVICE_NAMES.bikeLanes).layers.get(0)!.store.count()).toBe(before);
    await expect(restoreLayerData({ session, store, entry, serviceUrl: entry.service!.url, layerIds: [7], signal: new AbortController().signal, checkpoint: noCheckpoint }))
      .rejects.toMatchObject({ code: 'not_in_snapshot' });
  });
});
