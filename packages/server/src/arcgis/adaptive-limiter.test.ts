import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, AimdController, checkCeiling, MAX_ARCGIS_CONCURRENCY, type RequestOutcome } from './adaptive-limiter.js';

/** One event: a request that started in the epoch `lag` decreases ago (0: the current one) ended so. */
const outcome: fc.Arbitrary<{ lag: number; outcome: RequestOutcome }> = fc.record({
  lag: fc.nat({ max: 2 }),
  outcome: fc.oneof(
    fc.record({ kind: fc.constant('ok' as const), latencyMs: fc.double({ min: 0, max: 5000, noNaN: true }) }),
    fc.record({ kind: fc.constant('throttled' as const), retryAfterMs: fc.option(fc.nat({ max: 60_000 }), { nil: undefined }) }),
    fc.constant({ kind: 'error' as const })
  )
});

const settings = fc.record({ ceiling: fc.integer({ min: 1, max: MAX_ARCGIS_CONCURRENCY }), initial: fc.integer({ min: 1, max: 80 }) });

function apply(controller: AimdController, event: { lag: number; outcome: RequestOutcome }): void {
  controller.record(Math.max(0, controller.epoch - event.lag), event.outcome);
}

describe('AimdController', () => {
  it('keeps the limit a whole number from 1 to the ceiling, whatever happens', () => {
    fc.assert(
      fc.property(settings, fc.array(outcome, { maxLength: 400 }), (s, events) => {
        const controller = new AimdController(s);
        for (const event of events) {
          apply(controller, event);
          expect(Number.isInteger(controller.limit)).toBe(true);
          expect(controller.limit).toBeGreaterThanOrEqual(1);
          expect(controller.limit).toBeLessThanOrEqual(s.ceiling);
        }
      })
    );
  });

  it('never grows on throttling, slow answers or errors', () => {
    fc.assert(
      fc.property(settings, fc.array(outcome, { maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (s, warmup, slowBy) => {
        const controller = new AimdController(s);
        for (const event of warmup) apply(controller, event);
        const baseline = controller.baselineMs;
        const before = controller.limit;
        apply(controller, { lag: 0, outcome: { kind: 'throttled' } });
        expect(controller.limit).toBeLessThanOrEqual(before);
        const afterThrottle = controller.limit;
        // A whole round of answers far slower than the baseline (or of errors) never raises it.
        for (let i = 0; i < afterThrottle; i++) {
          apply(controller, { lag: 0, outcome: baseline === undefined ? { kind: 'error' } : { kind: 'ok', latencyMs: baseline * 3 + slowBy } });
        }
        expect(controller.limit).toBeLessThanOrEqual(afterThrottle);
      })
    );
  });

  it('halves on the first refusal of a round, and only once for every refusal of that round', () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: 1, max: 64 }), (s, refusals) => {
        const controller = new AimdController(s);
        const before = controller.limit;
        const epoch = controller.epoch;
        for (let i = 0; i < refusals; i++) controller.record(epoch, { kind: 'throttled', retryAfterMs: 1000 });
        expect(controller.limit).toBe(Math.max(1, Math.floor(before / 2)));
        expect(controller.counts.throttleDecreases).toBe(1);
      })
    );
  });

  it('doubles per clean round up to the ceiling (slow start), and no further', () => {
    fc.assert(
      fc.property(settings, fc.double({ min: 1, max: 500, noNaN: true }), (s, latencyMs) => {
        const controller = new AimdController(s);
        let previous = controller.limit;
        for (let round = 0; round < 8; round++) {
          const size = controller.limit;
          for (let i = 0; i < size; i++) controller.record(controller.epoch, { kind: 'ok', latencyMs });
          expect(controller.limit).toBe(Math.min(s.ceiling, previous * 2));
          previous = controller.limit;
        }
        expect(controller.limit).toBe(s.ceiling);
      })
    );
  });

  it('grows by one per clean round once it has backed off (congestion avoidance)', () => {
    fc.assert(
      fc.property(settings, fc.double({ min: 1, max: 500, noNaN: true }), (s, latencyMs) => {
        const controller = new AimdController(s);
        controller.record(controller.epoch, { kind: 'throttled' });
        let previous = controller.limit;
        for (let round = 0; round < s.ceiling + 2; round++) {
          const size = controller.limit;
          for (let i = 0; i < size; i++) controller.record(controller.epoch, { kind: 'ok', latencyMs });
          expect(controller.limit - previous).toBeGreaterThanOrEqual(0);
          expect(controller.limit - previous).toBeLessThanOrEqual(1);
          previous = controller.limit;
        }
        expect(controller.limit).toBe(s.ceiling);
      })
    );
  });

  it('backs off when answers slow down well past the baseline', () => {
    const controller = new AimdController({ ceiling: 64, initial: 20 });
    for (let i = 0; i < 20; i++) controller.record(0, { kind: 'ok', latencyMs: 50 });
    expect(controller.limit).toBe(40);
    for (let i = 0; i < 40; i++) controller.record(0, { kind: 'ok', latencyMs: 400 });
    // One slow round may be the mix of requests: it only stops the growth, and the doubling for good.
    expect(controller.limit).toBe(40);
    for (let i = 0; i < 40; i++) controller.record(0, { kind: 'ok', latencyMs: 400 });
    expect(controller.limit).toBe(32);
    expect(controller.counts.latencyDecreases).toBe(1);
    for (let i = 0; i < 32; i++) controller.record(0, { kind: 'ok', latencyMs: 50 });
    expect(controller.limit).toBe(33);
  });

  it('holds when answers are slow because this process was late to read them', () => {
    const controller = new AimdController({ ceiling: 64, initial: 20 });
    for (let i = 0; i < 20; i++) controller.record(0, { kind: 'ok', latencyMs: 50 });
    for (let round = 0; round < 4; round++) {
      const size = controller.limit;
      for (let i = 0; i < size; i++) controller.record(0, { kind: 'ok', latencyMs: 400, clientLagMs: 300 });
    }
    expect(controller.limit).toBe(40);
    expect(controller.counts).toMatchObject({ latencyDecreases: 0, clientBoundRounds: 4 });
  });

  it('refuses a ceiling outside 1 to 64 with a message that says what is accepted', () => {
    for (const bad of [0, -1, 1.5, 65, Number.NaN]) expect(() => checkCeiling(bad)).toThrow(/whole number from 1 to 64/);
    expect(() => new AimdController({ ceiling: 0 })).toThrow(/whole number from 1 to 64/);
  });
});

