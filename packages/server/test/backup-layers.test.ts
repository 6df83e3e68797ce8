import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IItem } from '@esri/arcgis-rest-portal';
import { createHostedService, DEMO_EXPECTATIONS, demoPassword, type EmulatorHandle, startEmulator } from '@orgkeeper/arcgis-emulator';
import { backupHostedService, CHUNK_OID_SPAN } from '../src/backup/hosted-service.backup.js';
import type { EsriFeature, FeatureChunkContent } from '../src/store/feature-chunks.js';
import { type HostedServiceEntry, initStore, type LayerEntry, readAttachmentList, type Store } from '../src/store/index.js';
import type { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { sessionFor } from './support/emulator-session.js';
import { requestsDuring } from './support/emulator-harness.js';

type HostedService = EmulatorHandle['context']['state']['services'] extends Map<string, infer S> ? S : never;

/** Retries for the tests that inject faults: `maxAttempts` each, with short delays. */
const retry = (maxAttempts: number) => ({ maxAttempts, baseDelayMs: 1, maxDelayMs: 20, maxThrottleAttempts: 1000 });

function itemOf(emu: EmulatorHandle, service: HostedService): IItem {
  const item = emu.context.state.items.get(service.itemId);
  if (!item) throw new Error(`no item for ${service.name}`);
  return item.json as unknown as IItem;
}

async function storedFeatures(store: Store, layer: LayerEntry): Promise<Map<number, EsriFeature>> {
  const features = new Map<number, EsriFeature>();
  for (const chunk of layer.chunks) {
    const content = await store.getJson<FeatureChunkContent>(chunk.hash);
    expect(content.features).toHaveLength(chunk.count);
    for (const f of content.features) {
      const oid = f.attributes[content.objectIdFieldName] as number;
      expect(oid).toBeGreaterThanOrEqual(chunk.fromOid);
      expect(oid).toBeLessThanOrEqual(chunk.toOid);
      expect(features.has(oid)).toBe(false);
      features.set(oid, f);
    }
  }
  return features;
}

/** The layer's features as the emulator answers a plain offset-paged query (a different paging than the backup's). */
async function queriedFeatures(session: ArcGISSession, layerUrl: string, oidField: string): Promise<Map<number, EsriFeature>> {
  const features = new Map<number, EsriFeature>();
  for (let offset = 0; ; ) {
    const page = await session.request<{ features: EsriFeature[]; exceededTransferLimit?: boolean }>(`${layerUrl}/query`, {
      where: '1=1', outFields: '*', returnGeometry: true, orderByFields: oidField, resultOffset: offset, resultRecordCount: 1000
    });
    for (const f of page.features) features.set(f.attributes[oidField] as number, f);
    offset += page.features.length;
    if (!page.exceededTransferLimit || page.features.length === 0) break;
  }
  return features;
}

async function expectLayerEqualsEmulator(emu: EmulatorHandle, session: ArcGISSession, store: Store, service: HostedService, entry: HostedServiceEntry): Promise<void> {
  const layers = [...service.layers.values()].sort((a, b) => a.id - b.id);
  expect(entry.layers.map((l) => l.id)).toEqual(layers.map((l) => l.id));
  for (const layer of layers) {
    const stored = entry.layers.find((l) => l.id === layer.id)!;
    expect(stored.status, JSON.stringify(stored.problems)).toBe('ok');
    expect(stored.kind).toBe(layer.kind);
    const layerUrl = `${entry.url}/${layer.id}`;
    // The full definition a restore needs, as the layer resource gives it.
    const definition = await store.getJson<Record<string, unknown>>(stored.definition.hash);
    const live = await session.request<Record<string, unknown>>(layerUrl);
    expect(definition).toEqual(live);
    for (const key of ['fields', 'relationships', 'indexes', 'types', 'templates']) expect(definition).toHaveProperty(key);

    if (layer.view) {
      // A view's rows are its source's: none is read through it (the source's entry holds them), and its entry names
      // the source service and layer instead.
      expect(stored.chunks).toEqual([]);
      expect(stored.featureCount).toBe(0);
      expect(stored.attachments).toBeUndefined();
      const source = emu.context.state.getService(layer.view.sourceServiceName)!;
      const link = entry.view?.layers.find((l) => l.id === layer.id);
      expect(link).toMatchObject({ sourceLayerId: layer.view.sourceLayerId });
      expect(link!.sourceUrl.toLowerCase()).toBe(`${emu.context.urls.servicesRoot}/${source.name}/FeatureServer`.toLowerCase());
      expect(entry.view?.sources).toContainEqual({ url: link!.sourceUrl, itemId: source.itemId });
      continue;
    }
    expect(entry.view).toBeUndefined();
    const features = await storedFeatures(store, stored);
    expect([...features.keys()].sort((a, b) => a - b)).toEqual([...layer.store.scan()].map((f) => f.oid));
    expect(stored.featureCount).toBe(layer.store.count());
    expect(features).toEqual(await queriedFeatures(session, layerUrl, layer.objectIdField));

    const expected = [...layer.store.scan()].flatMap((f) => layer.attachments.list(f.oid));
    if (!layer.definition.hasAttachments) {
      expect(stored.attachments).toBeUndefined();
      continue;
    }
    const attachments = await readAttachmentList(store.blobs, stored.attachments!);
    expect(attachments.map((a) => [a.objectId, a.attachmentId, a.name, a.contentType])).toEqual(
      expected.map((a) => [a.parentObjectId, a.id, a.name, a.contentType]).sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number))
    );
    for (const a of attachments) {
      const original = layer.attachments.get(a.objectId, a.attachmentId)!;
      expect(Buffer.compare(await store.blobs.get(a.hash), original.blob.read())).toBe(0);
    }
    expect(stored.attachmentCount).toBe(expected.length);
  }
}

