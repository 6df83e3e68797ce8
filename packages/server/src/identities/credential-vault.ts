import type { StoredCredentials } from '../arcgis/token-source.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { IdentityRepository } from './identity.repository.js';
import type { IdentityRow } from './identity.types.js';

interface Held {
  credentials: StoredCredentials;
  /** The sealed text in the database these credentials correspond to (null: kept in memory only). */
  sealed: string | null;
  /** Bumped when the credentials are replaced from outside a token source (new sign-in, another process). */
  generation: number;
}

/**
 * Where an identity's credentials live: always in memory while OrgKeeper runs, and, when the identity stores
 * credentials, sealed in the database (AES-256-GCM, bound to the identity by associated data). Without stored
 * credentials a restart forgets them and the identity needs a new sign-in.
 */
export class CredentialVault {
  private readonly held = new Map<string, Held>();
  private nextGeneration = 1;

  constructor(
    private readonly deps: { repository: IdentityRepository; secretBox: SecretBox | undefined; clock: Clock }
  ) {}

  static associatedData(identityId: string): string {
    return `identity:${identityId}:credentials`;
  }

  /** The credentials of the identity (memory, else the database), or undefined when there are none. */
  get(row: IdentityRow): { credentials: StoredCredentials; generation: number } | undefined {
    const held = this.held.get(row.id);
    if (held && (held.sealed === row.credentials || (row.credentials === null && held.sealed === null))) {
      return { credentials: { ...held.credentials }, generation: held.generation };
    }
    if (row.credentials === null) {
      // Sealed credentials were removed by another process (disconnected): forget ours too.
      if (held) this.held.delete(row.id);
      return undefined;
    }
    if (!this.deps.secretBox) throw new Error('Stored credentials cannot be read without the master key.');
    const credentials = JSON.parse(this.deps.secretBox.openString(row.credentials, CredentialVault.associatedData(row.id))) as StoredCredentials;
    const fresh: Held = { credentials, sealed: row.credentials, generation: this.nextGeneration++ };
    this.held.set(row.id, fresh);
    return { credentials: { ...credentials }, generation: fresh.generation };
  }

  has(row: IdentityRow): boolean {
    try {
      return this.get(row) !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * Keeps new credentials: in memory, and sealed in the database when `store` is set; token expiry columns follow.
   * `fromTokenSource` (a refresh by the running token source) keeps the generation, so that source stays in use.
   */
  async save(identityId: string, credentials: StoredCredentials, store: boolean, options: { fromTokenSource?: boolean } = {}): Promise<void> {
    const sealed = store ? this.seal(identityId, credentials) : null;
    const previous = this.held.get(identityId);
    const generation = options.fromTokenSource && previous ? previous.generation : this.nextGeneration++;
    this.held.set(identityId, { credentials: { ...credentials }, sealed, generation });
    await this.deps.repository.update(identityId, {
      credentials: sealed,
      token_expires: iso(credentials.tokenExpires),
      refresh_token_expires: iso(credentials.refreshTokenExpires),
      has_password: credentials.password ? 1 : 0,
      updated_at: this.deps.clock().toISOString()
    });
  }

  /** Switches between stored and memory-only for credentials already held. */
  async setStored(identityId: string, store: boolean): Promise<void> {
    const held = this.held.get(identityId);
    if (!held) {
      if (!store) await this.deps.repository.update(identityId, { credentials: null, has_password: 0 });
      return;
    }
    await this.save(identityId, held.credentials, store, { fromTokenSource: true });
  }

  /** Forgets the credentials everywhere (disconnect, delete). Returns what was held, e.g. to revoke it. */
  async forget(identityId: string, options: { persist?: boolean } = {}): Promise<StoredCredentials | undefined> {
    const held = this.held.get(identityId);
    this.held.delete(identityId);
    if (options.persist !== false) {
      await this.deps.repository.update(identityId, {
        credentials: null,
        token_expires: null,
        refresh_token_expires: null,
        has_password: 0,
        updated_at: this.deps.clock().toISOString()
      });
    }
    return held?.credentials;
  }

  private seal(identityId: string, credentials: StoredCredentials): string {
    if (!this.deps.secretBox) throw new Error('Credentials cannot be stored without the master key.');
    return this.deps.secretBox.seal(JSON.stringify(credentials), CredentialVault.associatedData(identityId));
  }
}

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}
