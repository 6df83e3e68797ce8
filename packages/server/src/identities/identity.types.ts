import type { Insertable, Selectable, Updateable } from 'kysely';

/** Kysely table types of the identities migration (joined to the base schema with `db.withTables`). */
export interface IdentityTable {
  id: string;
  name: string;
  name_key: string;
  type: IdentityType;
  portal_url: string;
  auth_method: AuthMethod;
  app_id: string | null;
  file_location: string;
  file_location_key: string;
  store_credentials: number;
  org_id: string | null;
  portal_name: string | null;
  username: string | null;
  status_state: IdentityState;
  status_message: string | null;
  connected_at: string | null;
  token_expires: string | null;
  refresh_token_expires: string | null;
  has_password: number;
  credentials: string | null;
  created_at: string;
  updated_at: string;
}

export interface OAuthStateTable {
  id: string;
  identity_id: string;
  code_verifier: string;
  redirect_uri: string;
  app_user_id: string | null;
  app_username: string | null;
  created_at: string;
  expires_at: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type IdentityTables = {
  identities: IdentityTable;
  oauth_states: OAuthStateTable;
};

export type IdentityRow = Selectable<IdentityTable>;
export type NewIdentityRow = Insertable<IdentityTable>;
export type IdentityUpdate = Updateable<IdentityTable>;
export type OAuthStateRow = Selectable<OAuthStateTable>;

export type IdentityType = 'online' | 'enterprise';
export type AuthMethod = 'oauth2' | 'iwa';
export type IdentityState = 'not_connected' | 'connected' | 'needs_sign_in' | 'error';

/** Where an identity stands with its portal (part of the Identity JSON). */
export interface IdentityStatusView {
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

/** `GET /api/identities`. */
export interface IdentityListView {
  identities: IdentityView[];
  /** The callback URL to register on every App ID: `<public-url>/api/oauth/callback`. */
  redirectUri: string;
}

/** `POST /api/identities/:id/connect`: OAuth2 sends the browser to the portal's sign-in; IWA connects at once. */
export type IdentityConnectView = { kind: 'redirect'; authorizeUrl: string } | { kind: 'connected'; identity: IdentityView };

/** The Identity JSON of the REST API (see the identities API contract). Never holds a secret. */
export interface IdentityView {
  id: string;
  type: IdentityType;
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId: string | null;
  fileLocation: string;
  storeCredentials: boolean;
  orgId: string | null;
  portalName: string | null;
  status: IdentityStatusView;
  createdAt: string;
  updatedAt: string;
}

/** Body of POST /api/identities (and, all optional, of PATCH). */
export interface IdentityInput {
  type?: string;
  name?: string;
  url?: string;
  authMethod?: string;
  appId?: string | null;
  fileLocation?: string;
  storeCredentials?: boolean;
  username?: string;
  password?: string;
}

export type CheckStatus = 'ok' | 'warning' | 'failed' | 'skipped';
export type CheckId = 'portal_reachable' | 'kind_matches' | 'signed_in' | 'administrator' | 'recycle_bin' | 'token_lifetime' | 'file_location';

export interface CheckResult {
  id: CheckId;
  label: string;
  status: CheckStatus;
  message: string;
}

export interface TestReport {
  ok: boolean;
  checks: CheckResult[];
}
