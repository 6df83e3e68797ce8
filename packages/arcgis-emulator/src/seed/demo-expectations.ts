import { type DemoItemTypeExpectations, demoItemTypeExpectations } from './demo-item-types-expectations.js';
import { seedId } from './items.js';

/**
 * What the demo organization (`--seed demo`, scale 1) holds on purpose, so tests can assert that a scan finds exactly
 * these cases and nothing else. Ids are derived from the random seed (`--random-seed`, default `orgkeeper-demo`), so
 * they are the same on every start; call `demoExpectations(seed)` for another seed.
 *
 * Thresholds the demo is built around (everything not planted is well inside them):
 * - stale: planted stale items were last modified more than 3 years ago and have `numViews` 0; every other item was
 *   modified within the last 120 days and has been viewed.
 * - inactive users: planted ones last signed in more than 365 days ago or never (`lastLogin` -1); every other user
 *   signed in within the last 45 days.
 * - large items: planted ones are at least 10 MB; every other item is under 1 MB.
 * - missing metadata: every item not listed under `missingMetadata` has a description, summary (`snippet`), tags,
 *   thumbnail, license (`licenseInfo`) and credits (`accessInformation`).
 * - public: exactly the items listed under `publicItems` have access `public`; `publicGroups` likewise.
 * - broken references: web maps and apps reference items by id and URL; all resolve except `brokenReferences`.
 *   Web maps' basemap layers point at Esri's public basemap services (services.arcgisonline.com, cdn.arcgis.com),
 *   which are outside the organization and not reachable from CI: a scan must not request them in tests.
 */
export interface DemoExpectations {
  randomSeed: string;
  users: {
    admin: string;
    /** Every seeded username, base admin included. */
    all: string[];
    byRole: { administrator: string[]; publisher: string[]; user: string[]; viewer: string[] };
    disabled: string[];
    /** Disabled users who still own items. */
    disabledOwningContent: string[];
    /** lastLogin -1. */
    neverLoggedIn: string[];
    /** lastLogin older than 365 days (and not -1). */
    noLoginOver365Days: string[];
  };
  groups: {
    all: string[];
    /** Groups with no members besides their owner and no items. */
    empty: string[];
    /** Groups that no item is shared with. */
    noContent: string[];
    /** Groups whose only member is the owner. */
    singleMember: string[];
    public: string[];
    /** Groups whose owner is disabled. */
    ownerDisabled: string[];
  };
  folders: { emptyFolders: string[] };
  items: {
    /** Every item the demo adds (the registered app item of the base seed is not listed: it is complete and fresh). */
    all: string[];
    staleItems: string[];
    publicItems: string[];
    /** Public hosted feature layers whose capabilities include Create, Update or Delete. */
    publiclyEditableLayers: string[];
    /** Sets of items with the same title, type and owner. */
    duplicatesByTitle: string[][];
    /** Sets of items whose data bytes are identical (titles differ). */
    duplicatesByData: string[][];
    missingMetadata: {
      description: string[];
      snippet: string[];
      tags: string[];
      thumbnail: string[];
      licenseInfo: string[];
      accessInformation: string[];
    };
    /** size >= 10 MB */
    largeItems: string[];
    /** Title and description hold script and event-handler markup (untrusted text, must be shown escaped). */
    markupInText: string[];
    /** Items owned by disabled users. */
    ownedByDisabledUsers: string[];
    /** Items that have resources; for each, its resource paths. */
    withResources: Record<string, string[]>;
  };
  brokenReferences: {
    /** Web map whose operational layer points at a deleted layer item (id and service URL both gone). */
    webMapToDeletedLayer: { itemId: string; missingItemId: string; missingServiceName: string };
    /** Web map whose operational layer has only a URL, to a service that does not exist. */
    webMapToDeadUrl: { itemId: string; deadServiceName: string };
    /** Web Mapping Application whose `values.webmap` names a web map that does not exist. */
    appToMissingMap: { itemId: string; missingItemId: string };
    /** The ids of all items holding a broken reference. */
    itemIds: string[];
    /** One entry per broken reference: the item, where in its data, and what it points at. */
    findings: { itemId: string; path: string; title?: string; missingItemId?: string; url?: string }[];
    /**
     * Basemap layers of the demo's web maps point at Esri's public basemaps on these hosts. They are outside the
     * organization and unreachable from CI: a scan must not count them as broken in tests (nor request them).
     */
    externalHosts: string[];
  };
  /** Hosted services: name -> item id, and notable layers. */
  services: {
    byName: Record<string, string>;
    /** Services with ChangeTracking in their capabilities. */
    changeTracking: string[];
    /** "service/layerId" of layers with attachments. */
    withAttachments: string[];
  };
  /** The items of every kind real organizations hold (demo-item-types-expectations.ts); merged into the lists above. */
  itemTypes: DemoItemTypeExpectations;
  /**
   * Hosted feature layer views (items of type Feature Service with the "View Service" keyword). Their rows are their
   * source's: a backup that reads features must read them from the source only.
   */
  views: {
    /** View item ids. */
    all: string[];
    /** View item id -> source item id (the view's Service2Data relationship, origin the view). */
    sourceOf: Record<string, string>;
    /** View item id -> its layer 0's viewDefinitionQuery ('' when none). */
    definitionQuery: Record<string, string>;
    /** View item id -> lower-cased names of the source fields layer 0 hides. */
    hiddenFields: Record<string, string[]>;
    /** Views that accept edits (isUpdatableView and Create/Update/Delete); the others are read-only. */
    updatable: string[];
    /** Public views that let anyone add features (Survey123 submission views). */
    publicSubmission: string[];
    /** Join views (`viewLayerDefinition.table`): view item id -> the item ids of the services it joins, main first. */
    joins: Record<string, string[]>;
  };
  /** The Survey123 surveys: form, its service, the submission and results views, and how it was published. */
  surveys: {
    publishedWith: 'web designer' | 'connect';
    form: string;
    service: string;
    /** The view the form submits to (the Survey123 "fieldworker" view of a public survey). */
    submissionView: string;
    /** The read-only view of the results (Survey2Data). */
    resultsView: string;
    /** Names of the repeat tables (related to layer 0 by parentglobalid -> globalid). */
    repeats: string[];
  }[];
  /** Every relationship between the demo's items. */
  relationships: { type: string; originItemId: string; destinationItemId: string }[];
  /** Item ids by role, for tests that need a specific kind of item. */
  ids: Record<DemoKey, string>;
}

