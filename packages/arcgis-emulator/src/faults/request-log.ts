/** Requests the emulator served, counted per endpoint, so tests and benchmarks can see what a client asked for. */
export interface RequestLogEntry {
  time: number;
  method: string;
  path: string;
  /** The route's name (e.g. `content/items/:id`), or `unmatched`. */
  endpoint: string;
  status: number;
  /** The injected fault (`throttle`, `error-503`, `reset`), or null. */
  fault: string | null;
  durationMs: number;
}

export interface RequestLogSnapshot {
  total: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  byFault: Record<string, number>;
  /** The most recent entries, oldest first. */
  recent: RequestLogEntry[];
}

/** Paths of the emulator's own control endpoints, which are not counted (they are not ArcGIS requests). */
const CONTROL_PREFIX = '/__emulator';

export class RequestLog {
  private counts = new Map<string, number>();
  private statuses = new Map<string, number>();
  private faults = new Map<string, number>();
  /** Ring buffer of the last `keep` entries. */
  private recent: RequestLogEntry[] = [];
  private next = 0;
  total = 0;

  /** How many entries `recent` keeps (memory stays bounded in long benchmarks). */
  constructor(private readonly keep = 5000) {}

  record(entry: RequestLogEntry): void {
    if (entry.path.startsWith(CONTROL_PREFIX)) return;
    this.total++;
    bump(this.counts, entry.endpoint);
    bump(this.statuses, String(entry.status));
    if (entry.fault) bump(this.faults, entry.fault);
    if (this.keep <= 0) return;
    if (this.recent.length < this.keep) this.recent.push(entry);
    else this.recent[this.next] = entry;
    this.next = (this.next + 1) % this.keep;
  }

  /** Counts and the most recent entries (at most `recentLimit`, default all kept). */
  snapshot(recentLimit = this.keep): RequestLogSnapshot {
    const ordered = this.recent.length < this.keep ? this.recent : [...this.recent.slice(this.next), ...this.recent.slice(0, this.next)];
    return {
      total: this.total,
      byEndpoint: sortedObject(this.counts),
      byStatus: sortedObject(this.statuses),
      byFault: sortedObject(this.faults),
      recent: recentLimit >= ordered.length ? [...ordered] : ordered.slice(ordered.length - Math.max(0, recentLimit))
    };
  }

  /** How many requests hit an endpoint (by route name). */
  count(endpoint: string): number {
    return this.counts.get(endpoint) ?? 0;
  }

  reset(): void {
    this.counts = new Map();
    this.statuses = new Map();
    this.faults = new Map();
    this.recent = [];
    this.next = 0;
    this.total = 0;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sortedObject(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
