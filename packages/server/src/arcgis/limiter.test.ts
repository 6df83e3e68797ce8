import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from './limiter.js';

describe('AdaptiveLimiter', () => {
  it('never runs more than the limit at once', async () => {
    const limiter = new AdaptiveLimiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
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

  it('halves on throttling and grows back after successes', () => {
    const limiter = new AdaptiveLimiter(8);
    limiter.onThrottled();
    expect(limiter.current).toBe(4);
    limiter.onThrottled();
    limiter.onThrottled();
    limiter.onThrottled();
    expect(limiter.current).toBe(1);
    for (let i = 0; i < 4; i++) limiter.onSuccess();
    expect(limiter.current).toBe(2);
  });

  it('rejects a nonsensical bound', () => {
    expect(() => new AdaptiveLimiter(0)).toThrow(/concurrency/);
  });
});
