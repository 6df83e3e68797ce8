// Schedules and email notifications in the browser, against a real OrgKeeper server, the emulated demo organization
// and a real SMTP server on loopback: a schedule is created, fires on its own and its backup can be followed; the email
// settings are saved (the password never shown again) and a test email arrives.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { EmulatorHandle } from './support/arcgis';
import { addDemoIdentity, signIn, type TempFolders, useDemoOrg } from './support/demo-org';
import { describe, expect, test, type E2EApp } from './support/fixtures';
import { ADMIN, field, unnamedControls, waitForPath } from './support/ui';

let emu: EmulatorHandle;
let folders: TempFolders;
useDemoOrg((org) => ({ emu, folders } = org));


/** Adds the demo organization as a connected identity that stores its credentials (through the REST API). */
async function addIdentity(app: E2EApp): Promise<string> {
  return (await addDemoIdentity(app, emu, { fileLocation: folders.sub(`org-${Date.now()}`), storeCredentials: true })).identityId;
}

describe('schedules', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('a schedule created on the page fires by itself, and its backup can be followed', { timeout: 180_000 }, async ({ app }) => {
    const { page } = app;
    await signIn(app);
    const identityId = await addIdentity(app);
    await page.getByRole('menuitem', { name: 'Schedules' }).click();
    await waitForPath(page, '/schedules');
    await page.getByText('No schedule for "Demo City GIS" yet').waitFor();

    await page.getByRole('button', { name: 'New schedule' }).click();
    await field(page, 'Schedule name').fill('Every minute');
    // The next runs follow the timing as it is edited.
    await page.getByRole('radio', { name: 'Weekly' }).check();
    await page.getByText(/^Next runs: /).waitFor();
    await page.getByRole('radio', { name: 'Custom (cron)' }).check();
    await field(page, 'Cron expression').fill('* * * * *');
    await page.getByRole('spinbutton', { name: 'Last' }).fill('2');
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create schedule' }).click();

    const row = page.locator('.schedules-table tbody tr').first();
    await row.getByText('Every minute', { exact: true }).waitFor();
    await row.getByText('Cron * * * * *').waitFor();
    await row.getByText(/Keeps last 2, 14 daily, 8 weekly, 12 monthly/).waitFor();
    const [schedule] = ((await (await page.request.get(`${app.server.url}/api/identities/${identityId}/schedules`)).json()) as { schedules: { nextRunAt: string }[] })
      .schedules;
    expect(Date.parse(schedule!.nextRunAt) - Date.now()).toBeLessThanOrEqual(61_000);

    // It fires at the next minute; the page shows its last run with a link to the log.
    await row.getByRole('link', { name: 'Open the log of the last run of Every minute' }).waitFor({ timeout: 120_000 });
    await row.getByRole('link', { name: 'Open the log of the last run of Every minute' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/logs/'));
    await page.locator('.operation-summary [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await page.locator('.operation-summary').getByText('scheduler', { exact: false }).first().waitFor();

    // Paused, it has no next run.
    await page.getByRole('menuitem', { name: 'Schedules' }).click();
    await row.getByRole('checkbox', { name: 'Active: Every minute' }).uncheck();
    await row.getByText('Paused', { exact: true }).waitFor();

    // A schedule of what a search finds takes along what those items need, unless told not to.
    await page.getByRole('button', { name: 'New schedule' }).click();
    await field(page, 'Schedule name').fill('Forms only');
    await page.getByRole('radio', { name: 'What a search finds at each run' }).check();
    await field(page, 'Search query').fill('type:Form');
    const takeAlong = page.getByRole('checkbox', { name: /Also back up what the chosen items need to be restored/ });
    expect(await takeAlong.isChecked()).toBe(true);
    await takeAlong.uncheck();
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.locator('.schedules-table tbody tr').getByText('Back up what "type:Form" finds, without what they need').waitFor();
    const saved = ((await (await page.request.get(`${app.server.url}/api/identities/${identityId}/schedules`)).json()) as { schedules: { name: string; action: Record<string, unknown> }[] }).schedules;
    expect(saved.find((s) => s.name === 'Forms only')?.action).toMatchObject({ target: 'query', query: 'type:Form', withDependencies: false });
    expect(app.browserErrors).toEqual([]);
  });
});

interface Mail {
  to: string[];
  user: string | undefined;
  raw: string;
}

async function startSmtp(auth: { user: string; pass: string }) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(credentials, _session, callback) {
      if (credentials.username === auth.user && credentials.password === auth.pass) callback(null, { user: credentials.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { mails, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('email notifications', () => {
  test.override({ serverOptions: { accounts: [ADMIN] } });

  test('settings are saved with the password kept secret, and a test email arrives', async ({ app }) => {
    const { page } = app;
    const smtp = await startSmtp({ user: 'mailer', pass: 'smtp secret 42' });
    try {
      await signIn(app);
      await page.getByRole('menuitem', { name: 'Logs' }).click();
      await page.getByRole('link', { name: 'email notifications' }).click();
      await waitForPath(page, '/notifications');
      await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
      expect(await page.getByRole('button', { name: 'Send a test email' }).isDisabled()).toBe(true);

      await field(page, 'SMTP server').fill('127.0.0.1');
      await page.getByLabel('Encryption', { exact: true }).selectOption('none');
      // Choosing the encryption moves a default port to its usual one (25 here); type ours once that has happened.
      await expect.poll(() => field(page, 'Port').inputValue()).toBe('25');
      await field(page, 'Port').fill(String(smtp.port));
      await expect.poll(() => field(page, 'Port').inputValue()).toBe(String(smtp.port));
      await field(page, 'SMTP user').fill('mailer');
      await field(page, 'SMTP password').fill('smtp secret 42');
      await field(page, 'From').fill('orgkeeper@example.com');
      await page.getByLabel('Recipients', { exact: true }).fill('gis-admins@example.com, oncall@example.com');
      await page.getByRole('checkbox', { name: 'succeeds' }).check();
      expect(await unnamedControls(page)).toEqual([]);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved', { exact: true }).waitFor();

      // After a reload the password is not in the page, only the fact that one is stored.
      await page.reload();
      await page.getByText('A password is stored (encrypted). Leave empty to keep it.').waitFor();
      expect(await field(page, 'SMTP password').inputValue()).toBe('');
      expect(await page.content()).not.toContain('smtp secret 42');
      expect(await page.getByRole('checkbox', { name: 'succeeds' }).isChecked()).toBe(true);

      await page.getByRole('button', { name: 'Send a test email' }).click();
      await page.getByText('Test email sent').waitFor();
      await page.getByText(/Accepted for gis-admins@example.com, oncall@example.com/).waitFor();
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]!.to.sort()).toEqual(['gis-admins@example.com', 'oncall@example.com']);
      expect(smtp.mails[0]!.user).toBe('mailer');
      expect(app.browserErrors).toEqual([]);
    } finally {
      await smtp.close();
    }
  });
});
