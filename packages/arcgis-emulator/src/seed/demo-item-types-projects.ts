import { createHostedService } from '../features/hosted-service.factory.js';
import { bufferBlob } from '../util/blob.js';
import { metadataXml } from './assets.js';
import { DEMO_SERVICE_NAMES, DEMO_USERS as U } from './demo-expectations.js';
import { DEMO_ITEM_TYPE_SERVICE_NAMES } from './demo-item-types-expectations.js';
import type { Ctx } from './demo-item-types.js';
import { fileData, jsonData } from './items.js';

/** The demo's sites, field projects, notebook, tile layers and other items (demo-item-types.ts seeds them in order). */

/** A Hub site (layout, catalog groups, a draft) and a page. */
export function seedHub(t: Ctx): void {
  const { state, base, ids, portalUrl, parksMap, image, json, add } = t;
  // Hub site and page
  const hubHost = `demoville-parks-${state.org.urlKey}.hub.arcgis.com`;
  const layout = (draft: boolean) => ({
    sections: [
      { containment: 'fixed', rows: [{ cards: [{ component: { name: 'jumbotron-card', settings: { header: 'Demoville Parks', imageUrl: `${portalUrl}/sharing/rest/content/items/${ids['hub-site']}/resources/images/logo.png` } }, width: 12 }] }] },
      { containment: 'fixed', rows: [{ cards: [
        { component: { name: 'webmap-card', settings: { webmap: parksMap.json.id, height: 500 } }, width: 8 },
        { component: { name: 'items/gallery-card', settings: { ids: [base['app-parks-finder'], ids['story-water']], query: { groups: [base['grp-public-maps']] } } }, width: 4 },
        ...(draft ? [{ component: { name: 'markdown-card', settings: { markdown: `See the [hydrant dashboard](${portalUrl}/apps/dashboards/${ids['dash-inspections']}).` } }, width: 12 }] : [])
      ] }] }
    ]
  });
  add({
    id: ids['hub-site'], owner: U.maria, folderId: base['fld-parks'], title: 'Demoville Parks Hub', type: 'Hub Site Application', days: 260,
    typeKeywords: ['Hub', 'hubSite', 'JavaScript', 'Map', 'Mapping Site', 'Online Map', 'OpenData', 'Ready To Use', 'selfConfigured', 'Web Map', 'Registered App', `hubsubdomain|demoville-parks`],
    tags: ['parks', 'hub'], url: `https://${hubHost}`,
    data: jsonData({
      values: {
        title: 'Demoville Parks', subdomain: 'demoville-parks', defaultHostname: hubHost, internalUrl: hubHost, clientId: 'aX9dPq2LmZ7tVb4W',
        layout: layout(false),
        theme: { header: { background: '#28a050' }, logo: { small: `${portalUrl}/sharing/rest/content/items/${ids['hub-site']}/resources/images/logo.png` } },
        pages: [{ id: ids['hub-page'], title: 'Volunteer', slug: 'volunteer' }],
        uiVersion: '2.4'
      },
      catalog: { groups: [base['grp-public-maps'], base['grp-gis-team']] }
    }),
    resources: [{ path: 'draft-1733140800000.json', blob: json({ site: { data: { values: { layout: layout(true) } } } }) }, { path: 'images/logo.png', blob: image(96, 96) }]
  });
  add({
    id: ids['hub-page'], owner: U.maria, folderId: base['fld-parks'], title: 'Volunteer in Our Parks', type: 'Hub Page', days: 250,
    typeKeywords: ['Hub', 'hubPage', 'JavaScript', 'Map', 'Mapping Site', 'Online Map', 'OpenData', 'Ready To Use', 'selfConfigured', 'Web Map', `hubSite|${ids['hub-site']}`],
    tags: ['parks', 'volunteer'],
    data: jsonData({
      values: {
        layout: { sections: [{ rows: [{ cards: [{ component: { name: 'webmap-card', settings: { webmap: parksMap.json.id } } }, { component: { name: 'item-card', settings: { itemId: ids['scene-parks'] } } }] }] }] },
        sites: [{ id: ids['hub-site'], title: 'Demoville Parks Hub' }],
        slug: 'volunteer'
      }
    })
  });
}

