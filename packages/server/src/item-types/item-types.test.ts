import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rewriteJsonText, stringRewriter } from '../restore/references.js';
import { findReferences, idsInUrl, ITEM_TYPES, itemTypeOf, pathMatches, restoreRank, rewritesData, rewritesResource } from './index.js';
import type { FoundReference } from './item-type.types.js';

const A = 'a1'.repeat(16);
const B = 'b2'.repeat(16);
const C = 'c3'.repeat(16);
const G = 'd4'.repeat(16);
const PORTAL = 'https://org.example.com';
const SVC = 'https://services9.arcgis.com/ORG123/arcgis/rest/services/Water/FeatureServer';

const spec = (type: string, typeKeywords: string[] = []) => itemTypeOf({ type, typeKeywords });
const brief = (refs: FoundReference[]) => refs.map((r) => `${r.part}${r.resource ? `:${r.resource}` : ''} ${r.path} ${r.kind} ${r.value}`);

describe('the item-type catalogue', () => {
  it('has one file per entry, named by its key, and every ArcGIS type in one entry (keywords aside)', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.item-type.ts')).map((f) => f.replace('.item-type.ts', '')).sort();
    expect(ITEM_TYPES.map((t) => t.key).sort()).toEqual(files);
    const seen = new Map<string, string>();
    for (const t of ITEM_TYPES) {
      for (const type of t.types) {
        if (!t.keywords) expect(seen.get(type), `${type} in ${t.key} and ${seen.get(type)}`).toBeUndefined();
        if (!t.keywords) seen.set(type, t.key);
      }
      expect(t.references.every((r) => r.label.length > 0)).toBe(true);
    }
  });

  it('documents every entry in its README', () => {
    const readme = readFileSync(fileURLToPath(new URL('./README.md', import.meta.url)), 'utf8');
    for (const t of ITEM_TYPES) expect(readme, t.key).toContain(`(\`${t.key}\`)`);
  });

  it('tells a hosted tile layer from a map service by its keyword, and orders services, maps, apps and sites', () => {
    expect(spec('Map Service', ['Hosted Service'])?.key).toBe('hosted-tile-layer');
    expect(spec('Map Service', [])).toBeUndefined();
    expect(restoreRank({ type: 'Feature Service' })).toBeLessThan(restoreRank({ type: 'Web Map' }));
    expect(restoreRank({ type: 'Web Map' })).toBeLessThan(restoreRank({ type: 'Dashboard' }));
    expect(restoreRank({ type: 'Dashboard' })).toBeLessThan(restoreRank({ type: 'Hub Site Application' }));
    expect(restoreRank({ type: 'Something New' })).toBe(1);
  });

  it('matches paths with * and **', () => {
    expect(pathMatches('operationalLayers.**.itemId', ['operationalLayers', 0, 'layers', 2, 'itemId'])).toBe(true);
    expect(pathMatches('operationalLayers.**.itemId', ['operationalLayers', 0, 'itemId'])).toBe(true);
    expect(pathMatches('tables.*.url', ['tables', 0, 'layers', 'url'])).toBe(false);
    expect(pathMatches('**.dataSource.script', ['desktopView', 'widgets', 1, 'datasets', 0, 'dataSource', 'script'])).toBe(true);
  });

  it('reads ids inside URLs: content URLs, app query strings, fragments, groups', () => {
    expect(idsInUrl(`${PORTAL}/sharing/rest/content/items/${A}/resources/x.png`)).toEqual([{ kind: 'item', value: A }]);
    expect(idsInUrl(`${PORTAL}/apps/instant/basic/index.html?appid=${A.toUpperCase()}&webmap=${B}`)).toEqual([{ kind: 'item', value: A }, { kind: 'item', value: B }]);
    expect(idsInUrl(`${PORTAL}/apps/dashboards/#/${C}`)).toEqual([{ kind: 'item', value: C }]);
    expect(idsInUrl(`${PORTAL}/home/group.html?groupid=${G}`)).toEqual([{ kind: 'group', value: G }]);
    expect(idsInUrl(`${PORTAL}/sharing/rest/community/groups/${G}`)).toEqual([{ kind: 'group', value: G }]);
    expect(idsInUrl('not a url')).toEqual([]);
  });

  it('web map: layers, tables, Field Maps form expressions, popup Arcade and text, bookmarks', () => {
    const refs = findReferences(spec('Web Map'), [{
      part: 'data',
      json: {
        operationalLayers: [{ id: 'g', layers: [{ itemId: A, url: `${SVC}/0`, popupInfo: { expressionInfos: [{ expression: `FeatureSetByPortalItem(Portal('${PORTAL}'), '${B}', 2)` }], description: `<a href="${PORTAL}/home/item.html?id=${C}">x</a>` } }] }],
        tables: [{ itemId: A, url: `${SVC}/2`, formInfo: { expressionInfos: [{ expression: `var x = '${C}'` }] } }],
        bookmarks: [{ name: 'b', thumbnail: { url: `${PORTAL}/sharing/rest/content/items/${C}/resources/b.png` } }]
      }
    }]);
    expect(brief(refs)).toEqual(expect.arrayContaining([
      `data operationalLayers[0].layers[0].itemId item ${A}`,
      `data operationalLayers[0].layers[0].url url ${SVC}/0`,
      `data operationalLayers[0].layers[0].popupInfo.expressionInfos[0].expression item ${B}`,
      `data operationalLayers[0].layers[0].popupInfo.expressionInfos[0].expression url ${PORTAL}`,
      `data operationalLayers[0].layers[0].popupInfo.description item ${C}`,
      `data tables[0].formInfo.expressionInfos[0].expression item ${C}`,
      `data bookmarks[0].thumbnail.url item ${C}`
    ]));
    expect(refs.find((r) => r.path.endsWith('formInfo.expressionInfos[0].expression'))?.label).toBe('Field Maps form expression');
  });

  it('dashboard: data expressions, selectors, embedded content with encoded URLs', () => {
    const refs = findReferences(spec('Dashboard'), [{
      part: 'data',
      json: {
        desktopView: { widgets: [
          { type: 'mapWidget', itemId: A },
          { datasets: [{ dataSource: { type: 'arcadeDataSource', script: `var p = Portal("${PORTAL}"); return FeatureSetByPortalItem(p, "${B}", 0);` } }] },
          { type: 'embeddedContentWidget', url: `${PORTAL}/apps/x/index.html?appid=${C}&layer=${encodeURIComponent(`${SVC}/0`)}` }
        ], headerPanel: { selectors: [{ datasets: [{ dataSource: { itemId: B, layerId: 0 } }] }] } }
      }
    }]);
    const values = refs.map((r) => `${r.kind} ${r.value}`);
    expect(values).toEqual(expect.arrayContaining([`item ${A}`, `item ${B}`, `item ${C}`, `url ${PORTAL}`]));
    expect(refs.find((r) => r.value === B && r.path.endsWith('script'))?.label).toBe('data expression (Arcade)');
  });

  it('QuickCapture, StoryMap drafts, Experience Builder config and vector tile styles are read in their resources', () => {
    const qc = findReferences(spec('QuickCapture Project'), [{ part: 'resource', resource: 'qc.project.json', json: { basemap: { itemId: A }, dataSources: [{ featureServiceItemId: B, url: `${SVC}/0` }] } }]);
    expect(brief(qc)).toEqual([`resource:qc.project.json basemap.itemId item ${A}`, `resource:qc.project.json dataSources[0].featureServiceItemId item ${B}`, `resource:qc.project.json dataSources[0].url url ${SVC}/0`]);
    const story = findReferences(spec('StoryMap'), [{ part: 'resource', resource: 'draft_1700000000000.json', json: { resources: { r: { data: { itemId: A } } }, nodes: { n: { data: { text: `see ${PORTAL}/apps/dashboards/${B}.` } } } } }]);
    expect(story.map((r) => r.value)).toEqual([A, `${PORTAL}/apps/dashboards/${B}`, B]);
    const exb = findReferences(spec('Web Experience'), [{ part: 'resource', resource: 'config/config.json', json: { dataSources: { ds: { itemId: A, url: `${SVC}/0`, portalUrl: PORTAL } } } }]);
    expect(exb.map((r) => r.label)).toEqual(['data source item', 'data source URL', 'data source portal']);
    const style = findReferences(spec('Vector Tile Service'), [{ part: 'resource', resource: 'styles/root.json', json: { sources: { esri: { url: '../../' } }, sprite: 'https://host.example/VectorTileServer/resources/sprites/sprite' } }]);
    expect(style.map((r) => `${r.label} ${r.value}`)).toEqual(['style sprite https://host.example/VectorTileServer/resources/sprites/sprite']);
  });

  it('Workforce: layers, maps, group, folder and itemID= in integration URL templates; Hub: catalog groups, cards, pages', () => {
    const wf = findReferences(spec('Workforce Project'), [{ part: 'data', json: { assignments: { serviceItemId: A, url: `${SVC}/0` }, groupId: G, folderId: C, workerWebMapId: B, assignmentIntegrations: [{ urlTemplate: `arcgis-navigator://?stop=\${x}&itemID=${B}` }] } }]);
    expect(wf.map((r) => `${r.kind} ${r.value}`)).toEqual([`item ${A}`, `url ${SVC}/0`, `group ${G}`, `folder ${C}`, `item ${B}`, `item ${B}`]);
    const hub = findReferences(spec('Hub Site Application'), [{ part: 'data', json: { catalog: { groups: [G] }, values: { layout: { sections: [{ rows: [{ cards: [{ component: { settings: { webmap: A, ids: [B] } } }] }] }] }, pages: [{ id: C }] } } }]);
    expect(hub.map((r) => `${r.kind} ${r.value}`)).toEqual([`group ${G}`, `item ${A}`, `item ${B}`, `item ${C}`]);
    const page = findReferences(spec('Hub Page'), [{ part: 'item', json: { typeKeywords: ['hubPage', `hubSite|${A}`] } }]);
    expect(page.map((r) => `${r.kind} ${r.value}`)).toEqual([`item ${A}`]);
  });

  it('notebooks: ids and URLs in code are found and marked list-only; their data is never rewritten', () => {
    const nb = spec('Notebook');
    const refs = findReferences(nb, [{ part: 'data', json: { cells: [{ cell_type: 'code', source: [`item = gis.content.get("${A}")\n`, `fl = FeatureLayer('${SVC}/0')`] }] } }]);
    expect(refs.map((r) => [r.kind, r.value, r.listOnly])).toEqual([['item', A, true], ['url', `${SVC}/0`, true]]);
    expect(rewritesData(nb)).toBe(false);
    expect(rewritesData(spec('Web Map'))).toBe(true);
    expect(rewritesResource(spec('StoryMap'), 'draft.json')).toBe(true);
    expect(rewritesResource(spec('StoryMap'), 'images/a.png')).toBe(false);
  });

  it('leaves strings that only look like ids alone: longer hex runs, GUIDs, ids that are not mapped', () => {
    const rewrite = stringRewriter({ ids: new Map([[A, B]]), urls: new Map([[SVC, 'https://t.example/server/rest/services/Hosted/Water/FeatureServer']]) });
    expect(rewrite(`${A}`)).toBe(B);
    expect(rewrite(`sha ${A}ff`)).toBe(`sha ${A}ff`);
    expect(rewrite(`x${C}`)).toBe(`x${C}`);
    expect(rewrite('{A1A1A1A1-A1A1-A1A1-A1A1-A1A1A1A1A1A1}')).toBe('{A1A1A1A1-A1A1-A1A1-A1A1-A1A1A1A1A1A1}');
    expect(rewrite(`${SVC}2/0`)).toBe(`${SVC}2/0`);
    expect(rewrite(`${SVC}/0/query?where=1%3D1`)).toBe('https://t.example/server/rest/services/Hosted/Water/FeatureServer/0/query?where=1%3D1');
    expect(rewrite(`?layer=${encodeURIComponent(`${SVC}/0`)}`)).toBe(`?layer=${encodeURIComponent('https://t.example/server/rest/services/Hosted/Water/FeatureServer/0')}`);
    expect(rewriteJsonText(`{"k":"FeatureSetByPortalItem(Portal('x'), '${A}', 0)"}`, { ids: new Map([[A, C]]), urls: new Map() }).text).toContain(`'${C}'`);
  });
});
