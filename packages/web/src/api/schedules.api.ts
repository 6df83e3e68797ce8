// Typed calls for schedules: list, create, change, delete, run now, and the next run times of a timing.
import type { ApiClient } from './api-client';
import type { ScheduleInput, ScheduleTiming, ScheduleView } from '@orgkeeper/server-types/schedules/schedule.types';
import type { Operation } from './operations.api';

export type { ScheduleAction, ScheduleInput, ScheduleTiming } from '@orgkeeper/server-types/schedules/schedule.types';
export type { ForgetPolicy as RetentionPolicy } from '@orgkeeper/server-types/store/retention.types';
/** A schedule as the API answers it. */
export type Schedule = ScheduleView;

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
