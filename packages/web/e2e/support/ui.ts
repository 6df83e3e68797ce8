// Small helpers for driving OrgKeeper's UI the way a user does: by visible labels, roles and the keyboard.
import type { Page } from 'playwright-core';

export interface Account {
  username: string;
  password: string;
}

export const ADMIN: Account = { username: 'gis-admin', password: 'correct horse battery staple' };

/** Waits for the app to show a path (client-side navigation included). */
export async function waitForPath(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname);
}

export function field(page: Page, label: string) {
  return page.getByLabel(label, { exact: true });
}

export async function signInWithForm(page: Page, account: Account): Promise<void> {
  await field(page, 'Username').fill(account.username);
  await field(page, 'Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * The element that has keyboard focus, looking inside shadow roots (Calcite's inputs are native inputs in shadow DOM),
 * described by its accessible label or text.
 */
export function focusedControl(page: Page): Promise<{ tag: string; label: string; host: string | null }> {
  return page.evaluate(() => {
    let element: Element | null = document.activeElement;
    let host: Element | null = null;
    while (element?.shadowRoot?.activeElement) {
      host = element;
      element = element.shadowRoot.activeElement;
    }
    // A native control's own label, else the text the Calcite component around it shows (e.g. a button's slot).
    const label =
      element?.getAttribute('aria-label') ||
      (element instanceof HTMLElement ? element.innerText.trim() : '') ||
      host?.textContent?.trim() ||
      '';
    return { tag: element?.localName ?? '', label, host: host?.localName ?? null };
  });
}

/** Every interactive node in Chromium's accessibility tree that has no accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{ ignored: boolean; role?: { value?: string }; name?: { value?: string } }>;
    };
    const controls = new Set([
      'textbox',
      'searchbox',
      'combobox',
      'listbox',
      'checkbox',
      'radio',
      'switch',
      'slider',
      'spinbutton',
      'button',
      'link',
      'menuitem',
      'tab'
    ]);
    return nodes
      .filter((node) => !node.ignored && controls.has(String(node.role?.value)))
      .filter((node) => String(node.name?.value ?? '').trim() === '')
      .map((node) => String(node.role?.value));
  } finally {
    await cdp.detach();
  }
}

/** The names of the form controls Chromium's accessibility tree exposes (role and accessible name). */
export async function formControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{ ignored: boolean; role?: { value?: string }; name?: { value?: string } }>;
    };
    return nodes
      .filter((node) => !node.ignored && ['textbox', 'searchbox', 'combobox', 'checkbox'].includes(String(node.role?.value)))
      .map((node) => `${String(node.role?.value)} "${String(node.name?.value ?? '')}"`);
  } finally {
    await cdp.detach();
  }
}
