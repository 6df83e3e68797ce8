// Hosted-layer restore benchmark (issue 5): a layer of RESTORE_BENCH_FEATURES features (default 100,000) with
// RESTORE_BENCH_ATTACHMENTS attachments (default 2,000) is backed up from the emulator without latency, then recreated
// as a new service with RESTORE_BENCH_LATENCY_MS (default 50 ms) added to every request. Reports features per second
// and the ratio of the elapsed time to the lower bound that the requests made imply
// (requests x latency / concurrency); the target is at most 1.5. The emulator runs in a child process so its work
// does not share this process's event loop. Prints one JSON object on the last line (see scripts/bench.mjs).
//
//   node scripts/bench.mjs restore
//   RESTORE_BENCH_FEATURES=20000 RESTORE_BENCH_ATTACHMENTS=400 node scripts/bench.mjs restore
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { IItem } from '@esri/arcgis-rest-portal';
import { sessionFor } from '../test/support/emulator-session.js';
import { backupHostedService } from '../src/backup/hosted-service.backup.js';
import { recreateHostedService } from '../src/restore/hosted/index.js';
import { initStore } from '../src/store/index.js';

const features = Number(process.env.RESTORE_BENCH_FEATURES ?? 100_000);
const attachments = Number(process.env.RESTORE_BENCH_ATTACHMENTS ?? 2_000);
const latencyMs = Number(process.env.RESTORE_BENCH_LATENCY_MS ?? 50);
const concurrency = Number(process.env.RESTORE_BENCH_CONCURRENCY ?? 8);
const log = (message: string) => process.stderr.write(`restore.bench: ${message}\n`);

interface EmulatorInfo {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
  item: IItem;
}

/** Child role: an emulator with one lazy layer; `latency <ms>` on stdin sets the latency; runs until stdin closes. */
async function serveEmulator(): Promise<void> {
  const { startEmulator, createHostedService } = await import('@orgkeeper/arcgis-emulator');
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, seed: 'empty' });
  // Every (features / attachments)-th feature has one attachment of 2-6 KB.
  const every = Math.max(1, Math.floor(features / Math.max(1, attachments)));
  const { item } = createHostedService(emu.context, {
    name: 'BenchInspections',
    owner: emu.admin.username,
    capabilities: 'Query',
    layers: [{
      name: 'Inspections',
      geometryType: 'esriGeometryPoint',
      maxRecordCount: 2000,
      hasAttachments: attachments > 0,
      fields: [
        { name: 'ASSET_ID', type: 'esriFieldTypeString', length: 20 },
        { name: 'CONDITION', type: 'esriFieldTypeSmallInteger' },
        { name: 'INSPECTED', type: 'esriFieldTypeDate' },
        { name: 'NOTES', type: 'esriFieldTypeString', length: 200 }
      ],
      features: {
        count: features,
        generate: (oid) => ({
          attributes: { ASSET_ID: `A-${String(oid).padStart(8, '0')}`, CONDITION: oid % 5, INSPECTED: 1_600_000_000_000 + oid * 60_000, NOTES: oid % 3 === 0 ? 'Leaning; check again in spring' : null },
          geometry: { x: -13_000_000 + (oid % 1000) * 25, y: 4_000_000 + Math.floor(oid / 1000) * 25 }
        })
      },
      ...(attachments > 0
        ? {
            attachments: {
              perFeatureMax: 1,
              generate: (oid: number) =>
                oid % every === 0 && oid / every <= attachments
                  ? [{ name: `photo-${oid}.jpg`, contentType: 'image/jpeg', data: Buffer.alloc(2048 + (oid % 4096), oid % 251), keywords: 'inspection' }]
                  : []
            }
          }
        : {})
    }]
  });
  const info: EmulatorInfo = { restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin, item: item.json as unknown as IItem };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, value] = line.trim().split(/\s+/);
    if (command === 'latency') emu.faults.update({ latencyMs: Number(value) });
    // `requests`: what the emulator received (every HTTP request, the session's retries and token calls included).
    const answer = command === 'requests' ? JSON.stringify(emu.requestLog.snapshot(0)) : `ok ${line}`;
    process.stdout.write(`${answer}\n`);
  });
  await new Promise<void>((resolve) => lines.once('close', resolve));
  await emu.close();
}

