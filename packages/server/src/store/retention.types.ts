/**
 * Retention rules (restic's `forget` rules), defined once: the policy's keys, their command-line flags and the period
 * each one counts. Node-free, so the schedules' wire types and the web app can use it; validation is in retention.ts.
 */
export const RETENTION_RULES = [
  { key: 'keepLast', flag: 'keep-last', period: 'last' },
  { key: 'keepDaily', flag: 'keep-daily', period: 'daily' },
  { key: 'keepWeekly', flag: 'keep-weekly', period: 'weekly' },
  { key: 'keepMonthly', flag: 'keep-monthly', period: 'monthly' },
  { key: 'keepYearly', flag: 'keep-yearly', period: 'yearly' }
] as const;

export type RetentionRule = (typeof RETENTION_RULES)[number];
export type RetentionKey = RetentionRule['key'];
export type RetentionPeriod = RetentionRule['period'];

/** A retention policy: how many snapshots each rule keeps (`keepDaily: 7`: the newest of each of the last 7 days). */
export type ForgetPolicy = { [K in RetentionKey]?: number };