async function blobCount(store: Store): Promise<number> {
  let n = 0;
  for await (const blob of store.blobs.list()) if (blob) n++;
  return n;
}

describe('backupHostedService against the emulated demo organization', () => {
  let emu: EmulatorHandle;
  let session: ArcGISSession;
  let dir: string;
  let store: Store;
  let services: HostedService[];
  const first = new Map<string, HostedServiceEntry>();

  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true });
    session = sessionFor(emu, { concurrency: 8 });
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-layers-'));
    store = await initStore(dir, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Demo' });
    services = [...emu.context.state.services.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, 60_000);

  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores every layer definition, feature and attachment of every demo service', async () => {
    expect(services.length).toBeGreaterThanOrEqual(6);
    let attachments = 0;
    for (const service of services) {
      let last = { featuresDone: 0, attachmentsDone: 0 };
      const entry = await backupHostedService({ session, store, onProgress: (p) => (last = p) }, itemOf(emu, service));
      first.set(service.name, entry);
      await expectLayerEqualsEmulator(emu, session, store, service, entry);
      const serviceJson = await store.getJson<Record<string, unknown>>(entry.definition.hash);
      expect(serviceJson).toEqual(await session.request(entry.url));
      expect(last.featuresDone).toBe(entry.layers.reduce((n, l) => n + l.featureCount, 0));
      attachments += last.attachmentsDone;
    }
    // The demo has attachments, relationships and a table: make sure they were really exercised.
    expect(attachments).toBeGreaterThan(0);
    expect([...first.values()].some((e) => e.layers.some((l) => l.kind === 'table'))).toBe(true);
  }, 60_000);

  it('an unchanged rerun makes at most two requests per service and stores no new blob', async () => {
    const blobsBefore = await blobCount(store);
    for (const service of services) {
      const { result, total, byEndpoint } = await requestsDuring(emu, () => backupHostedService({ session, store }, itemOf(emu, service), first.get(service.name)));
      expect(total, `${service.name}: ${JSON.stringify(byEndpoint)}`).toBeLessThanOrEqual(2);
      expect(result).toEqual(first.get(service.name));
    }
    expect(await blobCount(store)).toBe(blobsBefore);
  });

  it('after edits on a ChangeTracking layer, uses extractChanges and stores only what changed', async () => {
    const service = services.find((s) => /ChangeTracking/.test(String(s.definition.capabilities)) && [...s.layers.values()].some((l) => l.definition.hasAttachments))!;
    expect(service).toBeDefined();
    const layer = [...service.layers.values()].find((l) => l.definition.hasAttachments)!;
    const previous = first.get(service.name)!;
    const layerUrl = `${previous.url}/${layer.id}`;
    const [firstFeature, secondFeature, thirdFeature] = [...layer.store.scan()];
    const template = { ...firstFeature!.attributes };
    for (const key of [layer.objectIdField, layer.globalIdField ?? '']) delete template[key];
    const edits = await session.request<{ addResults: { objectId: number; success: boolean }[] }>(`${layerUrl}/applyEdits`, {
      adds: JSON.stringify([{ attributes: template, geometry: firstFeature!.geometry }]),
      updates: JSON.stringify([{ attributes: { [layer.objectIdField]: secondFeature!.oid, ...Object.fromEntries(Object.entries(secondFeature!.attributes).filter(([k]) => typeof secondFeature!.attributes[k] === 'string' && k !== layer.globalIdField).slice(0, 1).map(([k]) => [k, 'edited by test'])) } }]),
      deletes: String(thirdFeature!.oid)
    }, { httpMethod: 'POST' });
    expect(edits.addResults[0]!.success).toBe(true);
    const form = new FormData();
    form.set('attachment', new Blob([Buffer.from('new attachment bytes')], { type: 'text/plain' }), 'note.txt');
    form.set('f', 'json');
    const token = await session.auth!.getToken(layerUrl);
    const added = await fetch(`${layerUrl}/${secondFeature!.oid}/addAttachment?token=${token}`, { method: 'POST', body: form });
    expect(((await added.json()) as { addAttachmentResult?: { success: boolean } }).addAttachmentResult?.success).toBe(true);

    const blobsBefore = new Set<string>();
    for await (const b of store.blobs.list()) blobsBefore.add(b.hash);
    const { result, byEndpoint } = await requestsDuring(emu, () => backupHostedService({ session, store }, itemOf(emu, service), previous));
    expect(byEndpoint['features:extractChanges']).toBe(1);
    expect(byEndpoint['features:attachment']).toBe(1); // only the new attachment is downloaded
    await expectLayerEqualsEmulator(emu, session, store, service, result);
    // Layers without edits are carried over as they were.
    for (const entry of result.layers.filter((l) => l.id !== layer.id)) expect(entry).toEqual(previous.layers.find((l) => l.id === entry.id));
    const edited = result.layers.find((l) => l.id === layer.id)!;
    const newBlobs: string[] = [];
    for await (const b of store.blobs.list()) if (!blobsBefore.has(b.hash)) newBlobs.push(b.hash);
    // service JSON (changeTrackingInfo), layer definition (editingInfo), one chunk, one attachment and the list.
    expect(newBlobs.length).toBeLessThanOrEqual(5);
    expect(newBlobs).toContain(edited.chunks[0]!.hash);
    expect(newBlobs).toContain(edited.attachments!.hash);
  }, 30_000);

  it('stores the same content when the server fails and resets connections', async () => {
    // Only the feature service is faulted: rest-js 4.10.2 keeps a failed token request cached (reported separately).
    // Throttling is the session's concern (throttling.test.ts); its 60-second window would make this test slow.
    emu.faults.update({ errorRate: 0.05, errorStyle: 'mixed', resetRate: 0.03, pathFilter: ['/FeatureServer'] });
    const faulty = sessionFor(emu, { concurrency: 8, retry: retry(10) });
    const entries = new Map<string, HostedServiceEntry>();
    try {
      for (const service of services) entries.set(service.name, await backupHostedService({ session: faulty, store }, itemOf(emu, service)));
    } finally {
      emu.faults.reset();
    }
    expect(faulty.stats.retries).toBeGreaterThan(0);
    for (const service of services) {
      await expectLayerEqualsEmulator(emu, session, store, service, entries.get(service.name)!);
    }
  }, 60_000);

  it('records layers of a service without Query as skipped for an identity that is not its owner', async () => {
    const { item } = createHostedService(emu.context, {
      name: 'NoQuery', owner: emu.admin.username, access: 'org', capabilities: 'Create,Editing',
      layers: [{ name: 'Sites', geometryType: 'esriGeometryPoint', features: [{ attributes: {}, geometry: { x: 1, y: 2 } }] }]
    });
    const username = DEMO_EXPECTATIONS.users.byRole.user.find((u) => !DEMO_EXPECTATIONS.users.disabled.includes(u))!;
    const userSession = sessionFor(emu, { concurrency: 8, user: { username, password: demoPassword(username) } });
    const entry = await backupHostedService({ session: userSession, store }, item.json as unknown as IItem);
    expect(entry.layers).toHaveLength(1);
    expect(entry.layers[0]!.status).toBe('skipped');
    expect(entry.layers[0]!.problems?.[0]).toMatchObject({ part: 'layer:0', status: 'skipped', code: 'query_not_supported' });
    expect(entry.layers[0]!.problems?.[0]?.reason).toMatch(/capabilities lack Query/);
    // Its owner (here the administrator) reads it.
    const own = await backupHostedService({ session, store }, item.json as unknown as IItem);
    expect(own.layers[0]).toMatchObject({ status: 'ok', featureCount: 1 });
  });

  it('marks a layer that cannot be read as failed and backs up the other layers', async () => {
    const service = services.find((s) => s.layers.size > 1)!;
    const failing = [...service.layers.values()].sort((a, b) => a.id - b.id)[1]!;
    emu.faults.update({ errorRate: 1, errorStyle: 'http', pathFilter: [`/${service.name}/FeatureServer/${failing.id}/query`] });
    try {
      const entry = await backupHostedService({ session: sessionFor(emu, { concurrency: 8, retry: retry(2) }), store }, itemOf(emu, service));
      const failed = entry.layers.find((l) => l.id === failing.id)!;
      expect(failed.status).toBe('failed');
      expect(failed.problems?.[0]?.part).toBe(`layer:${failing.id}`);
      expect(failed.problems?.[0]?.reason).toMatch(/could not be backed up/);
      expect(entry.layers.filter((l) => l.id !== failing.id).every((l) => l.status === 'ok')).toBe(true);
    } finally {
      emu.faults.reset();
    }
  });
});

