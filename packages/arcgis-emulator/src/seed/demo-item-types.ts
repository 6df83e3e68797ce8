import { type EmulatorContext } from '../context.js';
import { type Blob, type ItemRecord } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { Random } from '../util/random.js';
import { metadataXml, png, zip } from './assets.js';
import { demoExpectations, DEMO_USERS as U } from './demo-expectations.js';
import { DEMO_ITEM_TYPE_SERVICE_NAMES, demoItemTypeExpectations } from './demo-item-types-expectations.js';
import { seedFieldApps, seedHub, seedNotebookAndTiles, seedOthers } from './demo-item-types-projects.js';
import { DAY, fileData, type ItemInput, jsonData, makeItem } from './items.js';

/**
 * The demo's items of every kind real organizations hold, each with its references where the real app keeps them
 * (shapes from Esri's documentation and Esri's own cloning code: Esri/solution.js, the ArcGIS API for Python):
 * listed in demo-item-types-expectations.ts. Seeded after the rest of the demo with a random stream of its own, so the
 * items before it do not change.
 */
export function seedDemoItemTypes(emu: EmulatorContext, now: number): void {
  const t = context(emu, now);
  seedMaps(t);
  seedDashboards(t);
  seedAppsAndStory(t);
  seedHub(t);
  seedFieldApps(t);
  seedNotebookAndTiles(t);
  seedOthers(t);
  t.state.relationships.push(...demoItemTypeExpectations(emu.options.randomSeed).relationships.map((r) => ({ ...r, created: t.ago(30) })));
}

export type Ctx = ReturnType<typeof context>;

/** What every phase uses: the demo's ids, the items the new ones reference, and helpers that build complete items. */
function context(emu: EmulatorContext, now: number) {
  const { state } = emu;
  const seed = emu.options.randomSeed;
  const base = demoExpectations(seed).ids;
  const { ids } = demoItemTypeExpectations(seed);
  const rnd = new Random(`${seed}:demo-item-types`);
  const ago = (days: number) => now - days * DAY - rnd.int(0, 23) * 3600 * 1000;
  const portalUrl = emu.urls.portalUrl;
  const svc = (name: string, kind = 'FeatureServer') => `${emu.urls.servicesRoot}/${name}/${kind}`;
  const item = (id: string): ItemRecord => state.items.get(id)!;
  const water = item(base['svc-water']);
  const parks = item(base['svc-parks']);
  const waterUrl = water.json.url as string;
  const parksUrl = parks.json.url as string;
  const waterMap = item(base['map-water']);
  const parksMap = item(base['map-parks']);
  const colours: [number, number, number][] = [[30, 110, 170], [40, 140, 80], [170, 90, 40], [0, 120, 130]];
  const image = (w: number, h: number): Blob => bufferBlob(png(w, h, rnd.pick(colours)), 'image/png');
  const json = (value: unknown): Blob => bufferBlob(JSON.stringify(value), 'application/json');
  const add = (input: Omit<ItemInput, 'created' | 'modified' | 'numViews'> & { days: number }) => {
    const { days, ...rest } = input;
    const created = Math.max(ago(days), state.getUser(input.owner)!.created + DAY, input.folderId ? state.folders.get(input.folderId)!.created + DAY : 0);
    return makeItem(state, {
      ...rest,
      created,
      modified: Math.max(created, ago(rnd.int(1, 100))),
      numViews: rnd.int(15, 2400),
      description: `<div>${input.title}: maintained by the City of Demoville GIS Division.</div>`,
      snippet: `${input.title} for the City of Demoville`,
      credits: 'City of Demoville GIS Division',
      licenseInfo: 'For internal use by City of Demoville staff. Contact gis@demo-city.example before sharing.',
      thumbnail: image(200, 133),
      metadata: bufferBlob(metadataXml({ title: input.title, abstract: `${input.title}.`, tags: input.tags ?? [], created }), 'application/xml'),
      access: input.access ?? 'org'
    });
  };
  const extent = [[-117.25, 34.02], [-117.13, 34.09]];
  const mercatorExtent = { xmin: -13052000, ymin: 4030000, xmax: -13035000, ymax: 4040000, spatialReference: { wkid: 102100 } };
  const basemap = {
    baseMapLayers: [{ id: 'VectorTile_9568', title: 'World Topographic Map', layerType: 'VectorTileLayer', visibility: true, opacity: 1, styleUrl: 'https://cdn.arcgis.com/sharing/rest/content/items/7dc6cea0b1764a1f9af2e679f642f0f5/resources/styles/root.json' }],
    title: 'Topographic'
  };
  const lastInspection = `var inspections = FeatureSetByPortalItem(Portal('${portalUrl}'), '${water.json.id}', 2, ['HydrantGlobalID', 'INSPECTION_DATE', 'RESULT'], false);\nvar mine = Filter(inspections, 'HydrantGlobalID = @id', { id: $feature.GlobalID });\nvar last = First(OrderBy(mine, 'INSPECTION_DATE DESC'));\nreturn IIf(IsEmpty(last), 'Never inspected', Text(last.INSPECTION_DATE, 'MMM D, Y') + ': ' + last.RESULT);`;
  return { emu, state, base, ids, rnd, ago, portalUrl, svc, water, parks, waterUrl, parksUrl, waterMap, parksMap, image, json, add, extent, mercatorExtent, basemap, lastInspection };
}

