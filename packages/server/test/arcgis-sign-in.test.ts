/**
 * Signing in to OrgKeeper with an ArcGIS account, through the emulated portal's own sign-in page (driven over HTTP
 * like a browser): each rule of the role mapping, an unmapped user refused, an account of another organization
 * refused, access lost (and roles following the mapping) when the periodic re-check finds the person no longer in the
 * group, local accounts still working, and the defences of the flow (single-use state tied to the browser that
 * started it, return paths that cannot leave OrgKeeper, no token kept but the sealed refresh token of the session).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { addGroupUsers, createGroup, removeGroupUsers } from '@esri/arcgis-rest-portal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRedirectUris, signInThroughPortal, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { createIdentity, TEST_PASSWORD } from './support/org-fixture.js';
import { startTestServer, type ApiClient, type TestServer, offsetClock } from './support/server-harness.js';

const MINUTE = 60_000;
const demo = (username: string) => ({ username, password: `${username}-Pass1!` });
const LEE = demo('lee.analyst');
const TOM = demo('tom.editor');
const MARIA = demo('maria.publisher');
const OUTSIDER = { username: 'outsider.neighbour', password: 'Outsider-Pass1!' };

interface Session {
  user: { username: string; role: string };
  via: string;
}
interface AuditEvent {
  action: string;
  result: string;
  actor: { kind: string; name: string };
  target: string | null;
  details: Record<string, unknown>;
}

describe('signing in with ArcGIS', () => {
  let emu: EmulatorHandle;
  let server: TestServer;
  let admin: ApiClient;
  let folder: { path: string; remove(): Promise<void> };
  let identityId: string;
  let operatorsGroup: string;
  let portalAdmin: ArcGISIdentityManager;
  const clock = offsetClock();

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    server = await startTestServer({ admin: { username: 'admin', password: TEST_PASSWORD }, accounts: [{ username: 'viewer', password: TEST_PASSWORD, role: 'viewer' }], clock });
    admin = await server.login();
    folder = await tempFolder();
    await setRedirectUris(emu, [`${server.url}/api/oauth/callback`, `${server.url}/api/auth/arcgis/callback`]);
    identityId = await createIdentity(admin, emu, { fileLocation: join(folder.path, 'springfield') });

    portalAdmin = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
    const group = await createGroup({ group: { title: 'OrgKeeper Operators', access: 'org', tags: ['orgkeeper'] }, authentication: portalAdmin });
    operatorsGroup = group.group.id;
    await addGroupUsers({ id: operatorsGroup, users: [TOM.username], authentication: portalAdmin });

    // An account of another organization on the same portal.
    const template = emu.context.state.getUser(LEE.username)!;
    emu.context.state.addUser({ ...structuredClone(template), username: OUTSIDER.username, id: 'f'.repeat(32), orgId: 'OtherOrg00000000', password: OUTSIDER.password });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await emu?.close();
    await folder?.remove();
  });

  const mapping = () => ({
    adminsRole: 'admin',
    users: [{ username: 'LEE.ANALYST', role: 'viewer' }],
    groups: [{ groupId: operatorsGroup, title: 'OrgKeeper Operators', role: 'operator' }]
  });

  async function enable(over: Record<string, unknown> = {}) {
    const res = await admin.put<{ enabled: boolean; redirectUri: string; appId: string }>('/api/settings/arcgis-sign-in', {
      enabled: true,
      identityId,
      mapping: mapping(),
      ...over
    });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  /** A browser: starts on OrgKeeper's sign-in page, signs in on the portal's page, comes back through the callback. */
  async function signIn(user: { username: string; password: string } | 'cancel', returnTo?: string) {
    const browser = server.client();
    const started = await browser.post<{ authorizeUrl: string }>('/api/auth/arcgis/start', returnTo === undefined ? {} : { returnTo });
    expect(started.status, started.text).toBe(200);
    const done = await signInThroughPortal(started.body.authorizeUrl, user, browser);
    return { browser, ...done, authorizeUrl: started.body.authorizeUrl };
  }

  const audit = async () => (await admin.get<{ events: AuditEvent[] }>('/api/audit?limit=500')).body.events;

  it('is set up by an administrator: identity, App ID (the identity\'s by default), the redirect URI to register, the mapping', async () => {
    const off = await admin.get<{ enabled: boolean; redirectUri: string }>('/api/settings/arcgis-sign-in');
    expect(off.body).toMatchObject({ enabled: false, redirectUri: `${server.url}/api/auth/arcgis/callback` });
    expect((await server.client().get<{ arcgis: unknown }>('/api/auth/methods')).body).toEqual({ local: true, arcgis: null });
    expect((await server.client().post('/api/auth/arcgis/start', {})).status).toBe(404);

    const nothing = await admin.put<{ error: { fields: Record<string, string> } }>('/api/settings/arcgis-sign-in', {
      enabled: true,
      mapping: { adminsRole: null, users: [], groups: [] }
    });
    expect(nothing.status).toBe(400);
    expect(Object.keys(nothing.body.error.fields).sort()).toEqual(['appId', 'identityId', 'mapping']);
    const badGroup = await admin.put<{ error: { fields: Record<string, string> } }>('/api/settings/arcgis-sign-in', {
      enabled: true,
      identityId,
      mapping: { adminsRole: null, users: [], groups: [{ groupId: '../../x', role: 'admin' }] }
    });
    expect(badGroup.body.error.fields['mapping.groups']).toMatch(/group is named by its id/);

    const saved = await enable();
    expect(saved).toMatchObject({ enabled: true, appId: emu.appId });
    expect((await server.client().get<{ arcgis: unknown }>('/api/auth/methods')).body).toEqual({ local: true, arcgis: { organization: 'Demo City GIS' } });
    const groups = await admin.get<{ groups: { id: string; title: string }[] }>(`/api/settings/arcgis-sign-in/groups?identityId=${identityId}&q=OrgKeeper`);
    expect(groups.body.groups).toContainEqual(expect.objectContaining({ id: operatorsGroup, title: 'OrgKeeper Operators' }));
    const viewer = await server.login('viewer');
    expect((await viewer.get('/api/settings/arcgis-sign-in')).status).toBe(403);
    expect((await viewer.put('/api/settings/arcgis-sign-in', { enabled: false, mapping: mapping() })).status).toBe(403);
  });

  it('signs in an ArcGIS administrator as administrator, through the portal\'s page with PKCE, and audits how', async () => {
    await enable();
    const done = await signIn(emu.admin, '/backups?identity=1');
    const authorize = new URL(done.authorizeUrl);
    expect(authorize.origin + authorize.pathname).toBe(`${emu.restUrl}/oauth2/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${server.url}/api/auth/arcgis/callback`);
    expect(done.location).toBe('/backups?identity=1');
    const session = await done.browser.get<Session>('/api/auth/session');
    expect(session.body).toMatchObject({ user: { username: 'gis_admin', role: 'admin' }, via: 'arcgis' });
    expect((await done.browser.get('/api/audit')).status).toBe(200);
    // The browser's sign-in cookie is gone once used.
    expect(done.browser.otherCookies.size).toBe(0);

    const login = (await audit()).find((e) => e.action === 'auth.login' && e.target === 'gis_admin');
    expect(login).toMatchObject({ result: 'success', actor: { kind: 'user', name: 'gis_admin' }, details: { via: 'arcgis', role: 'admin' } });
    // gis_admin also owns (so is a member of) the operators group: both rules matched, the higher role won.
    expect(login?.details.matched).toEqual(['administrators', 'group:OrgKeeper Operators']);
    const local = (await audit()).find((e) => e.action === 'auth.login' && e.target === 'admin' && e.result === 'success');
    expect(local?.details).toMatchObject({ via: 'password' });
  });

  it('maps a named user and a group\'s members; the highest matching rule wins', async () => {
    await enable();
    const lee = await signIn(LEE);
    expect((await lee.browser.get<Session>('/api/auth/session')).body.user).toEqual({ username: 'lee.analyst', role: 'viewer' });
    expect((await lee.browser.post('/api/operations', { kind: 'prune' }, {})).status).toBe(403);

    const tom = await signIn(TOM);
    expect((await tom.browser.get<Session>('/api/auth/session')).body.user).toEqual({ username: 'tom.editor', role: 'operator' });

    // Lee named as viewer, and in the operators group: operator.
    await addGroupUsers({ id: operatorsGroup, users: [LEE.username], authentication: portalAdmin });
    try {
      const both = await signIn(LEE);
      expect((await both.browser.get<Session>('/api/auth/session')).body.user.role).toBe('operator');
    } finally {
      await removeGroupUsers({ id: operatorsGroup, users: [LEE.username], authentication: portalAdmin });
    }
  });

  it('refuses an unmapped user, says why on the sign-in page, and revokes the token the portal gave', async () => {
    await enable();
    const maria = await signIn(MARIA, '/backups');
    expect(maria.location).toBe('/sign-in?arcgis=not_allowed');
    expect(maria.browser.cookie).toBeUndefined();
    expect((await maria.browser.get('/api/auth/session')).status).toBe(401);
    const refusal = (await audit()).find((e) => e.action === 'auth.login' && e.target === MARIA.username);
    expect(refusal).toMatchObject({ result: 'denied', details: { via: 'arcgis', reason: 'not_allowed' } });
    const issued = [...emu.context.state.refreshTokens.values()].filter((t) => t.username === MARIA.username);
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.every((t) => t.revoked)).toBe(true);
  });

  it('refuses an account of another organization, even one a rule names', async () => {
    await enable({ mapping: { ...mapping(), users: [{ username: OUTSIDER.username, role: 'admin' }] } });
    const outsider = await signIn(OUTSIDER);
    expect(outsider.location).toBe('/sign-in?arcgis=wrong_org');
    expect(outsider.browser.cookie).toBeUndefined();
    const refusal = (await audit()).find((e) => e.action === 'auth.login' && e.target === OUTSIDER.username);
    expect(refusal).toMatchObject({ result: 'denied', details: { reason: 'wrong_org', orgId: 'OtherOrg00000000' } });
  });

  it('checks again as the session is used: removed from the group, the person loses access; roles follow the mapping', async () => {
    await enable();
    const tom = await signIn(TOM);
    const lee = await signIn(LEE);
    await removeGroupUsers({ id: operatorsGroup, users: [TOM.username], authentication: portalAdmin });
    await addGroupUsers({ id: operatorsGroup, users: [LEE.username], authentication: portalAdmin });
    try {
      // Within the re-check interval the session stands as it was.
      expect((await tom.browser.get('/api/operations')).status).toBe(200);
      clock.advance(6 * MINUTE);
      const refused = await tom.browser.get<{ error: { code: string } }>('/api/operations');
      expect(refused.status).toBe(401);
      expect((await tom.browser.get('/api/auth/session')).status).toBe(401);
      // Lee, now in the operators group, is an operator without signing in again.
      expect((await lee.browser.get<Session>('/api/auth/session')).body.user).toEqual({ username: 'lee.analyst', role: 'operator' });

      admin = await server.login();
      const events = await audit();
      expect(events.find((e) => e.action === 'auth.recheck' && e.target === TOM.username)).toMatchObject({ result: 'denied', details: { reason: 'not_allowed' } });
      expect(events.find((e) => e.action === 'auth.recheck' && e.target === LEE.username)).toMatchObject({ result: 'success', details: { from: 'viewer', to: 'operator' } });
      // Tom signing in again is refused; back in the group, he gets in again.
      expect((await signIn(TOM)).location).toBe('/sign-in?arcgis=not_allowed');
    } finally {
      await addGroupUsers({ id: operatorsGroup, users: [TOM.username], authentication: portalAdmin });
      await removeGroupUsers({ id: operatorsGroup, users: [LEE.username], authentication: portalAdmin });
    }
    expect((await (await signIn(TOM)).browser.get<Session>('/api/auth/session')).body.user.role).toBe('operator');
  });

  it('ends ArcGIS sessions when signing in with ArcGIS is turned off; local accounts keep working', async () => {
    await enable();
    const lee = await signIn(LEE);
    await enable({ enabled: false });
    clock.advance(6 * MINUTE);
    expect((await lee.browser.get('/api/identities')).status).toBe(401);
    admin = await server.login();
    expect((await admin.get('/api/identities')).status).toBe(200);
    // An ArcGIS account has no password here, whatever is typed.
    const asArcGISUser = await server.client().post('/api/auth/login', { username: 'lee.analyst', password: LEE.password });
    expect(asArcGISUser.status).toBe(401);
    const keyed = await server.client().post('/api/auth/login', { username: 'arcgis:x:lee.analyst', password: '!arcgis' });
    expect(keyed.status).toBe(401);
  });

  it('keeps no token but the sealed refresh token of the session, and revokes it on sign-out', async () => {
    await enable();
    const lee = await signIn(LEE);
    const code = new URL(lee.callbackUrl).searchParams.get('code')!;
    const issued = [...emu.context.state.refreshTokens.values()].filter((t) => t.username === LEE.username && !t.revoked);
    const refresh = issued.at(-1)!.token;
    const access = [...emu.context.state.tokens.values()].filter((t) => t.username === LEE.username).map((t) => t.token);
    const files = ['orgkeeper.db', 'orgkeeper.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    const stored = (await Promise.all(files.map((f) => readFile(f, 'latin1')))).join('') + server.logs();
    for (const secret of [code, refresh, ...access]) expect(stored.includes(secret)).toBe(false);

    // Like the web app: the session probe gives the CSRF token, then sign out.
    expect((await lee.browser.get('/api/auth/session')).status).toBe(200);
    expect((await lee.browser.post('/api/auth/logout')).status).toBe(204);
    expect(emu.context.state.refreshTokens.get(refresh)?.revoked).toBe(true);
  });

  it('takes each answer once, only in the browser that started the sign-in, and returns only to OrgKeeper\'s own pages', async () => {
    await enable();
    // Replayed: the state works once.
    const done = await signIn(LEE);
    const callback = new URL(done.callbackUrl);
    const replay = await done.browser.get(`${callback.pathname}${callback.search}`);
    expect(replay.headers.get('location')).toBe('/sign-in?arcgis=state_expired');

    // Login CSRF: an attacker's own code and state, opened in the victim's browser (which did not start it).
    const attacker = server.client();
    const started = await attacker.post<{ authorizeUrl: string }>('/api/auth/arcgis/start', {});
    const victim = server.client();
    const attacked = await signInThroughPortal(started.body.authorizeUrl, LEE, victim);
    expect(attacked.location).toBe('/sign-in?arcgis=other_browser');
    expect(victim.cookie).toBeUndefined();

    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/api/audit', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x=1']) {
      const visit = await signIn(LEE, evil);
      const location = visit.location;
      expect(location.startsWith('/') && !location.startsWith('//'), `${evil} -> ${location}`).toBe(true);
      expect(location === '/' || location === '/%0d%0aSet-Cookie:x=1', `${evil} -> ${location}`).toBe(true);
    }

    // Cancelled on the portal's page.
    expect((await signIn('cancel')).location).toBe('/sign-in?arcgis=cancelled');
    // Starting needs the same-origin JSON of the sign-in page; a token does not sign in.
    expect((await server.client().post('/api/auth/arcgis/start', {}, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const token = (await admin.post<{ token: string }>('/api/tokens', { name: 'no-sign-in', role: 'admin' })).body.token;
    expect((await server.tokenClient(token).post('/api/auth/arcgis/start', {})).status).toBe(400);
  });

  it('explains an App ID whose application does not list the redirect URI', async () => {
    await enable();
    await setRedirectUris(emu, [`${server.url}/api/oauth/callback`]);
    try {
      const res = await server.client().post<{ error: { code: string; message: string } }>('/api/auth/arcgis/start', {});
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('redirect_uri_not_registered');
      expect(res.body.error.message).toContain(`${server.url}/api/auth/arcgis/callback`);
    } finally {
      await setRedirectUris(emu, [`${server.url}/api/oauth/callback`, `${server.url}/api/auth/arcgis/callback`]);
    }
  });
});
