import { type EmulatorContext } from '../context.js';
import { createHostedService } from '../features/hosted-service.factory.js';
import { type Feature, type HostedServiceSpec, type LayerSpec } from '../features/types.js';
import { type Blob, type ItemRecord } from '../state/types.js';
import { bufferBlob, lazyBlob } from '../util/blob.js';
import { Random } from '../util/random.js';
import { fillerBytes, metadataXml, pdf, pdfLayout, png, zip, zippedShapefile, zipSize } from './assets.js';
import { DEMO_SERVICE_NAMES, DEMO_USERS as U, type DemoKey, demoExpectations, demoPassword } from './demo-expectations.js';
import { seedDemoItemTypes } from './demo-item-types.js';
import { DAY, fileData, type ItemInput, jsonData, makeFolder, makeGroup, makeItem, makeUser } from './items.js';
import { itemDataKey, markSeeded } from './seed-registry.js';
import { seedDemoSurveys } from './demo-surveys.js';

/**
 * The demo organization of the fictional city of Demoville: users of every role, folders, groups, hosted feature
 * layers, maps and apps that reference them, files, and the planted cases listed in `DEMO_EXPECTATIONS`
 * (demo-expectations.ts). Deterministic: ids come from `seedId(randomSeed, key)`, dates are relative to `now`.
 */
