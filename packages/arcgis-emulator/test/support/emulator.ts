import { ArcGISIdentityManager } from '@esri/arcgis-rest-request';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../src/index.js';

/**
 * Starts an emulator in this process on a free 127.0.0.1 port. Always `await handle.close()` (afterAll/afterEach).
 */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ host: '127.0.0.1', port: 0, quiet: true, ...options });
}

/** Signs in as the seeded administrator with Esri's own client (`generateToken`). */
export async function signInAsAdmin(emu: EmulatorHandle): Promise<ArcGISIdentityManager> {
  return ArcGISIdentityManager.signIn({
    username: emu.admin.username,
    password: emu.admin.password,
    portal: emu.restUrl
  });
}

/** Raw HTTP helper: GET or POST (form-encoded) with `f=json`; returns status, headers and parsed JSON (or text). */
export async function rawRequest(
  url: string,
  params: Record<string, string | number | boolean> = {},
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {}
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const method = init.method ?? 'GET';
  const search = new URLSearchParams({ f: 'json', ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  const response =
    method === 'GET'
      ? await fetch(`${url}?${search.toString()}`, { headers: init.headers, redirect: 'manual' })
      : await fetch(url, {
          method: 'POST',
          body: search,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
          redirect: 'manual'
        });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (HTML pages, files)
  }
  return { status: response.status, headers: response.headers, body, text };
}
