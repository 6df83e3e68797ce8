// Store backends benchmark (issue 18): a full backup and an unchanged rerun of the scaled emulated organization
// (`--scale 10`: about 5,000 items, 50 hosted layers with 500,000 features, 5,000 attachments) into a folder, the S3
// test server (fauxqs) and Azurite, each plain and encrypted; every figure also as a ratio to the plain folder's. And
// the CPU cost of encryption: content encoded per CPU second by the plain codec (gzip + SHA-256 name) and the encrypted
// one (gzip + AES-256-GCM + HMAC-SHA256 name), and AES-256-GCM sealing alone.
//
// The emulator, the S3 server and Azurite each run in a child process, so their CPU and memory are not the engine's.
// Latency is 0 by default (BACKENDS_BENCH_LATENCY_MS): with ArcGIS's own latency the store's share of the time shrinks
// and the comparison says less. The object storage servers are emulators on this machine: the figures compare the
// store's own work over each backend (requests, encoding, spooling), not a real service's network.
//
//   node scripts/bench.mjs store-backends
//   BACKENDS_BENCH_SCALE=2 BACKENDS_BENCH_CONFIGS=disk,s3 node --import tsx packages/server/bench/store-backends.bench.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sessionFor } from '../test/support/emulator-session.js';
import { runBackup } from '../src/backup/backup.engine.js';
import { PLAIN_CODEC } from '../src/store/blob-store/blob-codec.js';
import { seal } from '../src/store/encryption/aead-stream.js';
import { StoreCrypto } from '../src/store/encryption/store-crypto.js';
import { type StoreLocation, initStore, openStore } from '../src/store/index.js';
import { type AzureTestServer, S3_TEST_CREDENTIALS, startAzurite } from '../src/store/testing/object-servers.js';

const scale = Number(process.env.BACKENDS_BENCH_SCALE ?? 10);
const latencyMs = Number(process.env.BACKENDS_BENCH_LATENCY_MS ?? 0);
const concurrency = Number(process.env.BACKENDS_BENCH_CONCURRENCY ?? 8);
const configs = (process.env.BACKENDS_BENCH_CONFIGS ?? 'disk,disk-encrypted,s3,s3-encrypted,azure,azure-encrypted').split(',');
const cryptoMB = Number(process.env.BACKENDS_BENCH_CRYPTO_MB ?? 128);
const log = (message: string) => process.stderr.write(`store-backends.bench: ${message}\n`);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

interface EmulatorInfo {
  restUrl: string;
  portalUrl: string;
  orgId: string;
  admin: { username: string; password: string };
}

/** Child roles: the scaled emulator or the S3 server; each prints its coordinates and runs until stdin closes. */
async function serveChild(role: string): Promise<void> {
  if (role === 'emulator') {
    const { startEmulator } = await import('@orgkeeper/arcgis-emulator');
    const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, scale, latencyMs });
    process.stdout.write(`${JSON.stringify({ restUrl: emu.restUrl, portalUrl: emu.portalUrl, orgId: emu.orgId, admin: emu.admin })}\n`);
    process.stdin.resume();
    await new Promise<void>((resolve) => process.stdin.on('end', resolve));
    await emu.close();
    return;
  }
  const { startS3Server } = await import('../src/store/testing/object-servers.js');
  const s3 = await startS3Server();
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket })}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await s3.stop();
}

