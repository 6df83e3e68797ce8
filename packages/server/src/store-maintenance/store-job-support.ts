/**
 * What the store's maintenance jobs (check, forget, prune) share: the identity's store, strict option checks, and the
 * store's exclusivity key with backups (`store:<identityId>`), under which they wait in the queue while a backup
 * runs rather than failing on the store lock.
 */
import { backupIdentity, storeKey } from '../backup/index.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository, IdentityStores } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import { RUN_AGAIN, type JobHandler } from '../operations/job.types.js';
import type { Store } from '../store/index.js';

/** What every maintenance job is: queued behind the store's other work (key `store:<identityId>`), run again if interrupted. */
export const STORE_JOB = {
  whenBusy: 'queue',
  interrupted: RUN_AGAIN,
  exclusiveKey: (_params: unknown, identityId: string | null) => storeKey(identityId)
} as const satisfies Pick<JobHandler, 'whenBusy' | 'interrupted' | 'exclusiveKey'>;

export interface StoreJobDeps {
  identities: IdentityRepository;
  /** Opens identities' stores (location credentials, encryption keys). */
  stores: IdentityStores;
}

/** The identity's store (opened, bound to its organization) and its row. */
export async function storeOf(deps: StoreJobDeps, identityId: string | null): Promise<{ store: Store; row: IdentityRow }> {
  const row = await deps.identities.findById(identityId ?? '');
  if (!row) throw new AppError('not_found', 'The identity was deleted.');
  backupIdentity(row);
  return { store: await deps.stores.open(row), row };
}

/** A maintenance job's input as a record of the `known` options, for an identity that exists and has connected. */
export async function storeJobInput(deps: StoreJobDeps, input: unknown, identityId: string | null, known: string[]): Promise<Record<string, unknown>> {
  const record = onlyKeys(input, known);
  await requireIdentity(deps, identityId);
  return record;
}

/** The options as a record, refusing keys other than `known`. */
function onlyKeys(params: unknown, known: string[]): Record<string, unknown> {
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw AppError.validation({ params: 'The options must be an object.' });
  }
  const record = (params ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw AppError.validation(Object.fromEntries(unknown.map((k) => [k, `Unknown option "${k}" (known: ${known.join(', ') || 'none'}).`])));
  return record;
}

/** The identity exists and has connected (its store is bound to a known organization). */
async function requireIdentity(deps: StoreJobDeps, identityId: string | null): Promise<void> {
  if (!identityId) throw new AppError('bad_request', 'This operation needs an identity.');
  const row = await deps.identities.findById(identityId);
  if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
  backupIdentity(row);
}

/** Stops waiting for work that cannot be interrupted when the operation is cancelled (it only reads the store). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('stopped'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