/** A QuickCapture project (one data source broken on purpose); a Workforce project and its layers. */
export function seedFieldApps(t: Ctx): void {
  const { emu, base, ids, rnd, ago, svc, water, waterUrl, waterMap, image, json, add } = t;
  // QuickCapture project (the project is a JSON resource)
  add({
    id: ids['qc-hydrants'], owner: U.tom, folderId: base['fld-field-apps'], title: 'Hydrant Quick Report', type: 'QuickCapture Project', days: 150,
    typeKeywords: ['QuickCapture', 'QuickCapture Project'], tags: ['field crews', 'quickcapture'], access: 'shared', groups: [base['grp-field-ops']],
    data: jsonData({}),
    resources: [
      { path: 'qc.project.json', blob: json({
        version: 1.6,
        itemId: ids['qc-hydrants'],
        basemap: { type: 'WebMap', itemId: waterMap.json.id, required: false, useDefaultBasemap: false, mapAreas: [] },
        dataSources: [
          { dataSourceId: '5b9a0f6c-0b1e-4c7b-9a5e-2f1d3c4b5a61', featureServiceItemId: water.json.id, url: `${waterUrl}/0` },
          // Broken on purpose: the storm drains layer was deleted.
          { dataSourceId: '0e4d2c1b-7a6f-4e5d-8c9b-1a2b3c4d5e6f', featureServiceItemId: base['deleted-storm-drains'], url: `${svc(DEMO_SERVICE_NAMES.deletedStormDrains)}/0` }
        ],
        templateGroups: [{ label: 'Hydrants', rows: [{ buttons: [{ label: 'Leaking hydrant', dataSourceId: '5b9a0f6c-0b1e-4c7b-9a5e-2f1d3c4b5a61', fieldValues: { STATUS: 3 }, images: { normal: 'images/hydrant.png' } }] }] }],
        userInputs: [],
        preferences: { adminEmail: 'tom.editor@demo-city.example' }
      }) },
      { path: 'images/hydrant.png', blob: image(64, 64) }
    ]
  });

  // Workforce project and its layers
  const crews = createHostedService(emu, {
    name: DEMO_ITEM_TYPE_SERVICE_NAMES.workforce, title: 'Hydrant Crews', owner: U.tom, folderId: base['fld-field-apps'], itemId: ids['svc-workforce'],
    access: 'shared', groups: [base['grp-field-ops']], tags: ['workforce', 'field crews'], created: ago(170), modified: ago(6),
    layers: [
      { id: 0, name: 'Assignments', geometryType: 'esriGeometryPoint', fields: [{ name: 'description', type: 'esriFieldTypeString', length: 4000 }, { name: 'status', type: 'esriFieldTypeInteger' }, { name: 'workerid', type: 'esriFieldTypeInteger' }, { name: 'assignmenttype', type: 'esriFieldTypeInteger' }],
        features: [{ attributes: { description: 'Flush hydrant HYD-1004', status: 1, workerid: 1, assignmenttype: 1 }, geometry: { x: -13043800, y: 4034800 } }] },
      { id: 1, name: 'Workers', geometryType: 'esriGeometryPoint', fields: [{ name: 'name', type: 'esriFieldTypeString', length: 255 }, { name: 'userid', type: 'esriFieldTypeString', length: 128 }, { name: 'status', type: 'esriFieldTypeInteger' }],
        features: [{ attributes: { name: 'Sam Okafor', userid: U.sam, status: 1 }, geometry: { x: -13044100, y: 4035200 } }] }
    ],
    tables: [{ id: 2, name: 'Dispatchers', fields: [{ name: 'name', type: 'esriFieldTypeString', length: 255 }, { name: 'userid', type: 'esriFieldTypeString', length: 128 }], features: [{ attributes: { name: 'Tom Becker', userid: U.tom } }] }]
  }).item;
  Object.assign(crews.json, {
    description: '<div>Hydrant Crews: the Workforce project layers of the water utility.</div>', snippet: 'Workforce layers for hydrant crews', accessInformation: 'City of Demoville GIS Division',
    licenseInfo: 'For internal use by City of Demoville staff. Contact gis@demo-city.example before sharing.', thumbnail: 'thumbnail/thumbnail.png', numViews: rnd.int(15, 400), scoreCompleteness: 100
  });
  crews.thumbnailBlob = image(200, 133);
  crews.metadataXml = bufferBlob(metadataXml({ title: 'Hydrant Crews', abstract: 'Workforce project layers.', tags: ['workforce'], created: crews.json.created }), 'application/xml');
  const crewsUrl = crews.json.url as string;
  add({
    id: ids['wf-hydrants'], owner: U.tom, folderId: base['fld-field-apps'], title: 'Hydrant Crews Project', type: 'Workforce Project', days: 165,
    typeKeywords: ['Workforce Project', 'Workforce Dispatcher', 'Workforce Worker'], tags: ['workforce', 'field crews'], access: 'shared', groups: [base['grp-field-ops']],
    data: jsonData({
      version: '1.2.0',
      assignments: { serviceItemId: crews.json.id, url: `${crewsUrl}/0` },
      workers: { serviceItemId: crews.json.id, url: `${crewsUrl}/1` },
      dispatchers: { serviceItemId: crews.json.id, url: `${crewsUrl}/2` },
      tracks: { serviceItemId: crews.json.id, url: `${crewsUrl}/1`, enabled: false, updateInterval: 300 },
      dispatcherWebMapId: waterMap.json.id,
      workerWebMapId: ids['map-hydrant-inspections'],
      groupId: base['grp-field-ops'],
      folderId: base['fld-field-apps'],
      assignmentIntegrations: [{
        id: 'default-navigator', prompt: 'Navigate to Assignment',
        urlTemplate: `arcgis-navigator://?stop=\${assignment.latitude},\${assignment.longitude}&stopname=\${assignment.location}&callback=arcgis-workforce://&callbackprompt=Workforce&itemID=${waterMap.json.id}`
      }]
    })
  });
}

