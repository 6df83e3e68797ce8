/**
 * The adaptive limiter against the emulator over real HTTP (issue 16): it grows while answers are clean, backs off
 * when the organization's budget is used up (HTTP 429 and body 429 with Retry-After), waits out Retry-After for all
 * requests of the identity so a refused request is not refused again, and every request still gets its answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from '../src/arcgis/adaptive-limiter.js';
import { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { OAuthTokenSource } from '../src/arcgis/token-source.js';
import { ArcGISSessionFactory } from '../src/identities/arcgis-session-factory.js';
import { createLogger } from '../src/logging/logger.js';
import { control, startTestEmulator, type EmulatorHandle } from './support/emulator-harness.js';

describe('adaptive concurrency against the emulator', () => {
  let emu: EmulatorHandle;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(async () => {
    await control(emu, 'faults', { reset: true });
  });

  const sessionWith = (limiter: AdaptiveLimiter) =>
    new ArcGISSession({
      portalUrl: emu.portalUrl,
      restUrl: emu.restUrl,
      auth: new OAuthTokenSource({ restUrl: emu.restUrl, credentials: { username: emu.admin.username, password: emu.admin.password } }),
      limiter
    });

  it('grows while answers are fast and clean, never past the ceiling', async () => {
    await control(emu, 'faults', { latencyMs: 5 });
    // Latency back-off is the unit tests' (its timing depends on the machine): here only clean answers count.
    const limiter = new AdaptiveLimiter({ ceiling: 6, initial: 2, latencyTolerance: 1e9 });
    const session = sessionWith(limiter);
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, limiter.running)), 1);
    await Promise.all(Array.from({ length: 240 }, () => session.request<{ id: string }>(`${emu.restUrl}/portals/self`)));
    clearInterval(watch);
    expect(session.concurrency).toBe(6);
    expect(peak).toBeLessThanOrEqual(6);
    // Slow start: 2, 4, then the ceiling.
    expect(session.limiterCounts.increases).toBe(2);
    expect(session.stats.throttled).toBe(0);
  });

  it('backs off when the budget is used up, waits out Retry-After, and never has a request refused twice in a row', async () => {
    // 30 requests per 2-second window for the whole organization, a cooling-off until the window ends once they are
    // used, and Retry-After saying when that is.
    await control(emu, 'faults', { latencyMs: 5, throttleRpm: 30, throttleWindowSeconds: 2, throttleWindow: 'fixed', retryAfterMode: 'window', throttleStyle: 'mixed' });
    const limiter = new AdaptiveLimiter({ ceiling: 16, initial: 16 });
    const session = sessionWith(limiter);
    const answers = await Promise.all(Array.from({ length: 120 }, () => session.request<{ id: string }>(`${emu.restUrl}/portals/self`)));
    expect(answers.every((a) => typeof a.id === 'string')).toBe(true);
    const injected = ((await control(emu, 'faults', {})) as { injected: { throttle: number } }).injected;
    expect(injected.throttle).toBeGreaterThan(0);
    expect(session.stats.throttled).toBe(injected.throttle);
    expect(session.limiterCounts.throttleDecreases).toBeGreaterThan(0);
    expect(session.concurrency).toBeLessThan(16);
    expect(session.mostThrottledInARow).toBe(1);
  }, 60_000);

  it('gives every session of an identity one limiter, and a caller’s own bound a limiter of its own', () => {
    const sessions = new ArcGISSessionFactory({
      repository: {} as never,
      vault: {} as never,
      clock: () => new Date(),
      logger: createLogger({ level: 'silent' }),
      arcgisConcurrency: 12
    });
    expect(sessions.limiterFor('a')).toBe(sessions.limiterFor('a'));
    expect(sessions.limiterFor('a')).not.toBe(sessions.limiterFor('b'));
    expect(sessions.limiterFor('a').ceiling).toBe(12);
    expect(() => new ArcGISSessionFactory({ repository: {} as never, vault: {} as never, clock: () => new Date(), logger: createLogger({ level: 'silent' }), arcgisConcurrency: 0 })).toThrow(
      /--arcgis-concurrency\) must be a whole number from 1 to 64/
    );
  });
});
