import { defaultRecycleBinSettings } from '../content/recycle-bin.js';
import { type ResolvedOptions } from '../options.js';
import { newItemRecord, newUserRecord } from '../state/records.js';
import { EmulatorState } from '../state/state.js';
import { type AppRegistration, type OrgRecord, type UserRecord } from '../state/types.js';
import { Random } from '../util/random.js';

/** Credentials of the seeded administrator (printed on start so tests and the demo can sign in). */
export const ADMIN_USERNAME = 'gis_admin';
export const ADMIN_PASSWORD = 'Demo-Admin-2026!';

export { PRIVILEGES } from '../state/records.js';

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
    extra: {},
    // Organizations created since June 2024 have the recycle bin on (seeds and --recycle-bin may change it).
    ...(options.kind === 'online' ? { recycleBin: defaultRecycleBinSettings() } : {})
  };
  const state = new EmulatorState(org, options.randomSeed);
  const admin = state.addUser(
    newUserRecord({
      username: ADMIN_USERNAME,
      id: random.hexId(),
      fullName: 'Alex Admin',
      email: 'gis_admin@demo-city.example',
      description: 'Administrator of the Demo City GIS organization.',
      orgId,
      role: 'org_admin',
      created,
      lastLogin: now - 3600 * 1000,
      password: ADMIN_PASSWORD
    })
  );

  const appItemId = random.hexId();
  const clientId = random.alnum(16);
  const appItem = newItemRecord({
    id: appItemId,
    owner: admin.username,
    orgId,
    created: created + 1000,
    title: 'OrgKeeper',
    type: 'Application',
    typeKeywords: ['Application', 'Registered App'],
    description: 'Application registration used by OrgKeeper to sign in with OAuth 2.0.',
    tags: ['OrgKeeper'],
    snippet: 'OAuth 2.0 application for OrgKeeper',
    culture: 'en-us',
    itemControl: 'admin',
    scoreCompleteness: 40
  });
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
