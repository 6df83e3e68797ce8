import { type EmulatorContext } from '../context.js';
import { createHostedService } from '../features/hosted-service.factory.js';
import { createHostedView, type HostedViewSpec } from '../features/hosted-view.factory.js';
import { type AttachmentSpec, type Feature, type HostedServiceSpec } from '../features/types.js';
import { type ItemRecord } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { Random } from '../util/random.js';
import { metadataXml, png } from './assets.js';
import { DEMO_SERVICE_NAMES, DEMO_USERS as U, type DemoKey, surveyServiceName } from './demo-expectations.js';
import { DAY, fileData, makeFolder, makeItem } from './items.js';
import { itemDataKey, itemResourceKey, markSeeded } from './seed-registry.js';
import { choices, formPackage, type SurveyDesign, surveyLayers, surveyViewLayers, webDesignerForm, webform, xform, xlsform } from './survey123.js';

/**
 * The demo organization's Survey123 surveys and views (see demo-expectations.ts `surveys` and `views`):
 *
 * - "Tree Planting Requests", made in the Survey123 web designer and shared publicly from the survey123 website: the
 *   Form item, its service `survey123_<form id>` (the survey layer and the `trees` repeat), the website's public
 *   `_fieldworker` view (add only) the form submits to, and the `_results` view (read only, spam filtered out,
 *   contact fields hidden) shared with the GIS team.
 * - "Storm Damage Reports", made in Survey123 Connect: the Form item (XLSForm, XForm, .webform), its service
 *   `Storm_Damage_Reports` (the survey layer and the `damage_items` repeat, photos on both) shared with the field
 *   crews, and two views its owner made: a public one the XLSForm's `submission_url` points at, and a read-only
 *   office view without duplicates or the reporters' contact details.
 * - A read-only view of the Bike Lanes layer showing the protected lanes, shared with the GIS team.
 *
 * Draws from its own random stream, so the rest of the demo is the same as without it.
 */
