import { type Ctx, type EmulatorContext } from '../context.js';
import { recycleBinPortalFields } from '../content/recycle-bin.js';
import { ArcGISError } from '../errors.js';
import { type Router } from '../router.js';
import { isAdmin } from '../state/permissions.js';
import { trackStateWrites } from '../state/track-writes.js';
import { registerGroupRoutes } from './groups.routes.js';
import { registerServerRoutes } from './servers.routes.js';
import { registerUserRoutes } from './users.routes.js';
import { userJson } from './views.js';

/**
 * `portals/self` version strings. ArcGIS Online reports its release as `currentVersion`; Enterprise 11.3's portal
 * reports "2024.1". Seeds can override any field through `org.extra`.
 */
const VERSIONS = { online: '2025.2', enterprise: '2024.1' };

export function registerPortalRoutes(router: Router, emu: EmulatorContext): void {
  // user and group listings read indexes derived from the state; every change must move the state's version
  trackStateWrites(emu);
  const rest = emu.urls.paths.rest;
  // The REST root only tells the portal's version (Esri's "Root" resource).
  router.any(rest, () => ({ currentVersion: emu.options.kind === 'online' ? VERSIONS.online : VERSIONS.enterprise }), { name: 'sharing/rest' });
  router.any(`${rest}/portals/self`, (ctx) => portalJson(ctx), { name: 'portals/self' });
  router.any(
    `${rest}/portals/:portalId`,
    (ctx) => {
      const id = ctx.params.portalId ?? '';
      if (id.toLowerCase() !== emu.state.org.id.toLowerCase()) {
        throw new ArcGISError(400, 'Portal does not exist or is inaccessible.', { details: [] });
      }
      return portalJson(ctx);
    },
    { name: 'portals/<orgId>' }
  );
  registerUserRoutes(router, emu);
  registerGroupRoutes(router, emu);
  registerServerRoutes(router, emu);
}

export function portalJson(ctx: Ctx): Record<string, unknown> {
  const { emu } = ctx;
  const { org } = emu.state;
  const online = emu.options.kind === 'online';
  const origin = new URL(emu.urls.portalUrl);
  const hostname = online ? origin.host : `${origin.host}${emu.urls.paths.portal}`;
  const admins = [...emu.state.users.values()].filter((u) => isAdmin(u) && u.orgId === org.id).map((u) => u.username);
  const utilities = online ? 'https://utility.arcgisonline.com/arcgis/rest/services' : `${emu.urls.serverUrl}/rest/services/Utilities`;
  const json: Record<string, unknown> = {
    access: 'public',
    allSSL: false,
    allowedOrigins: [],
    allowedRedirectUris: [...org.allowedRedirectUris],
    authorizedCrossOriginDomains: [...org.authorizedCrossOriginDomains],
    basemapGalleryGroupQuery: online ? 'title:"United States Basemaps" AND owner:Esri_cy_US' : 'title:"Basemaps" AND owner:esri',
    canListApps: false,
    canListData: false,
    canListPreProvisionedItems: false,
    canProvisionDirectPurchase: false,
    canSearchPublic: true,
    canShareBingPublic: false,
    canSharePublic: true,
    canSignInArcGIS: true,
    canSignInIDP: true,
    commentsEnabled: false,
    contacts: admins,
    created: org.created,
    culture: org.culture,
    currentVersion: online ? VERSIONS.online : VERSIONS.enterprise,
    customBaseUrl: org.customBaseUrl,
    defaultBasemap: { title: org.defaultBasemapTitle, baseMapLayers: [] },
    defaultExtent: {
      type: 'extent',
      xmin: -13630000,
      ymin: 4540000,
      xmax: -13620000,
      ymax: 4550000,
      spatialReference: { wkid: 102100 }
    },
    defaultVectorBasemap: { title: org.defaultBasemapTitle, baseMapLayers: [] },
    description: org.description,
    featuredGroups: [],
    hasCategorySchema: false,
    helperServices: {
      geometry: { url: `${utilities}/Geometry/GeometryServer` },
      printTask: { url: `${utilities}/PrintingTools/GPServer/Export%20Web%20Map%20Task` },
      ...(online ? { geocode: [{ url: 'https://geocode.arcgis.com/arcgis/rest/services/World/GeocodeServer', northLat: 'Ymax', southLat: 'Ymin', eastLon: 'Xmax', westLon: 'Xmin', name: 'ArcGIS World Geocoding Service', batch: true, placefinding: true, suggest: true }] } : {})
    },
    httpPort: Number(origin.port) || 80,
    httpsPort: 443,
    id: org.id,
    isPortal: !online,
    ...(online ? {} : { isWindows: false, portalLocalHttpPort: Number(origin.port) || 80 }),
    isHubEnabled: false,
    maxTokenExpirationMinutes: org.maxTokenExpirationMinutes,
    metadataEditable: true,
    metadataFormats: ['iso19139'],
    mfaAdmins: [],
    mfaEnabled: false,
    modified: org.modified,
    name: org.name,
    notificationsEnabled: false,
    portalHostname: hostname,
    portalMode: online ? 'multitenant' : 'singletenant',
    portalName: online ? 'ArcGIS Online' : 'ArcGIS Enterprise',
    portalProperties: {},
    portalThumbnail: null,
    region: org.region,
    rotatorPanels: [],
    showHomePageDescription: false,
    staticImagesUrl: online ? 'https://static.arcgis.com/images' : `${emu.urls.portalUrl}/home/10.3/js/arcgisonline/css/images`,
    supportsHostedServices: true,
    supportsOAuth: true,
    thumbnail: null,
    units: org.units,
    updateUserProfileDisabled: false,
    urlKey: org.urlKey,
    useStandardizedQuery: true,
    useVectorBasemaps: true,
    ...(online ? { subscriptionInfo: org.subscriptionInfo ?? {}, ipCntryCode: 'US' } : {}),
    ...recycleBinPortalFields(emu),
    ...org.extra
  };
  if (ctx.user) {
    json.user = userJson(emu, ctx.user, ctx.user);
    if (isAdmin(ctx.user)) {
      // Administrators see the org's storage figures; "items in the recycle bin continue to incur a storage credit cost".
      let usage = 0;
      for (const item of emu.state.items.values()) if (item.json.orgId === org.id && item.json.size > 0) usage += item.json.size;
      for (const { item } of emu.state.recycleBin.values()) if (item.json.orgId === org.id && item.json.size > 0) usage += item.json.size;
      json.storageUsage = usage;
      json.storageQuota = online ? 2199023255552 : -1;
    }
  }
  return json;
}
