// Cleaning from the browser against a real OrgKeeper server and the emulated demo organization: a broken-links scan
// run from its generated options form and followed to the end; its findings (exactly the planted broken references);
// a fix previewed, applied and undone, checked against the emulator's state; the findings exported as CSV; a finding
// allowlisted with a reason and gone from the next scan, which the comparison of the two scans shows as resolved.
// The main path is driven with the keyboard (Space on check boxes, Enter on buttons).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type * as EmulatorModule from '@orgkeeper/arcgis-emulator';
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test, type E2EApp } from './support/fixtures';
import { ADMIN, field, unnamedControls, waitForPath } from './support/ui';

// The emulator's source (as support/arcgis.ts loads it), for what the demo organization holds.
const EMULATOR_SRC = fileURLToPath(new URL('../../arcgis-emulator/src/index.ts', import.meta.url));
const { DEMO_EXPECTATIONS: X } = (await import(/* @vite-ignore */ EMULATOR_SRC)) as typeof EmulatorModule;
const BROKEN = X.brokenReferences;

let emu: EmulatorHandle;
let folders: TempFolders;
let counter = 0;
useDemoOrg((org) => ({ emu, folders } = org));

/** Signs in as the administrator and adds the demo organization as a connected identity with a File Location. */
async function signInWithIdentity(app: E2EApp, name = 'Demo City GIS'): Promise<string> {
  await signIn(app);
  return (await addDemoIdentity(app, emu, { name, fileLocation: folders.sub(`org-${++counter}`) })).identityId;
}

const item = (id: string) => emu.context.state.items.get(id)!.json;
const scanRun = (page: Page) => page.getByRole('region', { name: 'Scan progress' });
const findingRow = (page: Page, targetId: string) => page.locator(`.findings-table tbody tr[data-target-id="${targetId}"]`);
const findingIds = (page: Page) => page.locator('.findings-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-target-id')));

/** Opens Clean, runs a broken-links scan from the form and opens its findings; returns the scan's id. */
async function runBrokenLinksScan(app: E2EApp, expectedFindings: number): Promise<string> {
  const { page } = app;
  await page.getByRole('menuitem', { name: 'Clean' }).click();
  await waitForPath(page, '/clean');
  await page.getByLabel('Scan type', { exact: true }).selectOption('broken-links');
  // The form is generated from the type's option schema.
  await page.getByRole('group', { name: 'Broken links options' }).waitFor();
  await expect.poll(() => field(page, 'Item types').count()).toBe(1);
  await page.getByRole('button', { name: 'Run scan now' }).press('Enter');
  await scanRun(page).locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
  await scanRun(page).getByText('Scan finished').waitFor();
  const show = scanRun(page).getByRole('link', { name: `Show the ${expectedFindings} finding${expectedFindings === 1 ? '' : 's'}` });
  await show.press('Enter');
  await page.waitForURL((url) => url.pathname.startsWith('/clean/scans/'));
  await page.getByRole('heading', { name: 'Broken links scan' }).waitFor();
  await expect.poll(() => page.locator('.findings-table tbody tr').count()).toBe(expectedFindings);
  return new URL(page.url()).pathname.split('/').at(-1)!;
}