/** A notebook; hosted tile layers made from City Parks and a custom style. */
export function seedNotebookAndTiles(t: Ctx): void {
  const { base, ids, svc, water, waterUrl, json, add, extent } = t;
  // Notebook (code names items; listed, not rewritten)
  const cell = (source: string[]) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  add({
    id: ids['nb-inventory'], owner: U.lee, folderId: base['fld-analysis'], title: 'Hydrant Inventory Check', type: 'Notebook', days: 130,
    typeKeywords: ['Notebook', 'Python'], tags: ['inventory', 'notebook'], properties: { notebookRuntimeName: 'ArcGIS Notebook Python 3 Standard', notebookRuntimeVersion: '11.0' },
    data: jsonData({
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Hydrant inventory check\n', 'Counts hydrants out of service and writes a CSV.'] },
        cell(['from arcgis.gis import GIS\n', 'from arcgis.features import FeatureLayer\n', 'gis = GIS("home")\n']),
        cell([`water = gis.content.get("${water.json.id}")\n`, `hydrants = FeatureLayer("${waterUrl}/0")\n`, "out = hydrants.query(where='STATUS = 2', return_count_only=True)\n", 'print(out)'])
      ],
      metadata: { esriNotebookRuntime: { notebookRuntimeName: 'ArcGIS Notebook Python 3 Standard', notebookRuntimeVersion: '11.0' }, kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 2
    })
  });

  // Tile layers made from City Parks, and a custom style
  const styleOf = (source: string, sprite: string, glyphs: string) => ({
    version: 8,
    sprite,
    glyphs,
    sources: { esri: { type: 'vector', url: source } },
    layers: [{ id: 'Parks', type: 'fill', source: 'esri', 'source-layer': 'Parks', paint: { 'fill-color': '#5A9A50' } }]
  });
  const tilesUrl = svc(DEMO_ITEM_TYPE_SERVICE_NAMES.parksTiles, 'VectorTileServer');
  add({
    id: ids['vts-parks'], owner: U.maria, folderId: base['fld-parks'], title: 'City Parks (vector tiles)', type: 'Vector Tile Service', days: 200,
    typeKeywords: ['Hosted Service', 'Vector Tile Service', 'Tiles', 'Vector'], tags: ['parks', 'tiles'], url: tilesUrl, extent,
    resources: [{ path: 'styles/root.json', blob: json(styleOf('../../', '../sprites/sprite', '../fonts/{fontstack}/{range}.pbf')) }]
  });
  add({
    id: ids['tiles-parks'], owner: U.maria, folderId: base['fld-parks'], title: 'City Parks (tile layer)', type: 'Map Service', days: 195,
    typeKeywords: ['Hosted Service', 'Map Service', 'Tiled', 'Tiles', 'ArcGIS Server'], tags: ['parks', 'tiles'], url: svc(DEMO_ITEM_TYPE_SERVICE_NAMES.parksTiles, 'MapServer'), extent,
    data: jsonData({ layers: [{ id: 0, popupInfo: { title: '{NAME}', expressionInfos: [{ name: 'acres', title: 'Acres', expression: 'Round($feature.ACRES, 1)', returnType: 'number' }] } }] })
  });
  const basemaps = 'https://basemaps.arcgis.com/arcgis/rest/services/World_Basemap_v2/VectorTileServer';
  add({
    id: ids['vts-style'], owner: U.maria, folderId: base['fld-parks'], title: 'Demoville Muted Basemap', type: 'Vector Tile Service', days: 230,
    typeKeywords: ['Vector Tile Service', 'Vector Tile Style Editor', 'Styled'], tags: ['basemap', 'style'], url: basemaps, extent,
    resources: [{ path: 'styles/root.json', blob: json(styleOf(basemaps, `${basemaps}/resources/sprites/sprite`, `${basemaps}/resources/fonts/{fontstack}/{range}.pbf`)) }]
  });
}