async function startChild<T>(role: string): Promise<{ info: T; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, BACKENDS_BENCH_ROLE: role }, stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the ${role} process exited with code ${code}`)));
  });
  return { info: JSON.parse(line) as T, child };
}

async function backup(emu: EmulatorInfo, location: StoreLocation, encryptWith: Buffer | undefined) {
  const session = sessionFor(emu, { concurrency });
  const org = { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Bench' };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runBackup({
    identity: {
      id: 'bench',
      name: 'Bench',
      fileLocation: '(bench)',
      orgId: emu.orgId,
      portalUrl: emu.portalUrl,
      openStore: () => initStore(location, org, encryptWith ? { encrypt: true, keys: { masterKey: encryptWith } } : {})
    },
    session,
    concurrency
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const failed = result.items.filter((i) => i.status === 'failed');
  if (failed.length > 0) throw new Error(`backup failed for ${failed.length} items, e.g. ${JSON.stringify(failed[0])}`);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, result };
}

async function storedMB(location: StoreLocation, masterKey: Buffer | undefined): Promise<number> {
  const store = await openStore(location, masterKey ? { keys: { masterKey } } : {});
  let bytes = 0;
  for await (const blob of store.blobs.list()) bytes += blob.storedSize;
  await store.close();
  return round(bytes / 1e6, 1);
}

/** Feature-chunk-like JSON (what most of a store is), `mb` megabytes in 1 MB pieces. */
function featureChunks(mb: number): Buffer[] {
  const pieces: Buffer[] = [];
  let oid = 0;
  for (let i = 0; i < mb; i++) {
    const features = [];
    let size = 0;
    while (size < 1e6) {
      const f = `{"attributes":{"OBJECTID":${++oid},"ASSETID":"H-${oid * 7}","STATUS":"${oid % 3 ? 'In Service' : 'Needs Repair'}","INSTALLED":${1.5e12 + oid * 86_400_000}},"geometry":{"x":${-122.4 + (oid % 1000) / 1e4},"y":${37.7 + (oid % 997) / 1e4}}}`;
      features.push(f);
      size += f.length + 1;
    }
    pieces.push(Buffer.from(`{"features":[${features.join(',')}]}`));
  }
  return pieces;
}

async function cryptoFigures() {
  const pieces = featureChunks(cryptoMB);
  const total = pieces.reduce((sum, p) => sum + p.length, 0) / 1e6;
  const crypto = new StoreCrypto(randomBytes(32), 'bench-store', undefined);
  const measure = async (encode: (piece: Buffer) => Promise<unknown> | unknown) => {
    const cpu = process.cpuUsage();
    for (const piece of pieces) await encode(piece);
    const used = process.cpuUsage(cpu);
    return round(total / ((used.user + used.system) / 1e6), 1);
  };
  const gzipped = await Promise.all(pieces.map((p) => PLAIN_CODEC.encode(p, 1)));
  const gzippedMB = gzipped.reduce((sum, p) => sum + p.length, 0) / 1e6;
  const key = randomBytes(32);
  const cpu = process.cpuUsage();
  for (const g of gzipped) seal(key, g);
  const sealUsed = process.cpuUsage(cpu);
  const rawCpu = process.cpuUsage();
  const iv = Buffer.alloc(12);
  for (const p of pieces) {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.update(p);
    cipher.final();
  }
  const rawUsed = process.cpuUsage(rawCpu);
  const plain = await measure((piece) => {
    PLAIN_CODEC.nameOf(piece);
    return PLAIN_CODEC.encode(piece, 1);
  });
  const encrypted = await measure((piece) => {
    crypto.codec.nameOf(piece);
    return crypto.codec.encode(piece, 1);
  });
  return {
    contentMB: round(total, 1),
    contentKind: 'feature-chunk JSON, 1 MB pieces, gzip level 1 (what most of a store holds)',
    plainCodecMBPerCpuSecond: plain,
    encryptedCodecMBPerCpuSecond: encrypted,
    encryptionOverheadPercent: round((plain / encrypted - 1) * 100, 1),
    sealGzippedMBPerCpuSecond: round(gzippedMB / ((sealUsed.user + sealUsed.system) / 1e6), 1),
    aesGcmRawMBPerCpuSecond: round(total / ((rawUsed.user + rawUsed.system) / 1e6), 1)
  };
}

async function main(): Promise<void> {
  log(`crypto: ${cryptoMB} MB of feature JSON through each codec`);
  const crypto = await cryptoFigures();
  log(JSON.stringify(crypto));

  const emulator = await startChild<EmulatorInfo>('emulator');
  const s3 = configs.some((c) => c.startsWith('s3')) ? await startChild<{ endpoint: string; bucket: string }>('s3') : undefined;
  const azure: AzureTestServer | undefined = configs.some((c) => c.startsWith('azure')) ? await startAzurite() : undefined;
  const folder = await mkdtemp(join(tmpdir(), 'orgkeeper-backends-bench-'));
  process.env.ORGKEEPER_SPOOL_DIR = folder;
  const results: Record<string, { full: { seconds: number; cpuSeconds: number }; rerun: { seconds: number; cpuSeconds: number }; storedMB: number; items: number }> = {};
  try {
    for (const config of configs) {
      const [kind, encrypted] = [config.split('-')[0], config.endsWith('-encrypted')];
      const location: StoreLocation =
        kind === 'disk'
          ? { kind: 'folder', path: join(folder, config) }
          : kind === 's3'
            ? { kind: 's3', bucket: s3!.info.bucket, prefix: `${config}/`, endpoint: s3!.info.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS }
            : azure!.location(config);
      const masterKey = encrypted ? randomBytes(32) : undefined;
      log(`${config}: full backup of the scale ${scale} org (${latencyMs} ms latency, concurrency ${concurrency})`);
      const full = await backup(emulator.info, location, masterKey);
      log(`${config}: full ${round(full.seconds)} s (${round(full.cpuSeconds)} CPU s); unchanged rerun`);
      const rerun = await backup(emulator.info, location, masterKey);
      log(`${config}: rerun ${round(rerun.seconds)} s`);
      results[config] = {
        full: { seconds: round(full.seconds), cpuSeconds: round(full.cpuSeconds) },
        rerun: { seconds: round(rerun.seconds), cpuSeconds: round(rerun.cpuSeconds) },
        storedMB: await storedMB(location, masterKey),
        items: full.result.items.length
      };
    }
  } finally {
    emulator.child.stdin!.end();
    s3?.child.stdin!.end();
    await azure?.stop();
    await rm(folder, { recursive: true, force: true });
  }
  const base = results.disk;
  const ratios = Object.fromEntries(
    Object.entries(results).map(([config, r]) => [
      config,
      base ? { full: round(r.full.seconds / base.full.seconds), rerun: round(r.rerun.seconds / base.rerun.seconds), fullCpu: round(r.full.cpuSeconds / base.full.cpuSeconds) } : null
    ])
  );
  process.stdout.write(`${JSON.stringify({ scale, latencyMs, concurrency, backends: results, ratioToDisk: ratios, crypto })}\n`);
}

if (process.env.BACKENDS_BENCH_ROLE) {
  await serveChild(process.env.BACKENDS_BENCH_ROLE);
} else {
  await main();
  process.exit(0);
}
