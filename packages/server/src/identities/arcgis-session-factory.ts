import { AdaptiveLimiter, checkCeiling, DEFAULT_ARCGIS_CONCURRENCY_CEILING } from '../arcgis/adaptive-limiter.js';
import { ArcGISSession, type ArcGISSessionOptions, type SessionStats } from '../arcgis/arcgis-session.js';
import { IwaTokenSource } from '../arcgis/iwa-client.js';
import { normalizePortalUrl } from '../arcgis/portal-url.js';
import { CredentialsExpiredError, OAuthTokenSource, type TokenSource } from '../arcgis/token-source.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { CredentialVault } from './credential-vault.js';
import type { IdentityRepository } from './identity.repository.js';
import type { IdentityRow } from './identity.types.js';

export type SessionForOptions = Pick<ArcGISSessionOptions, 'signal' | 'concurrency' | 'retry' | 'timeoutMs' | 'onRetry'>;

interface CachedSource {
  source: OAuthTokenSource | IwaTokenSource;
  generation: number;
  key: string;
}

/**
 * Gives other features (backups, scans, the identity test) an ArcGISSession for an identity, built from its stored
 * or in-memory credentials. One token source per identity is shared by all its sessions, so a refresh or a
 * refresh-token exchange happens once and every session sees the new tokens; rotations are persisted at once.
 */
export class ArcGISSessionFactory {
  private readonly sources = new Map<string, CachedSource>();
  /**
   * One adaptive limiter per identity: the organization's request budget is shared by everything OrgKeeper does for
   * it (a backup, a scan and a restore at once slow down together when ArcGIS throttles).
   */
  private readonly limiters = new Map<string, AdaptiveLimiter>();
  private readonly ceiling: number;

  constructor(
    private readonly deps: {
      repository: IdentityRepository;
      vault: CredentialVault;
      clock: Clock;
      logger: Logger;
      /** A stats object for each new session of the identity (metrics add its counts up per identity). */
      statsFor?: (identity: Pick<IdentityRow, 'id' | 'name'>) => SessionStats;
      arcgisConcurrency?: number;
    }
  ) {
    this.ceiling = checkCeiling(deps.arcgisConcurrency ?? DEFAULT_ARCGIS_CONCURRENCY_CEILING, 'The ArcGIS concurrency (--arcgis-concurrency)');
  }

  /** The identity's shared limiter (created on first use with the server's ceiling). */
  limiterFor(identityId: string): AdaptiveLimiter {
    let limiter = this.limiters.get(identityId);
    if (!limiter) {
      limiter = new AdaptiveLimiter({ ceiling: this.ceiling });
      this.limiters.set(identityId, limiter);
    }
    return limiter;
  }

  /** A session for the identity; throws AppError `needs_sign_in` when it has no usable credentials, `not_found` when it does not exist. */
  async sessionFor(identityId: string, options: SessionForOptions = {}): Promise<ArcGISSession> {
    const row = await this.deps.repository.findById(identityId);
    if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
    return this.sessionForRow(row, options);
  }

  sessionForRow(row: IdentityRow, options: SessionForOptions = {}): ArcGISSession {
    const { portalUrl, restUrl } = normalizePortalUrl(row.portal_url);
    const source = this.sourceFor(row);
    const guarded = this.guard(row, source);
    // A caller's own bound (a backup's --concurrency) gets a limiter of its own below the server's ceiling; otherwise
    // the identity's shared one.
    const { concurrency, ...rest } = options;
    const limiter = concurrency === undefined ? this.limiterFor(row.id) : new AdaptiveLimiter({ ceiling: Math.min(concurrency, this.ceiling) });
    return new ArcGISSession(
      {
        portalUrl,
        restUrl,
        auth: guarded,
        ...(source instanceof IwaTokenSource ? { headersFor: (url: string) => source.headersFor(url) } : {}),
        ...rest,
        limiter
      },
      undefined,
      this.deps.statsFor?.(row)
    );
  }

  /** The identity's OAuth token source (for the keeper), or undefined for IWA and identities without credentials. */
  oauthSourceFor(row: IdentityRow): OAuthTokenSource | undefined {
    if (row.auth_method !== 'oauth2') return undefined;
    try {
      const source = this.sourceFor(row);
      return source instanceof OAuthTokenSource ? source : undefined;
    } catch {
      return undefined;
    }
  }

  /** Drops the cached token source (credentials replaced, identity changed or deleted). */
  invalidate(identityId: string): void {
    this.sources.delete(identityId);
  }

  private sourceFor(row: IdentityRow): OAuthTokenSource | IwaTokenSource {
    const key = `${row.auth_method} ${row.portal_url} ${row.app_id ?? ''} ${row.store_credentials}`;
    if (row.auth_method === 'iwa') {
      const cached = this.sources.get(row.id);
      if (cached && cached.key === key) return cached.source;
      if (row.status_state !== 'connected') {
        throw new AppError('needs_sign_in', `The identity "${row.name}" is not connected yet. Connect it (IWA) first.`);
      }
      const source = new IwaTokenSource(normalizePortalUrl(row.portal_url).restUrl, () => this.deps.clock().getTime());
      if (row.username) source.setUsername(row.username);
      this.sources.set(row.id, { source, generation: 0, key });
      return source;
    }
    let held;
    try {
      held = this.deps.vault.get(row);
    } catch (error) {
      throw new AppError(
        'needs_sign_in',
        `The stored credentials of "${row.name}" cannot be decrypted (${(error as Error).message}). Connect the identity again.`,
        { cause: error }
      );
    }
    if (!held) {
      throw new AppError(
        'needs_sign_in',
        row.status_state === 'connected' && !row.store_credentials
          ? `"${row.name}" keeps its credentials in memory only and OrgKeeper has restarted since the sign-in: connect it again. Turn on Store credentials so scheduled work can run unattended.`
          : `"${row.name}" is not signed in: connect it first.`
      );
    }
    const cached = this.sources.get(row.id);
    if (cached && cached.key === key && cached.generation === held.generation) return cached.source;
    const identityId = row.id;
    const store = row.store_credentials === 1;
    const source = new OAuthTokenSource({
      restUrl: normalizePortalUrl(row.portal_url).restUrl,
      credentials: held.credentials,
      now: () => this.deps.clock().getTime(),
      onCredentials: async (credentials) => {
        await this.deps.vault.save(identityId, credentials, store, { fromTokenSource: true });
        this.deps.logger.info({ identity: identityId }, 'ArcGIS tokens renewed');
      }
    });
    this.sources.set(row.id, { source, generation: held.generation, key });
    return source;
  }

  /** When the portal refuses the stored credentials, the identity shows that it needs a new sign-in. */
  private guard(row: IdentityRow, source: TokenSource): TokenSource {
    const onRefused = async (error: unknown): Promise<never> => {
      if (error instanceof CredentialsExpiredError) {
        this.invalidate(row.id);
        await this.deps.repository.update(row.id, {
          status_state: 'needs_sign_in',
          status_message: error.message,
          updated_at: this.deps.clock().toISOString()
        });
      }
      // Passed on as it is: ArcGISSession lets CredentialsExpiredError through untouched (no retry can help).
      throw error;
    };
    return {
      portal: source.portal,
      getToken: (url: string) => source.getToken(url).catch(onRefused),
      refresh: () => source.refresh().catch(onRefused),
      status: () => source.status()
    };
  }
}
