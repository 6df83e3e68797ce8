/**
 * Exclusivity keys: operations with the same key (e.g. `store:<identityId>`) never run at the same time. A kind that
 * refuses when busy is refused at start (409 `already_running`, naming the operation in the way); one that queues
 * waits in the queue until the key is free (the pool skips it meanwhile).
 */
import { AppError } from '../errors/app-error.js';
import type { LocalRuns } from './local-runs.js';
import type { OperationRow } from './operation.types.js';
import type { Recovery } from './recovery.js';

export class Exclusivity {
  /** Keys being claimed (between the check and the row insert), so two starts at once cannot both pass. */
  private readonly claiming = new Set<string>();

  constructor(private readonly deps: { localRuns: LocalRuns; recovery: Recovery }) {}

  /** Reserves the key for a start in this process; false when another start holds it right now. */
  reserve(key: string): boolean {
    if (this.claiming.has(key)) return false;
    this.claiming.add(key);
    return true;
  }

  release(key: string): void {
    this.claiming.delete(key);
  }

  /**
   * The operation that keeps work with a key from starting, as `find` reads it. One that looks `running` but whose
   * process is gone (a killed CLI: dead pid on this host, or a stale heartbeat) is marked interrupted first and does
   * not block.
   */
  async blocking(find: () => Promise<OperationRow | undefined>): Promise<OperationRow | undefined> {
    const found = await find();
    if (found?.status !== 'running' || this.deps.localRuns.has(found.id)) return found;
    await this.deps.recovery.recoverInterrupted();
    return find();
  }
}

/** The refusal of a second operation on a busy key (`active` undefined: another start of it is under way). */
export function busyError(kind: string, identityName: string | null, active: OperationRow | undefined): AppError {
  const of = identityName ? ` of "${identityName}"` : '';
  if (!active) return new AppError('already_running', `A ${kind}${of} is being started right now. Wait for it to finish or cancel it first.`);
  const what = active.kind === kind ? `A ${kind}` : `A ${active.kind}`;
  return new AppError(
    'already_running',
    `${what}${of} is already ${active.status === 'queued' ? 'queued' : 'running'} (operation ${active.id}). Wait for it to finish or cancel it first.`
  );
}