/** Web Scene, and a web map for Field Maps: form, expressions, bookmarks. */
function seedMaps(t: Ctx): void {
  const { base, ids, portalUrl, svc, water, parks, waterUrl, parksUrl, image, add, extent, mercatorExtent, basemap, lastInspection } = t;
  // Web Scene
  add({
    id: ids['scene-parks'], owner: U.maria, folderId: base['fld-parks'], title: 'Parks in 3D', type: 'Web Scene', days: 210,
    typeKeywords: ['3D', 'Map', 'Scene', 'ViewingMode-Global', 'Web Scene'], tags: ['parks', '3d'], extent,
    data: jsonData({
      operationalLayers: [
        { id: 'Parks_3D_1', title: 'City Parks', layerType: 'ArcGISFeatureLayer', itemId: parks.json.id, url: `${parksUrl}/0`, visibility: true, opacity: 1, elevationInfo: { mode: 'onTheGround' } },
        { id: 'Buildings_2', title: 'Esri 3D Buildings', layerType: 'ArcGISSceneServiceLayer', url: 'https://basemaps3d.arcgis.com/arcgis/rest/services/OpenStreetMap3D_Buildings_v1/SceneServer/layers/0', visibility: true }
      ],
      baseMap: basemap,
      ground: { layers: [{ id: 'WorldElevation', title: 'Terrain3D', layerType: 'ArcGISTiledElevationServiceLayer', url: 'https://elevation3d.arcgis.com/arcgis/rest/services/WorldElevation3D/Terrain3D/ImageServer' }] },
      presentation: {
        slides: [{
          id: 'slide-1', title: { text: 'Sylvan Park' },
          thumbnail: { url: `${portalUrl}/sharing/rest/content/items/${ids['scene-parks']}/resources/slides/slide-1.png` },
          viewpoint: { targetGeometry: mercatorExtent }, visibleLayers: [{ id: 'Parks_3D_1' }]
        }]
      },
      spatialReference: { wkid: 102100, latestWkid: 3857 },
      viewingMode: 'global',
      version: '1.31',
      authoringApp: 'WebSceneViewer'
    }),
    resources: [{ path: 'slides/slide-1.png', blob: image(160, 100) }]
  });

  // Web Map for Field Maps: form, expressions, bookmarks
  const formInfo = {
    title: 'Hydrant inspection',
    description: 'Fill in after each visit.',
    formElements: [
      { type: 'field', fieldName: 'FACILITYID', label: 'Facility ID', editableExpression: 'expr/never' },
      { type: 'field', fieldName: 'STATUS', label: 'Status', inputType: { type: 'combo-box' } },
      { type: 'field', fieldName: 'PRESSURE_PSI', label: 'Static pressure', visibilityExpression: 'expr/in-service' },
      { type: 'text', textFormat: 'markdown', text: `Procedure: [inspection manual](${portalUrl}/sharing/rest/content/items/${base['pdf-checklist-a']}/data)` }
    ],
    expressionInfos: [
      { name: 'expr/never', title: 'Never editable', expression: 'false', returnType: 'boolean' },
      { name: 'expr/in-service', title: 'In service', expression: '$feature.STATUS == 1', returnType: 'boolean' },
      { name: 'expr/last-inspection', title: 'Last inspection', expression: lastInspection, returnType: 'string' }
    ]
  };
  add({
    id: ids['map-hydrant-inspections'], owner: U.tom, folderId: base['fld-field-apps'], title: 'Hydrant Inspections (Field Maps)', type: 'Web Map', days: 180,
    typeKeywords: ['ArcGIS API for JavaScript', 'Collector', 'Data Editing', 'Explorer Web Map', 'Map', 'Offline', 'Online Map', 'Web Map', 'FieldMapsDisabled:false'],
    tags: ['field maps', 'inspections'], extent, spatialReference: 'WGS_1984_Web_Mercator_Auxiliary_Sphere', access: 'shared', groups: [base['grp-field-ops']],
    data: jsonData({
      operationalLayers: [
        {
          id: 'Hydrants_4821', title: 'Hydrants', layerType: 'ArcGISFeatureLayer', itemId: water.json.id, url: `${waterUrl}/0`, visibility: true, opacity: 1,
          popupInfo: {
            title: '{FACILITYID}', popupElements: [{ type: 'fields' }, { type: 'expression', expressionInfo: { expression: lastInspection, returnType: 'string' } }],
            expressionInfos: [{ name: 'last-inspection', title: 'Last inspection', expression: lastInspection, returnType: 'string' }],
            description: `<p>Report a problem in <a href="${portalUrl}/apps/dashboards/${ids['dash-inspections']}">the inspections dashboard</a>.</p>`
          },
          formInfo
        },
        { id: 'Workforce_Assignments_2210', title: 'Crew Assignments', layerType: 'ArcGISFeatureLayer', itemId: ids['svc-workforce'], url: `${svc(DEMO_ITEM_TYPE_SERVICE_NAMES.workforce)}/0`, visibility: true }
      ],
      tables: [{ id: 'Inspections_7734', title: 'Hydrant Inspections', itemId: water.json.id, url: `${waterUrl}/2`, formInfo: { title: 'Inspection', formElements: [{ type: 'field', fieldName: 'RESULT', label: 'Result' }], expressionInfos: [] } }],
      baseMap: basemap,
      bookmarks: [{ name: 'Downtown', extent: mercatorExtent, thumbnail: { url: `${portalUrl}/sharing/rest/content/items/${ids['map-hydrant-inspections']}/resources/bookmarks/downtown.png` } }],
      applicationProperties: { offline: { editableLayers: { download: 'features', sync: 'syncFeaturesAndAttachments' } }, viewing: { search: { enabled: true, layers: [{ id: 'Hydrants_4821', field: { name: 'FACILITYID', exactMatch: false } }] } } },
      spatialReference: { wkid: 102100, latestWkid: 3857 },
      initialState: { viewpoint: { targetGeometry: mercatorExtent } },
      authoringApp: 'ArcGIS Field Maps Designer', authoringAppVersion: '2025.1', version: '2.33'
    }),
    resources: [{ path: 'bookmarks/downtown.png', blob: image(120, 80) }]
  });
}

