// Typed calls for schedules: list, create, change, delete, run now, and the next run times of a timing.
import type { ApiClient } from './api-client';
import type { Operation } from './operations.api';

export type ScheduleTiming =
  | { preset: 'daily'; time: string }
  /** weekday: 0 Sunday ... 6 Saturday. */
  | { preset: 'weekly'; time: string; weekday: number }
  | { preset: 'monthly'; time: string; dayOfMonth: number | 'last' }
  | { preset: 'cron'; cron: string };

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

export type ScheduleAction =
  | { kind: 'backup'; target: 'everything' | 'selection' | 'query'; items?: string[]; query?: string; backupName?: string; retention?: RetentionPolicy }
  | { kind: 'scan'; type: string; options?: Record<string, unknown> };

export interface ScheduleInput {
  name: string;
  enabled?: boolean;
  timing: ScheduleTiming;
  timeZone: string;
  action: ScheduleAction;
}

export interface Schedule extends Required<Omit<ScheduleInput, 'enabled'>> {
  id: string;
  identityId: string;
  enabled: boolean;
  cron: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastOperationId: string | null;
  lastError: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export function listSchedules(client: ApiClient, identityId: string, signal?: AbortSignal): Promise<{ schedules: Schedule[] }> {
  return client.get(`/api/identities/${encodeURIComponent(identityId)}/schedules`, { signal });
}

export function createSchedule(client: ApiClient, identityId: string, input: ScheduleInput): Promise<Schedule> {
  return client.post(`/api/identities/${encodeURIComponent(identityId)}/schedules`, input);
}

export function updateSchedule(client: ApiClient, id: string, input: Partial<ScheduleInput>): Promise<Schedule> {
  return client.patch(`/api/schedules/${encodeURIComponent(id)}`, input);
}

export function deleteSchedule(client: ApiClient, id: string): Promise<void> {
  return client.delete(`/api/schedules/${encodeURIComponent(id)}`);
}

export function runScheduleNow(client: ApiClient, id: string): Promise<{ operationId: string; operation: Operation }> {
  return client.post(`/api/schedules/${encodeURIComponent(id)}/run`);
}

export function previewSchedule(client: ApiClient, timing: ScheduleTiming, timeZone: string, signal?: AbortSignal): Promise<{ runs: string[] }> {
  return client.post('/api/schedules/preview', { timing, timeZone, count: 3 }, { signal });
}

export const scheduleKeys = {
  list: (identityId: string) => ['schedules', identityId] as const,
  preview: (timing: ScheduleTiming, timeZone: string) => ['schedules', 'preview', timing, timeZone] as const
};