/** Keys of the demo's named items, groups and folders; `ids[key]` is the deterministic id. */
export const DEMO_KEYS = [
  // hosted feature services
  'svc-water',
  'svc-bike-lanes',
  'svc-parks',
  'svc-permits',
  'svc-reports',
  'svc-flood-2019',
  // web maps
  'map-parks',
  'map-water',
  'map-reports',
  'map-flood-2019',
  'map-broken-deleted',
  'map-broken-url',
  'map-quick-sketch',
  // apps
  'app-parks-finder',
  'app-broken',
  'dash-water',
  'dash-parks',
  'story-parks',
  'exb-field',
  // Survey123: a web designer survey and a Survey123 Connect survey, each with its views
  'form-tree-requests',
  'svc-tree-requests',
  'view-tree-requests-fieldworker',
  'view-tree-requests-results',
  'form-storm-damage',
  'svc-storm-damage',
  'view-storm-damage-public',
  'view-storm-damage-office',
  // a filtered, read-only view of the bike lanes layer shared with the GIS team
  'view-bike-lanes-protected',
  // a join view: the fire stations with their latest inspection, kept in another service
  'svc-fire-stations',
  'svc-station-inspections',
  'view-stations-latest-inspection',
  // files
  'csv-trees',
  'csv-trees-copy',
  'csv-budget-2018',
  'csv-traffic',
  'csv-feedback-xss',
  'pdf-checklist-a',
  'pdf-checklist-b',
  'pdf-annual-report',
  'pdf-flood-plan-2019',
  'pdf-snow-routes',
  'pdf-lidar',
  'fgdb-ortho',
  'img-city-hall',
  'img-sidewalk',
  'shp-zoning',
  'geojson-districts',
  // ids that must NOT exist (planted broken references)
  'deleted-storm-drains',
  'deleted-permits-map',
  // groups
  'grp-gis-team',
  'grp-public-maps',
  'grp-field-ops',
  'grp-flood-2019',
  'grp-planning-archive',
  'grp-steering',
  'grp-review-queue',
  'grp-paul-test',
  // folders
  'fld-admin-reports',
  'fld-parks',
  'fld-transportation',
  'fld-utilities',
  'fld-field-apps',
  'fld-analysis',
  'fld-archive',
  'fld-flood-2019',
  'fld-survey-trees',
  'fld-survey-storm'
] as const;

export type DemoKey = (typeof DEMO_KEYS)[number];

export const DEMO_USERS = {
  admin: 'gis_admin',
  maria: 'maria.publisher',
  tom: 'tom.editor',
  lee: 'lee.analyst',
  sam: 'sam.fieldworker',
  kim: 'kim.viewer',
  ann: 'ann.retired',
  paul: 'paul.planner',
  olga: 'olga.archivist',
  intern: 'intern.2019',
  bob: 'contractor.bob'
} as const;

