// Driving the Manage Identities page as an administrator does: by section, visible labels and buttons.
import type { Locator, Page } from 'playwright-core';
import { ADMIN, type Account, signInWithForm, waitForPath } from './ui';

export type Section = 'ArcGIS Online' | 'ArcGIS Enterprise';

export interface IdentityValues {
  name?: string;
  url?: string;
  authentication?: 'IWA' | 'OAuth2';
  appId?: string;
  fileLocation?: string;
}

/** The open add/edit dialog. */
export function identityDialog(page: Page): Locator {
  return page.locator('calcite-dialog.identity-dialog[open]');
}

export function dialogField(page: Page, label: string): Locator {
  return identityDialog(page).getByLabel(label, { exact: true });
}

export async function openAddDialog(page: Page, section: Section): Promise<Locator> {
  await page.getByRole('button', { name: `Add ${section} identity` }).click();
  const dialog = identityDialog(page);
  await dialog.getByText(`Add ${section} identity`, { exact: true }).first().waitFor();
  // The dialog puts the focus in its first field once it has opened; typing starts after that.
  await page.waitForFunction(() => {
    let element: Element | null = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element?.getAttribute('aria-label') === 'Organization Name';
  });
  return dialog;
}

export async function fillIdentity(page: Page, values: IdentityValues): Promise<void> {
  if (values.name !== undefined) await dialogField(page, 'Organization Name').fill(values.name);
  if (values.authentication !== undefined) {
    await identityDialog(page).getByRole('radio', { name: values.authentication }).click();
  }
  if (values.url !== undefined) await dialogField(page, 'URL').fill(values.url);
  if (values.appId !== undefined) await dialogField(page, 'App ID').fill(values.appId);
  if (values.fileLocation !== undefined) await dialogField(page, 'File Location').fill(values.fileLocation);
}

/** Presses the dialog's submit button ("Add identity" or "Save changes"). */
export async function submitIdentity(page: Page, label: 'Add identity' | 'Save changes' = 'Add identity'): Promise<void> {
  await identityDialog(page).getByRole('button', { name: label, exact: true }).click();
}

/** The card of one identity, found by its name. */
export function identityCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

export function section(page: Page, title: Section): Locator {
  return page.getByRole('region', { name: title, exact: true });
}

/** The inline error under a field of the dialog (Calcite shows the validation message below the input). */
export function fieldError(page: Page, field: 'name' | 'url' | 'appId' | 'fileLocation' | 'authMethod'): Locator {
  return identityDialog(page).locator(`[data-field="${field}"] calcite-input-message, [data-field="${field}"] [slot="validation-message"]`);
}

/** Adds an identity through the dialog and waits for its card. */
export async function addIdentity(page: Page, section: Section, values: IdentityValues & { name: string }): Promise<Locator> {
  await openAddDialog(page, section);
  await fillIdentity(page, values);
  await submitIdentity(page);
  await page.getByText(`"${values.name}" was added`).waitFor();
  return identityCard(page, values.name);
}

/** Presses Connect and waits for the portal's own sign-in page (the emulator's `oauth2/authorize`). */
export async function connectToPortal(page: Page, card: Locator, restUrl: string): Promise<void> {
  await card.getByRole('button', { name: /^(Re)?[Cc]onnect$/ }).click();
  await page.waitForURL((url) => url.href.startsWith(`${restUrl}/oauth2/authorize`));
  await page.getByRole('heading', { name: /^Sign in to / }).waitFor();
}

/** Fills the portal's sign-in page and signs in. */
export async function signInOnPortal(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign In' }).click();
}

/** Signs in with the form (default: the administrator) and waits for Manage Identities. */
export async function signInToIdentities(app: { open(path?: string): Promise<void>; page: Page }, account: Account = ADMIN): Promise<void> {
  await app.open('/sign-in');
  await signInWithForm(app.page, account);
  await waitForPath(app.page, '/identities');
  await app.page.getByRole('heading', { name: 'Manage Identities', level: 1 }).waitFor();
}
