// Manage Identities by keyboard and by OrgKeeper role, in headless Chromium against a real OrgKeeper server and the
// emulated ArcGIS Online organization: every control labelled and reachable, and what an operator may and may not do.
import { useDemoOrg, type TempFolders } from './support/demo-org';
import type { EmulatorHandle } from './support/arcgis';
import { describe, expect, test } from './support/fixtures';
import { addIdentity, dialogField, identityCard, identityDialog, openAddDialog, section, signInToIdentities } from './support/identities-ui';
import { ADMIN, focusedControl, formControls, signInWithForm, unnamedControls, waitForPath } from './support/ui';

let online: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu: online, folders } = org));

let counter = 0;
/** A File Location of its own for each identity (two identities may not share one). */
const newFolder = () => folders.sub(`org-${++counter}`);

describe('with an administrator account', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('the page and both forms work with the keyboard, and every control is labelled', async ({ app }) => {
    const { page } = app;
    await signInToIdentities(app);
    expect(await unnamedControls(page)).toEqual([]);

    // Tab to the Online section's + button and open it with Enter.
    for (let presses = 0; presses < 12; presses++) {
      await page.keyboard.press('Tab');
      if ((await focusedControl(page)).label === 'Add ArcGIS Online identity') break;
    }
    expect((await focusedControl(page)).label).toBe('Add ArcGIS Online identity');
    await page.keyboard.press('Enter');
    await dialogField(page, 'Organization Name').waitFor();
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Organization Name');
    // (Chromium lists Calcite's checkbox before the inputs, so the order is not compared.)
    expect((await formControls(page)).sort()).toEqual(
      [
        'textbox "Organization Name"',
        'textbox "URL"',
        'textbox "App ID"',
        'textbox "File Location"',
        'checkbox "Encrypt the backups"',
        'checkbox "Store credentials for scheduled work"'
      ].sort()
    );
    expect(await unnamedControls(page)).toEqual([]);
    // Escape closes the dialog and returns to the page.
    await page.keyboard.press('Escape');
    await identityDialog(page).waitFor({ state: 'detached' });

    // The Enterprise form: Authentication first; IWA has no App ID and no redirect URI.
    await openAddDialog(page, 'ArcGIS Enterprise');
    const dialog = identityDialog(page);
    await dialog.getByRole('radio', { name: 'OAuth2' }).waitFor();
    expect(await dialog.getByRole('radio', { name: 'OAuth2' }).isChecked()).toBe(true);
    await dialog.getByText('How to register it in ArcGIS Enterprise').click();
    await dialog.getByText('Registered Info', { exact: true }).waitFor();
    await dialog.getByRole('radio', { name: 'IWA' }).click();
    await dialog.getByText('IWA signs in as the Windows (Kerberos) account that runs the OrgKeeper server', { exact: false }).waitFor();
    expect(await dialogField(page, 'App ID').count()).toBe(0);
    expect(await dialog.getByText('Redirect URI to register on the App ID').count()).toBe(0);
    expect((await formControls(page)).sort()).toEqual(
      [
        'textbox "Organization Name"',
        'textbox "URL"',
        'textbox "File Location"',
        'checkbox "Encrypt the backups"'
      ].sort()
    );
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('identities-add-enterprise-iwa');

    // Keyboard only: type the fields, Enter submits; an Online organization is refused in this section.
    await dialogField(page, 'Organization Name').focus();
    await page.keyboard.type('Springfield Online');
    // Tab follows the form: Authentication (the chosen IWA), then URL.
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).tag).toBe('calcite-segmented-control-item');
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('URL');
    await page.keyboard.type(online.portalUrl);
    await dialogField(page, 'File Location').focus();
    await page.keyboard.type(newFolder());
    await page.keyboard.press('Enter');
    await dialog
      .locator('[data-field="url"]')
      .getByText('This URL is an ArcGIS Online organization; add it under ArcGIS Online instead of ArcGIS Enterprise.')
      .waitFor();
    expect(app.browserErrors).toEqual([]);
  });
});

describe('OrgKeeper roles', () => {
  const OPERATOR = { username: 'night-operator', password: 'operator password 2026' };
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }, { ...OPERATOR, role: 'operator' }] } });

  test('an operator sees identities and tests them, but cannot add, connect, edit or delete', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await signInWithForm(page, ADMIN);
    await waitForPath(page, '/identities');
    await addIdentity(page, 'ArcGIS Online', { name: 'Demo City GIS', url: online.portalUrl, appId: online.appId, fileLocation: newFolder() });
    await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await waitForPath(page, '/sign-in');

    await signInWithForm(page, OPERATOR);
    await waitForPath(page, '/identities');
    const card = identityCard(page, 'Demo City GIS');
    await card.getByText('Not connected').waitFor();
    expect(await page.getByRole('button', { name: /^Add ArcGIS/ }).count()).toBe(0);
    for (const action of ['Connect', 'Edit', 'Delete']) expect(await card.getByRole('button', { name: action }).count()).toBe(0);
    await section(page, 'ArcGIS Enterprise').getByText('An administrator of OrgKeeper can add one.', { exact: false }).waitFor();

    // Not connected yet: Test says which checks fail and which could not run, each with its icon.
    await card.getByRole('button', { name: 'Test' }).click();
    const results = card.getByRole('region', { name: /Test results/ });
    await results.getByText(/check(s)? failed/).waitFor();
    const statuses = await results.locator('li[data-check]').evaluateAll((items) =>
      Object.fromEntries(items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')]))
    );
    expect(statuses).toMatchObject({ portal_reachable: 'ok', kind_matches: 'ok', signed_in: 'failed', file_location: 'ok' });
    expect(await results.locator('li[data-status="failed"] calcite-icon[icon="x-circle"]').count()).toBeGreaterThan(0);
    await app.snapshot('identities-operator-test-failed');
    expect(app.browserErrors).toEqual([]);
  });
});
