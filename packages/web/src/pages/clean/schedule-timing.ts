// The schedule form's timing: a preset (daily, weekly, monthly) at a time of day, checked before it is sent, and any
// timing described in words for the schedules table.
import type { ScheduleTiming } from '../../api/schedules.api';
import { ordinal, WEEKDAYS } from '../../lib/schedule-words';

export type Repeat = 'daily' | 'weekly' | 'monthly';

export interface TimingForm {
  repeat: Repeat;
  time: string;
  weekday: string;
  dayOfMonth: string;
}

export function toTiming(form: TimingForm): { timing?: ScheduleTiming; errors: Partial<Record<'time' | 'dayOfMonth', string>> } {
  const errors: Partial<Record<'time' | 'dayOfMonth', string>> = {};
  const match = /^(\d{1,2}):(\d{2})$/.exec(form.time.trim());
  const time = match && Number(match[1]) <= 23 && Number(match[2]) <= 59 ? `${match[1]!.padStart(2, '0')}:${match[2]}` : null;
  if (!time) errors.time = 'A time of day as HH:MM, 24-hour, e.g. 02:30.';
  let day: number | 'last' | null = null;
  if (form.repeat === 'monthly') {
    const text = form.dayOfMonth.trim().toLowerCase();
    if (text === 'last') day = 'last';
    else if (/^\d{1,2}$/.test(text) && Number(text) >= 1 && Number(text) <= 31) day = Number(text);
    else errors.dayOfMonth = 'A day from 1 to 31, or "last".';
  }
  if (Object.keys(errors).length > 0 || !time) return { errors };
  switch (form.repeat) {
    case 'daily':
      return { timing: { preset: 'daily', time }, errors };
    case 'weekly':
      return { timing: { preset: 'weekly', time, weekday: Math.min(6, Math.max(0, Number(form.weekday) || 0)) }, errors };
    case 'monthly':
      return { timing: { preset: 'monthly', time, dayOfMonth: day! }, errors };
  }
}

export function describeTiming(timing: ScheduleTiming, timeZone: string): string {
  switch (timing.preset) {
    case 'daily':
      return `Every day at ${timing.time} (${timeZone})`;
    case 'weekly':
      return `Every ${WEEKDAYS[timing.weekday] ?? `day ${timing.weekday}`} at ${timing.time} (${timeZone})`;
    case 'monthly':
      return `Monthly on the ${timing.dayOfMonth === 'last' ? 'last day' : ordinal(timing.dayOfMonth)} at ${timing.time} (${timeZone})`;
    case 'cron':
      return `Cron ${timing.cron} (${timeZone})`;
  }
}
