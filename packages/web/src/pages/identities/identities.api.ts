// Typed calls for Manage Identities (the identities REST API: /api/identities, connect, test).
import type { ApiClient } from '../../api/api-client';

export type IdentityType = 'online' | 'enterprise';
export type AuthMethod = 'oauth2' | 'iwa';
export type IdentityState = 'not_connected' | 'connected' | 'needs_sign_in' | 'error';

export interface IdentityStatus {
  state: IdentityState;
  /** A sentence for people (why it needs sign-in, what failed), or null. */
  message: string | null;
  /** The signed-in ArcGIS user. */
  username: string | null;
  connectedAt: string | null;
  tokenExpires: string | null;
  refreshTokenExpires: string | null;
  hasStoredPassword: boolean;
}

export interface Identity {
  id: string;
  type: IdentityType;
  name: string;
  /** Normalized portal URL, e.g. https://myorg.maps.arcgis.com or https://gis.example.com/portal. */
  url: string;
  authMethod: AuthMethod;
  appId: string | null;
  fileLocation: string;
  storeCredentials: boolean;
  orgId: string | null;
  /** The organization's name as the portal reports it (untrusted text from ArcGIS). */
  portalName: string | null;
  status: IdentityStatus;
  createdAt: string;
  updatedAt: string;
}

export interface IdentityList {
  identities: Identity[];
  /** The callback URL to register on every App ID: `<public-url>/api/oauth/callback`. */
  redirectUri: string;
}

/** What the form sends; on edit only the fields that can change. */
export interface IdentityInput {
  type?: IdentityType;
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId?: string | null;
  fileLocation: string;
  /** OAuth2 only: keep the refresh token (encrypted) so scheduled work runs unattended. */
  storeCredentials?: boolean;
}

export type ConnectResult = { kind: 'redirect'; authorizeUrl: string } | { kind: 'connected'; identity: Identity };

export type CheckStatus = 'ok' | 'warning' | 'failed' | 'skipped';

export interface CheckResult {
  id: string;
  label: string;
  status: CheckStatus;
  message: string;
}

export interface TestReport {
  ok: boolean;
  checks: CheckResult[];
}

const path = (id: string, action = '') => `/api/identities/${encodeURIComponent(id)}${action}`;

export function listIdentities(client: ApiClient, signal?: AbortSignal): Promise<IdentityList> {
  return client.get<IdentityList>('/api/identities', { signal });
}

export function createIdentity(client: ApiClient, input: IdentityInput): Promise<Identity> {
  return client.post<Identity>('/api/identities', input);
}

export function updateIdentity(client: ApiClient, id: string, input: Partial<IdentityInput>): Promise<Identity> {
  return client.patch<Identity>(path(id), input);
}

export function deleteIdentity(client: ApiClient, id: string): Promise<void> {
  return client.delete<void>(path(id));
}

export function connectIdentity(client: ApiClient, id: string): Promise<ConnectResult> {
  return client.post<ConnectResult>(path(id, '/connect'));
}

export function testIdentity(client: ApiClient, id: string): Promise<TestReport> {
  return client.post<TestReport>(path(id, '/test'));
}

export const identitiesQueryKey = ['identities'] as const;
