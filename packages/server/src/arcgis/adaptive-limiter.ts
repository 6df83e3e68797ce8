/**
 * How many ArcGIS requests of one identity run at once, found as TCP finds its window (AIMD): twice as many per round
 * of clean, fast answers until the first sign of congestion (TCP's slow start: a backup reaches the ceiling in a few
 * round trips instead of one more per round), then one more per clean round; halved on throttling (HTTP or body 429, or a 503 with `Retry-After`), at most once per round;
 * a fifth less when two rounds in a row answer well past the fastest recently seen (one slow round is often only the
 * mix of requests: a page of 2,000 features beside small JSON answers), unless this process's own event loop was late
 * by about as much (a busy machine: fewer requests would not help the organization, and it would slow the backup). Always between 1 and the administrator's
 * ceiling. A `Retry-After` also pauses every new request of the identity until it has passed: the organization's
 * budget is shared, so one request told to wait means all of them should.
 *
 * A round is `limit` requests answered: about one round trip of the whole window, as in TCP.
 *
 * Esri documents no request rate for the portal API. For hosted feature layers on ArcGIS Online, Esri's product
 * manager describes a per-organization budget of request units per minute (10,000 for standard organizations up to
 * 96,000 on premium feature data stores) answered with HTTP 429 beyond it (community.esri.com, "Map performance and
 * org query maximum request rate", 2023). The units are weighted by the work a query does, so no client can compute
 * how many requests it has left: the limit is found by probing, which is what this controller does.
 */

/** What the administrator and the caller choose. */
export interface AimdSettings {
  /** Most requests in flight (the administrator's ceiling), 1 to MAX_ARCGIS_CONCURRENCY. */
  ceiling: number;
  /** Requests in flight at the start (default: 8, or the ceiling when lower). */
  initial?: number;
  /** Back off when a round's median latency exceeds this many times the baseline (default 2.5). */
  latencyTolerance?: number;
  /** false: the limit stays at `initial` whatever happens, with no pause (the benchmark's fixed-concurrency runs). */
  adaptive?: boolean;
}

/** The highest ceiling accepted: beyond it one OrgKeeper would look like a flood to any server. */
export const MAX_ARCGIS_CONCURRENCY = 64;
/** Default ceiling: requests in flight per identity when the administrator sets none. */
export const DEFAULT_ARCGIS_CONCURRENCY_CEILING = 32;
/** Rounds whose medians make the latency baseline (the fastest of them). */
const BASELINE_ROUNDS = 16;
const THROTTLE_FACTOR = 0.5;
const LATENCY_FACTOR = 0.8;
const LAG_PROBE_MS = 10;

/** What happened to one request. */
/**
 * What happened to one request. `clientLagMs`: how late this process's own event loop ran meanwhile; answers slowed
 * by that are this process's doing (a busy machine), not the organization's, and fewer requests would not help it.
 */
export type RequestOutcome = { kind: 'ok'; latencyMs: number; clientLagMs?: number } | { kind: 'throttled'; retryAfterMs?: number | undefined } | { kind: 'error' };

/** Checks a ceiling from the administrator or a caller; throws a RangeError that says what is accepted. */
export function checkCeiling(value: number, name = 'The ArcGIS concurrency ceiling'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_ARCGIS_CONCURRENCY) {
    throw new RangeError(`${name} must be a whole number from 1 to ${MAX_ARCGIS_CONCURRENCY} (requests in flight at once), not ${String(value)}.`);
  }
  return value;
}

/** The pure controller: no timers, no I/O (the limiter below runs requests with it). */
export class AimdController {
  readonly ceiling: number;
  private readonly tolerance: number;
  readonly adaptive: boolean;
  private limitValue: number;
  /** Moves on at every decrease: a request started before it cannot cause another one (one decrease per round). */
  private epochValue = 0;
  private roundLatencies: number[] = [];
  private roundLags: number[] = [];
  private roundHadError = false;
  private slowRounds = 0;
  /** Doubling per clean round (TCP's slow start) until the first slow round or decrease, then one more per round. */
  private slowStart = true;
  private readonly medians: number[] = [];
  /** Counts of decisions, for benchmarks and logs. */
  readonly counts = { increases: 0, throttleDecreases: 0, latencyDecreases: 0, clientBoundRounds: 0 };

  constructor(settings: AimdSettings) {
    this.ceiling = checkCeiling(settings.ceiling);
    const initial = settings.initial ?? Math.min(8, this.ceiling);
    this.limitValue = Math.min(this.ceiling, Math.max(1, Math.floor(initial)));
    this.tolerance = settings.latencyTolerance ?? 2.5;
    this.adaptive = settings.adaptive ?? true;
    if (!(this.tolerance > 1)) throw new RangeError('latencyTolerance must be a number above 1.');
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.max(1, Math.min(this.ceiling, Math.floor(this.limitValue)));
  }

