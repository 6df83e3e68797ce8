// Backup engine benchmark (issue 4): a full backup of the scaled emulated organization (`--scale 10`: about 5,000
// items, 50 hosted layers with 500,000 features and 5,000 attachments) with 50 ms latency per request, then an
// unchanged rerun; the same content fetched one request at a time; and the one-layer figures of layer.bench.ts
// (1,000,000 features: peak RSS and features/s with no latency), which it runs as a child.
// The emulator runs in a child process so its CPU and memory are not the engine's. Prints one JSON object on the last
// line of stdout (see scripts/bench.mjs); progress goes to stderr.
//
//   node scripts/bench.mjs backup
//   BACKUP_BENCH_SCALE=2 BACKUP_BENCH_SEQUENTIAL_ITEMS=20 node --import tsx packages/server/bench/backup.bench.ts
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBackup } from '../src/backup/backup.engine.js';
import type { BackupResult } from '../src/backup/backup.types.js';
import { openStore } from '../src/store/index.js';
import { type EmulatorInfo, round, serveEmulator, sessionFor, startEmulatorChild, storedBytes, takeRequests } from './bench-support.js';

const scale = Number(process.env.BACKUP_BENCH_SCALE ?? 10);
const latencyMs = Number(process.env.BACKUP_BENCH_LATENCY_MS ?? 50);
const concurrency = Number(process.env.BACKUP_BENCH_CONCURRENCY ?? 8);
/** Items (ordinary ones, plus hosted services in proportion) backed up one request at a time for the sequential figure. */
const sequentialItems = Number(process.env.BACKUP_BENCH_SEQUENTIAL_ITEMS ?? 150);
const runLayerBench = process.env.BACKUP_BENCH_LAYER !== '0';
const log = (message: string) => process.stderr.write(`backup.bench: ${message}\n`);