async function main(): Promise<void> {
  // RESTORE_BENCH_EMULATOR_NODE_ARGS (e.g. "--cpu-prof") profiles the emulator side.
  const nodeArgs = (process.env.RESTORE_BENCH_EMULATOR_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, RESTORE_BENCH_ROLE: 'emulator' },
    stdio: ['pipe', 'pipe', 'inherit']
  });
  const dir = await mkdtemp(join(tmpdir(), 'orgkeeper-restore-bench-'));
  try {
    const lines = createInterface({ input: child.stdout! });
    const nextLine = () =>
      new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`the emulator process exited with code ${code}`)));
      });
    const emu = JSON.parse(await nextLine()) as EmulatorInfo;
    const session = sessionFor(emu, { concurrency });
    const store = await initStore(dir, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'bench' });

    log(`backing up ${features} features and ${attachments} attachments (no latency)`);
    const service = await backupHostedService({ session, store }, emu.item);
    const layer = service.layers[0]!;
    if (layer.status !== 'ok' || layer.featureCount !== features || (layer.attachmentCount ?? 0) !== attachments) {
      throw new Error(`backup incomplete: ${layer.featureCount} features, ${layer.attachmentCount ?? 0} attachments, ${JSON.stringify(layer.problems ?? [])}`);
    }
    const entry = { id: emu.item.id, title: emu.item.title, type: emu.item.type, owner: emu.item.owner, folderId: null, modified: emu.item.modified, status: 'ok' as const, service };

    child.stdin!.write(`latency ${latencyMs}\n`);
    await nextLine();
    child.stdin!.write('requests\n');
    const received = (JSON.parse(await nextLine()) as { total: number; byEndpoint: Record<string, number> });
    // A fresh session: its counters are the restore's alone (the token is fetched again, and counted).
    const restoreSession = sessionFor(emu, { concurrency });
    let checkpoints = 0;
    let lastLog = 0;
    // When the first and the last feature batch were done.
    const marks: { firstFeature?: number; featuresDone?: number } = {};
    log(`recreating at ${latencyMs} ms latency, concurrency ${concurrency}`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await recreateHostedService({
      session: restoreSession,
      store,
      entry,
      owner: emu.admin.username,
      serviceName: 'BenchInspections_restored',
      itemProperties: {},
      signal: new AbortController().signal,
      checkpoint: async () => void checkpoints++,
      onProgress: (p) => {
        const now = performance.now();
        if (p.features > 0) marks.firstFeature ??= now;
        if (p.features >= features) marks.featuresDone ??= now;
        if (p.features - lastLog >= 20_000) {
          lastLog = p.features;
          log(`${p.features} features, ${p.attachments} attachments`);
        }
      }
    });
    const ended = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (ended - started) / 1000;
    const span = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? null : Number(((to - from) / 1000).toFixed(2)));
    const requests = restoreSession.stats.requests;
    const lowerBoundSeconds = (requests * latencyMs) / concurrency / 1000;

    child.stdin!.write('requests\n');
    const receivedAfter = (JSON.parse(await nextLine()) as { total: number; byEndpoint: Record<string, number> });
    const httpRequests = receivedAfter.total - received.total;
    const byEndpoint: Record<string, number> = {};
    for (const [k, v] of Object.entries(receivedAfter.byEndpoint)) if (v > (received.byEndpoint[k] ?? 0)) byEndpoint[k] = v - (received.byEndpoint[k] ?? 0);
    child.stdin!.write('latency 0\n');
    await nextLine();
    // Check the result: every feature and attachment arrived once.
    const count = await session.request<{ count: number }>(`${result.layerUrls[0]}/query`, { where: '1=1', returnCountOnly: true });
    const groups = await session.request<{ attachmentGroups: { attachmentInfos: unknown[] }[] }>(`${result.layerUrls[0]}/queryAttachments`, { definitionExpression: '1=1' }, { httpMethod: 'POST' });
    const restoredAttachments = groups.attachmentGroups.reduce((n, g) => n + g.attachmentInfos.length, 0);
    if (count.count !== features || restoredAttachments !== attachments) throw new Error(`restore incomplete: ${count.count} features, ${restoredAttachments} attachments`);

    const ratio = lowerBoundSeconds > 0 ? seconds / lowerBoundSeconds : null;
    process.stdout.write(`${JSON.stringify({
      features,
      attachments,
      latencyMs,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      featuresPerSecond: Math.round(features / seconds),
      requests,
      // What the emulator received: the same calls plus any a library made on its own (tokens, server info).
      httpRequests,
      byEndpoint,
      // CPU time of this (restoring) process; the emulator's is not counted.
      clientCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      retries: restoreSession.stats.retries,
      checkpoints,
      lowerBoundSeconds: Number(lowerBoundSeconds.toFixed(2)),
      // Where the time went: until the first batch of features was in (service, definitions); until the last one was
      // in (attachments of added features are sent meanwhile); the attachments still left after that.
      phases: { setupSeconds: span(started, marks.firstFeature), featuresSeconds: span(marks.firstFeature, marks.featuresDone), remainingAttachmentsSeconds: span(marks.featuresDone, ended) },
      ratioToLowerBound: ratio === null ? null : Number(ratio.toFixed(2)),
      targets: { ratioToLowerBoundAtMost: 1.5 }
    })}\n`);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.RESTORE_BENCH_ROLE === 'emulator') await serveEmulator();
else await main();
