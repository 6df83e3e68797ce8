import type { Role, SignInMethod } from '../db/schema.js';

/** A request made with the session cookie of a signed-in account. */
export interface SessionAuthContext {
  kind: 'session';
  user: { id: string; username: string; role: Role };
  session: { id: string; csrfToken: string; expiresAt: string; via: SignInMethod };
}

/**
 * A request made with `Authorization: Bearer <API token>`. `user` names the token (its id and name) so that role checks
 * and request logs treat both kinds alike; the audit log names the token (actor kind `token`).
 */
export interface TokenAuthContext {
  kind: 'token';
  user: { id: string; username: string; role: Role };
  token: { id: string; name: string };
}

/** Who is behind a request: a session or an API token. */
export type AuthContext = SessionAuthContext | TokenAuthContext;
