/** Counts of requests per endpoint, so tests and benchmarks can see what a client asked for. */
export interface RequestLogEntry {
  time: number;
  method: string;
  path: string;
  endpoint: string;
  status: number;
  fault: string | null;
  durationMs: number;
}

export class RequestLog {
  private counts = new Map<string, number>();
  private recent: RequestLogEntry[] = [];
  total = 0;
  /** How many entries `recent` keeps (memory stays bounded in long benchmarks). */
  constructor(private readonly keep = 5000) {}

  record(entry: RequestLogEntry): void {
    this.total++;
    this.counts.set(entry.endpoint, (this.counts.get(entry.endpoint) ?? 0) + 1);
    this.recent.push(entry);
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
  }

  snapshot(): { total: number; byEndpoint: Record<string, number>; recent: RequestLogEntry[] } {
    return { total: this.total, byEndpoint: Object.fromEntries([...this.counts].sort()), recent: [...this.recent] };
  }

  reset(): void {
    this.counts = new Map();
    this.recent = [];
    this.total = 0;
  }
}
