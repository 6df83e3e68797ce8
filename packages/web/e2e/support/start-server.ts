// The one place where the end-to-end tests depend on the server: a fresh OrgKeeper server per test, through the
// server package's own test harness (real HTTP on 127.0.0.1, a real SQLite file in a temporary data directory).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type ApiClient, type TestAccount } from '../../../server/test/support/server-harness.js';

/** The built web app the server serves; `npm run build` (or `npm run build -w packages/web`) creates it. */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

export interface E2EServerOptions {
  /** Accounts that exist before the test starts; none means OrgKeeper is in its first-run state. */
  accounts?: TestAccount[];
  /** Login throttling, e.g. `{ maxFailuresPerUsername: 2 }` to reach the limit quickly. */
  throttle?: { maxFailuresPerUsername?: number; maxFailuresPerIp?: number; windowMs?: number };
}

export interface E2EServer {
  /** Origin the browser opens, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Everything the server logged so far (JSON lines). */
  logs(): string;
  /** An API client signed in as one of the accounts (default: the first), to set things up without the UI. */
  login(username?: string, password?: string): Promise<ApiClient>;
  /** An API client that sends only this API token. */
  tokenClient(token: string): ApiClient;
  close(): Promise<void>;
}

export async function startServer(options: E2EServerOptions = {}): Promise<E2EServer> {
  const index = path.join(WEB_DIST, 'index.html');
  if (!(await stat(index).catch(() => null))?.isFile()) {
    throw new Error(
      `The web app is not built (${index} is missing). Run \`npm run build -w packages/web\` (or \`npm run build\`) first.`
    );
  }
  const server = await startTestServer({
    webDir: WEB_DIST,
    logLevel: 'debug',
    ...(options.accounts ? { accounts: options.accounts } : {}),
    ...(options.throttle ? { throttle: options.throttle } : {})
  });
  return {
    url: server.url,
    logs: () => server.logs(),
    login: (username, password) => server.login(username, password),
    tokenClient: (token) => server.tokenClient(token),
    close: () => server.close()
  };
}
