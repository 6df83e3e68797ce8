// The identity's scheduled scans (the form that creates them is schedule-scan-form.tsx): when they run next and last,
// and Enable, Run now and Delete. Runs started by a schedule appear in the scan history like any other scan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cleanKeys, type OptionValue, type ScanTypeInfo } from '../../api/clean.api';
import { deleteSchedule, listSchedules, runScheduleNow, type Schedule, type ScheduleAction, scheduleKeys, updateSchedule } from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { ErrorNotice } from '../../components/notice';
import { formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { untrustedLabel } from './labels';
import { describeOptions } from './option-values';
import { describeTiming } from './schedule-timing';

/** The identity's schedules that run scans (backup schedules are the Back up page's). */
type ScanSchedule = Schedule & { action: Extract<ScheduleAction, { kind: 'scan' }> };
const isScanSchedule = (schedule: Schedule): schedule is ScanSchedule => schedule.action.kind === 'scan';

interface ScanSchedulesProps {
  identityId: string;
  scanTypes: ScanTypeInfo[];
  operator: boolean;
  /** A schedule was run now: its operation, to follow like a scan started here. */
  onRun: (operationId: string) => void;
}

/** The scan schedules, and enabling, running and deleting one (the list is read again after each). */
function useScanSchedules({ identityId, onRun }: ScanSchedulesProps) {
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
  return { schedules, toggle, remove, run, error: schedules.error ?? toggle.error ?? remove.error ?? run.error };
}

type ScanSchedulesState = ReturnType<typeof useScanSchedules>;

export function ScanSchedules(props: ScanSchedulesProps) {
  const state = useScanSchedules(props);
  const { schedules, error } = state;
  return (
    <section className="panel clean-schedules" aria-labelledby="clean-schedules-heading">
      <h2 id="clean-schedules-heading">Scheduled scans</h2>
      {error && <ErrorNotice error={error} title="The schedules could not be read or changed" />}
      {schedules.data && schedules.data.length === 0 && <p className="empty-note">No scan is scheduled. Schedule one from the scan form above.</p>}
      {schedules.data && schedules.data.length > 0 && (
        <DataTable caption="Scheduled scans" columns={['Schedule', 'Scan', 'When', 'Next run', 'Last run', 'Enabled']} actions>
          {schedules.data.map((schedule) => (
            <ScanScheduleRow key={schedule.id} schedule={schedule} info={props.scanTypes.find((t) => t.type === schedule.action.type)} operator={props.operator} state={state} />
          ))}
        
        </DataTable>
      )}
    </section>
  );
}

function ScanScheduleRow({ schedule, info, operator, state }: { schedule: ScanSchedule; info: ScanTypeInfo | undefined; operator: boolean; state: ScanSchedulesState }) {
  const { toggle, run, remove } = state;
  const label = untrustedLabel(schedule.name);
  return (
    <tr data-schedule-id={schedule.id}>
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
}
