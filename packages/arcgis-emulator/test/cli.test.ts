import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EXPECTATIONS } from '../src/seed/demo-expectations.js';

// Runs the real command line (bin -> dist), as `npx arcgis-emulator` does; `npm test` builds dist first.
const bin = join(import.meta.dirname, '..', 'bin', 'arcgis-emulator.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ child: ChildProcess; info: { portalUrl: string; restUrl: string; orgId: string; admin: { username: string; password: string }; appId: string } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, info: JSON.parse(out.slice(0, out.indexOf('\n'))) as never });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
    // Say where it hangs rather than letting the test time out silently.
    setTimeout(() => reject(new Error(`no JSON line within 30 s; stdout: ${out} stderr: ${err}`)), 30_000).unref();
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('arcgis-emulator command line', () => {
  it('starts the scaled demo org with faults and a state dir, prints one JSON line, saves on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
    dirs.push(dir);
    const { child, info } = await run(['--seed', 'demo', '--scale', '2', '--state-dir', dir, '--fault-rate', '0.1', '--latency-ms', '5', '--latency-jitter-ms', '3', '--throttle-rpm', '5000', '--throttle-scope', 'features', '--retry-after', 'window']);
    expect(Object.keys(info).sort()).toEqual(['admin', 'appId', 'orgId', 'portalUrl', 'restUrl']);
    const origin = new URL(info.portalUrl).origin;
    const faults = (await (await fetch(`${origin}/__emulator/faults`, { signal: AbortSignal.timeout(15_000) })).json()) as Record<string, number>;
    expect(faults).toMatchObject({ latencyMs: 5, latencyJitterMs: 3, throttleRpm: 5000, throttleScope: 'features', retryAfterMode: 'window' });
    expect(faults.errorRate).toBeCloseTo(0.07);
    expect(faults.resetRate).toBeCloseTo(0.03);
    await fetch(`${origin}/__emulator/faults`, { method: 'POST', body: new URLSearchParams({ reset: 'true' }), signal: AbortSignal.timeout(15_000) });
    const item = (await (await fetch(`${info.restUrl}/content/items/${DEMO_EXPECTATIONS.ids['map-reports']}?f=json`, { signal: AbortSignal.timeout(15_000) })).json()) as { title: string; access: string };
    expect(item).toMatchObject({ title: 'Community Reports Map', access: 'public' });
    expect(await stop(child)).toBe(0);
    expect(existsSync(join(dir, 'state.json'))).toBe(true);
  });

  it('explains bad flags and bad seeds on stderr with exit code 2', async () => {
    await expect(run(['--scale', 'lots'])).rejects.toThrow(/exited with 2: arcgis-emulator: --scale must be a number, not "lots"/);
    await expect(run(['--seed', '/nonexistent/seed.json'])).rejects.toThrow(/exited with 2: .*--seed \/nonexistent\/seed\.json: cannot read the file/);
    await expect(run(['--fault-rate', '3'])).rejects.toThrow(/exited with 2: .*--fault-rate must be between 0 and 1/);
    await expect(run(['--throttle-scope', 'portal'])).rejects.toThrow(/exited with 2: .*--throttle-scope must be all or features/);
  });
});
