import type { Selectable } from 'kysely';
import type { Role } from '../db/schema.js';

/** Kysely table type of the api_tokens migration (joined to the base schema with `db.withTables`). */
export interface ApiTokenTable {
  id: string;
  name: string;
  name_key: string;
  token_hash: string;
  token_prefix: string;
  role: Role;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type ApiTokenTables = { api_tokens: ApiTokenTable };
export type ApiTokenRow = Selectable<ApiTokenTable>;

/** An API token as lists show it: never the token itself, nor its hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  role: Role;
  /** The token's first characters, e.g. `okt_Ab3x`, to tell tokens apart. */
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** Whether the expiry has passed (the token then answers 401). */
  expired: boolean;
}

/** What creating a token answers, once: the token itself is never shown again. */
export interface CreatedApiTokenView {
  token: string;
  apiToken: ApiTokenView;
}

export interface ApiTokenListView {
  tokens: ApiTokenView[];
}

export interface NewApiTokenInput {
  name: string;
  role: Role;
  /** ISO 8601 date-time, or null/absent for a token that does not expire. */
  expiresAt?: string | null;
}
