import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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
}

export interface SessionServiceOptions {
  /** A session unused for this long ends (default 12 hours). */
  idleTtlMs?: number;
  /** No session lives longer than this, however active (default 7 days). */
  absoluteTtlMs?: number;
  /** Sliding renewal writes at most this often per session (default 1 minute). */
  renewIntervalMs?: number;
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

  constructor(
    private readonly deps: SessionServiceDeps,
    options: SessionServiceOptions = {}
  ) {
    this.idleTtlMs = options.idleTtlMs ?? 12 * HOUR;
    this.absoluteTtlMs = options.absoluteTtlMs ?? 7 * 24 * HOUR;
    this.renewIntervalMs = options.renewIntervalMs ?? 60 * 1000;
  }

  async create(userId: string, context: { ip?: string | null; userAgent?: string | null } = {}): Promise<NewSession> {
    const now = this.deps.clock();
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + Math.min(this.idleTtlMs, this.absoluteTtlMs)).toISOString();
    // Opportunistic clean-up: logins are rare enough that this costs nothing.
    await this.deps.sessions.deleteExpired(now.toISOString());
    await this.deps.sessions.insert({
      id: hashSessionToken(token),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
      ip: context.ip ?? null,
      user_agent: context.userAgent?.slice(0, 512) ?? null
    });
    return { token, csrfToken, expiresAt, cookieMaxAgeSeconds: Math.floor(this.absoluteTtlMs / 1000) };
  }

  /** The session for a cookie token, renewing its idle expiry; null when unknown or expired. */
  async authenticate(token: string): Promise<SessionAuthContext | null> {
    if (!token || token.length > 256) return null;
    const now = this.deps.clock();
    const found = await this.deps.sessions.findActive(hashSessionToken(token), now.toISOString());
    if (!found) return null;
    const { session, user } = found;

    let expiresAt = session.expires_at;
    if (now.getTime() - Date.parse(session.last_seen_at) >= this.renewIntervalMs) {
      const absoluteEnd = Date.parse(session.created_at) + this.absoluteTtlMs;
      expiresAt = new Date(Math.min(now.getTime() + this.idleTtlMs, absoluteEnd)).toISOString();
      await this.deps.sessions.touch(session.id, now.toISOString(), expiresAt);
    }
    return {
      kind: 'session',
      user: { id: user.id, username: user.username, role: user.role },
      session: { id: session.id, csrfToken: session.csrf_token, expiresAt }
    };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.deps.sessions.delete(sessionId);
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.deps.sessions.deleteForUser(userId);
  }
}
