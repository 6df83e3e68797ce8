import { Random } from '../util/random.js';

/** Faults the emulator injects, settable at start and at runtime (`/__emulator/faults`, `handle.faults.update()`). */
export interface FaultSettings {
  /** Fixed latency added to every request, in ms. */
  latencyMs: number;
  /** Random extra latency, uniform in [0, latencyJitterMs). */
  latencyJitterMs: number;
  /** Probability (0..1) of a server error: 500, 502 or 503. */
  errorRate: number;
  /** How server errors answer: a real HTTP status with an HTML page, an HTTP 200 ArcGIS error body, or either at random. */
  errorStyle: 'http' | 'body' | 'mixed';
  /** Probability (0..1) that the connection is reset in the middle of the response body. */
  resetRate: number;
  /** Requests per minute allowed before throttling (a sliding 60-second window); 0 disables throttling. */
  throttleRpm: number;
  /** How throttling answers: HTTP 429, an HTTP 200 body with code 429, or the two alternately. */
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
    errorStyle: 'mixed',
    resetRate: 0,
    throttleRpm: 0,
    throttleStyle: 'mixed',
    retryAfterSeconds: 1,
    pathFilter: []
  };
}

const RATES = ['errorRate', 'resetRate'] as const;
const NON_NEGATIVE = ['latencyMs', 'latencyJitterMs', 'throttleRpm', 'retryAfterSeconds'] as const;
const STYLES = ['http', 'body', 'mixed'] as const;

/** Checks a settings patch; throws an Error naming the bad setting and what it accepts. */
export function validateFaultPatch(patch: Partial<FaultSettings>): void {
  for (const key of RATES) {
    const v = patch[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) throw new Error(`${key} must be a number from 0 to 1, not ${String(v)}`);
  }
  for (const key of NON_NEGATIVE) {
    const v = patch[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new Error(`${key} must be a number >= 0, not ${String(v)}`);
  }
  for (const key of ['errorStyle', 'throttleStyle'] as const) {
    const v = patch[key];
    if (v !== undefined && !STYLES.includes(v)) throw new Error(`${key} must be http, body or mixed, not ${String(v)}`);
  }
  if (patch.pathFilter !== undefined && !(Array.isArray(patch.pathFilter) && patch.pathFilter.every((p) => typeof p === 'string'))) {
    throw new Error('pathFilter must be a list of path substrings');
  }
}

export class FaultController {
  settings: FaultSettings;
  private random: Random;
  /** Arrival times of the requests admitted in the current 60-second window (ring buffer, oldest first). */
  private window: number[] = [];
  private windowStart = 0;
  private throttleToggle = false;
  /** Counts of injected faults by kind, for tests and benchmarks. */
  readonly injected = { error: 0, throttle: 0, reset: 0 };

  constructor(
    settings: Partial<FaultSettings> = {},
    private readonly seed = 'faults'
  ) {
    validateFaultPatch(settings);
    this.settings = { ...defaultFaultSettings(), ...settings };
    this.random = new Random(seed);
  }

  /** Changes some settings (the rest stay); returns the new settings. Throws on invalid values, changing nothing. */
  update(patch: Partial<FaultSettings>): FaultSettings {
    validateFaultPatch(patch);
    const throttleChanged = patch.throttleRpm !== undefined && patch.throttleRpm !== this.settings.throttleRpm;
    this.settings = { ...this.settings, ...patch, pathFilter: [...(patch.pathFilter ?? this.settings.pathFilter)] };
    if (throttleChanged || !this.settings.throttleRpm) this.clearWindow();
    return this.settings;
  }

  /** Back to no faults at all (and a fresh throttling window and random sequence). */
  reset(): FaultSettings {
    this.settings = defaultFaultSettings();
    this.clearWindow();
    this.random = new Random(this.seed);
    this.injected.error = 0;
    this.injected.throttle = 0;
    this.injected.reset = 0;
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
      while (this.windowStart < this.window.length && this.window[this.windowStart]! <= cutoff) this.windowStart++;
      if (this.windowStart > 4096) {
        this.window = this.window.slice(this.windowStart);
        this.windowStart = 0;
      }
      if (this.window.length - this.windowStart >= s.throttleRpm) {
        this.injected.throttle++;
        let style: 'http' | 'body';
        if (s.throttleStyle === 'mixed') {
          this.throttleToggle = !this.throttleToggle;
          style = this.throttleToggle ? 'http' : 'body';
        } else style = s.throttleStyle;
        // The configured Retry-After, not the time until the window frees: tests choose it to keep runs short.
        return { kind: 'throttle', style, retryAfterSeconds: s.retryAfterSeconds };
      }
      this.window.push(now);
    }
    // One draw decides between error, reset and nothing, so the rates are exact shares of all requests.
    const roll = this.random.next();
    if (roll < s.errorRate) {
      this.injected.error++;
      const status = this.random.pick([500, 502, 503] as const);
      const style = s.errorStyle === 'mixed' ? (this.random.chance(0.5) ? 'http' : 'body') : s.errorStyle;
      return { kind: 'error', status, style };
    }
    if (roll < s.errorRate + s.resetRate) {
      this.injected.reset++;
      return { kind: 'reset' };
    }
    return { kind: 'none' };
  }

  private clearWindow(): void {
    this.window = [];
    this.windowStart = 0;
  }
}
