import { describe, expect, it } from 'vitest';
import { ArcGISFailure } from './arcgis-errors.js';
import { ArcGISSession } from './arcgis-session.js';

const session = () =>
  new ArcGISSession({
    portalUrl: 'http://127.0.0.1:9',
    restUrl: 'http://127.0.0.1:9/sharing/rest',
    auth: null,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxThrottleAttempts: 20 }
  });

describe('ArcGISSession.call retry budgets', () => {
  it('does not spend the error retries on throttling', async () => {
    const s = session();
    const outcomes = [...Array(10).fill('throttled'), 'transient', 'transient', 'ok'];
    let i = 0;
    const result = await s.call('x', async () => {
      const next = outcomes[i++];
      if (next === 'ok') return 42;
      throw new ArcGISFailure({ kind: next as 'throttled' | 'transient', message: String(next), retryAfterSeconds: 0 });
    });
    expect(result).toBe(42);
    expect(s.stats).toMatchObject({ throttled: 10, retries: 12 });
  });

  it('gives up after the error budget and never retries permanent failures', async () => {
    const s = session();
    let calls = 0;
    await expect(
      s.call('x', async () => {
        calls++;
        throw new ArcGISFailure({ kind: 'transient', message: 'down' });
      })
    ).rejects.toThrow('down');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      s.call('x', async () => {
        calls++;
        throw new ArcGISFailure({ kind: 'not_found', message: 'gone' });
      })
    ).rejects.toThrow('gone');
    expect(calls).toBe(1);
  });
});