/** The password of a demo user (the administrator's is ADMIN_PASSWORD); viewers and disabled users cannot sign in to edit. */
export function demoPassword(username: string): string {
  return `${username}-Pass1!`;
}

export const DEMO_SERVICE_NAMES = {
  water: 'Demo_Water_Network',
  bikeLanes: 'Demo_Bike_Lanes',
  parks: 'Demo_City_Parks',
  permits: 'Demo_Building_Permits',
  reports: 'Demo_Community_Reports',
  flood2019: 'Demo_Flood_Zones_2019',
  /** Survey123 Connect names the service after the XLSForm's form_id; the views were made by its owner. */
  stormDamage: 'Storm_Damage_Reports',
  stormDamagePublic: 'Storm_Damage_Reports_public',
  stormDamageOffice: 'Storm_Damage_Reports_office',
  bikeLanesProtected: 'Demo_Bike_Lanes_Protected',
  fireStations: 'Demo_Fire_Stations',
  stationInspections: 'Demo_Station_Inspections',
  stationsLatestInspection: 'Demo_Stations_Latest_Inspection',
  /** Never created: the deleted layer the broken web map points at. */
  deletedStormDrains: 'Demo_Storm_Drains',
  /** Never created: the dead URL of the other broken web map. */
  deadHistoricParcels: 'Demo_Historic_Parcels'
} as const;

