/**
 * Progress throttling: a handler may report progress many times a second; the row is written at most once a second
 * and live listeners get it at most five times a second.
 */
export const PROGRESS_INTERVAL_MS = 1000;
/** Live progress events (SSE) are pushed at most this often per operation. */
export const LIVE_PROGRESS_INTERVAL_MS = 200;

/** Writes the newest value at most once per interval; flush writes what is pending and waits for it. */
export class Throttle<T> {
  private pending: T | undefined;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (value: T) => Promise<void>
  ) {}

  push(value: T): void {
    this.pending = value;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
    this.timer.unref();
  }

  private drain(): void {
    const value = this.pending;
    if (value === undefined) return;
    this.pending = undefined;
    this.lastWrite = Date.now();
    // Writes are chained so an older value never lands after a newer one.
    this.writing = this.writing.then(() => this.write(value)).catch(() => undefined);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
    await this.writing;
  }
}
