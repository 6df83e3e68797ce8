// Typed calls for Administration: API tokens and signing in with ArcGIS (administrators only).
import type { ApiTokenView, CreatedApiTokenView, NewApiTokenInput } from '@orgkeeper/server-types/auth/api-token.types';
import type { ArcGISSignInSettingsInput, ArcGISSignInSettingsView, OrgGroupView } from '@orgkeeper/server-types/auth/arcgis-sign-in.types';
import type { ApiClient } from './api-client';

export type { ApiTokenView as ApiToken, CreatedApiTokenView as CreatedApiToken, NewApiTokenInput } from '@orgkeeper/server-types/auth/api-token.types';
export type {
  ArcGISSignInSettingsInput,
  ArcGISSignInSettingsView as ArcGISSignInSettings,
  GroupRule,
  OrgGroupView as OrgGroup,
  RoleMapping,
  UserRule
} from '@orgkeeper/server-types/auth/arcgis-sign-in.types';

export const adminKeys = {
  tokens: ['admin', 'tokens'] as const,
  arcgisSignIn: ['admin', 'arcgis-sign-in'] as const
};

export async function listTokens(client: ApiClient, signal?: AbortSignal): Promise<ApiTokenView[]> {
  return (await client.get<{ tokens: ApiTokenView[] }>('/api/tokens', { signal })).tokens;
}

export function createToken(client: ApiClient, input: NewApiTokenInput): Promise<CreatedApiTokenView> {
  return client.post<CreatedApiTokenView>('/api/tokens', input);
}

export function revokeToken(client: ApiClient, id: string): Promise<ApiTokenView> {
  return client.delete<ApiTokenView>(`/api/tokens/${encodeURIComponent(id)}`);
}

export function getArcGISSignIn(client: ApiClient, signal?: AbortSignal): Promise<ArcGISSignInSettingsView> {
  return client.get<ArcGISSignInSettingsView>('/api/settings/arcgis-sign-in', { signal });
}

export function saveArcGISSignIn(client: ApiClient, input: ArcGISSignInSettingsInput): Promise<ArcGISSignInSettingsView> {
  return client.put<ArcGISSignInSettingsView>('/api/settings/arcgis-sign-in', input);
}

export async function searchGroups(client: ApiClient, identityId: string, text: string, signal?: AbortSignal): Promise<OrgGroupView[]> {
  const query = new URLSearchParams({ identityId, q: text });
  return (await client.get<{ groups: OrgGroupView[] }>(`/api/settings/arcgis-sign-in/groups?${query.toString()}`, { signal })).groups;
}
