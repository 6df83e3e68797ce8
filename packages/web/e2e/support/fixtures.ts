// Vitest fixtures for end-to-end tests: each test gets a fresh OrgKeeper server (first-run state unless accounts are
// given) and a fresh headless Chromium on it. On failure, the server log, the browser log and a screenshot are saved
// under test-results/e2e/ and their location is printed. Everything is closed after each test.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { test as base } from 'vitest';
import { CHROMIUM, launchBrowser, type LaunchedBrowser } from './browser';
import { requireTool } from './require-tool';
import { startServer, type E2EServer, type E2EServerOptions } from './start-server';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

export interface E2EApp {
  server: E2EServer;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Uncaught page errors and console errors (other than HTTP error statuses the app handles itself). */
  browserErrors: string[];
  /** Opens a path of the app, e.g. "/sign-in", and waits until it has loaded. */
  open(pathname?: string): Promise<void>;
  /** With E2E_SCREENSHOTS=1: saves a screenshot to test-results/e2e/screens/<name>.png (to look at the UI). */
  snapshot(name: string): Promise<void>;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function saveFailureArtifacts(name: string, app: E2EApp, browserLog: string[]): Promise<void> {
  const dir = path.join(ARTIFACTS_DIR, slug(name));
  await mkdir(dir, { recursive: true });
  const saved: string[] = [];
  try {
    await withTimeout(app.page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true }), 10_000, 'screenshot');
    saved.push('screenshot.png');
  } catch (error) {
    browserLog.push(`(no screenshot: ${error instanceof Error ? error.message : String(error)})`);
  }
  await writeFile(path.join(dir, 'server.log'), app.server.logs());
  await writeFile(path.join(dir, 'browser.log'), `${browserLog.join('\n')}\n`);
  saved.push('server.log', 'browser.log');
  const tail = app.server.logs().trimEnd().split('\n').slice(-25).join('\n');
  console.error(
    `\nE2E failure artifacts for "${name}" in ${dir}: ${saved.join(', ')}\n` +
      `Page URL: ${app.page.url()}\nLast server log lines:\n${tail}\n`
  );
}

export const test = base.extend<{ serverOptions: E2EServerOptions; app: E2EApp }>({
  // Override per describe block: test.override({ serverOptions: { accounts: [ADMIN] } }).
  serverOptions: {},

  app: async ({ serverOptions, task, skip }, use) => {
    requireTool(CHROMIUM, "install Debian's chromium package (apt-get install chromium).", skip);
    const server = await startServer(serverOptions);
    let browser: LaunchedBrowser | undefined;
    try {
      browser = await launchBrowser();
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      const requests: string[] = [];
      const browserErrors: string[] = [];
      const browserLog: string[] = [];
      page.on('request', (request) => {
        requests.push(request.url());
        browserLog.push(`request  ${request.method()} ${request.url()}`);
      });
      page.on('response', (response) => browserLog.push(`response ${response.status()} ${response.url()}`));
      page.on('requestfailed', (request) =>
        browserLog.push(`failed   ${request.url()}: ${request.failure()?.errorText ?? 'unknown error'}`)
      );
      page.on('console', (message) => {
        browserLog.push(`console.${message.type()} ${message.text()}`);
        // The browser logs every HTTP error status; the app handles those (e.g. 401 for a wrong password).
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded'))
          browserErrors.push(message.text());
      });
      page.on('pageerror', (error) => {
        browserLog.push(`pageerror ${error.stack ?? error.message}`);
        browserErrors.push(error.message);
      });

      const app: E2EApp = {
        server,
        page,
        requests,
        browserErrors,
        async open(pathname = '/') {
          await page.goto(new URL(pathname, server.url).href, { waitUntil: 'load' });
        },
        async snapshot(name) {
          if (process.env.E2E_SCREENSHOTS !== '1') return;
          const dir = path.join(ARTIFACTS_DIR, 'screens');
          await mkdir(dir, { recursive: true });
          // Let Calcite finish rendering icons and transitions before taking the picture.
          await page.waitForLoadState('networkidle').catch(() => undefined);
          await page.screenshot({ path: path.join(dir, `${slug(name)}.png`) });
        }
      };

      await use(app);

      if (task.result?.state === 'fail') await saveFailureArtifacts(task.fullName ?? task.name, app, browserLog);
    } finally {
      try {
        await browser?.close();
      } finally {
        await server.close();
      }
    }
  }
});

export { expect, describe } from 'vitest';
