import type { ArcGISSession } from '../arcgis/arcgis-session.js';

/**
 * The few portal calls identities need: an anonymous probe of `<rest>/info` and `portals/self` (is it ArcGIS, which
 * kind, which org), the signed-in user (`portals/self` + `community/self`), and a look at the sign-in page before the
 * browser is sent there.
 */

export interface PortalSelf {
  isPortal: boolean;
  orgId: string | null;
  portalName: string | null;
}

export type ProbeResult =
  | { kind: 'ok'; portal: PortalSelf }
  /** The portal answers 401 with `WWW-Authenticate: Negotiate`: it is behind IWA (Windows sign-in). */
  | { kind: 'negotiate' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'not_arcgis'; message: string };

const PROBE_TIMEOUT_MS = 15_000;

export interface ProbeOptions {
  /** Headers for each request (IWA: a fresh Negotiate token every time; a token cannot be replayed). */
  headersFor?: (url: string) => Promise<Record<string, string>>;
  timeoutMs?: number;
}

/** Checks, without signing in, that the URL is an ArcGIS portal, and reads what it says about itself. */
export async function probePortal(
  portalUrl: string,
  restUrl: string,
  options: ProbeOptions = {}
): Promise<ProbeResult> {
  const info = await getJson(`${restUrl}/info?f=json`, options);
  if (info.kind === 'unreachable') return { kind: 'unreachable', message: `OrgKeeper could not reach ${portalUrl}: ${info.message}` };
  if (info.status === 401 && /negotiate/i.test(info.headers.get('www-authenticate') ?? '')) return { kind: 'negotiate' };
  const infoBody = info.json as { authInfo?: unknown; owningSystemUrl?: unknown } | undefined;
  if (!infoBody || typeof infoBody !== 'object' || (!('authInfo' in infoBody) && !('owningSystemUrl' in infoBody))) {
    return {
      kind: 'not_arcgis',
      message:
        `${portalUrl} answered, but not like an ArcGIS portal (${restUrl}/info gave HTTP ${info.status}${info.json === undefined ? ', not JSON' : ''}). ` +
        'Enter the address you open the organization at, e.g. https://myorg.maps.arcgis.com or https://gis.example.com/portal.'
    };
  }
  const self = await getJson(`${restUrl}/portals/self?f=json`, options);
  if (self.kind === 'unreachable') return { kind: 'unreachable', message: `OrgKeeper could not reach ${portalUrl}: ${self.message}` };
  if (self.status === 401 && /negotiate/i.test(self.headers.get('www-authenticate') ?? '')) return { kind: 'negotiate' };
  const body = self.json as { isPortal?: unknown; id?: unknown; name?: unknown; error?: { message?: unknown } } | undefined;
  if (!body || typeof body !== 'object' || body.error || typeof body.isPortal !== 'boolean') {
    const detail = body?.error?.message ? `: ${String(body.error.message)}` : ` (HTTP ${self.status})`;
    return {
      kind: 'not_arcgis',
      message: `${portalUrl} did not describe itself as an ArcGIS portal (${restUrl}/portals/self${detail}). Check the URL, e.g. https://gis.example.com/portal.`
    };
  }
  return { kind: 'ok', portal: toPortalSelf(body) };
}

function toPortalSelf(body: { isPortal?: unknown; id?: unknown; name?: unknown }): PortalSelf {
  return {
    isPortal: body.isPortal === true,
    orgId: typeof body.id === 'string' && body.id ? body.id : null,
    portalName: typeof body.name === 'string' && body.name ? body.name : null
  };
}

export interface SignedInUser {
  username: string;
  fullName: string | null;
  /** org_admin, org_publisher, org_user (custom roles keep the base role here). */
  role: string | null;
  orgId: string | null;
}

export interface SignedInInfo {
  portal: PortalSelf;
  user: SignedInUser;
}

/** Who the session is signed in as, and in which organization (`portals/self` and `community/self`). */
export async function fetchSignedIn(session: ArcGISSession): Promise<SignedInInfo> {
  const self = await session.request<{ isPortal?: unknown; id?: unknown; name?: unknown; user?: { orgId?: unknown } }>(
    `${session.restUrl}/portals/self`
  );
  const user = await session.request<{ username?: unknown; fullName?: unknown; role?: unknown; orgId?: unknown }>(
    `${session.restUrl}/community/self`
  );
  const portal = toPortalSelf(self);
  // For an organization, portals/self's id is the org; a signed-in user of another org sees that org's portals/self.
  const orgOfUser = typeof user.orgId === 'string' ? user.orgId : typeof self.user?.orgId === 'string' ? self.user.orgId : null;
  return {
    portal,
    user: {
      username: typeof user.username === 'string' ? user.username : '',
      fullName: typeof user.fullName === 'string' ? user.fullName : null,
      role: typeof user.role === 'string' ? user.role : null,
      orgId: orgOfUser
    }
  };
}

export type AuthorizePreflight =
  | { kind: 'ok' }
  | { kind: 'redirect_uri' }
  | { kind: 'client_id' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'other'; message: string };

/**
 * Loads the portal's sign-in page without following redirects, the way the browser would: an unregistered
 * redirect URI or an unknown client id shows the portal's own error page (400) instead of the sign-in form, which a
 * user would otherwise meet as a cryptic portal page.
 */
export async function preflightAuthorize(authorizeUrl: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<AuthorizePreflight> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(authorizeUrl, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/html,application/json' } });
    text = await response.text();
  } catch (error) {
    return { kind: 'unreachable', message: describeFetchError(error) };
  }
  // A sign-in page may carry these words among its own strings: only an error answer (400, or a JSON error) counts.
  const isError = response.status >= 400 || /^\s*\{\s*"error"/.test(text);
  if (isError && /invalid[\s_-]*redirect[\s_-]*uri/i.test(text)) return { kind: 'redirect_uri' };
  if (isError && /invalid[\s_-]*client[\s_-]*id/i.test(text)) return { kind: 'client_id' };
  // The sign-in form (200), or a redirect on to an identity provider (SAML) or straight back with a code.
  if (response.status < 400) return { kind: 'ok' };
  return { kind: 'other', message: `The portal's sign-in page answered HTTP ${response.status}.` };
}

interface JsonAnswer {
  kind: 'answer';
  status: number;
  headers: Headers;
  json: unknown;
}

async function getJson(url: string, options: ProbeOptions): Promise<JsonAnswer | { kind: 'unreachable'; message: string }> {
  const extra = options.headersFor ? await options.headersFor(url) : {};
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...extra },
      redirect: 'follow',
      signal: AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS)
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { kind: 'answer', status: response.status, headers: response.headers, json };
  } catch (error) {
    return { kind: 'unreachable', message: describeFetchError(error) };
  }
}

/** Why a request did not get an answer, in words an administrator can act on. */
export function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer within 15 seconds (a firewall or proxy may block it).';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name is not known (DNS). Check the spelling of the URL.';
    case 'ECONNREFUSED':
      return 'nothing accepts connections at that address and port.';
    case 'ECONNRESET':
      return 'the connection was reset (a proxy or firewall may be in the way).';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its HTTPS certificate is not trusted (${e.cause?.message ?? code}). Install the CA certificate on this server (NODE_EXTRA_CA_CERTS) or fix the certificate.`;
    default:
      return `${e.cause?.message ?? e.message ?? String(error)}.`;
  }
}
