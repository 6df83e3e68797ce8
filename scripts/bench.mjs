#!/usr/bin/env node
// Runs every package benchmark (`packages/*/bench/*.bench.mjs` or `.bench.ts`, TypeScript through tsx), each in its
// own process, and prints ONE JSON document with all results. A benchmark prints its result as the last line of its
// stdout (a JSON object); progress and diagnostics go to stderr. Figures are measured, never estimated.
//
//   npm run bench                 all benchmarks (builds first)
//   node scripts/bench.mjs NAME   only benchmarks whose path contains NAME
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];

function findBenchmarks() {
  const found = [];
  const packages = join(root, 'packages');
  for (const pkg of readdirSync(packages).sort()) {
    const dir = join(packages, pkg, 'bench');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (/\.bench\.(mjs|ts)$/.test(file)) found.push(join(dir, file));
    }
  }
  return found.filter((f) => !filter || relative(root, f).includes(filter));
}

function run(file) {
  const args = file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => {
      const durationMs = Date.now() - started;
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exited with code ${code}`);
        resolve({ ok: true, durationMs, result: JSON.parse(last) });
      } catch (error) {
        resolve({ ok: false, durationMs, error: error.message, stderrTail: stderr.split('\n').slice(-15).join('\n') });
      }
    });
  });
}

const benchmarks = findBenchmarks();
const results = {};
let failed = 0;
for (const file of benchmarks) {
  const name = relative(root, file);
  process.stderr.write(`bench: running ${name}\n`);
  const outcome = await run(file);
  if (!outcome.ok) failed++;
  results[name] = outcome;
}
process.stdout.write(
  `${JSON.stringify(
    {
      startedAt: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryMB: Math.round(totalmem() / 1048576) },
      benchmarks: results,
      failed
    },
    null,
    2
  )}\n`
);
process.exit(failed > 0 ? 1 : 0);
