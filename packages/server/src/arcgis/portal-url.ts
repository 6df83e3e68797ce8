/**
 * Normalizes what an administrator pastes as an organization's URL into the portal URL OrgKeeper stores:
 * `https://myorg.maps.arcgis.com`, `https://host/portal`. Paths such as `/home/index.html`, `/sharing/rest` and
 * trailing slashes are removed; the REST root is `<portal>/sharing/rest`.
 */
export interface PortalUrls {
  portalUrl: string;
  restUrl: string;
}

export class PortalUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortalUrlError';
  }
}

const TRAILING_PARTS = [/\/home(\/.*)?$/i, /\/sharing(\/rest)?(\/.*)?$/i, /\/apps\/.*$/i, /\/index\.html$/i];

export function normalizePortalUrl(input: string): PortalUrls {
  const raw = input.trim();
  if (raw === '') throw new PortalUrlError('Enter the URL of the organization, for example https://myorg.maps.arcgis.com.');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    throw new PortalUrlError(`"${raw}" is not a URL. Enter it as https://myorg.maps.arcgis.com or https://host/portal.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PortalUrlError(`The URL must start with https:// (found ${url.protocol}//).`);
  }
  if (url.username || url.password) throw new PortalUrlError('Remove the user name and password from the URL.');
  let path = url.pathname.replace(/\/+$/, '');
  for (const pattern of TRAILING_PARTS) path = path.replace(pattern, '');
  path = path.replace(/\/+$/, '');
  const host = url.host.toLowerCase();
  const portalUrl = `${url.protocol}//${host}${path}`;
  return { portalUrl, restUrl: `${portalUrl}/sharing/rest` };
}

/** ArcGIS Online organizations live under arcgis.com; everything else is an ArcGIS Enterprise portal. */
export function looksLikeArcGISOnline(portalUrl: string): boolean {
  const host = new URL(portalUrl).hostname.toLowerCase();
  return host === 'www.arcgis.com' || host === 'arcgis.com' || host.endsWith('.maps.arcgis.com') || host.endsWith('.mapsdevext.arcgis.com');
}
