// The backup schedule form's state: when (a preset at a time, or a cron expression, in a time zone), what (everything,
// what a search finds, chosen items), what to keep, and whether it is active; the next runs for that timing, and
// saving (create or change).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { fieldError, isApiError } from '../../api/api-client';
import type { Identity } from '../../api/identities.api';
import { createSchedule, previewSchedule, type RetentionPolicy, type Schedule, type ScheduleInput, scheduleKeys, type ScheduleTiming, updateSchedule } from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { browserTimeZone } from '../../lib/schedule-words';
import { parseItemIds } from './schedule-format';

export type Preset = ScheduleTiming['preset'];
export type Target = 'everything' | 'selection' | 'query';

/** The timing the form's fields describe. */
export interface TimingFields {
  preset: Preset;
  time: string;
  weekday: number;
  dayOfMonth: number | 'last';
  cron: string;
}

function initialTiming(timing: ScheduleTiming | undefined): TimingFields {
  return {
    preset: timing?.preset ?? 'daily',
    time: timing && 'time' in timing ? timing.time : '02:00',
    weekday: timing?.preset === 'weekly' ? timing.weekday : 1,
    dayOfMonth: timing?.preset === 'monthly' ? timing.dayOfMonth : 1,
    cron: timing?.preset === 'cron' ? timing.cron : '0 2 * * *'
  };
}

function toTiming({ preset, time, weekday, dayOfMonth, cron }: TimingFields): ScheduleTiming {
  if (preset === 'daily') return { preset, time };
  if (preset === 'weekly') return { preset, time, weekday };
  if (preset === 'monthly') return { preset, time, dayOfMonth };
  return { preset, cron };
}

export function useScheduleForm(identity: Identity, schedule: Schedule | null, onDone: () => void) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const action = schedule?.action.kind === 'backup' ? schedule.action : null;
  const [name, setName] = useState(schedule?.name ?? `Nightly backup of ${identity.name}`);
  const [timingFields, setTimingFields] = useState<TimingFields>(() => initialTiming(schedule?.timing));
  const [timeZone, setTimeZone] = useState(schedule?.timeZone ?? browserTimeZone());
  const [target, setTarget] = useState<Target>(action?.target ?? 'everything');
  const [query, setQuery] = useState(action?.query ?? '');
  const [items, setItems] = useState((action?.items ?? []).join('\n'));
  const [withDependencies, setWithDependencies] = useState(action?.withDependencies ?? true);
  const [retention, setRetention] = useState<RetentionPolicy>(action?.retention ?? { keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 });
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);

  const timing = toTiming(timingFields);
  // Empty or 0 means the rule is not used; no rule at all keeps every backup.
  const kept = Object.fromEntries(Object.entries(retention).filter(([, v]) => typeof v === 'number' && v > 0)) as RetentionPolicy;
  const input: ScheduleInput = {
    name,
    enabled,
    timing,
    timeZone,
    action: {
      kind: 'backup',
      target,
      ...(target === 'query' ? { query } : {}),
      ...(target === 'selection' ? { items: parseItemIds(items) } : {}),
      ...(target !== 'everything' && !withDependencies ? { withDependencies: false } : {}),
      ...(Object.keys(kept).length > 0 ? { retention: kept } : {})
    }
  };
  const preview = useQuery({
    queryKey: scheduleKeys.preview(timing, timeZone),
    queryFn: ({ signal }) => previewSchedule(client, timing, timeZone, signal),
    retry: false,
    placeholderData: keepPreviousData
  });
  const save = useMutation({
    mutationFn: () => (schedule ? updateSchedule(client, schedule.id, input) : createSchedule(client, identity.id, input)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: scheduleKeys.list(identity.id) });
      onDone();
    }
  });

  return {
    name,
    setName,
    timingFields,
    setTiming: (change: Partial<TimingFields>) => setTimingFields((current) => ({ ...current, ...change })),
    timeZone,
    setTimeZone,
    target,
    setTarget,
    query,
    setQuery,
    items,
    setItems,
    withDependencies,
    setWithDependencies,
    retention,
    setRetention,
    enabled,
    setEnabled,
    preview,
    save,
    fieldError: (field: string) => fieldError(save.error, field),
    /** What is wrong with the timing: from the last save, else from the next-runs preview. */
    timingError: fieldError(save.error, 'timing') ?? (isApiError(preview.error) ? (preview.error.fieldMessage('timing') ?? preview.error.message) : undefined)
  };
}

export type ScheduleFormState = ReturnType<typeof useScheduleForm>;
