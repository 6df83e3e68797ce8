/**
 * The portal and the signed-in user as they describe themselves: `portals/self` (rest-js `getSelf`) and
 * `community/self` (rest-js's `getUser` finds the username through the authentication manager, which OrgKeeper's token
 * sources do not offer, so it is a plain request here).
 */
import { getSelf } from '@esri/arcgis-rest-portal';
import { type SessionOptions } from './portal-request.js';
import type { PortalUser } from './users.js';

/** `portals/self`: for an organization, `id` is the organization's id; `user` is the signed-in user. */
export interface PortalSelf {
  id?: string;
  isPortal?: boolean;
  name?: string;
  urlKey?: string;
  customBaseUrl?: string;
  user?: PortalUser;
  [key: string]: unknown;
}

/** `community/self`: the signed-in user, with the groups they belong to (those of other organizations included). */
export type CommunitySelf = PortalUser & { groups?: { id?: unknown; [key: string]: unknown }[] };

export function getPortalSelf({ session }: SessionOptions): Promise<PortalSelf> {
  return session.call('portals/self', () => getSelf({ ...session.requestOptions, httpMethod: 'GET' }) as Promise<PortalSelf>);
}

export function getCommunitySelf({ session }: SessionOptions): Promise<CommunitySelf> {
  return session.request<CommunitySelf>(`${session.restUrl}/community/self`);
}

export interface IsServiceNameAvailableOptions extends SessionOptions {
  name: string;
  type?: string;
}

/**
 * `portals/self/isServiceNameAvailable`. rest-js's `isServiceNameAvailable` reads the portal from an identity manager,
 * which an anonymous session does not have.
 */
export async function isServiceNameAvailable({ session, name, type = 'Feature Service' }: IsServiceNameAvailableOptions): Promise<boolean> {
  const response = await session.request<{ available?: boolean }>(`${session.restUrl}/portals/self/isServiceNameAvailable`, { name, type });
  return response.available === true;
}
