import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../options.js';
import { DEMO_EXPECTATIONS } from './demo-expectations.js';
import { scalePlan } from './scale.js';
import { buildInitialState } from './seed.js';

const NOW = Date.UTC(2026, 10, 24, 12);

async function scaled(n: number) {
  return buildInitialState(resolveOptions({ seed: 'demo', scale: n, port: 0 }), 'http://127.0.0.1:7070', NOW);
}

describe('--scale N', () => {
  it('N = 10 is the backup benchmark preset: ~5,000 items, 50 layers, 500,000 features, 5,000 attachments, 2,000 users', async () => {
    const { state } = await scaled(10);
    const demoItems = DEMO_EXPECTATIONS.items.all.length + 1; // + the registered app
    expect(state.items.size - demoItems).toBe(5000);
    expect(state.users.size - DEMO_EXPECTATIONS.users.all.length).toBe(2000);
    const layers = [...state.services.values()].filter((s) => s.name.startsWith('Scale_'));
    expect(layers).toHaveLength(50);
    let features = 0;
    let attachments = 0;
    for (const svc of layers) {
      const layer = svc.layers.get(0)!;
      expect(layer.store.kind).toBe('lazy');
      features += layer.store.count();
      attachments += layer.attachments.list(1).length * 100; // features 1..100 have exactly one
      expect(layer.attachments.list(100)).toHaveLength(1);
      expect(layer.attachments.list(101)).toHaveLength(0);
    }
    expect(features).toBe(500_000);
    expect(attachments).toBe(5000);
    // the demo's planted cases are all still there
    for (const id of DEMO_EXPECTATIONS.items.all) expect(state.items.has(id)).toBe(true);
  });

  it('is deterministic and produces data only when read, with the announced sizes', async () => {
    const a = await scaled(2);
    const b = await scaled(2);
    expect([...a.state.items.keys()]).toEqual([...b.state.items.keys()]);
    expect([...a.state.users.keys()]).toEqual([...b.state.users.keys()]);
    const layerA = a.state.getService('Scale_Layer_0003')!.layers.get(0)!;
    const layerB = b.state.getService('Scale_Layer_0003')!.layers.get(0)!;
    expect(layerA.store.get(4321)).toEqual(layerB.store.get(4321));
    for (const item of [...a.state.items.values()].slice(-400)) {
      const data = item.data;
      if (data?.kind === 'file') expect(data.blob.read().length, item.json.type).toBe(data.blob.size);
      if (data?.kind === 'json') expect(() => JSON.parse(data.text) as unknown).not.toThrow();
      expect(item.json.created).toBeGreaterThanOrEqual(a.state.getUser(item.json.owner)!.created);
      expect(item.json.modified).toBeGreaterThanOrEqual(item.json.created);
    }
    const attachment = layerA.attachments.list(5)[0]!;
    const bytes = attachment.blob.read();
    expect(bytes.length).toBe(attachment.blob.size);
    expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });

  it('plans 2,000 users and a million-feature layer from N = 20', () => {
    expect(scalePlan(20)).toMatchObject({ users: 2000, items: 10000, millionFeatureLayer: true });
    expect(scalePlan(100)).toMatchObject({ users: 2000, items: 50000, services: 500 });
    expect(scalePlan(1).millionFeatureLayer).toBe(false);
  });
});
