// Scheduling a scan: the scan type and options chosen above, daily, weekly or monthly at a time of day in a time zone,
// with the next run times shown before saving. Runs started by a schedule appear in the scan history like any other.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isApiError } from '../../api/api-client';
import type { OptionValue, ScanTypeInfo } from '../../api/clean.api';
import { createSchedule, previewSchedule, scheduleKeys } from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatDateTime } from '../../components/units';
import { TextField } from './option-fields';
import { browserTimeZone, WEEKDAYS } from '../../lib/schedule-words';
import { type Repeat, type TimingForm, toTiming } from './schedule-timing';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

export interface ScheduleFormProps {
  identityId: string;
  info: ScanTypeInfo;
  /** The options chosen in the scan form, or null when they are not valid (the scan form shows why). */
  options: () => Record<string, OptionValue> | null;
  operator: boolean;
}

/** The form's state: name, timing and time zone with a message per field, the next runs, and creating the schedule. */
function useScheduleScanForm({ identityId, info, options }: ScheduleFormProps) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [name, setName] = useState(`${info.title} scan`);
  const [timing, setTiming] = useState<TimingForm>({ repeat: 'weekly', time: '02:00', weekday: '1', dayOfMonth: '1' });
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);
  const built = toTiming(timing);
  const runs = useQuery({
    queryKey: scheduleKeys.preview(built.timing ?? { preset: 'cron', cron: '' }, timeZone),
    queryFn: async ({ signal }) => (await previewSchedule(client, built.timing!, timeZone.trim(), signal)).runs,
    enabled: built.timing !== undefined && timeZone.trim() !== '',
    retry: false
  });
  const create = useMutation({
    mutationFn: (input: { options: Record<string, OptionValue> }) =>
      createSchedule(client, identityId, { name: name.trim(), timing: built.timing!, timeZone: timeZone.trim(), action: { kind: 'scan', type: info.type, options: input.options } }),
    onSuccess: (schedule) => {
      setCreated(`"${schedule.name}" is scheduled; its first run is ${formatDateTime(schedule.nextRunAt)}.`);
      void queryClient.invalidateQueries({ queryKey: scheduleKeys.list(identityId) });
    },
    onError: (error) => {
      if (!isApiError(error)) return;
      const next: Record<string, string> = {};
      for (const [field, message] of Object.entries(error.fields)) {
        if (field === 'name' || field === 'timeZone') next[field] = message;
        else if (field.startsWith('timing')) next.time = message;
      }
      setErrors(next);
    }
  });
  // A message goes once its field is edited; the rest are checked again on Create.
  const clearError = (key: string) =>
    setErrors((current) => {
      const { [key]: _gone, ...rest } = current;
      return rest;
    });
  return {
    name,
    timing,
    timeZone,
    errors,
    created,
    runs,
    create,
    setName: (value: string) => {
      setName(value);
      clearError('name');
    },
    setTimingField: (key: keyof TimingForm) => (value: string) => {
      setTiming((current) => ({ ...current, [key]: value }));
      clearError(key);
    },
    setTimeZone: (value: string) => {
      setTimeZone(value);
      clearError('timeZone');
    },
    submit: () => {
      setCreated(null);
      const next: Record<string, string> = { ...built.errors };
      if (name.trim() === '') next.name = 'Give the schedule a name, e.g. "Weekly broken links".';
      if (timeZone.trim() === '') next.timeZone = 'Give the time zone, e.g. "Europe/Zurich" or "UTC".';
      setErrors(next);
      const chosen = options();
      if (Object.keys(next).length > 0 || !chosen || !built.timing) return;
      create.mutate({ options: chosen });
    }
  };
}

type ScheduleScanFormState = ReturnType<typeof useScheduleScanForm>;

export function ScheduleScanForm(props: ScheduleFormProps) {
  const { info, operator } = props;
  const form = useScheduleScanForm(props);
  const { runs } = form;
  return (
    <details className="clean-schedule-form">
      <summary>Schedule this scan</summary>
      <p className="cell-note">Runs the {info.title.toLowerCase()} scan with the options above, unattended. The identity must store its credentials.</p>
      <form
        aria-label="Schedule"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          form.submit();
        }}
      >
        <ScheduleFields form={form} operator={operator} />
        <p className="cell-note" aria-live="polite" data-testid="schedule-next-runs">
          {runs.data && runs.data.length > 0 ? `Next runs: ${runs.data.map((run) => formatDateTime(run)).join(' · ')}` : runs.error ? 'Check the time and time zone.' : ''}
        </p>
        {form.create.error !== null && <ErrorNotice error={form.create.error} title="The schedule could not be created" />}
        {form.created && (
          <Notice kind="success" title="Scheduled" announce>
            {form.created}
          </Notice>
        )}
        <div className="clean-actions">
          <calcite-button appearance="outline" iconStart="clock" disabled={!operator || form.create.isPending} loading={form.create.isPending} onClick={form.submit}>
            Create schedule
          </calcite-button>
        </div>
      </form>
    </details>
  );
}

const capitalized = (text: string) => text[0]!.toUpperCase() + text.slice(1);

function ScheduleFields({ form, operator }: { form: ScheduleScanFormState; operator: boolean }) {
  const { timing, errors } = form;
  return (
    <div className="clean-schedule-fields">
      <TextField name="name" label="Schedule name" help="Shown in the schedules list and the audit log." value={form.name} error={errors.name} disabled={!operator} onChange={form.setName} />
      <div className="form-field">
        <calcite-select label="Repeat" labelText="Repeat" value={timing.repeat} disabled={!operator} oncalciteSelectChange={(event) => form.setTimingField('repeat')(event.target.value as Repeat)}>
          {(['daily', 'weekly', 'monthly'] as const).map((repeat) => (
            <calcite-option key={repeat} value={repeat} label={capitalized(repeat)} selected={timing.repeat === repeat}>
              {capitalized(repeat)}
            </calcite-option>
          ))}
        </calcite-select>
      </div>
      {timing.repeat === 'weekly' && (
        <div className="form-field">
          <calcite-select label="Weekday" labelText="Weekday" value={timing.weekday} disabled={!operator} oncalciteSelectChange={(event) => form.setTimingField('weekday')(event.target.value)}>
            {WEEKDAYS.map((day, index) => (
              <calcite-option key={day} value={String(index)} label={day} selected={timing.weekday === String(index)}>
                {day}
              </calcite-option>
            ))}
          </calcite-select>
        </div>
      )}
      {timing.repeat === 'monthly' && (
        <TextField name="dayOfMonth" label="Day of the month" help='1 to 31 (months without that day are skipped), or "last".' value={timing.dayOfMonth} error={errors.dayOfMonth} disabled={!operator} onChange={form.setTimingField('dayOfMonth')} />
      )}
      <TextField name="time" label="Time" help="24-hour, HH:MM." value={timing.time} error={errors.time} disabled={!operator} onChange={form.setTimingField('time')} />
      <TextField name="timeZone" label="Time zone" help='An IANA name, e.g. "America/New_York" or "UTC".' value={form.timeZone} error={errors.timeZone} disabled={!operator} onChange={form.setTimeZone} />
    </div>
  );
}
