/**
 * Live watching from any process: the database is the shared truth, read again whenever something changed. This
 * process's own events make what it runs arrive at once; signals from other processes (LISTEN/NOTIFY on PostgreSQL,
 * operation-signals.ts) wake the loops for what runs elsewhere, so a web server follows an operation any worker runs.
 * Polling stays as the fallback: often on SQLite (other processes do not signal), rarely on PostgreSQL.
 */
import { eventIdentityId, eventOperationId, type OperationEvent } from './operation-events.js';
import { itemView, parseJson, requireRow, statusSignature } from './operation-views.js';
import { TERMINAL_STATUSES } from './operation.types.js';
import type { RunnerParts } from './runner-parts.js';

/** How often watchers read the database without a signal (ms): one operation, all operations. */
const POLL_MS = { signalled: { one: 5000, all: 10_000 }, unsignalled: { one: 500, all: 1000 } };
/** Signals about many operations at once are taken together: the list is read at most this often. */
const LIST_AT_MOST_EVERY_MS = 250;

export class OperationWatch {
  constructor(private readonly deps: RunnerParts) {}

  private pollMs(which: 'one' | 'all'): number {
    return (this.deps.signals.crossProcess ? POLL_MS.signalled : POLL_MS.unsignalled)[which];
  }

  /**
   * Follows one operation: yields its current state, then every change of status, progress or message and every new
   * log row, and ends after the operation finishes (or when the signal aborts).
   */
  async *watch(operationId: string, options: { signal?: AbortSignal; pollMs?: number; items?: boolean } = {}): AsyncGenerator<OperationEvent> {
    const pollMs = options.pollMs ?? this.pollMs('one');
    const waker = new Waker(options.signal);
    // Progress of an operation this process runs comes from its live events (fresher than the throttled row).
    let liveProgress: OperationEvent | undefined;
    const unsubscribe = this.deps.events.subscribe((event) => {
      if (eventOperationId(event) !== operationId) return;
      if (event.type === 'progress') liveProgress = event;
      waker.wake();
    });
    const unlisten = this.deps.signals.subscribe((signal) => {
      if (signal === null || signal.id === operationId) waker.wake();
    });
    try {
      let lastSignature = '';
      let lastProgress = '';
      let seq = 0;
      for (;;) {
        if (options.signal?.aborted) return;
        const row = await requireRow(this.deps.repository, operationId);
        if (options.items !== false) {
          for (;;) {
            const rows = await this.deps.repository.listItemsSince(operationId, seq);
            if (rows.length === 0) break;
            seq = rows.at(-1)?.seq ?? seq;
            yield { type: 'items', operationId, identityId: row.identity_id, items: rows.map(itemView) };
          }
        }
        const view = this.deps.views.view(row);
        const signature = statusSignature(view);
        if (signature !== lastSignature) {
          lastSignature = signature;
          lastProgress = row.progress ?? '';
          yield { type: 'status', operation: view };
        } else if (this.deps.localRuns.has(operationId)) {
          if (liveProgress) yield liveProgress;
        } else if ((row.progress ?? '') !== lastProgress) {
          lastProgress = row.progress ?? '';
          yield { type: 'progress', operationId, identityId: row.identity_id, progress: parseJson(row.progress) ?? {} };
        }
        liveProgress = undefined;
        if (TERMINAL_STATUSES.includes(row.status)) return;
        // Woken by an event: let the writer's database update land before reading again.
        await waker.sleep(pollMs, 20);
      }
    } finally {
      unsubscribe();
      unlisten();
      waker.close();
    }
  }

  /**
   * Follows every operation (of one identity, or all): yields the active ones' state first, then every status change
   * and progress, and the log rows of operations this process runs. Operations run by other processes are seen by
   * reading the database again when they signal a change (and at each poll). Ends when the signal aborts.
   */
  async *watchAll(options: { identityId?: string; signal?: AbortSignal; pollMs?: number } = {}): AsyncGenerator<OperationEvent> {
    const pollMs = options.pollMs ?? this.pollMs('all');
    const queue: OperationEvent[] = [];
    const seen = new Map<string, string>();
    const progressSeen = new Map<string, string>();
    const waker = new Waker(options.signal);
    const unsubscribe = this.deps.events.subscribe((event) => {
      if (options.identityId !== undefined && eventIdentityId(event) !== options.identityId) return;
      if (event.type === 'status') seen.set(event.operation.id, statusSignature(event.operation));
      queue.push(event);
      waker.wake();
    });
    let changedElsewhere = false;
    const unlisten = this.deps.signals.subscribe((signal) => {
      // Changes to what this process runs already came as events; the others are read from the database.
      if (signal !== null && this.deps.localRuns.has(signal.id)) return;
      changedElsewhere = true;
      waker.wake();
    });
    const filter = { ...(options.identityId ? { identityId: options.identityId } : {}), limit: 50 };
    try {
      for (const row of await this.deps.repository.list(filter)) {
        const view = this.deps.views.view(row);
        seen.set(row.id, statusSignature(view));
        progressSeen.set(row.id, row.progress ?? '');
        if (!TERMINAL_STATUSES.includes(row.status)) yield { type: 'status', operation: view };
      }
      let nextPoll = Date.now() + pollMs;
      let listedAt = Date.now();
      for (;;) {
        while (queue.length > 0) yield queue.shift() as OperationEvent;
        if (options.signal?.aborted) return;
        const due = changedElsewhere ? Math.min(nextPoll, listedAt + LIST_AT_MOST_EVERY_MS) : nextPoll;
        if (Date.now() < due) {
          await waker.sleep(Math.max(0, due - Date.now()), 0);
          continue;
        }
        changedElsewhere = false;
        listedAt = Date.now();
        nextPoll = listedAt + pollMs;
        for (const row of await this.deps.repository.list(filter)) {
          const view = this.deps.views.view(row);
          const signature = statusSignature(view);
          if (seen.get(row.id) !== signature) {
            seen.set(row.id, signature);
            progressSeen.set(row.id, row.progress ?? '');
            yield { type: 'status', operation: view };
          } else if (row.status === 'running' && !this.deps.localRuns.has(row.id) && progressSeen.get(row.id) !== (row.progress ?? '')) {
            progressSeen.set(row.id, row.progress ?? '');
            yield { type: 'progress', operationId: row.id, identityId: row.identity_id, progress: parseJson(row.progress) ?? {} };
          }
        }
      }
    } finally {
      unsubscribe();
      unlisten();
      waker.close();
    }
  }
}

/** A sleep that an event (or the signal) cuts short. */
class Waker {
  private wakeUp: (() => void) | undefined;
  private readonly onAbort = () => this.wake();

  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', this.onAbort);
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Waits `ms`, or `afterWakeMs` once woken. */
  sleep(ms: number, afterWakeMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        if (afterWakeMs > 0) setTimeout(resolve, afterWakeMs);
        else resolve();
      };
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  close(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