  /** Given to each request as it starts and handed back with its outcome. */
  get epoch(): number {
    return this.epochValue;
  }

  /** The fastest round median of the recent rounds (undefined before the first round ends). */
  get baselineMs(): number | undefined {
    return this.medians.length === 0 ? undefined : Math.min(...this.medians);
  }

  /** One request ended; `epoch` is what `epoch` was when it started. */
  record(epoch: number, outcome: RequestOutcome): void {
    if (!this.adaptive) return;
    if (outcome.kind === 'throttled') {
      // Every request of the window may be refused at once: only the first refusal of a round counts.
      if (epoch < this.epochValue) return;
      this.decrease(THROTTLE_FACTOR);
      this.counts.throttleDecreases++;
      return;
    }
    if (outcome.kind === 'error') this.roundHadError = true;
    else {
      this.roundLatencies.push(Math.max(0, outcome.latencyMs));
      this.roundLags.push(Math.max(0, outcome.clientLagMs ?? 0));
    }
    if (this.roundLatencies.length + (this.roundHadError ? 1 : 0) < this.limit) return;
    this.endRound(epoch);
  }

  private endRound(epoch: number): void {
    const latencies = this.roundLatencies.sort((a, b) => a - b);
    const lags = this.roundLags.sort((a, b) => a - b);
    const hadError = this.roundHadError;
    this.roundLatencies = [];
    this.roundLags = [];
    this.roundHadError = false;
    if (latencies.length === 0) return;
    const median = latencies[Math.floor((latencies.length - 1) / 2)]!;
    const lag = lags[Math.floor((lags.length - 1) / 2)] ?? 0;
    const baseline = this.baselineMs;
    this.medians.push(median);
    if (this.medians.length > BASELINE_ROUNDS) this.medians.shift();
    if (baseline !== undefined && median > baseline * this.tolerance) {
      // Slow because this process was late to read the answers (its machine is busy): hold, neither grow nor shrink.
      if (lag * 2 >= median - baseline) {
        this.counts.clientBoundRounds++;
        return;
      }
      // Answers slow down: the server (or the link) is queueing. Stop doubling, and back off gently, once per two
      // slow rounds.
      this.slowStart = false;
      this.slowRounds++;
      if (this.slowRounds >= 2 && epoch >= this.epochValue) {
        this.slowRounds = 0;
        this.decrease(LATENCY_FACTOR);
        this.counts.latencyDecreases++;
      }
      return;
    }
    this.slowRounds = 0;
    // A round with server errors or resets is not clean: hold, do not grow.
    if (hadError || this.limitValue >= this.ceiling) return;
    const current = Math.floor(this.limitValue);
    this.limitValue = Math.min(this.ceiling, this.slowStart ? current * 2 : current + 1);
    this.counts.increases++;
  }

  private decrease(factor: number): void {
    this.limitValue = Math.max(1, Math.floor(this.limitValue * factor));
    this.slowStart = false;
    this.epochValue++;
    this.roundLatencies = [];
    this.roundLags = [];
    this.roundHadError = false;
  }
}

/** A started request's place: hand it back to `release` with the outcome. */
export interface LimiterTicket {
  readonly epoch: number;
  readonly startedAt: number;
}

/**
 * Runs requests under an AimdController: at most `limit` at once, none while a `Retry-After` pause lasts.
 * Shared by every session of one identity (see ArcGISSessionFactory), so a backup and a scan share the budget.
 */
export class AdaptiveLimiter {
  readonly controller: AimdController;
  private active = 0;
  /**
   * The retries first (the first `retriesWaiting`, oldest first), then urgent first attempts (the next
   * `urgentWaiting`), then the other first attempts, each in arrival order.
   */
  private readonly waiting: (() => void)[] = [];
  private retriesWaiting = 0;
  private urgentWaiting = 0;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private mostRefused = 0;
  private readonly bySignal = new WeakMap<AbortSignal, Set<() => void>>();
  /** How late a 10 ms timer fires, smoothed: this process's event-loop lag while requests are in flight. */
  private lagMs = 0;
  private lagProbe: NodeJS.Timeout | undefined;

  constructor(
    settings: AimdSettings | number,
    private readonly now: () => number = () => performance.now()
  ) {
    this.controller = new AimdController(typeof settings === 'number' ? { ceiling: settings } : settings);
  }

  /** Requests allowed in flight now. */
  get current(): number {
    return this.controller.limit;
  }

