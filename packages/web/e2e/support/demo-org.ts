// The setup the e2e tests of backup, clean, restore and schedules share: one emulated demo organization (and a
// temporary folder for File Locations) per test file, signing in as the administrator, and adding the organization as
// a connected identity through the REST API.
import { afterAll, beforeAll, expect } from 'vitest';
import { startArcGIS, tempFolder, type EmulatorHandle } from './arcgis';
import type { E2EApp } from './fixtures';
import { ADMIN, type Account, signInWithForm, waitForPath } from './ui';

export type TempFolders = Awaited<ReturnType<typeof tempFolder>>;

export interface DemoOrg {
  emu: EmulatorHandle;
  folders: TempFolders;
}

/**
 * Starts the online demo organization before the file's tests and stops it (deleting the folder) after them;
 * `onStart` receives it, e.g. `useDemoOrg((org) => ({ emu, folders } = org));`.
 */
export function useDemoOrg(onStart: (org: DemoOrg) => void): void {
  let org: Partial<DemoOrg> = {};
  beforeAll(async () => {
    org.emu = await startArcGIS({ kind: 'online' });
    org.folders = await tempFolder();
    onStart(org as DemoOrg);
  });
  afterAll(async () => {
    await org.emu?.close();
    await org.folders?.remove();
    org = {};
  });
}

/** Signs in with the form (default: the administrator) and waits for the Identities page. */
export async function signIn(app: E2EApp, account: Account = ADMIN): Promise<void> {
  await app.open('/sign-in');
  await signInWithForm(app.page, account);
  await waitForPath(app.page, '/identities');
}

export interface DemoIdentityOptions {
  /** Default 'Demo City GIS'. */
  name?: string;
  fileLocation: string;
  /** Sent as `storeCredentials` when given (the credentials are always sent). */
  storeCredentials?: boolean;
}

/**
 * Adds the demo organization as a connected identity through the REST API, as the signed-in account, then reloads the
 * page (it read the identities before this one was added, as if by another administrator) and waits for its card to
 * show it connected. Returns its id and the session's CSRF token.
 */
export async function addDemoIdentity(app: E2EApp, emu: EmulatorHandle, options: DemoIdentityOptions): Promise<{ identityId: string; csrfToken: string }> {
  const { page } = app;
  const name = options.name ?? 'Demo City GIS';
  const session = await page.request.get(`${app.server.url}/api/auth/session`);
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  const created = await page.request.post(`${app.server.url}/api/identities`, {
    headers: { 'x-csrf-token': csrfToken },
    data: {
      type: 'online',
      name,
      url: emu.portalUrl,
      appId: emu.appId,
      fileLocation: options.fileLocation,
      ...(options.storeCredentials !== undefined ? { storeCredentials: options.storeCredentials } : {}),
      username: emu.admin.username,
      password: emu.admin.password
    }
  });
  expect(created.status(), await created.text()).toBe(201);
  await page.reload();
  await page.getByRole('article', { name, exact: true }).getByText(/^Connected/).first().waitFor();
  return { identityId: ((await created.json()) as { id: string }).id, csrfToken };
}

/**
 * What an administrator does in ArcGIS: deletes an item (`content/users/<owner>/items/<id>/delete`). ArcGIS Online
 * moves it to the recycle bin where that is on, unless `permanent`.
 */
export async function deleteInArcGIS(emu: EmulatorHandle, itemId: string, owner: string, options: { permanent?: boolean } = {}): Promise<void> {
  const post = async (url: string, params: Record<string, string>) => {
    const response = await fetch(url, { method: 'POST', body: new URLSearchParams({ f: 'json', ...params }) });
    const body = (await response.json()) as Record<string, unknown>;
    if (body.error) throw new Error(`${url}: ${JSON.stringify(body.error)}`);
    return body;
  };
  const { token } = (await post(`${emu.restUrl}/generateToken`, {
    username: emu.admin.username,
    password: emu.admin.password,
    client: 'referer',
    referer: emu.portalUrl,
    expiration: '10'
  })) as { token: string };
  await post(`${emu.restUrl}/content/users/${owner}/items/${itemId}/delete`, { token, ...(options.permanent ? { permanentDelete: 'true' } : {}) });
}
