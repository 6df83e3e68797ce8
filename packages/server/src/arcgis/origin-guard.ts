/**
 * Keeps an identity's credentials inside its organization. Esri's rest-js attaches the token to any URL that merely
 * contains the portal URL or `.arcgis.com` (`new RegExp(portal).test(url)`, `/^https?:\/\/(\S+)\.arcgis\.com.+/`), and
 * asks any server's `rest/info` which portal owns it (a regular expression built from the server's own answer). So the
 * token source rest-js gets answers only for URLs on the organization's origins, compared after WHATWG URL parsing;
 * every other URL gets no token, and rest-js never starts its federated-server token chain for it.
 */
import type { TokenSource } from './token-source.js';
import { urlOrigin } from './org-origins.js';

/** A request to an origin that is not the organization's was refused before anything was sent. */
export class ForeignOriginError extends Error {
  readonly code = 'foreign_origin';
  readonly origin: string;

  constructor(url: string) {
    const origin = urlOrigin(url) ?? 'an address that is not a plain http(s) URL';
    super(
      `OrgKeeper did not send a request to ${origin}: it is not one of the organization's servers (the portal and the servers the portal lists). ` +
        'Content that points elsewhere is kept as an external reference and never requested.'
    );
    this.name = 'ForeignOriginError';
    this.origin = origin;
  }
}

/**
 * The token source as rest-js and OrgKeeper's own downloads see it: `getToken(url)` gives a token only when
 * `allows(url)` says the URL is on one of the organization's origins, and '' (no token) otherwise.
 */
export function boundToOrigins(auth: TokenSource, allows: (url: string) => Promise<boolean>): TokenSource {
  return {
    portal: auth.portal,
    getToken: async (url: string, requestOptions?: unknown) => {
      if (!(await allows(url))) return '';
      return (auth.getToken as (u: string, o?: unknown) => Promise<string>)(url, requestOptions);
    },
    refresh: () => auth.refresh(),
    status: () => auth.status()
  } as TokenSource;
}
