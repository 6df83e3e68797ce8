import { randomBytes } from 'node:crypto';
import { type EmulatorContext } from '../context.js';
import { type RefreshTokenRecord, type TokenRecord, type UserRecord } from '../state/types.js';

/** ArcGIS never issues user tokens for longer than two weeks through generateToken (minutes). */
export const TWO_WEEKS_MINUTES = 20160;
/** Default refresh-token lifetime of the OAuth2 code flow (`expiration` parameter, minutes). */
export const DEFAULT_REFRESH_MINUTES = 20160;
/** Refresh tokens may be asked for up to 90 days unless the org caps it lower. */
export const MAX_REFRESH_MINUTES = 129600;

/**
 * Token lifetimes that tests may shorten at runtime (`POST /__emulator/tokens`). `null` means "as ArcGIS would":
 * the client's `expiration` capped by the org's `maxTokenExpirationMinutes`.
 */
export interface TokenSettings {
  /** Lifetime of OAuth2 access tokens (code flow, refresh_token grant); `--token-minutes`, default 30. */
  accessMinutes: number;
  /** Overrides every refresh token's lifetime. */
  refreshMinutes: number | null;
  /** Caps generateToken tokens (user and server tokens). */
  generateTokenMinutes: number | null;
  /**
   * How `redirect_uri` is compared with the registered ones. ArcGIS documents that they "must match"; 'prefix'
   * accepts any URI that starts with a registered one, for portals observed to be lenient (*unverified*).
   */
  redirectUriMatching: 'exact' | 'prefix';
}

const settingsByEmulator = new WeakMap<EmulatorContext, TokenSettings>();

export function tokenSettings(emu: EmulatorContext): TokenSettings {
  let settings = settingsByEmulator.get(emu);
  if (!settings) {
    settings = { accessMinutes: emu.options.tokenMinutes, refreshMinutes: null, generateTokenMinutes: null, redirectUriMatching: 'exact' };
    settingsByEmulator.set(emu, settings);
  }
  return settings;
}

/** The org's cap in minutes (`maxTokenExpirationMinutes`; -1 or 0 means no org cap). */
export function orgMaxMinutes(emu: EmulatorContext, fallback: number): number {
  const max = emu.state.org.maxTokenExpirationMinutes;
  return max > 0 ? Math.min(max, fallback) : fallback;
}

/**
 * An unguessable secret (tokens, refresh tokens, codes). Deliberately not from the seeded generator: seeds make ids
 * repeatable, but a secret that anyone knowing the seed could predict would make the demo's tokens guessable.
 */
export function newSecret(chars: number): string {
  return randomBytes(Math.ceil((chars * 3) / 4)).toString('base64url').slice(0, chars);
}

export type ResolvedToken = { user: UserRecord | null; token: TokenRecord };

/**
 * Looks a token up. `undefined`: no token sent; 'invalid': unknown, expired or revoked (ArcGIS answers 498);
 * otherwise the user it belongs to (null for an application token from `client_credentials`, which acts for the
 * app and not for any user). A disabled user's tokens stop working, as in ArcGIS.
 */
export function resolveToken(emu: EmulatorContext, token: string | undefined): ResolvedToken | 'invalid' | undefined {
  if (!token) return undefined;
  const record = emu.state.tokens.get(token);
  if (!record) return 'invalid';
  if (record.expires <= emu.clock.now()) return 'invalid';
  if (record.refreshToken) {
    const refresh = emu.state.refreshTokens.get(record.refreshToken);
    if (!refresh || refresh.revoked) return 'invalid';
  }
  if (record.kind === 'app') {
    return record.clientId && emu.state.apps.has(record.clientId) ? { user: null, token: record } : 'invalid';
  }
  const user = emu.state.getUser(record.username);
  if (!user || user.disabled) return 'invalid';
  return { user, token: record };
}

/** Issues an access token for `username` valid for `minutes`. */
export function issueToken(
  emu: EmulatorContext,
  username: string,
  minutes: number,
  extra: Partial<Pick<TokenRecord, 'kind' | 'clientId' | 'refreshToken' | 'referer'>> = {}
): TokenRecord {
  const now = emu.clock.now();
  const record: TokenRecord = {
    token: newSecret(128),
    username,
    created: now,
    expires: now + Math.round(minutes * 60_000),
    kind: extra.kind ?? 'generateToken',
    ...extra
  };
  emu.state.tokens.set(record.token, record);
  emu.markDirty();
  return record;
}

/** Issues a refresh token (OAuth2 code flow) valid for `minutes`. */
export function issueRefreshToken(emu: EmulatorContext, username: string, clientId: string, minutes: number): RefreshTokenRecord {
  const now = emu.clock.now();
  const record: RefreshTokenRecord = {
    token: newSecret(96),
    username,
    clientId,
    created: now,
    expires: now + Math.round(minutes * 60_000),
    revoked: false
  };
  emu.state.refreshTokens.set(record.token, record);
  emu.markDirty();
  return record;
}

/** Revokes a refresh token; the access tokens issued from it stop working with it (see resolveToken). */
export function revokeRefreshToken(emu: EmulatorContext, record: RefreshTokenRecord): void {
  record.revoked = true;
  for (const [key, token] of emu.state.tokens) if (token.refreshToken === record.token) emu.state.tokens.delete(key);
  emu.markDirty();
}

/** Makes every access token (and optionally every refresh token) expire now: a test's "time passes" switch. */
export function expireAllTokens(emu: EmulatorContext, refreshTokensToo: boolean): { accessTokens: number; refreshTokens: number } {
  const now = emu.clock.now();
  let accessTokens = 0;
  let refreshTokens = 0;
  for (const token of emu.state.tokens.values()) {
    if (token.expires > now) {
      token.expires = now;
      accessTokens++;
    }
  }
  if (refreshTokensToo) {
    for (const token of emu.state.refreshTokens.values()) {
      if (token.expires > now) {
        token.expires = now;
        refreshTokens++;
      }
    }
  }
  emu.markDirty();
  return { accessTokens, refreshTokens };
}
