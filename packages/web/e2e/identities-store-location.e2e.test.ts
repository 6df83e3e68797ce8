// The identity form's File Location on object storage, in headless Chromium against a real OrgKeeper server, the
// emulated organization and Azurite: choosing Azure Blob Storage, the access check refusing a wrong key with its
// reason, the encryption choice with its plain warning, and the saved identity's card.
import type { EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import { AZURITE_KEY, type AzureTestServer, startAzurite } from '../../server/src/store/testing/object-servers';
import { afterAll, beforeAll } from 'vitest';
import { type DemoOrg, signIn, useDemoOrg } from './support/demo-org';
import { describe, expect, test } from './support/fixtures';
import { dialogField, fillIdentity, identityCard, identityDialog, openAddDialog, submitIdentity } from './support/identities-ui';
import { ADMIN } from './support/ui';

let emu: EmulatorHandle;
useDemoOrg((org: DemoOrg) => {
  emu = org.emu;
});

let azure: AzureTestServer;
beforeAll(async () => {
  azure = await startAzurite();
});
afterAll(async () => {
  await azure?.stop();
});

describe('File Location on Azure Blob Storage', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('checks access when saved and explains a refusal; encryption warns that losing both keys loses the backups', async ({ app }) => {
    const { page } = app;
    await signIn(app);
    const dialog = await openAddDialog(page, 'ArcGIS Online');
    await fillIdentity(page, { name: 'Azure City GIS', url: emu.portalUrl, appId: emu.appId });

    await dialog.getByText('Azure Blob Storage', { exact: true }).click();
    await dialogField(page, 'Storage account URL').fill(azure.accountUrl);
    await dialogField(page, 'Container').fill(azure.container);
    await dialogField(page, 'Prefix (optional)').fill('azure-city');
    // A wrong key: the server tries the location and says what went wrong, in the field.
    await dialogField(page, 'Storage account key').fill(Buffer.alloc(64, 7).toString('base64'));
    await submitIdentity(page);
    await dialog.locator('[data-field="fileLocation"]').getByText('Azure refused to write', { exact: false }).first().waitFor();
    await dialog.getByText('Check the account key or SAS token', { exact: false }).first().waitFor();

    await dialogField(page, 'Storage account key').fill(AZURITE_KEY);
    await dialog.getByRole('checkbox', { name: 'Encrypt the backups' }).click();
    await dialog.getByText('Without a passphrase only this server\'s key', { exact: false }).waitFor();
    await dialogField(page, 'Passphrase').fill('the passphrase in the records office safe');
    await dialogField(page, 'Passphrase again').fill('the passphrase in the records office safe');
    await dialog.getByText('If both this passphrase and this server\'s key (master.key in its data directory) are lost, the backups are lost', { exact: false }).waitFor();
    await app.snapshot('identities-add-azure-encrypted');
    await submitIdentity(page);

    const card = identityCard(page, 'Azure City GIS');
    await card.getByText(`azure://${azure.container}/azure-city/`, { exact: false }).waitFor();
    expect(await identityDialog(page).count()).toBe(0);
    // The key was kept, never shown: editing shows the location back, with blank credentials.
    const list = (await (await page.request.get(`${app.server.url}/api/identities`)).json()) as { identities: { name: string; fileLocationKind: string; hasFileLocationCredentials: boolean; encryptBackups: boolean }[] };
    expect(list.identities.find((i) => i.name === 'Azure City GIS')).toMatchObject({ fileLocationKind: 'azure', hasFileLocationCredentials: true, encryptBackups: true });
    expect(JSON.stringify(list)).not.toContain(AZURITE_KEY);
  });
});
