import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../index.js';
import { startTestEmulator } from '../../test/support/emulator.js';
import { createHostedService, deleteHostedServiceForItem, serviceUrl } from './hosted-service.factory.js';

describe('createHostedService', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('creates the service and its Feature Service item', () => {
    const { service, item } = createHostedService(emu.context, {
      name: 'Hydrants',
      title: 'Fire hydrants',
      owner: emu.admin.username,
      access: 'org',
      featuresSpatialReference: { wkid: 4326 },
      layers: [
        {
          name: 'Hydrants',
          geometryType: 'esriGeometryPoint',
          fields: [{ name: 'status', type: 'esriFieldTypeString', length: 20 }],
          features: [
            { attributes: { status: 'ok' }, geometry: { x: -117.19, y: 34.05 } },
            { attributes: { status: 'broken' }, geometry: { x: -117.2, y: 34.06 } }
          ],
          attachments: { 1: [{ name: 'a.txt', contentType: 'text/plain', data: 'hello' }] }
        }
      ],
      tables: [{ name: 'Inspections', fields: [{ name: 'note', type: 'esriFieldTypeString' }] }]
    });
    expect(item.json.type).toBe('Feature Service');
    expect(item.json.typeKeywords).toContain('Hosted Service');
    expect(item.json.url).toBe(serviceUrl(emu.context, 'Hydrants'));
    expect(item.json.access).toBe('org');
    expect(emu.context.state.items.get(item.json.id)).toBe(item);
    expect(emu.context.state.getService('hydrants')).toBe(service);
    const layer = service.layers.get(0)!;
    expect(layer.fields.map((f) => f.name)).toEqual(['OBJECTID', 'status', 'GlobalID']);
    const first = layer.store.get(1)!;
    expect(first.attributes.OBJECTID).toBe(1);
    expect(typeof first.attributes.GlobalID).toBe('string');
    // stored in Web Mercator
    expect(Math.abs((first.geometry!.x as number) - -13045433)).toBeLessThan(1000);
    expect(layer.attachments.list(1)).toHaveLength(1);
    expect(service.layers.get(1)!.kind).toBe('table');
    expect(item.json.extent[0]![0]).toBeCloseTo(-117.2, 5);
  });

  it('refuses a name that is taken, case-insensitively', () => {
    expect(() => createHostedService(emu.context, { name: 'HYDRANTS', owner: emu.admin.username })).toThrow(/already exists/);
  });

  it('creates a million lazy features without generating them, and reads them by objectId', () => {
    // Laziness, not speed, is what matters (speed is for benchmarks): nothing is generated until it is read.
    let generated = 0;
    const { service } = createHostedService(emu.context, {
      name: 'Parcels',
      owner: emu.admin.username,
      layers: [
        {
          name: 'Parcels',
          geometryType: 'esriGeometryPoint',
          fields: [{ name: 'apn', type: 'esriFieldTypeString' }],
          features: {
            count: 1_000_000,
            generate: (oid) => {
              generated++;
              return { attributes: { apn: `P${oid}` }, geometry: { x: oid, y: oid } };
            }
          },
          attachments: { perFeatureMax: 2, generate: (oid) => (oid % 2 === 0 ? [{ name: `${oid}.txt`, contentType: 'text/plain', data: String(oid) }] : []) }
        }
      ]
    });
    const layer = service.layers.get(0)!;
    expect(layer.store.count()).toBe(1_000_000);
    expect(generated).toBe(0);
    expect(layer.store.get(999_999)!.attributes.apn).toBe('P999999');
    expect(generated).toBeLessThanOrEqual(2);
    const gid = layer.store.get(42)!.attributes.GlobalID as string;
    expect(layer.store.findByGlobalId(gid)!.oid).toBe(42);
    expect(layer.attachments.list(4)[0]!.name).toBe('4.txt');
    const page = [...take(layer.store.scan(500_000), 3)].map((f) => f.oid);
    expect(page).toEqual([500_001, 500_002, 500_003]);
  });

  it('deletes the service of an item', () => {
    const service = emu.context.state.getService('parcels')!;
    expect(deleteHostedServiceForItem(emu.context, service.itemId)).toBe(true);
    expect(emu.context.state.getService('parcels')).toBeUndefined();
    expect(deleteHostedServiceForItem(emu.context, service.itemId)).toBe(false);
  });
});

function* take<T>(it: Iterable<T>, n: number): Iterable<T> {
  if (n <= 0) return;
  for (const v of it) {
    yield v;
    if (--n <= 0) return;
  }
}
