// Emulator benchmarks (run by `npm run bench`; needs the built dist/). Every emulator runs as a separate process
// started through the real command line, and every figure printed is measured here:
// - throughput of small JSON requests from concurrent keep-alive clients (target >= 2,000 requests/s, no latency),
// - time to answer a 2,000-feature query page (target < 20 ms),
// - start-up time and resident memory of scaled organizations (target < 5 s), before and after data is touched.
// Prints one JSON object as its last stdout line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'arcgis-emulator.js');
const log = (message) => process.stderr.write(`emulator.bench: ${message}\n`);

function startEmulator(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const startupMs = performance.now() - started;
        try {
          resolve({ child, info: JSON.parse(out.slice(0, nl)), startupMs });
        } catch (error) {
          reject(error);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}: ${err}`)));
  });
}

async function stopEmulator({ child }) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function rssMB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

function get(agent, url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(url, params) {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ f: 'json', ...params }) });
  return res.json();
}

async function token(info) {
  const body = await post(`${info.restUrl}/generateToken`, { username: info.admin.username, password: info.admin.password, client: 'requestip', expiration: '60' });
  if (!body.token) throw new Error(`generateToken failed: ${JSON.stringify(body)}`);
  return body.token;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (n, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function throughput(info, { concurrency, seconds }) {
  // The benchmark's own process is the client; the emulator is another process.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const urls = [`${info.restUrl}/info?f=json`, `${info.restUrl}/portals/self?f=json`];
  // warm-up
  for (let i = 0; i < 200; i++) await get(agent, urls[i % urls.length]);
  let ok = 0;
  let failed = 0;
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      let i = worker;
      while (performance.now() < deadline) {
        const t = performance.now();
        const res = await get(agent, urls[i++ % urls.length]);
        latencies.push(performance.now() - t);
        if (res.status === 200) ok++;
        else failed++;
      }
    })
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    seconds: round(elapsed, 2),
    requests: ok + failed,
    failed,
    requestsPerSecond: Math.round((ok + failed) / elapsed),
    latencyMs: { p50: round(percentile(latencies, 50), 2), p95: round(percentile(latencies, 95), 2), p99: round(percentile(latencies, 99), 2) },
    endpoints: ['sharing/rest/info', 'portals/self (anonymous)']
  };
}

async function queryPage(info, t) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const layer = `${info.portalUrl}/${info.orgId}/arcgis/rest/services/Scale_Layer_0001/FeatureServer/0`;
  const common = `f=json&outFields=*&returnGeometry=true&orderByFields=OBJECTID&resultRecordCount=2000&token=${t}`;
  const byOffset = (page) => `${layer}/query?${common}&where=1%3D1&resultOffset=${page * 2000}`;
  // The paging clients are advised to use: objectId ranges (stable, no skipping).
  const byOid = (page) => `${layer}/query?${common}&where=${encodeURIComponent(`OBJECTID > ${page * 2000}`)}`;
  const first = await get(agent, byOffset(0));
  const parsed = JSON.parse(first.body.toString());
  if (!Array.isArray(parsed.features) || parsed.features.length !== 2000) throw new Error(`query did not return 2,000 features: ${first.body.toString().slice(0, 300)}`);
  const measure = async (url, samples) => {
    for (let i = 0; i < 5; i++) await get(agent, url(i % 5)); // warm-up (JIT), not counted
    const times = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const res = await get(agent, url(i % 5));
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`query answered ${res.status}`);
    }
    times.sort((a, b) => a - b);
    return { medianMs: round(percentile(times, 50), 2), p95Ms: round(percentile(times, 95), 2), samples };
  };
  const result = {
    features: 2000,
    responseBytes: first.body.length,
    layer: '10,000 lazily generated points, all fields, with geometry',
    firstPage: await measure(() => byOffset(0), 30),
    objectIdRangePages: await measure(byOid, 30),
    offsetPages: await measure(byOffset, 30)
  };
  agent.destroy();
  return result;
}

async function touch(info, t) {
  // Reads item data and the first pages of a few layers, as a backup would start to.
  const search = await (await fetch(`${info.restUrl}/search?f=json&q=orgid:${info.orgId}&num=100&token=${t}`)).json();
  for (const item of search.results ?? []) await (await fetch(`${info.restUrl}/content/items/${item.id}/data?token=${t}`)).arrayBuffer();
  return (search.results ?? []).length;
}

const results = { targets: { requestsPerSecond: '>= 2000', queryPage2000Ms: '< 20', scaledStartupMs: '< 5000' } };

log('throughput (demo org)');
{
  const emu = await startEmulator(['--seed', 'demo']);
  try {
    results.demoStartupMs = Math.round(emu.startupMs);
    results.throughput = await throughput(emu.info, { concurrency: 32, seconds: 5 });
  } finally {
    await stopEmulator(emu);
  }
}

log('2,000-feature query pages (scale 2)');
{
  const emu = await startEmulator(['--seed', 'demo', '--scale', '2']);
  try {
    results.queryPage = await queryPage(emu.info, await token(emu.info));
  } finally {
    await stopEmulator(emu);
  }
}

results.scaled = [];
for (const n of [10, 20, 100]) {
  log(`start-up at --scale ${n}`);
  const emu = await startEmulator(['--seed', 'demo', '--scale', String(n)]);
  try {
    const rssAtStart = rssMB(emu.child.pid);
    const t = await token(emu.info);
    const touchedItems = await touch(emu.info, t);
    results.scaled.push({ scale: n, startupMs: Math.round(emu.startupMs), rssMBAtStart: rssAtStart, rssMBAfterReadingItems: rssMB(emu.child.pid), itemsRead: touchedItems });
  } finally {
    await stopEmulator(emu);
  }
}

log('--state-dir at --scale 10: save on stop, load on restart');
{
  const dir = mkdtempSync(join(tmpdir(), 'emu-bench-state-'));
  try {
    const args = ['--seed', 'demo', '--scale', '10', '--state-dir', dir];
    const first = await startEmulator(args);
    const t = await token(first.info);
    // one change, so the stop has something to save
    await post(`${first.info.restUrl}/content/users/${first.info.admin.username}/addItem`, { token: t, title: 'bench', type: 'CSV', text: 'a,b' });
    const stopStarted = performance.now();
    await stopEmulator(first);
    const stopMs = performance.now() - stopStarted;
    if (!existsSync(join(dir, 'state.json'))) throw new Error('no state.json after stop');
    const second = await startEmulator(args);
    results.stateDir = {
      scale: 10,
      stopWithSaveMs: Math.round(stopMs),
      restartWithLoadMs: Math.round(second.startupMs),
      rssMBAfterLoad: rssMB(second.child.pid),
      stateJsonMB: round(statSync(join(dir, 'state.json')).size / 1048576, 1)
    };
    await stopEmulator(second);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${JSON.stringify(results)}\n`);
