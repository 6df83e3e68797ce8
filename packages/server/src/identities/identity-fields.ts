/**
 * The checks of an identity's fields (name, type, sign-in method, App ID, URL, user name and password): each takes
 * the input and the form's `fields`, adds a message there saying what is wrong and what to do, and answers the
 * value when it is right.
 */
import { normalizePortalUrl, PortalUrlError } from '../arcgis/portal-url.js';
import { IwaUnavailableError, negotiateHeader } from '../arcgis/iwa-client.js';
import type { AuthMethod, IdentityInput, IdentityType } from './identity.types.js';
import { probePortal, type PortalSummary } from './portal-client.js';

export const NAME_MAX = 100;
const APP_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** What the checks learnt about the portal, kept on the row. */
export interface PortalFacts {
  portalUrl: string;
  restUrl: string;
  portal: PortalSummary | null;
  /** IWA portal whose details could not be read without a Kerberos ticket; the reason. */
  iwaProblem: string | null;
}

export function checkNameSyntax(input: string | undefined, fields: Record<string, string>): string | undefined {
  const name = (input ?? '').trim().replace(/\s+/g, ' ');
  if (name === '') {
    fields.name = 'Enter the organization name that backups and scans are filed under, e.g. "City of Springfield (production)".';
    return undefined;
  }
  if (name.length > NAME_MAX) {
    fields.name = `Use at most ${NAME_MAX} characters (this one has ${name.length}).`;
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    fields.name = 'Remove the control characters (tabs, line breaks) from the name.';
    return undefined;
  }
  return name;
}

/** Normalizes the URL and asks the portal what it is: reachable, ArcGIS, and the kind this section is for. */
export async function checkUrl(input: string | undefined, type: IdentityType, authMethod: AuthMethod, fields: Record<string, string>): Promise<PortalFacts | undefined> {
  const example = type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal';
  if (input === undefined || input.trim() === '') {
    fields.url = `Enter the URL of the organization, e.g. ${example}.`;
    return undefined;
  }
  let urls;
  try {
    urls = normalizePortalUrl(input);
  } catch (error) {
    fields.url = error instanceof PortalUrlError ? error.message : `Enter a URL such as ${example}.`;
    return undefined;
  }
  const { portalUrl, restUrl } = urls;
  const probe = await probePortal(portalUrl, restUrl);
  if (probe.kind === 'unreachable') {
    fields.url = `${probe.message} Check the URL (e.g. ${example}) and that this server can reach it (proxy, firewall, DNS).`;
    return undefined;
  }
  if (probe.kind === 'not_arcgis' || probe.kind === 'refused') {
    fields.url = probe.message;
    return undefined;
  }
  if (probe.kind === 'negotiate') {
    if (type === 'online') {
      fields.url = `${portalUrl} asks for Windows sign-in (IWA), which ArcGIS Online never does: this is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise with IWA.`;
      return undefined;
    }
    if (authMethod !== 'iwa') {
      fields.authMethod = `${portalUrl} asks for Windows sign-in (IWA) on every request, so OAuth2 cannot reach it. Choose IWA.`;
      return undefined;
    }
    // Read the portal's details as the service account; without a ticket the identity is saved with the reason.
    try {
      await negotiateHeader(restUrl);
      const again = await probePortal(portalUrl, restUrl, { headersFor: async (url) => ({ Authorization: await negotiateHeader(url) }) });
      if (again.kind === 'ok') return checkKind(again.portal, type, portalUrl, restUrl, fields);
      if (again.kind === 'negotiate') {
        return { portalUrl, restUrl, portal: null, iwaProblem: `The portal refused the Kerberos ticket of the account running OrgKeeper. Check that this account is known to the portal's domain and that the portal's service principal is ${'HTTP@' + new URL(portalUrl).hostname}.` };
      }
      fields.url = again.message;
      return undefined;
    } catch (error) {
      if (error instanceof IwaUnavailableError) return { portalUrl, restUrl, portal: null, iwaProblem: error.message };
      throw error;
    }
  }
  return checkKind(probe.portal, type, portalUrl, restUrl, fields);
}