export function demoExpectations(randomSeed = 'orgkeeper-demo'): DemoExpectations {
  const ids = Object.fromEntries(DEMO_KEYS.map((k) => [k, seedId(randomSeed, k)])) as Record<DemoKey, string>;
  const u = DEMO_USERS;
  const itemKeys: DemoKey[] = DEMO_KEYS.filter((k) => /^(svc|map|app|dash|story|exb|csv|pdf|fgdb|img|shp|geojson|form|view)-/.test(k));
  const t = demoItemTypeExpectations(randomSeed);
  // The survey123 website names a web designer survey's service and views after the form's item id.
  const treeService = surveyServiceName(ids['form-tree-requests']);
  return {
    randomSeed,
    users: {
      admin: u.admin,
      all: Object.values(u),
      byRole: {
        administrator: [u.admin],
        publisher: [u.maria, u.tom, u.ann],
        user: [u.lee, u.sam, u.paul, u.olga, u.intern],
        viewer: [u.kim, u.bob]
      },
      disabled: [u.ann],
      disabledOwningContent: [u.ann],
      neverLoggedIn: [u.intern, u.bob],
      noLoginOver365Days: [u.ann, u.paul, u.olga]
    },
    groups: {
      all: [
        ids['grp-gis-team'],
        ids['grp-public-maps'],
        ids['grp-field-ops'],
        ids['grp-flood-2019'],
        ids['grp-planning-archive'],
        ids['grp-steering'],
        ids['grp-review-queue'],
        ids['grp-paul-test']
      ],
      empty: [ids['grp-paul-test']],
      noContent: [ids['grp-planning-archive'], ids['grp-steering'], ids['grp-paul-test']],
      singleMember: [ids['grp-review-queue'], ids['grp-paul-test']],
      public: [ids['grp-public-maps']],
      ownerDisabled: [ids['grp-flood-2019']]
    },
    folders: { emptyFolders: [ids['fld-archive']] },
    items: {
      all: [...itemKeys.map((k) => ids[k]), ...t.all],
      staleItems: [ids['svc-flood-2019'], ids['map-flood-2019'], ids['pdf-flood-plan-2019'], ids['csv-budget-2018']],
      publicItems: [
        ids['svc-reports'],
        ids['map-reports'],
        ids['app-parks-finder'],
        ids['pdf-annual-report'],
        // public surveys: the form and the view anyone submits to (the survey's service and results stay private)
        ids['form-tree-requests'],
        ids['view-tree-requests-fieldworker'],
        ids['form-storm-damage'],
        ids['view-storm-damage-public']
      ],
      publiclyEditableLayers: [ids['svc-reports'], ids['view-tree-requests-fieldworker'], ids['view-storm-damage-public']],
      duplicatesByTitle: [[ids['pdf-checklist-a'], ids['pdf-checklist-b']]],
      duplicatesByData: [[ids['csv-trees'], ids['csv-trees-copy']]],
      missingMetadata: {
        description: [ids['map-quick-sketch']],
        snippet: [ids['geojson-districts']],
        tags: [ids['shp-zoning']],
        thumbnail: [ids['img-sidewalk']],
        licenseInfo: [ids['csv-traffic']],
        accessInformation: [ids['pdf-snow-routes']]
      },
      largeItems: [ids['fgdb-ortho'], ids['pdf-lidar']],
      markupInText: [ids['csv-feedback-xss']],
      ownedByDisabledUsers: [ids['svc-flood-2019'], ids['map-flood-2019'], ids['pdf-flood-plan-2019']],
      withResources: {
        [ids['story-parks']]: ['draft.json', 'images/hero.png'],
        [ids['exb-field']]: ['config/config.json', 'images/logo.png'],
        [ids['map-water']]: ['notes/legend-notes.json'],
        ...t.withResources,
        [ids['form-tree-requests']]: ['form.json', 'media/header.png'],
        [ids['form-storm-damage']]: ['Storm_Damage_Reports.xlsx', 'Storm_Damage_Reports.webform', 'media/storm_banner.png']
      }
    },
    brokenReferences: {
      webMapToDeletedLayer: {
        itemId: ids['map-broken-deleted'],
        missingItemId: ids['deleted-storm-drains'],
        missingServiceName: DEMO_SERVICE_NAMES.deletedStormDrains
      },
      webMapToDeadUrl: { itemId: ids['map-broken-url'], deadServiceName: DEMO_SERVICE_NAMES.deadHistoricParcels },
      appToMissingMap: { itemId: ids['app-broken'], missingItemId: ids['deleted-permits-map'] },
      itemIds: [ids['map-broken-deleted'], ids['map-broken-url'], ids['app-broken'], ...t.broken.itemIds],
      findings: [
        { itemId: ids['map-broken-deleted'], path: 'operationalLayers[0]', title: 'Storm Drains', missingItemId: ids['deleted-storm-drains'], url: `<servicesRoot>/${DEMO_SERVICE_NAMES.deletedStormDrains}/FeatureServer/0` },
        { itemId: ids['map-broken-url'], path: 'operationalLayers[0]', title: 'Historic Parcels', url: `<servicesRoot>/${DEMO_SERVICE_NAMES.deadHistoricParcels}/FeatureServer/0` },
        { itemId: ids['app-broken'], path: 'values.webmap', missingItemId: ids['deleted-permits-map'] },
        ...t.broken.findings
      ],
      externalHosts: ['services.arcgisonline.com', 'cdn.arcgis.com', ...t.externalHosts]
    },
    services: {
      byName: {
        [DEMO_SERVICE_NAMES.water]: ids['svc-water'],
        [DEMO_SERVICE_NAMES.bikeLanes]: ids['svc-bike-lanes'],
        [DEMO_SERVICE_NAMES.parks]: ids['svc-parks'],
        [DEMO_SERVICE_NAMES.permits]: ids['svc-permits'],
        [DEMO_SERVICE_NAMES.reports]: ids['svc-reports'],
        [DEMO_SERVICE_NAMES.flood2019]: ids['svc-flood-2019'],
        ...t.services,
        [treeService]: ids['svc-tree-requests'],
        [`${treeService}_fieldworker`]: ids['view-tree-requests-fieldworker'],
        [`${treeService}_results`]: ids['view-tree-requests-results'],
        [DEMO_SERVICE_NAMES.stormDamage]: ids['svc-storm-damage'],
        [DEMO_SERVICE_NAMES.stormDamagePublic]: ids['view-storm-damage-public'],
        [DEMO_SERVICE_NAMES.stormDamageOffice]: ids['view-storm-damage-office'],
        [DEMO_SERVICE_NAMES.bikeLanesProtected]: ids['view-bike-lanes-protected'],
        [DEMO_SERVICE_NAMES.fireStations]: ids['svc-fire-stations'],
        [DEMO_SERVICE_NAMES.stationInspections]: ids['svc-station-inspections'],
        [DEMO_SERVICE_NAMES.stationsLatestInspection]: ids['view-stations-latest-inspection']
      },
      changeTracking: [DEMO_SERVICE_NAMES.water, DEMO_SERVICE_NAMES.parks],
      // Layers that hold attachments (views show their source's and hold none).
      withAttachments: [`${DEMO_SERVICE_NAMES.water}/0`, `${DEMO_SERVICE_NAMES.reports}/0`, `${treeService}/0`, `${DEMO_SERVICE_NAMES.stormDamage}/0`, `${DEMO_SERVICE_NAMES.stormDamage}/1`]
    },
    itemTypes: t,
    views: {
      all: [
        ids['view-tree-requests-fieldworker'],
        ids['view-tree-requests-results'],
        ids['view-storm-damage-public'],
        ids['view-storm-damage-office'],
        ids['view-bike-lanes-protected'],
        ids['view-stations-latest-inspection']
      ],
      sourceOf: {
        [ids['view-tree-requests-fieldworker']]: ids['svc-tree-requests'],
        [ids['view-tree-requests-results']]: ids['svc-tree-requests'],
        [ids['view-storm-damage-public']]: ids['svc-storm-damage'],
        [ids['view-storm-damage-office']]: ids['svc-storm-damage'],
        [ids['view-bike-lanes-protected']]: ids['svc-bike-lanes'],
        [ids['view-stations-latest-inspection']]: ids['svc-fire-stations']
      },
      definitionQuery: {
        [ids['view-tree-requests-fieldworker']]: '',
        [ids['view-tree-requests-results']]: "status <> 'spam'",
        [ids['view-storm-damage-public']]: '',
        [ids['view-storm-damage-office']]: "report_status <> 'duplicate'",
        [ids['view-bike-lanes-protected']]: "LANE_TYPE = 'PROT'",
        [ids['view-stations-latest-inspection']]: ''
      },
      hiddenFields: {
        [ids['view-tree-requests-fieldworker']]: [],
        [ids['view-tree-requests-results']]: ['email', 'phone'],
        [ids['view-storm-damage-public']]: [],
        [ids['view-storm-damage-office']]: ['reporter_phone', 'reporter_email'],
        [ids['view-bike-lanes-protected']]: ['length_mi'],
        [ids['view-stations-latest-inspection']]: []
      },
      joins: { [ids['view-stations-latest-inspection']]: [ids['svc-fire-stations'], ids['svc-station-inspections']] },
      updatable: [ids['view-tree-requests-fieldworker'], ids['view-storm-damage-public']],
      publicSubmission: [ids['view-tree-requests-fieldworker'], ids['view-storm-damage-public']]
    },
    surveys: [
      {
        publishedWith: 'web designer',
        form: ids['form-tree-requests'],
        service: ids['svc-tree-requests'],
        submissionView: ids['view-tree-requests-fieldworker'],
        resultsView: ids['view-tree-requests-results'],
        repeats: ['trees']
      },
      {
        publishedWith: 'connect',
        form: ids['form-storm-damage'],
        service: ids['svc-storm-damage'],
        submissionView: ids['view-storm-damage-public'],
        resultsView: ids['view-storm-damage-office'],
        repeats: ['damage_items']
      }
    ],
    relationships: [
      { type: 'Map2App', originItemId: ids['map-parks'], destinationItemId: ids['app-parks-finder'] },
      { type: 'Map2App', originItemId: ids['map-water'], destinationItemId: ids['exb-field'] },
      // the survey123 website points a public web designer survey at its fieldworker view
      { type: 'Survey2Service', originItemId: ids['form-tree-requests'], destinationItemId: ids['view-tree-requests-fieldworker'] },
      { type: 'Survey2Data', originItemId: ids['form-tree-requests'], destinationItemId: ids['view-tree-requests-results'] },
      { type: 'Service2Data', originItemId: ids['view-tree-requests-fieldworker'], destinationItemId: ids['svc-tree-requests'] },
      { type: 'Service2Data', originItemId: ids['view-tree-requests-results'], destinationItemId: ids['svc-tree-requests'] },
      // Survey123 Connect relates the form to the service it published; the form submits to the public view
      { type: 'Survey2Service', originItemId: ids['form-storm-damage'], destinationItemId: ids['svc-storm-damage'] },
      { type: 'Survey2Data', originItemId: ids['form-storm-damage'], destinationItemId: ids['view-storm-damage-office'] },
      { type: 'Service2Data', originItemId: ids['view-storm-damage-public'], destinationItemId: ids['svc-storm-damage'] },
      { type: 'Service2Data', originItemId: ids['view-storm-damage-office'], destinationItemId: ids['svc-storm-damage'] },
      { type: 'Service2Data', originItemId: ids['view-bike-lanes-protected'], destinationItemId: ids['svc-bike-lanes'] },
      { type: 'Service2Data', originItemId: ids['view-stations-latest-inspection'], destinationItemId: ids['svc-fire-stations'] },
      { type: 'Service2Data', originItemId: ids['view-stations-latest-inspection'], destinationItemId: ids['svc-station-inspections'] },
      ...t.relationships
    ],
    ids
  };
}

/** The service name the survey123 website gives a web designer survey's service (`survey123_<form item id>`). */
export function surveyServiceName(formItemId: string): string {
  return `survey123_${formItemId}`;
}

/** The expectations for the default random seed (`orgkeeper-demo`). */
export const DEMO_EXPECTATIONS: DemoExpectations = demoExpectations();