describe('cleaning the demo organization', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  // Longer than ~80 lines on purpose: one user's journey, each step starting from what the previous one left in the
  // browser, the server and the emulated organization (split up, every step would redo the ones before it).
  test('broken-links scan: exactly the planted findings; fix one (previewed), undo it; export CSV', async ({ app }) => {
    const { page } = app;
    await signInWithIdentity(app);
    const scanId = await runBrokenLinksScan(app, BROKEN.findings.length);
    expect(new Set(await findingIds(page))).toEqual(new Set(BROKEN.itemIds));
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('clean-findings');

    // Sorting by title puts the rows in title order, and again reversed.
    await page.getByRole('button', { name: /^Sort by title/ }).press('Enter');
    await expect.poll(() => page.locator('th[aria-sort="descending"]').count()).toBe(1);
    // The header changes at once; the rows once the server's sorted page arrives.
    const titles = () => page.locator('.findings-table tbody tr td:nth-child(2) > :first-child').allInnerTexts();
    const descending = (list: string[]) => [...list].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
    await expect.poll(async () => {
      const shown = await titles();
      return shown.length === BROKEN.findings.length && JSON.stringify(shown) === JSON.stringify(descending(shown));
    }).toBe(true);
    // While the sorted page loaded the table said it was busy; with the answer shown it no longer does.
    await expect.poll(() => page.locator('.findings-table').locator('xpath=..').getAttribute('aria-busy')).toBe('false');

    // Filter: the search narrows the table to the dead-URL map.
    const target = BROKEN.webMapToDeadUrl.itemId;
    const before = item(target);
    expect(before.contentStatus ?? null).not.toBe('deprecated');
    await field(page, 'Search').fill(before.title);
    await expect.poll(() => findingIds(page)).toEqual([target]);
    await field(page, 'Search').fill('');
    await expect.poll(() => page.locator('.findings-table tbody tr').count()).toBe(BROKEN.findings.length);

    // Select it with the keyboard and open the fix panel.
    await findingRow(page, target).getByRole('checkbox').press('Space');
    await expect.poll(() => page.getByTestId('selected-findings').innerText()).toBe('1 finding selected');
    await page.getByRole('button', { name: 'Fix selected' }).press('Enter');
    const panel = page.getByRole('region', { name: 'Fix 1 selected finding' });
    await panel.waitFor();
    // A wrong option is named next to its control, with the server's reason.
    await panel.getByLabel('Fix action', { exact: true }).selectOption('reassign');
    await field(page, 'New owner').waitFor();
    await panel.getByRole('button', { name: 'Preview changes' }).press('Enter');
    await panel.getByText('New owner is required for reassign owner.').waitFor();
    await field(page, 'New owner').fill('nobody-here');
    await panel.getByRole('button', { name: 'Preview changes' }).press('Enter');
    await panel.locator('[data-field="targetUsername"]').getByText(/There is no user "nobody-here" in the organization/).waitFor();
    await panel.getByLabel('Fix action', { exact: true }).selectOption('mark-deprecated');
    await panel.getByText("Sets the items' content status to Deprecated").waitFor();
    await panel.getByRole('button', { name: 'Preview changes' }).press('Enter');

    // The preview says exactly what will change, and that a backup is taken first.
    const preview = panel.getByRole('region', { name: 'Fix preview' });
    await preview.waitFor();
    await preview.getByText('1 will change, 0 will be skipped.').waitFor();
    await preview.getByText('A backup is taken first').waitFor();
    const planned = preview.locator(`tbody tr[data-finding-id]`);
    await expect.poll(() => planned.count()).toBe(1);
    expect(await planned.getAttribute('data-plan')).toBe('change');
    const cells = await planned.locator('td').allInnerTexts();
    expect(cells.slice(1)).toEqual(['Change', `Content status: ${before.contentStatus ?? 'none'} -> deprecated`, before.contentStatus ?? '(none)', 'deprecated']);
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('clean-fix-preview');
    await panel.getByRole('button', { name: 'Apply fix to 1 finding' }).press('Enter');

    // The fix page follows it to the end; the item changed exactly as previewed, and nothing else did.
    await page.waitForURL((url) => url.pathname.startsWith('/clean/fixes/'));
    const status = page.getByRole('region', { name: 'Fix status' });
    await status.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Fix: Mark deprecated' }).waitFor();
    await expect.poll(() => page.getByTestId('fix-counts').innerText()).toBe('1 ok · 0 failed · 0 skipped');
    const result = page.locator(`.clean-results-table tbody tr[data-target-id="${target}"]`);
    expect(await result.getAttribute('data-result')).toBe('ok');
    await result.getByText(/Content status: .* -> deprecated/).waitFor();
    expect(item(target).contentStatus).toBe('deprecated');
    for (const other of BROKEN.itemIds.filter((id) => id !== target)) expect(item(other).contentStatus ?? null).not.toBe('deprecated');
    await status.getByText(/^Snapshot [0-9a-z]+/).waitFor();
    await app.snapshot('clean-fix-done');

    // Undo (confirmed) puts the item back as it was.
    await page.getByRole('button', { name: 'Undo this fix' }).press('Enter');
    await page.getByRole('button', { name: 'Yes, undo' }).press('Enter');
    await status.and(page.locator('[data-undo-status="succeeded"]')).waitFor({ timeout: 60_000 });
    await page.getByText('Undone', { exact: true }).waitFor();
    expect(await result.locator('td').nth(3).innerText()).toContain('OK');
    expect(item(target).contentStatus ?? null).toBe(before.contentStatus ?? null);
    await expect.poll(() => page.getByRole('button', { name: 'Undo this fix' }).count()).toBe(0);

    // Back on the scan: the fix is listed as undone; the findings export as CSV with readable dates.
    await page.getByRole('link', { name: /The scan's findings/ }).click();
    const fixes = page.getByRole('region', { name: 'Fixes on this scan' });
    await fixes.getByRole('link', { name: 'Mark deprecated' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).press('Enter')]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^scan-broken-links-\\d{4}-\\d{2}-\\d{2}-${scanId.slice(0, 8)}\\.csv$`));
    const csv = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.trimEnd().split(/\r?\n/);
    expect(lines[0]).toBe('Scan,Scan type,Scanned (UTC),Code,Severity,Kind,ID,Title,Type,Owner,Where,Message,Details,Link');
    expect(lines).toHaveLength(1 + BROKEN.findings.length);
    const ids = lines.slice(1).map((line) => {
      expect(line).toMatch(new RegExp(`^${scanId},broken-links,\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC,`));
      return BROKEN.itemIds.find((id) => line.includes(`,${id},`));
    });
    expect(new Set(ids)).toEqual(new Set(BROKEN.itemIds));
    expect(app.browserErrors).toEqual([]);
  });

  test('allowlist a finding with a reason: the next scan does not report it, and the comparison shows it resolved', async ({ app }) => {
    const { page } = app;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const target = BROKEN.appToMissingMap.itemId;
    // The finding's title is hostile markup: it must show as text everywhere, and nothing in it may run.
    const record = emu.context.state.items.get(target)!;
    const originalTitle = record.json.title;
    const hostile = `<img src=x onerror="window.__xss=1;alert('x')">Old Permits`;
    record.json.title = hostile;
    try {
      await allowlistFlow(app, target, hostile);
    } finally {
      record.json.title = originalTitle;
    }
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('.clean-page img[src="x"]').count()).toBe(0);
  });
});

/** Allowlists the finding about `target` (shown with `title`), scans again, compares, and removes the entry. */
async function allowlistFlow(app: E2EApp, target: string, title: string): Promise<void> {
  const { page } = app;
  await signInWithIdentity(app);
  await runBrokenLinksScan(app, BROKEN.findings.length);
  await findingRow(page, target).getByText(title, { exact: true }).waitFor();

  await findingRow(page, target).getByRole('checkbox').press('Space');
  await page.getByRole('button', { name: 'Allowlist selected' }).press('Enter');
  const panel = page.getByRole('region', { name: 'Allowlist 1 finding' });
  // A reason is required.
  await panel.getByRole('button', { name: 'Add to allowlist' }).press('Enter');
  await panel.getByText('Say why these findings may stay').waitFor();
  await field(page, 'Reason').fill('Kept for the <b>archive</b> until 2027');
  await panel.getByRole('button', { name: 'Add to allowlist' }).press('Enter');
  await page.getByText('1 finding allowlisted.').waitFor();

  // The Clean page lists the entry with its reason (shown as text) and who added it.
  await page.getByRole('link', { name: '← Clean' }).click();
  const allowlist = page.getByRole('region', { name: 'Allowlist' });
  await allowlist.getByText('Kept for the <b>archive</b> until 2027', { exact: true }).waitFor();
  await allowlist.getByText(title, { exact: true }).waitFor();
  await allowlist.getByText(/by gis-admin$/).waitFor();

  // The next scan leaves it out (and counts it as allowlisted).
  await scanRun(page).getByRole('button', { name: 'Dismiss' }).click();
  await runBrokenLinksScan(app, BROKEN.findings.length - 1);
  expect(new Set(await findingIds(page))).toEqual(new Set(BROKEN.itemIds.filter((id) => id !== target)));
  await page.getByText('Allowlisted (not shown)').locator('..').getByText('1', { exact: true }).waitFor();

  // Compare the two scans from the history: resolved holds exactly the allowlisted finding.
  await page.getByRole('link', { name: '← Clean' }).click();
  const history = page.getByRole('region', { name: 'Scan history' });
  const rows = history.locator('tbody tr[data-scan-type="broken-links"]');
  await expect.poll(() => rows.count()).toBe(2);
  await rows.nth(0).getByRole('checkbox').press('Space');
  await rows.nth(1).getByRole('checkbox').press('Space');
  await page.getByRole('button', { name: 'Compare chosen scans' }).press('Enter');
  await waitForPath(page, '/clean/compare');
  await page.getByRole('heading', { name: 'Compare scans: Broken links' }).waitFor();
  await page.getByText(`Still open (${BROKEN.findings.length - 1})`).waitFor();
  await page.getByText('New (0)').waitFor();
  await page.getByText('Resolved (1)').click();
  await expect.poll(() => findingIds(page)).toEqual([target]);
  expect(await unnamedControls(page)).toEqual([]);
  await app.snapshot('clean-compare');

  // Removing the entry returns it to normal scanning.
  await page.getByRole('link', { name: '← Clean' }).click();
  await allowlist.getByRole('button', { name: /^Remove .* from the allowlist$/ }).press('Enter');
  await allowlist.getByText('Nothing is allowlisted.').waitFor();
  expect(app.browserErrors).toEqual([]);
}

describe('scheduling scans', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('schedule a scan with its options: listed with its next runs, run now into the history, disabled, deleted', async ({ app }) => {
    const { page } = app;
    const identityId = await signInWithIdentity(app);
    await page.getByRole('menuitem', { name: 'Clean' }).click();
    await waitForPath(page, '/clean');
    await page.getByLabel('Scan type', { exact: true }).selectOption('stale-items');
    await field(page, 'Days').fill('30');
    await app.snapshot('clean-home');
    await page.getByText('Schedule this scan', { exact: true }).press('Enter');
    await field(page, 'Schedule name').fill('Weekly stale items');
    await page.getByLabel('Weekday', { exact: true }).selectOption('3');
    await field(page, 'Time').fill('25:00');
    await page.getByRole('button', { name: 'Create schedule' }).press('Enter');
    await page.getByText('A time of day as HH:MM, 24-hour, e.g. 02:30.').waitFor();
    await field(page, 'Time').fill('03:15');
    // The message goes once the time is corrected.
    await expect.poll(() => page.getByText('A time of day as HH:MM, 24-hour, e.g. 02:30.').count()).toBe(0);
    await field(page, 'Time zone').fill('UTC');
    await expect.poll(() => page.getByTestId('schedule-next-runs').innerText()).toMatch(/^Next runs: /);
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('clean-home-schedule');
    await page.getByRole('button', { name: 'Create schedule' }).press('Enter');
    await page.getByText(/"Weekly stale items" is scheduled; its first run is /).waitFor();

    // Stored with the scan type and the options from the form.
    const stored = await page.request.get(`${app.server.url}/api/identities/${identityId}/schedules`);
    const { schedules } = (await stored.json()) as { schedules: { id: string; enabled: boolean; timing: unknown; timeZone: string; action: { kind: string; type: string; options: { days: number } } }[] };
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ enabled: true, timing: { preset: 'weekly', time: '03:15', weekday: 3 }, timeZone: 'UTC', action: { kind: 'scan', type: 'stale-items', options: { days: 30 } } });

    const list = page.getByRole('region', { name: 'Scheduled scans' });
    const row = list.locator(`tr[data-schedule-id="${schedules[0]!.id}"]`);
    await row.getByText('Every Wednesday at 03:15 (UTC)').waitFor();
    await row.getByText('Days: 30').waitFor();

    // Run now: the scan runs like any other and lands in the history.
    await row.getByRole('button', { name: 'Run Weekly stale items now' }).press('Enter');
    await scanRun(page).locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
    const history = page.getByRole('region', { name: 'Scan history' });
    await history.locator('tbody tr[data-scan-type="stale-items"]').first().getByText('Days: 30').waitFor();

    // Disable, then delete.
    await row.getByRole('checkbox', { name: 'Enable the schedule Weekly stale items' }).press('Space');
    await row.getByText('Disabled', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Delete the schedule Weekly stale items' }).press('Enter');
    await list.getByText('No scan is scheduled.').waitFor();
    expect(app.browserErrors).toEqual([]);
  });

  test('storage scan: the summary says where the item sizes came from (search gives none)', async ({ app }) => {
    const { page } = app;
    await signInWithIdentity(app);
    await page.getByRole('menuitem', { name: 'Clean' }).click();
    await waitForPath(page, '/clean');
    await page.getByLabel('Scan type', { exact: true }).selectOption('storage');
    await page.getByRole('button', { name: 'Run scan now' }).press('Enter');
    await scanRun(page).locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
    await scanRun(page).getByRole('link', { name: /^Show the \d+ findings?$/ }).press('Enter');
    await page.waitForURL((url) => url.pathname.startsWith('/clean/scans/'));
    const sizes = page.getByTestId('scan-sizes-from');
    await sizes.waitFor();
    expect(await sizes.textContent()).toMatch(/^[\d,]+ from the owners' content listings, 0 from the items themselves$/);
    expect(await page.getByText('Some item sizes are not known').count()).toBe(0);
    expect(app.browserErrors).toEqual([]);
  });
});
