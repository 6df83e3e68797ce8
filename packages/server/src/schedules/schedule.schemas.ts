/** JSON schemas of the schedules API's answers (schedules.routes.ts), checked against schedule.types.ts. */
import { anyObject, anyOf, arrayOf, boolean, constant, dateTime, described, integer, nullable, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { ScheduleView } from './schedule.types.js';

const time = described('HH:MM, 24-hour, in the schedule\'s time zone.', string);

export const scheduleTimingSchema = anyOf(
  object({ preset: constant('daily'), time }),
  object({ preset: constant('weekly'), time, weekday: described('0 Sunday ... 6 Saturday.', integer) }),
  object({ preset: constant('monthly'), time, dayOfMonth: described('1-31 (months without that day are skipped) or "last".', anyOf(integer, constant('last'))) }),
  object({ preset: constant('cron'), cron: string })
);

const retention = object({ keepLast: integer, keepDaily: integer, keepWeekly: integer, keepMonthly: integer, keepYearly: integer }, [
  'keepLast',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly'
]);

export const scheduleActionSchema = anyOf(
  object(
    {
      kind: constant('backup'),
      target: stringEnum(['everything', 'selection', 'query']),
      items: arrayOf(string),
      query: string,
      withDependencies: described('With a selection or a query: also back up what the chosen items need to be restored (default true).', boolean),
      backupName: string,
      retention: described('Applied after each run (forget, then prune).', retention)
    },
    ['items', 'query', 'withDependencies', 'backupName', 'retention']
  ),
  object({ kind: constant('scan'), type: string, options: anyObject }, ['options'])
);

export const scheduleSchema = object({
  id: string,
  identityId: string,
  name: string,
  enabled: boolean,
  timing: scheduleTimingSchema,
  cron: described('The cron expression the timing amounts to.', string),
  timeZone: string,
  action: scheduleActionSchema,
  nextRunAt: described('Null when disabled.', nullable(dateTime)),
  lastRunAt: nullable(dateTime),
  lastOperationId: nullable(string),
  lastError: described('Why the last run could not start.', nullable(string)),
  createdBy: string,
  createdAt: dateTime,
  updatedAt: dateTime
});

export const scheduleListSchema = object({ schedules: arrayOf(scheduleSchema) });
export const schedulePreviewSchema = object({ runs: described('The next run times (UTC).', arrayOf(dateTime)) });

const agrees: [SchemaAgrees<typeof scheduleSchema, ScheduleView>, SchemaAgrees<typeof scheduleListSchema, { schedules: ScheduleView[] }>] = [true, true];
void agrees;
