import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { authorizeCode, openSignIn, pkcePair, postForm, submitSignIn } from './auth/oauth-browser.js';
import { addUser, tokenFor } from './portal/fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

const REDIRECT_URI = 'https://app.example.com/callback';

const INVALID_TOKEN = { error: { code: 498, message: 'Invalid token.', details: [] } };
const TOKEN_REQUIRED = { error: { code: 499, message: 'Token Required', details: [], messageCode: 'GWM_0003' } };
const FORBIDDEN = {
  error: { code: 403, message: 'You do not have permissions to access this resource or perform this operation.', details: [], messageCode: 'GWM_0003' }
};
const oauthError = (code: number, error: string, description: string) => ({
  error: { code, error, error_description: description, message: description, details: [] }
});

async function control(emu: EmulatorHandle, path: string, params: Record<string, string | number | boolean>): Promise<unknown> {
  const response = await rawRequest(new URL(path, emu.portalUrl).toString(), params, { method: 'POST' });
  return response.body;
}

describe.each(['online', 'enterprise'] as const)('auth over raw HTTP (%s)', (kind) => {
  let emu: EmulatorHandle;
  let adminToken: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind, seed: 'empty' });
    adminToken = await tokenFor(emu, emu.admin.username, emu.admin.password);
    const update = await postForm(`${emu.restUrl}/oauth2/apps/${emu.appId}/update`, {
      token: adminToken,
      redirect_uris: JSON.stringify([REDIRECT_URI, 'urn:ietf:wg:oauth:2.0:oob'])
    });
    expect(update.body).toMatchObject({ client_id: emu.appId, redirect_uris: [REDIRECT_URI, 'urn:ietf:wg:oauth:2.0:oob'] });
  });

  afterAll(async () => {
    await emu?.close();
  });

  beforeEach(async () => {
    // Each test starts with ArcGIS's lifetimes and an unmoved clock.
    await control(emu, '/__emulator/tokens', { accessMinutes: 'null', refreshMinutes: 'null', generateTokenMinutes: 'null', redirectUriMatching: 'exact' });
    emu.context.clock.offsetMs = 0;
  });

  describe('info endpoints', () => {
    it('answers <rest>/info without a token', async () => {
      const { status, body } = await rawRequest(`${emu.restUrl}/info`);
      expect(status).toBe(200);
      expect(body).toEqual({
        owningSystemUrl: emu.portalUrl,
        authInfo: { tokenServicesUrl: `${emu.restUrl}/generateToken`, isTokenBasedSecurity: true }
      });
    });

    it('answers the REST root with the portal’s version', async () => {
      expect((await rawRequest(emu.restUrl)).body).toEqual({ currentVersion: expect.any(String) });
    });

    it('answers the federated server’s rest/info with the portal as owning system', async () => {
      const { body } = await rawRequest(`${emu.serverUrl}/rest/info`);
      expect(body).toMatchObject({
        currentVersion: expect.any(Number),
        fullVersion: expect.any(String),
        owningSystemUrl: emu.portalUrl,
        authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${emu.restUrl}/generateToken`, shortLivedTokenValidity: 60 }
      });
    });
  });

  describe('generateToken', () => {
    const sign = (params: Record<string, string>) =>
      rawRequest(`${emu.restUrl}/generateToken`, { client: 'referer', referer: 'http://localhost', ...params }, { method: 'POST' });

    it('issues a token for 60 minutes by default, as {token, expires, ssl}', async () => {
      const { body } = await sign({ username: emu.admin.username, password: emu.admin.password });
      const answer = body as { token: string; expires: number; ssl: boolean };
      expect(Object.keys(answer).sort()).toEqual(['expires', 'ssl', 'token']);
      expect(answer.expires).toBeGreaterThan(Date.now() + 59 * 60_000);
      expect(answer.expires).toBeLessThan(Date.now() + 61 * 60_000);
    });

    it('caps expiration at two weeks and at the org’s maxTokenExpirationMinutes', async () => {
      const long = (await sign({ username: emu.admin.username, password: emu.admin.password, expiration: '999999' })).body as { expires: number };
      expect(long.expires).toBeLessThanOrEqual(Date.now() + 20160 * 60_000 + 5000);
      expect(long.expires).toBeGreaterThan(Date.now() + 20150 * 60_000);
      emu.context.state.org.maxTokenExpirationMinutes = 120;
      try {
        const capped = (await sign({ username: emu.admin.username, password: emu.admin.password, expiration: '600' })).body as { expires: number };
        expect(capped.expires).toBeLessThanOrEqual(Date.now() + 120 * 60_000 + 5000);
      } finally {
        emu.context.state.org.maxTokenExpirationMinutes = kind === 'enterprise' ? 20160 : 129600;
      }
    });

    it('answers wrong credentials with ArcGIS’s error body', async () => {
      expect((await sign({ username: emu.admin.username, password: 'nope' })).body).toEqual({
        error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }
      });
      expect((await sign({ username: 'nobody', password: 'nope' })).body).toEqual({
        error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }
      });
    });

    it('refuses a disabled account and requires referer with client=referer', async () => {
      const user = addUser(emu, `disabled_${kind}`, { disabled: true });
      expect((await sign({ username: user.username, password: user.password })).body).toEqual({
        error: { code: 400, message: 'Unable to generate token.', details: ['This account has been disabled.'] }
      });
      const noReferer = await rawRequest(
        `${emu.restUrl}/generateToken`,
        { username: emu.admin.username, password: emu.admin.password, client: 'referer' },
        { method: 'POST' }
      );
      expect(noReferer.body).toEqual({ error: { code: 400, message: 'Unable to generate token.', details: ["'referer' must be specified."] } });
    });

    it('matches the username case-sensitively (the OAuth2 page does not) and updates lastLogin', async () => {
      const user = addUser(emu, `Casey_${kind}`, { lastLogin: -1 });
      expect((await sign({ username: user.username.toUpperCase(), password: user.password })).body).toEqual({
        error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }
      });
      expect(emu.context.state.getUser(user.username)!.lastLogin).toBe(-1);
      const { body } = await sign({ username: user.username, password: user.password });
      expect(body).toHaveProperty('token');
      expect(emu.context.state.getUser(user.username)!.lastLogin).toBeGreaterThan(Date.now() - 5000);
      const form = await openSignIn(emu.restUrl, { client_id: emu.appId, response_type: 'code', redirect_uri: REDIRECT_URI });
      const signed = await submitSignIn(form, { username: user.username.toLowerCase(), password: user.password });
      expect(signed.status).toBe(302);
    });

    it('is POST only', async () => {
      const { body } = await rawRequest(`${emu.restUrl}/generateToken`, { username: emu.admin.username, password: emu.admin.password });
      expect(body).toMatchObject({ error: { code: 405 } });
    });

    it('exchanges a portal token for a federated-server token, and refuses other servers', async () => {
      const ok = await rawRequest(`${emu.restUrl}/generateToken`, { token: adminToken, serverUrl: emu.serverUrl, expiration: 30 }, { method: 'POST' });
      expect(ok.body).toMatchObject({ token: expect.any(String), expires: expect.any(Number) });
      const bad = await rawRequest(`${emu.restUrl}/generateToken`, { token: 'garbage', serverUrl: emu.serverUrl }, { method: 'POST' });
      expect(bad.body).toEqual(INVALID_TOKEN);
      const other = await rawRequest(
        `${emu.restUrl}/generateToken`,
        { token: adminToken, serverUrl: 'https://elsewhere.example.com/arcgis' },
        { method: 'POST' }
      );
      expect(other.body).toEqual({ error: { code: 400, message: 'Unable to generate token.', details: ['Unable to generate token for this server'] } });
      // A server the portal lists as federated (portals/self/servers) gets tokens too.
      emu.context.state.org.federatedServers = [
        { id: 'FedServer00000001', name: 'elsewhere.example.com', url: 'https://elsewhere.example.com/arcgis', adminUrl: 'https://elsewhere.example.com/arcgis', isHosted: false, serverType: 'ArcGIS', serverRole: 'FEDERATED_SERVER', serverFunction: '' }
      ];
      try {
        const listed = await rawRequest(`${emu.restUrl}/generateToken`, { token: adminToken, serverUrl: 'https://elsewhere.example.com/arcgis/rest/services' }, { method: 'POST' });
        expect(listed.body).toMatchObject({ token: expect.any(String) });
      } finally {
        emu.context.state.org.federatedServers = [];
      }
    });
  });

  describe('token checks', () => {
    it('answers 499 when a token is required and missing, 498 when it is unknown', async () => {
      expect((await rawRequest(`${emu.restUrl}/community/self`)).body).toEqual(TOKEN_REQUIRED);
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: 'not-a-token' })).body).toEqual(INVALID_TOKEN);
      // Even on public resources an invalid token is an error.
      expect((await rawRequest(`${emu.restUrl}/portals/self`, { token: 'not-a-token' })).body).toEqual(INVALID_TOKEN);
    });

    it('expires generateToken tokens when the clock passes their expiry', async () => {
      const token = ((await rawRequest(
        `${emu.restUrl}/generateToken`,
        { username: emu.admin.username, password: emu.admin.password, client: 'referer', referer: 'x', expiration: 5 },
        { method: 'POST' }
      )).body as { token: string }).token;
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token })).body).toMatchObject({ username: emu.admin.username });
      await control(emu, '/__emulator/clock', { advanceMs: 6 * 60_000 });
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token })).body).toEqual(INVALID_TOKEN);
    });

    it('accepts the token from X-Esri-Authorization and Authorization: Bearer', async () => {
      const a = await rawRequest(`${emu.restUrl}/community/self`, {}, { headers: { 'X-Esri-Authorization': `Bearer ${adminToken}` } });
      expect(a.body).toMatchObject({ username: emu.admin.username });
      const b = await rawRequest(`${emu.restUrl}/community/self`, {}, { headers: { Authorization: `Bearer ${adminToken}` } });
      expect(b.body).toMatchObject({ username: emu.admin.username });
    });

    it('stops a disabled user’s tokens', async () => {
      const user = addUser(emu, `soon_disabled_${kind}`);
      const token = await tokenFor(emu, user.username, user.password);
      emu.context.state.getUser(user.username)!.disabled = true;
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token })).body).toEqual(INVALID_TOKEN);
    });

    it('expires every token on demand through /__emulator/tokens', async () => {
      const user = addUser(emu, `expire_all_${kind}`);
      const token = await tokenFor(emu, user.username, user.password);
      const result = (await control(emu, '/__emulator/tokens', { expireAll: true })) as { expired: { accessTokens: number } };
      expect(result.expired.accessTokens).toBeGreaterThan(0);
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token })).body).toEqual(INVALID_TOKEN);
      adminToken = await tokenFor(emu, emu.admin.username, emu.admin.password);
    });
  });

  describe('oauth2/authorize and the sign-in page', () => {
    const authorizeParams = (extra: Record<string, string> = {}) => ({
      client_id: emu.appId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      state: 'st<ate>&1',
      ...extra
    });

    it('shows a plain sign-in page with labels, Sign In and Cancel, and the org name', async () => {
      const form = await openSignIn(emu.restUrl, authorizeParams());
      expect(form.html).toContain('<label for="user_username">Username</label>');
      expect(form.html).toContain('<label for="user_password">Password</label>');
      expect(form.html).toMatch(/<button[^>]*>Sign In<\/button>/);
      expect(form.html).toMatch(/<button[^>]*>Cancel<\/button>/);
      expect(form.html).toContain(emu.context.state.org.name);
      expect(form.action).toBe(`${emu.restUrl}/oauth2/signin`);
    });

    it('escapes untrusted text on the page', async () => {
      const app = emu.context.state.apps.get(emu.appId)!;
      const item = emu.context.state.items.get(app.itemId)!;
      const title = item.json.title;
      item.json.title = '<img src=x onerror=alert(1)>';
      try {
        const form = await openSignIn(emu.restUrl, authorizeParams());
        expect(form.html).not.toContain('<img src=x');
        expect(form.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      } finally {
        item.json.title = title;
      }
    });

    it('shows ArcGIS’s error page for an unknown client_id', async () => {
      const response = await fetch(`${emu.restUrl}/oauth2/authorize?${new URLSearchParams(authorizeParams({ client_id: 'nope' })).toString()}`, {
        redirect: 'manual'
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('Invalid client_id');
    });

    it('answers 400 "Invalid redirect_uri" and never redirects to an unregistered URI', async () => {
      for (const uri of ['https://evil.example.com/callback', `${REDIRECT_URI}/more`, `${REDIRECT_URI}?x=1`]) {
        const response = await fetch(`${emu.restUrl}/oauth2/authorize?${new URLSearchParams(authorizeParams({ redirect_uri: uri })).toString()}`, {
          redirect: 'manual'
        });
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        const html = await response.text();
        expect(html).toContain('Invalid redirect_uri');
        expect(response.headers.get('content-type')).toMatch(/text\/html/);
      }
    });

    it('accepts registered prefixes only when prefix matching is switched on', async () => {
      await control(emu, '/__emulator/tokens', { redirectUriMatching: 'prefix' });
      const form = await openSignIn(emu.restUrl, authorizeParams({ redirect_uri: `${REDIRECT_URI}/more` }));
      expect(form.oauthState).toBeTruthy();
    });

    it('redirects with access_denied and the state when the user cancels', async () => {
      const form = await openSignIn(emu.restUrl, authorizeParams());
      const result = await submitSignIn(form, { cancel: true });
      expect(result.status).toBe(302);
      const location = new URL(result.location!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('error_description')).toBe('The user has denied your request');
      expect(location.searchParams.get('state')).toBe('st<ate>&1');
      expect(location.searchParams.get('code')).toBeNull();
    });

    it('shows the error on the page for wrong credentials and lets the user retry', async () => {
      const form = await openSignIn(emu.restUrl, authorizeParams());
      const wrong = await submitSignIn(form, { username: emu.admin.username, password: 'wrong' });
      expect(wrong.status).toBe(200);
      expect(wrong.location).toBeNull();
      expect(wrong.html).toContain('Invalid username or password.');
      expect(wrong.html).toContain(`value="${emu.admin.username}"`);
      const right = await submitSignIn(form, { username: emu.admin.username, password: emu.admin.password });
      expect(right.status).toBe(302);
      expect(new URL(right.location!).searchParams.get('code')).toBeTruthy();
      // The page is single-use.
      const again = await submitSignIn(form, { username: emu.admin.username, password: emu.admin.password });
      expect(again.status).toBe(400);
    });

    it('delivers the code to <rest>/oauth2/approval for urn:ietf:wg:oauth:2.0:oob', async () => {
      const form = await openSignIn(emu.restUrl, authorizeParams({ redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' }));
      const signed = await submitSignIn(form, { username: emu.admin.username, password: emu.admin.password });
      const location = new URL(signed.location!);
      expect(`${location.origin}${location.pathname}`).toBe(`${emu.restUrl}/oauth2/approval`);
      const code = location.searchParams.get('code')!;
      const page = await (await fetch(location)).text();
      expect(page).toContain(code);
      const exchanged = await postForm(`${emu.restUrl}/oauth2/token`, {
        client_id: emu.appId,
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'urn:ietf:wg:oauth:2.0:oob'
      });
      expect(exchanged.body).toMatchObject({ access_token: expect.any(String), username: emu.admin.username });
    });

    it('returns the token in the fragment for response_type=token', async () => {
      const form = await openSignIn(emu.restUrl, authorizeParams({ response_type: 'token', expiration: '60' }));
      const signed = await submitSignIn(form, { username: emu.admin.username, password: emu.admin.password });
      const location = new URL(signed.location!);
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('expires_in')).toBe('3600');
      expect(fragment.get('username')).toBe(emu.admin.username);
      expect(fragment.get('state')).toBe('st<ate>&1');
      const self = await rawRequest(`${emu.restUrl}/community/self`, { token: fragment.get('access_token')! });
      expect(self.body).toMatchObject({ username: emu.admin.username });
    });

    it('redirects errors of a trusted redirect_uri back to the app', async () => {
      const response = await fetch(
        `${emu.restUrl}/oauth2/authorize?${new URLSearchParams(authorizeParams({ response_type: 'bogus' })).toString()}`,
        { redirect: 'manual' }
      );
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('unsupported_response_type');
      expect(location.searchParams.get('state')).toBe('st<ate>&1');
    });
  });

  describe('oauth2/token', () => {
    const exchange = (params: Record<string, string>) => postForm(`${emu.restUrl}/oauth2/token`, { client_id: emu.appId, ...params });
    const newCode = (extra: Record<string, string> = {}) =>
      authorizeCode(emu.restUrl, {
        clientId: emu.appId,
        redirectUri: REDIRECT_URI,
        username: emu.admin.username,
        password: emu.admin.password,
        extra
      });

    it('answers JSON even without f, as OAuth2 clients expect', async () => {
      const response = await fetch(`${emu.restUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: emu.appId, grant_type: 'client_credentials', client_secret: emu.context.state.apps.get(emu.appId)!.clientSecret })
      });
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(await response.json()).toMatchObject({ access_token: expect.any(String), expires_in: 7200 });
    });

    it('refuses an unknown grant_type and bad control values', async () => {
      expect((await exchange({ grant_type: 'password' })).body).toEqual(oauthError(400, 'unsupported_grant_type', 'Invalid grant_type'));
      expect(await control(emu, '/__emulator/tokens', { accessMinutes: -5 })).toMatchObject({ error: { code: 400 } });
      expect(await control(emu, '/__emulator/tokens', { redirectUriMatching: 'fuzzy' })).toMatchObject({ error: { code: 400 } });
    });

    it('answers an unknown client_id with invalid_client_id', async () => {
      const result = await postForm(`${emu.restUrl}/oauth2/token`, { client_id: 'nope', grant_type: 'refresh_token', refresh_token: 'x' });
      expect(result.status).toBe(200);
      expect(result.body).toEqual(oauthError(400, 'invalid_client_id', 'Invalid client_id'));
    });

    it('issues {access_token, expires_in, username, ssl, refresh_token, refresh_token_expires_in} for a code', async () => {
      const { code } = await newCode({ expiration: '1440' });
      const result = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      const body = result.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'ssl', 'username']);
      expect(body.expires_in).toBe(1800);
      expect(body.refresh_token_expires_in).toBe(1440 * 60);
      expect(body.username).toBe(emu.admin.username);
    });

    it('uses --token-minutes style lifetimes set at runtime', async () => {
      await control(emu, '/__emulator/tokens', { accessMinutes: 2, refreshMinutes: 10 });
      const { code } = await newCode();
      const body = (await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).body as Record<string, number>;
      expect(body.expires_in).toBe(120);
      expect(body.refresh_token_expires_in).toBe(600);
    });

    it('makes codes single-use and revokes what a replayed code produced', async () => {
      const { code } = await newCode();
      const first = (await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).body as { access_token: string };
      const second = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      expect(second.body).toEqual(oauthError(400, 'invalid_request', 'Invalid authorization code'));
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: first.access_token })).body).toEqual(INVALID_TOKEN);
    });

    it('expires codes after a few minutes', async () => {
      const { code } = await newCode();
      await control(emu, '/__emulator/clock', { advanceMs: 6 * 60_000 });
      const result = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      expect(result.body).toEqual(oauthError(400, 'invalid_request', 'Authorization code expired'));
    });

    it('requires the exact redirect_uri of the authorize step', async () => {
      const { code } = await newCode();
      const result = await exchange({ grant_type: 'authorization_code', code, redirect_uri: `${REDIRECT_URI}/` });
      expect(result.body).toEqual(oauthError(400, 'invalid_request', 'Invalid redirect_uri'));
    });

    it('verifies PKCE (S256 and plain)', async () => {
      for (const method of ['S256', 'plain'] as const) {
        const { verifier, challenge } = pkcePair(method);
        const { code } = await newCode({ code_challenge: challenge, code_challenge_method: method });
        const missing = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
        expect(missing.body).toEqual(oauthError(400, 'invalid_request', 'Invalid code_verifier'));
        const wrong = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: `${verifier}x` });
        expect(wrong.body).toEqual(oauthError(400, 'invalid_request', 'Invalid code_verifier'));
        const right = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
        expect(right.body).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
      }
    });

    it('answers "refresh_token expired" (498) after the refresh token’s lifetime', async () => {
      const { code } = await newCode({ expiration: '60' });
      const { refresh_token } = (await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).body as { refresh_token: string };
      expect((await exchange({ grant_type: 'refresh_token', refresh_token })).body).toMatchObject({ access_token: expect.any(String) });
      await control(emu, '/__emulator/clock', { advanceMs: 61 * 60_000 });
      expect((await exchange({ grant_type: 'refresh_token', refresh_token })).body).toEqual(oauthError(498, 'invalid_request', 'refresh_token expired'));
      expect((await exchange({ grant_type: 'exchange_refresh_token', refresh_token, redirect_uri: REDIRECT_URI })).body).toEqual(
        oauthError(498, 'invalid_request', 'refresh_token expired')
      );
    });

    it('exchange_refresh_token replaces the refresh token and kills the old one’s access tokens', async () => {
      const { code } = await newCode();
      const first = (await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).body as {
        access_token: string;
        refresh_token: string;
        refresh_token_expires_in: number;
      };
      const wrongRedirect = await exchange({ grant_type: 'exchange_refresh_token', refresh_token: first.refresh_token, redirect_uri: 'https://x.test' });
      expect(wrongRedirect.body).toEqual(oauthError(400, 'invalid_request', 'Invalid redirect_uri'));
      const next = (await exchange({ grant_type: 'exchange_refresh_token', refresh_token: first.refresh_token, redirect_uri: REDIRECT_URI })).body as {
        access_token: string;
        refresh_token: string;
        refresh_token_expires_in: number;
      };
      expect(next.refresh_token).not.toBe(first.refresh_token);
      expect(next.refresh_token_expires_in).toBe(first.refresh_token_expires_in);
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: first.access_token })).body).toEqual(INVALID_TOKEN);
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: next.access_token })).body).toMatchObject({ username: emu.admin.username });
      expect((await exchange({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).body).toEqual(
        oauthError(498, 'invalid_request', 'Invalid refresh_token')
      );
    });

    it('issues app tokens for client_credentials that cannot act as a user', async () => {
      const secret = emu.context.state.apps.get(emu.appId)!.clientSecret;
      expect((await exchange({ grant_type: 'client_credentials', client_secret: 'wrong' })).body).toEqual(
        oauthError(400, 'invalid_request', 'Invalid client_secret')
      );
      const { access_token, expires_in } = (await exchange({ grant_type: 'client_credentials', client_secret: secret })).body as {
        access_token: string;
        expires_in: number;
      };
      expect(expires_in).toBe(7200);
      expect((await rawRequest(`${emu.restUrl}/portals/self`, { token: access_token })).body).toMatchObject({ id: emu.orgId });
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: access_token })).body).toEqual(FORBIDDEN);
      expect((await rawRequest(`${emu.restUrl}/portals/self/users`, { token: access_token })).body).toEqual(FORBIDDEN);
    });

    it('revokes tokens with oauth2/revokeToken', async () => {
      const { code } = await newCode();
      const tokens = (await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).body as {
        access_token: string;
        refresh_token: string;
      };
      const revoked = await postForm(`${emu.restUrl}/oauth2/revokeToken`, { client_id: emu.appId, auth_token: tokens.refresh_token });
      expect(revoked.body).toEqual({ success: true });
      expect((await exchange({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body).toEqual(
        oauthError(498, 'invalid_request', 'Invalid refresh_token')
      );
      expect((await rawRequest(`${emu.restUrl}/community/self`, { token: tokens.access_token })).body).toEqual(INVALID_TOKEN);
    });
  });

  describe('app registrations', () => {
    it('shows the registration to the owner, refuses others, and updates redirect URIs', async () => {
      const app = await rawRequest(`${emu.restUrl}/oauth2/apps/${emu.appId}`, { token: adminToken });
      expect(Object.keys(app.body as object).sort()).toEqual(
        [
          'apnsProdCert',
          'apnsSandboxCert',
          'appType',
          'client_id',
          'client_secret',
          'gcmApiKey',
          'httpReferrers',
          'itemId',
          'modified',
          'privileges',
          'redirect_uris',
          'registered'
        ].sort()
      );
      const user = addUser(emu, `not_owner_${kind}`);
      const token = await tokenFor(emu, user.username, user.password);
      expect((await rawRequest(`${emu.restUrl}/oauth2/apps/${emu.appId}`, { token })).body).toEqual(FORBIDDEN);
      const bad = await postForm(`${emu.restUrl}/oauth2/apps/${emu.appId}/update`, { token: adminToken, redirect_uris: 'not json' });
      expect(bad.body).toMatchObject({ error: { code: 400 } });
    });

    it('registers an app item with registerApp', async () => {
      const user = addUser(emu, `app_owner_${kind}`);
      const token = await tokenFor(emu, user.username, user.password);
      const { addItem } = await import('./portal/fixtures.js');
      const item = addItem(emu, user.username, 0, 'My App');
      const registered = await postForm(`${emu.restUrl}/oauth2/registerApp`, {
        token,
        itemId: item.json.id,
        appType: 'browser',
        redirect_uris: JSON.stringify(['https://mine.example.com/cb'])
      });
      expect(registered.body).toMatchObject({ itemId: item.json.id, appType: 'browser', redirect_uris: ['https://mine.example.com/cb'] });
      expect(item.json.typeKeywords).toContain('Registered App');
      const clientId = (registered.body as { client_id: string }).client_id;
      const form = await openSignIn(emu.restUrl, { client_id: clientId, response_type: 'code', redirect_uri: 'https://mine.example.com/cb' });
      expect(form.html).toContain('My App');
      const someoneElse = await postForm(`${emu.restUrl}/oauth2/registerApp`, { token: adminToken, itemId: item.json.id, appType: 'browser' });
      expect(someoneElse.body).toEqual(FORBIDDEN);
    });
  });
});