  get ceiling(): number {
    return this.controller.ceiling;
  }

  get running(): number {
    return this.active;
  }

  /** The most times one request was refused for throttling in a row (sessions report it as they retry). */
  get mostRefusedInARow(): number {
    return this.mostRefused;
  }

  noteRefusedInARow(times: number): void {
    this.mostRefused = Math.max(this.mostRefused, times);
  }

  /**
   * Waits for a free place (and for any `Retry-After` pause to pass). `retry`: a request ArcGIS refused goes before
   * every first attempt waiting, so it is sent as soon as the budget has room, not after requests that came later.
   * `urgent`: a first attempt other work waits on goes after the retries but before the other first attempts.
   */
  acquire(options: { retry?: boolean; urgent?: boolean; signal?: AbortSignal | undefined } = {}): Promise<LimiterTicket> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    if (this.active < this.current && this.now() >= this.pausedUntil && this.waiting.length === 0) return Promise.resolve(this.start());
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const waiters = signal ? this.waitersOf(signal) : undefined;
      const start = () => {
        waiters?.delete(cancel);
        resolve(this.start());
      };
      // A cancelled run stops waiting at once, also through a long Retry-After pause.
      const cancel = () => {
        const at = this.waiting.indexOf(start);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          if (at < this.retriesWaiting) this.retriesWaiting--;
          else if (at < this.retriesWaiting + this.urgentWaiting) this.urgentWaiting--;
        }
        reject(signal!.reason);
      };
      waiters?.add(cancel);
      if (options.retry) this.waiting.splice(this.retriesWaiting++, 0, start);
      else if (options.urgent) this.waiting.splice(this.retriesWaiting + this.urgentWaiting++, 0, start);
      else this.waiting.push(start);
      this.pump();
    });
  }

  /** The waiters of one signal, cancelled together by one listener (a run's thousands of waiters share its signal). */
  private waitersOf(signal: AbortSignal): Set<() => void> {
    let waiters = this.bySignal.get(signal);
    if (!waiters) {
      const created = new Set<() => void>();
      signal.addEventListener('abort', () => {
        for (const cancel of created) cancel();
        created.clear();
      }, { once: true });
      this.bySignal.set(signal, created);
      waiters = created;
    }
    return waiters;
  }

  /** The request of `ticket` ended with `outcome` (latency is measured here for 'ok'). */
  release(ticket: LimiterTicket, outcome: { kind: 'ok' } | { kind: 'throttled'; retryAfterMs?: number | undefined } | { kind: 'error' }): void {
    this.active--;
    if (outcome.kind === 'ok') this.controller.record(ticket.epoch, { kind: 'ok', latencyMs: this.now() - ticket.startedAt, clientLagMs: this.lagMs });
    else this.controller.record(ticket.epoch, outcome);
    if (this.controller.adaptive && outcome.kind === 'throttled' && outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + outcome.retryAfterMs);
    }
    this.pump();
  }

  /** Runs `fn` in a place; its outcome is 'ok' or 'error' (callers that can tell throttling use acquire/release). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const ticket = await this.acquire();
    try {
      const result = await fn();
      this.release(ticket, { kind: 'ok' });
      return result;
    } catch (error) {
      this.release(ticket, { kind: 'error' });
      throw error;
    }
  }

  private start(): LimiterTicket {
    this.active++;
    this.probeLag();
    return { epoch: this.controller.epoch, startedAt: this.now() };
  }

  /** Measures the event-loop lag while requests are in flight (the timer stops when none is, and never holds the process). */
  private probeLag(): void {
    if (this.lagProbe) return;
    let expected = performance.now() + LAG_PROBE_MS;
    this.lagProbe = setInterval(() => {
      const now = performance.now();
      this.lagMs = this.lagMs * 0.8 + Math.max(0, now - expected) * 0.2;
      expected = now + LAG_PROBE_MS;
      if (this.active === 0) {
        clearInterval(this.lagProbe);
        this.lagProbe = undefined;
        this.lagMs = 0;
      }
    }, LAG_PROBE_MS);
    this.lagProbe.unref();
  }

  private pump(): void {
    const wait = this.pausedUntil - this.now();
    if (wait > 0) {
      // One timer for the whole pause; it pumps again when the pause is over.
      if (!this.pauseTimer && this.waiting.length > 0) {
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = undefined;
          this.pump();
        }, Math.ceil(wait));
      }
      return;
    }
    while (this.active < this.current && this.waiting.length > 0) {
      if (this.retriesWaiting > 0) this.retriesWaiting--;
      else if (this.urgentWaiting > 0) this.urgentWaiting--;
      this.waiting.shift()!();
    }
  }
}
