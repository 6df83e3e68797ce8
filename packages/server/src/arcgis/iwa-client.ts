import { request } from '@esri/arcgis-rest-request';
import { type TokenSource, type TokenStatus } from './token-source.js';

/** What OrgKeeper needs of the optional `kerberos` package. */
interface KerberosModule {
  GSS_MECH_OID_SPNEGO: number;
  initializeClient(service: string, options: { mechOID?: number }): Promise<{ step(challenge: string): Promise<string>; username?: string }>;
}

export class IwaUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'package_missing' | 'no_credentials' | 'rejected'
  ) {
    super(message);
    this.name = 'IwaUnavailableError';
  }
}

let kerberosModule: Promise<KerberosModule> | undefined;

/** Loads the optional `kerberos` package; says clearly what to install when it is missing. */
export function loadKerberos(): Promise<KerberosModule> {
  kerberosModule ??= import('kerberos').then(
    (m) => ((m as { default?: KerberosModule }).default ?? m) as KerberosModule,
    (error: unknown) => {
      kerberosModule = undefined;
      throw new IwaUnavailableError(
        `IWA needs the optional "kerberos" package, which could not be loaded (${error instanceof Error ? error.message : String(error)}). ` +
          'On Linux install libkrb5-dev (Debian/Ubuntu) or krb5-devel (RHEL) and run "npm install kerberos"; on Windows run "npm install kerberos".',
        'package_missing'
      );
    }
  );
  return kerberosModule;
}

/** The Kerberos service name for a URL's host: HTTP@host (loopback addresses map to localhost). */
export function servicePrincipalFor(url: string): string {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const canonical = host === '127.0.0.1' || host === '::1' ? 'localhost' : host;
  return `HTTP@${canonical}`;
}

/** A fresh SPNEGO token for one request, as the operating-system identity running OrgKeeper. */
export async function negotiateHeader(url: string): Promise<string> {
  const kerberos = await loadKerberos();
  try {
    const client = await kerberos.initializeClient(servicePrincipalFor(url), { mechOID: kerberos.GSS_MECH_OID_SPNEGO });
    const token = await client.step('');
    return `Negotiate ${token}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new IwaUnavailableError(
      `No Kerberos credential for ${servicePrincipalFor(url)}: ${message}. ` +
        'The account running OrgKeeper needs a Kerberos ticket (a domain service account on Windows; on Linux a keytab and kinit, ' +
        'or KRB5_CLIENT_KTNAME pointing at the keytab).',
      'no_credentials'
    );
  }
}

/**
 * IWA (ArcGIS Enterprise): every request carries HTTP Negotiate; the portal needs no token, and federated servers get a
 * token from a Negotiate-authenticated `generateToken` (`request=getToken`, `serverUrl`), as Esri's Python API does.
 */
export class IwaTokenSource implements TokenSource {
  readonly portal: string;
  private readonly serverTokens = new Map<string, { token: string; expires: number }>();
  private username: string | undefined;

  constructor(
    restUrl: string,
    private readonly now: () => number = Date.now
  ) {
    this.portal = restUrl;
  }

  setUsername(username: string): void {
    this.username = username;
  }

  status(): TokenStatus {
    return { username: this.username, tokenExpires: undefined, refreshTokenExpires: undefined, method: 'iwa' };
  }

  async headersFor(url: string): Promise<Record<string, string>> {
    const portalOrigin = new URL(this.portal).origin;
    // Negotiate goes only to the portal's host (and its federated servers on the same host): never to third parties.
    if (new URL(url).origin !== portalOrigin) return {};
    return { Authorization: await negotiateHeader(url) };
  }

  async getToken(url: string): Promise<string> {
    if (url.toLowerCase().startsWith(this.portal.toLowerCase().replace(/\/sharing\/rest$/, ''))) return '';
    const root = serverRoot(url);
    const cached = this.serverTokens.get(root);
    if (cached && cached.expires - this.now() > 60_000) return cached.token;
    const response = await request(`${this.portal}/generateToken`, {
      httpMethod: 'POST',
      params: { request: 'getToken', serverUrl: root, referer: this.portal, expiration: 120, f: 'json' }
    });
    const token = String((response as { token?: unknown }).token ?? '');
    const expires = Number((response as { expires?: unknown }).expires ?? this.now() + 60 * 60_000);
    if (!token) throw new IwaUnavailableError('The portal did not return a token for its federated server.', 'rejected');
    this.serverTokens.set(root, { token, expires });
    return token;
  }

  async refresh(): Promise<void> {
    this.serverTokens.clear();
  }
}

function serverRoot(url: string): string {
  const [root] = url.split(/\/rest(\/admin)?\/services(?:\/|#|\?|$)/i);
  return root ?? url;
}
