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
  /** A folder, `s3://...` or an Azure container URL (the string form of a StoreLocation; never a secret). */
  file_location: string;
  /** What two identities may not share: the folder's real path, or the normalized object storage location. */
  file_location_key: string;
  /** Sealed JSON credentials of an object storage location (null: the standard credential chain, or a folder). */
  file_location_credentials: string | null;
  /** 1: the store is (to be) created encrypted. */
  store_encryption: number;
  /** Sealed passphrase for an encrypted store not created yet; deleted once the store holds it. */
  store_passphrase: string | null;
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
  /** What the File Location is: a folder, an S3 prefix or an Azure container prefix. */
  fileLocationKind: 'folder' | 's3' | 'azure';
  /** Credentials are kept (sealed) for the File Location; false: the service's standard credential chain. */
  hasFileLocationCredentials: boolean;
  /** The store is (to be) encrypted. */
  encryptBackups: boolean;
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
  /** A folder on the server, `s3://bucket/prefix[?endpoint=..&region=..&path-style=true]` or an Azure container URL. */
  fileLocation?: string;
  /** Credentials of an object storage File Location; null removes them (the service's standard credential chain). */
  fileLocationCredentials?: LocationCredentialsInput | null;
  /** Create the identity's store encrypted (only while it does not exist: the choice is made once). */
  encryptBackups?: boolean;
  /** The passphrase that opens the encrypted store on its own (also: opens an existing encrypted store to add this server's key). */
  backupPassphrase?: string;
  storeCredentials?: boolean;
  username?: string;
  password?: string;
}

/** Credentials entered for an object storage File Location (never returned by the API). */
export type LocationCredentialsInput =
  | { kind: 's3'; accessKeyId: string; secretAccessKey: string }
  | { kind: 'azure-key'; accountKey: string; accountName?: string }
  | { kind: 'azure-sas'; token: string };

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
