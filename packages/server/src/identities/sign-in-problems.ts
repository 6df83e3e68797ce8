/**
 * What a refused sign-in means for the administrator, as the error that says what to do: a redirect URI the App ID
 * does not list, a user who does not administer the organization, a Kerberos ticket the portal refuses.
 */
import { ArcGISFailure, toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { IwaUnavailableError, servicePrincipalFor } from '../arcgis/iwa-client.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRow } from './identity.types.js';
import type { SignedInInfo } from './portal-client.js';

export function redirectUriMessage(row: Pick<IdentityRow, 'type' | 'app_id' | 'portal_url'>, redirectUri: string): string {
  const steps =
    row.type === 'online'
      ? 'In ArcGIS Online open the application item (Content > the item with this App ID) > Settings (or Credentials) > Redirect URLs, add it and save.'
      : 'In the ArcGIS Enterprise portal open the application item > Settings > Registered Info > Update, add it to the Redirect URIs and save.';
  return `The portal refused OrgKeeper's redirect URI for App ID "${row.app_id ?? ''}". Register exactly this redirect URI on that application: ${redirectUri} . ${steps} Then press Connect again.`;
}

const ROLE_NAMES: Record<string, string> = { org_admin: 'an administrator', org_publisher: 'a publisher', org_user: 'a user' };

/** The signed-in user must administer this very organization. */
export function adminProblem(row: Pick<IdentityRow, 'org_id' | 'portal_name' | 'portal_url' | 'name'>, info: SignedInInfo): AppError | null {
  const user = info.user.username || 'the signed-in user';
  const org = row.portal_name ?? row.portal_url;
  const expectedOrg = row.org_id ?? info.portal.orgId;
  if (expectedOrg && info.user.orgId && info.user.orgId !== expectedOrg) {
    return new AppError(
      'wrong_org',
      `"${user}" belongs to another organization${info.portal.portalName && info.portal.portalName !== row.portal_name ? ` (${info.portal.portalName})` : ''}, not to ${org}. ` +
        `Sign in with an administrator account of ${org} (${row.portal_url}).`
    );
  }
  if (!expectedOrg && !info.user.orgId) {
    return new AppError('wrong_org', `"${user}" is not a member of an organization on ${row.portal_url}. Sign in with an administrator account of ${org}.`);
  }
  if (info.user.role !== 'org_admin') {
    const role = info.user.role ? (ROLE_NAMES[info.user.role] ?? `"${info.user.role}"`) : 'not an administrator';
    return new AppError(
      'not_admin',
      `"${user}" is ${role} in ${org}, not an administrator. OrgKeeper backs up and cleans the whole organization, so it needs an administrator: ` +
        `sign in with an administrator account, or ask an administrator to give "${user}" the Administrator role.`
    );
  }
  return null;
}

export function iwaProblem(error: unknown, row: IdentityRow): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof IwaUnavailableError) return new AppError('iwa_unavailable', error.message, { cause: error });
  const failure = toArcGISFailure(error);
  if (failure.kind === 'auth' || failure.code === 401) {
    return new AppError(
      'iwa_unavailable',
      `The portal refused the Kerberos ticket of the account running OrgKeeper (${failure.message}). The account must be known to the portal's ` +
        `domain, and the portal's service principal must be ${servicePrincipalFor(row.portal_url)}.`,
      { cause: error }
    );
  }
  return connectionError(error, row);
}

export function connectionError(error: unknown, row: IdentityRow): AppError {
  if (error instanceof AppError) return error;
  const failure = error instanceof ArcGISFailure ? error : toArcGISFailure(error);
  if (failure.kind === 'network' || failure.kind === 'transient') {
    return new AppError('portal_unreachable', `OrgKeeper could not reach ${row.portal_url}: ${failure.message}. Check that this server can reach the portal, then try again.`, { cause: error });
  }
  return new AppError('arcgis_error', `The portal answered with an error: ${failure.message}`, { cause: error });
}
