/**
 * Starts a fresh OrgKeeper server for a test: its own temporary data directory, a real SQLite file,
 * 127.0.0.1 on a free port, logs captured in memory. Used by the server's integration tests and by
 * the web app's end-to-end tests.
 *
 *   const server = await startTestServer({ admin: { username: 'admin', password: 'correct horse battery' } });
 *   try {
 *     const api = await server.login();           // signed-in client (cookie + CSRF token)
 *     const res = await api.get('/api/audit');
 *   } finally {
 *     await server.close();                       // stops the server and deletes the data directory
 *   }
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { LoginThrottleOptions } from '../../src/auth/login-throttle.service.js';
import type { SessionServiceOptions } from '../../src/auth/session.service.js';
import { loadConfig, type Config, type ConfigFlags } from '../../src/config/config.js';
import type { Role } from '../../src/db/schema.js';
import type { Clock } from '../../src/lib/clock.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server.js';

export interface TestAccount {
  username: string;
  password: string;
  role?: Role;
}

export interface TestServerOptions {
  /** Accounts created before the test starts; the first is what login() uses by default. None: first-run state. */
  accounts?: TestAccount[];
  /** Shorthand for a single administrator account. */
  admin?: TestAccount;
  /** Built web app to serve (default: packages/web/dist). */
  webDir?: string;
  /**
   * Default `http://127.0.0.1:<port>` of this very server (a free port is picked first), so OAuth
   * redirect URIs built from it reach the server and browsers pass the same-origin checks.
   */
  publicUrl?: string;
  /** Use this data directory instead of a new temporary one (it is then not deleted on close). */
  dataDir?: string;
  /** More ORGKEEPER_* variables (e.g. ORGKEEPER_SECRET_KEY). */
  env?: Record<string, string>;
  flags?: ConfigFlags;
  /** Log level (default debug, captured in memory; see logs()). */
  logLevel?: Config['logLevel'];
  /** Also write log lines to stderr (or set ORGKEEPER_TEST_LOGS=1). */
  echoLogs?: boolean;
  clock?: Clock;
  sessions?: SessionServiceOptions;
  throttle?: LoginThrottleOptions;
  /**
   * Fail (500) any answer whose route's response schema changed what the handler answered (default true): every
   * test that reaches a route also checks that its schema keeps its answers whole.
   */
  checkResponses?: boolean;
  /** Webhook delivery timing and host name resolution. */
  webhooks?: StartServerOptions['webhooks'];
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the stored CSRF token on state-changing requests (default true). */
  csrf?: boolean;
}

/** A small HTTP client with one cookie jar (the session cookie) and the session's CSRF token. */
export class ApiClient {
  cookie: string | undefined;
  csrfToken: string | undefined;
  /** An API token sent as `Authorization: Bearer` on every request (see `withToken`). */
  bearer: string | undefined;
  /** OrgKeeper's other cookies (e.g. the ArcGIS sign-in's browser cookie), by name, sent along like a browser would. */
  readonly otherCookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** A client that authenticates with an API token only (no cookie, no CSRF token). */
  static withToken(baseUrl: string, token: string): ApiClient {
    const client = new ApiClient(baseUrl);
    client.bearer = token;
    return client;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const cookies = [...(this.cookie ? [this.cookie] : []), ...[...this.otherCookies].map(([name, value]) => `${name}=${value}`)];
    if (cookies.length > 0 && !('cookie' in headers)) headers.cookie = cookies.join('; ');
    if (this.bearer && !('authorization' in headers)) headers.authorization = `Bearer ${this.bearer}`;
    const stateChanging = !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
    if (stateChanging && options.csrf !== false && this.csrfToken && !('x-csrf-token' in headers)) {
      headers['x-csrf-token'] = this.csrfToken;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body, redirect: 'manual' });
    this.storeCookies(response.headers);
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    const parsed = isJson ? (JSON.parse(text) as T) : (text as T);
    const json = parsed as { csrfToken?: unknown };
    if (isJson && json && typeof json.csrfToken === 'string') this.csrfToken = json.csrfToken;
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  private storeCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...rest] = (pair ?? '').split('=');
      const cookieName = name?.trim() ?? '';
      if (!cookieName.startsWith('orgkeeper_')) continue;
      const value = rest.join('=');
      const expired = /max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '';
      if (cookieName === 'orgkeeper_session') this.cookie = expired ? undefined : `orgkeeper_session=${value}`;
      else if (expired) this.otherCookies.delete(cookieName);
      else this.otherCookies.set(cookieName, value);
    }
  }
}