async function backup(emu: EmulatorInfo, dir: string, limit: number, extra: { itemIds?: string[]; includePrincipals?: boolean } = {}) {
  const session = sessionFor(emu, limit);
  let last = 0;
  const started = performance.now();
  const result: BackupResult = await runBackup({
    identity: { id: 'bench', name: 'Bench', fileLocation: dir, orgId: emu.orgId, portalUrl: emu.portalUrl },
    session,
    concurrency: limit,
    ...extra,
    onProgress: (p) => {
      if (Date.now() - last > 15_000) {
        last = Date.now();
        log(`${p.phase} ${p.itemsDone}/${p.itemsTotal} items, ${session.stats.requests} requests, ${Math.round((performance.now() - started) / 1000)} s`);
      }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const failed = result.items.filter((i) => i.status === 'failed');
  if (failed.length > 0) throw new Error(`backup failed for ${failed.length} items, e.g. ${JSON.stringify(failed[0])}`);
  return { result, seconds, session };
}

async function layerFigures(): Promise<unknown> {
  const file = fileURLToPath(new URL('./layer.bench.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LAYER_BENCH_LATENCY_MS: '0' } });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`layer.bench.ts exited with code ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}


async function main(): Promise<void> {
  const { emu, stop } = await startEmulatorChild(fileURLToPath(import.meta.url), { scale, latencyMs });
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-backup-bench-'));
  try {
    await takeRequests(emu);

    // 1. Full backup.
    log(`full backup of the scale ${scale} org, ${latencyMs} ms latency, concurrency ${concurrency}`);
    const full = await backup(emu, join(dir, 'store'), concurrency);
    const fullRequests = await takeRequests(emu);
    const firstBytes = await storedBytes(join(dir, 'store'));
    const lowerBound = (fullRequests.total / concurrency) * (latencyMs / 1000);
    const counts = full.result.counts;
    log(`full: ${round(full.seconds)} s, ${fullRequests.total} requests, ${counts.ok} ok`);

    // 2. Unchanged rerun.
    const rerun = await backup(emu, join(dir, 'store'), concurrency);
    const rerunRequests = await takeRequests(emu);
    const rerunBytes = (await storedBytes(join(dir, 'store'))) - firstBytes;
    const manifest = await (await openStore(join(dir, 'store'))).readSnapshot(full.result.snapshotId);
    const hostedServices = full.result.items.filter((i) => i.type === 'Feature Service').length;
    log(`rerun: ${round(rerun.seconds)} s, ${rerunRequests.total} requests`);

    // 3. One request at a time: a sample of the org's items (ordinary items and hosted services in the org's
    // proportion) backed up with concurrency 1 into a fresh store; its seconds per request times the full run's requests.
    const ordinary = full.result.items.filter((i) => i.type !== 'Feature Service');
    const services = full.result.items.filter((i) => i.type === 'Feature Service');
    const serviceShare = Math.max(1, Math.round((sequentialItems * services.length) / full.result.items.length));
    const pick = <T>(list: T[], n: number) => Array.from({ length: Math.min(n, list.length) }, (_, k) => list[Math.floor((k * list.length) / Math.min(n, list.length))]!);
    const sample = [...pick(ordinary, sequentialItems - serviceShare), ...pick(services, serviceShare)].map((i) => i.id);
    log(`sequential sample: ${sample.length} items (${serviceShare} hosted services), one request at a time`);
    const sequential = await backup(emu, join(dir, 'sequential'), 1, { itemIds: sample, includePrincipals: false });
    const sequentialRequests = await takeRequests(emu);
    const secondsPerRequest = sequential.seconds / sequentialRequests.total;
    const sequentialEstimate = secondsPerRequest * fullRequests.total;

    // 4. One layer of 1,000,000 features, no latency (layer.bench.ts).
    const layer = runLayerBench ? await layerFigures() : null;

    const result = {
      scale,
      latencyMs,
      concurrency,
      org: {
        items: full.result.items.length,
        hostedServices,
        layers: manifest.counts.layers,
        features: manifest.counts.features,
        attachments: manifest.counts.attachments,
        groups: counts.groups,
        users: counts.users
      },
      full: {
        seconds: round(full.seconds),
        requests: fullRequests.total,
        retries: full.session.stats.retries,
        throttled: full.session.stats.throttled,
        lowerBoundSeconds: round(lowerBound),
        ratioToLowerBound: round(full.seconds / lowerBound),
        storedMB: round(firstBytes / 1e6, 1),
        bytesRead: full.result.bytesRead,
        requestsByEndpoint: fullRequests.byEndpoint
      },
      sequential: {
        estimated: true,
        method: `${sample.length} items (${serviceShare} hosted services) backed up with concurrency 1: ${sequentialRequests.total} requests in ${round(sequential.seconds)} s; seconds per request x the full run's requests`,
        secondsPerRequest: round(secondsPerRequest, 4),
        seconds: round(sequentialEstimate, 1),
        speedup: round(sequentialEstimate / full.seconds, 1)
      },
      rerun: {
        seconds: round(rerun.seconds),
        percentOfFull: round((rerun.seconds / full.seconds) * 100, 1),
        requests: rerunRequests.total,
        // The target: the search pages (the items', and each group's content, which gives every item's sharing) plus
        // at most two requests per hosted service. The rest is in requestsByEndpoint: group members, user pages, the
        // folders of users that changed or whose rotation turn it is (see FOLDER_ROTATION in backup.engine.ts).
        requestTarget: (rerunRequests.byEndpoint.search ?? 0) + 2 * hostedServices,
        requestsByEndpoint: rerunRequests.byEndpoint,
        carriedOver: rerun.result.counts.carriedOver,
        bytesAdded: rerunBytes,
        percentOfFirstSnapshotBytes: round((rerunBytes / firstBytes) * 100, 3)
      },
      layer,
      targets: {
        ratioToLowerBoundAtMost: 1.3,
        speedupAtLeast: 8,
        rerunPercentOfFullAtMost: 5,
        rerunRequests: 'search pages + at most 2 per hosted service',
        rerunBytesPercentAtMost: 1,
        layerRssPeakBelowMB: 300,
        layerFeaturesPerSecondAtLeast: 20_000
      }
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.BACKUP_BENCH_ROLE === 'emulator') await serveEmulator();
else await main();