/** Dashboards: data expressions, selectors, embeds (one broken on purpose). */
function seedDashboards(t: Ctx): void {
  const { base, ids, portalUrl, water, parks, waterUrl, parksUrl, add } = t;
  // Dashboards: data expressions, selectors, embeds
  const dataset = (itemId: string, layerId: number) => ({ type: 'serviceDataset', dataSource: { type: 'featureServiceDataSource', itemId, layerId, table: false }, outFields: ['*'], name: 'main' });
  add({
    id: ids['dash-inspections'], owner: U.tom, folderId: base['fld-utilities'], title: 'Hydrant Inspections Dashboard', type: 'Dashboard', days: 160,
    typeKeywords: ['Dashboard', 'Operations Dashboard'], tags: ['inspections', 'dashboard'], access: 'shared', groups: [base['grp-field-ops']],
    data: jsonData({
      version: 27,
      desktopView: {
        widgets: [
          { type: 'mapWidget', id: 'map-insp', name: 'Hydrants', itemId: ids['map-hydrant-inspections'], showNavigation: true },
          {
            type: 'serialChartWidget', id: 'chart-results', name: 'Inspection results by month',
            datasets: [{
              type: 'serviceDataset', name: 'results',
              dataSource: {
                type: 'arcadeDataSource', id: 'arcade-results', name: 'Results by month',
                script: `var p = Portal('${portalUrl}');\nvar fs = FeatureSetByPortalItem(p, '${water.json.id}', 2, ['INSPECTION_DATE', 'RESULT'], false);\nreturn GroupBy(fs, [{ name: 'month', expression: 'EXTRACT(MONTH FROM INSPECTION_DATE)' }, 'RESULT'], [{ name: 'count', expression: '1', statistic: 'COUNT' }]);`
              }
            }]
          },
          { type: 'indicatorWidget', id: 'ind-parks', name: 'Parks inspected', datasets: [dataset(parks.json.id, 0)] },
          { type: 'embeddedContentWidget', id: 'embed-finder', name: 'Parks Finder', contentType: 'webpage', url: `${portalUrl}/apps/instant/basic/index.html?appid=${base['app-parks-finder']}&layer=${encodeURIComponent(`${parksUrl}/0`)}` },
          { type: 'richTextWidget', id: 'text-help', name: 'Help', text: `<p>Field crews use <a href="${portalUrl}/apps/fieldmaps/?itemID=${ids['map-hydrant-inspections']}">the Field Maps map</a>; results feed <a href="${waterUrl}/2?f=html">the inspections table</a>.</p>` }
        ],
        headerPanel: {
          type: 'headerPanel', title: 'Hydrant Inspections',
          selectors: [{ type: 'categorySelectorWidget', id: 'sel-status', name: 'Status', datasets: [dataset(water.json.id, 0)] }]
        }
      },
      urlParameters: [{ type: 'categoryParameter', id: 'p-park', parameterName: 'park', datasets: [dataset(parks.json.id, 0)] }],
      theme: 'dark'
    })
  });
  add({
    id: ids['dash-backlog-broken'], owner: U.lee, folderId: base['fld-analysis'], title: 'Inspection Backlog 2019', type: 'Dashboard', days: 140,
    typeKeywords: ['Dashboard', 'Operations Dashboard'], tags: ['inspections', 'backlog'],
    data: jsonData({
      version: 27,
      desktopView: {
        widgets: [{
          type: 'listWidget', id: 'list-backlog', name: 'Open inspections',
          // Broken on purpose: the 2019 inspections layer was deleted; the data expression still names it.
          datasets: [{ type: 'serviceDataset', name: 'backlog', dataSource: { type: 'arcadeDataSource', id: 'arcade-backlog', name: 'Backlog', script: `return Filter(FeatureSetByPortalItem(Portal('${portalUrl}'), '${ids['deleted-inspections-2019']}', 0, ['*'], false), "STATUS = 'OPEN'");` } }]
        }]
      },
      theme: 'light'
    })
  });
}