export interface TestServer {
  /** Where the server listens, e.g. http://127.0.0.1:41234. */
  url: string;
  dataDir: string;
  config: Config;
  server: RunningServer;
  accounts: TestAccount[];
  /** Everything logged so far (JSON lines). */
  logs(): string;
  /** A client without a session. */
  client(): ApiClient;
  /** A client that sends this API token (`Authorization: Bearer`) and nothing else. */
  tokenClient(token: string): ApiClient;
  /** A client signed in as `username` (default: the first account). Throws when login fails. */
  login(username?: string, password?: string): Promise<ApiClient>;
  /** Stops the server and deletes the temporary data directory. Safe to call twice. */
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'orgkeeper-test-')));
  const lines: string[] = [];
  const echo = options.echoLogs ?? process.env.ORGKEEPER_TEST_LOGS === '1';
  const destination = {
    write(line: string) {
      lines.push(line);
      if (echo) process.stderr.write(line);
    }
  };

  const configure = (port: number) =>
    loadConfig({
      flags: {
        host: '127.0.0.1',
        port: String(port),
        dataDir,
        logLevel: options.logLevel ?? 'debug',
        publicUrl: options.publicUrl ?? `http://127.0.0.1:${port}`,
        ...(options.webDir ? { webDir: options.webDir } : {}),
        ...options.flags
      },
      // Only ORGKEEPER_* variables the test gives: the developer's own environment must not leak in.
      env: { ...options.env },
      cwd: dataDir
    });

  let server: RunningServer | undefined;
  // The free port is picked before listening (the public URL needs it), so another process may take
  // it in between: try again with a new one.
  for (let attempt = 1; !server; attempt++) {
    const config = configure(options.publicUrl ? 0 : await freePort());
    try {
      server = await startServer(config, {
        logDestination: destination,
        checkResponses: options.checkResponses ?? true,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.sessions ? { sessions: options.sessions } : {}),
        ...(options.throttle ? { throttle: options.throttle } : {}),
        ...(options.webhooks ? { webhooks: options.webhooks } : {})
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const started = server;

  const accounts = [...(options.admin ? [options.admin] : []), ...(options.accounts ?? [])];
  try {
    for (const account of accounts) {
      await started.services.users.create(
        { username: account.username, password: account.password, role: account.role ?? 'admin' },
        { kind: 'system', name: 'test-harness' }
      );
    }
  } catch (error) {
    await started.close();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  let closed: Promise<void> | undefined;
  return {
    url: started.url,
    dataDir,
    config: started.config,
    server: started,
    accounts,
    logs: () => lines.join(''),
    client: () => new ApiClient(started.url),
    tokenClient: (token: string) => ApiClient.withToken(started.url, token),
    async login(username?: string, password?: string) {
      const account = username ? accounts.find((a) => a.username === username) : accounts[0];
      const name = username ?? account?.username;
      const secret = password ?? account?.password;
      if (!name || secret === undefined) throw new Error(`No test account "${username ?? '(default)'}" to log in with.`);
      const client = new ApiClient(started.url);
      const response = await client.post('/api/auth/login', { username: name, password: secret });
      if (response.status !== 200) throw new Error(`Login as ${name} failed: ${response.status} ${response.text}`);
      return client;
    },
    close() {
      closed ??= (async () => {
        try {
          await started.close();
        } finally {
          if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
        }
      })();
      return closed;
    }
  };
}

/** A clock tests can move: `clock.advance(15 * 60_000)`. */
export function manualClock(start = new Date('2030-01-01T12:00:00.000Z')): Clock & { advance(ms: number): void; set(date: Date): void } {
  let now = start.getTime();
  const clock = () => new Date(now);
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    }
  });
}

/** An offset clock: real time, moved forward by the test (so tokens' real expiry and OrgKeeper's view stay comparable). */
export function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return Object.assign(() => new Date(Date.now() + offset), {
    advance(ms: number) {
      offset += ms;
    }
  });
}

/** A concrete URL for a route pattern (`registeredRoutes`): parameters and wildcards get a harmless value. */
export function concreteUrl(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, 'x1').replace(/\*/g, 'x1');
}

/** A port that was free a moment ago (the OS picks it; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
