/**
 * Issue 11, part 1: access is decided from the route that matched, never from the raw URL.
 *
 * Every route the server registers (read from the server, so a route added later is covered without
 * editing this file) is requested under many spellings of its path, over real HTTP with the path
 * sent byte for byte: percent-encoded letters, encoded slashes, doubled slashes, dot segments,
 * upper case, a trailing slash, a query string. Whatever the spelling, nobody gets more than their
 * session and role allow: anonymous requests get 401 (never data), viewers and operators 403 on
 * what needs a higher role, and state-changing requests without the CSRF token 403.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import type { Role } from '../src/db/schema.js';
import type { RegisteredRoute } from '../src/http/fastify-types.js';
import { createLogger } from '../src/logging/logger.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { rawClient, type RawClient, type RawRequest, type RawResponse } from './support/raw-http.js';
import { startTestServer, type ApiClient, type TestServer, concreteUrl } from './support/server-harness.js';

const PASSWORD = 'correct horse battery staple';
const INDEX = '<!doctype html><html><body><div id="root">web app marker 7f3a</div></body></html>';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

let webDir: string;
let server: TestServer;
let raw: RawClient;
const signedIn: Partial<Record<Role, ApiClient>> = {};

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'orgkeeper-web-'));
  await writeFile(join(webDir, 'index.html'), INDEX);
  server = await startTestServer({
    webDir,
    accounts: [
      { username: 'admin', password: PASSWORD, role: 'admin' },
      { username: 'operator', password: PASSWORD, role: 'operator' },
      { username: 'viewer', password: PASSWORD, role: 'viewer' }
    ]
  });
  raw = rawClient(server.url);
  for (const role of ['admin', 'operator', 'viewer'] as const) signedIn[role] = await server.login(role);
});
afterAll(async () => {
  raw?.close();
  await server?.close();
  await rm(webDir, { recursive: true, force: true });
});

const routes = (): RegisteredRoute[] => server.server.app.registeredRoutes;
const key = (route: RegisteredRoute) => `${route.method} ${route.url}`;

/** The least role a signed-in account needs, as the route declares it (state-changing routes: operator unless they say otherwise). */
function requiredRole(route: RegisteredRoute): Role {
  return route.role ?? (STATE_CHANGING.has(route.method) && !route.public ? 'operator' : 'viewer');
}

interface Spelling {
  path: string;
  how: string;
  /** Whether the router must resolve this spelling to the route itself (else: to no route or the web app). */
  reachesRoute: boolean;
}

const hex = (char: string) => char.charCodeAt(0).toString(16);

