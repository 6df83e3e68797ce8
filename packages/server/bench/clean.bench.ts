// Clean scans benchmark (issue 7): every scan type over the scaled emulated organization (`--scale 20`: about 10,000
// items and 2,000 users) with 50 ms latency per request: wall time and requests of each scan, and their ratio to the
// lower bound (requests / concurrency x latency; target <= 1.3). The same scans over half the organization
// (`--scale 10`) show how requests grow with the organization (linearly, not with its square).
// Each emulator runs in a child process so its CPU is not the scans'. Prints one JSON object on the last line of
// stdout (see scripts/bench.mjs); progress goes to stderr.
//
//   node scripts/bench.mjs clean
//   CLEAN_BENCH_SCALES=2,4 node --import tsx packages/server/bench/clean.bench.ts
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { OAuthTokenSource } from '../src/arcgis/token-source.js';
import { SCAN_TYPES, type ScanType } from '../src/clean/clean.types.js';
import { OrgReader } from '../src/clean/org-reader.js';
import { validateScanRequest } from '../src/clean/scan-options.js';
import { SCANS } from '../src/clean/scans/index.js';

const scales = (process.env.CLEAN_BENCH_SCALES ?? '10,20').split(',').map(Number);
const latencyMs = Number(process.env.CLEAN_BENCH_LATENCY_MS ?? 50);
const concurrency = Number(process.env.CLEAN_BENCH_CONCURRENCY ?? 8);
const log = (message: string) => process.stderr.write(`clean.bench: ${message}\n`);

/** Options of each scan in the benchmark (defaults otherwise). */
const OPTIONS: Partial<Record<ScanType, Record<string, unknown>>> = { 'text-search': { text: 'Parcels' } };

interface EmulatorInfo {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
  items: number;
  users: number;
}

/** Child role: a scaled emulator; prints its coordinates, runs until stdin closes. */
async function serveEmulator(scale: number): Promise<void> {
  const { startEmulator } = await import('@orgkeeper/arcgis-emulator');
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, scale, latencyMs });
  const items = [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId).length;
  const users = [...emu.context.state.users.values()].filter((u) => u.orgId === emu.orgId).length;
  const info: EmulatorInfo = { restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin, items, users };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await emu.close();
}

/** The emulator's count of requests (control endpoints excluded), then reset. */
async function takeRequests(emu: EmulatorInfo): Promise<number> {
  const origin = new URL(emu.portalUrl).origin;
  const snapshot = (await (await fetch(`${origin}/__emulator/requests?recent=0`)).json()) as { byEndpoint: Record<string, number> };
  await fetch(`${origin}/__emulator/requests/reset`, { method: 'POST' });
  return Object.entries(snapshot.byEndpoint)
    .filter(([name]) => !name.startsWith('emulator/'))
    .reduce((n, [, count]) => n + count, 0);
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function benchScale(scale: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, CLEAN_BENCH_ROLE: 'emulator', CLEAN_BENCH_SCALE: String(scale) },
    stdio: ['pipe', 'pipe', 'inherit']
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the emulator process exited with code ${code}`)));
    });
    const emu = JSON.parse(line) as EmulatorInfo;
    log(`scale ${scale}: ${emu.items} items, ${emu.users} users, ${latencyMs} ms latency, concurrency ${concurrency}`);
    // One token for all scans, fetched before measuring.
    const auth = new OAuthTokenSource({ restUrl: emu.restUrl, credentials: emu.admin });
    await auth.getToken(emu.restUrl);
    // Warm-up (not measured): the first scan of a process also pays for JIT compilation on both sides.
    await SCANS['missing-metadata']({
      reader: new OrgReader(new ArcGISSession({ portalUrl: emu.portalUrl, restUrl: emu.restUrl, auth, concurrency }), { orgId: emu.orgId }),
      options: validateScanRequest({ type: 'missing-metadata' }).options,
      portalUrl: emu.portalUrl,
      platform: 'online',
      now: Date.now(),
      viewHistory: new Map(),
      progress: () => undefined
    });
    await takeRequests(emu);
    const scans: Record<string, unknown> = {};
    for (const type of SCAN_TYPES) {
      const session = new ArcGISSession({ portalUrl: emu.portalUrl, restUrl: emu.restUrl, auth, concurrency });
      const reader = new OrgReader(session, { orgId: emu.orgId });
      const { options } = validateScanRequest({ type, options: OPTIONS[type] ?? {} });
      const started = performance.now();
      const output = await SCANS[type]({ reader, options, portalUrl: emu.portalUrl, platform: 'online', now: Date.now(), viewHistory: new Map(), progress: () => undefined });
      const seconds = (performance.now() - started) / 1000;
      const requests = await takeRequests(emu);
      const lowerBound = (requests / concurrency) * (latencyMs / 1000);
      scans[type] = {
        seconds: round(seconds),
        requests,
        lowerBoundSeconds: round(lowerBound),
        ratio: round(seconds / lowerBound),
        findings: output.findings.length,
        problems: reader.problems.length
      };
      log(`scale ${scale} ${type}: ${round(seconds)} s, ${requests} requests, ratio ${round(seconds / lowerBound)}, ${output.findings.length} findings`);
    }
    return { items: emu.items, users: emu.users, scans };
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  const results: Record<string, Awaited<ReturnType<typeof benchScale>>> = {};
  for (const scale of scales) results[`scale${scale}`] = await benchScale(scale);
  const [small, large] = scales.map((s) => results[`scale${s}`]!);
  const growth: Record<string, unknown> = {};
  if (small && large && small !== large) {
    for (const type of SCAN_TYPES) {
      const a = (small.scans[type] as { requests: number }).requests;
      const b = (large.scans[type] as { requests: number }).requests;
      growth[type] = { requests: [a, b], ratio: round(b / a) };
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      loadAverage: loadavg().map((n) => round(n)),
      latencyMs,
      concurrency,
      target: 'ratio of wall time to the lower bound (requests / concurrency x latency) <= 1.3',
      ...results,
      growth: small && large && small !== large ? { items: [small.items, large.items], users: [small.users, large.users], itemRatio: round(large.items / small.items), byScan: growth } : null
    })}\n`
  );
}

if (process.env.CLEAN_BENCH_ROLE === 'emulator') await serveEmulator(Number(process.env.CLEAN_BENCH_SCALE));
else await main();
