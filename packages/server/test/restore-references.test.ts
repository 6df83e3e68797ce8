/**
 * Reference extraction and rewriting (reused by the broken-links scan), the restore order, and the snapshot query.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractReferences, referencedItemIds, rewriteJsonText, rewriteReferences, urlUnder } from '../src/restore/references.js';
import { orderItems } from '../src/restore/plan-order.js';
import { serviceNameOf } from '../src/restore/restore.plan.js';
import type { PlanStep } from '../src/restore/restore.types.js';
import { matchesQuery, parseQuery } from '../src/restore/selection.js';
import type { ItemEntry } from '../src/store/index.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
const C = 'ccccccccccccccccccccccccccccccc3';
const SVC = 'https://services.example.com/org1/arcgis/rest/services/Parks/FeatureServer';
const PORTAL = 'https://city.maps.arcgis.com';

const webMap = {
  operationalLayers: [
    { id: 'l1', itemId: A, url: `${SVC}/0`, layerType: 'ArcGISFeatureLayer' },
    { id: 'grp', layerType: 'GroupLayer', layers: [{ id: 'l2', itemId: A, url: `${SVC}/1` }] }
  ],
  tables: [{ id: 't1', itemId: A, url: `${SVC}/2` }],
  baseMap: { baseMapLayers: [{ id: 'b', url: 'https://services.arcgisonline.com/arcgis/rest/services/World/MapServer', styleUrl: 'https://cdn.arcgis.com/x/root.json' }] }
};
const app = { source: 'template', values: { webmap: B, title: 'App' } };
const dashboard = { widgets: [{ type: 'mapWidget', itemId: B }, { datasets: [{ dataSource: { type: 'featureServiceDataSource', itemId: A, layerId: 0 } }] }] };
const story = { resources: { 'r-map': { type: 'webmap', data: { itemId: B, itemType: 'Web Map' } } } };
const experience = { dataSources: { ds1: { type: 'WEB_MAP', itemId: B, portalUrl: PORTAL }, ds2: { type: 'FEATURE_LAYER', itemId: A, url: `${SVC}/0`, portalUrl: PORTAL } } };

describe('extractReferences', () => {
  it('finds item ids and URLs where each kind of item keeps them', () => {
    expect(extractReferences(webMap)).toEqual([
      { kind: 'item', path: 'operationalLayers[0].itemId', value: A },
      { kind: 'url', path: 'operationalLayers[0].url', value: `${SVC}/0` },
      { kind: 'item', path: 'operationalLayers[1].layers[0].itemId', value: A },
      { kind: 'url', path: 'operationalLayers[1].layers[0].url', value: `${SVC}/1` },
      { kind: 'item', path: 'tables[0].itemId', value: A },
      { kind: 'url', path: 'tables[0].url', value: `${SVC}/2` },
      { kind: 'url', path: 'baseMap.baseMapLayers[0].url', value: 'https://services.arcgisonline.com/arcgis/rest/services/World/MapServer' },
      { kind: 'url', path: 'baseMap.baseMapLayers[0].styleUrl', value: 'https://cdn.arcgis.com/x/root.json' }
    ]);
    expect(referencedItemIds(app)).toEqual([B]);
    expect(referencedItemIds(dashboard)).toEqual([B, A]);
    expect(extractReferences(story)).toEqual([{ kind: 'item', path: 'resources.r-map.data.itemId', value: B }]);
    expect(referencedItemIds(experience)).toEqual([B, A]);
    expect(extractReferences({ itemId: 'not-an-id', url: 'relative/path', values: { webmap: '' } })).toEqual([]);
  });
});

describe('rewriteReferences', () => {
  const maps = { ids: new Map([[A, C]]), urls: new Map([[SVC, 'https://target.example.com/server/rest/services/Hosted/Parks/FeatureServer'], [PORTAL, 'https://target.example.com/portal']]) };

  it('rewrites ids and URL prefixes everywhere, and nothing else', () => {
    const { data, changes } = rewriteReferences({ webMap, experience, note: `see ${PORTAL}/home/item.html?id=${A}`, hash: `${A}ff` }, maps);
    const text = JSON.stringify(data);
    // The only A left is inside the longer hash.
    expect(text.split(A).length - 1).toBe(1);
    expect(text).not.toContain('services.example.com');
    expect(text).not.toContain(PORTAL);
    expect(data.webMap.operationalLayers[0]).toMatchObject({ itemId: C, url: 'https://target.example.com/server/rest/services/Hosted/Parks/FeatureServer/0' });
    expect(data.note).toBe(`see https://target.example.com/portal/home/item.html?id=${C}`);
    // A longer hex string that merely contains an id is something else (a hash): left alone.
    expect(data.hash).toBe(`${A}ff`);
    // The basemap (another host) is untouched.
    expect(data.webMap.baseMap.baseMapLayers[0]?.url).toBe(webMap.baseMap.baseMapLayers[0]?.url);
    expect(changes.length).toBeGreaterThan(5);
    // The input is not modified.
    expect(webMap.operationalLayers[0]!.itemId).toBe(A);
  });

  it('does not rewrite a URL that only starts like a mapped one', () => {
    const out = rewriteJsonText(JSON.stringify({ url: `${SVC}2/0`, other: `${SVC}/0` }), maps);
    expect(JSON.parse(out.text)).toEqual({ url: `${SVC}2/0`, other: 'https://target.example.com/server/rest/services/Hosted/Parks/FeatureServer/0' });
    expect(urlUnder(`${SVC}/3`, SVC)).toBe(true);
    expect(urlUnder(`${SVC}x`, SVC)).toBe(false);
  });

  it('rewriting with the inverse map gives the original back (property)', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    fc.assert(
      fc.property(fc.uniqueArray(hex, { minLength: 2, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), (ids, picks) => {
        const half = Math.floor(ids.length / 2);
        const from = ids.slice(0, half);
        const to = ids.slice(half, half * 2);
        const forward = new Map(from.map((id, i) => [id, to[i]!]));
        const back = new Map(to.map((id, i) => [id, from[i]!]));
        const data = { layers: picks.map((p) => ({ itemId: from[p % from.length], note: `x ${from[p % from.length]} y` })) };
        const there = rewriteReferences(data, { ids: forward, urls: new Map() }).data;
        expect(JSON.stringify(there)).not.toMatch(new RegExp(from.join('|')));
        expect(rewriteReferences(there, { ids: back, urls: new Map() }).data).toEqual(data);
      }),
      { numRuns: 50 }
    );
  });
});

describe('restore order and selection', () => {
  const step = (key: string, type: string, title: string, dependsOn: string[] = []): PlanStep => ({
    key, kind: 'item', action: 'create', reason: '', sourceId: key, title, type, owner: 'u', folder: null, dependsOn, rewrites: []
  });

  it('puts every item after what it references, services before maps before apps', () => {
    const ordered = orderItems([
      step('app', 'Web Mapping Application', 'A app', ['map']),
      step('dash', 'Dashboard', 'B dash', ['map', 'svc']),
      step('map', 'Web Map', 'C map', ['svc']),
      step('csv', 'CSV', 'D csv'),
      step('svc', 'Feature Service', 'E svc')
    ]).map((s) => s.key);
    expect(ordered).toEqual(['svc', 'csv', 'map', 'app', 'dash']);
    // A cycle does not hang: both come out.
    expect(orderItems([step('x', 'Web Map', 'x', ['y']), step('y', 'Web Map', 'y', ['x'])]).map((s) => s.key).sort()).toEqual(['x', 'y']);
    expect(serviceNameOf(`${SVC}/0`)).toBe('Parks');
    expect(serviceNameOf('https://h/server/rest/services/Hosted/Water_Net/FeatureServer')).toBe('Water_Net');
  });

  it('matches the snapshot query against title, type, owner and tags', () => {
    const entry = { id: A, title: 'Parks and Trails', type: 'Web Map', owner: 'maria.publisher', modified: 0, status: 'ok' } as ItemEntry;
    const item = { entry, tags: ['parks', 'Recreation'] };
    const q = (text: string) => matchesQuery(parseQuery(text), item);
    expect(q('parks')).toBe(true);
    expect(q('type:"Web Map" owner:maria')).toBe(true);
    expect(q('tags:recreation trails')).toBe(true);
    expect(q('parks -trails')).toBe(false);
    expect(q('type:dashboard')).toBe(false);
    expect(q(`id:${A}`)).toBe(true);
    expect(q('')).toBe(false);
  });
});
