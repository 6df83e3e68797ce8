/** The params of the store's maintenance jobs (check, forget, prune). Node-free: the job catalogue and the web import them. */
import type { ForgetPolicy } from '../store/retention.types.js';

export interface CheckJobParams {
  /** Percentage (0-100] of stored content to re-read and re-hash; absent: structure only. */
  readData?: number;
}

export interface ForgetJobParams {
  /** What to keep; the snapshots it does not keep are removed (their content stays until a prune). */
  policy: ForgetPolicy;
  dryRun?: boolean;
  /** Days, weeks, months and years in the local time of the process running it (default) or in UTC. */
  timeZone?: 'local' | 'UTC';
}

export interface PruneJobParams {
  dryRun?: boolean;
}
