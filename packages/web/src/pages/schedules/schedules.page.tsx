// Schedules: per identity, backups that run by themselves (daily, weekly, monthly at a time, or a cron expression, in a
// time zone), of everything, chosen items or what a search finds, with a retention policy applied after each run; their
// next and last runs, Run now, pause, change and delete.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../../api/api-client';
import { operationKeys } from '../../api/operations.api';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  previewSchedule,
  type RetentionPolicy,
  runScheduleNow,
  type Schedule,
  type ScheduleInput,
  scheduleKeys,
  type ScheduleTiming,
  updateSchedule
} from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { FormField } from '../../components/form-field';
import { IdentityPicker, useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { formatDateTime } from '../../components/units';
import type { Identity } from '../../api/identities.api';
import { describeAction, describeRetention, describeTiming, parseItemIds, WEEKDAYS } from './schedule-format';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';
import './schedules.css';

export function SchedulesPage() {
  const selection = useSelectedIdentity();
  const user = useCurrentUser();
  return (
    <div className="page schedules-page">
      <header className="page-header">
        <h1>Schedules</h1>
        <p>
          Backups that run by themselves. Each run is incremental: unchanged items cost no new storage. A run missed while
          OrgKeeper was stopped starts once when it is back. Scheduling needs an identity with stored credentials. Who hears
          about failures is set under <Link to="/notifications">email notifications</Link>.
        </p>
      </header>
      <div className="page-toolbar">
        <IdentityPicker selection={selection} />
      </div>
      {selection.identity && <IdentitySchedules key={selection.identity.id} identity={selection.identity} canEdit={canOperate(user)} />}
    </div>
  );
}

function IdentitySchedules({ identity, canEdit }: { identity: Identity; canEdit: boolean }) {
  const client = useApiClient();
  const schedules = useQuery({
    queryKey: scheduleKeys.list(identity.id),
    queryFn: ({ signal }) => listSchedules(client, identity.id, signal),
    // Next and last runs move on by themselves.
    refetchInterval: 10_000
  });
  const [editing, setEditing] = useState<Schedule | 'new' | null>(null);
  const list = schedules.data?.schedules ?? [];
  return (
    <>
      {schedules.error !== null && <ErrorNotice error={schedules.error} title="The schedules could not be loaded" />}
      {canEdit && editing === null && (
        <div className="page-toolbar">
          <calcite-button iconStart="plus" onClick={() => setEditing('new')}>
            New schedule
          </calcite-button>
        </div>
      )}
      {editing !== null && (
        <ScheduleForm key={editing === 'new' ? 'new' : editing.id} identity={identity} schedule={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
      )}
      {schedules.isPending ? (
        <calcite-loader label="Loading schedules" inline />
      ) : list.length === 0 ? (
        <Notice kind="info" title={`No schedule for "${identity.name}" yet`}>
          {canEdit ? 'Press New schedule to back it up regularly.' : 'An operator or administrator can add one.'}
        </Notice>
      ) : (
        <div className="table-scroll">
          <table className="data-table schedules-table">
            <caption className="visually-hidden">Schedules</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">Active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((schedule) => (
                <ScheduleRow key={schedule.id} schedule={schedule} canEdit={canEdit} onEdit={() => setEditing(schedule)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ScheduleRow({ schedule, canEdit, onEdit }: { schedule: Schedule; canEdit: boolean; onEdit: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: scheduleKeys.list(schedule.identityId) });
  // Settles only once the list is read again, so the box never flips back to the old value in between.
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateSchedule(client, schedule.id, { enabled }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.list(schedule.identityId) })
  });
  const remove = useMutation({ mutationFn: () => deleteSchedule(client, schedule.id), onSettled: refresh });
  const run = useMutation({
    mutationFn: () => runScheduleNow(client, schedule.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: operationKeys.all }),
    onSettled: refresh
  });
  const error = toggle.error ?? remove.error ?? run.error;
  return (
    <tr data-schedule={schedule.id}>
      <td>{schedule.name}</td>
      <td>
        {describeTiming(schedule.timing)}
        <div className="cell-note">{schedule.timeZone}</div>
      </td>
      <td>
        {describeAction(schedule.action)}
        {schedule.action.kind === 'backup' && <div className="cell-note">{describeRetention(schedule.action.retention)}</div>}
      </td>
      <td>{schedule.enabled ? formatDateTime(schedule.nextRunAt) : 'Paused'}</td>
      <td>
        {schedule.lastRunAt ? formatDateTime(schedule.lastRunAt) : 'Never'}
        {schedule.lastOperationId && (
          <div>
            <Link className="text-link" to={`/logs/${encodeURIComponent(schedule.lastOperationId)}`} aria-label={`Open the log of the last run of ${schedule.name}`}>
              Its log
            </Link>
          </div>
        )}
        {schedule.lastError && <span className="cell-error">{schedule.lastError}</span>}
      </td>
      <td>
        <label className="inline-check">
          {/* While the change is being saved the box shows the value asked for (and cannot be clicked again). */}
          <input
            type="checkbox"
            checked={toggle.isPending && toggle.variables !== undefined ? toggle.variables : schedule.enabled}
            disabled={!canEdit || toggle.isPending}
            onChange={(event) => toggle.mutate(event.target.checked)}
          />
          <span className="visually-hidden">Active: {schedule.name}</span>
        </label>
      </td>
      <td className="row-actions">
        {canEdit && (
          <>
            <calcite-button appearance="outline" scale="s" iconStart="play" loading={run.isPending} onClick={() => run.mutate()} label={`Run ${schedule.name} now`}>
              Run now
            </calcite-button>
            <calcite-button appearance="outline" scale="s" iconStart="pencil" onClick={onEdit} label={`Edit ${schedule.name}`}>
              Edit
            </calcite-button>
            <calcite-button
              appearance={confirming ? 'solid' : 'outline'}
              kind="danger"
              scale="s"
              iconStart="trash"
              loading={remove.isPending}
              onClick={() => (confirming ? remove.mutate() : setConfirming(true))}
              label={confirming ? `Confirm: delete ${schedule.name}` : `Delete ${schedule.name}`}
            >
              {confirming ? 'Confirm delete' : 'Delete'}
            </calcite-button>
          </>
        )}
        {run.data && (
          <div>
            <Link className="text-link" to={`/logs/${encodeURIComponent(run.data.operationId)}`}>
              Follow the run
            </Link>
          </div>
        )}
        {error !== null && <span className="cell-error">{error instanceof Error ? error.message : 'That did not work.'}</span>}
      </td>
    </tr>
  );
}

type Preset = ScheduleTiming['preset'];
type Target = 'everything' | 'selection' | 'query';

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...all])];
}

