/**
 * The heartbeat of an operation running here: every interval it writes `heartbeat_at` (so other processes see the run
 * alive; recovery acts on it once it is stale) and reads `cancel_requested_by`, the cancel another process asked
 * through the row. A cancel signal (LISTEN/NOTIFY on PostgreSQL) makes it read the row at once rather than at the next
 * beat, so a cancel from any process stops the run within moments; the beat stays the fallback.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { OperationSignals } from './operation-signals.js';
import type { OperationRepository } from './operation.repository.js';

export interface HeartbeatOptions {
  repository: OperationRepository;
  signals: OperationSignals;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}

/** Starts beating for the operation; `onCancelAsked` gets who asked. Returns the function that stops it. */
export function startHeartbeat(options: HeartbeatOptions, operationId: string, onCancelAsked: (by: string) => void): () => void {
  const lookForCancel = async () => {
    const current = await options.repository.findById(operationId);
    if (current?.cancel_requested_by) onCancelAsked(current.cancel_requested_by);
  };
  const warn = (error: unknown) => options.logger.warn({ err: error }, 'operation heartbeat failed');
  const timer = setInterval(() => {
    void (async () => {
      await lookForCancel();
      await options.repository.update(operationId, { heartbeat_at: options.clock().toISOString() });
    })().catch(warn);
  }, options.intervalMs);
  timer.unref();
  const unsubscribe = options.signals.subscribe((signal) => {
    if (signal === null || (signal.id === operationId && signal.what === 'cancel')) void lookForCancel().catch(warn);
  });
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
