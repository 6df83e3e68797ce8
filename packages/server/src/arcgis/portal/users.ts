/**
 * Users: one user (`community/users/<u>`), every member of the organization (`portals/self/users`, administrators
 * only: it adds lastLogin, disabled, role and license type), and the administrator's writes on accounts.
 * rest-js's `getUser` works out the username from its identity manager when none is given and `searchUsers` asks
 * `portals/self/users/search`, so these are plain requests.
 */
import { type Listing, type PageAllOptions, pageAll, PAGE_SIZE } from './paging.js';
import { orUndefined, POST, segment, type SessionOptions } from './portal-request.js';

/** A user as `community/users/<u>` and `portals/self/users` answer (the administrator's view has every field). */
export interface PortalUser {
  username: string;
  fullName?: string;
  email?: string;
  orgId?: string;
  /** org_admin, org_publisher, org_user (custom roles keep the base role here). */
  role?: string;
  roleId?: string;
  userLicenseTypeId?: string;
  disabled?: boolean;
  /** Epoch ms; -1 when the user never signed in. */
  lastLogin?: number;
  created?: number;
  storageUsage?: number;
  [key: string]: unknown;
}

export interface UserOptions extends SessionOptions {
  username: string;
}

const userUrl = ({ session, username }: UserOptions) => `${session.restUrl}/community/users/${segment(username)}`;

export function getUser(options: UserOptions): Promise<PortalUser> {
  return options.session.request<PortalUser>(userUrl(options));
}

/** The user, or undefined when there is no such user. */
export function findUser(options: UserOptions): Promise<PortalUser | undefined> {
  return orUndefined(getUser(options));
}

/** The user's exact username when the user exists and is not disabled (a disabled user cannot own new content). */
export async function findActiveUsername(options: UserOptions): Promise<string | undefined> {
  const user = await findUser(options);
  return user?.disabled ? undefined : user?.username;
}

export interface SetUserDisabledOptions extends UserOptions {
  disabled: boolean;
}

/** `community/users/<u>/disable` or `/enable`. */
export async function setUserDisabled(options: SetUserDisabledOptions): Promise<void> {
  await options.session.request(`${userUrl(options)}/${options.disabled ? 'disable' : 'enable'}`, {}, POST);
}

export async function deleteUser(options: UserOptions): Promise<void> {
  await options.session.request(`${userUrl(options)}/delete`, {}, POST);
}

/** Every member of the organization, sorted by username, up to the search cap (`capped` says when more exist). */
export function listOrgUsers({ session, ...options }: SessionOptions & PageAllOptions): Promise<Listing<PortalUser>> {
  return pageAll(async (start) => {
    const page = await session.request<{ total: number; nextStart: number; users?: PortalUser[] }>(`${session.restUrl}/portals/self/users`, {
      start,
      num: PAGE_SIZE,
      sortField: 'username',
      sortOrder: 'asc'
    });
    return { total: page.total, nextStart: page.nextStart, results: page.users ?? [] };
  }, options);
}
