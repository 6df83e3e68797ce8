// What the backup benchmarks share: the emulator in a child process (so its CPU and memory are not the engine's), its
// request log and faults, sessions on it, stored bytes. Not a benchmark itself (scripts/bench.mjs runs `*.bench.ts`).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { EmulatorOptions } from '@orgkeeper/arcgis-emulator';
import { AdaptiveLimiter, type AimdSettings } from '../src/arcgis/adaptive-limiter.js';
import { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { OAuthTokenSource } from '../src/arcgis/token-source.js';
import { openStore } from '../src/store/index.js';

export interface EmulatorInfo {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
}

export interface RequestCounts {
  total: number;
  byEndpoint: Record<string, number>;
}

/** Child role: an emulator with the options in BENCH_EMULATOR_OPTIONS (JSON); prints its coordinates, runs until stdin closes. */
export async function serveEmulator(): Promise<void> {
  const { startEmulator } = await import('@orgkeeper/arcgis-emulator');
  const options = JSON.parse(process.env.BENCH_EMULATOR_OPTIONS ?? '{}') as EmulatorOptions;
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, ...options });
  const info: EmulatorInfo = { restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await emu.close();
}

/** Starts `script` (the benchmark file) again as the emulator child (BACKUP_BENCH_ROLE=emulator); `stop()` ends it. */
export async function startEmulatorChild(script: string, options: EmulatorOptions): Promise<{ emu: EmulatorInfo; stop: () => Promise<void>; cpuSeconds: () => Promise<number> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BACKUP_BENCH_ROLE: 'emulator', BENCH_EMULATOR_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit']
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator process exited with code ${code}`)));
  });
  const stop = async () => {
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  };
  // The child's CPU time so far (Linux /proc; NaN elsewhere): the emulator shares the machine with the backup.
  const cpuSeconds = async () => {
    try {
      const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return Number.NaN;
    }
  };
  return { emu: JSON.parse(line) as EmulatorInfo, stop, cpuSeconds };
}

/** The emulator's request log (control endpoints excluded), then reset. */
export async function takeRequests(emu: EmulatorInfo): Promise<RequestCounts> {
  const origin = new URL(emu.portalUrl).origin;
  const snapshot = (await (await fetch(`${origin}/__emulator/requests?recent=0`)).json()) as RequestCounts;
  await fetch(`${origin}/__emulator/requests/reset`, { method: 'POST' });
  const byEndpoint = Object.fromEntries(Object.entries(snapshot.byEndpoint).filter(([name]) => !name.startsWith('emulator/')));
  return { total: Object.values(byEndpoint).reduce((a, b) => a + b, 0), byEndpoint };
}

/** Sets the emulator's faults: none but `settings` (POST /__emulator/faults, `reset` first). */
export async function setFaults(emu: EmulatorInfo, settings: Record<string, unknown>): Promise<void> {
  const origin = new URL(emu.portalUrl).origin;
  const response = await fetch(`${origin}/__emulator/faults`, { method: 'POST', body: new URLSearchParams({ json: JSON.stringify({ reset: true, ...settings }) }) });
  if (!response.ok) throw new Error(`setting faults failed: ${await response.text()}`);
  const body = (await response.json()) as { error?: unknown };
  if (body.error) throw new Error(`setting faults failed: ${JSON.stringify(body.error)}`);
}

export async function storedBytes(dir: string): Promise<number> {
  const store = await openStore(dir);
  let bytes = 0;
  for await (const blob of store.blobs.list()) bytes += blob.storedSize;
  return bytes;
}

/** A session of the emulator's administrator: a fixed bound (a number) or adaptive settings. */
export function sessionFor(emu: EmulatorInfo, limit: number | AimdSettings): ArcGISSession {
  const auth = new OAuthTokenSource({ restUrl: emu.restUrl, credentials: emu.admin });
  const settings: AimdSettings = typeof limit === 'number' ? { ceiling: limit, initial: limit, adaptive: false } : limit;
  return new ArcGISSession({ portalUrl: emu.portalUrl, restUrl: emu.restUrl, auth, limiter: new AdaptiveLimiter(settings) });
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));
