/**
 * The setup most server integration tests share: the emulated demo organization, a test server with an admin, an
 * operator and a viewer account (all signed in), and an identity of the organization with stored credentials and a
 * File Location in a temporary folder.
 *
 *   let org: OrgFixture;
 *   beforeAll(async () => {
 *     org = await startOrgFixture();                 // identity "Springfield", File Location <temp>/springfield
 *   }, 60_000);
 *   afterAll(() => org?.close());                    // stops the server and the emulator, deletes the folder
 *
 * `waitForOperation` polls an operation over the API until it ends (or another condition holds). CLI tests use
 * `startDataDirFixture` (emulator, empty data directory, folder for File Locations) and `addIdentityWithCli`.
 */
import { expect } from 'vitest';
import type { EmulatorOptions } from '@orgkeeper/arcgis-emulator';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './emulator-harness.js';
import { runCli } from './cli-runner.js';
import { startTestServer, type ApiClient, type TestAccount, type TestServer, type TestServerOptions } from './server-harness.js';

export const TEST_PASSWORD = 'correct horse battery staple';

/** The statuses an operation does not leave. */
export const TERMINAL_STATUSES: readonly string[] = ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'];

/** One account per role, all with TEST_PASSWORD; the admin comes first (server.login() default). */
export const ROLE_ACCOUNTS: TestAccount[] = [
  { username: 'admin', password: TEST_PASSWORD, role: 'admin' },
  { username: 'operator', password: TEST_PASSWORD, role: 'operator' },
  { username: 'viewer', password: TEST_PASSWORD, role: 'viewer' }
];

export interface TempFolder {
  path: string;
  remove(): Promise<void>;
}

export interface IdentityOptions {
  /** Default 'Springfield'. */
  name?: string;
  /** Default 'online'. Enterprise identities sign in with OAuth2 (the emulator's app). */
  kind?: 'online' | 'enterprise';
  /** Absolute folder; none: the identity has no File Location. */
  fileLocation?: string;
  /** Store the emulator administrator's credentials (default true), so operations run unattended. */
  storeCredentials?: boolean;
}

/** Creates an identity of the emulated organization through the API (expects 201) and returns its id. */
export async function createIdentity(api: ApiClient, emu: EmulatorHandle, options: IdentityOptions = {}): Promise<string> {
  const kind = options.kind ?? 'online';
  const created = await api.post<{ id: string }>('/api/identities', {
    type: kind,
    ...(kind === 'enterprise' ? { authMethod: 'oauth2' } : {}),
    name: options.name ?? 'Springfield',
    url: emu.portalUrl,
    appId: emu.appId,
    ...(options.fileLocation !== undefined ? { fileLocation: options.fileLocation } : {}),
    ...(options.storeCredentials === false ? {} : { username: emu.admin.username, password: emu.admin.password })
  });
  expect(created.status, created.text).toBe(201);
  return created.body.id;
}

/**
 * Adds an identity of the emulated organization with `orgkeeper identities add` on `dataDir` (expects exit code 0)
 * and returns its id. With stored credentials (default) the password goes through --password-stdin.
 */
export async function addIdentityWithCli(
  emu: EmulatorHandle,
  dataDir: string,
  options: { name: string; fileLocation: string; kind?: 'online' | 'enterprise'; storeCredentials?: boolean }
): Promise<string> {
  const store = options.storeCredentials !== false;
  const kind = options.kind ?? 'online';
  const result = await runCli(
    ['identities', 'add', '--type', kind, '--name', options.name, '--url', emu.portalUrl, ...(kind === 'enterprise' ? ['--auth', 'oauth2'] : []), '--app-id', emu.appId, '--file-location', options.fileLocation,
      ...(store ? ['--username', emu.admin.username, '--password-stdin'] : ['--no-store-credentials']), '--json'],
    { dataDir, ...(store ? { stdin: `${emu.admin.password}\n` } : {}) }
  );
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { identity: { id: string } }).identity.id;
}

