// First backups at the request floor, and at the speed the organization allows (issue 16). Side by side in one run,
// each part against an emulator in a child process with 50 ms latency per request:
//
// - scale10: a first backup of the scale-10 org before (every part asked as backups did before issue 16, 8 requests
//   in flight, fixed) and after (part-needs.ts, adaptive-limiter.ts with the default ceiling): wall, requests, and
//   requests per item by endpoint; the wall against the floor's bound (requests x latency / ceiling).
// - throttle: the demo org with the emulator throttling at a fixed per-organization budget (a sliding window,
//   Retry-After until the budget has room): the adaptive controller against fixed concurrencies, and the most times
//   one request was refused in a row.
// - serial: a first backup of the scale-2 org against a plain serial script (item JSON from the search results, item
//   data, every feature of every hosted layer, one request at a time) written below.
//
// Prints one JSON object on the last line of stdout (scripts/bench.mjs); progress goes to stderr.
//
//   node scripts/bench.mjs floor
//   FLOOR_BENCH_PARTS=throttle,serial node --import tsx packages/server/bench/floor.bench.ts
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AimdSettings, DEFAULT_ARCGIS_CONCURRENCY_CEILING } from '../src/arcgis/adaptive-limiter.js';
import { runBackup } from '../src/backup/backup.engine.js';
import type { PartPolicy } from '../src/backup/part-needs.js';
import { type EmulatorInfo, round, serveEmulator, sessionFor, setFaults, startEmulatorChild, takeRequests } from './bench-support.js';

const script = fileURLToPath(import.meta.url);
const parts = new Set((process.env.FLOOR_BENCH_PARTS ?? 'scale10,throttle,serial').split(',').map((p) => p.trim()));
const latencyMs = Number(process.env.FLOOR_BENCH_LATENCY_MS ?? 50);
const scale = Number(process.env.FLOOR_BENCH_SCALE ?? 10);
const serialScale = Number(process.env.FLOOR_BENCH_SERIAL_SCALE ?? 2);
/** The throttling budget: requests per window of this many seconds (ArcGIS: a minute; shorter to see many windows). */
const budget = Number(process.env.FLOOR_BENCH_BUDGET ?? 150);
const windowSeconds = Number(process.env.FLOOR_BENCH_WINDOW_SECONDS ?? 5);
const fixedTried = (process.env.FLOOR_BENCH_FIXED ?? '1,2,3,4,6,8').split(',').map(Number);
const log = (message: string) => process.stderr.write(`floor.bench: ${message}\n`);

interface Run {
  seconds: number;
  /** CPU time of the backing-up process (the emulator's is its own process's). */
  cpuSeconds: number;
  requests: number;
  items: number;
  byEndpoint: Record<string, number>;
  throttled: number;
  throttledInARow: number;
  retries: number;
  limiter: { finalLimit: number; increases: number; throttleDecreases: number; latencyDecreases: number; clientBoundRounds: number };
}