function ScheduleForm({ identity, schedule, onDone }: { identity: Identity; schedule: Schedule | null; onDone: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const headingId = useId();
  const timing = schedule?.timing;
  const action = schedule?.action.kind === 'backup' ? schedule.action : null;
  const [name, setName] = useState(schedule?.name ?? `Nightly backup of ${identity.name}`);
  const [preset, setPreset] = useState<Preset>(timing?.preset ?? 'daily');
  const [time, setTime] = useState(timing && 'time' in timing ? timing.time : '02:00');
  const [weekday, setWeekday] = useState(timing?.preset === 'weekly' ? timing.weekday : 1);
  const [dayOfMonth, setDayOfMonth] = useState<number | 'last'>(timing?.preset === 'monthly' ? timing.dayOfMonth : 1);
  const [cron, setCron] = useState(timing?.preset === 'cron' ? timing.cron : '0 2 * * *');
  const [timeZone, setTimeZone] = useState(schedule?.timeZone ?? browserTimeZone());
  const [target, setTarget] = useState<Target>(action?.target ?? 'everything');
  const [query, setQuery] = useState(action?.query ?? '');
  const [items, setItems] = useState((action?.items ?? []).join('\n'));
  const [retention, setRetention] = useState<RetentionPolicy>(action?.retention ?? { keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 });
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);

  const timingValue: ScheduleTiming =
    preset === 'daily'
      ? { preset, time }
      : preset === 'weekly'
        ? { preset, time, weekday }
        : preset === 'monthly'
          ? { preset, time, dayOfMonth }
          : { preset, cron };
  const cleanRetention = Object.fromEntries(Object.entries(retention).filter(([, v]) => typeof v === 'number' && v > 0)) as RetentionPolicy;
  const input: ScheduleInput = {
    name,
    enabled,
    timing: timingValue,
    timeZone,
    action: {
      kind: 'backup',
      target,
      ...(target === 'query' ? { query } : {}),
      ...(target === 'selection' ? { items: parseItemIds(items) } : {}),
      ...(Object.keys(cleanRetention).length > 0 ? { retention: cleanRetention } : {})
    }
  };
  const preview = useQuery({
    queryKey: scheduleKeys.preview(timingValue, timeZone),
    queryFn: ({ signal }) => previewSchedule(client, timingValue, timeZone, signal),
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
  const fieldError = (field: string) => (isApiError(save.error) ? save.error.fieldMessage(field) : undefined);
  const timingError = fieldError('timing') ?? (isApiError(preview.error) ? (preview.error.fieldMessage('timing') ?? preview.error.message) : undefined);
  const ids = { time: useId(), retention: useId(), items: useId() };

  return (
    <section className="panel schedule-form" aria-labelledby={headingId}>
      <h2 id={headingId}>{schedule ? `Change "${schedule.name}"` : 'New schedule'}</h2>
      <div className="schedule-form-body">
        <FormField name="name" label="Schedule name" help="Also the name of the backups it makes (the date is added)." value={name} onValueChange={setName} error={fieldError('name')} required />

        <fieldset className="choice-group">
          <legend>Repeats</legend>
          {(['daily', 'weekly', 'monthly', 'cron'] as const).map((p) => (
            <label key={p} className="inline-check">
              <input type="radio" name="preset" value={p} checked={preset === p} onChange={() => setPreset(p)} />
              {p === 'cron' ? 'Custom (cron)' : p[0]!.toUpperCase() + p.slice(1)}
            </label>
          ))}
        </fieldset>
        <div className="form-row">
          {preset === 'cron' ? (
            <FormField name="cron" label="Cron expression" help='Five fields: minute hour day-of-month month day-of-week, e.g. "30 1 * * 1-5".' value={cron} onValueChange={setCron} error={timingError} />
          ) : (
            <>
              <label className="native-field" htmlFor={ids.time}>
                Time
                <input id={ids.time} type="time" value={time} required onChange={(event) => setTime(event.target.value)} />
              </label>
              {preset === 'weekly' && (
                <calcite-select label="Day of the week" labelText="Day of the week" value={String(weekday)} oncalciteSelectChange={(event) => setWeekday(Number(event.target.value))}>
                  {WEEKDAYS.map((day, i) => (
                    <calcite-option key={day} value={String(i)} label={day} selected={weekday === i}>
                      {day}
                    </calcite-option>
                  ))}
                </calcite-select>
              )}
              {preset === 'monthly' && (
                <calcite-select
                  label="Day of the month"
                  labelText="Day of the month"
                  value={String(dayOfMonth)}
                  oncalciteSelectChange={(event) => setDayOfMonth(event.target.value === 'last' ? 'last' : Number(event.target.value))}
                >
                  {[...Array.from({ length: 31 }, (_, i) => String(i + 1)), 'last'].map((day) => (
                    <calcite-option key={day} value={day} label={day === 'last' ? 'Last day' : day} selected={String(dayOfMonth) === day}>
                      {day === 'last' ? 'Last day' : day}
                    </calcite-option>
                  ))}
                </calcite-select>
              )}
            </>
          )}
          <calcite-select label="Time zone" labelText="Time zone" value={timeZone} oncalciteSelectChange={(event) => setTimeZone(event.target.value)}>
            {timeZones(timeZone).map((zone) => (
              <calcite-option key={zone} value={zone} label={zone} selected={zone === timeZone}>
                {zone}
              </calcite-option>
            ))}
          </calcite-select>
        </div>
        {timingError && preset !== 'cron' && <Notice kind="danger" title="Timing">{timingError}</Notice>}
        <p className="next-runs" role="status" aria-live="polite">
          {preview.data && preview.data.runs.length > 0
            ? `Next runs: ${preview.data.runs.map((run) => `${formatDateTime(run)}`).join(' · ')}`
            : preview.isFetching
              ? 'Working out the next runs…'
              : ''}
        </p>

        <fieldset className="choice-group">
          <legend>What to back up</legend>
          <label className="inline-check">
            <input type="radio" name="target" value="everything" checked={target === 'everything'} onChange={() => setTarget('everything')} />
            Everything (items, groups and users)
          </label>
          <label className="inline-check">
            <input type="radio" name="target" value="query" checked={target === 'query'} onChange={() => setTarget('query')} />
            What a search finds at each run
          </label>
          <label className="inline-check">
            <input type="radio" name="target" value="selection" checked={target === 'selection'} onChange={() => setTarget('selection')} />
            Chosen items
          </label>
        </fieldset>
        {target === 'query' && (
          <FormField name="query" label="Search query" help='ArcGIS search syntax, e.g. owner:jdoe or type:"Web Map".' value={query} onValueChange={setQuery} error={fieldError('action') ?? fieldError('query')} />
        )}
        {target === 'selection' && (
          <div className="native-field">
            <label htmlFor={ids.items}>Item IDs</label>
            <textarea id={ids.items} rows={4} value={items} onChange={(event) => setItems(event.target.value)} placeholder="One per line, or separated by commas" aria-describedby={`${ids.items}-help`} />
            <span id={`${ids.items}-help`} className="form-field-help">
              {parseItemIds(items).length} items. Find item IDs on the Backups page or in ArcGIS.
            </span>
          </div>
        )}
        {fieldError('action') && target !== 'query' && <Notice kind="danger" title="What to back up">{fieldError('action')}</Notice>}

        <fieldset className="choice-group retention" aria-describedby={ids.retention}>
          <legend>Keep (after each run, older backups beyond these are forgotten and their storage pruned)</legend>
          {(
            [
              ['keepLast', 'Last'],
              ['keepDaily', 'Daily'],
              ['keepWeekly', 'Weekly'],
              ['keepMonthly', 'Monthly'],
              ['keepYearly', 'Yearly']
            ] as const
          ).map(([key, label]) => (
            <label key={key} className="native-field small">
              {label}
              <input
                type="number"
                min={0}
                max={10000}
                value={retention[key] ?? ''}
                onChange={(event) => setRetention((current) => ({ ...current, [key]: event.target.value === '' ? undefined : Number(event.target.value) }))}
              />
            </label>
          ))}
          <span id={ids.retention} className="form-field-help">
            Empty or 0: not used. All empty: every backup is kept.
          </span>
        </fieldset>

        <label className="inline-check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
          Active (runs on its schedule)
        </label>
        {save.error !== null && <ErrorNotice error={save.error} title="The schedule was not saved" />}
        <div className="form-actions">
          <calcite-button loading={save.isPending} disabled={save.isPending} onClick={() => save.mutate()}>
            {schedule ? 'Save changes' : 'Create schedule'}
          </calcite-button>
          <calcite-button appearance="outline" kind="neutral" onClick={onDone}>
            Cancel
          </calcite-button>
        </div>
      </div>
    </section>
  );
}
