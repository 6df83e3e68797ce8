import { request as httpRequest, Agent } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';
import { serviceUrlOf } from './support/feature-fixtures.js';

/** One GET over a fresh connection; reports what really arrived on the wire. */
function wireGet(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; received: number; declared: number; cut: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: new Agent({ keepAlive: false }) }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (cut: boolean) => {
        if (settled) return;
        settled = true;
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          received: body.length,
          declared: Number(res.headers['content-length'] ?? -1),
          cut,
          body: body.toString('utf8')
        });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(false));
      res.on('aborted', () => done(true));
      res.on('error', () => done(true));
      res.on('close', () => done(!res.complete));
    });
    req.on('error', reject);
    req.end();
  });
}

function isServerError(r: { status: number; body: string }): boolean {
  if (r.status >= 500) return true;
  try {
    const code = (JSON.parse(r.body) as { error?: { code?: number } }).error?.code;
    return r.status === 200 && typeof code === 'number' && code >= 500;
  } catch {
    return false;
  }
}

describe('fault injection over real HTTP', () => {
  let emu: EmulatorHandle;
  let infoUrl: string;
  let controlUrl: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    infoUrl = `${emu.restUrl}/info?f=json`;
    controlUrl = `${new URL(emu.restUrl).origin}/__emulator`;
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.faults.reset();
    emu.requestLog.reset();
  });

  it('answers server errors at about the error rate, as HTTP 5xx and as HTTP 200 error bodies', async () => {
    emu.faults.update({ errorRate: 0.2 });
    const results = [];
    for (let i = 0; i < 500; i++) results.push(await wireGet(infoUrl));
    const errors = results.filter(isServerError);
    expect(errors.length / results.length).toBeGreaterThan(0.14);
    expect(errors.length / results.length).toBeLessThan(0.26);
    const http = errors.filter((r) => r.status >= 500);
    const body = errors.filter((r) => r.status === 200);
    expect(http.length).toBeGreaterThan(0);
    expect(body.length).toBeGreaterThan(0);
    expect(new Set(http.map((r) => r.status))).toEqual(new Set([500, 502, 503]));
    const parsed = JSON.parse(body[0]!.body) as { error: { code: number; message: string; details: unknown[] } };
    expect([500, 502, 503]).toContain(parsed.error.code);
    expect(typeof parsed.error.message).toBe('string');
    expect(Object.entries(emu.requestLog.snapshot().byFault).reduce((n, [, c]) => n + c, 0)).toBe(errors.length);
    expect(results.filter((r) => !isServerError(r)).every((r) => r.status === 200 && !r.cut)).toBe(true);
  });

  it('resets connections in the middle of the body at about the reset rate', async () => {
    emu.faults.update({ resetRate: 0.3 });
    const results = [];
    for (let i = 0; i < 300; i++) results.push(await wireGet(infoUrl));
    const cut = results.filter((r) => r.cut);
    expect(cut.length / results.length).toBeGreaterThan(0.22);
    expect(cut.length / results.length).toBeLessThan(0.38);
    for (const r of cut) {
      // The headers promised the whole body; only part of it arrived before the socket closed.
      expect(r.status).toBe(200);
      expect(r.declared).toBeGreaterThan(0);
      expect(r.received).toBeGreaterThan(0);
      expect(r.received).toBeLessThan(r.declared);
      expect(() => JSON.parse(r.body)).toThrow();
    }
    for (const r of results.filter((x) => !x.cut)) expect(r.received).toBe(r.declared);
    // fetch (what clients use) sees the cut as an error, never as a short but successful body
    emu.faults.update({ resetRate: 1 });
    await expect(fetch(infoUrl).then((r) => r.text())).rejects.toThrow();
  });

  it('throttles beyond the requests per minute, with HTTP 429 and HTTP 200 code 429, and Retry-After', async () => {
    emu.faults.update({ throttleRpm: 10, retryAfterSeconds: 7 });
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await wireGet(infoUrl));
    expect(results.slice(0, 10).every((r) => r.status === 200 && !r.body.includes('"code":429'))).toBe(true);
    const throttled = results.slice(10);
    expect(throttled.filter((r) => r.status === 429).length).toBe(5);
    expect(throttled.filter((r) => r.status === 200 && (JSON.parse(r.body) as { error: { code: number } }).error.code === 429).length).toBe(5);
    for (const r of throttled) expect(r.headers['retry-after']).toBe('7');
    // a minute later the window has room again (the emulator's clock moves; no waiting)
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 61_000 }, { method: 'POST' });
    expect((await wireGet(infoUrl)).status).toBe(200);
    emu.faults.update({ throttleStyle: 'http', throttleRpm: 1 });
    await wireGet(infoUrl);
    expect((await wireGet(infoUrl)).status).toBe(429);
  });

  it('throttles only hosted feature service requests with throttleScope features, and says when the budget has room in window mode', async () => {
    const control = await rawRequest(`${controlUrl}/faults`, { json: JSON.stringify({ throttleRpm: 3, throttleScope: 'features', retryAfterMode: 'window', throttleStyle: 'http' }) }, { method: 'POST' });
    expect(control.body).toMatchObject({ throttleRpm: 3, throttleScope: 'features', retryAfterMode: 'window' });
    const featureUrl = `${serviceUrlOf(emu, 'Trees')}?f=json`;
    for (let i = 0; i < 3; i++) expect((await wireGet(featureUrl)).status).not.toBe(429);
    const refused = await wireGet(featureUrl);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    // The portal API is not part of the documented budget.
    for (let i = 0; i < 10; i++) expect((await wireGet(infoUrl)).status).toBe(200);
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 20_000 }, { method: 'POST' });
    expect(Number((await wireGet(featureUrl)).headers['retry-after'])).toBe(40);
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 40_500 }, { method: 'POST' });
    expect((await wireGet(featureUrl)).status).not.toBe(429);

    const bad = await rawRequest(`${controlUrl}/faults`, { throttleScope: 'portal' }, { method: 'POST' });
    expect(bad.body).toMatchObject({ error: { code: 400, message: 'throttleScope must be all or features' } });
    const badMode = await rawRequest(`${controlUrl}/faults`, { retryAfterMode: 'soon' }, { method: 'POST' });
    expect(badMode.body).toMatchObject({ error: { code: 400, message: 'retryAfterMode must be fixed or window' } });
    expect(() => emu.faults.update({ throttleScope: 'x' as 'all' })).toThrow('throttleScope must be all or features, not x');

    // A shorter window (benchmarks): the budget is per window, and Retry-After stays within it.
    emu.faults.update({ throttleScope: 'all', throttleWindowSeconds: 5, throttleRpm: 2 });
    expect((await wireGet(infoUrl)).status).toBe(200);
    expect((await wireGet(infoUrl)).status).toBe(200);
    const inShortWindow = await wireGet(infoUrl);
    expect(inShortWindow.status).toBe(429);
    expect(Number(inShortWindow.headers['retry-after'])).toBeLessThanOrEqual(5);
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 5_100 }, { method: 'POST' });
    expect((await wireGet(infoUrl)).status).toBe(200);
    // A fixed window: once the budget is used, everything waits for the window's end, then a fresh budget.
    await rawRequest(`${controlUrl}/faults`, { json: JSON.stringify({ reset: true, throttleRpm: 2, throttleWindowSeconds: 10, throttleWindow: 'fixed', retryAfterMode: 'window', throttleStyle: 'http' }) }, { method: 'POST' });
    expect((await wireGet(infoUrl)).status).toBe(200);
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 6_000 }, { method: 'POST' });
    expect((await wireGet(infoUrl)).status).toBe(200);
    const cooling = await wireGet(infoUrl);
    expect(cooling.status).toBe(429);
    expect(cooling.headers['retry-after']).toBe('4');
    await rawRequest(`${controlUrl}/clock`, { advanceMs: 4_100 }, { method: 'POST' });
    expect((await wireGet(infoUrl)).status).toBe(200);
    expect((await wireGet(infoUrl)).status).toBe(200);
    expect((await wireGet(infoUrl)).status).toBe(429);
    const badKind = await rawRequest(`${controlUrl}/faults`, { throttleWindow: 'tumbling' }, { method: 'POST' });
    expect(badKind.body).toMatchObject({ error: { code: 400, message: 'throttleWindow must be sliding or fixed' } });
    const badWindow = await rawRequest(`${controlUrl}/faults`, { throttleWindowSeconds: 0 }, { method: 'POST' });
    expect(badWindow.body).toMatchObject({ error: { code: 400, message: 'throttleWindowSeconds must be a number of seconds from 1 to 3600, not 0' } });
  });

  it('adds latency with jitter', async () => {
    emu.faults.update({ latencyMs: 40, latencyJitterMs: 40 });
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await wireGet(infoUrl);
      times.push(performance.now() - t);
    }
    expect(Math.min(...times)).toBeGreaterThanOrEqual(39);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    expect(mean).toBeGreaterThan(50);
    expect(mean).toBeLessThan(120);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10);
  });

  it('changes faults and token lifetime at runtime through /__emulator/faults, and rejects bad values clearly', async () => {
    const set = await rawRequest(`${controlUrl}/faults`, { json: JSON.stringify({ faultRate: 0.5, throttleRpm: 100, tokenMinutes: 2, pathFilter: ['/content/'] }) }, { method: 'POST' });
    expect(set.body).toMatchObject({ errorRate: 0.35, resetRate: 0.15, throttleRpm: 100, tokenMinutes: 2, pathFilter: ['/content/'] });
    expect(emu.faults.settings.errorRate).toBe(0.35);
    expect(emu.context.options.tokenMinutes).toBe(2);
    const get = await rawRequest(`${controlUrl}/faults`);
    expect(get.body).toMatchObject({ errorRate: 0.35, tokenMinutes: 2, injected: { error: 0, reset: 0, throttle: 0 } });
    // the path filter spares other paths
    for (let i = 0; i < 20; i++) expect((await wireGet(infoUrl)).status).toBe(200);

    const bad = await rawRequest(`${controlUrl}/faults`, { errorRate: 2 }, { method: 'POST' });
    expect(bad.body).toMatchObject({ error: { code: 400, message: 'errorRate must be a number from 0 to 1, not 2' } });
    const unknown = await rawRequest(`${controlUrl}/faults`, { errrorRate: 0.1 }, { method: 'POST' });
    expect((unknown.body as { error: { message: string } }).error.message).toBe('Unknown fault setting: errrorRate');
    expect(emu.faults.settings.errorRate).toBe(0.35);
    expect(() => emu.faults.update({ resetRate: -1 })).toThrow('resetRate must be a number from 0 to 1');

    const cleared = await rawRequest(`${controlUrl}/faults`, { reset: true, tokenMinutes: 30 }, { method: 'POST' });
    expect(cleared.body).toMatchObject({ errorRate: 0, resetRate: 0, throttleRpm: 0, pathFilter: [], tokenMinutes: 30 });
  });

  it('counts requests per endpoint, status and fault, and resets the log', async () => {
    for (let i = 0; i < 3; i++) await wireGet(infoUrl);
    await wireGet(`${emu.restUrl}/no/such/endpoint?f=json`);
    const log = (await rawRequest(`${controlUrl}/requests`)).body as { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number>; recent: { path: string }[] };
    expect(log.total).toBe(4);
    expect(Object.values(log.byEndpoint).sort()).toEqual([1, 3]);
    expect(log.byEndpoint.unmatched).toBe(1);
    expect(log.recent.map((r) => r.path).at(-1)).toBe(`${new URL(emu.restUrl).pathname}/no/such/endpoint`);
    const limited = (await rawRequest(`${controlUrl}/requests`, { recent: 1 })).body as { recent: unknown[] };
    expect(limited.recent).toHaveLength(1);
    await rawRequest(`${controlUrl}/requests/reset`, {}, { method: 'POST' });
    const after = (await rawRequest(`${controlUrl}/requests`)).body as { total: number; byEndpoint: Record<string, number> };
    expect(after).toMatchObject({ total: 0, byEndpoint: {} });
  });
});
