import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppUserRow, Role, SessionRow, SignInMethod } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { SessionAuthContext } from './auth-context.js';
import type { SessionRepository } from './session.repository.js';

export const SESSION_COOKIE = 'orgkeeper_session';
export type { AuthContext, SessionAuthContext } from './auth-context.js';

export interface NewSession {
  /** Goes into the cookie only; the database keeps its SHA-256. */
  token: string;
  csrfToken: string;
  expiresAt: string;
  /** Cookie lifetime: the session's absolute lifetime; the server enforces the shorter idle expiry. */
  cookieMaxAgeSeconds: number;
  via: SignInMethod;
}

export interface SessionServiceOptions {
  /** A session unused for this long ends (default 12 hours). */
  idleTtlMs?: number;
  /** No session lives longer than this, however active (default 7 days). */
  absoluteTtlMs?: number;
  /** Sliding renewal writes at most this often per session (default 1 minute). */
  renewIntervalMs?: number;
  /**
   * A session opened through ArcGIS has its person's roles and groups checked again with ArcGIS when it is used after
   * this long (default 5 minutes), so someone removed from a group or disabled loses access within that time.
   */
  arcgisRecheckMs?: number;
}

/** Checks sessions opened through ArcGIS (auth/arcgis-sign-in.service.ts). */
export interface SessionChecker {
  /** The role the session's account has now, or null when it has lost access (the session then ends). */
  recheck(session: SessionRow, user: AppUserRow): Promise<Role | null>;
  /** A session is ending (sign-out): lets go of what it holds (the ArcGIS refresh token is revoked). */
  ended(session: SessionRow): Promise<void>;
}

export interface CreateSessionOptions {
  via?: SignInMethod;
  /** ArcGIS sessions: seals the sign-in's grant for this session (its id is the associated data). */
  sealGrant?: (sessionId: string) => string;
}

export interface SessionServiceDeps {
  sessions: SessionRepository;
  clock: Clock;
}

const HOUR = 60 * 60 * 1000;

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two CSRF tokens in constant time. */
export function csrfTokensMatch(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionService {
  readonly idleTtlMs: number;
  readonly absoluteTtlMs: number;
  readonly renewIntervalMs: number;
  readonly arcgisRecheckMs: number;
  private checker: SessionChecker | undefined;
  /** Re-checks in flight, one per session: parallel requests of one page wait for the same answer. */
  private readonly rechecks = new Map<string, Promise<Role | null>>();

  constructor(
    private readonly deps: SessionServiceDeps,
    options: SessionServiceOptions = {}
  ) {
    this.idleTtlMs = options.idleTtlMs ?? 12 * HOUR;
    this.absoluteTtlMs = options.absoluteTtlMs ?? 7 * 24 * HOUR;
    this.renewIntervalMs = options.renewIntervalMs ?? 60 * 1000;
    this.arcgisRecheckMs = options.arcgisRecheckMs ?? 5 * 60 * 1000;
  }

  /** Who re-checks ArcGIS sessions (set where the services are wired; without one they end when a check is due). */
  setChecker(checker: SessionChecker): void {
    this.checker = checker;
  }

  async create(userId: string, context: { ip?: string | null; userAgent?: string | null } = {}, options: CreateSessionOptions = {}): Promise<NewSession> {
    const now = this.deps.clock();
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + Math.min(this.idleTtlMs, this.absoluteTtlMs)).toISOString();
    // Opportunistic clean-up: logins are rare enough that this costs nothing.
    await this.deps.sessions.deleteExpired(now.toISOString());
    const id = hashSessionToken(token);
    await this.deps.sessions.insert({
      id,
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
      ip: context.ip ?? null,
      user_agent: context.userAgent?.slice(0, 512) ?? null,
      via: options.via ?? 'password',
      checked_at: options.via === 'arcgis' ? now.toISOString() : null,
      arcgis_grant: options.sealGrant ? options.sealGrant(id) : null
    });
    return { token, csrfToken, expiresAt, cookieMaxAgeSeconds: Math.floor(this.absoluteTtlMs / 1000), via: options.via ?? 'password' };
  }

  /** The session for a cookie token, renewing its idle expiry; null when unknown or expired. */
  async authenticate(token: string): Promise<SessionAuthContext | null> {
    if (!token || token.length > 256) return null;
    const now = this.deps.clock();
    const found = await this.deps.sessions.findActive(hashSessionToken(token), now.toISOString());
    if (!found) return null;
    const { session, user } = found;

    let role = user.role;
    if (session.via === 'arcgis' && (!session.checked_at || now.getTime() - Date.parse(session.checked_at) >= this.arcgisRecheckMs)) {
      const checked = await this.recheck(session, user, now);
      if (checked === null) return null;
      role = checked;
    }

    let expiresAt = session.expires_at;
    if (now.getTime() - Date.parse(session.last_seen_at) >= this.renewIntervalMs) {
      const absoluteEnd = Date.parse(session.created_at) + this.absoluteTtlMs;
      expiresAt = new Date(Math.min(now.getTime() + this.idleTtlMs, absoluteEnd)).toISOString();
      await this.deps.sessions.touch(session.id, now.toISOString(), expiresAt);
    }
    return {
      kind: 'session',
      user: { id: user.id, username: user.username, role },
      session: { id: session.id, csrfToken: session.csrf_token, expiresAt, via: session.via }
    };
  }

  /** Ends a session (sign-out, a new sign-in in the same browser). */
  async revoke(sessionId: string): Promise<void> {
    const session = await this.deps.sessions.findById(sessionId);
    await this.deps.sessions.delete(sessionId);
    if (session?.via === 'arcgis' && this.checker) await this.checker.ended(session);
  }

  /** Checks an ArcGIS session again; null (and the session ends) when access is lost or cannot be confirmed. */
  private recheck(session: SessionRow, user: AppUserRow, now: Date): Promise<Role | null> {
    let pending = this.rechecks.get(session.id);
    if (!pending) {
      pending = (async () => {
        // Without a checker, or when the check itself fails, access cannot be confirmed: fail closed.
        const role = this.checker ? await this.checker.recheck(session, user).catch(() => null) : null;
        if (role === null) await this.deps.sessions.delete(session.id);
        else await this.deps.sessions.markChecked(session.id, now.toISOString());
        return role;
      })().finally(() => this.rechecks.delete(session.id));
      this.rechecks.set(session.id, pending);
    }
    return pending;
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.deps.sessions.deleteForUser(userId);
  }
}
