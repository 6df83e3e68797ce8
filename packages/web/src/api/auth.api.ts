// Typed calls for first-run setup and OrgKeeper's own sign-in (not ArcGIS sign-in).
import type { SignInMethodsView } from '@orgkeeper/server-types/auth/arcgis-sign-in.types';
import { type ApiClient, isApiError } from './api-client';

export interface SessionUser {
  username: string;
  /** OrgKeeper role, e.g. "admin", "operator" or "viewer". */
  role: string;
}

export interface SessionInfo {
  user: SessionUser;
  csrfToken: string;
  /** How the session was opened: an OrgKeeper password, first-run setup, or an ArcGIS account. */
  via: 'password' | 'setup' | 'arcgis';
}

/** How people can sign in: `arcgis` is null while signing in with ArcGIS is off. */
export type SignInMethods = SignInMethodsView;

export interface SetupStatus {
  needsSetup: boolean;
}

export interface Credentials {
  username: string;
  password: string;
}

/** The minimum password length the server enforces for OrgKeeper accounts. */
export const MIN_PASSWORD_LENGTH = 12;

export function getSetupStatus(client: ApiClient, signal?: AbortSignal): Promise<SetupStatus> {
  return client.get<SetupStatus>('/api/setup/status', { signal });
}

/** Creates the first administrator and signs them in. */
export async function createFirstAdmin(client: ApiClient, credentials: Credentials): Promise<SessionInfo> {
  const session = await client.post<SessionInfo>('/api/setup', credentials, { unauthorizedIsExpected: true });
  client.setCsrfToken(session.csrfToken);
  return session;
}

export async function signIn(client: ApiClient, credentials: Credentials): Promise<SessionInfo> {
  // A 401 here means a wrong username or password, not an ended session.
  const session = await client.post<SessionInfo>('/api/auth/login', credentials, { unauthorizedIsExpected: true });
  client.setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(client: ApiClient): Promise<void> {
  try {
    await client.post<void>('/api/auth/logout', undefined, { unauthorizedIsExpected: true });
  } catch (error) {
    // Already signed out on the server (expired or signed out in another tab): the goal is reached.
    if (!(isApiError(error) && error.status === 401)) throw error;
  } finally {
    client.setCsrfToken(null);
  }
}

export function getSignInMethods(client: ApiClient, signal?: AbortSignal): Promise<SignInMethods> {
  return client.get<SignInMethods>('/api/auth/methods', { signal, unauthorizedIsExpected: true });
}

/**
 * Starts signing in with ArcGIS: the portal's sign-in page to send the browser to. `returnTo` is the in-app path to
 * come back to (the server checks it again).
 */
export function startArcGISSignIn(client: ApiClient, returnTo: string): Promise<{ authorizeUrl: string }> {
  return client.post<{ authorizeUrl: string }>('/api/auth/arcgis/start', { returnTo }, { unauthorizedIsExpected: true });
}

/** The current session, or null when nobody is signed in. */
export async function getSession(client: ApiClient, signal?: AbortSignal): Promise<SessionInfo | null> {
  try {
    const session = await client.get<SessionInfo>('/api/auth/session', { signal, unauthorizedIsExpected: true });
    client.setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (isApiError(error) && error.status === 401) {
      client.setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** A role as people read it. */
export function roleLabel(role: string): string {
  switch (role.toLowerCase()) {
    case 'admin':
    case 'administrator':
      return 'Administrator';
    case 'operator':
      return 'Operator';
    case 'viewer':
      return 'Viewer';
    default:
      return role;
  }
}
