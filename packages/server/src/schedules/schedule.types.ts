import type { Selectable } from 'kysely';
import type { ForgetPolicy } from '../store/retention.types.js';

export interface ScheduleTable {
  id: string;
  identity_id: string;
  name: string;
  enabled: number;
  /** JSON ScheduleTiming. */
  timing: string;
  cron: string;
  time_zone: string;
  kind: 'backup' | 'scan';
  /** JSON ScheduleAction without its kind. */
  params: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_operation_id: string | null;
  last_error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One firing of a schedule: its slot (due time) is taken once, whichever server fires it. */
export interface ScheduleRunTable {
  schedule_id: string;
  slot_at: string;
  fired_by: string;
  fired_at: string;
  operation_id: string | null;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type ScheduleTables = { schedules: ScheduleTable; schedule_runs: ScheduleRunTable };
export type ScheduleRow = Selectable<ScheduleTable>;
export type ScheduleRunRow = Selectable<ScheduleRunTable>;

/** When a schedule fires: a preset at a time of day (in the schedule's time zone), or a cron expression. */
export type ScheduleTiming =
  | { preset: 'daily'; time: string }
  /** weekday: 0 Sunday ... 6 Saturday. */
  | { preset: 'weekly'; time: string; weekday: number }
  /** dayOfMonth: 1-31 (months without that day are skipped) or `last`. */
  | { preset: 'monthly'; time: string; dayOfMonth: number | 'last' }
  | { preset: 'cron'; cron: string };

/** What a schedule starts. */
export type ScheduleAction =
  | {
      kind: 'backup';
      /** everything; a saved selection of item ids; or the items a search query finds at each run. */
      target: 'everything' | 'selection' | 'query';
      items?: string[];
      query?: string;
      /** With a selection or a query: also back up what the chosen items need to be restored (default true). */
      withDependencies?: boolean;
      /** The snapshots' name (default: the schedule's name); the run's date is added. */
      backupName?: string;
      /** Applied after each run (forget, then prune). */
      retention?: ForgetPolicy;
    }
  | { kind: 'scan'; type: string; options?: Record<string, unknown> };

export interface ScheduleInput {
  name: string;
  enabled?: boolean;
  timing: ScheduleTiming;
  timeZone: string;
  action: ScheduleAction;
}

export interface ScheduleView {
  id: string;
  identityId: string;
  name: string;
  enabled: boolean;
  timing: ScheduleTiming;
  /** The cron expression the timing amounts to. */
  cron: string;
  timeZone: string;
  action: ScheduleAction;
  /** Null when disabled. */
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastOperationId: string | null;
  /** Why the last run could not start. */
  lastError: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}