/** Other ways to write `path` (which starts with `/`). */
export function spellings(path: string): Spelling[] {
  const out = new Map<string, Spelling>();
  const add = (p: string, how: string, reachesRoute: boolean) => {
    if (p !== path && !out.has(p)) out.set(p, { path: p, how, reachesRoute });
  };
  const slashes = [...path].flatMap((c, i) => (c === '/' ? [i] : []));
  const at = (i: number, insert: string, drop = 0) => path.slice(0, i) + insert + path.slice(i + drop);

  out.set(path, { path, how: 'as registered', reachesRoute: true });
  // The router decodes percent-encoded letters before matching: every position, both hex cases.
  [...path].forEach((c, i) => {
    if (!/[A-Za-z]/.test(c)) return;
    add(at(i, `%${hex(c).toUpperCase()}`, 1), `letter ${i} encoded`, true);
    add(at(i, `%${hex(c).toLowerCase()}`, 1), `letter ${i} encoded (lower hex)`, true);
  });
  add(path.replace(/[A-Za-z]/g, (c) => `%${hex(c).toUpperCase()}`), 'every letter encoded', true);
  add(`${path}/`, 'trailing slash', true);
  add(`${path}?x=1&api=/api/`, 'query string', true);
  add(`${path}/?x=1`, 'trailing slash and query string', true);
  for (const i of slashes) add(at(i, '/'), `slash ${i} doubled`, true);
  add(path.replace(/\//g, '//'), 'every slash doubled', true);
  // Spellings the router does not resolve to the route: they must reach no data either.
  for (const i of slashes.slice(1)) {
    add(at(i, '%2F', 1), `slash ${i} encoded`, false);
    add(at(i, '%2f', 1), `slash ${i} encoded (lower hex)`, false);
  }
  for (const i of slashes) {
    add(at(i, '/.'), `/./ at ${i}`, false);
    add(at(i, '/x/..'), `/x/../ at ${i}`, false);
  }
  add(at(0, '/%2e'), 'encoded /./', false);
  add(at(0, '/x/%2e%2e'), 'encoded /x/../', false);
  add(path.toUpperCase(), 'upper case', false);
  add(path.replace(/^\/[^/]+/, (s) => s.toUpperCase()), 'first segment upper case', false);
  add(path.replace(/^\/./, (s) => s.toUpperCase()), 'first letter upper case', false);
  add(`${path};x=1`, 'semicolon parameter', false);
  return [...out.values()];
}

interface Case {
  route: string;
  spelling: Spelling;
  request: RawRequest;
}

function cases(routeList: RegisteredRoute[], headers: Record<string, string>): Case[] {
  return routeList.flatMap((route) =>
    spellings(concreteUrl(route.url)).map((spelling) => ({
      route: key(route),
      spelling,
      request: {
        method: route.method,
        path: spelling.path,
        headers: STATE_CHANGING.has(route.method) ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(STATE_CHANGING.has(route.method) ? { body: '{}' } : {})
      }
    }))
  );
}

function errorCode(response: RawResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Sends every case and returns a line for each answer that `ok` refuses (empty when all pass). */
async function failures(list: Case[], ok: (response: RawResponse, c: Case) => boolean): Promise<string[]> {
  const answers = await raw.sendAll(list.map((c) => c.request));
  return list.flatMap((c, i) => {
    const answer = answers[i] as RawResponse;
    return ok(answer, c) ? [] : [`${c.route} as ${c.request.method} ${c.spelling.path} (${c.spelling.how}): ${answer.status} ${answer.body.slice(0, 120)}`];
  });
}

const isRefusal = (response: RawResponse, method: string, status: number, code: string) =>
  response.status === status && (method === 'HEAD' || errorCode(response) === code);

/** A signed-in request that did not reach the route: an error (not found, refused), never an answer with data. */
const isErrorAnswer = (response: RawResponse, method: string) =>
  response.status >= 400 && response.status < 500 && (method === 'HEAD' || errorCode(response) !== undefined);

function sessionHeaders(client: ApiClient, withCsrf: boolean): Record<string, string> {
  return { cookie: client.cookie!, ...(withCsrf ? { 'x-csrf-token': client.csrfToken! } : {}) };
}

describe('which routes are public is declared by each route (fail closed)', () => {
  it('marks exactly login (local and ArcGIS), first-run setup, the session probe, the sign-in methods, the OAuth callbacks, the health probes and the web app public', () => {
    const publicRoutes = routes().filter((r) => r.public).map(key).sort();
    expect(publicRoutes).toEqual([
      'GET /*',
      'GET /api/auth/arcgis/callback',
      'GET /api/auth/methods',
      'GET /api/auth/session',
      'GET /api/oauth/callback',
      'GET /api/setup/status',
      'GET /healthz',
      'GET /readyz',
      'HEAD /*',
      'HEAD /api/auth/arcgis/callback',
      'HEAD /api/auth/methods',
      'HEAD /api/auth/session',
      'HEAD /api/oauth/callback',
      'HEAD /api/setup/status',
      'HEAD /healthz',
      'HEAD /readyz',
      'POST /api/auth/arcgis/start',
      'POST /api/auth/login',
      'POST /api/setup'
    ]);
  });

  it('needs at least an operator for every state-changing route, except those that say viewer', () => {
    const openToViewers = routes()
      .filter((r) => STATE_CHANGING.has(r.method) && !r.public && requiredRole(r) === 'viewer')
      .map(key)
      .sort();
    expect(openToViewers).toEqual(['POST /api/auth/logout', 'POST /api/schedules/preview']);
    // The route list is what the server registered: today's routes are all there.
    expect(routes().length).toBeGreaterThan(90);
  });
});

describe('every registered route under every spelling of its path', () => {
  it('answers 401 without a session to every non-public route, never data', async () => {
    const list = cases(
      routes().filter((r) => !r.public),
      {}
    );
    expect(list.length).toBeGreaterThan(3000);
    expect(await failures(list, (response, c) => isRefusal(response, c.request.method, 401, 'unauthorized'))).toEqual([]);
  });

  it('refuses a viewer (403) every route that needs an operator or administrator', async () => {
    const viewer = signedIn.viewer!;
    const list = cases(
      routes().filter((r) => RANK[requiredRole(r)] > RANK.viewer),
      sessionHeaders(viewer, true)
    );
    expect(await failures(list, (response, c) => (c.spelling.reachesRoute ? isRefusal(response, c.request.method, 403, 'forbidden') : isErrorAnswer(response, c.request.method)))).toEqual([]);
  });

  it('refuses an operator (403) every administrator route', async () => {
    const operator = signedIn.operator!;
    const adminRoutes = routes().filter((r) => requiredRole(r) === 'admin');
    expect(adminRoutes.map(key)).toContain('GET /api/audit');
    expect(adminRoutes.map(key)).toContain('PUT /api/settings/notifications/email');
    const list = cases(adminRoutes, sessionHeaders(operator, true));
    expect(await failures(list, (response, c) => (c.spelling.reachesRoute ? isRefusal(response, c.request.method, 403, 'forbidden') : isErrorAnswer(response, c.request.method)))).toEqual([]);
  });

  it('refuses (403) every state-changing request that has a session but no CSRF token', async () => {
    const admin = signedIn.admin!;
    const list = cases(
      routes().filter((r) => STATE_CHANGING.has(r.method) && !r.public),
      sessionHeaders(admin, false)
    );
    expect(await failures(list, (response, c) => isRefusal(response, c.request.method, 403, 'csrf_failed'))).toEqual([]);
    // The admin's session is still good: nothing above reached a route.
    expect((await admin.get('/api/auth/session')).status).toBe(200);
  });

  it('lets the pre-session routes (login, setup) through only from the same origin, however they are spelled', async () => {
    const body = JSON.stringify({ username: 'admin', password: PASSWORD });
    const paths = ['/%61pi/auth/login', '/api/auth/login/', '/api//auth/login', '/api/auth/l%6Fgin?x=1', '/%61pi/setup', '/api/setup/'];
    const answers = await raw.sendAll(
      paths.map((path) => ({ method: 'POST', path, body, headers: { 'content-type': 'application/json', origin: 'https://evil.example' } }))
    );
    expect(answers.map((a) => [a.status, errorCode(a)])).toEqual(paths.map(() => [403, 'csrf_failed']));
    const form = await raw.send({ method: 'POST', path: '/%61pi/auth/login', body: 'username=admin', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });
});

describe('paths that match no route', () => {
  it('answers 401 without a session and 404 with one, so the API shape is not visible', async () => {
    const unknown: RawRequest[] = [
      { method: 'GET', path: '/api/nothing-here' },
      { method: 'GET', path: '/api' },
      { method: 'GET', path: '/api/' },
      { method: 'GET', path: '/%61pi/nothing-here' },
      { method: 'GET', path: '/API/audit' },
      { method: 'GET', path: '/api%2Faudit' },
      { method: 'GET', path: '/./api/audit' },
      { method: 'HEAD', path: '/Api/audit' },
      { method: 'DELETE', path: '/api/nothing-here' },
      { method: 'POST', path: '/not/an/api/route' },
      { method: 'PUT', path: '/%61pi/identities' }
    ];
    const anonymous = await raw.sendAll(unknown);
    expect(anonymous.map((a) => a.status)).toEqual(unknown.map(() => 401));

    const admin = signedIn.admin!;
    const withSession = await raw.sendAll(unknown.map((r) => ({ ...r, headers: sessionHeaders(admin, true) })));
    expect(withSession.map((a) => a.status)).toEqual(unknown.map(() => 404));
    for (const answer of withSession) expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers a broken %-escape, which the router refuses before any hook, with a plain error and the usual headers', async () => {
    const answer = await raw.send({ method: 'GET', path: '/%61pi/audit%zz', headers: sessionHeaders(signedIn.admin!, false) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'bad_request', message: 'The URL is not correctly encoded.' } });
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('still serves the web app for its own client-side routes, and nothing of it for API-like paths', async () => {
    const page = await raw.send({ method: 'GET', path: '/identities/42' });
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    for (const path of ['/API/audit', '/api%2Fidentities', '/x/../api/audit', '/%2e/api/audit']) {
      const answer = await raw.send({ method: 'GET', path, headers: sessionHeaders(signedIn.admin!, false) });
      expect(answer.body, path).not.toContain('marker 7f3a');
      expect(answer.status, path).toBe(404);
    }
  });
});

describe('everything else keyed on the route, not on the raw URL', () => {
  it('marks answers of API routes reached by an encoded path no-store and logs them at info', async () => {
    const admin = signedIn.admin!;
    const answer = await raw.send({ method: 'GET', path: '/%61pi/audit', headers: sessionHeaders(admin, false) });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const line = server
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; url?: string })
      .find((entry) => entry.msg === 'request' && entry.url === '/%61pi/audit');
    expect(line?.level).toBe(30);
  });
});

describe('a route added later without a mark', () => {
  it('is protected: anonymous requests get 401 under any spelling (or the web app page, outside /api)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'orgkeeper-later-'));
    const db = openDatabase(join(dataDir, 'orgkeeper.db'));
    await migrateToLatest(db);
    const config = loadConfig({ flags: { host: '127.0.0.1', port: '0', dataDir, webDir }, env: {}, cwd: dataDir });
    const app = await buildApp({ config, db, logger: createLogger({ level: 'silent' }), secretBox: new SecretBox(randomBytes(32)) });
    app.get('/api/added-later', async () => ({ secret: 'added-later data' }));
    app.post('/api/added-later', async () => ({ secret: 'added-later data' }));
    app.get('/reports/added-later', async () => ({ secret: 'added-later data' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const client = rawClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    try {
      const later = [
        { method: 'GET', path: '/api/added-later' },
        { method: 'POST', path: '/api/added-later' },
        { method: 'GET', path: '/reports/added-later' }
      ];
      const list = later.flatMap((route) => spellings(route.path).map((s) => ({ method: route.method, path: s.path })));
      const answers = await client.sendAll(list.map((r) => (r.method === 'POST' ? { ...r, body: '{}', headers: { 'content-type': 'application/json' } } : r)));
      const webAppPage = (a: RawResponse, path: string) => !path.toLowerCase().includes('api') && a.status === 200 && a.body === INDEX;
      const leaked = answers.flatMap((a, i) =>
        a.status === 401 || webAppPage(a, list[i]!.path) ? [] : [`${list[i]!.method} ${list[i]!.path}: ${a.status} ${a.body.slice(0, 80)}`]
      );
      expect(leaked).toEqual([]);
      expect(answers.filter((a) => a.body.includes('added-later data'))).toEqual([]);
    } finally {
      client.close();
      await app.close();
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
