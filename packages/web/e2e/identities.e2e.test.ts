// Manage Identities in headless Chromium against a real OrgKeeper server and the emulated ArcGIS Online organization:
// adding, connecting through the portal's own sign-in page, testing, refusals with their explanations, deleting. Keyboard
// use and OrgKeeper roles are in identities-access.e2e.test.ts.
import { afterAll, beforeAll } from 'vitest';
import type { EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import { DEMO_USERS, demoPassword, registerRedirectUri, startArcGIS, tempFolder, unregisterRedirectUri } from './support/arcgis';
import { describe, expect, test } from './support/fixtures';
import {
  addIdentity,
  connectToPortal,
  dialogField,
  fillIdentity,
  identityCard,
  identityDialog,
  openAddDialog,
  section,
  signInOnPortal,
  signInToIdentities,
  submitIdentity
} from './support/identities-ui';
import { ADMIN, field, focusedControl, signInWithForm, waitForPath } from './support/ui';

let online: EmulatorHandle;
let enterprise: EmulatorHandle;
let folders: Awaited<ReturnType<typeof tempFolder>>;

beforeAll(async () => {
  online = await startArcGIS({ kind: 'online' });
  enterprise = await startArcGIS({ kind: 'enterprise', seed: 'empty' });
  folders = await tempFolder();
});

afterAll(async () => {
  await online?.close();
  await enterprise?.close();
  await folders?.remove();
});

let counter = 0;
/** A File Location of its own for each identity (two identities may not share one). */
const newFolder = () => folders.sub(`org-${++counter}`);

describe('first run to a connected ArcGIS Online identity', () => {
  // Longer than ~80 lines on purpose: one user's journey, each step starting from what the previous one left in the
  // browser, the server and the emulated organization (split up, every step would redo the ones before it).
  test('set up, sign in, add, connect on the portal sign-in page, test, delete, sign out', async ({ app }) => {
    const { page } = app;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.server.url });

    // First run: the administrator account, then the app opens on Manage Identities.
    await app.open('/');
    await waitForPath(page, '/setup');
    await field(page, 'Username').fill(ADMIN.username);
    await field(page, 'Password').fill(ADMIN.password);
    await field(page, 'Confirm password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities', level: 1 }).waitFor();
    await expect.poll(() => page.title()).toBe('Identities · OrgKeeper');
    // Both sections explain what an identity is while they are empty.
    for (const title of ['ArcGIS Online', 'ArcGIS Enterprise'] as const) {
      await section(page, title).getByText('An identity is one', { exact: false }).waitFor();
    }
    await app.snapshot('identities-empty');

    // Sign out and in again: the login form leads back here.
    await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await waitForPath(page, '/sign-in');
    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');

    // The Online form has exactly its fields, and shows the redirect URI to register, with a copy button.
    const dialog = await openAddDialog(page, 'ArcGIS Online');
    const redirectUri = `${app.server.url}/api/oauth/callback`;
    await dialog.getByText(redirectUri, { exact: true }).waitFor();
    for (const label of ['Organization Name', 'URL', 'App ID', 'File Location']) await dialogField(page, label).waitFor();
    expect(await dialog.getByText('Authentication', { exact: true }).count()).toBe(0);
    await dialog.getByText("Your organization's URL, e.g. https://myorg.maps.arcgis.com", { exact: true }).waitFor();
    await dialog.getByText("Folder on the OrgKeeper server for this organization's backups", { exact: true }).waitFor();
    await dialog.getByText('Client ID of an application registered in the organization', { exact: true }).waitFor();
    await dialog.getByText('Keeps an encrypted refresh token so backups can run unattended', { exact: false }).waitFor();
    expect(await dialog.getByRole('checkbox', { name: 'Store credentials for scheduled work' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Copy the redirect URI' }).click();
    await dialog.getByText('Copied to the clipboard').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(redirectUri);
    await dialog.getByText('How to register it in ArcGIS Online').click();
    await dialog.getByText('Developer credentials', { exact: true }).waitFor();
    await app.snapshot('identities-add-online');

    // The administrator registers the copied URI on the App ID in the portal.
    await registerRedirectUri(online, redirectUri);

    const fileLocation = newFolder();
    await fillIdentity(page, { name: 'Demo City GIS', url: `${online.portalUrl}/home/`, appId: online.appId, fileLocation });
    await submitIdentity(page);
    await identityDialog(page).waitFor({ state: 'detached' }).catch(() => undefined);
    await page.getByText('"Demo City GIS" was added').waitFor();
    const card = identityCard(page, 'Demo City GIS');
    await card.getByText('Not connected').waitFor();
    // The URL was normalized (no /home) and the folder is shown as entered.
    await card.getByRole('link', { name: online.portalUrl, exact: true }).waitFor();
    await card.getByText(fileLocation, { exact: true }).waitFor();
    await card.getByText('ArcGIS Online · OAuth2', { exact: false }).waitFor();
    await app.snapshot('identities-added');

    // Connect: the browser goes to the portal's own sign-in page; the administrator signs in there.
    await card.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${online.restUrl}/oauth2/authorize`));
    await page.getByLabel('Username').fill(DEMO_USERS.admin);
    await page.getByLabel('Password').fill(online.admin.password);
    await page.getByRole('button', { name: 'Sign In' }).click();

    // Back on OrgKeeper: the outcome, who signed in and when the tokens expire.
    await waitForPath(page, '/identities');
    await page.getByText('"Demo City GIS" is connected').waitFor();
    expect(new URL(page.url()).search).toBe('');
    await card.getByText(`Connected as ${DEMO_USERS.admin}`).waitFor();
    const tokenExpiry = await card.locator('dt:text-is("Access token expires") + dd').innerText();
    const refreshExpiry = await card.locator('dt:text-is("Refresh token expires") + dd').innerText();
    // Local time (the browser runs in UTC here) and how far away: the code flow's access token lasts minutes, its
    // refresh token days.
    expect(tokenExpiry).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M \(in \d{1,2} minutes\)$/);
    expect(refreshExpiry).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M \(in \d+ days\)$/);
    await app.snapshot('identities-connected');

    // Test shows each check with its result.
    await card.getByRole('button', { name: 'Test' }).click();
    const results = card.getByRole('region', { name: /Test results/ });
    await results.getByText('All checks passed', { exact: false }).waitFor();
    const checks = await results.locator('li[data-check]').evaluateAll((items) =>
      items.map((item) => `${item.getAttribute('data-check')}:${item.getAttribute('data-status')}`)
    );
    expect(checks).toEqual([
      'portal_reachable:ok',
      'kind_matches:ok',
      'signed_in:ok',
      'administrator:ok',
      'recycle_bin:ok',
      'token_lifetime:ok',
      'file_location:ok'
    ]);
    expect(await results.locator('calcite-icon[icon="check-circle"]').count()).toBe(7);
    await app.snapshot('identities-tested');

    // Delete asks first and says the backups stay on disk.
    await card.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.locator('calcite-dialog[open][kind="danger"]');
    await confirm.getByText('Existing backups are kept on disk', { exact: false }).waitFor();
    await confirm.getByText(fileLocation, { exact: true }).waitFor();
    // A trial click waits until the dialog has stopped moving (its opening animation), for the screenshot.
    await confirm.getByRole('button', { name: 'Delete identity' }).click({ trial: true });
    await app.snapshot('identities-delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete identity' }).click();
    await page.getByText('"Demo City GIS" was deleted').waitFor();
    await card.waitFor({ state: 'detached' });
    await section(page, 'ArcGIS Online').getByText('An identity is one', { exact: false }).waitFor();

    // Sign out.
    await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await waitForPath(page, '/sign-in');
    await page.getByText('You have signed out').waitFor();
    expect(app.browserErrors).toEqual([]);
  });
});

describe('with an administrator account', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('invalid inputs are explained under their fields and the dialog keeps what was typed', async ({ app }) => {
    const { page } = app;
    await signInToIdentities(app);
    const first = newFolder();
    await addIdentity(page, 'ArcGIS Online', { name: 'Demo City GIS', url: online.portalUrl, appId: online.appId, fileLocation: first });

    // Nothing entered: the browser says what each field needs before asking the server.
    const dialog = await openAddDialog(page, 'ArcGIS Online');
    await submitIdentity(page);
    await dialog.locator('[data-field="name"]').getByText('Enter the organization name', { exact: false }).waitFor();
    await dialog.locator('[data-field="url"]').getByText("Enter the organization's URL", { exact: false }).waitFor();
    await dialog.locator('[data-field="appId"]').getByText('Enter the App ID', { exact: false }).waitFor();
    await dialog.locator('[data-field="fileLocation"]').getByText('Enter a folder on the OrgKeeper server', { exact: false }).waitFor();

    // A duplicate name (in other letter case), a URL that is no URL and a relative folder: the server's reasons, each
    // under its own field, all at once.
    await fillIdentity(page, { name: 'demo city gis', url: 'https://exa mple', appId: online.appId, fileLocation: 'backups/demo' });
    await submitIdentity(page);
    await dialog.getByText('Check the highlighted fields').waitFor();
    await dialog.locator('[data-field="name"]').getByText('Another identity is already named "demo city gis"', { exact: false }).waitFor();
    await dialog.locator('[data-field="url"]').getByText('is not a URL', { exact: false }).waitFor();
    await dialog.locator('[data-field="fileLocation"]').getByText('"backups/demo" is a relative path', { exact: false }).waitFor();
    expect(await dialog.locator('[data-field="appId"] calcite-input').getAttribute('status')).toBe('idle');
    await app.snapshot('identities-field-errors');
    // What was typed is still there, and the first field with an error has the focus.
    expect(await dialogField(page, 'Organization Name').inputValue()).toBe('demo city gis');
    expect(await dialogField(page, 'URL').inputValue()).toBe('https://exa mple');
    expect(await dialogField(page, 'App ID').inputValue()).toBe(online.appId);
    expect(await dialogField(page, 'File Location').inputValue()).toBe('backups/demo');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Organization Name');

    // An ArcGIS Enterprise portal in the ArcGIS Online section is refused with where it belongs.
    await fillIdentity(page, { name: 'Springfield Portal', url: enterprise.portalUrl, fileLocation: newFolder() });
    await submitIdentity(page);
    await dialog
      .locator('[data-field="url"]')
      .getByText('This URL is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise instead of ArcGIS Online.')
      .waitFor();
    expect(await dialog.locator('[data-field="name"]').getByText('Another identity').count()).toBe(0);

    // The folder of another identity cannot be shared.
    await fillIdentity(page, { url: online.portalUrl, fileLocation: first });
    await submitIdentity(page);
    await dialog.locator('[data-field="fileLocation"]').getByText('Demo City GIS', { exact: false }).waitFor();

    // Cancel closes without saving.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await identityDialog(page).waitFor({ state: 'detached' });
    expect(await page.getByRole('article').count()).toBe(1);
    expect(app.browserErrors).toEqual([]);
  });

  test('cancelling on the portal sign-in page is explained; editing keeps the identity', async ({ app }) => {
    const { page } = app;
    await signInToIdentities(app);
    await registerRedirectUri(online, `${app.server.url}/api/oauth/callback`);
    const card = await addIdentity(page, 'ArcGIS Online', {
      name: 'Cancel Test',
      url: online.portalUrl,
      appId: online.appId,
      fileLocation: newFolder()
    });

    await connectToPortal(page, card, online.restUrl);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForPath(page, '/identities');
    const alert = page.getByRole('alert');
    await alert.getByText('Sign-in was cancelled', { exact: true }).waitFor();
    await alert.getByText(`The sign-in was cancelled on the portal's page, so "Cancel Test" is not connected.`, { exact: false }).waitFor();
    await card.getByText('Not connected').waitFor();
    await app.snapshot('identities-cancelled');

    // Edit: the dialog opens with the saved values; a new name is saved.
    await card.getByRole('button', { name: 'Edit' }).click();
    await identityDialog(page).getByText('Edit Cancel Test', { exact: true }).first().waitFor();
    expect(await dialogField(page, 'URL').inputValue()).toBe(online.portalUrl);
    expect(await dialogField(page, 'App ID').inputValue()).toBe(online.appId);
    await dialogField(page, 'Organization Name').fill('Demo City (renamed)');
    await submitIdentity(page, 'Save changes');
    await page.getByText('"Demo City (renamed)" was saved').waitFor();
    await identityCard(page, 'Demo City (renamed)').waitFor();
    expect(await identityCard(page, 'Cancel Test').count()).toBe(0);
    expect(app.browserErrors).toEqual([]);
  });

  test('an ArcGIS user who is not an administrator is refused with the reason', async ({ app }) => {
    const { page } = app;
    await signInToIdentities(app);
    await registerRedirectUri(online, `${app.server.url}/api/oauth/callback`);
    const card = await addIdentity(page, 'ArcGIS Online', {
      name: 'Demo City GIS',
      url: online.portalUrl,
      appId: online.appId,
      fileLocation: newFolder()
    });
    await connectToPortal(page, card, online.restUrl);
    await signInOnPortal(page, DEMO_USERS.lee, demoPassword(DEMO_USERS.lee));

    await waitForPath(page, '/identities');
    const alert = page.getByRole('alert');
    await alert.getByText('This ArcGIS account is not an administrator').waitFor();
    await alert.getByText(DEMO_USERS.lee, { exact: false }).waitFor();
    // The card keeps the reason until someone connects as an administrator.
    await card.getByText('Error', { exact: true }).waitFor();
    await card.getByText(DEMO_USERS.lee, { exact: false }).waitFor();
    await app.snapshot('identities-not-admin');

    // Signing in again as the administrator fixes it.
    await connectToPortal(page, card, online.restUrl);
    await signInOnPortal(page, DEMO_USERS.admin, online.admin.password);
    await waitForPath(page, '/identities');
    await card.getByText(`Connected as ${DEMO_USERS.admin}`).waitFor();
    expect(app.browserErrors).toEqual([]);
  });

  test('a redirect URI the App ID does not list is explained with the exact URI to register', async ({ app }) => {
    const { page } = app;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.server.url });
    const redirectUri = `${app.server.url}/api/oauth/callback`;
    await unregisterRedirectUri(online, redirectUri);
    await signInToIdentities(app);
    const card = await addIdentity(page, 'ArcGIS Online', {
      name: 'Demo City GIS',
      url: online.portalUrl,
      appId: online.appId,
      fileLocation: newFolder()
    });

    await card.getByRole('button', { name: 'Connect' }).click();
    await card.getByText("Register OrgKeeper's redirect URI on the App ID").waitFor();
    await card.getByText(`Register exactly this redirect URI on that application: ${redirectUri}`, { exact: false }).waitFor();
    // Still on OrgKeeper (not on a cryptic portal error page), with the URI to copy and the steps.
    expect(new URL(page.url()).origin).toBe(new URL(app.server.url).origin);
    await card.getByText(redirectUri, { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Copy the redirect URI' }).click();
    await card.getByText('Copied to the clipboard').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(redirectUri);
    await card.getByText('Developer credentials', { exact: true }).waitFor();
    await app.snapshot('identities-redirect-uri-not-registered');

    // After registering it, Connect works.
    await registerRedirectUri(online, redirectUri);
    await connectToPortal(page, card, online.restUrl);
    await signInOnPortal(page, DEMO_USERS.admin, online.admin.password);
    await waitForPath(page, '/identities');
    await card.getByText(`Connected as ${DEMO_USERS.admin}`).waitFor();
    expect(app.browserErrors).toEqual([]);
  });
});