export interface WaitOptions<T> {
  /** What to wait for (default: the operation ended). */
  until?: (operation: T) => boolean;
  /** Default 60 s. */
  timeoutMs?: number;
}

/** Polls GET /api/operations/:id (expecting 200) until `until` holds; throws with the last state on timeout. */
export async function waitForOperation<T extends { status: string }>(api: ApiClient, operationId: string, options: WaitOptions<T> = {}): Promise<T> {
  const done = options.until ?? ((op: T) => TERMINAL_STATUSES.includes(op.status));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api.get<T>(`/api/operations/${operationId}`);
    expect(response.status).toBe(200);
    if (done(response.body)) return response.body;
    if (Date.now() > deadline) throw new Error(`Operation ${operationId} did not get there within ${timeoutMs} ms: ${JSON.stringify(response.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface OrgFixtureOptions {
  /** Emulator kind and identity kind (default 'online'). */
  kind?: 'online' | 'enterprise';
  /** The identity's name (default 'Springfield'). */
  identityName?: string;
  /** The File Location's folder name inside the temporary folder (default: the identity name in lower case). */
  storeName?: string;
  /** More test server options (the role accounts are always created). */
  server?: Omit<TestServerOptions, 'accounts' | 'admin'>;
  /** More emulator options (e.g. `scale`); its kind is `kind`. */
  emulator?: Omit<EmulatorOptions, 'kind'>;
}

export interface OrgFixture {
  emu: EmulatorHandle;
  /** Temporary folder holding the File Location; deleted on close. */
  folder: TempFolder;
  server: TestServer;
  admin: ApiClient;
  operator: ApiClient;
  viewer: ApiClient;
  identityId: string;
  /** The identity's File Location. */
  storeDir: string;
  /** Stops the server and the emulator and deletes the temporary folder. Safe to call twice. */
  close(): Promise<void>;
}

export async function startOrgFixture(options: OrgFixtureOptions = {}): Promise<OrgFixture> {
  const kind = options.kind ?? 'online';
  const name = options.identityName ?? 'Springfield';
  let emu: EmulatorHandle | undefined;
  let folder: TempFolder | undefined;
  let server: TestServer | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      try {
        await server?.close();
      } finally {
        try {
          await emu?.close();
        } finally {
          await folder?.remove();
        }
      }
    })());
  try {
    emu = await startTestEmulator({ ...options.emulator, kind });
    folder = await tempFolder();
    server = await startTestServer({ ...options.server, accounts: ROLE_ACCOUNTS });
    const admin = await server.login('admin');
    const operator = await server.login('operator');
    const viewer = await server.login('viewer');
    const storeDir = `${folder.path}/${options.storeName ?? name.toLowerCase()}`;
    const identityId = await createIdentity(admin, emu, { kind, name, fileLocation: storeDir });
    return { emu, folder, server, admin, operator, viewer, identityId, storeDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface DataDirFixture {
  emu: EmulatorHandle;
  /** An empty data directory for the CLI (or a test server started on it). */
  data: TempFolder;
  /** A folder for File Locations. */
  backups: TempFolder;
  /** Stops the emulator and deletes both folders. Safe to call twice. */
  close(): Promise<void>;
}

/** The emulated demo organization (default online) with an empty data directory and a folder for File Locations. */
export async function startDataDirFixture(emulator: Parameters<typeof startTestEmulator>[0] = { kind: 'online' }): Promise<DataDirFixture> {
  let emu: EmulatorHandle | undefined;
  let data: TempFolder | undefined;
  let backups: TempFolder | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      try {
        await emu?.close();
      } finally {
        await data?.remove();
        await backups?.remove();
      }
    })());
  try {
    emu = await startTestEmulator(emulator);
    data = await tempFolder('orgkeeper-data-');
    backups = await tempFolder();
    return { emu, data, backups, close };
  } catch (error) {
    await close();
    throw error;
  }
}
