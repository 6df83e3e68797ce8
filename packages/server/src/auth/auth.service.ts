import { AppError } from '../errors/app-error.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Role } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { type UserRepository, MAX_PASSWORD_LENGTH, usernameKey, type UserService } from '../users/index.js';
import type { LoginThrottleService } from './login-throttle.service.js';
import { hashPassword, needsRehash, scryptVerifier, type PasswordVerifier } from '../lib/password.js';
import type { NewSession, SessionAuthContext, SessionService } from './session.service.js';

export interface ClientContext {
  ip: string;
  userAgent?: string | null;
}

export interface SignedIn {
  user: { id: string; username: string; role: Role };
  session: NewSession;
}

export interface AuthServiceDeps {
  users: UserRepository;
  userService: UserService;
  sessions: SessionService;
  throttle: LoginThrottleService;
  audit: AuditService;
  clock: Clock;
  /** Default: scrypt (lib/password.ts). */
  passwords?: PasswordVerifier;
}

/** Signing in and out of OrgKeeper, and first-run setup. */
export class AuthService {
  private readonly passwords: PasswordVerifier;

  constructor(private readonly deps: AuthServiceDeps) {
    this.passwords = deps.passwords ?? scryptVerifier;
  }

  /** Checks the password and opens a new session; `replacing` is the browser's previous session, which ends. */
  async login(input: { username: string; password: string }, client: ClientContext, replacing?: SessionAuthContext | null): Promise<SignedIn> {
    const username = input.username.trim();
    const key = usernameKey(username);
    const { audit, throttle } = this.deps;

    // Reserved before the slow hash, so parallel guesses cannot all pass the limit (see LoginThrottleService).
    const attempt = await throttle.reserve(key, client.ip);
    if (!attempt.allowed) {
      const { retryAfterSeconds } = attempt;
      await audit.record({
        actor: { kind: 'anonymous', name: username },
        action: 'auth.login',
        target: username,
        result: 'denied',
        ip: client.ip,
        details: { reason: 'throttled', retryAfterSeconds }
      });
      const minutes = Math.ceil(retryAfterSeconds / 60);
      throw new AppError(
        'throttled',
        `Too many failed sign-in attempts. Wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`} and try again, ` +
          'or ask an administrator to check the account.',
        { retryAfterSeconds }
      );
    }

    // Accounts that come from ArcGIS have no password here: they sign in through their organization only.
    const user = await this.deps.users.findLocalByUsernameKey(key);
    let ok = false;
    if (!user || input.password.length > MAX_PASSWORD_LENGTH * 4) {
      await this.passwords.verifyDummy(input.password.slice(0, MAX_PASSWORD_LENGTH));
    } else {
      ok = await this.passwords.verify(input.password, user.password_hash);
    }

    // A wrong password leaves its reservation as the recorded failure.
    if (!user || !ok) {
      await audit.record({
        actor: { kind: 'anonymous', name: username },
        action: 'auth.login',
        target: username,
        result: 'failure',
        ip: client.ip,
        details: { reason: user ? 'wrong_password' : 'unknown_username' }
      });
      throw new AppError('invalid_credentials', 'The username or password is incorrect.');
    }

    await throttle.succeeded(attempt.attemptId);
    const now = this.deps.clock().toISOString();
    await this.deps.users.recordLogin(user.id, now);
    // Upgrade hashes made with older, weaker parameters while the plain password is at hand.
    if (needsRehash(user.password_hash)) {
      await this.deps.users.updatePasswordHash(user.id, await hashPassword(input.password), now);
    }
    // A fresh session on every login (no session fixation); the browser's previous one ends.
    if (replacing) await this.deps.sessions.revoke(replacing.session.id);
    const session = await this.deps.sessions.create(user.id, client);
    const signedIn = { id: user.id, username: user.username, role: user.role };
    await audit.record({
      actor: { kind: 'user', userId: user.id, username: user.username },
      action: 'auth.login',
      target: user.username,
      result: 'success',
      ip: client.ip,
      details: { via: 'password' }
    });
    return { user: signedIn, session };
  }

  /** First run: creates the administrator account and signs it in. */
  async setup(input: { username: string; password: string }, client: ClientContext): Promise<SignedIn> {
    const user = await this.deps.userService.createFirstAdmin(input, { kind: 'anonymous', name: input.username.trim() }, client);
    const now = this.deps.clock().toISOString();
    await this.deps.users.recordLogin(user.id, now);
    await this.deps.throttle.recordSuccess(usernameKey(user.username), client.ip);
    const session = await this.deps.sessions.create(user.id, client, { via: 'setup' });
    await this.deps.audit.record({
      actor: { kind: 'user', userId: user.id, username: user.username },
      action: 'auth.login',
      target: user.username,
      result: 'success',
      ip: client.ip,
      details: { via: 'setup' }
    });
    return { user: { id: user.id, username: user.username, role: user.role }, session };
  }

  async logout(auth: SessionAuthContext, client: ClientContext): Promise<void> {
    await this.deps.sessions.revoke(auth.session.id);
    await this.deps.audit.record({
      actor: { kind: 'user', userId: auth.user.id, username: auth.user.username },
      action: 'auth.logout',
      target: auth.user.username,
      result: 'success',
      ip: client.ip
    });
  }
}
