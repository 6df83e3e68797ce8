import { type Ctx, type EmulatorContext } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { intParam } from '../http/request.js';
import { type TokenRecord, type UserRecord } from '../state/types.js';
import { issueToken, orgMaxMinutes, resolveToken, tokenSettings, TWO_WEEKS_MINUTES } from './tokens.js';

/** generateToken's default lifetime when `expiration` is not sent (minutes). */
const DEFAULT_GENERATE_TOKEN_MINUTES = 60;

/** `{"error":{"code":400,"message":"Unable to generate token.","details":[...]}}`, as ArcGIS words it. */
export function unableToGenerateToken(detail: string): ArcGISError {
  return new ArcGISError(400, 'Unable to generate token.', { details: [detail] });
}

/**
 * Checks a username and password the way the portal's built-in identity store does. The message for a disabled
 * account is ArcGIS's sign-in page wording (*unverified* for generateToken).
 */
export function checkCredentials(
  emu: EmulatorContext,
  username: string,
  password: string,
  usernameMatch: 'exact' | 'any-case'
): UserRecord | 'invalid' | 'disabled' {
  const user = emu.state.getUser(username);
  // generateToken matches the username case-sensitively while the OAuth2 sign-in page does not (Esri staff on
  // Esri/collector-tools#91). Passwords are always case-sensitive.
  if (!user || (usernameMatch === 'exact' && user.username !== username)) return 'invalid';
  if (user.password !== password || user.provider === 'saml') return 'invalid';
  if (user.disabled) return 'disabled';
  return user;
}

export const DISABLED_ACCOUNT_MESSAGE = 'This account has been disabled.';
export const INVALID_CREDENTIALS_MESSAGE = 'Invalid username or password.';

/** Records a successful sign-in (`lastLogin` in portals/self/users). */
export function recordSignIn(emu: EmulatorContext, user: UserRecord): void {
  user.lastLogin = emu.clock.now();
  emu.markDirty();
}

/**
 * `POST <rest>/generateToken`. Three ways in, as ArcGIS offers them:
 * - `username` + `password` (+ `client=referer|requestip|ip`, `referer`, `ip`, `expiration`) -> a portal token;
 * - `token` + `serverUrl` -> a token for a federated server (what ArcGISIdentityManager.getTokenForServer sends);
 * - an IWA-authenticated connection with `request=getToken` + `serverUrl` -> a server token for that user.
 * The answer is `{token, expires, ssl}`; `expires` is in ms since epoch.
 */
export function generateToken(ctx: Ctx): object {
  const { emu } = ctx;
  const p = ctx.req.params;
  const settings = tokenSettings(emu);
  const cap = (minutes: number) => {
    const capped = Math.min(minutes, orgMaxMinutes(emu, TWO_WEEKS_MINUTES));
    return settings.generateTokenMinutes === null ? capped : Math.min(capped, settings.generateTokenMinutes);
  };
  const requested = intParam(p, 'expiration', DEFAULT_GENERATE_TOKEN_MINUTES);
  const minutes = cap(requested > 0 ? requested : DEFAULT_GENERATE_TOKEN_MINUTES);

  const client = (p.client ?? '').toLowerCase();
  if (client && client !== 'referer' && client !== 'requestip' && client !== 'ip') {
    throw unableToGenerateToken("Invalid value for 'client'. Valid values are referer, requestip and ip.");
  }
  if (client === 'referer' && !(p.referer ?? '').trim()) throw unableToGenerateToken("'referer' must be specified.");
  if (client === 'ip' && !(p.ip ?? '').trim()) throw unableToGenerateToken("'ip' must be specified.");
  const referer = client === 'referer' ? p.referer : undefined;

  const serverUrl = p.serverUrl;
  if (serverUrl !== undefined && serverUrl !== '' && !isFederatedServer(emu, serverUrl)) {
    // Detail as ArcGIS words it for a server it cannot mint tokens for (seen in Esri/resource-proxy#377).
    throw unableToGenerateToken('Unable to generate token for this server');
  }
  const forServer = !!serverUrl;

  // 1. username and password
  if (p.username !== undefined || p.password !== undefined) {
    if (!p.username) throw unableToGenerateToken("'username' must be specified.");
    if (!p.password) throw unableToGenerateToken("'password' must be specified.");
    const checked = checkCredentials(emu, p.username, p.password, 'exact');
    if (checked === 'invalid') throw unableToGenerateToken(INVALID_CREDENTIALS_MESSAGE);
    if (checked === 'disabled') throw unableToGenerateToken(DISABLED_ACCOUNT_MESSAGE);
    recordSignIn(emu, checked);
    const token = issueToken(emu, checked.username, minutes, { kind: forServer ? 'server' : 'generateToken', referer });
    return answer(token);
  }

  // 2. a portal token exchanged for a federated server's token
  if (p.token) {
    const resolved = resolveToken(emu, p.token);
    if (resolved === undefined || resolved === 'invalid') throw errors.invalidToken();
    if (!forServer) throw unableToGenerateToken("'serverUrl' must be specified.");
    if (!resolved.user) throw errors.forbidden();
    // A server token never outlives the portal token it was made from.
    const remaining = (resolved.token.expires - emu.clock.now()) / 60_000;
    const token = issueToken(emu, resolved.user.username, Math.min(minutes, remaining), { kind: 'server', referer });
    return answer(token);
  }

  // 3. IWA: the connection's Kerberos identity stands in for the credentials
  if (ctx.principal && ctx.user) {
    if (forServer || (p.request ?? '').toLowerCase() === 'gettoken') {
      const token = issueToken(emu, ctx.user.username, minutes, { kind: forServer ? 'server' : 'generateToken', referer });
      return answer(token);
    }
  }
  throw unableToGenerateToken("'username' must be specified.");
}

function answer(token: TokenRecord): object {
  // ssl: the emulator serves plain HTTP on loopback, so tokens are not restricted to HTTPS.
  return { token: token.token, expires: token.expires, ssl: false };
}

/** Whether `url` is (or lies under) a server federated with this portal: its hosting server, or one the state lists. */
export function isFederatedServer(emu: EmulatorContext, url: string): boolean {
  const normalize = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  const target = normalize(url);
  return [emu.urls.serverUrl, ...(emu.state.org.federatedServers ?? []).map((s) => s.url)].some((server) => {
    const root = normalize(server);
    return target === root || target.startsWith(`${root}/`);
  });
}
