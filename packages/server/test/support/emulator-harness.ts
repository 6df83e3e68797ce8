/**
 * The emulated ArcGIS organization for tests (in process, real HTTP on 127.0.0.1, from the emulator's source): start it,
 * drive its control endpoints, count what it was asked, set its application's redirect URIs and go through the portal's
 * own sign-in page as a browser would; and temporary folders for File Locations.
 */
import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Emulator from '@orgkeeper/arcgis-emulator';
import type { EmulatorHandle, EmulatorOptions } from '@orgkeeper/arcgis-emulator';
import type { ApiClient } from './server-harness.js';

export type { EmulatorHandle };

export const NON_ADMIN = { username: 'maria.publisher', password: 'maria.publisher-Pass1!' };

/** The emulator's source (not its build), so tests always run against the current emulator. */
export const EMULATOR_SRC = fileURLToPath(new URL('../../../arcgis-emulator/src/index.ts', import.meta.url));

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  // A computed specifier: TypeScript types it from the package, vitest loads the source.
  const emulator = (await import(/* @vite-ignore */ EMULATOR_SRC)) as typeof Emulator;
  return emulator.startEmulator({ host: '127.0.0.1', port: 0, quiet: process.env.EMU_VERBOSE !== '1', ...options });
}

/** Sets the app's redirect URIs as an administrator would in the portal (`oauth2/apps/<client_id>/update`). */
export async function setRedirectUris(emu: EmulatorHandle, uris: string[]): Promise<void> {
  const admin = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
  await request(`${emu.restUrl}/oauth2/apps/${emu.appId}/update`, {
    httpMethod: 'POST',
    authentication: admin,
    params: { redirect_uris: JSON.stringify(uris) }
  });
}

/** Emulator-only control endpoints (`/__emulator/...`). */
export async function control(emu: EmulatorHandle, path: string, params: Record<string, string | number | boolean>): Promise<unknown> {
  const origin = new URL(emu.portalUrl).origin;
  const body = new URLSearchParams({ f: 'json', ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  const response = await fetch(`${origin}/__emulator/${path}`, { method: 'POST', body });
  return response.json();
}

/** What the emulator was asked while `work` ran: the number of requests, and the number per endpoint that was asked. */
export async function requestsDuring<T>(emu: EmulatorHandle, work: () => Promise<T>): Promise<{ result: T; total: number; byEndpoint: Record<string, number> }> {
  const before = emu.requestLog.snapshot(0);
  const result = await work();
  const after = emu.requestLog.snapshot(0);
  const byEndpoint: Record<string, number> = {};
  for (const [endpoint, count] of Object.entries(after.byEndpoint)) if (count - (before.byEndpoint[endpoint] ?? 0) > 0) byEndpoint[endpoint] = count - (before.byEndpoint[endpoint] ?? 0);
  return { result, total: after.total - before.total, byEndpoint };
}

export interface PortalSignIn {
  /** Where the portal sent the browser (our callback with code/state, or with error). */
  callbackUrl: string;
  /** Where OrgKeeper's callback sent the browser (`/identities?...`). */
  location: string;
  params: URLSearchParams;
}

/**
 * Follows an authorize URL as a browser: GET the sign-in page, POST its form (or press Cancel), follow the portal's
 * redirect to OrgKeeper's callback with the OrgKeeper session cookie, and return where the callback sent us.
 */
export async function signInThroughPortal(
  authorizeUrl: string,
  user: { username: string; password: string } | 'cancel',
  client: ApiClient
): Promise<PortalSignIn> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`The sign-in page answered ${page.status}: ${html.slice(0, 300)}`);
  const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
  const oauthState = /name="oauth_state" value="([^"]+)"/i.exec(html)?.[1];
  if (!action || !oauthState) throw new Error(`No sign-in form on the page: ${html.slice(0, 300)}`);
  const form = new URLSearchParams({ oauth_state: decodeHtml(oauthState) });
  if (user === 'cancel') form.set('cancel', 'true');
  else {
    form.set('username', user.username);
    form.set('password', user.password);
  }
  const posted = await fetch(decodeHtml(action), { method: 'POST', body: form, redirect: 'manual' });
  const callbackUrl = posted.headers.get('location');
  if (posted.status !== 302 || !callbackUrl) throw new Error(`The sign-in form answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  const callback = new URL(callbackUrl);
  const answer = await client.get(`${callback.pathname}${callback.search}`);
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`The callback answered ${answer.status}: ${answer.text}`);
  return { callbackUrl, location, params: new URL(location, 'http://x').searchParams };
}

function decodeHtml(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** A temporary folder for file locations; remove() deletes it. */
export async function tempFolder(prefix = 'orgkeeper-backups-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
