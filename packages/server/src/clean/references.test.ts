import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractReferences, itemIdInUrl, parseServiceUrl } from './references.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

describe('references for the broken-links scan', () => {
  it('groups a layer’s item id and URL into one reference with its title; skips group ids and portal URLs', () => {
    const refs = extractReferences({
      operationalLayers: [
        { id: 'l0', title: 'Storm Drains', itemId: A, url: 'https://s/arcgis/rest/services/X/FeatureServer/0' },
        { id: 'g', title: 'Group', layers: [{ title: 'Inner', url: 'https://s/arcgis/rest/services/Y/FeatureServer/1' }] }
      ],
      tables: [{ title: 'Inspections', itemId: B }],
      baseMap: { baseMapLayers: [{ title: 'Topo', styleUrl: 'https://cdn.example/styles/root.json' }] },
      values: { webmap: C, group: A },
      dataSources: { ds: { itemId: A, url: 'https://s/arcgis/rest/services/X/FeatureServer/0', portalUrl: 'https://org.example', sourceLabel: 'Hydrants' } }
    });
    expect(refs).toEqual([
      { path: 'operationalLayers[0]', itemId: A, url: 'https://s/arcgis/rest/services/X/FeatureServer/0', title: 'Storm Drains' },
      { path: 'operationalLayers[1].layers[0]', url: 'https://s/arcgis/rest/services/Y/FeatureServer/1', title: 'Inner' },
      { path: 'tables[0]', itemId: B, title: 'Inspections' },
      { path: 'baseMap.baseMapLayers[0]', url: 'https://cdn.example/styles/root.json', title: 'Topo' },
      { path: 'values.webmap', itemId: C },
      { path: 'dataSources.ds', itemId: A, url: 'https://s/arcgis/rest/services/X/FeatureServer/0', title: 'Hydrants' }
    ]);
  });

  it('finds dashboard widgets and StoryMap resources', () => {
    const refs = extractReferences({
      widgets: [{ type: 'mapWidget', name: 'Map', itemId: A }, { datasets: [{ dataSource: { itemId: B, layerId: 0 } }] }],
      resources: { 'r-map': { type: 'webmap', data: { itemId: C } } }
    });
    expect(refs.map((r) => [r.path, r.itemId])).toEqual([
      ['widgets[0]', A],
      ['widgets[1].datasets[0].dataSource', B],
      ['resources.r-map.data', C]
    ]);
  });

  it('splits service URLs into service and layer, and finds item ids in portal content URLs', () => {
    expect(parseServiceUrl('https://h/arcgis/rest/services/Parcels/FeatureServer/3/query?where=1')).toEqual({ serviceUrl: 'https://h/arcgis/rest/services/Parcels/FeatureServer', layerId: 3 });
    expect(parseServiceUrl('https://h/server/rest/services/Hosted/Roads/MapServer')).toEqual({ serviceUrl: 'https://h/server/rest/services/Hosted/Roads/MapServer' });
    expect(parseServiceUrl('https://h/page.html')).toBeUndefined();
    expect(parseServiceUrl('not a url')).toBeUndefined();
    expect(itemIdInUrl(`https://org.example/sharing/rest/content/items/${A.toUpperCase()}/resources/styles/root.json`)).toBe(A);
    expect(itemIdInUrl('https://org.example/home/item.html')).toBeUndefined();
  });

  it('finds every layer-like object with an item id, at a path that leads to it, in any JSON (property)', () => {
    const id = fc.stringMatching(/^[0-9a-f]{32}$/);
    const layer = fc.record({ title: fc.string({ maxLength: 8 }), itemId: id });
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 6 }),
        fc.integer(),
        layer,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/).filter((k) => !['itemid', 'url', 'webmap', 'webscene', 'group', 'title'].includes(k)), tie('node'), { maxKeys: 4 })
      )
    })).node;
    fc.assert(
      fc.property(json, (data) => {
        const planted: string[] = [];
        const collect = (node: unknown): void => {
          if (Array.isArray(node)) node.forEach(collect);
          else if (node && typeof node === 'object') {
            const record = node as Record<string, unknown>;
            if (typeof record.itemId === 'string') planted.push(record.itemId);
            Object.values(record).forEach(collect);
          }
        };
        collect(data);
        const refs = extractReferences(data);
        expect(refs.map((r) => r.itemId).sort()).toEqual(planted.sort());
        for (const ref of refs) {
          let node: unknown = data;
          for (const m of ref.path === '(root)' ? [] : ref.path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
            node = m[2] !== undefined ? (node as unknown[])[Number(m[2])] : (node as Record<string, unknown>)[m[1]!];
          }
          expect((node as { itemId: string }).itemId).toBe(ref.itemId);
        }
      }),
      { numRuns: 300 }
    );
  });
});