function checkKind(portal: PortalSummary, type: IdentityType, portalUrl: string, restUrl: string, fields: Record<string, string>): PortalFacts | undefined {
  if (type === 'online' && portal.isPortal) {
    fields.url = `This URL is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise instead of ArcGIS Online.`;
    return undefined;
  }
  if (type === 'enterprise' && !portal.isPortal) {
    fields.url = `This URL is an ArcGIS Online organization; add it under ArcGIS Online instead of ArcGIS Enterprise.`;
    return undefined;
  }
  return { portalUrl, restUrl, portal, iwaProblem: null };
}

export function nameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function nameTaken(name: string): string {
  return `Another identity is already named "${name}" (names are compared without regard to case). Choose a different name, e.g. "${name} (2)".`;
}

export function parseType(input: string | undefined, fields: Record<string, string>): IdentityType | undefined {
  if (input === 'online' || input === 'enterprise') return input;
  fields.type = input === undefined ? 'Choose ArcGIS Online or ArcGIS Enterprise (type "online" or "enterprise").' : `"${input}" is not a type: use "online" or "enterprise".`;
  return undefined;
}

export function parseAuthMethod(type: IdentityType, input: string | undefined, fields: Record<string, string>): AuthMethod | undefined {
  if (input === undefined || input === '') return 'oauth2';
  if (input !== 'oauth2' && input !== 'iwa') {
    fields.authMethod = `"${input}" is not an authentication method: use "oauth2"${type === 'enterprise' ? ' or "iwa"' : ''}.`;
    return undefined;
  }
  if (type === 'online' && input === 'iwa') {
    fields.authMethod = 'ArcGIS Online does not offer IWA (Windows sign-in). Use OAuth2 with an App ID.';
    return undefined;
  }
  return input;
}

export function parseAppId(input: string | null | undefined, fields: Record<string, string>): string | null {
  const appId = (input ?? '').trim();
  if (appId === '') {
    fields.appId =
      'Enter the App ID (client ID) of an application registered in this organization whose redirect URIs include OrgKeeper\'s callback. ' +
      'In the portal: Content > New item > Developer credentials (or Application) > OAuth 2.0 credentials; add the redirect URI shown here, then copy its Client ID.';
    return null;
  }
  if (!APP_ID_PATTERN.test(appId)) {
    fields.appId = 'An App ID is the client ID of the registered application: letters and digits only, like "AbCdEfGh12345678". Copy it from the item\'s Settings or Credentials page.';
    return null;
  }
  return appId;
}

export function parseLogin(
  input: IdentityInput,
  authMethod: AuthMethod | undefined,
  storeCredentials: boolean,
  fields: Record<string, string>
): { username: string; password: string } | undefined {
  const username = (input.username ?? '').trim();
  const password = input.password ?? '';
  if (username === '' && password === '') return undefined;
  if (authMethod === 'iwa') {
    fields[username ? 'username' : 'password'] = 'IWA signs in as the account running OrgKeeper; leave the user name and password empty.';
    return undefined;
  }
  if (username === '') {
    fields.username = 'Enter the user name of the built-in ArcGIS account the password belongs to, or leave both empty.';
    return undefined;
  }
  if (password === '') {
    fields.password = `Enter the password of "${username}", or leave the user name empty to sign in through the portal's page instead.`;
    return undefined;
  }
  if (!storeCredentials) {
    fields.password = 'A password is only kept with Store credentials turned on. Turn it on, or leave the user name and password empty.';
    return undefined;
  }
  return { username, password };
}

export function safeNormalize(url: string): string | undefined {
  try {
    return normalizePortalUrl(url).portalUrl;
  } catch {
    return undefined;
  }
}
