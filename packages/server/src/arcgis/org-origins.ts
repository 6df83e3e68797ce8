/**
 * The organization's own origins: the only places OrgKeeper sends an identity's credentials to, or sends any request
 * to at all while it works for that identity. They are the portal and the servers the portal itself lists:
 *
 * - ArcGIS Enterprise: `portals/self/servers` (Esri: "Servers", users-groups-and-items/servers): every ArcGIS Server
 *   site federated with the portal, `{servers: [{id, name, url, isHosted, adminUrl, serverType, serverRole,
 *   serverFunction}]}`; the hosting server has `serverRole: "HOSTING_SERVER"` (and `isHosted: true`). Only `url`, the
 *   externally visible URL, is trusted: OrgKeeper never calls the administrative URL.
 * - ArcGIS Online: `portals/self/urls` (Esri: "URLs", users-groups-and-items/urls): the servers hosting the
 *   organization's feature and tile services, `{urls: {features: {https: [...]}, tiles: {https: [...]}}}`.
 *   Esri's example shows full URLs (an Enterprise answer); for ArcGIS Online Esri's Python API reads the entries as host
 *   names and builds `https://<host>/<orgId>/arcgis/rest/services` (features) and
 *   `https://<host>/tiles/<orgId>/arcgis/rest/services` (tiles). *Unverified*: no Esri document shows an ArcGIS
 *   Online answer; both forms are accepted here.
 *
 * Origins are compared after WHATWG URL parsing (what Node's fetch itself uses): scheme, lower-case host (IPv4 in any
 * spelling becomes dotted decimal, IPv6 is bracketed and compressed), port (default ports dropped). A URL with user
 * info, or that is not http(s), belongs to no origin at all.
 */
import { toArcGISFailure } from './arcgis-errors.js';

/** One server of the organization, as the portal lists it. */
export interface OrgServer {
  /** `scheme://host[:port]` as WHATWG URL serializes it. */
  origin: string;
  /** Lower-case path of the server's services directory, with a trailing slash: `/server/rest/services/`. */
  servicesPath: string;
  /** The organization's hosted services live here (Enterprise hosting server; Online feature servers). */
  hosting: boolean;
  /** The services directory's URL, for people and logs. */
  servicesUrl: string;
}

/** What ArcGIS answered about the organization's servers (the loader's input, exported for tests). */
export interface OrgServersAnswer {
  portalUrl: string;
  orgId: string;
  isPortal: boolean;
  /** Enterprise: `portals/self/servers` `servers`. */
  servers?: unknown;
  /** Online: `portals/self/urls` `urls`. */
  urls?: unknown;
  /** Why the servers are not known (the portal refused to list them). */
  problem?: string;
}

/**
 * The canonical origin of an absolute http(s) URL, or undefined when the URL has none OrgKeeper accepts (not a URL,
 * another scheme, or user info such as `https://org.maps.arcgis.com@evil.example/`, which ArcGIS URLs never carry).
 */
export function urlOrigin(url: string): string | undefined {
  const parsed = parseHttpUrl(url);
  return parsed?.origin;
}

function parseHttpUrl(url: string): URL | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  return parsed;
}

/** The organization's origins and servers; built once per session (see ArcGISSession.orgOrigins). */
export class OrgOrigins {
  readonly portalOrigin: string;
  readonly origins: ReadonlySet<string>;
  readonly servers: readonly OrgServer[];
  /** Why the list may be incomplete (shown in run results; never fatal). */
  readonly problems: readonly string[];

  constructor(init: { portalUrl: string; servers: readonly OrgServer[]; problems?: readonly string[] }) {
    const portalOrigin = urlOrigin(init.portalUrl);
    if (!portalOrigin) throw new Error(`The portal URL ${init.portalUrl} is not an http(s) URL.`);
    this.portalOrigin = portalOrigin;
    this.servers = init.servers;
    this.origins = new Set([portalOrigin, ...init.servers.map((s) => s.origin)]);
    this.problems = init.problems ?? [];
  }

  /** Whether the URL is on one of the organization's origins (the only URLs that may get a token, or be requested). */
  allows(url: string): boolean {
    const origin = urlOrigin(url);
    return origin !== undefined && this.origins.has(origin);
  }

  /** The server whose services directory holds the URL, if any. */
  serverOf(url: string): OrgServer | undefined {
    const parsed = parseHttpUrl(url);
    if (!parsed) return undefined;
    // Paths are compared without case: ArcGIS Server answers `/ArcGIS/rest/services` and `/arcgis/rest/services` alike.
    const path = parsed.pathname.toLowerCase();
    return this.servers.find((s) => s.origin === parsed.origin && path.startsWith(s.servicesPath));
  }

  /**
   * The feature service URL (`<hosting server>/rest/services/[<folder>/]<name>/FeatureServer`) when `url` is that
   * service (or one of its layers, `/FeatureServer/<id>`) on one of the organization's hosting servers; otherwise
   * undefined. No query or fragment, no encoded slashes: anything unusual is not a hosted service.
   */
  hostedFeatureServiceUrl(url: string): string | undefined {
    const parsed = parseHttpUrl(url.trim());
    if (!parsed || parsed.search !== '' || parsed.hash !== '') return undefined;
    const server = this.serverOf(parsed.href);
    if (!server?.hosting) return undefined;
    const rest = parsed.pathname.slice(server.servicesPath.length).replace(/\/+$/, '');
    const segments = rest.split('/');
    if (/^\d+$/.test(segments.at(-1) ?? '')) segments.pop();
    if (segments.length < 2 || segments.length > 3 || segments.at(-1)!.toLowerCase() !== 'featureserver') return undefined;
    if (segments.some((s) => s === '' || /%(2f|5c)/i.test(s))) return undefined;
    return `${parsed.origin}${parsed.pathname.slice(0, server.servicesPath.length)}${segments.join('/')}`;
  }
}

