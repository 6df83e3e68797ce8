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
  /**
   * Requests per minute the organization may make before it is throttled (a sliding 60-second window, one budget for
   * the whole emulated organization); 0 disables throttling. ArcGIS Online documents such a budget only for hosted
   * feature layers: request units per minute per organization (10,000 for standard organizations up to 96,000 on
   * premium feature data stores), answered with 429 beyond it (Esri's product manager on community.esri.com, "Map
   * performance and org query maximum request rate", 2023); units are weighted by the work a query does, which the
   * emulator counts as one per request. For the portal API Esri documents no rate at all.
   */
  throttleRpm: number;
  /**
   * Which requests count against the budget and are refused beyond it: `all` (the default: no Esri document says the
   * portal API is exempt) or `features` (hosted feature service requests only: what ArcGIS Online documents).
   */
  throttleScope: 'all' | 'features';
  /**
   * Length of the budget's sliding window in seconds (ArcGIS: a minute). Benchmarks shorten it, with the budget in
   * proportion, to see many windows in a short run; `throttleRpm` is then the budget per window.
   */
  throttleWindowSeconds: number;
  /**
   * `sliding` (default): at most `throttleRpm` requests in any window. `fixed`: a window starts with the first request
   * and admits `throttleRpm`; beyond them everything is refused until the window ends, and the next request starts a
   * fresh one (the "one-minute cooling-off period" third-party summaries of Esri's Online documentation describe).
   */
  throttleWindow: 'sliding' | 'fixed';
  /**
   * The `Retry-After` of a throttled answer: `fixed` (retryAfterSeconds) or `window` (the whole seconds until the
   * oldest request of the window leaves it, so the budget has room again; at least 1). Esri documents no value.
   */
  retryAfterMode: 'fixed' | 'window';
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
    throttleScope: 'all',
    throttleWindowSeconds: 60,
    throttleWindow: 'sliding',
    retryAfterMode: 'fixed',
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
  if (patch.throttleWindowSeconds !== undefined && !(typeof patch.throttleWindowSeconds === 'number' && patch.throttleWindowSeconds >= 1 && patch.throttleWindowSeconds <= 3600)) {
    throw new Error(`throttleWindowSeconds must be a number of seconds from 1 to 3600, not ${String(patch.throttleWindowSeconds)}`);
  }
  if (patch.throttleWindow !== undefined && patch.throttleWindow !== 'sliding' && patch.throttleWindow !== 'fixed') {
    throw new Error(`throttleWindow must be sliding or fixed, not ${String(patch.throttleWindow)}`);
  }
  if (patch.throttleScope !== undefined && patch.throttleScope !== 'all' && patch.throttleScope !== 'features') {
    throw new Error(`throttleScope must be all or features, not ${String(patch.throttleScope)}`);
  }
  if (patch.retryAfterMode !== undefined && patch.retryAfterMode !== 'fixed' && patch.retryAfterMode !== 'window') {
    throw new Error(`retryAfterMode must be fixed or window, not ${String(patch.retryAfterMode)}`);
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
  private fixedWindow: { start: number; count: number } | undefined;
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
    const throttleChanged =
      (patch.throttleRpm !== undefined && patch.throttleRpm !== this.settings.throttleRpm) || (patch.throttleScope !== undefined && patch.throttleScope !== this.settings.throttleScope) ||
      (patch.throttleWindowSeconds !== undefined && patch.throttleWindowSeconds !== this.settings.throttleWindowSeconds) ||
      (patch.throttleWindow !== undefined && patch.throttleWindow !== this.settings.throttleWindow);
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
    if (s.throttleRpm > 0 && (s.throttleScope === 'all' || isFeatureServiceRequest(path))) {
      // When the budget has room again: the oldest request of a sliding window leaves it, or the fixed window ends.
      const roomAt = s.throttleWindow === 'fixed' ? this.admitFixed(now) : this.admitSliding(now);
      if (roomAt !== undefined) {
        this.injected.throttle++;
        let style: 'http' | 'body';
        if (s.throttleStyle === 'mixed') {
          this.throttleToggle = !this.throttleToggle;
          style = this.throttleToggle ? 'http' : 'body';
        } else style = s.throttleStyle;
        // `fixed`: the configured Retry-After (tests choose it to keep runs short); `window`: when the budget has room.
        const retryAfterSeconds = s.retryAfterMode === 'window' ? Math.max(1, Math.ceil((roomAt - now) / 1000)) : s.retryAfterSeconds;
        return { kind: 'throttle', style, retryAfterSeconds };
      }
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

  /** Counts the request in the sliding window; undefined when admitted, else when the window has room. */
  private admitSliding(now: number): number | undefined {
    const windowMs = this.settings.throttleWindowSeconds * 1000;
    while (this.windowStart < this.window.length && this.window[this.windowStart]! <= now - windowMs) this.windowStart++;
    if (this.windowStart > 4096) {
      this.window = this.window.slice(this.windowStart);
      this.windowStart = 0;
    }
    if (this.window.length - this.windowStart >= this.settings.throttleRpm) return this.window[this.windowStart]! + windowMs;
    this.window.push(now);
    return undefined;
  }

  /** Counts the request in the fixed window (started by the first request); undefined when admitted, else its end. */
  private admitFixed(now: number): number | undefined {
    const windowMs = this.settings.throttleWindowSeconds * 1000;
    if (this.fixedWindow === undefined || now >= this.fixedWindow.start + windowMs) this.fixedWindow = { start: now, count: 0 };
    if (this.fixedWindow.count >= this.settings.throttleRpm) return this.fixedWindow.start + windowMs;
    this.fixedWindow.count++;
    return undefined;
  }

  private clearWindow(): void {
    this.window = [];
    this.windowStart = 0;
    this.fixedWindow = undefined;
  }
}

/** A request to a hosted feature service (or its admin twin), on ArcGIS Online or Enterprise. */
export function isFeatureServiceRequest(path: string): boolean {
  return /\/rest\/(admin\/)?services\//i.test(path);
}
