/**
 * `npm run demo`: OrgKeeper with a built-in emulated ArcGIS Online organization, ready to try.
 *
 * Starts the emulator (demo organization, port 7070 or the next free one, its state kept in ./data/demo/emulator)
 * and OrgKeeper (port 8500 or the next free one, data in ./data/demo), creates the administrator account, registers
 * OrgKeeper's redirect URI on the emulator's application as an ArcGIS administrator would, adds a demo identity and
 * prints how to sign in. Ctrl+C stops both. This is the only server code that imports the emulator.
 * With `--database-url postgres://...` (or ORGKEEPER_DATABASE_URL) OrgKeeper keeps its records in that PostgreSQL
 * database instead of ./data/demo/orgkeeper.db; the key and the backups stay in the demo folder.
 */
import { ArcGISIdentityManager, request } from '@esri/arcgis-rest-request';
import { startEmulator, type EmulatorHandle } from '@orgkeeper/arcgis-emulator';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { waitForSignal } from './commands/serve.command.js';
import { loadConfig } from './config/config.js';
import { describeDatabase } from './db/database.js';
import { nameKey } from './identities/identity-fields.js';
import { startServer, type RunningServer } from './server.js';

const EMULATOR_PORT = 7070;
const ORGKEEPER_PORT = 8500;
const ADMIN_USERNAME = 'admin';
const DEMO_IDENTITY = 'Demo organization (emulated ArcGIS Online)';

async function main(): Promise<void> {
  const dataDir = resolve(process.env.ORGKEEPER_DEMO_DIR ?? join(process.cwd(), 'data', 'demo'));
  const { values } = parseArgs({ options: { 'database-url': { type: 'string' } }, strict: true });
  const databaseUrl = values['database-url'] ?? process.env.ORGKEEPER_DATABASE_URL;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const emulator = await startOnFreePort(EMULATOR_PORT, (port) =>
    startEmulator({ host: '127.0.0.1', port, kind: 'online', seed: 'demo', stateDir: join(dataDir, 'emulator'), quiet: true })
  );
  let server: RunningServer | undefined;
  try {
    server = await startOnFreePort(ORGKEEPER_PORT, (port) =>
      startServer(
        loadConfig({
          flags: { host: '127.0.0.1', port: String(port), dataDir, databaseUrl, publicUrl: `http://localhost:${port}`, logLevel: 'warn' },
          env: {},
          cwd: process.cwd()
        })
      )
    );
    const password = await ensureAdmin(server, dataDir);
    const callback = `${server.config.publicUrl}/api/oauth/callback`;
    await registerRedirectUri(emulator, callback);
    const identity = await ensureDemoIdentity(server, emulator, join(dataDir, 'backups'));

    process.stdout.write(
      `\nOrgKeeper demo is running.\n\n` +
        `  OrgKeeper          ${server.config.publicUrl}\n` +
        `    sign in as       ${ADMIN_USERNAME} / ${password}\n\n` +
        `  Emulated ArcGIS Online organization  ${emulator.portalUrl}\n` +
        `    administrator    ${emulator.admin.username} / ${emulator.admin.password}\n` +
        `    non-administrator (refused by OrgKeeper)  maria.publisher / maria.publisher-Pass1!\n\n` +
        `On the Identities page, press Connect on "${identity}" and sign in on the emulator's sign-in page as ` +
        `${emulator.admin.username}. Its App ID already lists ${callback}.\n` +
        `Data: ${dataDir}${databaseUrl ? `; records in the ${describeDatabase({ kind: 'postgres', url: databaseUrl })}` : ''}. Press Ctrl+C to stop.\n`
    );
    const signal = await waitForSignal();
    process.stdout.write(`Received ${signal}; stopping OrgKeeper and the emulator...\n`);
  } finally {
    await server?.close();
    await emulator.close();
  }
}

/** Starts something on the preferred port, or the next free one. */
async function startOnFreePort<T>(preferred: number, start: (port: number) => Promise<T>): Promise<T> {
  for (let port = preferred; port < preferred + 50; port++) {
    if (!(await portIsFree(port))) continue;
    try {
      return await start(port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`No free port between ${preferred} and ${preferred + 49}.`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
}

/** The administrator account; its generated password is kept in the demo folder so later runs can print it. */
async function ensureAdmin(server: RunningServer, dataDir: string): Promise<string> {
  const file = join(dataDir, 'admin-password.txt');
  const existing = await server.services.repositories.users.findByUsernameKey(ADMIN_USERNAME);
  if (existing) {
    return existsSync(file) ? (await readFile(file, 'utf8')).trim() : '(the password printed when the demo first ran)';
  }
  const password = randomBytes(12).toString('base64url');
  await server.services.users.create({ username: ADMIN_USERNAME, password, role: 'admin' }, { kind: 'system', name: 'demo' });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/** Adds OrgKeeper's callback to the app's redirect URIs, as an administrator would in the portal. */
async function registerRedirectUri(emulator: EmulatorHandle, callback: string): Promise<void> {
  const admin = await ArcGISIdentityManager.signIn({ username: emulator.admin.username, password: emulator.admin.password, portal: emulator.restUrl });
  const app = (await request(`${emulator.restUrl}/oauth2/apps/${emulator.appId}`, { authentication: admin })) as { redirect_uris?: string[] };
  const uris = app.redirect_uris ?? [];
  if (uris.includes(callback)) return;
  await request(`${emulator.restUrl}/oauth2/apps/${emulator.appId}/update`, {
    httpMethod: 'POST',
    authentication: admin,
    params: { redirect_uris: JSON.stringify([...uris, callback]) }
  });
}

/** The demo identity, pointed at this run's emulator (its port may differ between runs). */
async function ensureDemoIdentity(server: RunningServer, emulator: EmulatorHandle, backups: string): Promise<string> {
  const actor = { kind: 'system', name: 'demo' } as const;
  const identities = server.services.identities;
  const existing = await server.services.repositories.identities.findByNameKey(nameKey(DEMO_IDENTITY));
  if (!existing) {
    await identities.create(
      { type: 'online', name: DEMO_IDENTITY, url: emulator.portalUrl, appId: emulator.appId, fileLocation: backups, storeCredentials: true },
      actor
    );
  } else if (existing.portal_url !== emulator.portalUrl || existing.app_id !== emulator.appId) {
    await identities.update(existing.id, { url: emulator.portalUrl, appId: emulator.appId }, actor);
  }
  return DEMO_IDENTITY;
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
