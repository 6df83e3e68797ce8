/** Polls `probe` until it gives a value (not undefined or false), for tests that wait on another process or a timer. */
export interface UntilOptions {
  /** Named in the error when time runs out. */
  what?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: UntilOptions = {}): Promise<T> {
  const { what, timeoutMs = 10_000, intervalMs = 20 } = options;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(what ? `Timed out waiting for ${what}.` : 'condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
