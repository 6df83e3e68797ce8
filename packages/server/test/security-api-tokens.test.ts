/**
 * API tokens: the ways around them that must not work. Only `Authorization: Bearer <token>` authenticates with a
 * token; a token that does not authenticate is a 401 even beside a valid session cookie (never a quiet fall back to the
 * cookie, which would skip the CSRF check); the stored hash, a prefix or a token elsewhere in the request is no token.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';

describe('API tokens cannot be got around', () => {
  let server: TestServer;
  let admin: ApiClient;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ admin: { username: 'admin', password: PASSWORD } });
    admin = await server.login();
    token = (await admin.post<{ token: string }>('/api/tokens', { name: 'real', role: 'admin' })).body.token;
  });
  afterAll(async () => {
    await server?.close();
  });

  const anonymous = () => server.client();

  it('accepts the token only in the Authorization header, with the Bearer scheme (in any case)', async () => {
    expect((await anonymous().get('/api/audit', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await anonymous().get('/api/audit', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await anonymous().get(`/api/audit?access_token=${token}`)).status).toBe(401);
    expect((await anonymous().get('/api/audit', { headers: { cookie: `orgkeeper_session=${token}` } })).status).toBe(401);
    expect((await anonymous().get('/api/audit', { headers: { 'x-api-key': token } })).status).toBe(401);
    expect((await anonymous().get('/api/audit', { headers: { authorization: token } })).status).toBe(401);
    expect((await anonymous().get('/api/audit', { headers: { authorization: `Token ${token}` } })).status).toBe(401);
  });

  it('refuses the stored hash, a prefix, a longer string and an empty token', async () => {
    const hash = createHash('sha256').update(token).digest('hex');
    for (const candidate of [hash, `okt_${hash}`, token.slice(0, 20), `${token}x`, token.toLowerCase(), '', 'okt_']) {
      const res = await anonymous().get('/api/audit', { headers: { authorization: `Bearer ${candidate}` } });
      expect(res.status, candidate).toBe(401);
    }
  });

  it('does not fall back to the session cookie when the token is not valid (the CSRF check stays)', async () => {
    // A valid session with a bogus Bearer header: 401, not the session's access.
    const withCookie = await admin.get('/api/audit', { headers: { authorization: 'Bearer okt_forged' } });
    expect(withCookie.status).toBe(401);
    // Nor may a bogus token skip CSRF on a cookie request.
    const noCsrf = await admin.post('/api/tokens', { name: 'csrf-bypass', role: 'viewer' }, { csrf: false, headers: { authorization: 'Bearer okt_forged' } });
    expect(noCsrf.status).toBe(401);
    expect((await admin.get<{ tokens: { name: string }[] }>('/api/tokens')).body.tokens.some((t) => t.name === 'csrf-bypass')).toBe(false);
  });

  it('leaves other schemes (a reverse proxy’s Basic) to the cookie, which still needs its CSRF token', async () => {
    const basic = `Basic ${Buffer.from('proxy:secret').toString('base64')}`;
    expect((await admin.get('/api/audit', { headers: { authorization: basic } })).status).toBe(200);
    const noCsrf = await admin.post('/api/tokens', { name: 'basic-bypass', role: 'viewer' }, { csrf: false, headers: { authorization: basic } });
    expect(noCsrf.status).toBe(403);
    expect((await anonymous().get('/api/audit', { headers: { authorization: basic } })).status).toBe(401);
  });

  it('uses the token, not a cookie sent with it: the token’s role decides', async () => {
    const viewerToken = (await admin.post<{ token: string }>('/api/tokens', { name: 'weak', role: 'viewer' })).body.token;
    // The administrator's cookie rides along, but the request is the viewer token's.
    const res = await admin.get('/api/audit', { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(res.status).toBe(403);
  });
});
