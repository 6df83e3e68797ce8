// Scheduling scans: a form that schedules the scan type and options chosen above (daily, weekly or monthly at a time of
// day in a time zone, with the next run times shown before saving), and the identity's scan schedules with Enable,
// Run now and Delete. Runs started by a schedule appear in the scan history like any other scan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isApiError } from '../../api/api-client';
import { cleanKeys, type OptionValue, type ScanTypeInfo } from '../../api/clean.api';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  previewSchedule,
  runScheduleNow,
  type Schedule,
  type ScheduleAction,
  scheduleKeys,
  updateSchedule
} from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { untrustedLabel } from './labels';
import { TextField } from './option-fields';
import { describeOptions } from './option-values';
import { browserTimeZone, describeTiming, type Repeat, type TimingForm, toTiming, WEEKDAYS } from './schedule-timing';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

/** The identity's schedules that run scans (backup schedules are the Back up page's). */
type ScanSchedule = Schedule & { action: Extract<ScheduleAction, { kind: 'scan' }> };
const isScanSchedule = (schedule: Schedule): schedule is ScanSchedule => schedule.action.kind === 'scan';

export interface ScheduleFormProps {
  identityId: string;
  info: ScanTypeInfo;
  /** The options chosen in the scan form, or null when they are not valid (the scan form shows why). */
  options: () => Record<string, OptionValue> | null;
  operator: boolean;
}

export function ScheduleScanForm({ identityId, info, options, operator }: ScheduleFormProps) {
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
      createSchedule(client, identityId, {
        name: name.trim(),
        timing: built.timing!,
        timeZone: timeZone.trim(),
        action: { kind: 'scan', type: info.type, options: input.options }
      }),
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
  const submit = () => {
    setCreated(null);
    const next: Record<string, string> = { ...built.errors };
    if (name.trim() === '') next.name = 'Give the schedule a name, e.g. "Weekly broken links".';
    if (timeZone.trim() === '') next.timeZone = 'Give the time zone, e.g. "Europe/Zurich" or "UTC".';
    setErrors(next);
    const chosen = options();
    if (Object.keys(next).length > 0 || !chosen || !built.timing) return;
    create.mutate({ options: chosen });
  };
  // A message goes once its field is edited; the rest are checked again on Create.
  const clearError = (key: string) =>
    setErrors((current) => {
      const { [key]: _gone, ...rest } = current;
      return rest;
    });
  const setField = (key: keyof TimingForm) => (value: string) => {
    setTiming((current) => ({ ...current, [key]: value }));
    clearError(key);
  };

  return (
    <details className="clean-schedule-form">
      <summary>Schedule this scan</summary>
      <p className="cell-note">Runs the {info.title.toLowerCase()} scan with the options above, unattended. The identity must store its credentials.</p>
      <form
        aria-label="Schedule"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <div className="clean-schedule-fields">
          <TextField name="name" label="Schedule name" help="Shown in the schedules list and the audit log." value={name} error={errors.name} disabled={!operator} onChange={(value) => {
            setName(value);
            clearError('name');
          }} />
          <div className="form-field">
            <calcite-select label="Repeat" labelText="Repeat" value={timing.repeat} disabled={!operator} oncalciteSelectChange={(event) => setField('repeat')(event.target.value as Repeat)}>
              {(['daily', 'weekly', 'monthly'] as const).map((repeat) => (
                <calcite-option key={repeat} value={repeat} label={repeat[0]!.toUpperCase() + repeat.slice(1)} selected={timing.repeat === repeat}>
                  {repeat[0]!.toUpperCase() + repeat.slice(1)}
                </calcite-option>
              ))}
            </calcite-select>
          </div>
          {timing.repeat === 'weekly' && (
            <div className="form-field">
              <calcite-select label="Weekday" labelText="Weekday" value={timing.weekday} disabled={!operator} oncalciteSelectChange={(event) => setField('weekday')(event.target.value)}>
                {WEEKDAYS.map((day, index) => (
                  <calcite-option key={day} value={String(index)} label={day} selected={timing.weekday === String(index)}>
                    {day}
                  </calcite-option>
                ))}
              </calcite-select>
            </div>
          )}
          {timing.repeat === 'monthly' && (
            <TextField name="dayOfMonth" label="Day of the month" help='1 to 31 (months without that day are skipped), or "last".' value={timing.dayOfMonth} error={errors.dayOfMonth} disabled={!operator} onChange={setField('dayOfMonth')} />
          )}
          <TextField name="time" label="Time" help="24-hour, HH:MM." value={timing.time} error={errors.time} disabled={!operator} onChange={setField('time')} />
          <TextField name="timeZone" label="Time zone" help='An IANA name, e.g. "America/New_York" or "UTC".' value={timeZone} error={errors.timeZone} disabled={!operator} onChange={(value) => {
            setTimeZone(value);
            clearError('timeZone');
          }} />
        </div>
        <p className="cell-note" aria-live="polite" data-testid="schedule-next-runs">
          {runs.data && runs.data.length > 0 ? `Next runs: ${runs.data.map((run) => formatDateTime(run)).join(' · ')}` : runs.error ? 'Check the time and time zone.' : ''}
        </p>
        {create.error !== null && <ErrorNotice error={create.error} title="The schedule could not be created" />}
        {created && (
          <Notice kind="success" title="Scheduled" announce>
            {created}
          </Notice>
        )}
        <div className="clean-actions">
          <calcite-button appearance="outline" iconStart="clock" disabled={!operator || create.isPending} loading={create.isPending} onClick={submit}>
            Create schedule
          </calcite-button>
        </div>
      </form>
    </details>
  );
}

