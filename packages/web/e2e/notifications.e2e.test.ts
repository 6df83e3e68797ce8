// The Notifications page's webhooks in the browser, against a real OrgKeeper server, the emulated demo organization
// and a real webhook receiver on loopback that checks OrgKeeper's signature: a signed JSON webhook is added for one
// identity (its signing secret shown once, then never again), a test message arrives and verifies, a failing receiver
// shows why, the last deliveries are listed, the webhook is changed and deleted. Email's choice of identities too.
import { startWebhookReceiver, type WebhookReceiver } from '../../server/test/support/webhook-receiver.js';
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test } from './support/fixtures';
import { ADMIN, field, unnamedControls } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));

describe('webhooks on the Notifications page', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('a signed webhook is added for one identity, tested, listed with its deliveries, changed and deleted', { timeout: 120_000 }, async ({ app }) => {
    const { page } = app;
    let secret: string | undefined;
    const receiver: WebhookReceiver = await startWebhookReceiver({ secret: () => secret });
    try {
      await signIn(app);
      await addDemoIdentity(app, emu, { fileLocation: folders.sub(`org-${Date.now()}`) });
      await app.open('/notifications');
      await page.getByRole('heading', { name: 'Webhooks', level: 2 }).waitFor();
      await page.getByText('No webhooks yet').waitFor();

      await page.getByRole('button', { name: 'Add webhook' }).click();
      const form = page.locator('.webhook-form');
      await field(page, 'Webhook name').fill('GIS team');
      await page.getByLabel('Kind', { exact: true }).selectOption('json');
      await form.getByText('Leave empty and OrgKeeper makes a strong one').waitFor();
      await field(page, 'Webhook URL').fill(`${receiver.origin}/orgkeeper/secret-path`);
      await form.getByRole('checkbox', { name: 'succeeds' }).check();
      await form.getByRole('radio', { name: 'only these identities' }).check();
      await form.getByRole('checkbox', { name: 'Demo City GIS' }).check();
      expect(await unnamedControls(page)).toEqual([]);
      await app.snapshot('notifications-webhook-form');
      await form.getByRole('button', { name: 'Add webhook' }).click();

      // The secret OrgKeeper made, once, to give to the receiver.
      await page.getByText('Signing secret of "GIS team": shown only now').waitFor();
      await app.snapshot('notifications-webhook-secret');
      secret = (await page.getByTestId('webhook-secret').textContent())!.trim();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const row = page.locator('.webhooks-table tbody tr[data-webhook]').first();
      await row.getByText('GIS team', { exact: true }).waitFor();
      await row.getByText('JSON (signed)').waitFor();
      await row.getByText(`${receiver.origin}/…`).waitFor();
      await row.getByText('Failures, problems, successes; 1 identity').waitFor();
      await row.getByText('None yet').waitFor();
      await page.getByRole('button', { name: 'Done' }).click();

      await row.getByRole('button', { name: 'Send a test to GIS team' }).click();
      await row.getByText('Test delivered (HTTP 200).').waitFor();
      const [request] = await receiver.waitFor(1);
      expect(request!.verified).toEqual({ ok: true });
      expect(request!.path).toBe('/orgkeeper/secret-path');
      expect(JSON.parse(request!.body)).toMatchObject({ event: 'test', sentBy: ADMIN.username });

      // A receiver that fails: the test says why, and is not retried.
      receiver.script([{ status: 503 }]);
      await row.getByRole('button', { name: 'Send a test to GIS team' }).click();
      await row.getByText(/Test not delivered: 127\.0\.0\.1:\d+ answered HTTP 503 \(a server error\)\./).waitFor();
      await row.getByRole('button', { name: 'Show the deliveries of GIS team' }).click();
      const deliveries = page.locator('.deliveries-table tbody tr');
      await expect.poll(() => deliveries.count()).toBe(2);
      await deliveries.nth(0).getByText('Failed').waitFor();
      await deliveries.nth(0).getByRole('cell', { name: '503', exact: true }).waitFor();
      await deliveries.nth(1).getByText('OrgKeeper test message (test)').waitFor();
      await deliveries.nth(1).getByText('Delivered').waitFor();
      await app.snapshot('notifications-webhook-deliveries');

      // After a reload neither the secret nor the URL's path is anywhere in the page.
      await page.reload();
      await page.getByRole('heading', { name: 'Webhooks', level: 2 }).waitFor();
      await row.getByText('Signed', { exact: true }).waitFor();
      const html = await page.content();
      expect(html).not.toContain(secret);
      expect(html).not.toContain('secret-path');

      // Changed: successes no longer sent; the URL and secret stay when left empty.
      await row.getByRole('button', { name: 'Edit GIS team' }).click();
      await form.getByText('A secret is stored (encrypted). Leave empty to keep it, or enter a new one.').waitFor();
      expect(await field(page, 'Webhook URL').inputValue()).toBe('');
      await form.getByRole('checkbox', { name: 'succeeds' }).uncheck();
      await form.getByRole('button', { name: 'Save webhook' }).click();
      await row.getByText('Failures, problems; 1 identity').waitFor();
      receiver.script([]);
      await row.getByRole('button', { name: 'Send a test to GIS team' }).click();
      await row.getByText('Test delivered (HTTP 200).').waitFor();
      expect(receiver.requests.at(-1)!.verified).toEqual({ ok: true });
      expect(receiver.requests.at(-1)!.path).toBe('/orgkeeper/secret-path');

      await row.getByRole('button', { name: 'Delete GIS team' }).click();
      await row.getByRole('button', { name: 'Confirm: delete GIS team' }).click();
      await page.getByText('No webhooks yet').waitFor();
      expect(app.browserErrors).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  test('email can be limited to chosen identities', async ({ app }) => {
    const { page } = app;
    await signIn(app);
    await addDemoIdentity(app, emu, { fileLocation: folders.sub(`org-${Date.now()}`) });
    await app.open('/notifications');
    const email = page.locator('section', { has: page.getByRole('heading', { name: 'Email', level: 2 }) });
    await field(page, 'SMTP server').fill('smtp.example.org');
    await field(page, 'From').fill('orgkeeper@example.org');
    await page.getByLabel('Recipients', { exact: true }).fill('gis@example.org');
    await email.getByRole('radio', { name: 'only these identities' }).check();
    await email.getByRole('button', { name: 'Save', exact: true }).click();
    await email.locator('.identity-scope').getByText('Choose at least one identity, or choose every identity.').waitFor();
    await email.getByRole('checkbox', { name: 'Demo City GIS' }).check();
    await email.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    await page.reload();
    await email.getByRole('radio', { name: 'only these identities' }).waitFor();
    expect(await email.getByRole('radio', { name: 'only these identities' }).isChecked()).toBe(true);
    expect(await email.getByRole('checkbox', { name: 'Demo City GIS' }).isChecked()).toBe(true);
    expect(app.browserErrors).toEqual([]);
  });
});