describe('backupHostedService on large layers', () => {
  let emu: EmulatorHandle;
  let session: ArcGISSession;
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, seed: 'empty' });
    session = sessionFor(emu, { concurrency: 8 });
    dir = await mkdtemp(join(tmpdir(), 'orgkeeper-layers-big-'));
    store = await initStore(dir, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Big' });
  }, 60_000);

  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function lazyService(name: string, count: number, capabilities: string): { service: HostedService; item: IItem } {
    const { service, item } = createHostedService(emu.context, {
      name,
      owner: emu.admin.username,
      capabilities,
      layers: [{
        name,
        geometryType: 'esriGeometryPoint',
        maxRecordCount: 2000,
        fields: [{ name: 'CODE', type: 'esriFieldTypeString', length: 20 }, { name: 'VALUE', type: 'esriFieldTypeDouble' }],
        features: { count, generate: (oid) => ({ attributes: { CODE: `C${oid}`, VALUE: oid / 7 }, geometry: { x: 1000 + (oid % 1000), y: 2000 + Math.floor(oid / 1000) } }) }
      }]
    });
    return { service, item: item.json as unknown as IItem };
  }

  it('re-reads only the chunks an edit touched, with and without change tracking', async () => {
    for (const capabilities of ['Query,Update,Delete,Create,Editing,ChangeTracking', 'Query,Update,Delete,Create,Editing']) {
      const { service, item } = lazyService(capabilities.includes('Change') ? 'Tracked' : 'Untracked', 10_000, capabilities);
      const before = await backupHostedService({ session, store }, item);
      const layer = [...service.layers.values()][0]!;
      expect(before.layers[0]!.featureCount).toBe(10_000);
      expect(before.layers[0]!.chunks.length).toBe(Math.floor(10_000 / CHUNK_OID_SPAN) + 1);

      const url = `${before.url}/0`;
      await session.request(`${url}/applyEdits`, { updates: JSON.stringify([{ attributes: { OBJECTID: 4321, CODE: 'edited' } }]), deletes: '9999' }, { httpMethod: 'POST' });
      const { result, byEndpoint } = await requestsDuring(emu, () => backupHostedService({ session, store }, item, before));
      const changed = result.layers[0]!.chunks.filter((c) => !before.layers[0]!.chunks.some((p) => p.hash === c.hash));
      expect(changed.map((c) => c.fromOid)).toEqual([4000, 8000]);
      expect(result.layers[0]!.featureCount).toBe(9_999);
      if (capabilities.includes('ChangeTracking')) {
        expect(byEndpoint['features:extractChanges']).toBe(1);
        expect(byEndpoint['features:query']).toBe(2); // the two touched ranges only
      } else {
        expect(byEndpoint['features:extractChanges']).toBeUndefined();
      }
      const features = await storedFeatures(store, result.layers[0]!);
      expect(features.size).toBe(layer.store.count());
      expect(features.get(4321)!.attributes.CODE).toBe('edited');
      expect(features.has(9999)).toBe(false);
    }
  }, 60_000);

  it('streams a 100,000-feature layer without holding it in memory', async () => {
    const { item } = lazyService('Big', 100_000, 'Query');
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const entry = await backupHostedService({ session, store, onProgress: () => (peak = Math.max(peak, process.memoryUsage().heapUsed)) }, item);
    expect(entry.layers[0]!.featureCount).toBe(100_000);
    expect(entry.layers[0]!.chunks).toHaveLength(51);
    // Loose: the layer's features as JSON are ~15 MB, and their objects several times that; in-flight chunks are a few MB.
    // The emulator runs in this process too, so this only guards against holding the whole layer.
    expect(peak - baseline).toBeLessThan(400 * 1024 * 1024);
  }, 120_000);
});
