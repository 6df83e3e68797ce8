// Creating or changing a backup schedule: when it runs (with the next runs shown while editing), what it backs up,
// what it keeps, and whether it is active. The state is in schedule-form-state.ts.
import { useId } from 'react';
import type { Identity } from '../../api/identities.api';
import type { RetentionPolicy, Schedule } from '../../api/schedules.api';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatDateTime } from '../../components/units';
import { WEEKDAYS } from '../../lib/schedule-words';
import { parseItemIds } from './schedule-format';
import { type ScheduleFormState, useScheduleForm } from './schedule-form-state';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...all])];
}

export function ScheduleForm({ identity, schedule, onDone }: { identity: Identity; schedule: Schedule | null; onDone: () => void }) {
  const headingId = useId();
  const form = useScheduleForm(identity, schedule, onDone);
  return (
    <section className="panel schedule-form" aria-labelledby={headingId}>
      <h2 id={headingId}>{schedule ? `Change "${schedule.name}"` : 'New schedule'}</h2>
      <div className="schedule-form-body form-column">
        <FormField name="name" label="Schedule name" help="Also the name of the backups it makes (the date is added)." value={form.name} onValueChange={form.setName} error={form.fieldError('name')} required />
        <TimingFields form={form} />
        <TargetFields form={form} />
        <RetentionFields retention={form.retention} onChange={form.setRetention} />
        <label className="inline-check">
          <input type="checkbox" checked={form.enabled} onChange={(event) => form.setEnabled(event.target.checked)} />
          Active (runs on its schedule)
        </label>
        {form.save.error !== null && <ErrorNotice error={form.save.error} title="The schedule was not saved" />}
        <div className="form-actions">
          <calcite-button loading={form.save.isPending} disabled={form.save.isPending} onClick={() => form.save.mutate()}>
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

/** How often (daily, weekly, monthly at a time, or cron), in which time zone, and the next runs that makes. */
function TimingFields({ form }: { form: ScheduleFormState }) {
  const timeId = useId();
  const { timingFields: timing, setTiming, preview, timingError } = form;
  const { preset } = timing;
  return (
    <>
      <fieldset className="choice-group">
        <legend>Repeats</legend>
        {(['daily', 'weekly', 'monthly', 'cron'] as const).map((p) => (
          <label key={p} className="inline-check">
            <input type="radio" name="preset" value={p} checked={preset === p} onChange={() => setTiming({ preset: p })} />
            {p === 'cron' ? 'Custom (cron)' : p[0]!.toUpperCase() + p.slice(1)}
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        {preset === 'cron' ? (
          <FormField name="cron" label="Cron expression" help='Five fields: minute hour day-of-month month day-of-week, e.g. "30 1 * * 1-5".' value={timing.cron} onValueChange={(cron) => setTiming({ cron })} error={timingError} />
        ) : (
          <>
            <label className="native-field" htmlFor={timeId}>
              Time
              <input id={timeId} type="time" value={timing.time} required onChange={(event) => setTiming({ time: event.target.value })} />
            </label>
            {preset === 'weekly' && (
              <calcite-select label="Day of the week" labelText="Day of the week" value={String(timing.weekday)} oncalciteSelectChange={(event) => setTiming({ weekday: Number(event.target.value) })}>
                {WEEKDAYS.map((day, i) => (
                  <calcite-option key={day} value={String(i)} label={day} selected={timing.weekday === i}>
                    {day}
                  </calcite-option>
                ))}
              </calcite-select>
            )}
            {preset === 'monthly' && <DayOfMonthSelect value={timing.dayOfMonth} onChange={(dayOfMonth) => setTiming({ dayOfMonth })} />}
          </>
        )}
        <calcite-select label="Time zone" labelText="Time zone" value={form.timeZone} oncalciteSelectChange={(event) => form.setTimeZone(event.target.value)}>
          {timeZones(form.timeZone).map((zone) => (
            <calcite-option key={zone} value={zone} label={zone} selected={zone === form.timeZone}>
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
    </>
  );
}

function DayOfMonthSelect({ value, onChange }: { value: number | 'last'; onChange: (day: number | 'last') => void }) {
  return (
    <calcite-select
      label="Day of the month"
      labelText="Day of the month"
      value={String(value)}
      oncalciteSelectChange={(event) => onChange(event.target.value === 'last' ? 'last' : Number(event.target.value))}
    >
      {[...Array.from({ length: 31 }, (_, i) => String(i + 1)), 'last'].map((day) => (
        <calcite-option key={day} value={day} label={day === 'last' ? 'Last day' : day} selected={String(value) === day}>
          {day === 'last' ? 'Last day' : day}
        </calcite-option>
      ))}
    </calcite-select>
  );
}

/** What each run backs up: everything, what a search finds at that time, or chosen items. */
function TargetFields({ form }: { form: ScheduleFormState }) {
  const itemsId = useId();
  const { target, setTarget, fieldError } = form;
  return (
    <>
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
        <FormField name="query" label="Search query" help='ArcGIS search syntax, e.g. owner:jdoe or type:"Web Map".' value={form.query} onValueChange={form.setQuery} error={fieldError('action') ?? fieldError('query')} />
      )}
      {target === 'selection' && (
        <div className="native-field">
          <label htmlFor={itemsId}>Item IDs</label>
          <textarea id={itemsId} rows={4} value={form.items} onChange={(event) => form.setItems(event.target.value)} placeholder="One per line, or separated by commas" aria-describedby={`${itemsId}-help`} />
          <span id={`${itemsId}-help`} className="form-field-help">
            {parseItemIds(form.items).length} items. Find item IDs on the Backups page or in ArcGIS.
          </span>
        </div>
      )}
      {target !== 'everything' && (
        <label className="inline-check">
          <input type="checkbox" checked={form.withDependencies} onChange={(event) => form.setWithDependencies(event.target.checked)} />
          Also back up what the chosen items need to be restored (a survey's service and views, a view's source)
        </label>
      )}
      {fieldError('action') && target !== 'query' && <Notice kind="danger" title="What to back up">{fieldError('action')}</Notice>}
    </>
  );
}

const RETENTION_RULES = [
  ['keepLast', 'Last'],
  ['keepDaily', 'Daily'],
  ['keepWeekly', 'Weekly'],
  ['keepMonthly', 'Monthly'],
  ['keepYearly', 'Yearly']
] as const;

/** What each run keeps: older backups beyond these are forgotten and their storage pruned. */
function RetentionFields({ retention, onChange }: { retention: RetentionPolicy; onChange: (change: (current: RetentionPolicy) => RetentionPolicy) => void }) {
  const helpId = useId();
  return (
    <fieldset className="choice-group retention" aria-describedby={helpId}>
      <legend>Keep (after each run, older backups beyond these are forgotten and their storage pruned)</legend>
      {RETENTION_RULES.map(([key, label]) => (
        <label key={key} className="native-field small">
          {label}
          <input
            type="number"
            min={0}
            max={10000}
            value={retention[key] ?? ''}
            onChange={(event) => onChange((current) => ({ ...current, [key]: event.target.value === '' ? undefined : Number(event.target.value) }))}
          />
        </label>
      ))}
      <span id={helpId} className="form-field-help">
        Empty or 0: not used. All empty: every backup is kept.
      </span>
    </fieldset>
  );
}
