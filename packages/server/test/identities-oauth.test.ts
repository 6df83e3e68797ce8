import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiClient, type TestServer, offsetClock } from './support/server-harness.js';
import { control, NON_ADMIN, setRedirectUris, signInThroughPortal, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import type { StoredCredentials } from '../src/arcgis/token-source.js';
import type { IdentityRow } from '../src/identities/identity.types.js';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

interface IdentityBody {
  id: string;
  name: string;
  status: {
    state: string;
    message: string | null;
    username: string | null;
    connectedAt: string | null;
    tokenExpires: string | null;
    refreshTokenExpires: string | null;
    hasStoredPassword: boolean;
  };
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface TestBody {
  ok: boolean;
  checks: { id: string; label: string; status: string; message: string }[];
}

describe('identities: OAuth2 connect through the portal sign-in page', () => {
  let emu: EmulatorHandle;
  let server: TestServer;
  let api: ApiClient;
  let folder: { path: string; remove(): Promise<void> };
  const clock = offsetClock();
  let n = 0;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    server = await startTestServer({ admin: ADMIN, clock });
    api = await server.login();
    folder = await tempFolder();
    await setRedirectUris(emu, [`${server.url}/api/oauth/callback`]);
  });
  afterAll(async () => {
    await server?.close();
    await emu?.close();
    await folder?.remove();
  });

  async function addIdentity(over: Record<string, unknown> = {}): Promise<IdentityBody> {
    n++;
    const res = await api.post<IdentityBody>('/api/identities', {
      type: 'online',
      name: `Org ${n}`,
      url: emu.portalUrl,
      appId: emu.appId,
      fileLocation: join(folder.path, `org-${n}`),
      ...over
    });
    if (res.status !== 201) throw new Error(`create failed: ${res.text}`);
    return res.body;
  }

  async function connect(id: string, user: { username: string; password: string } | 'cancel' = emu.admin) {
    const started = await api.post<{ kind: string; authorizeUrl: string }>(`/api/identities/${id}/connect`);
    expect(started.status).toBe(200);
    expect(started.body.kind).toBe('redirect');
    return signInThroughPortal(started.body.authorizeUrl, user, api);
  }

  const row = (id: string) => server.server.services.repositories.identities.findById(id) as Promise<IdentityRow>;
  const credentialsOf = async (id: string): Promise<StoredCredentials> => {
    const r = await row(id);
    return JSON.parse(server.server.services.secretBox!.openString(r.credentials!, `identity:${id}:credentials`)) as StoredCredentials;
  };

  it('connects: PKCE + state through the sign-in page, records the admin, shows token expiry; secrets never in plain text', async () => {
    const identity = await addIdentity();
    const started = await api.post<{ kind: string; authorizeUrl: string }>(`/api/identities/${identity.id}/connect`);
    const authorize = new URL(started.body.authorizeUrl);
    expect(authorize.origin + authorize.pathname).toBe(`${emu.restUrl}/oauth2/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(emu.appId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${server.url}/api/oauth/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThan(20);

    const done = await signInThroughPortal(started.body.authorizeUrl, emu.admin, api);
    expect(done.location).toBe(`/identities?identity=${identity.id}&result=connected`);

    const after = await api.get<IdentityBody>(`/api/identities/${identity.id}`);
    expect(after.body.status).toMatchObject({ state: 'connected', username: 'gis_admin', message: null, hasStoredPassword: false });
    const tokenExpires = Date.parse(after.body.status.tokenExpires!);
    const refreshExpires = Date.parse(after.body.status.refreshTokenExpires!);
    // rest-js keeps a few minutes' margin below the portal's 30 minutes.
    expect(tokenExpires - Date.now()).toBeGreaterThan(20 * 60_000);
    expect(tokenExpires - Date.now()).toBeLessThan(31 * 60_000);
    expect(refreshExpires - Date.now()).toBeGreaterThan(13 * 24 * 3600_000);

    // The state works once only.
    const replay = await api.get(new URL(done.callbackUrl).pathname + new URL(done.callbackUrl).search);
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(/result=error&code=state_expired/);

    // Secrets: not in API answers, logs, or the database file (and its WAL) in plain text.
    const credentials = await credentialsOf(identity.id);
    expect(credentials.refreshToken).toBeTruthy();
    expect(credentials.token).toBeTruthy();
    const secrets = [credentials.refreshToken!, credentials.token!, new URL(done.callbackUrl).searchParams.get('code')!];
    const dbFiles = ['orgkeeper.db', 'orgkeeper.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    expect(dbFiles.length).toBeGreaterThan(0);
    const haystacks = [...(await Promise.all(dbFiles.map((f) => readFile(f, 'latin1')))), server.logs(), JSON.stringify((await api.get('/api/identities')).body)];
    for (const secret of secrets) for (const haystack of haystacks) expect(haystack.includes(secret)).toBe(false);

    const audit = await api.get<{ events: { action: string; result: string; actor: { name: string }; target: string }[] }>('/api/audit');
    expect(audit.body.events.find((e) => e.action === 'identity.connect' && e.target === identity.id)).toMatchObject({ result: 'success', actor: { name: 'admin' } });
  });

  it('explains an unregistered redirect URI (with the exact URI) and an unknown App ID before leaving OrgKeeper', async () => {
    const identity = await addIdentity();
    await setRedirectUris(emu, ['https://elsewhere.example.com/callback']);
    try {
      const res = await api.post<ErrorBody>(`/api/identities/${identity.id}/connect`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('redirect_uri_not_registered');
      expect(res.body.error.message).toContain(`${server.url}/api/oauth/callback`);
      expect(res.body.error.message).toMatch(/Redirect URLs, add it and save/);
    } finally {
      await setRedirectUris(emu, [`${server.url}/api/oauth/callback`]);
    }
    const wrongApp = await addIdentity({ appId: 'NoSuchAppId12345' });
    const res = await api.post<ErrorBody>(`/api/identities/${wrongApp.id}/connect`);
    expect(res.body.error.code).toBe('invalid_app_id');
    expect(res.body.error.message).toMatch(/does not know the App ID "NoSuchAppId12345"/);
  });

  it('explains a cancelled sign-in', async () => {
    const identity = await addIdentity();
    const done = await connect(identity.id, 'cancel');
    expect(done.params.get('identity')).toBe(identity.id);
    expect(done.params.get('result')).toBe('error');
    expect(done.params.get('code')).toBe('cancelled');
    expect(done.params.get('message')).toMatch(/cancelled on the portal's page.*Press Connect again/);
    expect((await api.get<IdentityBody>(`/api/identities/${identity.id}`)).body.status.state).toBe('not_connected');
  });

  it('refuses a user who is not an administrator, says why, and revokes the token', async () => {
    const identity = await addIdentity();
    const done = await connect(identity.id, NON_ADMIN);
    expect(done.params.get('code')).toBe('not_admin');
    expect(done.params.get('message')).toMatch(/"maria\.publisher" is a publisher in .*not an administrator/);
    const after = await api.get<IdentityBody>(`/api/identities/${identity.id}`);
    expect(after.body.status.state).toBe('error');
    expect(after.body.status.message).toMatch(/not an administrator/);
    expect((await row(identity.id)).credentials).toBeNull();
    // The refresh token issued for maria was revoked at the portal.
    const revoked = [...emu.context.state.refreshTokens.values()].filter((t) => t.username === NON_ADMIN.username);
    expect(revoked.length).toBeGreaterThan(0);
    expect(revoked.every((t) => t.revoked)).toBe(true);
  });

  it('refreshes on a 498 in the middle of work and persists the new token', async () => {
    const identity = await addIdentity();
    await connect(identity.id);
    const before = await credentialsOf(identity.id);
    // The portal's clock moves 31 minutes: every access token it issued is expired, OrgKeeper does not know yet.
    await control(emu, 'clock', { advanceMs: 31 * 60_000 });
    try {
      const session = await server.server.services.arcgisSessions.sessionFor(identity.id);
      const self = await session.request<{ username: string }>(`${emu.restUrl}/community/self`);
      expect(self.username).toBe('gis_admin');
      expect(session.stats.tokenRefreshes).toBe(1);
      const after = await credentialsOf(identity.id);
      expect(after.token).not.toBe(before.token);
      expect(after.refreshToken).toBe(before.refreshToken);
    } finally {
      await control(emu, 'clock', { advanceMs: -31 * 60_000 });
    }
  });

  it('refreshes short-lived access tokens before they expire during long work', async () => {
    const identity = await addIdentity();
    await control(emu, 'tokens', { accessMinutes: 0.05 }); // 3-second tokens
    try {
      await connect(identity.id);
      const session = await server.server.services.arcgisSessions.sessionFor(identity.id);
      const first = (await credentialsOf(identity.id)).token;
      const deadline = Date.now() + 5_000;
      let calls = 0;
      while (Date.now() < deadline) {
        await session.request(`${emu.restUrl}/community/self`);
        calls++;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(calls).toBeGreaterThan(10);
      expect((await credentialsOf(identity.id)).token).not.toBe(first);
      // Renewed ahead of expiry, so the portal never had to answer 498.
      expect(session.stats.tokenRefreshes).toBe(0);
    } finally {
      await control(emu, 'tokens', { accessMinutes: 'null' });
    }
  });

  it('renews the refresh token (exchange_refresh_token) from the background keeper, persisted, the old one dead', async () => {
    await control(emu, 'tokens', { refreshMinutes: 60 });
    try {
      const identity = await addIdentity();
      await connect(identity.id);
      const before = await credentialsOf(identity.id);
      expect(before.refreshTokenExpires! - Date.now()).toBeLessThan(61 * 60_000);

      const keeper = server.server.services.tokenKeeper;
      const fresh = await keeper.runOnce();
      expect(fresh.find((r) => r.identityId === identity.id)?.status).toBe('fresh');

      clock.advance(40 * 60_000); // past half the refresh token's life
      const results = await keeper.runOnce();
      expect(results.find((r) => r.identityId === identity.id)).toMatchObject({ status: 'renewed' });
      const after = await credentialsOf(identity.id);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(emu.context.state.refreshTokens.get(before.refreshToken!)?.revoked).toBe(true);
      expect(emu.context.state.refreshTokens.get(after.refreshToken!)?.revoked).toBeFalsy();
      const view = await api.get<IdentityBody>(`/api/identities/${identity.id}`);
      expect(view.body.status.refreshTokenExpires).toBe(new Date(after.refreshTokenExpires!).toISOString());
    } finally {
      await control(emu, 'tokens', { refreshMinutes: 'null' });
    }
  });

  it('falls back to the stored password when the refresh token is refused', async () => {
    const identity = await addIdentity();
    await connect(identity.id);
    const patched = await api.patch<IdentityBody>(`/api/identities/${identity.id}`, { username: emu.admin.username, password: emu.admin.password });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toMatchObject({ state: 'connected', hasStoredPassword: true });
    expect(JSON.stringify(patched.body)).not.toContain(emu.admin.password);

    // Every token, refresh tokens included, stops working at the portal.
    await control(emu, 'tokens', { expireAll: true, expireRefreshTokens: true });
    const session = await server.server.services.arcgisSessions.sessionFor(identity.id);
    const self = await session.request<{ username: string }>(`${emu.restUrl}/community/self`);
    expect(self.username).toBe('gis_admin');
    const creds = await credentialsOf(identity.id);
    expect(creds.password).toBe(emu.admin.password);
    expect(creds.refreshToken).toBeUndefined();

    const dbText = (await Promise.all(['orgkeeper.db', 'orgkeeper.db-wal'].map((f) => join(server.dataDir, f)).filter(existsSync).map((f) => readFile(f, 'latin1')))).join('');
    expect(dbText.includes(emu.admin.password)).toBe(false);
    expect(server.logs().includes(emu.admin.password)).toBe(false);
  });

  it('shows needs_sign_in with the reason when the portal refuses every stored credential', async () => {
    const identity = await addIdentity();
    await connect(identity.id);
    await control(emu, 'tokens', { expireAll: true, expireRefreshTokens: true });
    const session = await server.server.services.arcgisSessions.sessionFor(identity.id);
    // portals/self answers anonymous callers too: a failed token must not quietly turn into an anonymous answer.
    await expect(session.request(`${emu.restUrl}/portals/self`)).rejects.toMatchObject({ name: 'CredentialsExpiredError' });
    const view = await api.get<IdentityBody>(`/api/identities/${identity.id}`);
    expect(view.body.status.state).toBe('needs_sign_in');
    expect(view.body.status.message).toMatch(/refused the stored refresh token.*Connect the identity again/);
    await expect(server.server.services.arcgisSessions.sessionFor(identity.id).then((s) => s.request(`${emu.restUrl}/community/self`))).rejects.toMatchObject({
      name: 'CredentialsExpiredError'
    });
  });

  it('lets a pending sign-in expire after 10 minutes', async () => {
    const identity = await addIdentity();
    const started = await api.post<{ authorizeUrl: string }>(`/api/identities/${identity.id}/connect`);
    clock.advance(11 * 60_000);
    const done = await signInThroughPortal(started.body.authorizeUrl, emu.admin, api);
    expect(done.params.get('code')).toBe('state_expired');
    expect(done.params.get('message')).toMatch(/longer than 10 minutes/);
    expect((await api.get<IdentityBody>(`/api/identities/${identity.id}`)).body.status.state).toBe('not_connected');
  });

  it('disconnects (and revokes) when the App ID changes, and revokes on delete', async () => {
    const identity = await addIdentity();
    await connect(identity.id);
    const first = await credentialsOf(identity.id);
    const changed = await api.patch<IdentityBody>(`/api/identities/${identity.id}`, { appId: 'AnotherApp12345' });
    expect(changed.body.status).toMatchObject({ state: 'not_connected', username: null, tokenExpires: null });
    expect((await row(identity.id)).credentials).toBeNull();
    expect(emu.context.state.refreshTokens.get(first.refreshToken!)?.revoked).toBe(true);

    await api.patch(`/api/identities/${identity.id}`, { appId: emu.appId });
    await connect(identity.id);
    const second = await credentialsOf(identity.id);
    expect((await api.delete(`/api/identities/${identity.id}`)).status).toBe(204);
    expect(emu.context.state.refreshTokens.get(second.refreshToken!)?.revoked).toBe(true);
  });

  it('tests an identity check by check', async () => {
    const identity = await addIdentity({ storeCredentials: false });
    const before = await api.post<TestBody>(`/api/identities/${identity.id}/test`);
    expect(before.status).toBe(200);
    expect(before.body.ok).toBe(false);
    const byId = (b: TestBody) => Object.fromEntries(b.checks.map((c) => [c.id, c]));
    expect(b(before.body)).toEqual(['portal_reachable', 'kind_matches', 'signed_in', 'administrator', 'recycle_bin', 'token_lifetime', 'file_location']);
    expect(byId(before.body).signed_in?.status).toBe('failed');
    expect(byId(before.body).administrator?.status).toBe('skipped');

    await connect(identity.id);
    const after = await api.post<TestBody>(`/api/identities/${identity.id}/test`);
    const checks = byId(after.body);
    expect(after.body.ok).toBe(true);
    expect(checks.portal_reachable?.status).toBe('ok');
    expect(checks.kind_matches?.status).toBe('ok');
    expect(checks.signed_in).toMatchObject({ status: 'ok', message: 'Signed in as "gis_admin".' });
    expect(checks.administrator?.status).toBe('ok');
    expect(checks.recycle_bin).toMatchObject({ status: 'ok', label: 'Recycle bin' });
    expect(checks.recycle_bin?.message).toMatch(/^On: .*with their ids/);
    expect(checks.token_lifetime).toMatchObject({ status: 'warning' });
    expect(checks.token_lifetime?.message).toMatch(/memory only/);
    expect(['ok', 'warning']).toContain(checks.file_location?.status);
    expect(checks.file_location?.message).toMatch(/writable/);
    function b(body: TestBody) {
      return body.checks.map((c) => c.id);
    }
  });
});

describe('identities: credentials across a restart', () => {
  it('keeps stored credentials (encrypted) and forgets memory-only ones, which then need a new sign-in', async () => {
    const emu = await startTestEmulator({ kind: 'online' });
    const data = await tempFolder('orgkeeper-data-');
    const folder = await tempFolder();
    let server = await startTestServer({ admin: ADMIN, dataDir: data.path });
    try {
      // The public URL follows the port, so register this server's callback (a restart keeps the same URL below).
      const publicUrl = server.config.publicUrl;
      await setRedirectUris(emu, [`${publicUrl}/api/oauth/callback`]);
      let api = await server.login();
      const ids: Record<string, string> = {};
      for (const [name, store] of [['Stored', true], ['Memory', false]] as const) {
        const created = await api.post<IdentityBody>('/api/identities', {
          type: 'online',
          name,
          url: emu.portalUrl,
          appId: emu.appId,
          fileLocation: join(folder.path, name),
          storeCredentials: store
        });
        ids[name] = created.body.id;
        const started = await api.post<{ authorizeUrl: string }>(`/api/identities/${created.body.id}/connect`);
        await signInThroughPortal(started.body.authorizeUrl, emu.admin, api);
      }
      expect((await api.get<IdentityBody>(`/api/identities/${ids.Memory}`)).body.status.state).toBe('connected');

      await server.close();
      server = await startTestServer({ dataDir: data.path, publicUrl });
      api = await server.login(ADMIN.username, ADMIN.password);
      const stored = await api.get<IdentityBody>(`/api/identities/${ids.Stored}`);
      expect(stored.body.status).toMatchObject({ state: 'connected', username: 'gis_admin' });
      const session = await server.server.services.arcgisSessions.sessionFor(ids.Stored!);
      expect((await session.request<{ username: string }>(`${emu.restUrl}/community/self`)).username).toBe('gis_admin');

      const memory = await api.get<IdentityBody>(`/api/identities/${ids.Memory}`);
      expect(memory.body.status.state).toBe('needs_sign_in');
      expect(memory.body.status.message).toMatch(/in memory only.*Connect \(sign in\) again/);
      await expect(server.server.services.arcgisSessions.sessionFor(ids.Memory!)).rejects.toMatchObject({ code: 'needs_sign_in' });
    } finally {
      await server.close();
      await emu.close();
      await data.remove();
      await folder.remove();
    }
  });
});