/** A Web AppBuilder app and its code; a StoryMap with a draft (broken on purpose), an express map and images. */
function seedAppsAndStory(t: Ctx): void {
  const { base, ids, portalUrl, water, waterUrl, waterMap, parksMap, image, json, add, mercatorExtent } = t;
  // Web AppBuilder app and its code
  add({
    id: ids['wab-water'], owner: U.tom, folderId: base['fld-utilities'], title: 'Water Utility Viewer', type: 'Web Mapping Application', days: 400,
    typeKeywords: ['JavaScript', 'Map', 'Mapping Site', 'Online Map', 'Ready To Use', 'WAB2D', 'Web AppBuilder', 'Web Map'], tags: ['water', 'app'],
    url: `${portalUrl}/apps/webappviewer/index.html?id=${ids['wab-water']}`,
    data: jsonData({
      theme: { name: 'FoldableTheme', styles: ['default'] },
      portalUrl,
      appItemId: ids['wab-water'],
      map: { id: 'map', itemId: waterMap.json.id, portalUrl, mapOptions: { extent: mercatorExtent } },
      httpProxy: { useProxy: false, alwaysUseProxy: false, url: '', rules: [] },
      widgetOnScreen: { widgets: [{ uri: 'widgets/Search/Widget', position: { top: 12, left: 55 }, config: { sources: [{ url: `${waterUrl}/0`, name: 'Hydrants', searchFields: ['FACILITYID'] }] } }] },
      widgetPool: { widgets: [{ uri: 'widgets/Query/Widget', name: 'Query', config: { queries: [{ url: `${waterUrl}/0`, name: 'Out of service hydrants', filter: { expr: 'STATUS = 2' }, webMapLayerId: 'Hydrants_1001' }] } }] },
      wabVersion: '2.30'
    })
  });
  add({
    id: ids['code-wab-water'], owner: U.tom, folderId: base['fld-utilities'], title: 'Water Utility Viewer (code)', type: 'Code Attachment', days: 390,
    typeKeywords: ['Code', 'Javascript', 'Web Mapping Application'], tags: ['water', 'code'],
    data: fileData(bufferBlob(zip([{ name: 'index.html', data: Buffer.from('<!DOCTYPE html><title>Water Utility Viewer</title>') }, { name: 'config.json', data: Buffer.from('{"appItemId":"' + ids['wab-water'] + '"}') }]), 'application/zip'), 'water_utility_viewer.zip')
  });

  // StoryMap: published data, a draft, an express map, images
  const story = (draft: boolean) => ({
    root: 'n-root',
    nodes: {
      'n-root': { type: 'story', data: { storyTheme: 'r-theme' }, children: ['n-cover', 'n-text', 'n-map', 'n-express', 'n-embed', ...(draft ? ['n-oldmap'] : [])] },
      'n-cover': { type: 'storycover', data: { type: 'minimal', title: 'Water Quality Report 2025', media: 'n-image' } },
      'n-image': { type: 'image', data: { image: 'r-reservoir', caption: 'Hillside reservoir', alt: 'A reservoir' } },
      'n-text': { type: 'text', data: { type: 'paragraph', text: `Hydrant data is in <a href="${portalUrl}/home/item.html?id=${water.json.id}">Water Network</a>.` } },
      'n-map': { type: 'webmap', data: { map: 'r-map', caption: 'The water network' } },
      'n-express': { type: 'expressmap', data: { map: 'r-express', caption: 'Service areas' } },
      'n-embed': { type: 'embed', data: { url: `${portalUrl}/apps/dashboards/${ids['dash-inspections']}`, embedType: 'link' } },
      ...(draft ? { 'n-oldmap': { type: 'webmap', data: { map: 'r-oldmap', caption: 'Storm drains (draft)' } } } : {})
    },
    resources: {
      'r-theme': { type: 'story-theme', data: { themeId: 'obsidian' } },
      'r-reservoir': { type: 'image', data: { resourceId: 'images/reservoir.png', provider: 'item-resource', height: 300, width: 450 } },
      'r-map': { type: 'webmap', data: { itemId: waterMap.json.id, itemType: 'Web Map', type: 'default', extent: mercatorExtent } },
      'r-express': { type: 'expressmap', data: { resourceId: 'expressmaps/r-express.json', provider: 'item-resource', basemap: { type: 'id', itemId: parksMap.json.id } } },
      'r-embed': { type: 'webpage', data: { url: `${portalUrl}/apps/dashboards/${ids['dash-inspections']}` } },
      // Broken on purpose, in the draft only: a web map deleted since.
      ...(draft ? { 'r-oldmap': { type: 'webmap', data: { itemId: ids['deleted-storm-map'], itemType: 'Web Map', type: 'default' } } } : {})
    }
  });
  add({
    id: ids['story-water'], owner: U.tom, folderId: base['fld-utilities'], title: 'Water Quality Report 2025', type: 'StoryMap', days: 120,
    typeKeywords: ['arcgis-storymaps', 'StoryMap', 'Web Application', 'smstatuspublished', 'smversiondraft:1.26', 'smversionpublished:1.26', 'smdraftresourceid:draft_1733140800000.json', 'smpublisheddate:1733140800000'],
    tags: ['water', 'story'], url: `${portalUrl}/apps/storymaps/stories/${ids['story-water']}`,
    data: jsonData(story(false)),
    resources: [
      { path: 'draft_1733140800000.json', blob: json(story(true)) },
      { path: 'expressmaps/r-express.json', blob: json({ graphics: [{ geometry: { x: -13043500, y: 4035000, spatialReference: { wkid: 102100 } }, symbol: { type: 'esriSMS', color: [0, 120, 130, 255] }, attributes: { label: 'Pump station' } }], basemap: { itemId: parksMap.json.id } }) },
      { path: 'images/reservoir.png', blob: image(450, 300) }
    ]
  });
}
