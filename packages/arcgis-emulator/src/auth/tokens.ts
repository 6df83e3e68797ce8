import { type EmulatorContext } from '../context.js';
import { type TokenRecord, type UserRecord } from '../state/types.js';

/**
 * Looks a token up. `undefined`: no token sent; 'invalid': unknown, expired or revoked (ArcGIS answers 498);
 * otherwise the user it belongs to. A disabled user's tokens stop working, as in ArcGIS.
 */
export function resolveToken(
  emu: EmulatorContext,
  token: string | undefined
): { user: UserRecord; token: TokenRecord } | 'invalid' | undefined {
  if (!token) return undefined;
  const record = emu.state.tokens.get(token);
  if (!record) return 'invalid';
  if (record.expires <= emu.clock.now()) return 'invalid';
  if (record.refreshToken) {
    const refresh = emu.state.refreshTokens.get(record.refreshToken);
    if (!refresh || refresh.revoked) return 'invalid';
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
    token: emu.state.random.alnum(128),
    username,
    created: now,
    expires: now + Math.round(minutes * 60_000),
    kind: extra.kind ?? 'generateToken',
    ...extra
  };
  emu.state.tokens.set(record.token, record);
  return record;
}
