// The API client against a real HTTP server on 127.0.0.1 (port 0) that answers the way OrgKeeper's server does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, isApiError } from './api-client';
import { getSession, signIn, signOut } from './auth.api';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (request: Seen, response: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8')
      };
      seen.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  seen = [];
  handler = (_request, response) => json(response, 500, { error: { code: 'internal_error', message: 'no handler' } });
});

function client(onUnauthorized?: (error: ApiError) => void): ApiClient {
  return new ApiClient({ baseUrl, onUnauthorized });
}

describe('ApiClient', () => {
  it('sends and receives JSON', async () => {
    handler = (request, response) => json(response, 201, { echo: JSON.parse(request.body) as unknown });
    const answer = await client().post<{ echo: unknown }>('/api/things', { name: 'Parcels' });
    expect(answer).toEqual({ echo: { name: 'Parcels' } });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(seen[0]?.headers.accept).toBe('application/json');
  });

  it('sends the CSRF token on state-changing requests only', async () => {
    handler = (_request, response) => json(response, 200, {});
    const api = client();
    api.setCsrfToken('token-123');
    await api.get('/api/a');
    await api.post('/api/b', {});
    await api.put('/api/c', {});
    await api.patch('/api/d', {});
    await api.delete('/api/e');
    expect(seen.map((request) => [request.method, request.headers['x-csrf-token'] ?? null])).toEqual([
      ['GET', null],
      ['POST', 'token-123'],
      ['PUT', 'token-123'],
      ['PATCH', 'token-123'],
      ['DELETE', 'token-123']
    ]);
  });

  it('turns error bodies into ApiErrors with code, message and per-field messages', async () => {
    handler = (_request, response) =>
      json(response, 400, {
        error: {
          code: 'validation_failed',
          message: 'Some fields are invalid.',
          fields: { username: 'Use 3 to 64 characters.', password: 'Too short.', bogus: 42 }
        }
      });
    const error = await client()
      .post('/api/setup', {})
      .catch((caught: unknown) => caught);
    expect(isApiError(error)).toBe(true);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('validation_failed');
    expect(apiError.message).toBe('Some fields are invalid.');
    expect(apiError.fields).toEqual({ username: 'Use 3 to 64 characters.', password: 'Too short.' });
    expect(apiError.fieldMessage('username')).toBe('Use 3 to 64 characters.');
    expect(apiError.fieldMessage('toString')).toBeUndefined();
    expect(apiError.method).toBe('POST');
    expect(apiError.path).toBe('/api/setup');
  });

  it('reads the wait time of a throttled request from the body or the Retry-After header', async () => {
    handler = (_request, response) =>
      json(response, 429, { error: { code: 'throttled', message: 'Too many attempts.', retryAfterSeconds: 90 } });
    const fromBody = (await client().post('/api/auth/login', {}).catch((caught: unknown) => caught)) as ApiError;
    expect(fromBody.status).toBe(429);
    expect(fromBody.retryAfterSeconds).toBe(90);

    handler = (_request, response) =>
      json(response, 429, { error: { code: 'throttled', message: 'Too many attempts.' } }, { 'Retry-After': '30' });
    const fromHeader = (await client().post('/api/auth/login', {}).catch((caught: unknown) => caught)) as ApiError;
    expect(fromHeader.retryAfterSeconds).toBe(30);
  });

  it('explains answers that are not OrgKeeper errors (a proxy page, an empty 502)', async () => {
    handler = (_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html' });
      response.end('<html><body>Bad gateway</body></html>');
    };
    const error = (await client().get('/api/x').catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe('http_502');
    expect(error.message).toMatch(/^The server failed with HTTP 502 .*check the OrgKeeper server log\.$/);
  });

  it('reports a successful answer that is not JSON as invalid_response', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>OrgKeeper</title>');
    };
    const error = (await client().get('/api/x').catch((caught: unknown) => caught)) as ApiError;
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('did not return JSON');
  });

  it('returns undefined for 204 No Content', async () => {
    handler = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    await expect(client().delete('/api/x')).resolves.toBeUndefined();
  });

  it('reports an unreachable server as network_error with what to check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = (await new ApiClient({ baseUrl: `http://127.0.0.1:${port}` })
      .get('/api/setup/status')
      .catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('Cannot reach the OrgKeeper server');
  });

  it('calls onUnauthorized for an unexpected 401, but not for a wrong password', async () => {
    const ended: ApiError[] = [];
    const api = client((error) => ended.push(error));
    handler = (_request, response) => json(response, 401, { error: { code: 'unauthorized', message: 'Sign in to OrgKeeper to continue.' } });
    await api.get('/api/identities').catch(() => undefined);
    expect(ended.map((error) => error.code)).toEqual(['unauthorized']);

    handler = (_request, response) =>
      json(response, 401, { error: { code: 'invalid_credentials', message: 'The username or password is incorrect.' } });
    const error = (await signIn(api, { username: 'a', password: 'b' }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.code).toBe('invalid_credentials');
    expect(ended).toHaveLength(1);
  });
});

describe('auth API', () => {
  it('keeps the CSRF token from sign-in and sends it on sign-out, then forgets it', async () => {
    const api = client();
    handler = (request, response) => {
      if (request.url === '/api/auth/login') return json(response, 200, { user: { username: 'gis-admin', role: 'admin' }, csrfToken: 'csrf-abc' });
      response.writeHead(204);
      response.end();
    };
    const session = await signIn(api, { username: 'gis-admin', password: 'correct horse battery staple' });
    expect(session.user).toEqual({ username: 'gis-admin', role: 'admin' });
    expect(api.getCsrfToken()).toBe('csrf-abc');
    await signOut(api);
    expect(seen[1]?.headers['x-csrf-token']).toBe('csrf-abc');
    expect(api.getCsrfToken()).toBeNull();
  });

  it('treats a session that is already gone as signed out', async () => {
    const ended: ApiError[] = [];
    const api = client((error) => ended.push(error));
    api.setCsrfToken('stale');
    handler = (_request, response) => json(response, 401, { error: { code: 'unauthorized', message: 'Not signed in.' } });
    await expect(getSession(api)).resolves.toBeNull();
    await expect(signOut(api)).resolves.toBeUndefined();
    expect(api.getCsrfToken()).toBeNull();
    // Neither is "the session ended while working": no redirect notice for these.
    expect(ended).toEqual([]);
  });
});
