// Backing up from the browser against a real OrgKeeper server and the emulated demo organization: choosing content on
// the map (mouse and keyboard), renaming and running the backup, following it to the end, its log and CSV; cancelling a
// backup that is still running; a chosen form's snapshot tree saying in words which items were taken along for it;
// and ArcGIS titles and descriptions full of markup shown as text, with nothing executed.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { formatBytes, formatCount } from '../src/components/units';
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test, type E2EApp } from './support/fixtures';
import { ADMIN, field, unnamedControls, waitForPath } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));

interface OrgItem {
  id: string;
  title: string;
  type: string;
  owner: string;
  size: number;
  ownerFolder: string | null;
}

/** The demo organization's items as the emulator holds them right now. */
function orgItems(): OrgItem[] {
  return [...emu.context.state.items.values()]
    .filter((item) => item.json.orgId === emu.orgId)
    .map((item) => ({
      id: item.json.id,
      title: item.json.title,
      type: item.json.type,
      owner: item.json.owner,
      size: Math.max(0, Number(item.json.size ?? 0)),
      ownerFolder: item.json.ownerFolder ?? null
    }));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let counter = 0;

/** Signs in as the administrator and adds the demo organization as a connected identity (through the REST API). */
async function signInWithIdentity(app: E2EApp, name = 'Demo City GIS'): Promise<string> {
  await signIn(app);
  return (await addDemoIdentity(app, emu, { name, fileLocation: folders.sub(`org-${++counter}`) })).identityId;
}

async function openBackupPage(app: E2EApp): Promise<void> {
  await app.page.getByRole('menuitem', { name: 'Back up' }).click();
  await waitForPath(app.page, '/backup');
  await app.page.getByRole('group', { name: /^Content map/ }).waitFor();
}

const selectedCount = (page: Page) => page.getByTestId('selected-count');
const selectedSize = (page: Page) => page.getByTestId('selected-size');
const progress = (page: Page) => page.getByRole('region', { name: 'Backup progress' });

async function apiGet<T>(app: E2EApp, path: string): Promise<T> {
  const response = await app.page.request.get(`${app.server.url}${path}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

describe('backing up from the map', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  // Longer than ~80 lines on purpose: one user's journey, each step starting from what the previous one left in the
  // browser, the server and the emulated organization (split up, every step would redo the ones before it).
  test('select on the map, rename, back up, follow it to the end, open its log and export it as CSV', async ({ app }) => {
    const { page } = app;
    const identityId = await signInWithIdentity(app);
    await openBackupPage(app);
    // A change in ArcGIS shows after "Read again" (which also bypasses the server's short cache).
    const biggest = orgItems().sort((a, b) => b.size - a.size)[0]!;
    emu.context.state.items.get(biggest.id)!.json.title = 'Orthophoto (renamed in ArcGIS)';
    await page.getByRole('button', { name: 'Read again' }).click();
    await page.locator('.treemap').getByText('Orthophoto (renamed in ArcGIS)', { exact: true }).waitFor();
    const items = orgItems();

    // Everything is selected at first, with the organization's total size.
    await expect.poll(() => selectedCount(page).innerText()).toBe(formatCount(items.length));
    expect(await selectedSize(page).innerText()).toBe(formatBytes(items.reduce((sum, i) => sum + i.size, 0)));
    // Every control on the page has a name a screen reader can say.
    expect(await unnamedControls(page)).toEqual([]);
    await app.snapshot('backup-map');

    await page.getByRole('button', { name: 'Clear selection' }).click();
    await expect.poll(() => selectedCount(page).innerText()).toBe('0');
    await expect.poll(() => page.getByRole('button', { name: 'Back up now' }).isDisabled()).toBe(true);

    // An owner's block selects everything the owner has.
    const byOwner = new Map<string, OrgItem[]>();
    for (const item of items) byOwner.set(item.owner, [...(byOwner.get(item.owner) ?? []), item]);
    const [owner, owned] = [...byOwner.entries()].filter(([, list]) => list.length >= 3).sort((a, b) => b[1].length - a[1].length)[0]!;
    const ownerBlock = page.getByRole('button', { name: new RegExp(`^Owner ${escapeRegExp(owner)}:`) });
    // On its header, as a user would: the rest of an owner's block is covered by its folders and items.
    await ownerBlock.click({ position: { x: 6, y: 6 } });
    await expect.poll(() => selectedCount(page).innerText()).toBe(formatCount(owned.length));
    expect(await ownerBlock.getAttribute('aria-pressed')).toBe('true');
    expect(await selectedSize(page).innerText()).toBe(formatBytes(owned.reduce((sum, i) => sum + i.size, 0)));

    // One item of it off again: the owner is now partly selected.
    const largest = [...owned].sort((a, b) => b.size - a.size)[0]!;
    const itemBlock = page.locator(`.treemap [data-item-id="${largest.id}"]`);
    await itemBlock.click();
    await expect.poll(() => selectedCount(page).innerText()).toBe(formatCount(owned.length - 1));
    expect(await itemBlock.getAttribute('aria-pressed')).toBe('false');
    expect(await ownerBlock.getAttribute('aria-pressed')).toBe('mixed');
    expect(await itemBlock.getAttribute('aria-label')).toContain(`Item ${largest.title} (${largest.type})`);

    // Keyboard: Space on a focused block toggles it; Tab goes on through the map.
    await itemBlock.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => selectedCount(page).innerText()).toBe(formatCount(owned.length));
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('tm-block'))).toBe(true);

    // Bulk: every web map on top, from the list by type.
    const webMaps = items.filter((i) => i.type === 'Web Map');
    expect(webMaps.length).toBeGreaterThan(0);
    await page.getByRole('region', { name: 'By type' }).getByRole('checkbox', { name: /^Web Map\b/ }).check();
    const chosen = new Set([...owned.map((i) => i.id), ...webMaps.map((i) => i.id)]);
    await expect.poll(() => selectedCount(page).innerText()).toBe(formatCount(chosen.size));

    // Only the chosen items: what they need (a survey's service, a view's source) is not taken along this time.
    const takeAlong = page.getByRole('checkbox', { name: /^Also back up what the chosen items need/ });
    expect(await takeAlong.isChecked()).toBe(true);
    await takeAlong.uncheck();

    // Rename and run.
    await field(page, 'Backup name').fill('Parks before the migration');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await progress(page).waitFor();
    await progress(page).locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
    await progress(page).getByText('Backup finished').waitFor();
    // Progress came live from the server's event stream.
    expect(app.requests.some((url) => /\/api\/operations\/[^/]+\/events$/.test(url))).toBe(true);
    await app.snapshot('backup-finished');

    // The snapshot holds exactly the chosen items, under the new name.
    const { snapshots } = await apiGet<{ snapshots: { id: string; name: string; items: number }[] }>(app, `/api/identities/${identityId}/snapshots`);
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({ name: 'Parks before the migration', items: chosen.size });

    // Its log: one row per item.
    await progress(page).getByRole('link', { name: 'Open its log' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/logs/'));
    await page.getByRole('heading', { name: 'Backup: Parks before the migration' }).waitFor();
    // The server (this test's process) ran it, and the summary says so.
    await page.locator('.operation-summary').getByText(`Ran on ${hostname()}, process ${process.pid}`).waitFor();
    const rows = page.locator('.item-log-table tbody tr');
    await expect.poll(() => rows.count()).toBe(Math.min(100, chosen.size));
    const logged = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-item-id')));
    for (const id of logged) expect(chosen.has(id!)).toBe(true);
    await page.getByText(largest.title, { exact: true }).first().waitFor();
    await app.snapshot('backup-log');

    // CSV export with readable dates.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^orgkeeper-backup-\d{4}-\d{2}-\d{2}-[0-9a-z]{8}\.csv$/);
    const csv = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^Operation,[^,]+,Kind,backup,Status,succeeded$/);
    expect(lines[1]).toMatch(/^Started,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC,Finished,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC,By,gis-admin$/);
    expect(lines[3]).toBe('Item ID,Title,Type,Owner,Modified,Status,Parts,Carried over,Bytes read,New bytes stored,Duration (s),Error');
    const itemLines = lines.slice(4);
    expect(itemLines).toHaveLength(chosen.size);
    for (const line of itemLines) {
      expect(chosen.has(line.split(',')[0]!)).toBe(true);
      expect(line).toMatch(/,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC,ok,/);
    }

    // The Logs page lists it; the snapshot can be browsed from the Backups page.
    await page.getByRole('menuitem', { name: 'Logs' }).click();
    await waitForPath(page, '/logs');
    const row = page.locator('.operations-table tbody tr').first();
    await row.getByText('Parks before the migration').waitFor();
    await row.getByText('Succeeded').waitFor();
    await row.getByText(`Ran on ${hostname()}, process ${process.pid}`).waitFor();
    // The Workers section lists this server, answering, with nothing running now.
    const workers = page.getByRole('region', { name: 'Workers' });
    const self = workers.locator('.workers-table tbody tr', { hasText: 'This server' });
    await self.getByText(`${hostname()}, process ${process.pid}`).waitFor();
    await self.getByText('Server and worker').waitFor();
    await self.getByText('Running').waitFor();
    await self.getByText('Idle (up to 3 at once)').waitFor();
    await workers.scrollIntoViewIfNeeded();
    await app.snapshot('logs-workers');
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('menuitem', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Open snapshot Parks before the migration' }).click();
    await page.locator(`.snapshot-tree [data-item-id="${largest.id}"]`).waitFor({ state: 'attached' });
    expect(await unnamedControls(page)).toEqual([]);

    // A hosted feature layer's detail: its layers with feature counts, and downloads that work.
    const layerItem = items.find((i) => chosen.has(i.id) && i.type === 'Feature Service');
    expect(layerItem, 'a feature layer among the chosen items').toBeDefined();
    await page.locator(`.snapshot-tree [data-item-id="${layerItem!.id}"]`).click();
    const detail = page.locator('.item-detail');
    await detail.getByRole('heading', { name: layerItem!.title, exact: true }).waitFor();
    const layerRows = detail.locator('.layers-table tbody tr');
    await expect.poll(() => layerRows.count()).toBeGreaterThan(0);
    const firstLayer = await layerRows.first().getAttribute('data-layer');
    const features = Number((await layerRows.first().locator('td.num').first().innerText()).replace(/,/g, ''));
    expect(features).toBeGreaterThan(0);
    const geojsonHref = await detail.locator(`tr[data-layer="${firstLayer}"] a`).getAttribute('href');
    const geojson = await page.request.get(`${app.server.url}${geojsonHref}`);
    expect(geojson.status()).toBe(200);
    const collection = (await geojson.json()) as { type: string; features: unknown[] };
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features).toHaveLength(features);
    const zipHref = await detail.getByRole('link', { name: 'Download the item as ZIP' }).getAttribute('href');
    const zip = await page.request.get(`${app.server.url}${zipHref}`);
    expect(zip.status()).toBe(200);
    expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');

    // A second, smaller backup, then what changed between the two.
    const session = await page.request.get(`${app.server.url}/api/auth/session`);
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const second = await page.request.post(`${app.server.url}/api/identities/${identityId}/backups`, {
      headers: { 'x-csrf-token': csrfToken },
      data: { name: 'Only the largest', items: [largest.id], withDependencies: false }
    });
    expect(second.status(), await second.text()).toBe(202);
    const secondId = ((await second.json()) as { operationId: string }).operationId;
    await expect.poll(async () => (await apiGet<{ status: string }>(app, `/api/operations/${secondId}`)).status, { timeout: 60_000 }).toBe('succeeded');
    await page.reload();
    await page.getByRole('button', { name: 'Compare the last two' }).click();
    await page
      .getByTestId('diff-summary')
      .getByText(new RegExp(`^Items: 0 added, ${chosen.size - 1} removed, 0 changed, 1 unchanged\\.`))
      .waitFor();
    expect(app.browserErrors).toEqual([]);
  });

  test('cancel a backup that is still running', async ({ app }) => {
    const { page } = app;
    const identityId = await signInWithIdentity(app);
    await openBackupPage(app);
    // Slow ArcGIS down so the backup is still running when Cancel is pressed.
    emu.faults.update({ latencyMs: 250 });
    try {
      await field(page, 'Backup name').fill('Everything, slowly');
      // Keyboard only: from the name field, Tab reaches "Back up now" and Enter presses it.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await progress(page).locator('[data-status="running"]').first().waitFor();
      await progress(page).getByRole('status').getByText(/Backing up items|Listing the content|Starting/).waitFor();
      await progress(page).getByRole('button', { name: 'Cancel backup' }).click();
      await progress(page).locator('[data-status="cancelled"]').first().waitFor({ timeout: 30_000 });
      await progress(page).getByText('Backup cancelled').waitFor();
      await progress(page).getByText(/Cancelled by gis-admin/).waitFor();
    } finally {
      emu.faults.update({ latencyMs: 0 });
    }
    const { operations } = await apiGet<{ operations: { status: string; params: { name?: string } }[] }>(app, `/api/operations?identityId=${identityId}`);
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ status: 'cancelled', params: { name: 'Everything, slowly' } });

    await page.getByRole('menuitem', { name: 'Logs' }).click();
    const row = page.locator('.operations-table tbody tr').first();
    await row.getByText('Cancelled').waitFor();
    // The status filter finds it, and only it.
    await page.getByLabel('Status', { exact: true }).selectOption('succeeded');
    await page.getByText('No operation matches these filters').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
    await row.getByText('Everything, slowly').waitFor();
    expect(app.browserErrors).toEqual([]);
  });
});

describe('a backup that failed', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('is resumed from its log once ArcGIS answers again', async ({ app }) => {
    const { page } = app;
    const identityId = await signInWithIdentity(app);
    await openBackupPage(app);
    // ArcGIS search fails on every try: the backup cannot list the content and fails after its retries.
    emu.faults.update({ errorRate: 1, pathFilter: ['/sharing/rest/search'] });
    try {
      await field(page, 'Backup name').fill('Second try');
      await page.getByRole('button', { name: 'Back up now' }).click();
      await progress(page).locator('[data-status="failed"]').first().waitFor({ timeout: 60_000 });
      await progress(page).getByText('Backup failed').waitFor();
    } finally {
      emu.faults.reset();
    }
    await progress(page).getByRole('link', { name: 'Open its log' }).click();
    await page.getByRole('heading', { name: 'Backup: Second try' }).waitFor();
    await page.getByRole('button', { name: 'Resume where it stopped' }).click();
    await page.locator('.operation-summary [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const { snapshots } = await apiGet<{ snapshots: { name: string; items: number }[] }>(app, `/api/identities/${identityId}/snapshots`);
    expect(snapshots).toEqual([expect.objectContaining({ name: 'Second try', items: orgItems().length })]);
    await expect.poll(() => page.locator('.item-log-table tbody tr').count()).toBe(Math.min(100, orgItems().length));
    expect(app.browserErrors).toEqual([]);
  });
});

describe('browsing a backup of chosen items', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('the snapshot tree says in words which items were taken along and for which item; the chosen form is not marked', async ({ app }) => {
    const { page } = app;
    const identityId = await signInWithIdentity(app);
    const form = orgItems().find((i) => i.type === 'Form')!;
    const session = await page.request.get(`${app.server.url}/api/auth/session`);
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const started = await page.request.post(`${app.server.url}/api/identities/${identityId}/backups`, {
      headers: { 'x-csrf-token': csrfToken },
      data: { name: 'The form and what it needs', items: [form.id] }
    });
    expect(started.status(), await started.text()).toBe(202);
    const operationId = ((await started.json()) as { operationId: string }).operationId;
    await expect.poll(async () => (await apiGet<{ status: string }>(app, `/api/operations/${operationId}`)).status, { timeout: 60_000 }).toBe('succeeded');
    const { snapshotId } = await apiGet<{ snapshotId: string }>(app, `/api/operations/${operationId}`);
    const { items } = await apiGet<{ items: { id: string; takenAlong: { itemId: string; need: string } | null }[] }>(
      app,
      `/api/identities/${identityId}/snapshots/${snapshotId}/items?num=100`
    );
    const taken = items.filter((i) => i.takenAlong !== null);
    expect(taken.length).toBeGreaterThanOrEqual(3);

    await page.getByRole('menuitem', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Open snapshot The form and what it needs' }).click();
    await page.locator(`.snapshot-tree [data-item-id="${form.id}"]`).waitFor();
    for (const item of taken) {
      const needer = orgItems().find((i) => i.id === item.takenAlong!.itemId)!;
      const note = page.locator(`.snapshot-tree [data-taken-along="${item.id}"]`);
      await expect.poll(() => note.innerText()).toMatch(new RegExp(`^\\s*taken along: ${escapeRegExp(`${item.takenAlong!.need} ${needer.title}`)}( and \\d+ more)?$`));
    }
    // The note is words on the item's own line, not a colour: the chosen form has none.
    expect(await page.locator(`.snapshot-tree [data-taken-along="${form.id}"]`).count()).toBe(0);
    await page.locator('.snapshot-tree').getByText(new RegExp(`^taken along: (service|data) of survey ${escapeRegExp(form.title)}`)).first().waitFor();
    await app.snapshot('snapshot-taken-along');
    expect(await unnamedControls(page)).toEqual([]);
    expect(app.browserErrors).toEqual([]);
  });
});

describe('untrusted text from ArcGIS', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('titles and descriptions with script and event-handler markup are backed up and shown as text; nothing runs', async ({ app }) => {
    const { page } = app;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // The two largest items (drawn large on the map) get hostile titles, descriptions, snippets and tags.
    const targets = orgItems().sort((a, b) => b.size - a.size).slice(0, 2);
    const titles = [
      `<img src=x onerror="window.__xss=(window.__xss||0)+1;alert('title')">Parks`,
      `<script>window.__xss=(window.__xss||0)+1</script><svg onload="alert('svg')">Roads`
    ];
    const description =
      '<p>Safe <b>bold</b> text</p><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>' +
      '<a href="javascript:window.__xss=3">a javascript link</a><iframe src="javascript:window.__xss=4"></iframe>' +
      '<div onmouseover="window.__xss=5" style="position:fixed;inset:0">cover</div>';
    targets.forEach((target, i) => {
      const record = emu.context.state.items.get(target.id)!;
      record.json.title = titles[i]!;
      record.json.description = description;
      record.json.snippet = '<img src=x onerror="window.__xss=6">snippet';
      record.json.tags = ['<b onmouseover="window.__xss=7">tag</b>'];
      record.json.modified = Date.now();
    });

    await signInWithIdentity(app, 'Hostile <b>org</b>');
    await openBackupPage(app);
    await page.getByRole('button', { name: 'Clear selection' }).click();
    for (const target of targets) await page.locator(`.treemap [data-item-id="${target.id}"]`).click();
    await expect.poll(() => selectedCount(page).innerText()).toBe('2');
    // The titles are on the map as text.
    await page.locator('.treemap').getByText(titles[0]!, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await progress(page).locator('[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });

    // In the log, as text.
    await progress(page).getByRole('link', { name: 'Open its log' }).click();
    await page.locator('.item-log-table').getByText(titles[1]!, { exact: true }).waitFor();

    // In the snapshot's tree and the item's detail: title and snippet as text, the description sanitized.
    await page.getByRole('link', { name: /^Browse snapshot/ }).click();
    await page.locator(`.snapshot-tree [data-item-id="${targets[0]!.id}"]`).click();
    const detail = page.locator('.item-detail');
    await detail.getByRole('heading', { name: titles[0]!, exact: true }).waitFor();
    await detail.getByText('<img src=x onerror="window.__xss=6">snippet', { exact: true }).waitFor();
    await detail.getByText('<b onmouseover="window.__xss=7">tag</b>', { exact: true }).waitFor();
    const rendered = detail.locator('.item-description');
    await rendered.getByText('bold', { exact: true }).waitFor();
    expect(await rendered.locator('img, script, iframe, svg, [onmouseover], [onerror], [style]').count()).toBe(0);
    const hrefs = await rendered.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((href) => href !== null && /^\s*javascript:/i.test(href))).toEqual([]);
    // Hover and click everything that could carry a handler.
    await rendered.hover();
    await detail.getByText('<b onmouseover="window.__xss=7">tag</b>', { exact: true }).hover();
    await page.getByRole('menuitem', { name: 'Back up' }).click();
    await page.locator('.treemap').getByText(titles[1]!, { exact: true }).hover();

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // No element anywhere in the page (shadow roots included) carries an event handler or is a script from ArcGIS text.
    const live = await page.evaluate(() => {
      const found: string[] = [];
      const walk = (root: Document | ShadowRoot) => {
        root.querySelectorAll('*').forEach((element) => {
          if ([...element.attributes].some((a) => a.name.startsWith('on'))) found.push(element.outerHTML.slice(0, 120));
          if (element.localName === 'script' && element.textContent?.includes('__xss')) found.push(element.outerHTML.slice(0, 120));
          if (element.shadowRoot) walk(element.shadowRoot);
        });
      };
      walk(document);
      return found;
    });
    expect(live).toEqual([]);
    // Chromium reports (and blocks) inline handlers even while the sanitizer parses the description in its inert
    // document, where nothing runs; those reports are the Content-Security-Policy's second line of defence, not errors.
    const cspReports = /^Executing inline event handler violates the following Content Security Policy directive 'script-src 'self''.*The action has been blocked\.$/;
    expect(app.browserErrors.filter((message) => !cspReports.test(message))).toEqual([]);
  });
});
