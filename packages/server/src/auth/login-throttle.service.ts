import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { LoginAttemptRepository } from './login-attempt.repository.js';

export interface LoginThrottleOptions {
  /** Failed attempts for one username that trigger throttling (default 5). */
  maxFailuresPerUsername?: number;
  /** Failed attempts from one IP address that trigger throttling (default 20). */
  maxFailuresPerIp?: number;
  /** How far back failures count (default 15 minutes). */
  windowMs?: number;
}

export interface LoginThrottleDeps {
  attempts: LoginAttemptRepository;
  clock: Clock;
}

/** The outcome of asking to check a password: go ahead (settle with `succeeded` if it was right), or wait. */
export type LoginReservation = { allowed: true; attemptId: string } | { allowed: false; retryAfterSeconds: number };

/**
 * Slows down password guessing: too many failures for one username (in any IP) or from one IP
 * (for any username) within the window block further attempts until the oldest of them ages out.
 * A successful login clears the username's count, not the IP's.
 *
 * Each attempt is reserved before its password is checked: recorded as a failure by one atomic
 * statement that also checks the limits, and turned into a success afterwards if the password was
 * right. Parallel attempts therefore see each other, and at most the limit of them ever reaches the
 * slow password hash. An attempt cut short (crash, error) stays counted as a failure.
 */
export class LoginThrottleService {
  readonly maxFailuresPerUsername: number;
  readonly maxFailuresPerIp: number;
  readonly windowMs: number;

  constructor(
    private readonly deps: LoginThrottleDeps,
    options: LoginThrottleOptions = {}
  ) {
    this.maxFailuresPerUsername = options.maxFailuresPerUsername ?? 5;
    this.maxFailuresPerIp = options.maxFailuresPerIp ?? 20;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
  }

  /** Reserves one attempt for `usernameKey` from `ip`, or says how long to wait. */
  async reserve(usernameKey: string, ip: string): Promise<LoginReservation> {
    const now = this.deps.clock();
    const attemptId = newId();
    const allowed = await this.deps.attempts.reserveFailure(
      { id: attemptId, username_key: usernameKey.slice(0, 128), ip, attempted_at: now.toISOString() },
      {
        windowStart: new Date(now.getTime() - this.windowMs).toISOString(),
        maxFailuresPerUsername: this.maxFailuresPerUsername,
        maxFailuresPerIp: this.maxFailuresPerIp
      }
    );
    if (allowed) {
      await this.pruneBefore(now);
      return { allowed: true, attemptId };
    }
    // Only for the message: the refusal itself was decided atomically above.
    return { allowed: false, retryAfterSeconds: (await this.retryAfterSeconds(usernameKey.slice(0, 128), ip, now)) ?? 1 };
  }

  /** The reserved attempt's password was right. */
  async succeeded(attemptId: string): Promise<void> {
    await this.deps.attempts.markSucceeded(attemptId);
  }

  /** A sign-in that checked no password here (first-run setup) clears the username's count like a login would. */
  async recordSuccess(usernameKey: string, ip: string): Promise<void> {
    const now = this.deps.clock();
    await this.deps.attempts.insert({
      id: newId(),
      username_key: usernameKey.slice(0, 128),
      ip,
      attempted_at: now.toISOString(),
      succeeded: 1
    });
    await this.pruneBefore(now);
  }

  /** Seconds until the next attempt may be made, or null when attempts are allowed now. */
  private async retryAfterSeconds(usernameKey: string, ip: string, at: Date): Promise<number | null> {
    const now = at.getTime();
    const windowStart = new Date(now - this.windowMs).toISOString();
    const lastSuccess = await this.deps.attempts.lastSuccess(usernameKey);
    const userSince = lastSuccess && lastSuccess > windowStart ? lastSuccess : windowStart;

    const waits: number[] = [];
    const byUser = await this.deps.attempts.recentFailures({ usernameKey }, userSince, this.maxFailuresPerUsername);
    if (byUser.length >= this.maxFailuresPerUsername) waits.push(this.waitFor(byUser, now));
    const byIp = await this.deps.attempts.recentFailures({ ip }, windowStart, this.maxFailuresPerIp);
    if (byIp.length >= this.maxFailuresPerIp) waits.push(this.waitFor(byIp, now));
    return waits.length > 0 ? Math.max(...waits) : null;
  }

  /** Keep the table small: nothing older than a day is ever consulted. */
  private async pruneBefore(now: Date): Promise<void> {
    await this.deps.attempts.deleteOlderThan(new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString());
  }

  /** `failures` is newest first and as long as the limit: attempts resume when its oldest entry ages out. */
  private waitFor(failures: string[], now: number): number {
    const oldest = Date.parse(failures[failures.length - 1] as string);
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }
}