export function seedDemoSurveys(emu: EmulatorContext, now: number, id: (key: DemoKey) => string): void {
  const { state } = emu;
  const rnd = new Random(`${emu.options.randomSeed}:demo-surveys`);
  const ago = (days: number, hours = 0) => now - days * DAY - hours * 3600 * 1000;
  const portalUrl = emu.urls.portalUrl;
  const svcUrl = (name: string) => `${emu.urls.servicesRoot}/${name}/FeatureServer`;

  makeFolder(state, id('fld-survey-trees'), U.maria, 'Survey-Tree Planting Requests', ago(245));
  makeFolder(state, id('fld-survey-storm'), U.tom, 'Survey-Storm Damage Reports', ago(185));

  /** Every demo item is documented: description, summary, tags, thumbnail, credits, license, metadata. */
  const document = (item: ItemRecord, tags: string[], abstract: string, colour: [number, number, number]) => {
    const title = item.json.title;
    item.json.description = item.json.description ?? `<div>${title}: maintained by the City of Demoville GIS Division.</div>`;
    item.json.snippet = item.json.snippet ?? `${title} for the City of Demoville`;
    item.json.tags = item.json.tags.length > 0 ? item.json.tags : tags;
    item.json.accessInformation = 'City of Demoville GIS Division';
    item.json.licenseInfo = 'For internal use by City of Demoville staff. Contact gis@demo-city.example before sharing.';
    item.thumbnailBlob = bufferBlob(png(200, 133, colour), 'image/png');
    item.json.thumbnail = 'thumbnail/thumbnail.png';
    item.metadataXml = bufferBlob(metadataXml({ title, abstract, tags: item.json.tags, created: item.json.created }), 'application/xml');
    item.json.numViews = rnd.int(40, 2600);
    item.json.scoreCompleteness = 100;
  };
  const service = (spec: HostedServiceSpec, abstract: string, colour: [number, number, number]) => {
    const { item } = createHostedService(emu, spec);
    document(item, spec.tags ?? [], abstract, colour);
    return item;
  };
  const view = (spec: HostedViewSpec, abstract: string, colour: [number, number, number]) => {
    const { item } = createHostedView(emu, spec);
    document(item, spec.tags ?? [], abstract, colour);
    return item;
  };
  const relate = (type: string, origin: string, destination: string, created: number) =>
    state.relationships.push({ type, originItemId: origin, destinationItemId: destination, created, createdBy: state.items.get(origin)!.json.owner });

  // Points around the city centre, in Web Mercator.
  const point = () => {
    const lon = -117.19 + (rnd.next() - 0.5) * 0.12;
    const lat = 34.055 + (rnd.next() - 0.5) * 0.08;
    const y = (Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) / (Math.PI / 180)) * (20037508.34 / 180);
    return { x: Math.round(((lon * 20037508.34) / 180) * 100) / 100, y: Math.round(y * 100) / 100 };
  };
  const photo = (name: string, keywords: string): AttachmentSpec => ({
    name,
    contentType: 'image/png',
    data: png(64, 48, [rnd.int(30, 200), rnd.int(60, 200), rnd.int(30, 160)]),
    keywords
  });
  // ------------------------------------------------------------------ Tree Planting Requests (web designer)
  const treeFormId = id('form-tree-requests');
  const treeServiceName = surveyServiceName(treeFormId);
  const treeDesign: SurveyDesign = {
    title: 'Tree Planting Requests',
    formId: 'survey',
    version: '1.3',
    questions: [
      { type: 'text', name: 'resident_name', label: 'Your name', required: true },
      { type: 'text', name: 'email', label: 'Email', hint: 'We will tell you when your tree is planted.' },
      { type: 'text', name: 'phone', label: 'Phone number' },
      { type: 'text', name: 'address', label: 'Street address for the new tree', required: true },
      { type: 'select_one reason', name: 'reason', label: 'Why would you like a tree here?', required: true },
      { type: 'integer', name: 'tree_count', label: 'How many trees?' },
      { type: 'date', name: 'request_date', label: 'Date of request' },
      { type: 'image', name: 'site_photo', label: 'Photo of the planting site' },
      { type: 'geopoint', name: 'location', label: 'Location', required: true },
      { type: 'begin repeat', name: 'trees', label: 'Trees requested' },
      { type: 'select_one species', name: 'species', label: 'Preferred species' },
      { type: 'text', name: 'spot_note', label: 'Where exactly?' },
      { type: 'end repeat', name: 'trees', label: 'Trees requested' },
      { type: 'select_one status', name: 'status', label: 'Status', appearance: 'hidden', default: 'new' },
      { type: 'text', name: 'staff_notes', label: 'Staff notes', appearance: 'hidden', fieldLength: 1000 }
    ],
    choices: [
      ...choices('reason', [['shade', 'Shade'], ['beautify', 'Beautify the street'], ['replace', 'Replace a removed tree'], ['other', 'Other']]),
      ...choices('species', [['oak', 'Coast live oak'], ['sycamore', 'California sycamore'], ['redbud', 'Western redbud'], ['jacaranda', 'Jacaranda'], ['no_pref', 'No preference']]),
      ...choices('status', [['new', 'New'], ['approved', 'Approved'], ['planted', 'Planted'], ['declined', 'Declined'], ['spam', 'Spam']])
    ]
  };
  const treeRequests: Feature[] = [];
  const treeRows: Feature[] = [];
  const treePhotos: Record<number, AttachmentSpec[]> = {};
  const streets = ['Orange St', 'Citrus Ave', 'Brookside Ave', 'Cajon St', 'Olive Ave', 'Fern Ave', 'Sylvan Blvd', 'Church St'];
  const statuses = ['new', 'new', 'approved', 'approved', 'planted', 'declined', 'spam'];
  for (let i = 1; i <= 24; i++) {
    const globalid = rnd.guid();
    const submitted = ago(rnd.int(3, 230), rnd.int(0, 23));
    const status = i % 8 === 0 ? 'spam' : rnd.pick(statuses.slice(0, 6));
    const count = rnd.int(1, 3);
    treeRequests.push({
      attributes: {
        globalid,
        resident_name: status === 'spam' ? 'asdf' : rnd.pick(['J. Alvarez', 'M. Nguyen', 'R. Patel', 'S. Kim', 'D. Brooks', 'A. Romero', 'T. Walsh']),
        email: status === 'spam' ? 'win-a-prize@example.invalid' : `resident${i}@mail.example`,
        phone: rnd.chance(0.6) ? `909-555-${String(1000 + i)}` : null,
        address: `${rnd.int(100, 2999)} ${rnd.pick(streets)}`,
        reason: rnd.pick(['shade', 'beautify', 'replace', 'other']),
        tree_count: count,
        request_date: submitted,
        status,
        staff_notes: status === 'declined' ? 'Utility lines overhead' : null,
        CreationDate: submitted,
        Creator: '',
        EditDate: submitted,
        Editor: ''
      },
      geometry: point()
    });
    if (i % 3 === 1) treePhotos[i] = [photo(`site_photo-${i}.png`, 'site_photo')];
    for (let t = 0; t < count; t++) {
      treeRows.push({
        attributes: {
          parentglobalid: globalid,
          species: rnd.pick(['oak', 'sycamore', 'redbud', 'jacaranda', 'no_pref']),
          spot_note: rnd.pick(['Front yard strip', 'Corner of the lot', 'Next to the driveway', 'Parkway between sidewalk and curb']),
          CreationDate: submitted,
          Creator: '',
          EditDate: submitted,
          Editor: ''
        }
      });
    }
  }
  const treeCreated = ago(240);
  const treeTags = ['Survey123', 'trees', 'requests', 'public'];
  service(
    {
      name: treeServiceName,
      title: 'Tree Planting Requests',
      owner: U.maria,
      folderId: id('fld-survey-trees'),
      itemId: id('svc-tree-requests'),
      access: 'private',
      tags: treeTags,
      capabilities: 'Create,Delete,Query,Update,Editing',
      created: treeCreated,
      modified: ago(3, 5),
      typeKeywords: [treeFormId, 'Survey123', 'Survey123 Hub', 'Source', 'SurveyService'],
      ...surveyLayers(treeDesign, { features: [treeRequests, treeRows], photos: [treePhotos], displayField: 'resident_name' })
    },
    'Requests for street trees submitted by residents through the Tree Planting Requests survey.',
    [40, 140, 80]
  );
  const fieldworker = view(
    {
      name: `${treeServiceName}_fieldworker`,
      title: 'Tree Planting Requests_fieldworker',
      owner: U.maria,
      folderId: id('fld-survey-trees'),
      itemId: id('view-tree-requests-fieldworker'),
      access: 'public',
      tags: treeTags,
      // "Only add new records": the public can submit, not query, update or delete.
      capabilities: 'Create,Editing',
      updatable: true,
      created: ago(235),
      modified: ago(20),
      typeKeywords: [treeFormId, 'Survey123', 'Survey123 Hub', 'FieldworkerView'],
      layers: surveyViewLayers(treeServiceName, treeDesign)
    },
    'The view the public Tree Planting Requests survey submits to (add only).',
    [40, 140, 80]
  );
  const results = view(
    {
      name: `${treeServiceName}_results`,
      title: 'Tree Planting Requests_results',
      owner: U.maria,
      folderId: id('fld-survey-trees'),
      itemId: id('view-tree-requests-results'),
      access: 'shared',
      groups: [id('grp-gis-team')],
      tags: treeTags,
      capabilities: 'Query',
      updatable: false,
      created: ago(235),
      modified: ago(20),
      typeKeywords: [treeFormId, 'Survey123', 'Survey123 Hub', 'StakeholderView'],
      layers: surveyViewLayers(treeServiceName, treeDesign, { viewDefinitionQuery: "status <> 'spam'", hiddenFields: ['email', 'phone'] })
    },
    'Tree planting requests for Parks staff: spam removed, residents\u2019 contact details hidden.',
    [40, 140, 80]
  );
  const treeForm = form({
    id: treeFormId,
    owner: U.maria,
    folderId: id('fld-survey-trees'),
    tags: treeTags,
    created: treeCreated,
    modified: ago(20),
    publishedWith: 'web designer',
    baseName: treeFormId,
    design: treeDesign,
    submissionUrl: svcUrl(`${treeServiceName}_fieldworker`),
    service: { itemId: fieldworker.json.id, url: svcUrl(`${treeServiceName}_fieldworker`) },
    media: [{ name: 'header.png', data: png(600, 120, [40, 140, 80]) }]
  });
  relate('Survey2Service', treeForm.json.id, fieldworker.json.id, ago(235));
  relate('Survey2Data', treeForm.json.id, results.json.id, ago(235));

  // ------------------------------------------------------------------ Storm Damage Reports (Survey123 Connect)
  const stormFormId = id('form-storm-damage');
  const stormPublicUrl = svcUrl(DEMO_SERVICE_NAMES.stormDamagePublic);
  const stormDesign: SurveyDesign = {
    title: 'Storm Damage Reports',
    formId: 'Storm_Damage_Reports',
    version: '2.0',
    style: 'pages',
    submissionUrl: stormPublicUrl,
    questions: [
      { type: 'dateTime', name: 'observed_at', label: 'When did you see the damage?', required: true },
      { type: 'select_one damage', name: 'damage_type', label: 'Type of damage', required: true },
      { type: 'select_one severity', name: 'severity', label: 'How serious is it?', required: true },
      { type: 'text', name: 'description', label: 'Describe the damage', appearance: 'multiline', fieldLength: 1000 },
      { type: 'image', name: 'overview_photo', label: 'Photo of the damage' },
      { type: 'geopoint', name: 'location', label: 'Where is it?', required: true },
      { type: 'begin repeat', name: 'damage_items', label: 'Damaged items' },
      { type: 'select_one item', name: 'item_type', label: 'What is damaged?' },
      { type: 'integer', name: 'item_count', label: 'How many?' },
      { type: 'image', name: 'item_photo', label: 'Photo' },
      { type: 'end repeat', name: 'damage_items', label: 'Damaged items' },
      { type: 'text', name: 'reporter_name', label: 'Your name' },
      { type: 'text', name: 'reporter_phone', label: 'Phone (optional)' },
      { type: 'text', name: 'reporter_email', label: 'Email (optional)' },
      { type: 'select_one report_status', name: 'report_status', label: 'Status', appearance: 'hidden', default: 'received' }
    ],
    choices: [
      ...choices('damage', [['tree_down', 'Tree down'], ['flooding', 'Flooding'], ['power_line', 'Power line down'], ['roof', 'Roof damage'], ['debris', 'Debris on the road']]),
      ...choices('severity', [['minor', 'Minor'], ['moderate', 'Moderate'], ['major', 'Major'], ['severe', 'Severe: danger to people']]),
      ...choices('item', [['vehicle', 'Vehicle'], ['fence', 'Fence'], ['tree', 'Tree'], ['structure', 'Building or structure']]),
      ...choices('report_status', [['received', 'Received'], ['assigned', 'Assigned to a crew'], ['resolved', 'Resolved'], ['duplicate', 'Duplicate']])
    ]
  };
  const reports: Feature[] = [];
  const items: Feature[] = [];
  const reportPhotos: Record<number, AttachmentSpec[]> = {};
  const itemPhotos: Record<number, AttachmentSpec[]> = {};
  for (let i = 1; i <= 30; i++) {
    const globalid = rnd.guid();
    const observed = ago(rnd.int(2, 170), rnd.int(0, 23));
    const status = i % 7 === 0 ? 'duplicate' : rnd.pick(['received', 'assigned', 'resolved', 'resolved']);
    const byPublic = rnd.chance(0.6);
    reports.push({
      attributes: {
        globalid,
        observed_at: observed,
        damage_type: rnd.pick(['tree_down', 'flooding', 'power_line', 'roof', 'debris']),
        severity: rnd.pick(['minor', 'moderate', 'moderate', 'major', 'severe']),
        description: rnd.pick(['Large branch across the sidewalk', 'Water over the curb', 'Shingles torn off', 'Road blocked by debris', 'Line sparking near the pole']),
        reporter_name: byPublic ? rnd.pick(['K. Lee', 'P. Garcia', 'B. Osei', null]) : 'S. Okafor',
        reporter_phone: byPublic && rnd.chance(0.5) ? `909-555-${String(2000 + i)}` : null,
        reporter_email: byPublic && rnd.chance(0.5) ? `reporter${i}@mail.example` : null,
        report_status: status,
        CreationDate: observed,
        Creator: byPublic ? '' : U.sam,
        EditDate: observed,
        Editor: byPublic ? '' : U.sam
      },
      geometry: point()
    });
    if (i % 2 === 0) reportPhotos[i] = [photo(`overview_photo-${i}.png`, 'overview_photo')];
    const n = rnd.int(0, 2);
    for (let k = 0; k < n; k++) {
      items.push({ attributes: { parentglobalid: globalid, item_type: rnd.pick(['vehicle', 'fence', 'tree', 'structure']), item_count: rnd.int(1, 4), CreationDate: observed, Creator: '', EditDate: observed, Editor: '' } });
      if (items.length % 3 === 0) itemPhotos[items.length] = [photo(`item_photo-${items.length}.png`, 'item_photo')];
    }
  }
  const stormCreated = ago(180);
  const stormTags = ['Survey123', 'storm', 'damage', 'emergency'];
  const stormService = service(
    {
      name: DEMO_SERVICE_NAMES.stormDamage,
      title: 'Storm Damage Reports',
      owner: U.tom,
      folderId: id('fld-survey-storm'),
      itemId: id('svc-storm-damage'),
      access: 'shared',
      groups: [id('grp-field-ops')],
      tags: stormTags,
      capabilities: 'Create,Delete,Query,Update,Editing',
      created: stormCreated,
      modified: ago(2, 1),
      typeKeywords: ['Survey123'],
      ...surveyLayers(stormDesign, { features: [reports, items], photos: [reportPhotos, itemPhotos], displayField: 'damage_type' })
    },
    'Storm damage reported by residents and field crews through the Storm Damage Reports survey.',
    [30, 110, 170]
  );
  view(
    {
      name: DEMO_SERVICE_NAMES.stormDamagePublic,
      title: 'Storm Damage Reports (public submissions)',
      owner: U.tom,
      folderId: id('fld-survey-storm'),
      itemId: id('view-storm-damage-public'),
      access: 'public',
      tags: stormTags,
      capabilities: 'Create,Editing',
      updatable: true,
      created: ago(176),
      modified: ago(30),
      layers: surveyViewLayers(DEMO_SERVICE_NAMES.stormDamage, stormDesign)
    },
    'The view the public Storm Damage Reports survey submits to (XLSForm submission_url); add only.',
    [30, 110, 170]
  );
  const stormOffice = view(
    {
      name: DEMO_SERVICE_NAMES.stormDamageOffice,
      title: 'Storm Damage Reports (office)',
      owner: U.tom,
      folderId: id('fld-survey-storm'),
      itemId: id('view-storm-damage-office'),
      access: 'shared',
      groups: [id('grp-gis-team')],
      tags: stormTags,
      capabilities: 'Query',
      updatable: false,
      created: ago(176),
      modified: ago(30),
      layers: surveyViewLayers(DEMO_SERVICE_NAMES.stormDamage, stormDesign, { viewDefinitionQuery: "report_status <> 'duplicate'", hiddenFields: ['reporter_phone', 'reporter_email'] })
    },
    'Storm damage reports for the office: duplicates removed, reporters\u2019 contact details hidden.',
    [30, 110, 170]
  );
  const stormForm = form({
    id: stormFormId,
    owner: U.tom,
    folderId: id('fld-survey-storm'),
    tags: stormTags,
    created: stormCreated,
    modified: ago(30),
    publishedWith: 'connect',
    baseName: 'Storm_Damage_Reports',
    design: stormDesign,
    submissionUrl: stormPublicUrl,
    service: { itemId: stormService.json.id, url: svcUrl(DEMO_SERVICE_NAMES.stormDamage) },
    media: [{ name: 'storm_banner.png', data: png(600, 120, [30, 110, 170]) }]
  });
  relate('Survey2Service', stormForm.json.id, stormService.json.id, ago(176));
  relate('Survey2Data', stormForm.json.id, stormOffice.json.id, ago(176));

  // ------------------------------------------------------------------ a filtered view of the bike lanes
  view(
    {
      name: DEMO_SERVICE_NAMES.bikeLanesProtected,
      title: 'Protected Bike Lanes',
      owner: U.maria,
      folderId: id('fld-transportation'),
      itemId: id('view-bike-lanes-protected'),
      access: 'shared',
      groups: [id('grp-gis-team')],
      tags: ['transportation', 'bicycle', 'protected'],
      capabilities: 'Query',
      updatable: false,
      created: ago(90),
      modified: ago(15),
      layers: [{ id: 0, sourceServiceName: DEMO_SERVICE_NAMES.bikeLanes, sourceLayerId: 0, viewDefinitionQuery: "LANE_TYPE = 'PROT'", hiddenFields: ['LENGTH_MI'] }]
    },
    'The protected bike lanes of the Bike Lanes layer, for the active transportation plan.',
    [120, 60, 150]
  );

  // ------------------------------------------------------------------ a join view across two services
  // The fire stations, and their safety inspections kept in a table of another service, joined: each station with
  // its latest inspection (a LEFT join with a topFilter, the one-to-many case Esri's join views serve).
  // Deterministic (demoStationInspection): stations FS-01..FS-06 have two inspections each, FS-07 and FS-08 none.
  service(
    {
      name: DEMO_SERVICE_NAMES.fireStations,
      title: 'Fire Stations',
      owner: U.tom,
      folderId: id('fld-utilities'),
      itemId: id('svc-fire-stations'),
      access: 'org',
      tags: ['fire', 'stations', 'public safety'],
      capabilities: 'Create,Delete,Query,Update,Editing',
      created: ago(900),
      modified: ago(45),
      layers: [
        {
          id: 0,
          name: 'Stations',
          geometryType: 'esriGeometryPoint',
          displayField: 'STATION_ID',
          fields: [
            { name: 'STATION_ID', type: 'esriFieldTypeString', alias: 'Station', length: 10 },
            { name: 'STATION_NAME', type: 'esriFieldTypeString', alias: 'Name', length: 60 },
            { name: 'ENGINES', type: 'esriFieldTypeSmallInteger', alias: 'Engines' }
          ],
          features: Array.from({ length: 8 }, (_, i) => ({
            attributes: { STATION_ID: `FS-0${i + 1}`, STATION_NAME: `Station ${i + 1}`, ENGINES: 1 + (i % 3) },
            geometry: point()
          }))
        }
      ]
    },
    'The fire stations of the city.',
    [200, 40, 40]
  );
  service(
    {
      name: DEMO_SERVICE_NAMES.stationInspections,
      title: 'Fire Station Inspections',
      owner: U.tom,
      folderId: id('fld-utilities'),
      itemId: id('svc-station-inspections'),
      access: 'org',
      tags: ['fire', 'stations', 'inspections'],
      capabilities: 'Create,Delete,Query,Update,Editing',
      created: ago(400),
      modified: ago(10),
      tables: [
        {
          id: 0,
          name: 'Inspections',
          fields: [
            { name: 'STATION_ID', type: 'esriFieldTypeString', alias: 'Station', length: 10 },
            { name: 'INSPECTED', type: 'esriFieldTypeDate', alias: 'Inspected' },
            { name: 'SCORE', type: 'esriFieldTypeSmallInteger', alias: 'Score' },
            { name: 'INSPECTOR', type: 'esriFieldTypeString', length: 50 }
          ],
          features: Array.from({ length: 12 }, (_, i) => ({
            attributes: { STATION_ID: demoStationInspection(i).station, INSPECTED: ago(10 + i * 9), SCORE: demoStationInspection(i).score, INSPECTOR: ['S. Okafor', 'T. Becker', 'L. Chen'][i % 3] }
          }))
        }
      ]
    },
    'Safety inspections of the fire stations.',
    [200, 60, 40]
  );
  view(
    {
      name: DEMO_SERVICE_NAMES.stationsLatestInspection,
      title: 'Fire Stations with Latest Inspection',
      owner: U.tom,
      folderId: id('fld-utilities'),
      itemId: id('view-stations-latest-inspection'),
      access: 'org',
      tags: ['fire', 'stations', 'join'],
      capabilities: 'Query',
      updatable: false,
      created: ago(60),
      modified: ago(9),
      layers: [
        {
          id: 0,
          name: 'Stations with Latest Inspection',
          sourceServiceName: DEMO_SERVICE_NAMES.fireStations,
          sourceLayerId: 0,
          join: {
            name: 'Stations',
            sourceServiceName: DEMO_SERVICE_NAMES.fireStations,
            sourceLayerId: 0,
            fields: [{ name: 'STATION_ID', source: 'STATION_ID' }, { name: 'STATION_NAME', source: 'STATION_NAME' }],
            relatedTables: [
              {
                name: 'Inspections',
                sourceServiceName: DEMO_SERVICE_NAMES.stationInspections,
                sourceLayerId: 0,
                fields: [
                  { name: 'LAST_INSPECTED', source: 'INSPECTED', alias: 'Last inspected' },
                  { name: 'LAST_SCORE', source: 'SCORE', alias: 'Last score' }
                ],
                type: 'LEFT',
                parentKeyFields: ['STATION_ID'],
                keyFields: ['STATION_ID'],
                topFilter: { groupByFields: 'STATION_ID', orderByFields: 'INSPECTED DESC', topCount: 1 }
              }
            ],
            materialized: false
          }
        }
      ]
    },
    'Each fire station with its latest safety inspection: a join view of Fire Stations and Fire Station Inspections.',
    [200, 90, 60]
  );

  /**
   * A Form item as Survey123 publishes it: the survey package (XForm, .webform, .info, .itemInfo, the XLSForm for
   * Connect, media) as data; as resources the web designer's form.json or Connect's XLSForm and .webform, and the
   * media. Data and resources hold service URLs, so both are regenerated from the seed on restart.
   */
  function form(spec: {
    id: string;
    owner: string;
    folderId: string;
    tags: string[];
    created: number;
    modified: number;
    publishedWith: 'web designer' | 'connect';
    baseName: string;
    design: SurveyDesign;
    submissionUrl: string;
    /** What the `.info` file names as the survey's service. */
    service: { itemId: string; url: string };
    media: { name: string; data: Buffer }[];
  }): ItemRecord {
    const connect = spec.publishedWith === 'connect';
    const typeKeywords = ['Form', 'Survey123', connect ? 'Survey123 Connect' : 'Survey123 Hub', 'xForm'];
    const base = spec.baseName;
    const xlsx = xlsform(spec.design, spec.submissionUrl);
    const web = webform(spec.design, spec.submissionUrl);
    const files = [
      ...(connect ? [{ name: `${base}.xlsx`, data: xlsx }] : []),
      { name: `${base}.xml`, data: xform(spec.design, spec.submissionUrl) },
      { name: `${base}.webform`, data: web },
      { name: `${base}.info`, data: JSON.stringify({ type: 'xForm', displayInfo: { style: 'pages' }, serviceInfo: spec.service }) },
      { name: `${base}.itemInfo`, data: JSON.stringify({ id: spec.id, title: spec.design.title, type: 'Form', typeKeywords, url: null }) },
      ...spec.media.map((m) => ({ name: `media/${m.name}`, data: m.data }))
    ];
    const media = spec.media.map((m) => ({ path: `media/${m.name}`, blob: bufferBlob(m.data, 'image/png') }));
    const resources = connect
      ? [
          { path: `${base}.xlsx`, blob: bufferBlob(xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') },
          { path: `${base}.webform`, blob: bufferBlob(web, 'application/json') },
          ...media
        ]
      : [{ path: 'form.json', blob: bufferBlob(JSON.stringify(webDesignerForm(spec.design, portalUrl)), 'application/json') }, ...media];
    const item = makeItem(state, {
      id: spec.id,
      owner: spec.owner,
      folderId: spec.folderId,
      title: spec.design.title,
      type: 'Form',
      typeKeywords,
      name: `${base}.zip`,
      tags: spec.tags,
      access: 'public',
      created: spec.created,
      modified: spec.modified,
      data: fileData(bufferBlob(formPackage(files), 'application/zip'), `${base}.zip`),
      resources
    });
    markSeeded(item.data!, itemDataKey(item.json.id));
    for (const r of item.resources.values()) markSeeded(r.blob, itemResourceKey(item.json.id, r.path));
    document(item, spec.tags, `The ${spec.design.title} survey (ArcGIS Survey123).`, [170, 90, 40]);
    return item;
  }
}

/** The demo's station inspection `i` (0 <= i < 12): stations FS-01..FS-06 twice each, inspection i the later one. */
export function demoStationInspection(i: number): { station: string; score: number } {
  return { station: `FS-0${1 + (i % 6)}`, score: 60 + ((i * 17) % 40) };
}
