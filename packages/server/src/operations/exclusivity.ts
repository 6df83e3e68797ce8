/**
 * Exclusivity keys: operations with the same key (e.g. `store:<identityId>`) never run at the same time, in one
 * process or across many. A running operation holds its keys as rows of operation_locks, taken in the transaction
 * that makes it running (claims.ts) and given up in the one that ends it, so the database decides, not a process's
 * memory. A kind that refuses when busy is refused at start (409 `already_running`, naming the operation in the
 * way; two starts at once take turns in the database); one that queues waits in the queue until its keys are free.
 */
import { AppError } from '../errors/app-error.js';
import type { JobRegistry } from './job-registry.js';
import type { LocalRuns } from './local-runs.js';
import type { OperationRepository } from './operation.repository.js';
import type { OperationRow } from './operation.types.js';
import type { Recovery } from './recovery.js';

export class Exclusivity {
  constructor(private readonly deps: { repository: OperationRepository; registry: JobRegistry; localRuns: LocalRuns; recovery: Recovery }) {}

  /** Every key the operation holds while it runs (its stored key and its kind's alsoHolds); undefined: no handler here. */
  keysOf(row: OperationRow): string[] | undefined {
    const handler = this.deps.registry.get(row.kind);
    if (!handler) return undefined;
    const more = handler.alsoHolds?.(JSON.parse(row.params) as never, row.identity_id) ?? [];
    return [...new Set([...(row.exclusive_key ? [row.exclusive_key] : []), ...more])];
  }

  /** The running operation holding one of `keys`, after recovering a holder whose process is gone. */
  holder(keys: readonly string[]): Promise<OperationRow | undefined> {
    return this.blocking(() => this.deps.repository.lockHolder(keys));
  }

  /**
   * The operation that keeps work with a key from starting, as `find` reads it. One that looks `running` but whose
   * process is gone (a killed CLI or worker: dead pid on this host, or a stale heartbeat) is recovered first and does
   * not block.
   */
  async blocking(find: () => Promise<OperationRow | undefined>): Promise<OperationRow | undefined> {
    const found = await find();
    if (found?.status !== 'running' || this.deps.localRuns.has(found.id)) return found;
    await this.deps.recovery.recoverInterrupted();
    return find();
  }
}

/** The refusal of a second operation on a busy key (`active` undefined: the holder could not be told). */
export function busyError(kind: string, identityName: string | null, active: OperationRow | undefined): AppError {
  const of = identityName ? ` of "${identityName}"` : '';
  if (!active) return new AppError('already_running', `A ${kind}${of} is being started right now. Wait for it to finish or cancel it first.`);
  const what = active.kind === kind ? `A ${kind}` : `A ${active.kind}`;
  return new AppError(
    'already_running',
    `${what}${of} is already ${active.status === 'queued' ? 'queued' : 'running'} (operation ${active.id}). Wait for it to finish or cancel it first.`
  );
}
