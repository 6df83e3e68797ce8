// Layer backup benchmark: one hosted layer of LAYER_BENCH_FEATURES lazily generated features (default 1,000,000)
// backed up into a fresh store. Measures features per second, the resident memory of the backing-up process (the
// emulator runs in a child process so its memory is not counted), the requests made, and an unchanged rerun.
// Prints one JSON object on the last line (see scripts/bench.mjs).
//
//   node scripts/bench.mjs layer
//   LAYER_BENCH_FEATURES=100000 LAYER_BENCH_LATENCY_MS=50 node scripts/bench.mjs layer
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { IItem } from '@esri/arcgis-rest-portal';
import { sessionFor } from '../test/support/emulator-session.js';
import { backupHostedService } from '../src/backup/hosted-service.backup.js';
import { initStore } from '../src/store/index.js';

const features = Number(process.env.LAYER_BENCH_FEATURES ?? 1_000_000);
const latencyMs = Number(process.env.LAYER_BENCH_LATENCY_MS ?? 0);
const log = (message: string) => process.stderr.write(`layer.bench: ${message}\n`);

interface EmulatorInfo {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
  item: IItem;
}

/** Child role: an emulator holding one lazy layer; prints its coordinates, runs until stdin closes. */
async function serveEmulator(): Promise<void> {
  const { startEmulator, createHostedService } = await import('@orgkeeper/arcgis-emulator');
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, seed: 'empty', latencyMs });
  const { item } = createHostedService(emu.context, {
    name: 'BenchParcels',
    owner: emu.admin.username,
    capabilities: 'Query',
    layers: [{
      name: 'Parcels',
      geometryType: 'esriGeometryPolygon',
      maxRecordCount: 2000,
      fields: [
        { name: 'APN', type: 'esriFieldTypeString', length: 20 },
        { name: 'ZONING', type: 'esriFieldTypeString', length: 10 },
        { name: 'AREA_SQFT', type: 'esriFieldTypeDouble' },
        { name: 'ASSESSED', type: 'esriFieldTypeInteger' }
      ],
      features: {
        count: features,
        generate: (oid) => {
          const x = -13_000_000 + (oid % 1000) * 120;
          const y = 4_000_000 + Math.floor(oid / 1000) * 120;
          return {
            attributes: { APN: `P-${String(oid).padStart(8, '0')}`, ZONING: ['R1', 'R2', 'C1', 'M1'][oid % 4], AREA_SQFT: 5000 + (oid % 977) * 3.5, ASSESSED: 100_000 + (oid % 5003) * 41 },
            geometry: { rings: [[[x, y], [x + 100, y], [x + 100, y + 100], [x, y + 100], [x, y]]] }
          };
        }
      }
    }]
  });
  const info: EmulatorInfo = { restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin, item: item.json as unknown as IItem };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await emu.close();
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, LAYER_BENCH_ROLE: 'emulator' },
    stdio: ['pipe', 'pipe', 'inherit']
  });
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-layer-bench-'));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the emulator process exited with code ${code}`)));
    });
    const emu = JSON.parse(line) as EmulatorInfo;
    const session = sessionFor(emu, { concurrency: 8 });
    const store = await initStore(dir, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'bench' });

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    let lastLog = 0;
    const started = performance.now();
    const entry = await backupHostedService({
      session,
      store,
      ...(process.env.LAYER_BENCH_CHUNKS ? { chunkConcurrency: Number(process.env.LAYER_BENCH_CHUNKS) } : {}),
      onProgress: (p) => {
        if (p.featuresDone - lastLog >= 100_000) {
          lastLog = p.featuresDone;
          log(`${p.featuresDone} features, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
        }
      }
    }, emu.item);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const requests = session.stats.requests;
    const layer = entry.layers[0]!;
    if (layer.status !== 'ok' || layer.featureCount !== features) throw new Error(`backup incomplete: ${JSON.stringify(layer.problems ?? layer.featureCount)}`);

    const rerunStarted = performance.now();
    const again = await backupHostedService({ session, store }, emu.item, entry);
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;
    if (again.layers[0]!.chunks.length !== layer.chunks.length) throw new Error('the unchanged rerun changed the layer');

    let storedBytes = 0;
    for await (const blob of store.blobs.list()) storedBytes += blob.storedSize;
    const result = {
      features,
      latencyMs,
      chunks: layer.chunks.length,
      seconds: Number(seconds.toFixed(2)),
      featuresPerSecond: Math.round(features / seconds),
      requests,
      rssBeforeMB: Math.round(rssBefore / 1e6),
      rssPeakMB: Math.round(rssPeak / 1e6),
      storedMB: Number((storedBytes / 1e6).toFixed(1)),
      rerun: { seconds: Number(rerunSeconds.toFixed(3)), requests: session.stats.requests - requests },
      targets: { rssPeakBelowMB: 300, featuresPerSecondAtLeast: 20_000 }
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.LAYER_BENCH_ROLE === 'emulator') await serveEmulator();
else await main();
