// The Recycle bin page against a real OrgKeeper server and the emulated demo organization: items deleted in ArcGIS are
// listed from every member's bin (owner, purge date unknown, whether a backup holds them); a view and its source are
// restored together (the view waits for its source) and come back with their ids.
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, deleteInArcGIS, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test } from './support/fixtures';
import { ADMIN, unnamedControls, waitForPath } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));

describe('the recycle bin page', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('lists what ArcGIS Online keeps in the bin and restores a view with its source, ids kept', async ({ app }) => {
    const { page } = app;
    await signIn(app);
    await addDemoIdentity(app, emu, { fileLocation: folders.sub('demo') });
    const items = [...emu.context.state.items.values()].map((i) => i.json);
    const layer = items.find((i) => i.title === 'Bike Lanes' && i.type === 'Feature Service')!;
    const view = items.find((i) => i.title === 'Protected Bike Lanes')!;
    for (const item of [view, layer]) await deleteInArcGIS(emu, item.id, item.owner);

    // The Restore page says what the bin means and leads to it.
    await page.getByRole('menuitem', { name: 'Restore' }).click();
    await waitForPath(page, '/restore');
    await page.getByText("The organization's recycle bin is on").waitFor();
    await app.snapshot('restore-recycle-bin-note');
    await page.getByRole('link', { name: 'Recycle bin' }).click();
    await waitForPath(page, '/recycle-bin');
    await page.getByRole('heading', { name: 'Recycle bin', level: 1 }).waitFor();
    const row = (id: string) => page.locator(`.recycle-bin-table tr[data-item="${id}"]`);
    await row(layer.id).waitFor();
    await row(layer.id).getByText(layer.owner, { exact: true }).waitFor();
    await row(layer.id).getByText('Not known').first().waitFor();
    await row(layer.id).getByText('None', { exact: true }).waitFor();
    await page.getByText('2 items in the recycle bin').waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('recycle-bin-list');

    // The view is selected first: the restore brings its source back before it.
    await page.getByRole('checkbox', { name: `Select ${view.title}` }).check();
    await page.getByRole('checkbox', { name: `Select ${layer.title}` }).check();
    await page.getByRole('button', { name: 'Restore 2 items' }).click();
    await page.getByText('2 items restored with their ids').waitFor();
    await page.getByText(/shares a restored item with its owner only/).waitFor();
    for (const item of [layer, view]) expect(emu.context.state.items.get(item.id)?.json.title).toBe(item.title);
    await page.getByText(/recycle bin of "Demo City GIS" is empty/).waitFor();
    await app.snapshot('recycle-bin-restored');
    expect(app.browserErrors).toEqual([]);
  });
});
