import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { getSelf } from '@esri/arcgis-rest-portal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../../src/index.js';
import { authorizeCode, postForm } from '../auth/oauth-browser.js';
import { startTestEmulator } from '../support/emulator.js';

const REDIRECT_URI = 'http://localhost:5173/auth/callback';

/** Sign-in and token handling driven by Esri's own ArcGISIdentityManager, on both kinds. */
describe.each(['online', 'enterprise'] as const)('auth with Esri’s ArcGISIdentityManager (%s)', (kind) => {
  let emu: EmulatorHandle;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind, seed: 'empty' });
    // Register the app's redirect URI the way an administrator does, through the API.
    const admin = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
    await request(`${emu.restUrl}/oauth2/apps/${emu.appId}/update`, {
      params: { redirect_uris: JSON.stringify([REDIRECT_URI, 'urn:ietf:wg:oauth:2.0:oob']) },
      authentication: admin
    });
  });

  afterAll(async () => {
    await emu?.close();
    // Shortened lifetimes are per emulator; nothing else to reset.
  });

  it('signs in with username and password (generateToken) and records lastLogin', async () => {
    const before = emu.context.state.getUser(emu.admin.username)!.lastLogin;
    const session = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
    expect(session.username).toBe(emu.admin.username);
    expect(session.token).toMatch(/^\S{32,}$/);
    // rest-js asks for tokenDuration (two weeks) minutes; the emulator caps it at the org maximum and two weeks.
    expect(session.tokenExpires.getTime()).toBeGreaterThan(Date.now() + 20_000 * 60_000);
    expect(session.tokenExpires.getTime()).toBeLessThanOrEqual(Date.now() + 20160 * 60_000 + 5_000);
    expect(emu.context.state.getUser(emu.admin.username)!.lastLogin).toBeGreaterThanOrEqual(before);
    const self = await getSelf({ authentication: session });
    expect(self.isPortal).toBe(kind === 'enterprise');
    expect(self.user?.username).toBe(emu.admin.username);
  });

  it('rejects a wrong password as ArcGIS does', async () => {
    await expect(ArcGISIdentityManager.signIn({ username: emu.admin.username, password: 'wrong', portal: emu.restUrl })).rejects.toMatchObject({
      name: 'ArcGISTokenRequestError',
      code: 'TOKEN_REFRESH_FAILED',
      message: 'TOKEN_REFRESH_FAILED: 400: Unable to generate token.'
    });
  });

  it('exchanges an authorization code, refreshes, and exchanges the refresh token', async () => {
    const { code, location } = await authorizeCode(emu.restUrl, {
      clientId: emu.appId,
      redirectUri: REDIRECT_URI,
      username: emu.admin.username,
      password: emu.admin.password,
      state: 'xyz-123'
    });
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('xyz-123');

    const session = await ArcGISIdentityManager.exchangeAuthorizationCode({ clientId: emu.appId, portal: emu.restUrl, redirectUri: REDIRECT_URI }, code);
    expect(session.username).toBe(emu.admin.username);
    // Access tokens of the code flow last 30 minutes (rest-js takes 5 minutes off).
    expect(session.tokenExpires.getTime()).toBeGreaterThan(Date.now() + 24 * 60_000);
    expect(session.tokenExpires.getTime()).toBeLessThan(Date.now() + 26 * 60_000);
    expect(session.refreshTokenExpires.getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect((await getSelf({ authentication: session })).user?.username).toBe(emu.admin.username);

    const firstToken = session.token;
    const refreshToken = session.refreshToken;
    await session.refreshCredentials();
    expect(session.token).not.toBe(firstToken);
    expect(session.refreshToken).toBe(refreshToken);
    expect((await getSelf({ authentication: session })).user?.username).toBe(emu.admin.username);

    // A refresh token close to its end is exchanged (exchange_refresh_token) by rest-js; the old one dies with its tokens.
    const soon = new ArcGISIdentityManager({
      clientId: emu.appId,
      portal: emu.restUrl,
      redirectUri: REDIRECT_URI,
      username: session.username,
      token: session.token,
      tokenExpires: session.tokenExpires,
      refreshToken,
      refreshTokenExpires: new Date(Date.now() + 3_600_000)
    });
    const oldAccess = soon.token;
    await soon.refreshCredentials();
    expect(soon.refreshToken).not.toBe(refreshToken);
    expect((await getSelf({ authentication: soon })).user?.username).toBe(emu.admin.username);
    const stale = await postForm(`${emu.restUrl}/oauth2/token`, { client_id: emu.appId, grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(stale.body).toEqual({
      error: { code: 498, error: 'invalid_request', error_description: 'Invalid refresh_token', message: 'Invalid refresh_token', details: [] }
    });
    const oldSelf = await postForm(`${emu.restUrl}/community/self`, { token: oldAccess });
    expect(oldSelf.body).toEqual({ error: { code: 498, message: 'Invalid token.', details: [] } });
  });

  it('signs out (revokeToken) so the refresh token stops working', async () => {
    const { code } = await authorizeCode(emu.restUrl, {
      clientId: emu.appId,
      redirectUri: REDIRECT_URI,
      username: emu.admin.username,
      password: emu.admin.password
    });
    const session = await ArcGISIdentityManager.exchangeAuthorizationCode({ clientId: emu.appId, portal: emu.restUrl, redirectUri: REDIRECT_URI }, code);
    const refreshToken = session.refreshToken;
    expect(await session.signOut()).toEqual({ success: true });
    const after = await postForm(`${emu.restUrl}/oauth2/token`, { client_id: emu.appId, grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(after.body).toMatchObject({ error: { code: 498, error: 'invalid_request' } });
  });

  it('gets a token for the hosted-services server through the rest/info federation chain', async () => {
    const session = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
    const serviceUrl = `${emu.servicesRoot}/Parcels/FeatureServer`;
    const serverToken = await session.getToken(serviceUrl);
    expect(serverToken).toMatch(/^\S{32,}$/);
    expect(serverToken).not.toBe(session.token);
    const record = emu.context.state.tokens.get(serverToken);
    expect(record).toMatchObject({ kind: 'server', username: emu.admin.username });
    // Cached per server root: a second call for another layer of the same server reuses the token.
    expect(await session.getToken(`${emu.servicesRoot}/Roads/FeatureServer/0`)).toBe(serverToken);
    // The portal itself keeps using the portal token.
    expect(await session.getToken(`${emu.restUrl}/portals/self`)).toBe(session.token);
  });
});
