import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { CredentialsExpiredError } from '../arcgis/token-source.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { ArcGISSessionFactory } from './arcgis-session-factory.js';
import type { IdentityRepository } from './identity.repository.js';

export const KEEPER_INTERVAL_MS = 60 * 60_000;

export interface KeeperResult {
  identityId: string;
  status: 'renewed' | 'fresh' | 'failed' | 'skipped';
  error?: string;
}

/**
 * Renews tokens of idle identities in the background (hourly), so a refresh token is exchanged well before it
 * expires even when no backup runs for weeks. Work in progress renews through its own session as well.
 */
export class TokenKeeper {
  private timer: NodeJS.Timeout | undefined;
  private firstPass: NodeJS.Timeout | undefined;
  private running: Promise<KeeperResult[]> | undefined;

  constructor(
    private readonly deps: { repository: IdentityRepository; arcgisSessions: ArcGISSessionFactory; clock: Clock; logger: Logger },
    private readonly intervalMs = KEEPER_INTERVAL_MS
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    // The keeper never holds the process open by itself.
    this.timer.unref();
    // A first pass soon after start-up catches tokens that came close to expiry while OrgKeeper was down.
    this.firstPass = setTimeout(() => void this.runOnce(), 5_000);
    this.firstPass.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.firstPass) clearTimeout(this.firstPass);
    this.timer = undefined;
    this.firstPass = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over every identity with OAuth2 or password credentials; per-identity results, never a throw. */
  runOnce(): Promise<KeeperResult[]> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<KeeperResult[]> {
    const results: KeeperResult[] = [];
    let rows;
    try {
      rows = await this.deps.repository.list();
    } catch (error) {
      // The database is closing (shutdown) or unavailable: try again next time.
      this.deps.logger.debug({ err: { message: (error as Error).message } }, 'token keeper could not list identities');
      return results;
    }
    for (const row of rows) {
      if (row.auth_method !== 'oauth2' || row.status_state !== 'connected') {
        results.push({ identityId: row.id, status: 'skipped' });
        continue;
      }
      const source = this.deps.arcgisSessions.oauthSourceFor(row);
      if (!source) {
        results.push({ identityId: row.id, status: 'skipped' });
        continue;
      }
      try {
        // Idle identities need only their refresh token kept alive; access tokens are fetched when work starts.
        const renewed = await source.renewIfDue({ refreshTokenOnly: true });
        results.push({ identityId: row.id, status: renewed ? 'renewed' : 'fresh' });
      } catch (error) {
        const message = error instanceof CredentialsExpiredError ? error.message : toArcGISFailure(error).message;
        if (error instanceof CredentialsExpiredError) {
          await this.deps.repository.update(row.id, { status_state: 'needs_sign_in', status_message: message, updated_at: this.deps.clock().toISOString() });
          this.deps.arcgisSessions.invalidate(row.id);
        }
        this.deps.logger.warn({ identity: row.id, error: message }, 'could not renew the tokens of an identity');
        results.push({ identityId: row.id, status: 'failed', error: message });
      }
    }
    return results;
  }
}
