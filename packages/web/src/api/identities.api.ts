// Typed calls for Manage Identities (the identities REST API: /api/identities, connect, test).
import type {
  AuthMethod,
  IdentityConnectView as ConnectResult,
  IdentityListView as IdentityList,
  IdentityType,
  IdentityView as Identity,
  LocationCredentialsInput,
  TestReport
} from '@orgkeeper/server-types/identities/identity.types';
import type { ApiClient } from './api-client';

// The JSON shapes are the server's own declarations (type-only imports, erased at build).
export type {
  AuthMethod,
  CheckId,
  CheckResult,
  CheckStatus,
  IdentityConnectView as ConnectResult,
  IdentityListView as IdentityList,
  IdentityState,
  IdentityStatusView as IdentityStatus,
  IdentityType,
  IdentityView as Identity,
  LocationCredentialsInput,
  TestReport
} from '@orgkeeper/server-types/identities/identity.types';

/** What the form sends; on edit only the fields that can change. */
export interface IdentityInput {
  type?: IdentityType;
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId?: string | null;
  /** A folder on the server, s3://bucket/prefix?..., or an Azure container URL (store-location.ts builds it). */
  fileLocation: string;
  /** New credentials for an object storage location; null: the service's standard credential chain. */
  fileLocationCredentials?: LocationCredentialsInput | null;
  /** Create the store encrypted (only while it does not exist yet). */
  encryptBackups?: boolean;
  backupPassphrase?: string;
  /** OAuth2 only: keep the refresh token (encrypted) so scheduled work runs unattended. */
  storeCredentials?: boolean;
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