async function backupOnce(emu: EmulatorInfo, dir: string, limit: number | AimdSettings, partPolicy: PartPolicy, label: string): Promise<Run> {
  await takeRequests(emu);
  const session = sessionFor(emu, limit);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let last = Date.now();
  const result = await runBackup({
    identity: { id: 'bench', name: 'Bench', fileLocation: dir, orgId: emu.orgId, portalUrl: emu.portalUrl },
    session,
    partPolicy,
    onProgress: (p) => {
      if (Date.now() - last > 15_000) {
        last = Date.now();
        log(`${label}: ${p.phase} ${p.itemsDone}/${p.itemsTotal} items, ${session.stats.requests} requests, limit ${session.concurrency}, ${Math.round((performance.now() - started) / 1000)} s`);
      }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const failed = result.items.filter((i) => i.status === 'failed');
  if (failed.length > 0) throw new Error(`${label}: backup failed for ${failed.length} items, e.g. ${JSON.stringify(failed[0])}`);
  const counts = await takeRequests(emu);
  log(`${label}: ${round(seconds)} s, ${counts.total} requests, limit at the end ${session.concurrency}`);
  return {
    seconds: round(seconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    requests: counts.total,
    items: result.items.length,
    byEndpoint: counts.byEndpoint,
    throttled: session.stats.throttled,
    throttledInARow: session.mostThrottledInARow,
    retries: session.stats.retries,
    limiter: { finalLimit: session.concurrency, ...session.limiterCounts }
  };
}

const adaptive: AimdSettings = { ceiling: DEFAULT_ARCGIS_CONCURRENCY_CEILING };

function perItem(run: Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [endpoint, n] of Object.entries(run.byEndpoint).sort((a, b) => b[1] - a[1])) out[endpoint] = round(n / run.items, 3);
  return { total: round(run.requests / run.items, 2), ...out };
}

/** Before and after on the scale-10 org (the first backup each time, into a fresh store). */
async function scale10(dir: string) {
  const { emu, stop } = await startEmulatorChild(script, { scale, latencyMs });
  try {
    log(`scale ${scale}, ${latencyMs} ms: before (every part, 8 in flight)`);
    const before = await backupOnce(emu, join(dir, 'before'), 8, 'every', 'before');
    log(`scale ${scale}, ${latencyMs} ms: after (the floor, adaptive up to ${adaptive.ceiling})`);
    const after = await backupOnce(emu, join(dir, 'after'), adaptive, 'floor', 'after');
    const floorBound = (after.requests * latencyMs) / 1000 / adaptive.ceiling;
    return {
      scale,
      latencyMs,
      items: after.items,
      before: { ...before, concurrency: 8, requestsPerItem: perItem(before) },
      after: { ...after, ceiling: adaptive.ceiling, requestsPerItem: perItem(after) },
      speedup: round(before.seconds / after.seconds, 2),
      requestsSaved: before.requests - after.requests,
      floorBoundSeconds: round(floorBound, 1),
      wallToFloorBound: round(after.seconds / floorBound, 2)
    };
  } finally {
    await stop();
  }
}

/** The adaptive controller against fixed concurrencies under a fixed per-organization budget. */
async function throttle(dir: string) {
  const { emu, stop } = await startEmulatorChild(script, { scale: 1, latencyMs });
  const faults = { throttleRpm: budget, throttleWindowSeconds: windowSeconds, throttleWindow: 'fixed', retryAfterMode: 'window', throttleStyle: 'mixed', throttleScope: 'all' };
  try {
    const runs: Record<string, Run> = {};
    // The adaptive run first and last: the machine is shared, so its load moves; both are reported.
    for (const name of ['adaptive', ...fixedTried.map((n) => `fixed-${n}`), 'adaptive-again']) {
      await setFaults(emu, faults);
      const limit = name.startsWith('fixed-') ? Number(name.slice(6)) : adaptive;
      runs[name] = await backupOnce(emu, join(dir, `throttle-${name}`), limit, 'floor', `throttle ${name}`);
    }
    await setFaults(emu, {});
    const fixed = Object.entries(runs).filter(([name]) => name.startsWith('fixed-'));
    const [bestName, best] = fixed.reduce((a, b) => (b[1].seconds < a[1].seconds ? b : a));
    const adaptiveSeconds = Math.min(runs.adaptive!.seconds, runs['adaptive-again']!.seconds);
    return {
      org: 'demo (scale 1)',
      latencyMs,
      budget: `${budget} requests per ${windowSeconds}-second window for the organization (all requests; once used, every request is refused until the window ends), Retry-After until then, 429 as HTTP status and in the body alternately`,
      bestFixed: { concurrency: Number(bestName.slice(6)), seconds: best.seconds },
      adaptiveSeconds,
      adaptiveToBestFixed: round(adaptiveSeconds / best.seconds, 3),
      adaptiveMostRefusedInARow: Math.max(runs.adaptive!.throttledInARow, runs['adaptive-again']!.throttledInARow),
      runs: Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, { seconds: r.seconds, requests: r.requests, throttled: r.throttled, mostRefusedInARow: r.throttledInARow, limiter: r.limiter }]))
    };
  } finally {
    await stop();
  }
}

/**
 * The baseline a new user would write: sign in, page through the organization's items, and one at a time save each
 * item's JSON from the search results, its data, and every feature of every layer and table of its hosted service.
 */
