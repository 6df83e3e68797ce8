// The restore plan's views and relationships, in the browser against a real OrgKeeper server and the emulated demo
// organization: a Survey123 survey (form, service, its two views) and a view whose source is not in the backup are
// backed up, then deleted for good in ArcGIS. The dry-run plan shows the results view's source as fields (title, URL,
// layers, restored by which step) and its relationships, each linked to the step that restores the related item, and
// says what to do about the view whose source is in neither the snapshot nor the organization.
import { DEMO_EXPECTATIONS, type EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, deleteInArcGIS, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test, type E2EApp } from './support/fixtures';
import { ADMIN, unnamedControls, waitForPath } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));

/** A backup of these items, started through the API; waits until it has succeeded. */
async function backUp(app: E2EApp, identityId: string, csrfToken: string, items: string[]): Promise<void> {
  const started = await app.page.request.post(`${app.server.url}/api/identities/${identityId}/backups`, {
    headers: { 'x-csrf-token': csrfToken },
    // Exactly these items: the protected lanes view goes without its source (a backup of chosen items would take it).
    data: { name: 'Survey and views', items, withDependencies: false }
  });
  expect(started.status(), await started.text()).toBe(202);
  const { operationId } = (await started.json()) as { operationId: string };
  await expect
    .poll(async () => ((await (await app.page.request.get(`${app.server.url}/api/operations/${operationId}`)).json()) as { status: string }).status, { timeout: 60_000 })
    .toBe('succeeded');
}

describe('the restore plan shows views and relationships', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test("a view's source and relationships, linked to their steps, and what to do when a source is missing", async ({ app }) => {
    const { page } = app;
    await signIn(app);
    const { identityId, csrfToken } = await addDemoIdentity(app, emu, { fileLocation: folders.sub('demo') });
    const { ids, surveys } = DEMO_EXPECTATIONS;
    const survey = surveys.find((s) => s.publishedWith === 'web designer')!;
    const lonelyView = ids['view-bike-lanes-protected'];
    const json = (id: string) => emu.context.state.items.get(id)!.json;
    const [form, service, results, lanes, lanesSource] = [survey.form, survey.service, survey.resultsView, lonelyView, ids['svc-bike-lanes']].map((id) => ({ ...json(id) }));

    // The survey whole, and the protected lanes view without its source; then all of it deleted for good (views
    // first: ArcGIS refuses to delete a layer that has views).
    const backedUp = [survey.form, survey.service, survey.submissionView, survey.resultsView, lonelyView];
    await backUp(app, identityId, csrfToken, backedUp);
    for (const id of [survey.submissionView, survey.resultsView, lonelyView, survey.service, lanesSource!.id, survey.form]) {
      await deleteInArcGIS(emu, id, json(id).owner, { permanent: true });
    }

    await page.getByRole('menuitem', { name: 'Restore' }).click();
    await waitForPath(page, '/restore');
    for (const id of backedUp) await page.locator(`tr[data-item-id="${id}"] input[type="checkbox"]`).check();
    await page.getByText('5 items chosen').waitFor();
    expect(await page.getByRole('radio', { name: /^Recreate deleted items/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Preview the plan' }).click();

    const plan = page.locator('[data-testid="restore-plan"]');
    const row = (id: string) => plan.locator(`tr[data-step="item:${id}"]`);
    await row(results!.id).waitFor();
    const serviceStep = (await row(service!.id).locator('td').first().textContent())!.trim();
    const formStep = (await row(form!.id).locator('td').first().textContent())!.trim();
    expect(await row(results!.id).getAttribute('data-action')).toBe('create');

    // The results view: collapsed, then opened to show its source as fields.
    const details = row(results!.id).locator('details[data-plan-links]');
    expect(await details.getAttribute('open')).toBeNull();
    await details.locator('summary').getByText(/^A view of 1 source, \d+ relationships?$/).click();
    const source = details.locator('dl[data-view-source="restored"]');
    await source.waitFor();
    await source.getByText(service!.title, { exact: true }).waitFor();
    await source.getByText(service!.url!, { exact: true }).waitFor();
    await source.getByText(/^View layer 0 “.+” shows source layer 0 “.+”$/).first().waitFor();
    await expect.poll(async () => (await source.locator('dd').last().textContent())?.trim()).toBe(`Restored by step ${serviceStep} of this plan`);

    // Its relationships: type, direction in words, the related item and the step that restores it.
    await details.getByRole('heading', { name: 'Relationships added again' }).waitFor();
    const toService = details.locator('li[data-relationship="Service2Data"][data-direction="forward"]');
    await toService.getByText(`“${service!.title}”`).waitFor();
    expect(await toService.textContent()).toMatch(new RegExp(`from this item to .*: restored by step ${serviceStep}$`));
    const fromForm = details.locator('li[data-relationship="Survey2Data"][data-direction="reverse"]');
    expect(await fromForm.textContent()).toMatch(new RegExp(`to this item from “.*”.*: restored by step ${formStep}$`));
    await app.snapshot('restore-plan-view-details');

    // A step link takes the keyboard focus to the step it names.
    await toService.getByRole('link', { name: `step ${serviceStep}` }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-step'))).toBe(`item:${service!.id}`);

    // The view whose source is gone: skipped, and the plan says why and what to do, without opening anything.
    expect(await row(lanes!.id).getAttribute('data-action')).toBe('skip');
    const missing = row(lanes!.id).locator('[data-missing-source]');
    await missing.waitFor();
    const message = (await missing.textContent())!.replace(/\s+/g, ' ');
    expect(message).toContain('Source missing:');
    expect(message).toContain(lanesSource!.url!.replace(/\/+$/, ''));
    expect(message).toContain('neither restored by this plan nor in the organization');
    expect(message).toContain('This snapshot does not hold the source: restore it first from a backup that does, then restore this view.');
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('restore-plan-missing-source');
    expect(app.browserErrors).toEqual([]);
  });
});
