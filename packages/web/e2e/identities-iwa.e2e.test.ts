// An ArcGIS Enterprise identity with IWA, connected for real: a Kerberos KDC on loopback, the emulator in IWA mode and
// OrgKeeper as child processes with their own Kerberos settings, and Chromium on OrgKeeper's Identities page.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Kdc, startKdc } from '../../arcgis-emulator/test/support/kdc.js';
import { tempFolder } from './support/arcgis';
import { CHROMIUM, launchBrowser, type LaunchedBrowser } from './support/browser';
import { ARTIFACTS_DIR } from './support/fixtures';
import { addIdentity, identityCard } from './support/identities-ui';
import { createFirstAdmin, type EmulatorProcess, type OrgKeeperProcess, startEmulatorProcess, startOrgKeeperProcess } from './support/processes';
import { requireTool } from './support/require-tool';
import { ADMIN, signInWithForm, waitForPath } from './support/ui';

const KRB5KDC = ['/usr/sbin/krb5kdc', '/usr/bin/krb5kdc'].find((candidate) => existsSync(candidate)) ?? '/usr/sbin/krb5kdc';

/** With E2E_SCREENSHOTS=1, a screenshot in test-results/e2e/screens/ (as the fixtures' app.snapshot does). */
async function snapshot(page: Page, name: string): Promise<void> {
  if (process.env.E2E_SCREENSHOTS !== '1') return;
  const dir = path.join(ARTIFACTS_DIR, 'screens');
  await mkdir(dir, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

let kdc: Kdc | undefined;
let emulator: EmulatorProcess | undefined;
let folders: Awaited<ReturnType<typeof tempFolder>>;

describe('ArcGIS Enterprise with IWA (Kerberos)', () => {
  beforeAll(async () => {
    // Without the tools each test skips (or fails under CI=true) through requireTool.
    if (!existsSync(CHROMIUM) || !existsSync(KRB5KDC)) return;
    folders = await tempFolder();
    // gis_admin is the service account OrgKeeper runs as; the portal maps the principal to its administrator.
    kdc = await startKdc({ users: ['gis_admin'] });
    emulator = await startEmulatorProcess(
      ['--kind', 'enterprise', '--seed', 'empty', '--iwa', '--keytab', kdc.httpKeytab, '--service-principal', kdc.servicePrincipal, '--quiet'],
      await kdc.env()
    );
  });

  afterAll(async () => {
    await emulator?.close();
    await kdc?.stop();
    await folders?.remove();
  });

  function requireTools(skip: (note: string) => never): void {
    requireTool(CHROMIUM, "install Debian's chromium package (apt-get install chromium).", skip);
    requireTool(KRB5KDC, 'install the MIT Kerberos KDC (apt-get install krb5-kdc krb5-admin-server krb5-user).', skip);
  }

  async function withApp(
    serverEnv: () => Promise<NodeJS.ProcessEnv>,
    body: (context: { server: OrgKeeperProcess; browser: LaunchedBrowser; page: Page; errors: string[] }) => Promise<void>
  ) {
    const server = await startOrgKeeperProcess(await serverEnv());
    let browser: LaunchedBrowser | undefined;
    try {
      await createFirstAdmin(server.url, ADMIN);
      browser = await launchBrowser();
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}/sign-in`);
      await signInWithForm(page, ADMIN);
      await waitForPath(page, '/identities');
      try {
        await body({ server, browser, page, errors });
      } catch (error) {
        console.error(`OrgKeeper child output:\n${server.output().split('\n').slice(-40).join('\n')}\nEmulator output:\n${emulator?.output().slice(-3000)}`);
        throw error;
      }
    } finally {
      await browser?.close();
      await server.close();
    }
  }

  test('an IWA identity connects as the account running OrgKeeper and passes its checks', async ({ skip }) => {
    requireTools(skip);
    await withApp(
      () => kdc!.env('gis_admin'),
      async ({ page, errors }) => {
        const card = await addIdentity(page, 'ArcGIS Enterprise', {
          name: 'Springfield Portal',
          authentication: 'IWA',
          url: `${emulator!.portalUrl}/home`,
          fileLocation: folders.sub('springfield')
        });
        await card.getByText('ArcGIS Enterprise · IWA (Windows sign-in)').waitFor();
        await card.getByRole('link', { name: emulator!.portalUrl, exact: true }).waitFor();
        await card.getByText('Not connected').waitFor();
        expect(await card.getByText('App ID').count()).toBe(0);

        // IWA connects right away: no portal page, no credentials typed.
        await card.getByRole('button', { name: 'Connect' }).click();
        await card.getByText('Connected as gis_admin', { exact: true }).first().waitFor();
        await card.getByText('OrgKeeper signed in to', { exact: false }).waitFor();
        await card.getByText('Requested with Windows sign-in whenever needed').waitFor();
        expect(new URL(page.url()).pathname).toBe('/identities');

        await card.getByRole('button', { name: 'Test' }).click();
        const results = card.getByRole('region', { name: /Test results/ });
        await results.getByText(/All checks passed|check(s)? failed/).waitFor();
        const checks = Object.fromEntries(
          (await results.locator('li[data-check]').evaluateAll((items) =>
            items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')])
          )) as Array<[string, string]>
        );
        expect(Object.keys(checks)).toEqual(['portal_reachable', 'kind_matches', 'signed_in', 'administrator', 'recycle_bin', 'token_lifetime', 'file_location']);
        expect(checks.recycle_bin).toBe('skipped');
        for (const id of ['portal_reachable', 'kind_matches', 'signed_in', 'administrator', 'file_location']) expect(checks[id]).toBe('ok');
        expect(['ok', 'skipped']).toContain(checks.token_lifetime);
        await snapshot(page, 'identities-iwa-connected');
        expect(errors).toEqual([]);
      }
    );
  });

  test('without a Kerberos ticket the identity says so, and Connect explains what is missing', async ({ skip }) => {
    requireTools(skip);
    await withApp(
      () => kdc!.env(),
      async ({ page }) => {
        const card = await addIdentity(page, 'ArcGIS Enterprise', {
          name: 'Springfield Portal',
          authentication: 'IWA',
          url: emulator!.portalUrl,
          fileLocation: folders.sub('no-ticket')
        });
        await card.getByText('Error', { exact: true }).waitFor();
        await card.getByText('No Kerberos credential for HTTP@localhost', { exact: false }).first().waitFor();

        await card.getByRole('button', { name: 'Connect' }).click();
        await card.getByText('Windows sign-in (IWA) is not available on the OrgKeeper server').waitFor();
        await card.getByRole('alert').getByText('kinit', { exact: false }).waitFor();
        await snapshot(page, 'identities-iwa-no-ticket');
        expect(await identityCard(page, 'Springfield Portal').getByText('Connected as').count()).toBe(0);
      }
    );
  });
});
