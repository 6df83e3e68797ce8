// Schedules: per identity, backups that run by themselves (daily, weekly, monthly at a time, or a cron expression, in a
// time zone), of everything, chosen items or what a search finds, with a retention policy applied after each run; their
// next and last runs, Run now, pause, change and delete.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Identity } from '../../api/identities.api';
import { operationKeys } from '../../api/operations.api';
import { deleteSchedule, listSchedules, runScheduleNow, type Schedule, scheduleKeys, updateSchedule } from '../../api/schedules.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { DataTable } from '../../components/data-table';
import { IdentityPage } from '../../components/identity-page';
import { DeleteButton } from '../../components/delete-button';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { formatDateTime } from '../../components/units';
import { describeAction, describeRetention, describeTiming } from './schedule-format';
import { ScheduleForm } from './schedule-form';
import '../../components/native-forms.css';
import './schedules.css';

export function SchedulesPage() {
  const user = useCurrentUser();
  return (
    <IdentityPage
      className="schedules-page"
      title="Schedules"
      intro={
        <>
          Backups that run by themselves. Each run is incremental: unchanged items cost no new storage. A run missed while
          OrgKeeper was stopped starts once when it is back. Scheduling needs an identity with stored credentials. Who hears
          about failures is set under <Link to="/notifications">email notifications</Link>.
        </>
      }
    >
      {(identity) => <IdentitySchedules identity={identity} canEdit={canOperate(user)} />}
    </IdentityPage>
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
        <DataTable caption="Schedules" columns={['Name', 'When', 'What', 'Next run', 'Last run', 'Active']} actions className="schedules-table">
          {list.map((schedule) => (
            <ScheduleRow key={schedule.id} schedule={schedule} canEdit={canEdit} onEdit={() => setEditing(schedule)} />
          ))}
        
        </DataTable>
      )}
    </>
  );
}

function ScheduleRow({ schedule, canEdit, onEdit }: { schedule: Schedule; canEdit: boolean; onEdit: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  // Settles only once the list is read again, so the box never flips back to the old value in between.
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateSchedule(client, schedule.id, { enabled }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.list(schedule.identityId) })
  });
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
      <ScheduleActions schedule={schedule} canEdit={canEdit} onEdit={onEdit} toggleError={toggle.error} />
    </tr>
  );
}

/** Run now (with a link to follow the run), Edit, and Delete after a confirming second press. */
function ScheduleActions({ schedule, canEdit, onEdit, toggleError }: { schedule: Schedule; canEdit: boolean; onEdit: () => void; toggleError: Error | null }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: scheduleKeys.list(schedule.identityId) });
  const remove = useMutation({ mutationFn: () => deleteSchedule(client, schedule.id), onSettled: refresh });
  const run = useMutation({
    mutationFn: () => runScheduleNow(client, schedule.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: operationKeys.all }),
    onSettled: refresh
  });
  const error = toggleError ?? remove.error ?? run.error;
  return (
    <td className="row-actions">
      {canEdit && (
        <>
          <calcite-button appearance="outline" scale="s" iconStart="play" loading={run.isPending} onClick={() => run.mutate()} label={`Run ${schedule.name} now`}>
            Run now
          </calcite-button>
          <calcite-button appearance="outline" scale="s" iconStart="pencil" onClick={onEdit} label={`Edit ${schedule.name}`}>
            Edit
          </calcite-button>
          <DeleteButton name={schedule.name} busy={remove.isPending} onDelete={() => remove.mutate()} />
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
  );
}