export function ScanSchedules({ identityId, scanTypes, operator, onRun }: { identityId: string; scanTypes: ScanTypeInfo[]; operator: boolean; onRun: (operationId: string) => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const schedules = useQuery({
    queryKey: scheduleKeys.list(identityId),
    queryFn: ({ signal }) => listSchedules(client, identityId, signal),
    select: (data) => data.schedules.filter(isScanSchedule)
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: scheduleKeys.list(identityId) });
  const toggle = useMutation({ mutationFn: (input: { id: string; enabled: boolean }) => updateSchedule(client, input.id, { enabled: input.enabled }), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (id: string) => deleteSchedule(client, id), onSuccess: refresh });
  const run = useMutation({
    mutationFn: (id: string) => runScheduleNow(client, id),
    onSuccess: (started) => {
      refresh();
      void queryClient.invalidateQueries({ queryKey: cleanKeys.scans(identityId) });
      onRun(started.operationId);
    }
  });
  const error = schedules.error ?? toggle.error ?? remove.error ?? run.error;
  return (
    <section className="panel clean-schedules" aria-labelledby="clean-schedules-heading">
      <h2 id="clean-schedules-heading">Scheduled scans</h2>
      {error && <ErrorNotice error={error} title="The schedules could not be read or changed" />}
      {schedules.data && schedules.data.length === 0 && <p className="empty-note">No scan is scheduled. Schedule one from the scan form above.</p>}
      {schedules.data && schedules.data.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Scheduled scans</caption>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Scan</th>
                <th scope="col">When</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">Enabled</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schedules.data.map((schedule) => {
                const info = scanTypes.find((t) => t.type === schedule.action.type);
                const label = untrustedLabel(schedule.name);
                return (
                  <tr key={schedule.id} data-schedule-id={schedule.id}>
                    <td>
                      <PlainText text={schedule.name} />
                    </td>
                    <td>
                      {info?.title ?? schedule.action.type}
                      <span className="cell-note">{' '}{describeOptions(info?.options, (schedule.action.options ?? {}) as Record<string, OptionValue>)}</span>
                    </td>
                    <td>{describeTiming(schedule.timing, schedule.timeZone)}</td>
                    <td>{schedule.enabled ? formatDateTime(schedule.nextRunAt) : 'Disabled'}</td>
                    <td>
                      {formatDateTime(schedule.lastRunAt)}
                      {schedule.lastError && <PlainText as="span" className="cell-error" text={schedule.lastError} />}
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Enable the schedule ${label}`}
                        checked={schedule.enabled}
                        disabled={!operator || toggle.isPending}
                        onChange={(event) => toggle.mutate({ id: schedule.id, enabled: event.target.checked })}
                      />
                    </td>
                    <td className="clean-row-actions">
                      {operator && (
                        <>
                          <calcite-button appearance="transparent" iconStart="play" label={`Run ${label} now`} disabled={run.isPending} onClick={() => run.mutate(schedule.id)}>
                            Run now
                          </calcite-button>
                          <calcite-button appearance="transparent" kind="danger" iconStart="trash" label={`Delete the schedule ${label}`} disabled={remove.isPending} onClick={() => remove.mutate(schedule.id)}>
                            Delete
                          </calcite-button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
