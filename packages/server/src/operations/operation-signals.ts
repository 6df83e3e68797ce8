/**
 * Operation signals between processes: every write to an operation row (queued, claimed, progress, log rows, a
 * cancel asked, its end) is announced on the database's signal channel (LISTEN/NOTIFY on PostgreSQL), so the
 * queue pumps, the runners (cancel) and the live watchers (SSE, `operations watch`) of every process wake at once
 * and read the row. On SQLite the signals stay in the process and the others poll, as before. A signal carries only
 * which operation changed and how; the database stays the truth.
 */
import type { DatabaseSignals } from '../db/database.js';
import type { OperationStatus } from './operation.types.js';

const CHANNEL = 'orgkeeper_operations';

export type OperationChange = 'queued' | 'status' | 'progress' | 'items' | 'cancel';

export interface OperationSignal {
  id: string;
  what: OperationChange;
  /** The new status, when `what` is `status`. */
  status?: OperationStatus;
}

export class OperationSignals {
  constructor(private readonly signals: DatabaseSignals) {}

  /** Whether other processes' changes are signalled (PostgreSQL): then polling is only a safety net. */
  get crossProcess(): boolean {
    return this.signals.crossProcess;
  }

  send(signal: OperationSignal): Promise<void> {
    return this.signals.notify(CHANNEL, JSON.stringify(signal));
  }

  /** Calls `listener` with each signal, or null when some may have been missed (read everything again). */
  subscribe(listener: (signal: OperationSignal | null) => void): () => void {
    return this.signals.listen(CHANNEL, (payload) => listener(payload === null ? null : parseSignal(payload)));
  }
}

function parseSignal(payload: string): OperationSignal | null {
  try {
    const value = JSON.parse(payload) as Partial<OperationSignal>;
    return typeof value.id === 'string' && typeof value.what === 'string' ? (value as OperationSignal) : null;
  } catch {
    return null;
  }
}
