// First run, sign-in, sign-out and keyboard access, in headless Chromium against a real OrgKeeper server.
import { describe, expect, test } from './support/fixtures';
import { ADMIN, field, focusedControl, formControls, signInWithForm, unnamedControls, waitForPath } from './support/ui';

describe('first run', () => {
  test('creates the administrator, then lands in the app signed in', async ({ app }) => {
    const { page } = app;
    await app.open('/');
    await waitForPath(page, '/setup');
    await expect.poll(() => page.title()).toBe('Set up OrgKeeper · OrgKeeper');
    await page.getByRole('heading', { name: 'Set up OrgKeeper' }).waitFor();
    await app.snapshot('setup');

    // Mistakes are explained next to the field they concern, before anything is sent.
    await field(page, 'Username').fill(ADMIN.username);
    await field(page, 'Password').fill('short');
    await field(page, 'Confirm password').fill('different');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('The password is too short: use at least 12 characters (it has 5).').waitFor();
    await page.getByText('The passwords do not match. Type the same password in both fields.').waitFor();
    await app.snapshot('setup-client-errors');

    // What only the server checks comes back inline too.
    await field(page, 'Username').fill('a b');
    await field(page, 'Password').fill(ADMIN.password);
    await field(page, 'Confirm password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('Use 3 to 64 characters: letters, digits, and . _ - @, starting with a letter or digit.').first().waitFor();
    await page.getByText('Check the highlighted fields').waitFor();
    expect(page.url()).toMatch(/\/setup$/);
    await app.snapshot('setup-server-errors');

    await field(page, 'Username').fill(ADMIN.username);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();
    await page.getByRole('button', { name: 'Add ArcGIS Online identity' }).waitFor();
    await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).waitFor();
    await app.snapshot('welcome');

    // Setup is done for good: its page now leads into the app.
    await app.open('/setup');
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();

    // Calcite's icons and translations came from OrgKeeper itself: no request left the server's origin.
    const origin = new URL(app.server.url).origin;
    const foreign = app.requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(foreign).toEqual([]);
    expect(app.requests.some((url) => url.startsWith(`${origin}/calcite/assets/icon/`))).toBe(true);
    expect(app.browserErrors).toEqual([]);
  });
});

describe('with an administrator account', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('a wrong password is refused with a clear error; the right one signs in and survives a reload', async ({ app }) => {
    const { page } = app;
    await app.open('/');
    await waitForPath(page, '/sign-in');
    await page.getByRole('heading', { name: 'Sign in to OrgKeeper' }).waitFor();
    await app.snapshot('sign-in');

    await signInWithForm(page, { username: ADMIN.username, password: 'not the password at all' });
    const alert = page.getByRole('alert');
    await alert.getByText('Sign-in failed').waitFor();
    await alert.getByText('The username or password is incorrect.').waitFor();
    // The username stays, the password is cleared for the next try and has the focus.
    expect(await field(page, 'Username').inputValue()).toBe(ADMIN.username);
    expect(await field(page, 'Password').inputValue()).toBe('');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Password');
    expect(page.url()).toMatch(/\/sign-in$/);
    await app.snapshot('sign-in-wrong-password');

    await field(page, 'Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();

    // The session cookie keeps the user signed in across a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/identities');
    expect(app.browserErrors).toEqual([]);
  });

  test('after sign-in the user returns to the page they asked for', async ({ app }) => {
    const { page } = app;
    await app.open('/some/page?tab=2');
    await waitForPath(page, '/sign-in');
    await signInWithForm(page, ADMIN);
    await page.waitForURL((url) => url.pathname === '/some/page' && url.search === '?tab=2');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  test('signing out ends the session on the server and returns to sign-in', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await signInWithForm(page, ADMIN);
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();

    await page.getByRole('button', { name: new RegExp(`Signed in as ${ADMIN.username}`) }).click();
    await app.snapshot('user-menu');
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await waitForPath(page, '/sign-in');
    await page.getByText('You have signed out').waitFor();
    await app.snapshot('signed-out');

    // Not just forgotten by the page: the server no longer accepts the session.
    const status = await page.evaluate(async () => (await fetch('/api/auth/session')).status);
    expect(status).toBe(401);
    await app.open('/');
    await waitForPath(page, '/sign-in');
    expect(app.browserErrors).toEqual([]);
  });

  test('a session that ends on the server sends the user to sign-in with an explanation', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await signInWithForm(page, ADMIN);
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();

    // End the session behind the page's back (as an expiry or a sign-out in another tab would).
    await page.evaluate(async () => {
      const session = (await (await fetch('/api/auth/session')).json()) as { csrfToken: string };
      await fetch('/api/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': session.csrfToken } });
    });
    // The app notices when it next talks to the server, e.g. when the window regains focus.
    await page.evaluate(() => window.dispatchEvent(new Event('visibilitychange')));
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await waitForPath(page, '/sign-in');
    await page.getByText('Your session has ended').waitFor();
  });
});