describe('AdaptiveLimiter', () => {
  it('never runs more requests at once than its limit', async () => {
    const limiter = new AdaptiveLimiter({ ceiling: 3, initial: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        })
      )
    );
    expect(peak).toBe(3);
  });

  it('sends a refused request again before the first attempts that waited behind it', async () => {
    const limiter = new AdaptiveLimiter({ ceiling: 1, initial: 1 });
    const first = await limiter.acquire();
    const order: string[] = [];
    const later = limiter.acquire().then((t) => (order.push('new'), t));
    const retry = limiter.acquire({ retry: true }).then((t) => (order.push('retry'), t));
    limiter.release(first, { kind: 'ok' });
    limiter.release(await retry, { kind: 'ok' });
    limiter.release(await later, { kind: 'ok' });
    expect(order).toEqual(['retry', 'new']);
  });

  it('sends urgent first attempts after the retries and before the other first attempts, each in arrival order', async () => {
    const limiter = new AdaptiveLimiter({ ceiling: 1, initial: 1 });
    const first = await limiter.acquire();
    const order: string[] = [];
    const queue = (name: string, options: { retry?: boolean; urgent?: boolean; signal?: AbortSignal }) =>
      limiter.acquire(options).then((ticket) => {
        order.push(name);
        limiter.release(ticket, { kind: 'ok' });
      });
    const cancelled = new AbortController();
    const waits = [
      queue('new 1', {}),
      queue('urgent 1', { urgent: true }),
      queue('retry 1', { retry: true }),
      queue('urgent cancelled', { urgent: true, signal: cancelled.signal }).catch(() => order.push('cancelled')),
      queue('new 2', {}),
      queue('urgent 2', { urgent: true }),
      queue('retry 2', { retry: true })
    ];
    cancelled.abort(new Error('stopped'));
    await Promise.resolve();
    limiter.release(first, { kind: 'ok' });
    await Promise.all(waits);
    expect(order).toEqual(['cancelled', 'retry 1', 'retry 2', 'urgent 1', 'urgent 2', 'new 1', 'new 2']);
  });

  it('stops waiting when the caller is cancelled, and the place goes to the next one', async () => {
    const limiter = new AdaptiveLimiter({ ceiling: 1, initial: 1 });
    const first = await limiter.acquire();
    const cancel = new AbortController();
    const cancelled = limiter.acquire({ retry: true, signal: cancel.signal });
    const next = limiter.acquire();
    cancel.abort(new Error('stopped'));
    await expect(cancelled).rejects.toThrow('stopped');
    limiter.release(first, { kind: 'ok' });
    limiter.release(await next, { kind: 'ok' });
    expect(limiter.running).toBe(0);
    await expect(limiter.acquire({ signal: cancel.signal })).rejects.toThrow('stopped');
  });

  it('listens to a run’s signal once, however many of its requests wait', async () => {
    const limiter = new AdaptiveLimiter({ ceiling: 1, initial: 1 });
    const run = new AbortController();
    const first = await limiter.acquire({ signal: run.signal });
    const waiting = Array.from({ length: 2000 }, () => limiter.acquire({ signal: run.signal }));
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    run.abort(new Error('stopped'));
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    limiter.release(first, { kind: 'ok' });
    expect(limiter.running).toBe(0);
  });

  it('starts nothing while a Retry-After pause lasts', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ ceiling: 4, initial: 4 }, () => now);
    const ticket = await limiter.acquire();
    limiter.release(ticket, { kind: 'throttled', retryAfterMs: 30 });
    expect(limiter.current).toBe(2);
    let started = false;
    const waiting = limiter.acquire().then((t) => {
      started = true;
      return t;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toBe(false);
    now = 31;
    await new Promise((r) => setTimeout(r, 40));
    expect(started).toBe(true);
    limiter.release(await waiting, { kind: 'ok' });
    expect(limiter.running).toBe(0);
  });
});