const SERVICES = '/rest/services/';

function serverFrom(raw: string, hosting: boolean): OrgServer | undefined {
  const parsed = parseHttpUrl(raw.trim());
  if (!parsed || parsed.search !== '' || parsed.hash !== '') return undefined;
  const base = parsed.pathname.replace(/\/+$/, '');
  const servicesPath = `${base}${SERVICES}`.toLowerCase();
  return { origin: parsed.origin, servicesPath, hosting, servicesUrl: `${parsed.origin}${base}${SERVICES.slice(0, -1)}` };
}

/** An ArcGIS Online `urls` entry: a host name (`services7.arcgis.com`), or a full URL as Esri's example shows. */
function onlineServer(entry: unknown, scheme: string, orgId: string, kind: 'features' | 'tiles'): OrgServer | undefined {
  if (typeof entry !== 'string' || entry.trim() === '') return undefined;
  const text = entry.trim();
  if (text.includes('://')) return serverFrom(text, kind === 'features');
  let parsed: URL;
  try {
    parsed = new URL(`${scheme}//${text}`);
  } catch {
    return undefined;
  }
  // Only a bare host[:port]: anything with a path, user info, query or fragment is not a host name.
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') return undefined;
  const id = encodeURIComponent(orgId);
  return serverFrom(`${parsed.origin}${kind === 'tiles' ? `/tiles/${id}` : `/${id}`}/arcgis`, kind === 'features');
}

/** Builds the organization's origins from what the portal answered (pure: tested without a portal). */
export function orgOriginsFrom(answer: OrgServersAnswer): OrgOrigins {
  const problems: string[] = answer.problem ? [answer.problem] : [];
  const servers: OrgServer[] = [];
  const skipped: string[] = [];
  if (answer.isPortal) {
    const list = Array.isArray(answer.servers) ? answer.servers : [];
    for (const raw of list) {
      const s = (raw ?? {}) as { url?: unknown; serverRole?: unknown; isHosted?: unknown };
      const server = typeof s.url === 'string' ? serverFrom(s.url, s.serverRole === 'HOSTING_SERVER' || s.isHosted === true) : undefined;
      if (server) servers.push(server);
      else skipped.push(String(s.url));
    }
  } else {
    const urls = (answer.urls ?? {}) as Record<string, Record<string, unknown> | undefined>;
    // The organization's servers are reached with the portal's own scheme: an https portal never hands its token to
    // an http URL (only a portal on plain http, such as a local test portal, uses the `http` list).
    const scheme = new URL(answer.portalUrl).protocol;
    for (const kind of ['features', 'tiles'] as const) {
      const list = urls[kind]?.[scheme.slice(0, -1)];
      for (const entry of Array.isArray(list) ? list : []) {
        const server = onlineServer(entry, scheme, answer.orgId, kind);
        if (server) servers.push(server);
        else skipped.push(String(entry));
      }
    }
  }
  if (skipped.length > 0) problems.push(`The portal listed servers OrgKeeper cannot use (not plain http(s) URLs or host names): ${skipped.slice(0, 5).join(', ')}.`);
  return new OrgOrigins({ portalUrl: answer.portalUrl, servers, problems });
}

/** What loading needs: a typed GET through the identity's session (limits, retries, token). */
export interface OrgOriginsRequester {
  portalUrl: string;
  restUrl: string;
  request<T>(url: string, params?: Record<string, unknown>): Promise<T>;
}

/**
 * Asks the portal which servers are the organization's: `portals/self` (Online or Enterprise, the org id), then
 * `portals/self/servers` (Enterprise) or `portals/self/urls` (Online). A portal that refuses to list them (an old
 * release, a custom role without the privilege) leaves only the portal itself, with a problem saying so; a failure
 * that may pass (network, 5xx after the session's retries) is thrown, so nothing is decided on a half answer.
 */
export async function loadOrgOrigins(requester: OrgOriginsRequester): Promise<OrgOrigins> {
  const self = await requester.request<{ id?: unknown; isPortal?: unknown }>(`${requester.restUrl}/portals/self`);
  const isPortal = self.isPortal === true;
  const orgId = typeof self.id === 'string' ? self.id : '';
  const endpoint = isPortal ? 'servers' : 'urls';
  const answer: OrgServersAnswer = { portalUrl: requester.portalUrl, orgId, isPortal };
  try {
    const listed = await requester.request<{ servers?: unknown; urls?: unknown }>(`${requester.restUrl}/portals/self/${endpoint}`);
    if (isPortal) answer.servers = listed.servers;
    else answer.urls = listed.urls;
  } catch (error) {
    const failure = toArcGISFailure(error);
    if (failure.kind !== 'not_found' && failure.kind !== 'invalid' && failure.kind !== 'forbidden') throw error;
    answer.problem =
      `The portal did not list the organization's ${isPortal ? 'federated servers' : 'hosting servers'} (portals/self/${endpoint}: ${failure.message}), ` +
      'so only the portal itself is trusted: hosted feature layers on other servers are kept as external references, without their data.';
  }
  return orgOriginsFrom(answer);
}
