// Store benchmark: how fast blobs go into the store compared with gzip alone, per compression level and content kind,
// and whether a streamed put keeps memory flat. Prints one JSON object on the last line (see scripts/bench.mjs).
//
//   node scripts/bench.mjs store                    (default: 256 MB of mixed blobs per level)
//   STORE_BENCH_MB=1024 node scripts/bench.mjs store (the 1 GB figure)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { initStore } from '../src/store/index.js';

const gzipAsync = promisify(gzip);
const totalMb = Number(process.env.STORE_BENCH_MB ?? 256);
const streamMb = Number(process.env.STORE_BENCH_STREAM_MB ?? 1024);
const concurrency = 4;
const log = (message: string) => process.stderr.write(`store.bench: ${message}\n`);

/** Feature-chunk-like JSON (compressible, like real FeatureSet pages). */
function featureChunk(seed: number, bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let oid = seed * 10_000; size < bytes; oid++) {
    const f = `{"attributes":{"OBJECTID":${oid},"NAME":"Hydrant ${oid % 977}","STATUS":"${oid % 3 ? 'Active' : 'Retired'}","INSTALLED":${1_500_000_000_000 + oid * 86_400}},"geometry":{"x":${(-13_000_000 + oid * 1.37).toFixed(2)},"y":${(4_000_000 + oid * 0.91).toFixed(2)}}},`;
    parts.push(f);
    size += f.length;
  }
  return Buffer.from(`{"features":[${parts.join('').slice(0, -1)}]}`);
}

/** A mixed set: 60% feature chunks (64 KB to 2 MB), 40% incompressible (photos, PDFs). Unique content throughout. */
function makeBlobs(totalBytes: number): Buffer[] {
  const blobs: Buffer[] = [];
  let made = 0;
  for (let i = 0; made < totalBytes; i++) {
    const size = 64 * 1024 + ((i * 7919) % (2 * 1024 * 1024 - 64 * 1024));
    const blob = i % 5 < 3 ? featureChunk(i, size) : randomBytes(size);
    blobs.push(blob);
    made += blob.length;
  }
  return blobs;
}

async function pool<T>(values: T[], task: (v: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < values.length) await task(values[next++]!);
  }));
}

async function measure(blobs: Buffer[], level: number | undefined) {
  const options = level === undefined ? {} : { level };
  const bytes = blobs.reduce((s, b) => s + b.length, 0);
  let t = performance.now();
  let gz = 0;
  await pool(blobs, async (b) => {
    const compressed = await gzipAsync(b, { level: level ?? 6 });
    gz += compressed.length;
  });
  const gzipMs = performance.now() - t;
  const parent = await mkdtemp(join(tmpdir(), 'orgkeeper-bench-'));
  try {
    const store = await initStore(join(parent, 'store'), { id: 'bench', portalUrl: 'https://bench.example.com', name: 'Bench' });
    t = performance.now();
    let stored = 0;
    await pool(blobs, async (b) => {
      const result = await store.blobs.put(b, options);
      stored += result.storedSize;
    });
    await store.blobs.sync();
    const putMs = performance.now() - t;
    t = performance.now();
    await pool(blobs, async (b) => void (await store.blobs.put(b, options))); // all duplicates now
    const dedupMs = performance.now() - t;
    return {
      level: level ?? 'default (6; incompressible content stored)',
      mb: +(bytes / 1e6).toFixed(1),
      gzipOnlyMBps: +(bytes / 1e6 / (gzipMs / 1000)).toFixed(1),
      putMBps: +(bytes / 1e6 / (putMs / 1000)).toFixed(1),
      putOverGzip: +(putMs / gzipMs).toFixed(2),
      compressionRatio: +(stored / bytes).toFixed(3),
      gzipRatio: +(gz / bytes).toFixed(3),
      duplicatePutMBps: +(bytes / 1e6 / (dedupMs / 1000)).toFixed(1)
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function measureByKind(level: number) {
  const json = Array.from({ length: 16 }, (_, i) => featureChunk(i + 1000, 1024 * 1024));
  const binary = Array.from({ length: 16 }, () => randomBytes(1024 * 1024));
  const speed = async (blobs: Buffer[]) => {
    const t = performance.now();
    let out = 0;
    await pool(blobs, async (b) => {
      const compressed = await gzipAsync(b, { level });
      out += compressed.length;
    });
    const bytes = blobs.reduce((s, b) => s + b.length, 0);
    return { MBps: +(bytes / 1e6 / ((performance.now() - t) / 1000)).toFixed(1), ratio: +(out / bytes).toFixed(3) };
  };
  return { level, featureJson: await speed(json), incompressible: await speed(binary) };
}

/** Stream a large blob through putStream and sample RSS: memory must not grow with the blob size. */
async function measureStreaming() {
  const parent = await mkdtemp(join(tmpdir(), 'orgkeeper-bench-'));
  try {
    const store = await initStore(join(parent, 'store'), { id: 'bench', portalUrl: 'https://bench.example.com', name: 'Bench' });
    const chunk = featureChunk(1, 256 * 1024);
    const chunks = Math.ceil((streamMb * 1024 * 1024) / chunk.length);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t = performance.now();
    let i = 0;
    const source = new Readable({
      read() {
        // Vary each chunk a little so the blob is not trivially compressible.
        if (i < chunks) this.push(Buffer.concat([chunk, Buffer.from(String(i++))]));
        else this.push(null);
      }
    });
    const result = await store.blobs.putStream(source, { level: 1 });
    const ms = performance.now() - t;
    clearInterval(sampler);
    return {
      blobMB: +(result.size / 1e6).toFixed(1),
      storedMB: +(result.storedSize / 1e6).toFixed(1),
      MBps: +(result.size / 1e6 / (ms / 1000)).toFixed(1),
      rssBaselineMB: +(baseline / 1e6).toFixed(1),
      rssPeakMB: +(peak / 1e6).toFixed(1),
      rssGrowthMB: +((peak - baseline) / 1e6).toFixed(1)
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

log(`streaming a ${streamMb} MB blob`);
const streaming = await measureStreaming();
log(`generating ${totalMb} MB of mixed blobs`);
const blobs = makeBlobs(totalMb * 1024 * 1024);
const byLevel = [];
for (const level of [1, 4, 6, undefined]) {
  log(`putting at level ${level ?? 'default'}`);
  byLevel.push(await measure(blobs, level));
}
const byKind = [];
for (const level of [1, 4, 6, 9]) byKind.push(await measureByKind(level));
process.stdout.write(`${JSON.stringify({ concurrency, mixedPut: byLevel, gzipByContentKind: byKind, streamingPut: streaming })}\n`);
