import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, concreteUrl } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    accounts: [
      { username: 'admin', password: PASSWORD, role: 'admin' },
      { username: 'operator', password: PASSWORD, role: 'operator' },
      { username: 'viewer', password: PASSWORD, role: 'viewer' }
    ]
  });
});
afterAll(async () => {
  await server?.close();
});

describe('every API route requires a session unless its definition marks it public', () => {
  it('marks only login (local and ArcGIS), setup, the session probe, the sign-in methods and the OAuth callbacks public among the API routes', () => {
    const publicApi = server.server.app.registeredRoutes
      .filter((r) => r.public && r.method !== 'HEAD' && r.url.startsWith('/api/'))
      .map((r) => `${r.method} ${r.url}`);
    expect(publicApi.sort()).toEqual([
      'GET /api/auth/arcgis/callback',
      'GET /api/auth/methods',
      'GET /api/auth/session',
      'GET /api/oauth/callback',
      'GET /api/setup/status',
      'POST /api/auth/arcgis/start',
      'POST /api/auth/login',
      'POST /api/setup'
    ]);
  });

  it('answers 401 to every other registered /api route without a session (found through onRoute)', async () => {
    const routes = server.server.app.registeredRoutes.filter((r) => (r.url === '/api' || r.url.startsWith('/api/')) && !r.public);
    // logout and audit today; identities, backups... add to this list automatically.
    expect(routes.length).toBeGreaterThanOrEqual(3);
    const anonymous = server.client();
    const checked: string[] = [];
    for (const route of routes) {
      const method = route.method;
      const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? {} : undefined;
      const response = await anonymous.request(method, concreteUrl(route.url), body === undefined ? {} : { body });
      expect(response.status, `${method} ${route.url} answered ${response.status} without a session`).toBe(401);
      if (method !== 'HEAD') expect(response.body).toMatchObject({ error: { code: 'unauthorized' } });
      checked.push(`${method} ${route.url}`);
    }
    expect(checked).toContain('POST /api/auth/logout');
    expect(checked).toContain('GET /api/audit');
    expect(checked).toContain('HEAD /api/audit');
  });

  it('answers 401 to a forged or expired session cookie', async () => {
    const forged = await server.client().get('/api/audit', { headers: { cookie: 'orgkeeper_session=forged' } });
    expect(forged.status).toBe(401);
  });

  it('enforces a route’s role: the audit log is for administrators only', async () => {
    const viewer = await server.login('viewer');
    const refused = await viewer.get<{ error: { code: string; message: string } }>('/api/audit');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'forbidden',
      message: 'This needs the admin role; you are signed in as viewer.'
    });
    expect((await (await server.login('operator')).get('/api/audit')).status).toBe(403);
    expect((await (await server.login('admin')).get('/api/audit')).status).toBe(200);
  });
});
