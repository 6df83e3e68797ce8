/**
 * Test support: run a suite once per store backend (disk, S3, Azure), as Kysely loops its suite over dialects. The
 * object storage servers start on first use in a test file and stop after it (`object-servers.ts`); each test gets
 * a fresh, empty location (a temporary folder, a new bucket prefix, a new container prefix).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { openBackend } from '../backend/open-backend.js';
import type { ObjectBackendOptions } from '../backend/object/object-store-backend.js';
import type { StoreBackend } from '../backend/store-backend.js';
import { type StoreLocation, formatStoreLocation } from '../backend/store-location.js';
import { type Store, type StoreOptions, initStore } from '../store.js';
import { type AzureTestServer, type S3TestServer, startAzurite, startS3Server } from './object-servers.js';
import { TEST_ORG } from './fixtures.js';

export type BackendKind = 'disk' | 's3' | 'azure';
export const BACKEND_KINDS: readonly BackendKind[] = ['disk', 's3', 'azure'];

export interface TestLocation {
  kind: BackendKind;
  /** With credentials: what in-process code opens. */
  location: StoreLocation;
  /** The string form (no secrets): what a child process or the CLI is given, with `env` for credentials. */
  text: string;
  env: Record<string, string>;
  /** The folder, for disk. */
  dir?: string;
  /** The local folder where object storage backends opened with `backend()` spool large streams. */
  spoolDir?: string;
  backend(options?: ObjectBackendOptions): Promise<StoreBackend>;
  cleanup(): Promise<void>;
}

/** The object storage servers of one test file, started on first use. */
export class TestServers {
  private s3: Promise<S3TestServer> | undefined;
  private azure: Promise<AzureTestServer> | undefined;

  s3Server(): Promise<S3TestServer> {
    return (this.s3 ??= startS3Server());
  }

  azureServer(): Promise<AzureTestServer> {
    return (this.azure ??= startAzurite());
  }

  async location(kind: BackendKind, label = 'store'): Promise<TestLocation> {
    let location: StoreLocation;
    let env: Record<string, string> = {};
    let dir: string | undefined;
    let parent: string | undefined;
    if (kind === 'disk') {
      parent = await mkdtemp(join(tmpdir(), `orgkeeper-${label}-`));
      dir = join(parent, 'store');
      location = { kind: 'folder', path: dir };
    } else {
      const server = kind === 's3' ? await this.s3Server() : await this.azureServer();
      location = server.location(label);
      parent = await mkdtemp(join(tmpdir(), `orgkeeper-spool-${label}-`));
      env = { ...server.env, ORGKEEPER_SPOOL_DIR: parent };
    }
    return {
      kind,
      location,
      text: formatStoreLocation(location),
      env,
      ...(dir ? { dir } : {}),
      ...(kind !== 'disk' ? { spoolDir: parent } : {}),
      backend: (options) => openBackend(location, { ...(kind !== 'disk' ? { spoolDir: parent } : {}), ...options }),
      // Object storage locations vanish with their in-memory server at the end of the file.
      cleanup: async () => {
        if (parent) await rm(parent, { recursive: true, force: true });
      }
    };
  }

  async stop(): Promise<void> {
    const [s3, azure] = [this.s3, this.azure];
    this.s3 = this.azure = undefined;
    await Promise.all([s3?.then((s) => s.stop()), azure?.then((s) => s.stop())]);
  }
}

/** One TestServers per test file, stopped after its tests. */
export function useTestServers(): TestServers {
  const servers = new TestServers();
  afterAll(() => servers.stop());
  return servers;
}

/** `fn` once per backend, inside a describe named after it. */
export function describeEachBackend(name: string, fn: (kind: BackendKind, servers: TestServers) => void, kinds: readonly BackendKind[] = BACKEND_KINDS): void {
  const servers = useTestServers();
  for (const kind of kinds) describe(`${name} [${kind}]`, () => fn(kind, servers));
}

/** A new store of TEST_ORG on a backend; `cleanup` removes it (disk) and closes its clients. */
export async function tempStoreOn(servers: TestServers, kind: BackendKind, options: StoreOptions & { label?: string } = {}): Promise<{ store: Store; at: TestLocation; cleanup: () => Promise<void> }> {
  const at = await servers.location(kind, options.label);
  const store = await initStore(await at.backend(), TEST_ORG, options);
  return {
    store,
    at,
    cleanup: async () => {
      await store.close();
      await at.cleanup();
    }
  };
}