async function serialScript(emu: EmulatorInfo, dir: string): Promise<{ seconds: number; requests: number; items: number; features: number }> {
  const started = performance.now();
  let requests = 0;
  const get = async (url: string, params: Record<string, string>) => {
    requests++;
    const target = new URL(url);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    const response = await fetch(target);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  requests++;
  const tokenAnswer = await fetch(`${emu.restUrl}/generateToken`, {
    method: 'POST',
    body: new URLSearchParams({ username: emu.admin.username, password: emu.admin.password, referer: 'http://localhost', f: 'json' })
  });
  const { token } = (await tokenAnswer.json()) as { token: string };
  await mkdir(dir, { recursive: true });
  let items = 0;
  let features = 0;
  for (let start = 1; start !== -1; ) {
    const page = JSON.parse((await get(`${emu.restUrl}/search`, { q: `orgid:${emu.orgId}`, num: '100', start: String(start), f: 'json', token })).toString('utf8')) as {
      results: { id: string; url?: string | null; typeKeywords?: string[] }[];
      nextStart: number;
    };
    for (const item of page.results) {
      items++;
      await writeFile(join(dir, `${item.id}.json`), JSON.stringify(item));
      await writeFile(join(dir, `${item.id}.data`), await get(`${emu.restUrl}/content/items/${item.id}/data`, { token }));
      if (!item.url || !/\/FeatureServer\/?$/.test(item.url) || !item.typeKeywords?.includes('Hosted Service')) continue;
      const service = JSON.parse((await get(item.url, { f: 'json', token })).toString('utf8')) as { layers?: { id: number }[]; tables?: { id: number }[] };
      for (const layer of [...(service.layers ?? []), ...(service.tables ?? [])]) {
        for (let offset = 0, more = true; more; ) {
          const body = await get(`${item.url}/${layer.id}/query`, { where: '1=1', outFields: '*', orderByFields: 'OBJECTID', resultOffset: String(offset), resultRecordCount: '2000', f: 'json', token });
          const answer = JSON.parse(body.toString('utf8')) as { features?: unknown[]; exceededTransferLimit?: boolean };
          await writeFile(join(dir, `${item.id}-${layer.id}-${offset}.json`), body);
          features += answer.features?.length ?? 0;
          offset += answer.features?.length ?? 0;
          more = answer.exceededTransferLimit === true && (answer.features?.length ?? 0) > 0;
        }
      }
    }
    start = page.nextStart;
  }
  return { seconds: round((performance.now() - started) / 1000), requests, items, features };
}

async function serial(dir: string) {
  const { emu, stop, cpuSeconds } = await startEmulatorChild(script, { scale: serialScale, latencyMs });
  try {
    log(`serial script on the scale-${serialScale} org`);
    const baseline = process.env.FLOOR_BENCH_SKIP_SERIAL === '1' ? { seconds: NaN, requests: 0, items: 0, features: 0 } : await serialScript(emu, join(dir, 'serial'));
    await takeRequests(emu);
    log(`serial: ${baseline.seconds} s, ${baseline.requests} requests; OrgKeeper's first backup next`);
    const emulatorCpuBefore = await cpuSeconds();
    const orgkeeper = await backupOnce(emu, join(dir, 'first'), adaptive, 'floor', `scale-${serialScale} first backup`);
    const emulatorCpuSeconds = round((await cpuSeconds()) - emulatorCpuBefore);
    return {
      scale: serialScale,
      latencyMs,
      serialScript: baseline,
      orgkeeper: { seconds: orgkeeper.seconds, cpuSeconds: orgkeeper.cpuSeconds, emulatorCpuSeconds, requests: orgkeeper.requests, items: orgkeeper.items, limiter: orgkeeper.limiter, requestsPerItem: perItem(orgkeeper) },
      speedup: round(baseline.seconds / orgkeeper.seconds, 2)
    };
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-floor-bench-'));
  try {
    const result: Record<string, unknown> = { latencyMs };
    if (parts.has('throttle')) result.throttle = await throttle(dir);
    if (parts.has('serial')) result.serial = await serial(dir);
    if (parts.has('scale10')) result.scale10 = await scale10(dir);
    result.targets = {
      throttleAdaptiveToBestFixedAtMost: 1.1,
      throttleMostRefusedInARowAtMost: 1,
      serialSpeedupAtLeast: 3
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.BACKUP_BENCH_ROLE === 'emulator') await serveEmulator();
else await main();
