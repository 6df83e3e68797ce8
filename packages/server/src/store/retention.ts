/**
 * Retention policies: the one validation of a policy, wherever it comes from (the store's forget, a job's params, a
 * schedule, the CLI's `--keep-*` flags). The rules themselves are listed in retention.types.ts.
 */
import { RETENTION_RULES, type ForgetPolicy, type RetentionKey } from './retention.types.js';
import { StoreError } from './store-error.js';

/** The most snapshots one rule can be asked to keep. */
export const MAX_KEEP = 10_000;

/** Throws `invalid_policy` unless every count is a whole number of 0 or more and at least one rule keeps something. */
export function validatePolicy(policy: ForgetPolicy): void {
  for (const { key } of RETENTION_RULES) {
    const value = policy[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new StoreError('invalid_policy', `${key} must be a whole number of 0 or more, not ${String(value)}.`);
    }
  }
  if (RETENTION_RULES.every(({ key }) => !policy[key])) {
    throw new StoreError(
      'invalid_policy',
      `The retention policy keeps nothing: give at least one of ${RETENTION_RULES.map((r) => r.flag).join(', ').replace(/, ([a-z-]+)$/, ' or $1')}. (Delete snapshots one by one to remove them all.)`
    );
  }
}

/**
 * A policy from JSON (an operation's params, a schedule's action): `{ "keepDaily": 7, "keepWeekly": 4 }`. Returns the
 * policy, or a message saying what is wrong (for the caller's field error).
 */
export function parsePolicy(input: unknown): { policy: ForgetPolicy } | { problem: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { problem: 'The retention policy must be an object such as { "keepDaily": 7, "keepWeekly": 4 }.' };
  const record = input as Record<string, unknown>;
  const keys = RETENTION_RULES.map((r) => r.key);
  let problem: string | undefined;
  for (const key of Object.keys(record)) {
    if (!(keys as readonly string[]).includes(key)) problem = `Unknown retention rule "${key}" (known: ${keys.join(', ')}).`;
  }
  const policy: ForgetPolicy = {};
  for (const key of keys) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_KEEP) problem = `${key} must be a whole number from 0 to ${MAX_KEEP}.`;
    else policy[key] = value;
  }
  if (problem) return { problem };
  try {
    validatePolicy(policy);
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  return { policy };
}

/**
 * A policy from `--keep-last N`, `--keep-daily N`, ... (parseArgs values as text). Counts are checked here; whether
 * the policy keeps anything is left to the caller (a schedule may have none). Returns a message naming the flag when
 * a count is not a whole number.
 */
export function policyFromFlags(values: Readonly<Partial<Record<string, unknown>>>): { policy: ForgetPolicy } | { problem: string } {
  const policy: ForgetPolicy = {};
  for (const { key, flag } of RETENTION_RULES) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(n) || n < 0) return { problem: `--${flag} needs a whole number of snapshots, not "${String(raw)}".` };
    policy[key as RetentionKey] = n;
  }
  return { policy };
}

/** The `--keep-*` options for parseArgs, one per rule. */
export const KEEP_FLAG_OPTIONS = Object.fromEntries(RETENTION_RULES.map((r) => [r.flag, { type: 'string' as const }])) as {
  [R in (typeof RETENTION_RULES)[number] as R['flag']]: { type: 'string' };
};
