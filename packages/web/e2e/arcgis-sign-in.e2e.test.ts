// Signing in with ArcGIS and API tokens in headless Chromium, against a real OrgKeeper server and the emulated ArcGIS
// Online organization: an administrator turns it on in Administration, then people use the sign-in page's
// "Sign in with ArcGIS" button and the portal's own sign-in page; API tokens are created, shown once and revoked; the
// API reference page works under OrgKeeper's Content-Security-Policy.
import { afterAll, beforeAll } from 'vitest';
import type { EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import { DEMO_USERS, demoPassword, registerRedirectUri, startArcGIS, tempFolder } from './support/arcgis';
import { describe, expect, test } from './support/fixtures';
import { signInOnPortal } from './support/identities-ui';
import { ADMIN, field, signInWithForm, waitForPath } from './support/ui';
import type { E2EApp } from './support/fixtures';

let online: EmulatorHandle;
let folders: Awaited<ReturnType<typeof tempFolder>>;

beforeAll(async () => {
  online = await startArcGIS({ kind: 'online' });
  folders = await tempFolder();
});
afterAll(async () => {
  await online?.close();
  await folders?.remove();
});

/** An identity of the emulated organization, connected with the administrator's stored password (through the API). */
async function addConnectedIdentity(app: E2EApp): Promise<string> {
  const api = await app.server.login();
  await registerRedirectUri(online, `${app.server.url}/api/auth/arcgis/callback`);
  const created = await api.post<{ id: string }>('/api/identities', {
    type: 'online',
    name: 'Demo City',
    url: online.portalUrl,
    appId: online.appId,
    fileLocation: folders.sub(`org-${Date.now()}`),
    username: online.admin.username,
    password: online.admin.password
  });
  if (created.status !== 201) throw new Error(`identity not created: ${created.text}`);
  return created.body.id;
}

async function openAdministration(app: E2EApp): Promise<void> {
  const { page } = app;
  await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).click();
  await page.getByRole('menuitem', { name: 'Administration' }).click();
  await waitForPath(page, '/admin');
  await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
}

async function signOut(app: E2EApp, username: string): Promise<void> {
  await app.page.getByRole('button', { name: new RegExp(`Signed in as ${username}`) }).click();
  await app.page.getByRole('menuitem', { name: 'Sign out' }).click();
  await waitForPath(app.page, '/sign-in');
}

describe('signing in with ArcGIS', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('an administrator turns it on; a mapped person signs in with the ArcGIS button, an unmapped one is told why', async ({ app }) => {
    const { page } = app;
    await addConnectedIdentity(app);

    // No ArcGIS button while it is off.
    await app.open('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to OrgKeeper' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with ArcGIS' }).count()).toBe(0);

    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');
    await openAdministration(app);
    const section = page.getByRole('form', { name: 'Sign in with ArcGIS' });
    await section.getByLabel('Let people sign in with their ArcGIS account').check();
    await section.getByLabel('Organization (identity)').selectOption({ label: `Demo City (${online.portalUrl})` });
    expect(await page.getByTestId('arcgis-redirect-uri').textContent()).toBe(`${app.server.url}/api/auth/arcgis/callback`);
    await section.getByLabel("The organization's ArcGIS administrators").selectOption('admin');
    const users = section.getByRole('group', { name: 'Named ArcGIS users' });
    await field(page, 'ArcGIS username').fill(DEMO_USERS.lee);
    await users.getByLabel('Role', { exact: true }).selectOption('viewer');
    await users.getByRole('button', { name: 'Add user' }).click();
    await users.getByText(DEMO_USERS.lee).waitFor();
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('People can sign in with their ArcGIS account.').waitFor();
    await app.snapshot('admin-arcgis-sign-in');
    await signOut(app, ADMIN.username);

    // A mapped person: the button, the portal's own page, and back in OrgKeeper with the mapped role.
    await page.getByRole('button', { name: 'Sign in with ArcGIS' }).waitFor();
    await page.getByText('With your account of Demo City GIS, on its own sign-in page.').waitFor();
    await app.snapshot('sign-in-with-arcgis');
    await page.getByRole('button', { name: 'Sign in with ArcGIS' }).click();
    await page.waitForURL((url) => url.origin === new URL(online.portalUrl).origin);
    await signInOnPortal(page, DEMO_USERS.lee, demoPassword(DEMO_USERS.lee));
    await waitForPath(page, '/identities');
    await page.getByRole('button', { name: new RegExp(`Signed in as ${DEMO_USERS.lee}`) }).waitFor();
    expect(await page.getByRole('button', { name: new RegExp(`Signed in as ${DEMO_USERS.lee}`) }).getAttribute('aria-label')).toMatch(/\(Viewer\)/);
    await signOut(app, DEMO_USERS.lee);

    // Someone the mapping does not name: back on the sign-in page, with the reason.
    await page.getByRole('button', { name: 'Sign in with ArcGIS' }).click();
    await page.waitForURL((url) => url.origin === new URL(online.portalUrl).origin);
    await signInOnPortal(page, DEMO_USERS.maria, demoPassword(DEMO_USERS.maria));
    await waitForPath(page, '/sign-in');
    await page.getByText('Your ArcGIS account has no role in OrgKeeper').waitFor();
    await app.snapshot('sign-in-with-arcgis-refused');
    // OrgKeeper accounts still sign in.
    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');

    // The only other origin the browser visited is the organization's own portal.
    const origins = new Set(app.requests.filter((url) => !url.startsWith('data:')).map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([new URL(app.server.url).origin, new URL(online.portalUrl).origin].sort());
    expect(app.browserErrors).toEqual([]);
  });
});

describe('API tokens and the API reference', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('creates a token that is shown once, uses it, and revokes it; the reference page works under the CSP', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');
    await openAdministration(app);

    const form = page.getByRole('form', { name: 'Create an API token' });
    await field(page, 'Token name').fill('nightly-backup');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    const token = (await shown.textContent()) ?? '';
    expect(token).toMatch(/^okt_[A-Za-z0-9_-]{43}$/);
    await page.getByText('Copy it now: OrgKeeper keeps only its hash and cannot show it again.').waitFor();
    await app.snapshot('admin-api-token-created');
    const row = page.locator('tr[data-token="nightly-backup"]');
    await row.getByText('Operator').waitFor();
    expect(await row.textContent()).not.toContain(token);

    // The token works for a script (no cookie, no CSRF header)...
    expect((await app.server.tokenClient(token).get('/api/operations')).status).toBe(200);
    // ...until it is revoked.
    await row.getByRole('button', { name: 'Revoke nightly-backup', exact: true }).click();
    await row.getByRole('button', { name: 'Revoke nightly-backup now' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await app.server.tokenClient(token).get('/api/operations')).status).toBe(401);

    // The API reference: OrgKeeper's own Swagger UI, reading the description, with nothing blocked by the CSP.
    await app.open('/api/docs/');
    await page.getByText('OrgKeeper REST API').first().waitFor();
    await page.getByText('startBackup').first().waitFor({ timeout: 20_000 });
    await app.snapshot('api-reference');
    const origin = new URL(app.server.url).origin;
    expect(app.requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)).toEqual([]);
    expect(app.browserErrors).toEqual([]);
  });
});
