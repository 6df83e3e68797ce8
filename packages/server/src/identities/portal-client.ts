import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { getCommunitySelf, getPortalSelf, type RecycleBinState, recycleBinState } from '../arcgis/portal/index.js';
import { probeRequest, type Resolve } from './probe-request.js';

/**
 * The few portal calls identities need: an anonymous probe of `<rest>/info` and `portals/self` (is it ArcGIS, which
 * kind, which org), the signed-in user (`portals/self` + `community/self`), and a look at the sign-in page before the
 * browser is sent there. The probe and the look go through probeRequest (same-origin redirects only, no link-local or
 * metadata address); what they report names the step, the host and the HTTP status, never the remote text.
 */

/** What a portal says about itself that identities keep: its kind and, for an organization, its id and name. */
export interface PortalSummary {
  isPortal: boolean;
  orgId: string | null;
  portalName: string | null;
}

export type ProbeResult =
  | { kind: 'ok'; portal: PortalSummary }
  /** The portal answers 401 with `WWW-Authenticate: Negotiate`: it is behind IWA (Windows sign-in). */
  | { kind: 'negotiate' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'not_arcgis'; message: string }
  /** Not asked: the address is link-local or a cloud metadata service, or it redirects to another host. */
  | { kind: 'refused'; message: string };

const PROBE_TIMEOUT_MS = 15_000;

export interface ProbeOptions {
  /** Headers for each request (IWA: a fresh Negotiate token every time; a token cannot be replayed). */
  headersFor?: (url: string) => Promise<Record<string, string>>;
  timeoutMs?: number;
  /** Host name resolution (tests); the system resolver by default. */
  resolve?: Resolve;
}

/** Checks, without signing in, that the URL is an ArcGIS portal, and reads what it says about itself. */
export async function probePortal(
  portalUrl: string,
  restUrl: string,
  options: ProbeOptions = {}
): Promise<ProbeResult> {
  const info = await getJson(`${restUrl}/info?f=json`, options);
  if (info.kind === 'unreachable') return { kind: 'unreachable', message: `OrgKeeper could not reach ${portalUrl}: ${info.message}` };
  if (info.kind === 'refused') return { kind: 'refused', message: `OrgKeeper did not ask ${restUrl}/info: ${info.message}` };
  if (info.status === 401 && /negotiate/i.test(info.headers.get('www-authenticate') ?? '')) return { kind: 'negotiate' };
  const infoBody = info.json as { authInfo?: unknown; owningSystemUrl?: unknown } | undefined;
  if (!infoBody || typeof infoBody !== 'object' || (!('authInfo' in infoBody) && !('owningSystemUrl' in infoBody))) {
    return {
      kind: 'not_arcgis',
      message:
        `${portalUrl} answered, but not like an ArcGIS portal (${restUrl}/info gave HTTP ${info.status}${info.json === undefined ? ', not JSON' : ', JSON without authInfo'}). ` +
        'Enter the address you open the organization at, e.g. https://myorg.maps.arcgis.com or https://gis.example.com/portal.'
    };
  }
  const self = await getJson(`${restUrl}/portals/self?f=json`, options);
  if (self.kind === 'unreachable') return { kind: 'unreachable', message: `OrgKeeper could not reach ${portalUrl}: ${self.message}` };
  if (self.kind === 'refused') return { kind: 'refused', message: `OrgKeeper did not ask ${restUrl}/portals/self: ${self.message}` };
  if (self.status === 401 && /negotiate/i.test(self.headers.get('www-authenticate') ?? '')) return { kind: 'negotiate' };
  const body = self.json as { isPortal?: unknown; id?: unknown; name?: unknown; error?: { code?: unknown } } | undefined;
  if (!body || typeof body !== 'object' || body.error || typeof body.isPortal !== 'boolean') {
    // The portal's own error text is not repeated: it is the remote server's to choose, markup included.
    const code = typeof body?.error?.code === 'number' ? `, ArcGIS error ${body.error.code}` : body?.error ? ', an ArcGIS error' : body === undefined ? ', not JSON' : '';
    return {
      kind: 'not_arcgis',
      message: `${portalUrl} did not describe itself as an ArcGIS portal (${restUrl}/portals/self gave HTTP ${self.status}${code}). Check the URL, e.g. https://gis.example.com/portal.`
    };
  }
  return { kind: 'ok', portal: toPortalSummary(body) };
}

function toPortalSummary(body: { isPortal?: unknown; id?: unknown; name?: unknown }): PortalSummary {
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
  portal: PortalSummary;
  user: SignedInUser;
  /** ArcGIS Online's recycle bin, as portals/self describes it. */
  recycleBin: RecycleBinState;
}

/** Who the session is signed in as, and in which organization (`portals/self` and `community/self`). */
export async function fetchSignedIn(session: ArcGISSession): Promise<SignedInInfo> {
  const self = await getPortalSelf({ session });
  const user = await getCommunitySelf({ session });
  const portal = toPortalSummary(self);
  // For an organization, portals/self's id is the org; a signed-in user of another org sees that org's portals/self.
  const orgOfUser = typeof user.orgId === 'string' ? user.orgId : typeof self.user?.orgId === 'string' ? self.user.orgId : null;
  return {
    portal,
    recycleBin: recycleBinState(self),
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
export async function preflightAuthorize(authorizeUrl: string, timeoutMs = PROBE_TIMEOUT_MS, resolve?: Resolve): Promise<AuthorizePreflight> {
  const answer = await probeRequest(authorizeUrl, { timeoutMs, followRedirects: false, headersFor: async () => ({ accept: 'text/html,application/json' }), ...(resolve ? { resolve } : {}) });
  if (answer.kind === 'unreachable') return { kind: 'unreachable', message: describeFetchError(answer.error) };
  if (answer.kind === 'refused') return { kind: 'other', message: answer.message };
  const response = answer;
  const text = answer.text;
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

async function getJson(url: string, options: ProbeOptions): Promise<JsonAnswer | { kind: 'unreachable'; message: string } | { kind: 'refused'; message: string }> {
  const answer = await probeRequest(url, {
    timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS,
    ...(options.headersFor ? { headersFor: options.headersFor } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {})
  });
  if (answer.kind === 'unreachable') return { kind: 'unreachable', message: describeFetchError(answer.error) };
  if (answer.kind === 'refused') return answer;
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    json = undefined;
  }
  return { kind: 'answer', status: answer.status, headers: answer.headers, json };
}

/** Why a request did not get an answer, in words an administrator can act on. */
export function describeFetchError(error: unknown): string {
  // fetch wraps the socket's error in `cause`; node:http reports it directly.
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
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