/** A feature collection, an offline map area and its package, a deployed solution. */
export function seedOthers(t: Ctx): void {
  const { base, ids, portalUrl, water, waterUrl, waterMap, add, extent, mercatorExtent } = t;
  // Feature collection
  add({
    id: ids['fc-events'], owner: U.maria, folderId: base['fld-parks'], title: 'Park Events 2025', type: 'Feature Collection', days: 90,
    typeKeywords: ['Data', 'Feature Collection', 'Singlelayer'], tags: ['parks', 'events'],
    data: jsonData({
      layers: [{
        layerDefinition: {
          name: 'Events', geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID',
          fields: [{ name: 'OBJECTID', type: 'esriFieldTypeOID' }, { name: 'EVENT', type: 'esriFieldTypeString', length: 100 }],
          drawingInfo: { renderer: { type: 'simple', symbol: { type: 'esriPMS', url: `${portalUrl}/sharing/rest/content/items/${ids['hub-site']}/resources/images/logo.png`, width: 16, height: 16 } } }
        },
        featureSet: { geometryType: 'esriGeometryPoint', features: [{ attributes: { OBJECTID: 1, EVENT: 'Spring clean-up' }, geometry: { x: -13043200, y: 4035100, spatialReference: { wkid: 102100 } } }] },
        popupInfo: { title: '{EVENT}', description: `<a href="${portalUrl}/home/item.html?id=${ids['hub-site']}">More events</a>` }
      }]
    })
  });

  // Offline map area and its package
  add({
    id: ids['area-downtown'], owner: U.tom, folderId: base['fld-field-apps'], title: 'Downtown', type: 'Map Area', days: 100,
    typeKeywords: ['Map Area', 'Offline', 'Field Maps'], tags: ['offline', 'downtown'], extent,
    data: jsonData({ mapAreaTileScale: { minScale: 72223.819286, maxScale: 1128.497176 }, mapAreaRefreshType: 'daily', mapAreaGeometry: { type: 'extent', ...mercatorExtent } })
  });
  add({
    id: ids['pkg-downtown'], owner: U.tom, folderId: base['fld-field-apps'], title: 'Downtown (hydrants)', type: 'SQLite Geodatabase', days: 99,
    typeKeywords: ['Data', 'Mobile', 'Map Area Package', 'SQLite Geodatabase'], tags: ['offline', 'package'],
    data: fileData(bufferBlob(Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(4080, 0)]), 'application/octet-stream'), 'downtown_hydrants.geodatabase')
  });

  // Deployed solution
  const member = (id: string, type: string, dependencies: string[] = []) => ({ itemId: id, type, key: id.slice(0, 8), dependencies, groups: [base['grp-field-ops']], item: { id, type, url: type === 'Feature Service' ? waterUrl : null } });
  add({
    id: ids['sol-water'], owner: U.admin, folderId: base['fld-admin-reports'], title: 'Hydrant Inspections Solution', type: 'Solution', days: 110,
    typeKeywords: ['Solution', 'Deployed', `solutionid-${ids['sol-water']}`, 'solutionversion-1.0'], tags: ['solution', 'inspections'],
    data: jsonData({
      metadata: { version: '1.0', resourceStorageItemId: ids['sol-water'] },
      templates: [
        member(water.json.id, 'Feature Service'),
        member(waterMap.json.id, 'Web Map', [water.json.id]),
        member(ids['dash-inspections'], 'Dashboard', [ids['map-hydrant-inspections'], water.json.id]),
        member(ids['qc-hydrants'], 'QuickCapture Project', [water.json.id, waterMap.json.id])
      ]
    })
  });
}
