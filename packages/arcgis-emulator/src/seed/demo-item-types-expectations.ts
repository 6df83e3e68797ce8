import { seedId } from './items.js';

/**
 * The demo's items of every kind real organizations hold (demo-item-types.ts): scenes, a Field Maps map with forms,
 * dashboards with Arcade data expressions, a Web AppBuilder app and its code, a second StoryMap with drafts and an
 * express map, a Hub site and page, a QuickCapture project, a Workforce project and its layers, a notebook, hosted
 * tile layers made from a feature layer and a custom style, a feature collection, an offline map area and its package,
 * and a deployed solution. Each keeps its references where the real app keeps them; three are broken on purpose.
 */
export const DEMO_ITEM_TYPE_KEYS = [
  'scene-parks',
  'map-hydrant-inspections',
  'dash-inspections',
  'dash-backlog-broken',
  'wab-water',
  'code-wab-water',
  'story-water',
  'hub-site',
  'hub-page',
  'qc-hydrants',
  'svc-workforce',
  'wf-hydrants',
  'nb-inventory',
  'vts-parks',
  'tiles-parks',
  'vts-style',
  'fc-events',
  'area-downtown',
  'pkg-downtown',
  'sol-water',
  // ids that must NOT exist (planted broken references)
  'deleted-inspections-2019',
  'deleted-storm-map'
] as const;

export type DemoItemTypeKey = (typeof DEMO_ITEM_TYPE_KEYS)[number];

export const DEMO_ITEM_TYPE_SERVICE_NAMES = {
  workforce: 'Demo_Hydrant_Crews',
  /** The hosted vector tile and tile layers made from City Parks (their tiles are not served by the emulator). */
  parksTiles: 'Demo_City_Parks_Tiles'
} as const;

export interface DemoItemTypeExpectations {
  ids: Record<DemoItemTypeKey, string>;
  /** Item ids of the new items (the deleted ids excluded). */
  all: string[];
  /** Item id -> the catalogue key its type has (item-types/ in the server). */
  catalogueKey: Record<string, string>;
  withResources: Record<string, string[]>;
  /** Items whose references are broken on purpose, and each broken reference as Clean reports it. */
  broken: { itemIds: string[]; findings: { itemId: string; path: string; missingItemId?: string }[] };
  /** Items whose references are listed but not rewritten by a restore (a notebook's code). */
  listOnly: string[];
  /** Items whose URL names a service that ArcGIS builds from another (tiles): unresolvable until rebuilt. */
  rebuiltByArcGIS: string[];
  services: Record<string, string>;
  /** Hosts of Esri's public services the new items' data names (scene layers, elevation); never requested in tests. */
  externalHosts: string[];
  relationships: { type: string; originItemId: string; destinationItemId: string }[];
}

export function demoItemTypeExpectations(randomSeed = 'orgkeeper-demo'): DemoItemTypeExpectations {
  const ids = Object.fromEntries(DEMO_ITEM_TYPE_KEYS.map((k) => [k, seedId(randomSeed, k)])) as Record<DemoItemTypeKey, string>;
  const base = (k: string) => seedId(randomSeed, k);
  const keys = DEMO_ITEM_TYPE_KEYS.filter((k) => !k.startsWith('deleted-'));
  const catalogue: Partial<Record<DemoItemTypeKey, string>> = {
    'scene-parks': 'web-scene',
    'map-hydrant-inspections': 'web-map',
    'dash-inspections': 'dashboard',
    'dash-backlog-broken': 'dashboard',
    'wab-water': 'web-mapping-application',
    'code-wab-water': 'code-attachment',
    'story-water': 'storymap',
    'hub-site': 'hub-site',
    'hub-page': 'hub-page',
    'qc-hydrants': 'quickcapture',
    'svc-workforce': 'hosted-feature-layer',
    'wf-hydrants': 'workforce',
    'nb-inventory': 'notebook',
    'vts-parks': 'vector-tile-service',
    'tiles-parks': 'hosted-tile-layer',
    'vts-style': 'vector-tile-service',
    'fc-events': 'feature-collection',
    'area-downtown': 'map-area',
    'pkg-downtown': 'offline-package',
    'sol-water': 'solution'
  };
  return {
    ids,
    all: keys.map((k) => ids[k]),
    catalogueKey: Object.fromEntries(Object.entries(catalogue).map(([k, v]) => [ids[k as DemoItemTypeKey], v])),
    withResources: {
      [ids['scene-parks']]: ['slides/slide-1.png'],
      [ids['map-hydrant-inspections']]: ['bookmarks/downtown.png'],
      [ids['story-water']]: ['draft_1733140800000.json', 'expressmaps/r-express.json', 'images/reservoir.png'],
      [ids['hub-site']]: ['draft-1733140800000.json', 'images/logo.png'],
      [ids['qc-hydrants']]: ['images/hydrant.png', 'qc.project.json'],
      [ids['vts-parks']]: ['styles/root.json'],
      [ids['vts-style']]: ['styles/root.json']
    },
    broken: {
      itemIds: [ids['dash-backlog-broken'], ids['story-water'], ids['qc-hydrants']],
      findings: [
        { itemId: ids['dash-backlog-broken'], path: 'desktopView.widgets[0].datasets[0].dataSource.script', missingItemId: ids['deleted-inspections-2019'] },
        { itemId: ids['story-water'], path: 'draft_1733140800000.json: resources.r-oldmap.data', missingItemId: ids['deleted-storm-map'] },
        { itemId: ids['qc-hydrants'], path: 'qc.project.json: dataSources[1]', missingItemId: base('deleted-storm-drains') }
      ]
    },
    listOnly: [ids['nb-inventory']],
    rebuiltByArcGIS: [ids['vts-parks'], ids['tiles-parks']],
    services: { [DEMO_ITEM_TYPE_SERVICE_NAMES.workforce]: ids['svc-workforce'] },
    externalHosts: ['basemaps3d.arcgis.com', 'elevation3d.arcgis.com'],
    relationships: [
      { type: 'Service2Service', originItemId: base('svc-parks'), destinationItemId: ids['vts-parks'] },
      { type: 'Service2Service', originItemId: base('svc-parks'), destinationItemId: ids['tiles-parks'] },
      { type: 'WMA2Code', originItemId: ids['wab-water'], destinationItemId: ids['code-wab-water'] },
      { type: 'Map2Area', originItemId: ids['map-hydrant-inspections'], destinationItemId: ids['area-downtown'] },
      { type: 'Area2Package', originItemId: ids['area-downtown'], destinationItemId: ids['pkg-downtown'] },
      { type: 'WorkforceMap2FeatureService', originItemId: ids['map-hydrant-inspections'], destinationItemId: ids['svc-workforce'] },
      ...[base('svc-water'), base('map-water'), ids['dash-inspections'], ids['qc-hydrants']].map((member) => ({ type: 'Solution2Item', originItemId: ids['sol-water'], destinationItemId: member }))
    ]
  };
}
