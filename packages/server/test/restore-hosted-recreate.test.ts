import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostedService, DEMO_SERVICE_NAMES, type EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import type { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import type { EsriFeature } from '../src/store/feature-chunks.js';
import { comparableLayerDefinition, HostedRestoreError, recreateHostedService } from '../src/restore/hosted/index.js';
import type { ItemEntry, Store } from '../src/store/index.js';
import { HOSTED_RETRY, serviceNamed, backUp, snapshotRecords, liveRecords, startHostedFixture, type HostedFixture } from './support/hosted-restore.js';
import { sessionFor } from './support/emulator-session.js';

/**
 * Deletes the item for good: on ArcGIS Online a plain delete moves a hosted layer to the recycle bin, where its service
 * name stays taken (a recreate then gets `<name>_1`, tested in 'adds a suffix when the service name is taken');
 * these tests recreate under the original name. ArcGIS Enterprise ignores `permanentDelete`.
 */
async function deleteItem(session: ArcGISSession, entry: ItemEntry): Promise<void> {
  await session.request(`${session.restUrl}/content/users/${entry.owner}/items/${entry.id}/delete`, { permanentDelete: true }, { httpMethod: 'POST' });
}

/** A checkpoint sink that keeps the last state, and can make the N-th checkpoint fail like a crash would. */
function checkpoints(crashAt?: number): { save: (s: unknown) => Promise<void>; last: unknown; count: number } {
  const sink = {
    last: undefined as unknown,
    count: 0,
    save: async (state: unknown) => {
      sink.count++;
      if (crashAt !== undefined && sink.count === crashAt) throw new Error('injected crash');
      sink.last = JSON.parse(JSON.stringify(state));
    }
  };
  return sink;
}

describe.each(['online', 'enterprise'] as const)('recreateHostedService (%s emulator)', (kind) => {
  let emu: EmulatorHandle;
  let session: ArcGISSession;
  let store: Store;
  let fixture: HostedFixture;

  beforeAll(async () => {
    fixture = await startHostedFixture(kind, 'orgkeeper-restore-hosted-');
    ({ emu, session, store } = fixture);
  }, 60_000);

  afterAll(() => fixture?.close());

  it('recreates a deleted service with attachments and a related table: definitions, features, GlobalIDs and attachments equal the snapshot', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const originalUrl = entry.service!.url;
    const originalService = await session.request<Record<string, unknown>>(originalUrl);
    const before = new Map<number, string[]>();
    for (const layer of entry.service!.layers) before.set(layer.id, await snapshotRecords(store, entry, layer.id));
    expect(before.get(0)!.some((r) => r.includes('"attachments":["'))).toBe(true);
    await deleteItem(session, entry);
    expect(() => serviceNamed(emu, DEMO_SERVICE_NAMES.water)).toThrow();

    const sink = checkpoints();
    let last = { features: 0, attachments: 0 };
    const result = await recreateHostedService({
      session, store, entry, owner: entry.owner, serviceName: DEMO_SERVICE_NAMES.water, itemProperties: { title: entry.title },
      signal: new AbortController().signal, checkpoint: sink.save, onProgress: (p) => (last = p)
    });
    expect(result.itemId).not.toBe(entry.id);
    expect(result.serviceUrl).toBe(originalUrl);
    expect(Object.keys(result.layerUrls).map(Number)).toEqual(entry.service!.layers.map((l) => l.id));
    const item = await session.request<{ id: string; type: string; url: string }>(`${session.restUrl}/content/items/${result.itemId}`);
    expect(item.type).toBe('Feature Service');
    expect(item.url).toBe(result.serviceUrl);

    // The service keeps its properties and its original capabilities (editing was enabled only while restoring).
    const restoredService = await session.request<Record<string, unknown>>(result.serviceUrl);
    for (const key of ['capabilities', 'serviceDescription', 'spatialReference', 'maxRecordCount', 'supportsApplyEditsWithGlobalIds']) expect(restoredService[key], key).toEqual(originalService[key]);
    expect(restoredService.relationships).toEqual(originalService.relationships);

    let features = 0;
    for (const layer of entry.service!.layers) {
      const definition = await store.getJson<Record<string, unknown>>(layer.definition.hash);
      const live = await session.request<Record<string, unknown>>(result.layerUrls[layer.id]!);
      expect(comparableLayerDefinition(live)).toEqual(comparableLayerDefinition(definition));
      expect(await liveRecords(session, result.layerUrls[layer.id]!)).toEqual(before.get(layer.id));
      features += layer.featureCount;
    }
    // Related inspections still point at their hydrants: the GUID keys equal the hydrants' kept GlobalIDs.
    const inspections = await session.request<{ features: EsriFeature[] }>(`${result.layerUrls[2]}/query`, { where: '1=1', outFields: 'HydrantGlobalID' });
    const hydrants = await session.request<{ features: EsriFeature[] }>(`${result.layerUrls[0]}/query`, { where: '1=1', outFields: 'GlobalID' });
    const hydrantIds = new Set(hydrants.features.map((f) => f.attributes.GlobalID));
    expect(inspections.features.length).toBeGreaterThan(0);
    for (const f of inspections.features) expect(hydrantIds.has(f.attributes.HydrantGlobalID)).toBe(true);
    expect(last.features).toBe(features);
    expect(last.attachments).toBe(entry.service!.layers.reduce((n, l) => n + (l.attachmentCount ?? 0), 0));
    expect(sink.count).toBeGreaterThan(2);
  });

  it('adds a suffix when the service name is taken', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.parks);
    const sink = checkpoints();
    const result = await recreateHostedService({
      session, store, entry, owner: entry.owner, serviceName: DEMO_SERVICE_NAMES.parks, itemProperties: {},
      signal: new AbortController().signal, checkpoint: sink.save
    });
    expect(result.serviceUrl).toMatch(new RegExp(`/${DEMO_SERVICE_NAMES.parks}_1/FeatureServer$`));
    expect(await liveRecords(session, result.layerUrls[0]!)).toEqual(await snapshotRecords(store, entry, 0));
    // The original is untouched.
    expect(serviceNamed(emu, DEMO_SERVICE_NAMES.parks).layers.get(0)!.store.count()).toBe(entry.service!.layers[0]!.featureCount);
  });

  it('finishes without duplicates when requests fail after ArcGIS applied them (dropped connections, server errors)', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.reports);
    await deleteItem(session, entry);
    emu.faults.update({ resetRate: 0.35, errorRate: 0.1, errorStyle: 'mixed', pathFilter: ['/applyEdits', '/addAttachment', '/addToDefinition', '/createService'] });
    let result;
    let injected: number;
    try {
      result = await recreateHostedService({
        session, store, entry, owner: entry.owner, serviceName: DEMO_SERVICE_NAMES.reports, itemProperties: {},
        signal: new AbortController().signal, checkpoint: checkpoints().save
      });
    } finally {
      injected = emu.faults.injected.reset + emu.faults.injected.error;
      emu.faults.reset();
    }
    expect(injected).toBeGreaterThan(0);
    expect(await liveRecords(session, result.layerUrls[0]!)).toEqual(await snapshotRecords(store, entry, 0));
    expect([...emu.context.state.services.values()].filter((s) => s.name.startsWith(DEMO_SERVICE_NAMES.reports))).toHaveLength(1);
  });

  describe('a layer without GlobalIDs, crashed and resumed', () => {
    const name = `NoGlobalIds_${kind}`;
    let entry: ItemEntry;

    beforeAll(async () => {
      const png = (n: number) => Buffer.from(`\x89PNG attachment ${n} `.repeat(20 + (n % 7)), 'latin1');
      const attachments: Record<number, { name: string; contentType: string; data: Buffer; keywords?: string }[]> = {};
      for (let oid = 1; oid <= 4500; oid += 150) attachments[oid] = [{ name: `photo-${oid}.png`, contentType: 'image/png', data: png(oid), keywords: 'before' }, { name: 'notes.txt', contentType: 'text/plain', data: Buffer.from(`notes for ${oid}`) }];
      createHostedService(emu.context, {
        name,
        owner: emu.admin.username,
        capabilities: 'Query',
        layers: [{
          name: 'Survey points',
          geometryType: 'esriGeometryPoint',
          globalIdField: null,
          hasAttachments: true,
          maxRecordCount: 500,
          fields: [{ name: 'CODE', type: 'esriFieldTypeString', length: 20 }, { name: 'VALUE', type: 'esriFieldTypeDouble' }],
          features: Array.from({ length: 4500 }, (_, i) => ({ attributes: { CODE: `P${i + 1}`, VALUE: (i * 7) % 101 }, geometry: { x: -13_000_000 + i * 10, y: 4_000_000 + (i % 50) * 10 } })),
          attachments
        }]
      } as never);
      entry = await backUp(emu, session, store, name);
      await deleteItem(session, entry);
    });

    it('resumes after a crash between adding a batch and its checkpoint, and after a crash among attachments, with no duplicates', async () => {
      const args = { session, store, entry, owner: entry.owner, serviceName: name, itemProperties: {}, signal: new AbortController().signal };
      // Checkpoints: name chosen (1), created (2), defined (3), capabilities saved (4), then one per feature batch:
      // the 6th (the second of the features) fails after its batch was applied, like a crash before the state reached
      // the disk; batches in flight at that moment are applied too and recorded nowhere.
      const first = checkpoints(6);
      await expect(recreateHostedService({ ...args, session: sessionFor(emu, { concurrency: 2, retry: HOSTED_RETRY }), checkpoint: first.save })).rejects.toThrow('injected crash');
      const layerUrl = () => `${(first.last as { serviceUrl: string }).serviceUrl}/0`;
      const partial = (await session.request<{ count: number }>(`${layerUrl()}/query`, { where: '1=1', returnCountOnly: true })).count;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(4500);
      // Some of those adds are recorded nowhere (their checkpoint never happened): the resume must find and replace them.
      const runs = (first.last as { layers: Record<string, { runs?: [number, number, number][] }> }).layers['0']?.runs ?? [];
      expect(runs.reduce((n, r) => n + r[2], 0)).toBeLessThan(partial);
      // The failed run did not leave the service editable.
      expect((await session.request<{ capabilities: string }>((first.last as { serviceUrl: string }).serviceUrl)).capabilities).toBe('Query');

      // Second run crashes among the attachments (a failed checkpoint is not the trigger here: an abort is).
      const controller = new AbortController();
      let attachmentsSeen = 0;
      const second = checkpoints();
      second.last = first.last;
      await expect(recreateHostedService({
        ...args, signal: controller.signal, resumeState: first.last, checkpoint: second.save,
        onProgress: (p) => {
          if (p.attachments > 0 && ++attachmentsSeen === 10) controller.abort(new Error('injected abort'));
        }
      })).rejects.toThrow();
      const third = checkpoints();
      const result = await recreateHostedService({ ...args, resumeState: second.last ?? first.last, checkpoint: third.save });
      expect(result.serviceUrl).toBe((first.last as { serviceUrl: string }).serviceUrl);
      expect(await liveRecords(session, result.layerUrls[0]!)).toEqual(await snapshotRecords(store, entry, 0));
      const service = await session.request<{ capabilities: string }>(result.serviceUrl);
      expect(service.capabilities).toBe('Query');
      // One service was made, whatever the crashes.
      expect([...emu.context.state.services.values()].filter((s) => s.name.startsWith(name))).toHaveLength(1);
    }, 60_000);
  });

  it('recreates the layers the snapshot holds in full and reports the others, with the new item', async () => {
    const entry = await backUp(emu, session, store, DEMO_SERVICE_NAMES.water);
    const layers = entry.service!.layers.map((l) => (l.id === 1 ? { ...l, status: 'failed' as const, chunks: [], featureCount: 0, problems: [{ part: 'layer:1', status: 'failed' as const, reason: 'HTTP 500 while reading' }] } : l));
    const partial: ItemEntry = { ...entry, service: { ...entry.service!, layers } };
    const error = await recreateHostedService({
      session, store, entry: partial, owner: entry.owner, serviceName: 'Water_partial', itemProperties: {},
      signal: new AbortController().signal, checkpoint: checkpoints().save
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostedRestoreError);
    expect(error).toMatchObject({ code: 'not_in_snapshot', message: expect.stringContaining('HTTP 500 while reading') });
    const created = (error as HostedRestoreError).service!;
    expect(created.itemId).toMatch(/^[0-9a-f]{32}$/);
    expect(await liveRecords(session, `${created.serviceUrl}/0`)).toEqual(await snapshotRecords(store, entry, 0));
    expect(await liveRecords(session, `${created.serviceUrl}/2`)).toEqual(await snapshotRecords(store, entry, 2));
    expect(await liveRecords(session, `${created.serviceUrl}/1`)).toEqual([]);
  });

  it('says clearly what is wrong with an item that has no service in the snapshot, or a foreign resume state', async () => {
    const entry: ItemEntry = { id: 'x', title: 'Map', type: 'Web Map', owner: emu.admin.username, modified: 0, status: 'ok' };
    const args = { session, store, owner: emu.admin.username, serviceName: 'X', itemProperties: {}, signal: new AbortController().signal, checkpoint: async () => {} };
    await expect(recreateHostedService({ ...args, entry })).rejects.toMatchObject({ code: 'not_in_snapshot' });
    const withService = await backUp(emu, session, store, DEMO_SERVICE_NAMES.bikeLanes);
    await expect(recreateHostedService({ ...args, entry: withService, resumeState: { kind: 'something else' } })).rejects.toBeInstanceOf(HostedRestoreError);
  });
});
