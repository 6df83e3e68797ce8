import type { Selectable } from 'kysely';
import type { Role } from '../db/schema.js';

/** Kysely table types of the arcgis-sign-in migration (joined to the base schema with `db.withTables`). */
export interface ArcGISSignInTable {
  id: string;
  enabled: number;
  identity_id: string | null;
  app_id: string | null;
  admins_role: Role | null;
  user_rules: string;
  group_rules: string;
  updated_by: string | null;
  updated_at: string;
}

export interface ArcGISSignInStateTable {
  id: string;
  code_verifier: string;
  browser_key: string;
  identity_id: string;
  app_id: string;
  redirect_uri: string;
  return_to: string;
  created_at: string;
  expires_at: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type ArcGISSignInTables = { arcgis_sign_in: ArcGISSignInTable; arcgis_sign_in_states: ArcGISSignInStateTable };
export type ArcGISSignInRow = Selectable<ArcGISSignInTable>;
export type ArcGISSignInStateRow = Selectable<ArcGISSignInStateTable>;

/** A named ArcGIS user and the OrgKeeper role they get. */
export interface UserRule {
  username: string;
  role: Role;
}

/** Members of an ArcGIS group and the OrgKeeper role they get. */
export interface GroupRule {
  groupId: string;
  /** The group's title when the rule was saved (for people; the id is what counts). */
  title: string;
  role: Role;
}

/** Who gets in, and with which role: the highest role of every rule that matches; nobody else. */
export interface RoleMapping {
  /** The organization's ArcGIS administrators; null: not let in as such. */
  adminsRole: Role | null;
  users: UserRule[];
  groups: GroupRule[];
}

/** `GET /api/settings/arcgis-sign-in`. */
export interface ArcGISSignInSettingsView {
  enabled: boolean;
  identityId: string | null;
  /** The identity's name and portal, for people. */
  identityName: string | null;
  portalUrl: string | null;
  appId: string | null;
  mapping: RoleMapping;
  /** The redirect URI to register on the App ID's application: `<public URL>/api/auth/arcgis/callback`. */
  redirectUri: string;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** Body of `PUT /api/settings/arcgis-sign-in`. */
export interface ArcGISSignInSettingsInput {
  enabled: boolean;
  identityId?: string | null;
  /** Default: the identity's App ID. */
  appId?: string | null;
  mapping: RoleMapping;
}

/** `GET /api/auth/methods`: how people can sign in (shown by the sign-in page before anyone is signed in). */
export interface SignInMethodsView {
  local: boolean;
  /** Null when signing in with ArcGIS is off. */
  arcgis: { organization: string } | null;
}

/** An ArcGIS group of the organization, for choosing group rules. */
export interface OrgGroupView {
  id: string;
  title: string;
  owner: string;
}
