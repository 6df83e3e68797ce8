// A scan's (or fix's) progress counters as the job reports them: `{phase, done, total, requests}`.
import type { Operation } from '../../api/operations.api';

export interface ScanProgressView {
  phase: string;
  done: number;
  total: number;
  requests: number;
}

/** A scan's progress counters (`{phase, done, total, requests}`), read defensively. */
export function scanProgress(operation: Operation): ScanProgressView {
  const p = operation.progress ?? {};
  const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  return { phase: typeof p.phase === 'string' ? p.phase : operation.status, done: num(p.done), total: num(p.total), requests: num(p.requests) };
}

/** A phase for people: "reading items" -> "Reading items". */
export function phaseLabel(phase: string): string {
  if (phase === 'queued') return 'Waiting to start';
  if (phase === 'done') return 'Storing the findings';
  const text = phase.replace(/[-_]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