export function seedDemo(emu: EmulatorContext, now: number): void {
  const { state } = emu;
  const seed = emu.options.randomSeed;
  const x = demoExpectations(seed);
  const id = (k: DemoKey) => x.ids[k];
  const rnd = new Random(`${seed}:demo`);
  const ago = (days: number, hours = 0) => now - days * DAY - hours * 3600 * 1000;
  const portalUrl = emu.urls.portalUrl;
  const svcUrl = (name: string) => `${emu.urls.servicesRoot}/${name}/FeatureServer`;

  // ---------------------------------------------------------------- users
  const users: Parameters<typeof makeUser>[2][] = [
    { username: U.maria, fullName: 'Maria Lopez', role: 'org_publisher', created: ago(1830), lastLogin: ago(2, 3), description: 'Parks and transportation GIS lead.' },
    { username: U.tom, fullName: 'Tom Becker', role: 'org_publisher', created: ago(1460), lastLogin: ago(9, 5), description: 'Utilities GIS editor.' },
    { username: U.lee, fullName: 'Lee Chen', role: 'org_user', created: ago(1100), lastLogin: ago(21, 2) },
    { username: U.sam, fullName: 'Sam Okafor', role: 'org_user', userLicenseTypeId: 'mobileWorkerUT', created: ago(700), lastLogin: ago(4, 7) },
    { username: U.kim, fullName: 'Kim Novak', role: 'org_user', viewer: true, created: ago(400), lastLogin: ago(33, 1) },
    { username: U.ann, fullName: 'Ann Rivers', role: 'org_publisher', created: ago(2150), lastLogin: ago(1100), disabled: true, description: 'Retired in 2023.' },
    { username: U.paul, fullName: 'Paul Grant', role: 'org_user', created: ago(2170), lastLogin: ago(420) },
    { username: U.olga, fullName: 'Olga Ivanova', role: 'org_user', created: ago(2180), lastLogin: ago(1650) },
    { username: U.intern, fullName: 'Summer Intern', role: 'org_user', created: ago(2000), lastLogin: -1 },
    { username: U.bob, fullName: 'Bob Contractor', role: 'org_user', viewer: true, created: ago(730), lastLogin: -1 }
  ];
  for (const u of users) makeUser(state, rnd.hexId(), { ...u, password: demoPassword(u.username) });

  // ---------------------------------------------------------------- folders
  const folders: [DemoKey, string, string, number][] = [
    ['fld-admin-reports', U.admin, 'Admin Reports', 1500],
    ['fld-parks', U.maria, 'Parks', 1700],
    ['fld-transportation', U.maria, 'Transportation', 1650],
    ['fld-utilities', U.tom, 'Utilities', 1400],
    ['fld-field-apps', U.tom, 'Field Apps', 300],
    ['fld-analysis', U.lee, 'Analysis', 1000],
    ['fld-archive', U.lee, 'Archive', 900],
    ['fld-flood-2019', U.ann, 'Flood 2019', 2100]
  ];
  for (const [key, owner, title, days] of folders) makeFolder(state, id(key), owner, title, ago(days));

  // ---------------------------------------------------------------- groups
  const m = (username: string, type: 'admin' | 'member' = 'member') => ({ username, type });
  makeGroup(state, id('grp-gis-team'), {
    title: 'GIS Team', owner: U.admin, access: 'org', created: ago(1800), tags: ['gis', 'staff'],
    description: 'Everyone who edits the city GIS.', snippet: 'City GIS staff', members: [m(U.maria, 'admin'), m(U.tom), m(U.lee)]
  });
  makeGroup(state, id('grp-public-maps'), {
    title: 'Demoville Public Maps', owner: U.maria, access: 'public', created: ago(1600), tags: ['public', 'open data'],
    description: 'Maps and apps published for residents.', snippet: 'Public maps of Demoville', members: [m(U.admin), m(U.tom)], isViewOnly: true
  });
  makeGroup(state, id('grp-field-ops'), {
    title: 'Field Operations', owner: U.tom, access: 'org', created: ago(1200), tags: ['field', 'utilities'],
    description: 'Crews collecting hydrant inspections.', snippet: 'Field crews', members: [m(U.sam), m(U.kim), m(U.lee)]
  });
  makeGroup(state, id('grp-flood-2019'), {
    title: '2019 Flood Response', owner: U.ann, access: 'org', created: ago(2050), tags: ['flood', '2019'],
    description: 'Coordination of the 2019 spring flood.', snippet: 'Flood response 2019', members: [m(U.maria), m(U.paul)]
  });
  makeGroup(state, id('grp-planning-archive'), {
    title: 'Planning Archive', owner: U.lee, access: 'private', created: ago(950), tags: ['planning'],
    description: 'Old planning material (nothing shared yet).', snippet: 'Planning archive', members: [m(U.paul), m(U.intern)]
  });
  makeGroup(state, id('grp-steering'), {
    title: 'GIS Steering Committee', owner: U.admin, access: 'org', created: ago(600), tags: ['governance'],
    description: 'Committee that sets GIS priorities.', snippet: 'Steering committee', members: [m(U.maria, 'admin')]
  });
  makeGroup(state, id('grp-paul-test'), {
    title: "Paul's Test Group", owner: U.paul, access: 'private', created: ago(1250), tags: ['test'],
    description: 'Created to try out groups.', snippet: 'Test group'
  });
  makeGroup(state, id('grp-review-queue'), {
    title: "Lee's Review Queue", owner: U.lee, access: 'private', created: ago(200), tags: ['review'],
    description: 'Items Lee is reviewing.', snippet: 'Review queue'
  });

  // ---------------------------------------------------------------- shared building blocks
  const colours: [number, number, number][] = [[30, 110, 170], [40, 140, 80], [170, 90, 40], [120, 60, 150], [60, 60, 60], [0, 120, 130]];
  const thumb = (): Blob => bufferBlob(png(200, 133, rnd.pick(colours)), 'image/png');
  const complete = (title: string, tags: string[]) => ({
    description: `<div>${title}: maintained by the City of Demoville GIS Division. Updated as conditions change.</div>`,
    snippet: `${title} for the City of Demoville`,
    tags,
    credits: 'City of Demoville GIS Division',
    licenseInfo: 'For internal use by City of Demoville staff. Contact gis@demo-city.example before sharing.',
    thumbnail: thumb()
  });
  const fresh = () => ({ modified: ago(rnd.int(1, 110), rnd.int(0, 23)), numViews: rnd.int(12, 4800) });
  const meta = (title: string, abstract: string, tags: string[], created: number) => bufferBlob(metadataXml({ title, abstract, tags, created }), 'application/xml');
  // Nothing is created before its owner joined or before the folder it sits in existed.
  const add = (input: ItemInput) => {
    const floor = Math.max(state.getUser(input.owner)!.created, input.folderId ? state.folders.get(input.folderId)!.created : 0) + DAY;
    const created = Math.max(input.created, floor);
    return makeItem(state, { ...input, created, modified: Math.max(input.modified, created) });
  };

  // ---------------------------------------------------------------- hosted feature services
  const mercator = (lon: number, lat: number) => ({
    x: (lon * 20037508.34) / 180,
    y: (Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) / (Math.PI / 180)) * (20037508.34 / 180)
  });
  const lon0 = -117.19;
  const lat0 = 34.055;
  const point = () => mercator(lon0 + (rnd.next() - 0.5) * 0.12, lat0 + (rnd.next() - 0.5) * 0.08);
  const line = () => {
    const start = [lon0 + (rnd.next() - 0.5) * 0.12, lat0 + (rnd.next() - 0.5) * 0.08] as const;
    const path = [mercator(start[0], start[1])];
    let [lon, lat] = start;
    for (let i = 0; i < 3; i++) {
      lon += (rnd.next() - 0.5) * 0.01;
      lat += (rnd.next() - 0.5) * 0.01;
      path.push(mercator(lon, lat));
    }
    return { paths: [path.map((p) => [round(p.x), round(p.y)])] };
  };
  const polygon = (size = 0.006) => {
    const lon = lon0 + (rnd.next() - 0.5) * 0.12;
    const lat = lat0 + (rnd.next() - 0.5) * 0.08;
    const w = size * (0.5 + rnd.next());
    const h = size * (0.5 + rnd.next());
    const ring = [mercator(lon, lat), mercator(lon, lat + h), mercator(lon + w, lat + h), mercator(lon + w, lat), mercator(lon, lat)];
    return { rings: [ring.map((p) => [round(p.x), round(p.y)])] };
  };
  const pt = () => {
    const p = point();
    return { x: round(p.x), y: round(p.y) };
  };

  const service = (spec: HostedServiceSpec, extra: Partial<ItemInput> & { metadataAbstract: string }): ItemRecord => {
    const { item } = createHostedService(emu, spec);
    const created = spec.created ?? now;
    const full = complete(item.json.title, spec.tags ?? []);
    item.json.description = spec.description ?? full.description;
    item.json.snippet = spec.snippet ?? full.snippet;
    item.json.accessInformation = extra.credits ?? full.credits;
    item.json.licenseInfo = extra.licenseInfo ?? full.licenseInfo;
    item.thumbnailBlob = full.thumbnail;
    item.json.thumbnail = 'thumbnail/thumbnail.png';
    item.metadataXml = meta(item.json.title, extra.metadataAbstract, spec.tags ?? [], created);
    item.json.numViews = extra.numViews ?? item.json.numViews;
    item.json.scoreCompleteness = 100;
    return item;
  };

  // Water network: two layers and a related table, domains, attachments, editor tracking, change tracking.
  const hydrantGuids: string[] = [];
  const hydrants: Feature[] = [];
  for (let i = 1; i <= 40; i++) {
    const guid = rnd.guid();
    hydrantGuids.push(guid);
    hydrants.push({
      attributes: {
        GlobalID: guid,
        FACILITYID: `HYD-${String(1000 + i)}`,
        STATUS: rnd.pick([1, 1, 1, 2, 3]),
        PRESSURE_PSI: Math.round((40 + rnd.next() * 90) * 10) / 10,
        INSTALL_DATE: Date.UTC(1960 + rnd.int(0, 60), rnd.int(0, 11), rnd.int(1, 28)),
        MANUFACTURER: rnd.pick(['Mueller', 'American Darling', 'Kennedy', 'Clow'])
      },
      geometry: pt()
    });
  }
  const hydrantAttachments: Record<number, { name: string; contentType: string; data: Buffer }[]> = {};
  for (let oid = 1; oid <= 6; oid++) {
    hydrantAttachments[oid] = [{ name: `hydrant_${oid}_photo.png`, contentType: 'image/png', data: png(64, 48, rnd.pick(colours)) }];
  }
  hydrantAttachments[2]!.push({ name: 'inspection_form.pdf', contentType: 'application/pdf', data: pdf('Hydrant inspection form', ['Hydrant HYD-1002', 'Result: pass']) });
  const inspections: Feature[] = [];
  for (let i = 1; i <= 60; i++) {
    inspections.push({
      attributes: {
        HydrantGlobalID: rnd.pick(hydrantGuids),
        INSPECTION_DATE: ago(rnd.int(5, 700)),
        INSPECTOR: rnd.pick(['S. Okafor', 'T. Becker', 'L. Chen']),
        RESULT: rnd.pick(['PASS', 'PASS', 'PASS', 'FAIL']),
        NOTES: rnd.pick(['', 'Cap replaced', 'Painted', 'Low flow, follow up', 'Obstructed by vegetation'])
      }
    });
  }
  const waterCreated = ago(1380);
  const waterItem = service(
    {
      name: DEMO_SERVICE_NAMES.water,
      title: 'Water Network',
      owner: U.tom,
      folderId: id('fld-utilities'),
      itemId: id('svc-water'),
      access: 'shared',
      groups: [id('grp-gis-team'), id('grp-field-ops')],
      tags: ['water', 'hydrants', 'utilities'],
      serviceDescription: 'Hydrants, water mains and hydrant inspections of the Demoville water utility.',
      capabilities: 'Create,Delete,Query,Update,Editing,ChangeTracking',
      created: waterCreated,
      modified: ago(3, 4),
      layers: [
        {
          id: 0,
          name: 'Hydrants',
          geometryType: 'esriGeometryPoint',
          displayField: 'FACILITYID',
          editorTracking: true,
          hasAttachments: true,
          fields: [
            { name: 'FACILITYID', type: 'esriFieldTypeString', alias: 'Facility ID', length: 20 },
            {
              name: 'STATUS', type: 'esriFieldTypeSmallInteger', alias: 'Status',
              domain: { type: 'codedValue', name: 'HydrantStatus', codedValues: [{ name: 'In Service', code: 1 }, { name: 'Out of Service', code: 2 }, { name: 'Needs Repair', code: 3 }], mergePolicy: 'esriMPTDefaultValue', splitPolicy: 'esriSPTDefaultValue' }
            },
            {
              name: 'PRESSURE_PSI', type: 'esriFieldTypeDouble', alias: 'Static Pressure (psi)',
              domain: { type: 'range', name: 'PressureRange', range: [20, 150], mergePolicy: 'esriMPTDefaultValue', splitPolicy: 'esriSPTDefaultValue' }
            },
            { name: 'INSTALL_DATE', type: 'esriFieldTypeDate', alias: 'Install Date' },
            { name: 'MANUFACTURER', type: 'esriFieldTypeString', alias: 'Manufacturer', length: 50 },
            { name: 'GlobalID', type: 'esriFieldTypeGlobalID' }
          ],
          relationships: [
            { id: 0, name: 'Hydrant_Inspections', relatedTableId: 2, cardinality: 'esriRelCardinalityOneToMany', role: 'esriRelRoleOrigin', keyField: 'GlobalID', composite: true }
          ],
          features: hydrants,
          attachments: hydrantAttachments
        },
        {
          id: 1,
          name: 'Water Mains',
          geometryType: 'esriGeometryPolyline',
          fields: [
            { name: 'MAIN_ID', type: 'esriFieldTypeString', length: 20 },
            {
              name: 'DIAMETER_IN', type: 'esriFieldTypeSmallInteger', alias: 'Diameter (in)',
              domain: { type: 'codedValue', name: 'MainDiameter', codedValues: [4, 6, 8, 12, 16].map((d) => ({ name: `${d} in`, code: d })) }
            },
            {
              name: 'MATERIAL', type: 'esriFieldTypeString', length: 10,
              domain: { type: 'codedValue', name: 'PipeMaterial', codedValues: [{ name: 'Ductile Iron', code: 'DI' }, { name: 'PVC', code: 'PVC' }, { name: 'Cast Iron', code: 'CI' }] }
            },
            { name: 'INSTALL_YEAR', type: 'esriFieldTypeInteger', domain: { type: 'range', name: 'InstallYear', range: [1900, 2030] } }
          ],
          features: Array.from({ length: 25 }, (_, i) => ({
            attributes: { MAIN_ID: `WM-${200 + i}`, DIAMETER_IN: rnd.pick([4, 6, 8, 12, 16]), MATERIAL: rnd.pick(['DI', 'PVC', 'CI']), INSTALL_YEAR: rnd.int(1925, 2024) },
            geometry: line()
          }))
        }
      ],
      tables: [
        {
          id: 2,
          name: 'Hydrant Inspections',
          fields: [
            { name: 'HydrantGlobalID', type: 'esriFieldTypeGUID', alias: 'Hydrant' },
            { name: 'INSPECTION_DATE', type: 'esriFieldTypeDate', alias: 'Inspection Date' },
            { name: 'INSPECTOR', type: 'esriFieldTypeString', length: 50 },
            { name: 'RESULT', type: 'esriFieldTypeString', length: 10, domain: { type: 'codedValue', name: 'InspectionResult', codedValues: [{ name: 'Pass', code: 'PASS' }, { name: 'Fail', code: 'FAIL' }] } },
            { name: 'NOTES', type: 'esriFieldTypeString', length: 500 }
          ],
          relationships: [
            { id: 0, name: 'Hydrant_Inspections', relatedTableId: 0, cardinality: 'esriRelCardinalityOneToMany', role: 'esriRelRoleDestination', keyField: 'HydrantGlobalID', composite: true }
          ],
          features: inspections
        }
      ]
    },
    { numViews: 3120, metadataAbstract: 'Hydrants, water mains and inspections of the municipal water system.' }
  );

  const bikeItem = service(
    {
      name: DEMO_SERVICE_NAMES.bikeLanes, title: 'Bike Lanes', owner: U.maria, folderId: id('fld-transportation'), itemId: id('svc-bike-lanes'),
      access: 'org', tags: ['transportation', 'bicycle'], created: ago(1500), modified: ago(40),
      layers: [{
        id: 0, name: 'Bike Lanes', geometryType: 'esriGeometryPolyline',
        fields: [
          { name: 'STREET', type: 'esriFieldTypeString', length: 80 },
          { name: 'LANE_TYPE', type: 'esriFieldTypeString', length: 20, domain: { type: 'codedValue', name: 'LaneType', codedValues: [{ name: 'Protected', code: 'PROT' }, { name: 'Buffered', code: 'BUF' }, { name: 'Shared', code: 'SHR' }] } },
          { name: 'LENGTH_MI', type: 'esriFieldTypeDouble' }
        ],
        features: Array.from({ length: 30 }, () => ({
          attributes: { STREET: `${rnd.pick(['Orange', 'Citrus', 'Brookside', 'Cajon', 'Redlands', 'Colton'])} ${rnd.pick(['Ave', 'St', 'Blvd'])}`, LANE_TYPE: rnd.pick(['PROT', 'BUF', 'SHR']), LENGTH_MI: Math.round(rnd.next() * 30) / 10 },
          geometry: line()
        }))
      }]
    },
    { numViews: 870, metadataAbstract: 'Bicycle lanes on city streets.' }
  );

  const parksLayer: LayerSpec = {
    id: 0, name: 'Parks', geometryType: 'esriGeometryPolygon', displayField: 'NAME',
    fields: [
      { name: 'NAME', type: 'esriFieldTypeString', length: 100 },
      { name: 'PARK_TYPE', type: 'esriFieldTypeString', length: 20, domain: { type: 'codedValue', name: 'ParkType', codedValues: [{ name: 'Neighborhood', code: 'NBHD' }, { name: 'Community', code: 'COMM' }, { name: 'Regional', code: 'REG' }, { name: 'Pocket', code: 'POCK' }] } },
      { name: 'ACRES', type: 'esriFieldTypeDouble', domain: { type: 'range', name: 'Acres', range: [0, 5000] } },
      { name: 'OPENED', type: 'esriFieldTypeDate' }
    ],
    features: ['Sylvan', 'Ford', 'Prospect', 'Caroline', 'Jennie Davis', 'Brookside', 'Texonia', 'Franklin', 'Smiley', 'Hillside', 'Israel Beal', 'Crafton', 'Orchard', 'Citrus Grove', 'Kimberly'].map((n) => ({
      attributes: { NAME: `${n} Park`, PARK_TYPE: rnd.pick(['NBHD', 'COMM', 'REG', 'POCK']), ACRES: Math.round(rnd.next() * 400) / 10, OPENED: Date.UTC(rnd.int(1920, 2020), 5, 1) },
      geometry: polygon()
    }))
  };
  const parksItem = service(
    {
      name: DEMO_SERVICE_NAMES.parks, title: 'City Parks', owner: U.maria, folderId: id('fld-parks'), itemId: id('svc-parks'), access: 'org',
      tags: ['parks', 'recreation'], capabilities: 'Create,Delete,Query,Update,Editing,ChangeTracking', created: ago(1650), modified: ago(12),
      layers: [parksLayer]
    },
    { numViews: 2210, metadataAbstract: 'Park boundaries maintained by Parks and Recreation.' }
  );

  const permitsItem = service(
    {
      name: DEMO_SERVICE_NAMES.permits, title: 'Building Permits', owner: U.lee, folderId: id('fld-analysis'), itemId: id('svc-permits'), access: 'org',
      tags: ['permits', 'planning'], capabilities: 'Query', created: ago(800), modified: ago(25),
      tables: [{
        id: 0, name: 'Permits',
        fields: [
          { name: 'PERMIT_NO', type: 'esriFieldTypeString', length: 20 },
          { name: 'ISSUED', type: 'esriFieldTypeDate' },
          { name: 'VALUATION', type: 'esriFieldTypeDouble' },
          { name: 'KIND', type: 'esriFieldTypeString', length: 30, domain: { type: 'codedValue', name: 'PermitKind', codedValues: [{ name: 'New construction', code: 'NEW' }, { name: 'Remodel', code: 'REM' }, { name: 'Demolition', code: 'DEM' }, { name: 'Solar', code: 'SOL' }] } }
        ],
        features: Array.from({ length: 80 }, (_, i) => ({
          attributes: { PERMIT_NO: `B${2024000 + i}`, ISSUED: ago(rnd.int(1, 700)), VALUATION: rnd.int(2, 900) * 1000, KIND: rnd.pick(['NEW', 'REM', 'DEM', 'SOL']) }
        }))
      }]
    },
    { numViews: 415, metadataAbstract: 'Building permits issued by the city.' }
  );

  const reportAttachments: Record<number, { name: string; contentType: string; data: Buffer }[]> = {
    3: [{ name: 'pothole.png', contentType: 'image/png', data: png(48, 48, [90, 90, 90]) }],
    7: [{ name: 'graffiti.png', contentType: 'image/png', data: png(48, 48, [160, 40, 40]) }]
  };
  const reportsItem = service(
    {
      name: DEMO_SERVICE_NAMES.reports, title: 'Community Reports', owner: U.maria, itemId: id('svc-reports'), access: 'public',
      groups: [id('grp-public-maps')], tags: ['311', 'public', 'reports'], capabilities: 'Create,Delete,Query,Update,Editing',
      created: ago(500), modified: ago(1, 2),
      layers: [{
        id: 0, name: 'Reports', geometryType: 'esriGeometryPoint', editorTracking: true, hasAttachments: true,
        fields: [
          { name: 'REPORT_TYPE', type: 'esriFieldTypeString', length: 30, domain: { type: 'codedValue', name: 'ReportType', codedValues: [{ name: 'Pothole', code: 'POTHOLE' }, { name: 'Graffiti', code: 'GRAFFITI' }, { name: 'Streetlight out', code: 'LIGHT' }, { name: 'Illegal dumping', code: 'DUMP' }] } },
          { name: 'DETAILS', type: 'esriFieldTypeString', length: 1000 },
          { name: 'STATUS', type: 'esriFieldTypeString', length: 20 }
        ],
        features: Array.from({ length: 25 }, () => ({
          attributes: { REPORT_TYPE: rnd.pick(['POTHOLE', 'GRAFFITI', 'LIGHT', 'DUMP']), DETAILS: rnd.pick(['Near the school', 'Corner of 5th and Main', 'Behind the library', '']), STATUS: rnd.pick(['Open', 'Closed', 'In progress']) },
          geometry: pt()
        })),
        attachments: reportAttachments
      }]
    },
    { numViews: 9120, metadataAbstract: 'Reports submitted by residents through the public app.' }
  );

  const floodItem = service(
    {
      name: DEMO_SERVICE_NAMES.flood2019, title: 'Flood Zones 2019', owner: U.ann, folderId: id('fld-flood-2019'), itemId: id('svc-flood-2019'),
      access: 'shared', groups: [id('grp-flood-2019')], tags: ['flood', '2019', 'emergency'], created: ago(2000), modified: ago(1500),
      layers: [{
        id: 0, name: 'Flood Zones', geometryType: 'esriGeometryPolygon',
        fields: [{ name: 'ZONE', type: 'esriFieldTypeString', length: 10 }, { name: 'DEPTH_FT', type: 'esriFieldTypeDouble' }],
        features: Array.from({ length: 10 }, (_, i) => ({ attributes: { ZONE: `Z${i + 1}`, DEPTH_FT: Math.round(rnd.next() * 60) / 10 }, geometry: polygon(0.02) }))
      }]
    },
    { numViews: 0, metadataAbstract: 'Flood extents mapped during the 2019 spring flood.' }
  );
  floodItem.json.numViews = 0;

  // ---------------------------------------------------------------- web maps
  const basemap = {
    baseMapLayers: [
      { id: 'World_Hillshade_3805', opacity: 1, title: 'World Hillshade', url: 'https://services.arcgisonline.com/arcgis/rest/services/Elevation/World_Hillshade/MapServer', visibility: true, layerType: 'ArcGISTiledMapServiceLayer' },
      { id: 'VectorTile_2333', opacity: 1, title: 'World Topographic Map', visibility: true, layerType: 'VectorTileLayer', styleUrl: 'https://cdn.arcgis.com/sharing/rest/content/items/7dc6cea0b1764a1f9af2e679f642f0f5/resources/styles/root.json' }
    ],
    title: 'Topographic'
  };
  const popup = (title: string, fields: string[]) => ({
    title,
    fieldInfos: fields.map((f) => ({ fieldName: f, label: f, isEditable: true, visible: true, stringFieldOption: 'textbox' })),
    popupElements: [{ type: 'fields' }],
    showAttachments: true,
    description: null
  });
  const layerRef = (item: ItemRecord, layerId: number, title: string, fields: string[]) => ({
    id: `${title.replace(/\W+/g, '_')}_${rnd.int(1000, 9999)}`,
    title,
    url: `${item.json.url as string}/${layerId}`,
    itemId: item.json.id,
    layerType: 'ArcGISFeatureLayer',
    visibility: true,
    opacity: 1,
    popupInfo: popup(`{${fields[0] ?? 'OBJECTID'}}`, fields)
  });
  const demoExtent = { xmin: -13052000, ymin: 4030000, xmax: -13035000, ymax: 4040000, spatialReference: { wkid: 102100 } };
  const webmap = (operationalLayers: unknown[], tables: unknown[] = []) => ({
    operationalLayers,
    ...(tables.length > 0 ? { tables } : {}),
    baseMap: basemap,
    spatialReference: { wkid: 102100, latestWkid: 3857 },
    initialState: { viewpoint: { targetGeometry: demoExtent } },
    authoringApp: 'ArcGISMapViewer',
    authoringAppVersion: '2025.1',
    version: '2.33'
  });
  const mapKeywords = ['ArcGIS API for JavaScript', 'ArcGIS Online', 'Explorer Web Map', 'Map', 'Online Map', 'Web Map'];
  const mapExtent = [[-117.25, 34.02], [-117.13, 34.09]];
  const mapItem = (key: DemoKey, owner: string, title: string, tags: string[], data: unknown, rest: Partial<ItemInput> = {}) => {
    const created = rest.created ?? ago(rnd.int(200, 1200));
    return add({
      id: id(key), owner, title, type: 'Web Map', typeKeywords: mapKeywords, created, ...fresh(), ...complete(title, tags),
      extent: mapExtent, spatialReference: 'WGS_1984_Web_Mercator_Auxiliary_Sphere', data: jsonData(data),
      metadata: meta(title, `${title} web map.`, tags, created), access: 'org', ...rest
    });
  };

  const parksMap = mapItem('map-parks', U.maria, 'Parks and Trails', ['parks', 'trails'], webmap([
    layerRef(parksItem, 0, 'City Parks', ['NAME', 'PARK_TYPE', 'ACRES']),
    layerRef(bikeItem, 0, 'Bike Lanes', ['STREET', 'LANE_TYPE'])
  ]), { folderId: id('fld-parks'), groups: [id('grp-gis-team')] });

  const waterMap = mapItem('map-water', U.tom, 'Water Network Map', ['water', 'utilities'], webmap(
    [layerRef(waterItem, 0, 'Hydrants', ['FACILITYID', 'STATUS', 'PRESSURE_PSI']), layerRef(waterItem, 1, 'Water Mains', ['MAIN_ID', 'DIAMETER_IN', 'MATERIAL'])],
    [{ id: `Hydrant_Inspections_${rnd.int(1000, 9999)}`, title: 'Hydrant Inspections', url: `${waterItem.json.url as string}/2`, itemId: waterItem.json.id, layerDefinition: {}, popupInfo: popup('{INSPECTOR}', ['INSPECTION_DATE', 'INSPECTOR', 'RESULT']) }]
  ), {
    folderId: id('fld-utilities'), access: 'shared', groups: [id('grp-gis-team'), id('grp-field-ops')],
    resources: [{ path: 'notes/legend-notes.json', blob: bufferBlob(JSON.stringify({ note: 'Hydrant colours follow the fire department standard.' }), 'application/json') }]
  });

  mapItem('map-reports', U.maria, 'Community Reports Map', ['311', 'public'], webmap([layerRef(reportsItem, 0, 'Community Reports', ['REPORT_TYPE', 'STATUS'])]), {
    access: 'public', groups: [id('grp-public-maps')]
  });

  const floodMapCreated = ago(1990);
  mapItem('map-flood-2019', U.ann, '2019 Flood Response Map', ['flood', '2019'], webmap([layerRef(floodItem, 0, 'Flood Zones 2019', ['ZONE', 'DEPTH_FT'])]), {
    folderId: id('fld-flood-2019'), access: 'shared', groups: [id('grp-flood-2019')], created: floodMapCreated, modified: ago(1480), numViews: 0
  });

  // Broken: an operational layer whose item (and service) were deleted.
  mapItem('map-broken-deleted', U.lee, 'Storm Drain Inspections', ['stormwater', 'inspections'], webmap([
    {
      id: `Storm_Drains_${rnd.int(1000, 9999)}`, title: 'Storm Drains', url: `${svcUrl(DEMO_SERVICE_NAMES.deletedStormDrains)}/0`, itemId: id('deleted-storm-drains'),
      layerType: 'ArcGISFeatureLayer', visibility: true, opacity: 1, popupInfo: popup('{DRAIN_ID}', ['DRAIN_ID', 'CONDITION'])
    },
    layerRef(bikeItem, 0, 'Bike Lanes', ['STREET'])
  ]), { folderId: id('fld-analysis') });

  // Broken: a layer added by URL only, to a service that does not exist.
  mapItem('map-broken-url', U.lee, 'Historic Parcels', ['parcels', 'history'], webmap([
    {
      id: `Historic_Parcels_${rnd.int(1000, 9999)}`, title: 'Historic Parcels', url: `${svcUrl(DEMO_SERVICE_NAMES.deadHistoricParcels)}/0`,
      layerType: 'ArcGISFeatureLayer', visibility: true, opacity: 0.8, popupInfo: popup('{APN}', ['APN', 'YEAR_BUILT'])
    }
  ]), { folderId: id('fld-analysis') });

  // Planted: no description.
  mapItem('map-quick-sketch', U.sam, 'Quick Sketch', ['sketch', 'field'], webmap([layerRef(parksItem, 0, 'City Parks', ['NAME'])]), { description: null });

  // ---------------------------------------------------------------- apps
  const appUrl = (path: string, itemId: string) => `${portalUrl}/apps/${path}?appid=${itemId}`;
  add({
    id: id('app-parks-finder'), owner: U.maria, folderId: id('fld-parks'), title: 'Parks Finder', type: 'Web Mapping Application',
    typeKeywords: ['JavaScript', 'Map', 'Mapping Site', 'Online Map', 'Ready To Use', 'instantApp', 'Web Map', 'Instant Basic'],
    created: ago(900), ...fresh(), ...complete('Parks Finder', ['parks', 'app']), access: 'public', groups: [id('grp-public-maps')],
    url: appUrl('instant/basic/index.html', id('app-parks-finder')),
    data: jsonData({ source: '3b8d85c9b6c54b9a8c4a6c5e0ec2f0a1', folderId: null, values: { webmap: parksMap.json.id, title: 'Parks Finder', theme: 'light', legend: true, search: true } })
  });
  add({
    id: id('app-broken'), owner: U.lee, folderId: id('fld-analysis'), title: 'Old Permits Viewer', type: 'Web Mapping Application',
    typeKeywords: ['JavaScript', 'Map', 'Mapping Site', 'Online Map', 'Ready To Use', 'WAB2D', 'Web AppBuilder', 'Web Map'],
    created: ago(1000), ...fresh(), ...complete('Old Permits Viewer', ['permits', 'app']), access: 'org',
    url: appUrl('webappviewer/index.html', id('app-broken')),
    data: jsonData({ source: 'a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8', values: { webmap: id('deleted-permits-map'), title: 'Permits Viewer' } })
  });

  const hydrantsUrl = `${waterItem.json.url as string}/0`;
  add({
    id: id('dash-water'), owner: U.tom, folderId: id('fld-utilities'), title: 'Water Operations Dashboard', type: 'Dashboard',
    typeKeywords: ['Dashboard', 'Operations Dashboard'], created: ago(600), ...fresh(), ...complete('Water Operations Dashboard', ['water', 'dashboard']),
    access: 'shared', groups: [id('grp-gis-team'), id('grp-field-ops')],
    data: jsonData({
      version: 24,
      widgets: [
        { type: 'mapWidget', id: 'map-1', name: 'Water Network Map', itemId: waterMap.json.id, mapTools: [{ type: 'bookmarksTool' }], showNavigation: true, showPopup: true },
        {
          type: 'indicatorWidget', id: 'ind-1', name: 'Hydrants out of service',
          datasets: [{ type: 'serviceDataset', dataSource: { type: 'featureServiceDataSource', itemId: waterItem.json.id, layerId: 0, table: false }, outFields: ['*'], groupByFields: [], orderByFields: [], statisticDefinitions: [{ onStatisticField: 'OBJECTID', outStatisticFieldName: 'value', statisticType: 'count' }], querySpatialRelationship: 'esriSpatialRelIntersects', returnGeometry: false, clientSideStatistics: false, name: 'main' }]
        },
        {
          type: 'listWidget', id: 'list-1', name: 'Recent inspections',
          datasets: [{ type: 'serviceDataset', dataSource: { type: 'featureServiceDataSource', itemId: waterItem.json.id, layerId: 2, table: true }, outFields: ['*'], name: 'main' }]
        }
      ],
      settings: { maxPaginationRecords: 50000 },
      theme: 'light'
    })
  });
  add({
    id: id('dash-parks'), owner: U.maria, folderId: id('fld-parks'), title: 'Parks Operations Dashboard', type: 'Dashboard',
    typeKeywords: ['Dashboard', 'Operations Dashboard'], created: ago(150), ...fresh(), ...complete('Parks Operations Dashboard', ['parks', 'dashboard']), access: 'org',
    data: jsonData({
      version: 28,
      desktopView: {
        widgets: [
          { type: 'mapWidget', id: 'map-parks', name: 'Parks and Trails', itemId: parksMap.json.id, showNavigation: true },
          {
            type: 'serialChartWidget', id: 'chart-acres', name: 'Acres by park type',
            datasets: [{ type: 'serviceDataset', dataSource: { type: 'featureServiceDataSource', itemId: parksItem.json.id, layerId: 0, table: false }, outFields: ['PARK_TYPE', 'ACRES'], name: 'main' }]
          }
        ],
        headerPanel: { type: 'headerPanel', title: 'Parks Operations' }
      },
      theme: 'light'
    })
  });

  const storyData = {
    root: 'n-root',
    nodes: {
      'n-root': { type: 'story', data: { storyTheme: 'r-theme' }, children: ['n-cover', 'n-text', 'n-map', 'n-image'] },
      'n-cover': { type: 'storycover', data: { type: 'full', title: "Discover Demoville's Parks", summary: 'Fifteen parks, one city.', media: 'n-image' } },
      'n-text': { type: 'text', data: { text: 'Our parks cover more than 300 acres.', type: 'paragraph' } },
      'n-map': { type: 'webmap', data: { map: 'r-map', caption: 'Parks and trails' } },
      'n-image': { type: 'image', data: { image: 'r-hero', caption: 'Sylvan Park in spring', alt: 'A park with trees' } }
    },
    resources: {
      'r-theme': { type: 'story-theme', data: { themeId: 'summit', themeBaseVariableOverrides: {} } },
      'r-map': { type: 'webmap', data: { extent: demoExtent, center: { x: -13043500, y: 4035000, spatialReference: { wkid: 102100 } }, zoom: 13, viewpoint: { targetGeometry: demoExtent }, itemId: parksMap.json.id, itemType: 'Web Map', type: 'default' } },
      'r-hero': { type: 'image', data: { resourceId: 'images/hero.png', provider: 'item-resource', height: 300, width: 450 } }
    }
  };
  const storyCreated = ago(300);
  add({
    id: id('story-parks'), owner: U.maria, folderId: id('fld-parks'), title: "Discover Demoville's Parks", type: 'StoryMap',
    typeKeywords: ['arcgis-storymaps', 'StoryMap', 'Web Application', 'smstatuspublished', 'smversiondraft:1.0', 'smversionpublished:1.0', 'smdraftresourceid:draft.json'],
    created: storyCreated, ...fresh(), ...complete("Discover Demoville's Parks", ['parks', 'story']), access: 'org',
    url: `${portalUrl}/apps/storymaps/stories/${id('story-parks')}`,
    data: jsonData(storyData),
    resources: [
      { path: 'draft.json', blob: bufferBlob(JSON.stringify(storyData), 'application/json') },
      { path: 'images/hero.png', blob: bufferBlob(png(450, 300, [40, 140, 80]), 'image/png') }
    ]
  });

  const exbData = {
    theme: 'themes/default/',
    pages: { page_0: { id: 'page_0', mode: 'FIT_WINDOW', type: 'NORMAL', layout: { LARGE: 'layout_0' }, isDefault: true, label: 'Home' } },
    layouts: { layout_0: { type: 'FIXED', content: { '0': { type: 'WIDGET', widgetId: 'widget_map' } }, order: ['0'] } },
    widgets: {
      widget_map: { uri: 'widgets/arcgis/arcgis-map/', version: '1.16.0', label: 'Map', config: {}, useDataSources: [{ dataSourceId: 'dataSource_1', mainDataSourceId: 'dataSource_1' }] },
      widget_list: { uri: 'widgets/common/list/', version: '1.16.0', label: 'Hydrants', useDataSources: [{ dataSourceId: 'dataSource_2', mainDataSourceId: 'dataSource_2' }] }
    },
    dataSources: {
      dataSource_1: { id: 'dataSource_1', type: 'WEB_MAP', sourceLabel: 'Water Network Map', itemId: waterMap.json.id, portalUrl },
      dataSource_2: { id: 'dataSource_2', type: 'FEATURE_LAYER', sourceLabel: 'Hydrants', itemId: waterItem.json.id, url: hydrantsUrl, portalUrl }
    },
    mainSizeMode: 'LARGE',
    exbVersion: '1.16.0'
  };
  add({
    id: id('exb-field'), owner: U.tom, folderId: id('fld-field-apps'), title: 'Field Operations Hub', type: 'Web Experience',
    typeKeywords: ['EXB Experience', 'JavaScript', 'Ready To Use', 'status: Published', 'Web Application', 'Web Experience'],
    created: ago(250), ...fresh(), ...complete('Field Operations Hub', ['field', 'experience']), access: 'shared', groups: [id('grp-gis-team'), id('grp-field-ops')],
    url: `${portalUrl}/experience/${id('exb-field')}/`,
    data: jsonData(exbData),
    resources: [
      { path: 'config/config.json', blob: bufferBlob(JSON.stringify(exbData), 'application/json') },
      { path: 'images/logo.png', blob: bufferBlob(png(96, 96, [0, 120, 130]), 'image/png') }
    ]
  });

  // ---------------------------------------------------------------- files
  const treesCsv = bufferBlob(
    ['TREE_ID,SPECIES,DBH_IN,CONDITION,LATITUDE,LONGITUDE', ...Array.from({ length: 120 }, (_, i) => `T${10000 + i},${rnd.pick(['Quercus agrifolia', 'Platanus racemosa', 'Jacaranda mimosifolia', 'Pinus canariensis'])},${rnd.int(4, 40)},${rnd.pick(['Good', 'Fair', 'Poor'])},${(lat0 + (rnd.next() - 0.5) * 0.08).toFixed(6)},${(lon0 + (rnd.next() - 0.5) * 0.12).toFixed(6)}`)].join('\r\n') + '\r\n',
    'text/csv'
  );
  const csvKeywords = ['CSV'];
  const file = (key: DemoKey, owner: string, title: string, type: string, typeKeywords: string[], blob: Blob, filename: string, tags: string[], rest: Partial<ItemInput> = {}) =>
    add({ id: id(key), owner, title, type, typeKeywords, created: ago(rnd.int(130, 1000)), ...fresh(), ...complete(title, tags), access: 'org', data: fileData(blob, filename), ...rest });

  file('csv-trees', U.lee, 'Street Trees Inventory', 'CSV', csvKeywords, treesCsv, 'street_trees.csv', ['trees', 'inventory'], { folderId: id('fld-analysis'), access: 'shared', groups: [id('grp-review-queue')] });
  // Planted: identical bytes under another title.
  file('csv-trees-copy', U.lee, 'Tree Survey Export', 'CSV', csvKeywords, treesCsv, 'tree_survey_export.csv', ['trees', 'survey']);
  file('csv-budget-2018', U.paul, 'Capital Budget 2018', 'CSV', csvKeywords,
    bufferBlob('PROJECT,DEPARTMENT,AMOUNT\r\nRoad resurfacing,Public Works,1200000\r\nPark lighting,Parks,85000\r\nGIS upgrade,IT,40000\r\n', 'text/csv'),
    'capital_budget_2018.csv', ['budget', '2018'], { created: ago(2150), modified: ago(2100), numViews: 0 });
  file('csv-traffic', U.lee, 'Traffic Counts 2025', 'CSV', csvKeywords,
    bufferBlob(['STATION,DATE,COUNT', ...Array.from({ length: 40 }, (_, i) => `S${i % 8},2025-0${1 + (i % 9)}-15,${rnd.int(800, 24000)}`)].join('\r\n'), 'text/csv'),
    'traffic_counts_2025.csv', ['traffic', 'counts'], { licenseInfo: null });
  // Planted: markup in title and description, which every UI must show as text.
  file('csv-feedback-xss', U.sam, 'Resident Feedback <img src=x onerror=alert(1)>', 'CSV', csvKeywords,
    bufferBlob('ID,COMMENT\r\n1,"Great parks"\r\n2,"<script>alert(1)</script>"\r\n', 'text/csv'), 'resident_feedback.csv', ['feedback', 'survey'], {
      description: '<p>Imported from the survey form.</p><script>alert("xss")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)" onclick="alert(3)">details</a>'
    });

  const checklist = (rev: string) => bufferBlob(pdf('Park Inspection Checklist', [`Revision ${rev}`, 'Playground surfacing', 'Restrooms', 'Irrigation']), 'application/pdf');
  file('pdf-checklist-a', U.maria, 'Park Inspection Checklist', 'PDF', ['Data', 'Document', 'PDF'], checklist('A'), 'park_inspection_checklist.pdf', ['parks', 'checklist'], { folderId: id('fld-parks') });
  file('pdf-checklist-b', U.maria, 'Park Inspection Checklist', 'PDF', ['Data', 'Document', 'PDF'], checklist('B'), 'park_inspection_checklist_v2.pdf', ['parks', 'checklist']);
  file('pdf-annual-report', U.admin, 'Annual GIS Report 2025', 'PDF', ['Data', 'Document', 'PDF'],
    bufferBlob(pdf('Annual GIS Report 2025', ['City of Demoville', 'GIS Division', '42 new maps published']), 'application/pdf'), 'annual_gis_report_2025.pdf', ['report', 'annual'],
    { folderId: id('fld-admin-reports'), access: 'public', groups: [id('grp-public-maps')] });
  file('pdf-flood-plan-2019', U.ann, 'Flood Response Plan 2019', 'PDF', ['Data', 'Document', 'PDF'],
    bufferBlob(pdf('Flood Response Plan 2019', ['Evacuation routes', 'Shelters']), 'application/pdf'), 'flood_response_plan_2019.pdf', ['flood', 'plan'],
    { folderId: id('fld-flood-2019'), access: 'shared', groups: [id('grp-flood-2019')], created: ago(2020), modified: ago(1800), numViews: 0 });
  file('pdf-snow-routes', U.tom, 'Snow Routes', 'PDF', ['Data', 'Document', 'PDF'],
    bufferBlob(pdf('Snow Routes', ['Priority 1: arterials', 'Priority 2: collectors']), 'application/pdf'), 'snow_routes.pdf', ['snow', 'routes'], { credits: null });

  // Planted: large items (lazy, generated on first download).
  const lidar = pdfLayout('LiDAR Survey Report 2023', ['Point density 8 ppsm'], 12 * 1024 * 1024);
  file('pdf-lidar', U.lee, 'LiDAR Survey Report 2023', 'PDF', ['Data', 'Document', 'PDF'],
    lazyBlob(lidar.size, 'application/pdf', () => pdf('LiDAR Survey Report 2023', ['Point density 8 ppsm'], 12 * 1024 * 1024)), 'lidar_survey_report_2023.pdf', ['lidar', 'survey'],
    { folderId: id('fld-analysis') });
  const orthoInner = 24 * 1024 * 1024;
  file('fgdb-ortho', U.tom, 'Orthophoto Mosaic 2024', 'File Geodatabase', ['File Geodatabase', 'Data'],
    lazyBlob(zipSize([{ name: 'ortho_2024.gdb/a00000009.gdbtable', size: orthoInner }]), 'application/zip', () =>
      zip([{ name: 'ortho_2024.gdb/a00000009.gdbtable', data: fillerBytes(orthoInner, 2024) }])), 'ortho_2024.zip', ['imagery', 'orthophoto'],
    { folderId: id('fld-utilities') });

  // Persistence saves these as "regenerate from the seed" rather than writing 36 MB of filler per state folder.
  for (const key of ['pdf-lidar', 'fgdb-ortho'] as const) {
    const data = state.items.get(id(key))!.data!;
    markSeeded(data, itemDataKey(id(key)));
  }
  file('img-city-hall', U.maria, 'City Hall', 'Image', ['Data', 'Image', 'png'], bufferBlob(png(320, 200, [170, 90, 40]), 'image/png'), 'city_hall.png', ['photo', 'city hall']);
  file('img-sidewalk', U.sam, 'Sidewalk Survey Photo', 'Image', ['Data', 'Image', 'png'], bufferBlob(png(240, 160, [90, 90, 90]), 'image/png'), 'sidewalk.png', ['sidewalk', 'photo'], { thumbnail: null });
  file('shp-zoning', U.tom, 'Zoning Districts', 'Shapefile', ['Data', 'Shapefile'],
    bufferBlob(zippedShapefile('zoning_districts', [
      { name: 'R-1 Residential', xmin: -117.23, ymin: 34.03, xmax: -117.2, ymax: 34.06 },
      { name: 'C-2 Commercial', xmin: -117.2, ymin: 34.04, xmax: -117.18, ymax: 34.07 },
      { name: 'M-1 Industrial', xmin: -117.18, ymin: 34.02, xmax: -117.15, ymax: 34.05 }
    ]), 'application/zip'), 'zoning_districts.zip', [], { folderId: id('fld-utilities'), access: 'shared', groups: [id('grp-gis-team')], tags: [] });
  file('geojson-districts', U.maria, 'Council District Boundaries', 'GeoJson', ['Data', 'GeoJSON'],
    bufferBlob(JSON.stringify({
      type: 'FeatureCollection',
      features: [1, 2, 3].map((n) => ({ type: 'Feature', properties: { DISTRICT: n }, geometry: { type: 'Polygon', coordinates: [[[-117.25 + n * 0.03, 34.02], [-117.25 + n * 0.03, 34.09], [-117.22 + n * 0.03, 34.09], [-117.22 + n * 0.03, 34.02], [-117.25 + n * 0.03, 34.02]]] } }))
    }), 'application/geo+json'), 'council_districts.geojson', ['districts', 'council'], { snippet: null });

  // The registered app from the base seed: complete and recently used, so it is not itself a planted case.
  for (const app of state.apps.values()) {
    const item = state.items.get(app.itemId);
    if (!item) continue;
    item.json.modified = ago(20);
    item.json.numViews = 57;
    item.json.accessInformation = 'City of Demoville GIS Division';
    item.json.licenseInfo = 'Internal application registration.';
    item.thumbnailBlob = thumb();
    item.json.thumbnail = 'thumbnail/thumbnail.png';
    item.json.scoreCompleteness = 100;
  }

  // Relationships ArcGIS keeps between items: apps built on maps (Map2App).
  state.relationships.push(
    { type: 'Map2App', originItemId: parksMap.json.id, destinationItemId: id('app-parks-finder'), created: ago(900), createdBy: U.maria },
    { type: 'Map2App', originItemId: waterMap.json.id, destinationItemId: id('exb-field'), created: ago(250), createdBy: U.tom }
  );
  void permitsItem;
  seedDemoItemTypes(emu, now);

  // Survey123 surveys and hosted feature layer views (their own random stream: nothing above changes).
  seedDemoSurveys(emu, now, id);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
