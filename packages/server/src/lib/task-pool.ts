/**
 * Bounded concurrency: at most `concurrency` tasks run at once, the rest wait their turn. The one pool of the server
 * (backup items, hosted layers and chunks, restore steps, layer sync, fixes, store checks).
 *
 * Hand-written rather than p-map or p-limit: p-map's `stopOnError` and `signal` reject at once and leave the mappers
 * that are running behind, while every caller here writes journals, checkpoints or results after the pool and must
 * know that no task is still running; p-limit cannot put a task at the front of the queue (the search enumerator's
 * chunk chain must not wait behind the pages queued before it).
 *
 * A pool bounds the tasks running, not the requests: the ArcGIS session's own limiter bounds the requests in flight
 * whatever the pools above it allow, so a pool's bound is about memory and keeping the session's slots busy.
 *
 * Cancellation: `signal` is looked at before each task starts (no listener is added: a run creates many pools on one
 * signal). Once it has aborted no task starts; tasks already running end on their own, listening to it themselves.
 */

/**
 * What a task that fails does to the others. Each caller names its choice.
 * - `stop`: stop at the first error: no task starts after it, the tasks already running finish, and that first error
 *   is what the pool reports.
 * - `continue`: a failure is the task's own: the other tasks still run; the first error is reported once all ended.
 */
export type OnTaskError = 'stop' | 'continue';

export interface TaskPoolOptions {
  /**
   * Tasks running at once: a whole number, 1 or more; or a function asked before each start, for a bound that moves
   * (a session's, halved while ArcGIS throttles), read as at least 1.
   */
  concurrency: number | (() => number);
  onError: OnTaskError;
  signal?: AbortSignal | undefined;
}

interface Queued {
  start: () => void;
  drop: (reason: unknown) => void;
}

export class TaskPool {
  private readonly concurrency: () => number;
  private readonly onError: OnTaskError;
  private readonly signal: AbortSignal | undefined;
  private running = 0;
  /** First in, first out (`head` is the next one; the array is compacted as it empties). */
  private readonly waiting: Queued[] = [];
  private head = 0;
  /** Urgent tasks: before the waiting ones, the latest first. */
  private readonly urgent: Queued[] = [];
  private failure: { error: unknown } | undefined;
  /** A task was not started because the pool had stopped. */
  private dropped = false;
  private idle: (() => void)[] = [];

  constructor(options: TaskPoolOptions) {
    const concurrency = options.concurrency;
    if (typeof concurrency === 'function') this.concurrency = () => Math.max(1, concurrency());
    else if (Number.isInteger(concurrency) && concurrency >= 1) this.concurrency = () => concurrency;
    else throw new RangeError(`A task pool's concurrency must be a whole number of 1 or more, not ${String(concurrency)}.`);
    this.onError = options.onError;
    this.signal = options.signal;
  }

  /**
   * Runs `task` when a slot is free (`urgent`: before every task waiting). Settles as the task does; when the pool
   * stopped before the task's turn, rejects with why (the signal's reason, or the first error under `stop`).
   */
  run<T>(task: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queued: Queued = {
        start: () => {
          this.running++;
          let result: Promise<T>;
          try {
            result = task();
          } catch (error) {
            result = Promise.reject(error);
          }
          result
            .then(resolve, (error: unknown) => {
              this.failure ??= { error };
              reject(error);
            })
            .finally(() => {
              this.running--;
              this.pump();
            });
        },
        drop: reject
      };
      (options.urgent ? this.urgent : this.waiting).push(queued);
      this.pump();
    });
  }

  /**
   * Adds a task whose failure is the pool's (`drain()` reports it). Throws why the pool stopped when it has, so
   * that whoever produces the work stops too.
   */
  add(task: () => Promise<unknown>): void {
    const stopped = this.stopReason();
    if (stopped) {
      this.dropped = true;
      throw stopped.error;
    }
    this.run(task).catch(() => undefined);
  }

  /**
   * Waits until no task runs or waits (tasks added meanwhile included), then throws if the pool did not do all its
   * work: the signal's reason when it aborted, else the first error.
   */
  async drain(): Promise<void> {
    while (this.running > 0 || this.queuedCount() > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (!this.failure && !this.dropped) return;
    if (this.signal?.aborted) throw this.signal.reason;
    throw this.failure!.error;
  }

  private stopReason(): { error: unknown } | undefined {
    if (this.signal?.aborted) return { error: this.signal.reason };
    return this.onError === 'stop' ? this.failure : undefined;
  }

  private queuedCount(): number {
    return this.urgent.length + this.waiting.length - this.head;
  }

  private next(): Queued | undefined {
    const urgent = this.urgent.pop();
    if (urgent) return urgent;
    if (this.head >= this.waiting.length) return undefined;
    const queued = this.waiting[this.head]!;
    this.head++;
    if (this.head === this.waiting.length || this.head > 1024) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return queued;
  }

  private pump(): void {
    const stopped = this.queuedCount() > 0 ? this.stopReason() : undefined;
    if (stopped) {
      this.dropped = true;
      for (let queued = this.next(); queued; queued = this.next()) queued.drop(stopped.error);
    }
    while (this.running < this.concurrency()) {
      const queued = this.next();
      if (!queued) break;
      queued.start();
    }
    if (this.running === 0 && this.queuedCount() === 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

/**
 * Runs `work` on every item, at most `options.concurrency` at once, in the items' order. Returns when every task
 * that started has ended; throws as `TaskPool.drain()` does.
 */
export async function runPool<T>(items: Iterable<T>, options: TaskPoolOptions, work: (item: T) => Promise<void>): Promise<void> {
  const pool = new TaskPool(options);
  try {
    for (const item of items) pool.add(() => work(item));
  } catch {
    // The pool stopped (its signal aborted before the items were all added): drain() reports it.
  }
  await pool.drain();
}
