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

/**
 * Slows down password guessing: too many failures for one username (in any IP) or from one IP
 * (for any username) within the window block further attempts until the oldest of them ages out.
 * A successful login clears the username's count, not the IP's.
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

  /** Seconds to wait before the next attempt may be made, or null when attempts are allowed. */
  async retryAfterSeconds(usernameKey: string, ip: string): Promise<number | null> {
    const now = this.deps.clock().getTime();
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

  async recordFailure(usernameKey: string, ip: string): Promise<void> {
    await this.record(usernameKey, ip, false);
  }

  async recordSuccess(usernameKey: string, ip: string): Promise<void> {
    await this.record(usernameKey, ip, true);
  }

  private async record(usernameKey: string, ip: string, succeeded: boolean): Promise<void> {
    const now = this.deps.clock();
    await this.deps.attempts.insert({
      id: newId(),
      username_key: usernameKey.slice(0, 128),
      ip,
      attempted_at: now.toISOString(),
      succeeded: succeeded ? 1 : 0
    });
    // Keep the table small: nothing older than a day is ever consulted.
    await this.deps.attempts.deleteOlderThan(new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString());
  }

  /** `failures` is newest first and as long as the limit: attempts resume when its oldest entry ages out. */
  private waitFor(failures: string[], now: number): number {
    const oldest = Date.parse(failures[failures.length - 1] as string);
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }
}
