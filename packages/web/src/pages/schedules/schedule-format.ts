// Schedules in words: "Daily at 02:00", "Weekly on Monday at 01:30", what a schedule backs up and what it keeps.
import type { RetentionPolicy, ScheduleAction, ScheduleTiming } from '../../api/schedules.api';
import { ordinal, WEEKDAYS } from '../../lib/schedule-words';

export function describeTiming(timing: ScheduleTiming): string {
  switch (timing.preset) {
    case 'daily':
      return `Daily at ${timing.time}`;
    case 'weekly':
      return `Weekly on ${WEEKDAYS[timing.weekday] ?? `day ${timing.weekday}`} at ${timing.time}`;
    case 'monthly':
      return `Monthly on the ${timing.dayOfMonth === 'last' ? 'last day' : ordinal(timing.dayOfMonth)} at ${timing.time}`;
    case 'cron':
      return `Cron ${timing.cron}`;
  }
}

export function describeAction(action: ScheduleAction): string {
  if (action.kind !== 'backup') return `Scan: ${action.type}`;
  if (action.target === 'everything') return 'Back up everything';
  const only = action.withDependencies === false ? ', without what they need' : '';
  if (action.target === 'query') return `Back up what "${action.query ?? ''}" finds${only}`;
  const count = action.items?.length ?? 0;
  return `Back up ${count} chosen ${count === 1 ? 'item' : 'items'}${only}`;
}

export function describeRetention(retention: RetentionPolicy | undefined): string {
  if (!retention) return 'Keeps every backup';
  const parts = [
    retention.keepLast ? `last ${retention.keepLast}` : '',
    retention.keepDaily ? `${retention.keepDaily} daily` : '',
    retention.keepWeekly ? `${retention.keepWeekly} weekly` : '',
    retention.keepMonthly ? `${retention.keepMonthly} monthly` : '',
    retention.keepYearly ? `${retention.keepYearly} yearly` : ''
  ].filter(Boolean);
  return parts.length === 0 ? 'Keeps every backup' : `Keeps ${parts.join(', ')}`;
}

/** Item ids typed or pasted in any form: separated by commas, spaces or lines. */
export function parseItemIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}
