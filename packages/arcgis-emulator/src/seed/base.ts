import { type ResolvedOptions } from '../options.js';
import { EmulatorState } from '../state/state.js';
import { type AppRegistration, type ItemRecord, type OrgRecord, type UserRecord } from '../state/types.js';
import { Random } from '../util/random.js';

/** Credentials of the seeded administrator (printed on start so tests and the demo can sign in). */
export const ADMIN_USERNAME = 'gis_admin';
export const ADMIN_PASSWORD = 'Demo-Admin-2026!';

/** Privileges ArcGIS gives the built-in roles (a representative subset of the real lists). */
export const PRIVILEGES = {
  org_admin: [
    'features:user:edit',
    'features:user:fullEdit',
    'portal:admin:assignToGroups',
    'portal:admin:changeUserRoles',
    'portal:admin:createUpdateCapableGroup',
    'portal:admin:deleteGroups',
    'portal:admin:deleteItems',
    'portal:admin:deleteUsers',
    'portal:admin:disableUsers',
    'portal:admin:inviteUsers',
    'portal:admin:manageEnterpriseGroups',
    'portal:admin:manageLicenses',
    'portal:admin:manageRoles',
    'portal:admin:manageSecurity',
    'portal:admin:manageServers',
    'portal:admin:manageUtilityServices',
    'portal:admin:manageWebsite',
    'portal:admin:reassignGroups',
    'portal:admin:reassignItems',
    'portal:admin:reassignUsers',
    'portal:admin:shareToGroup',
    'portal:admin:shareToOrg',
    'portal:admin:shareToPublic',
    'portal:admin:updateGroups',
    'portal:admin:updateItemCategorySchema',
    'portal:admin:updateItems',
    'portal:admin:updateMemberCategorySchema',
    'portal:admin:updateUsers',
    'portal:admin:viewGroups',
    'portal:admin:viewItems',
    'portal:admin:viewUsers',
    'portal:publisher:publishFeatures',
    'portal:publisher:publishScenes',
    'portal:publisher:publishServerServices',
    'portal:publisher:publishTiles',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:joinNonOrgGroup',
    'portal:user:shareGroupToOrg',
    'portal:user:shareGroupToPublic',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:shareToPublic',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers',
    'premium:user:geocode',
    'premium:user:networkanalysis'
  ],
  org_publisher: [
    'features:user:edit',
    'portal:publisher:publishFeatures',
    'portal:publisher:publishScenes',
    'portal:publisher:publishTiles',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:shareToPublic',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers',
    'premium:user:geocode'
  ],
  org_user: [
    'features:user:edit',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers'
  ],
  viewer: ['portal:user:joinGroup', 'portal:user:viewOrgGroups', 'portal:user:viewOrgItems', 'portal:user:viewOrgUsers']
} as const;

export interface BaseSeed {
  state: EmulatorState;
  admin: UserRecord;
  app: AppRegistration;
}

/**
 * The organization every seed starts from: the org, its administrator and a registered application (App ID) whose
 * redirect URIs can be changed through `oauth2/apps/<client_id>/update` like a real one.
 */
export function createBaseState(options: ResolvedOptions, now: number): BaseSeed {
  const random = new Random(`${options.randomSeed}:base`);
  // ArcGIS Enterprise's single organization always has the id 0123456789ABCDEF.
  const orgId = options.kind === 'enterprise' ? '0123456789ABCDEF' : random.alnum(16);
  const created = now - 6 * 365 * 24 * 3600 * 1000;
  const org: OrgRecord = {
    id: orgId,
    urlKey: options.kind === 'enterprise' ? '' : 'demo-city',
    name: options.kind === 'enterprise' ? 'Demo City GIS (Enterprise)' : 'Demo City GIS',
    description: 'The emulated organization of the fictional city of Demoville.',
    created,
    modified: created,
    customBaseUrl: options.kind === 'enterprise' ? '' : 'maps.arcgis.com',
    culture: 'en',
    region: 'US',
    units: 'english',
    defaultBasemapTitle: 'Topographic',
    maxTokenExpirationMinutes: options.kind === 'enterprise' ? 20160 : 129600,
    allowedRedirectUris: [],
    authorizedCrossOriginDomains: [],
    subscriptionInfo:
      options.kind === 'enterprise'
        ? null
        : { id: random.alnum(16), type: 'In House', state: 'active', expDate: now + 365 * 24 * 3600 * 1000, maxUsers: 500, availableCredits: 10000 },
    extra: {}
  };
  const state = new EmulatorState(org, options.randomSeed);
  const admin = state.addUser({
    username: ADMIN_USERNAME,
    id: random.hexId(),
    fullName: 'Alex Admin',
    firstName: 'Alex',
    lastName: 'Admin',
    email: 'gis_admin@demo-city.example',
    description: 'Administrator of the Demo City GIS organization.',
    tags: [],
    culture: 'en',
    region: 'US',
    units: 'english',
    thumbnail: null,
    access: 'org',
    orgId,
    role: 'org_admin',
    roleId: null,
    privileges: [...PRIVILEGES.org_admin],
    userLicenseTypeId: options.kind === 'enterprise' ? 'creatorUT' : 'creatorUT',
    level: '2',
    disabled: false,
    provider: options.kind === 'enterprise' ? 'arcgis' : 'arcgis',
    idpUsername: null,
    created,
    modified: created,
    lastLogin: now - 3600 * 1000,
    storageQuota: 2199023255552,
    mfaEnabled: false,
    password: ADMIN_PASSWORD
  });

  const appItemId = random.hexId();
  const clientId = random.alnum(16);
  const appItem: ItemRecord = {
    json: {
      id: appItemId,
      owner: admin.username,
      orgId,
      created: created + 1000,
      modified: created + 1000,
      guid: null,
      name: null,
      title: 'OrgKeeper',
      type: 'Application',
      typeKeywords: ['Application', 'Registered App'],
      description: 'Application registration used by OrgKeeper to sign in with OAuth 2.0.',
      tags: ['OrgKeeper'],
      snippet: 'OAuth 2.0 application for OrgKeeper',
      thumbnail: null,
      documentation: null,
      extent: [],
      categories: [],
      spatialReference: null,
      accessInformation: null,
      licenseInfo: null,
      culture: 'en-us',
      properties: null,
      advancedSettings: null,
      url: null,
      proxyFilter: null,
      access: 'private',
      size: 0,
      subInfo: 0,
      appCategories: [],
      industries: [],
      languages: [],
      largeThumbnail: null,
      banner: null,
      screenshots: [],
      listed: false,
      ownerFolder: null,
      protected: false,
      commentsEnabled: false,
      numComments: 0,
      numRatings: 0,
      avgRating: 0,
      numViews: 0,
      itemControl: 'admin',
      scoreCompleteness: 40,
      groupDesignations: null
    },
    data: null,
    resources: new Map(),
    thumbnailBlob: null,
    metadataXml: null,
    groups: new Set()
  };
  state.addItem(appItem);
  const app: AppRegistration = {
    itemId: appItemId,
    clientId,
    clientSecret: random.hexId(),
    appType: 'multiple',
    redirectUris: ['urn:ietf:wg:oauth:2.0:oob'],
    registered: created + 1000,
    modified: created + 1000,
    apnsProdCert: null,
    apnsSandboxCert: null,
    gcmApiKey: null,
    httpReferrers: [],
    privileges: []
  };
  state.apps.set(clientId, app);
  return { state, admin, app };
}
