// Restoring from the browser against a real OrgKeeper server and the emulated demo organization: an item is backed up,
// deleted in ArcGIS, found in the snapshot, restored with the wizard (recreate, after a dry-run plan), and is back in
// the organization.
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, deleteInArcGIS, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test, type E2EApp } from './support/fixtures';
import { ADMIN, unnamedControls, waitForPath } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));


/** Signs in as the administrator and adds the demo organization as a connected identity (through the REST API). */
async function signInWithIdentity(app: E2EApp): Promise<{ identityId: string; csrfToken: string }> {
  await signIn(app);
  return addDemoIdentity(app, emu, { fileLocation: folders.sub('demo') });
}

describe('restoring a deleted item', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('back up, delete in ArcGIS, restore it with the wizard after a dry run, and find it back', async ({ app }) => {
    const { page } = app;
    const { identityId, csrfToken } = await signInWithIdentity(app);
    const victim = [...emu.context.state.items.values()].find((item) => item.json.orgId === emu.orgId && item.json.type === 'Web Map' && !item.json.protected)!.json;
    const { id, title, owner, type } = victim;

    // A backup holding the item, started through the API.
    const started = await page.request.post(`${app.server.url}/api/identities/${identityId}/backups`, {
      headers: { 'x-csrf-token': csrfToken },
      data: { name: 'Before the accident', items: [id] }
    });
    expect(started.status(), await started.text()).toBe(202);
    const { operationId } = (await started.json()) as { operationId: string };
    await expect
      .poll(async () => ((await (await page.request.get(`${app.server.url}/api/operations/${operationId}`)).json()) as { status: string }).status, { timeout: 60_000 })
      .toBe('succeeded');

    // Deleted for good: the wizard recreates it (the recycle bin's way back is in recycle-bin.e2e.test.ts).
    await deleteInArcGIS(emu, id, owner, { permanent: true });
    expect(emu.context.state.items.has(id)).toBe(false);

    // Find it in the snapshot and go to the wizard from its detail.
    await page.getByRole('menuitem', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Open snapshot Before the accident' }).click();
    await page.locator(`.snapshot-tree [data-item-id="${id}"]`).click();
    await page.locator('.item-detail').getByRole('heading', { name: title, exact: true }).waitFor();
    await page.getByRole('link', { name: 'Restore this item…' }).click();
    await waitForPath(page, '/restore');
    await page.getByRole('heading', { name: 'Restore', level: 1 }).waitFor();
    await page.getByText('1 item chosen').waitFor();
    expect(await page.locator(`tr[data-item-id="${id}"] input[type="checkbox"]`).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: /^Recreate deleted items/ }).isChecked()).toBe(true);
    expect(await unnamedControls(page)).toEqual([]);

    // Nothing runs before the plan is previewed.
    expect(await page.getByRole('button', { name: 'Restore now' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Preview the plan' }).click();
    const step = page.locator(`[data-testid="restore-plan"] tr[data-step="item:${id}"]`);
    await step.waitFor();
    expect(await step.getAttribute('data-action')).toBe('create');
    await step.getByText(title, { exact: true }).waitFor();
    // The plan says what it does with the item's references (the item-type catalogue's reading).
    await step.getByText(/references: \d+ rewritten, \d+ kept, \d+ listed only/).waitFor();
    expect(emu.context.state.items.has(id)).toBe(false);
    await app.snapshot('restore-plan');

    // Changing a choice makes the plan stale until it is previewed again.
    await page.getByRole('radio', { name: /^In place/ }).check();
    await page.getByText('The choices changed').waitFor();
    expect(await page.getByRole('button', { name: 'Restore now' }).isDisabled()).toBe(true);
    await page.getByRole('radio', { name: /^Recreate deleted items/ }).check();
    await page.getByRole('button', { name: 'Preview the plan' }).click();
    await page.getByText('The choices changed').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Restore now' }).click();
    const progress = page.getByRole('region', { name: 'Restore progress' });
    await progress.locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
    await progress.getByText('Restore finished').waitFor();
    const result = page.locator('.restore-result');
    await result.locator('[data-status="ok"]').first().waitFor();
    expect(await result.locator('[data-status="failed"]').count()).toBe(0);
    await app.snapshot('restore-done');

    // Back in ArcGIS: the same title, type and owner (ArcGIS Online gives a recreated item a new id).
    const back = [...emu.context.state.items.values()].map((item) => item.json).filter((json) => json.title === title && json.type === type && json.owner === owner);
    expect(back).toHaveLength(1);
    await result.getByText(back[0]!.id, { exact: true }).waitFor();

    // The restore is in the logs.
    await page.getByRole('menuitem', { name: 'Logs' }).click();
    await page.locator('.operations-table tbody tr').first().getByText('Restore').first().waitFor();
    expect(app.browserErrors).toEqual([]);
  });
});
