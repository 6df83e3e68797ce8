import { Random } from '../util/random.js';

/** Faults the emulator injects, settable at start and at runtime (`/__emulator/faults`). */
export interface FaultSettings {
  /** Fixed latency added to every request, in ms. */
  latencyMs: number;
  /** Random extra latency in [0, latencyJitterMs). */
  latencyJitterMs: number;
  /** Probability of a server error (500/502/503, HTTP status or error body). */
  errorRate: number;
  /** Probability of a connection reset in the middle of a response body. */
  resetRate: number;
  /** Requests per minute allowed before throttling; 0 disables throttling. */
  throttleRpm: number;
  /** How throttling answers: HTTP 429, an HTTP 200 body with code 429, or both alternately. */
  throttleStyle: 'http' | 'body' | 'mixed';
  /** Seconds sent in `Retry-After`. */
  retryAfterSeconds: number;
  /** Only requests whose path contains one of these substrings are faulted (empty = all). */
  pathFilter: string[];
}

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'error'; status: 500 | 502 | 503; style: 'http' | 'body' }
  | { kind: 'throttle'; style: 'http' | 'body'; retryAfterSeconds: number }
  | { kind: 'reset' };

export function defaultFaultSettings(): FaultSettings {
  return {
    latencyMs: 0,
    latencyJitterMs: 0,
    errorRate: 0,
    resetRate: 0,
    throttleRpm: 0,
    throttleStyle: 'mixed',
    retryAfterSeconds: 1,
    pathFilter: []
  };
}

export class FaultController {
  settings: FaultSettings;
  private readonly random: Random;
  private window: number[] = [];
  private throttleToggle = false;
  /** Counts of injected faults by kind, for tests and benchmarks. */
  readonly injected = { error: 0, throttle: 0, reset: 0 };

  constructor(settings: Partial<FaultSettings> = {}, seed = 'faults') {
    this.settings = { ...defaultFaultSettings(), ...settings };
    this.random = new Random(seed);
  }

  update(patch: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...patch };
    if (!this.settings.throttleRpm) this.window = [];
    return this.settings;
  }

  latencyFor(): number {
    const { latencyMs, latencyJitterMs } = this.settings;
    return latencyMs + (latencyJitterMs > 0 ? this.random.next() * latencyJitterMs : 0);
  }

  /** Decides the fate of one request. */
  decide(path: string, now: number): FaultAction {
    const s = this.settings;
    if (s.pathFilter.length > 0 && !s.pathFilter.some((p) => path.includes(p))) return { kind: 'none' };
    if (s.throttleRpm > 0) {
      const cutoff = now - 60_000;
      while (this.window.length > 0 && this.window[0]! < cutoff) this.window.shift();
      if (this.window.length >= s.throttleRpm) {
        this.injected.throttle++;
        let style: 'http' | 'body';
        if (s.throttleStyle === 'mixed') {
          this.throttleToggle = !this.throttleToggle;
          style = this.throttleToggle ? 'http' : 'body';
        } else style = s.throttleStyle;
        return { kind: 'throttle', style, retryAfterSeconds: s.retryAfterSeconds };
      }
      this.window.push(now);
    }
    if (s.errorRate > 0 && this.random.next() < s.errorRate) {
      this.injected.error++;
      const status = this.random.pick([500, 502, 503] as const);
      return { kind: 'error', status, style: this.random.chance(0.5) ? 'http' : 'body' };
    }
    if (s.resetRate > 0 && this.random.next() < s.resetRate) {
      this.injected.reset++;
      return { kind: 'reset' };
    }
    return { kind: 'none' };
  }
}
