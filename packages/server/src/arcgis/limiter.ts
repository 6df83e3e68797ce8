/**
 * Bounds how many ArcGIS requests of one identity run at once. When ArcGIS throttles, the bound is halved
 * (down to 1) and grows back by one after a run of successes, so a throttled backup slows down instead of failing.
 */
export class AdaptiveLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private limit: number;
  private successesSinceChange = 0;

  constructor(readonly maxConcurrency: number) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new Error('concurrency must be a whole number >= 1');
    this.limit = maxConcurrency;
  }

  get current(): number {
    return this.limit;
  }

  get running(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  onThrottled(): void {
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.successesSinceChange = 0;
  }

  onSuccess(): void {
    if (this.limit >= this.maxConcurrency) return;
    this.successesSinceChange++;
    if (this.successesSinceChange >= this.limit * 4) {
      this.limit++;
      this.successesSinceChange = 0;
      this.pump();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    this.active--;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}
