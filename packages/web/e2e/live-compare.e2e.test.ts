// Comparing a backed-up item with the live item from the browser, and restoring only the parts picked: the web map is
// backed up, edited in ArcGIS (title, popup, sharing), compared part by part in the snapshot browser, and its data
// and sharing are put back while the new title stays.
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test } from './support/fixtures';
import { ADMIN, unnamedControls } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));

describe('comparing an item with the live organization', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('shows what changed part by part and restores only the parts picked', async ({ app }) => {
    const { page } = app;
    await signIn(app);
    const { identityId, csrfToken } = await addDemoIdentity(app, emu, { fileLocation: folders.sub('demo') });
    const map = [...emu.context.state.items.values()].find((i) => i.json.orgId === emu.orgId && i.json.type === 'Web Map' && i.groups.size > 1)!;
    const { id, title } = map.json;
    const started = await page.request.post(`${app.server.url}/api/identities/${identityId}/backups`, { headers: { 'x-csrf-token': csrfToken }, data: { name: 'Before the edits', items: [id] } });
    expect(started.status(), await started.text()).toBe(202);
    const { operationId } = (await started.json()) as { operationId: string };
    await expect
      .poll(async () => ((await (await page.request.get(`${app.server.url}/api/operations/${operationId}`)).json()) as { status: string }).status, { timeout: 60_000 })
      .toBe('succeeded');

    // Edited in ArcGIS since: the title, a popup title, one group less.
    const originalData = (map.data as { text: string }).text;
    const edited = JSON.parse(originalData) as { operationalLayers: { popupInfo: { title: string } }[] };
    edited.operationalLayers[0]!.popupInfo.title = 'Edited popup';
    map.data = { kind: 'json', text: JSON.stringify(edited) };
    map.json.title = `${title} (edited)`;
    const group = [...map.groups][0]!;
    map.groups.delete(group);

    await page.getByRole('menuitem', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Open snapshot Before the edits' }).click();
    await page.locator(`.snapshot-tree [data-item-id="${id}"]`).click();
    await page.locator('.item-detail').getByRole('heading', { name: title, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Compare with the live item' }).click();
    const table = page.getByTestId('live-compare');
    await table.waitFor();
    const status = async (part: string) => table.locator(`tr[data-part="${part}"]`).getAttribute('data-status');
    expect(await status('item')).toBe('changed');
    expect(await status('data')).toBe('changed');
    expect(await status('sharing')).toBe('changed');
    expect(await status('resources')).toBe('same');
    await table.getByText('operationalLayers[0].popupInfo.title').waitFor();
    await table.getByText('Edited popup', { exact: false }).waitFor();
    expect(await table.getByRole('checkbox', { name: 'Restore resources' }).isDisabled()).toBe(true);
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('live-compare');

    await table.getByRole('checkbox', { name: 'Restore data' }).check();
    await table.getByRole('checkbox', { name: 'Restore sharing' }).check();
    await page.getByRole('button', { name: 'Restore the selected parts' }).click();
    await page.locator('section.operation-progress[data-status="succeeded"]').waitFor({ timeout: 60_000 });

    // Data and sharing are the snapshot's again; the title, not picked, keeps its edit.
    const live = emu.context.state.items.get(id)!;
    expect(JSON.parse((live.data as { text: string }).text)).toEqual(JSON.parse(originalData));
    expect(live.groups.has(group)).toBe(true);
    expect(live.json.title).toBe(`${title} (edited)`);
    await page.getByRole('button', { name: 'Compare again' }).click();
    await expect.poll(async () => status('data'), { timeout: 30_000 }).toBe('same');
    expect(await status('sharing')).toBe('same');
    expect(await status('item')).toBe('changed');
    expect(app.browserErrors).toEqual([]);
  });
});