describe('throttling', () => {
  test.override({
    serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }], throttle: { maxFailuresPerUsername: 2 } }
  });

  test('the sign-in page shows the wait time the server asks for', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    for (let attempt = 0; attempt < 2; attempt++) {
      await signInWithForm(page, { username: ADMIN.username, password: `wrong password ${attempt}` });
      await page.getByRole('alert').getByText('Sign-in failed').waitFor();
    }
    await signInWithForm(page, { username: ADMIN.username, password: ADMIN.password });
    const alert = page.getByRole('alert');
    await alert.getByText('Too many sign-in attempts').waitFor();
    await alert.getByText(/Try again in \d+ min( \d+ s)?\./).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await app.snapshot('sign-in-throttled');
  });
});

describe('keyboard and screen reader access', () => {
  test.override({ serverOptions: { accounts: [{ ...ADMIN, role: 'admin' }] } });

  test('signing in and out works with the keyboard alone', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to OrgKeeper' }).waitFor();

    // The first field has the focus; Tab moves through the form in reading order; Enter submits.
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Username');
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Password');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Sign in');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Password');
    await page.keyboard.press('Enter');
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();

    // The first Tab in the app reveals the skip link.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Skip to main content');
    const box = await skip.boundingBox();
    expect(box !== null && box.y >= 0).toBe(true);
    await app.snapshot('skip-link');

    // Tab on to the account menu, open it and choose Sign out, all from the keyboard.
    for (let presses = 0; presses < 10; presses++) {
      await page.keyboard.press('Tab');
      const focused = await focusedControl(page);
      if (focused.host === 'calcite-navigation-user' || focused.label.startsWith(`Signed in as ${ADMIN.username}`)) break;
    }
    expect((await focusedControl(page)).label).toMatch(new RegExp(`Signed in as ${ADMIN.username}`));
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
    // Into the menu (Administration, API reference, Sign out), then to its last item.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await waitForPath(page, '/sign-in');
    await page.getByText('You have signed out').waitFor();
  });

  test('every input on the sign-in page has an accessible label', async ({ app }) => {
    const { page } = app;
    await app.open('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to OrgKeeper' }).waitFor();
    expect(await formControls(page)).toEqual(['textbox "Username"', 'textbox "Password"']);
    expect(await unnamedControls(page)).toEqual([]);
    expect(await field(page, 'Username').getAttribute('type')).toBe('text');
    expect(await field(page, 'Password').getAttribute('type')).toBe('password');
    // Each field also carries its one-line help right under it.
    await page.getByText('Your OrgKeeper username (not your ArcGIS account).').waitFor();
  });
});

describe('first-run form access', () => {
  test('every input has an accessible label and a one-line help', async ({ app }) => {
    const { page } = app;
    await app.open('/setup');
    await page.getByRole('heading', { name: 'Set up OrgKeeper' }).waitFor();
    expect(await formControls(page)).toEqual([
      'textbox "Username"',
      'textbox "Password"',
      'textbox "Confirm password"'
    ]);
    expect(await unnamedControls(page)).toEqual([]);
    for (const help of [
      'The name you will sign in with: 3 to 64 letters, digits or . _ - @, e.g. gis-admin.',
      'At least 12 characters; a phrase of several words is easy to remember.',
      'Type the password again to rule out typing mistakes.'
    ]) {
      await page.getByText(help, { exact: true }).waitFor();
    }

    // Keyboard only: focus starts in Username, Tab follows the form, Enter in the last field submits.
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Username');
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Password');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedControl(page)).label).toBe('Confirm password');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await waitForPath(page, '/identities');
    await page.getByRole('heading', { name: 'Manage Identities' }).waitFor();
  });
});
