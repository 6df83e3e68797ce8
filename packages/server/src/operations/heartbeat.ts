/**
 * The heartbeat of an operation running here: every interval it writes `heartbeat_at` (so other processes see the run
 * alive; recovery marks it interrupted once it is stale) and reads `cancel_requested_by`, the cancel another process
 * asked through the row. With several workers on PostgreSQL the cancel request would come by LISTEN/NOTIFY instead of
 * this poll; the heartbeat stays.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { OperationRepository } from './operation.repository.js';

export interface HeartbeatOptions {
  repository: OperationRepository;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}

/** Starts beating for the operation; `onCancelAsked` gets who asked. Returns the function that stops it. */
export function startHeartbeat(options: HeartbeatOptions, operationId: string, onCancelAsked: (by: string) => void): () => void {
  const timer = setInterval(() => {
    void (async () => {
      const current = await options.repository.findById(operationId);
      if (current?.cancel_requested_by) onCancelAsked(current.cancel_requested_by);
      await options.repository.update(operationId, { heartbeat_at: options.clock().toISOString() });
    })().catch((error: unknown) => options.logger.warn({ err: error }, 'operation heartbeat failed'));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
