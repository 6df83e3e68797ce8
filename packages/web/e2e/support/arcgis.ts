// The emulated ArcGIS organization for end-to-end tests, and what an administrator does on it by hand in real life:
// registering OrgKeeper's redirect URI on the App ID (through the portal's REST API, as its own UI would).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as EmulatorModule from '@orgkeeper/arcgis-emulator';
import type { EmulatorHandle, EmulatorOptions } from '@orgkeeper/arcgis-emulator';

export type { EmulatorHandle };

/**
 * The emulator's source, not its build, so the tests always run against the current emulator. Imported through a
 * computed specifier: TypeScript takes the types from the package (the source is compiled with Node's settings, not
 * with this package's DOM ones), vitest loads the source.
 */
const EMULATOR_SRC = fileURLToPath(new URL('../../../arcgis-emulator/src/index.ts', import.meta.url));
type Emulator = typeof EmulatorModule;
const emulator = (await import(/* @vite-ignore */ EMULATOR_SRC)) as Emulator;

/** The demo organization's users (DEMO_USERS.admin is its administrator) and their passwords. */
export const DEMO_USERS: Emulator['DEMO_USERS'] = emulator.DEMO_USERS;
export const demoPassword: Emulator['demoPassword'] = emulator.demoPassword;
/** What the demo organization holds (item ids by role, the surveys and their views, the relationships). */
export const DEMO_EXPECTATIONS: Emulator['DEMO_EXPECTATIONS'] = emulator.DEMO_EXPECTATIONS;

/** An emulated organization on 127.0.0.1, a free port; the demo org unless another seed is given. */
export function startArcGIS(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return emulator.startEmulator({ port: 0, host: '127.0.0.1', kind: 'online', seed: 'demo', quiet: true, ...options });
}

async function arcgisPost<T>(url: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ f: 'json', ...params }).toString()
  });
  const body = (await response.json()) as T & { error?: { message?: string } };
  if (!response.ok || body.error) throw new Error(`${url} failed: ${response.status} ${JSON.stringify(body.error ?? body)}`);
  return body;
}

/** Changes the redirect URIs of the emulator's registered app, as `oauth2/apps/<appId>/update` does on a real portal. */
async function updateRedirectUris(emu: EmulatorHandle, change: (uris: string[]) => string[]): Promise<string[]> {
  const { token } = await arcgisPost<{ token: string }>(`${emu.restUrl}/generateToken`, {
    username: emu.admin.username,
    password: emu.admin.password,
    client: 'referer',
    referer: emu.portalUrl,
    expiration: '10'
  });
  const app = await arcgisPost<{ redirect_uris: string[] }>(`${emu.restUrl}/oauth2/apps/${emu.appId}`, { token });
  const updated = await arcgisPost<{ redirect_uris: string[] }>(`${emu.restUrl}/oauth2/apps/${emu.appId}/update`, {
    token,
    redirect_uris: JSON.stringify(change(app.redirect_uris))
  });
  return updated.redirect_uris;
}

/** What the administrator does in the portal after copying OrgKeeper's redirect URI: adds it to the App ID. */
export function registerRedirectUri(emu: EmulatorHandle, redirectUri: string): Promise<string[]> {
  return updateRedirectUris(emu, (uris) => [...new Set([...uris, redirectUri])]);
}

/** Makes sure the App ID does not list the redirect URI (ports are reused between tests). */
export function unregisterRedirectUri(emu: EmulatorHandle, redirectUri: string): Promise<string[]> {
  return updateRedirectUris(emu, (uris) => uris.filter((uri) => uri !== redirectUri));
}

/** A temporary folder to hold File Locations; `remove()` deletes it with everything in it. */
export async function tempFolder(prefix = 'orgkeeper-e2e-backups-'): Promise<{ dir: string; sub(name: string): string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return {
    dir,
    sub: (name) => path.join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true, maxRetries: 3 })
  };
}
