// The Logs page's Workers section: every OrgKeeper process on this database (servers, `orgkeeper worker`s, commands
// running an operation), its host and process, whether it answers, when it was last seen and what it runs.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listWorkers, workerKeys, workerLabel, workerRole, type Worker } from '../../api/workers.api';
import { useApiClient } from '../../app/api-context';
import { DataTable } from '../../components/data-table';
import { ErrorNotice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime } from '../../components/units';
import { seenAgo } from './worker-text';

/** How often the list is read again while the page is open. */
const REFRESH_MS = 5000;

export function WorkersSection({ kindLabel }: { kindLabel: (kind: string) => string }) {
  const client = useApiClient();
  const workers = useQuery({ queryKey: workerKeys.all, queryFn: ({ signal }) => listWorkers(client, signal), refetchInterval: REFRESH_MS });
  const list = workers.data;
  return (
    <section className="workers-section" aria-labelledby="workers-heading">
      <h2 id="workers-heading">Workers</h2>
      <p>
        The OrgKeeper processes that run operations on this database, on this machine or others. One that stops answering for more than{' '}
        {list ? `${list.staleAfterSeconds} seconds` : 'a while'} is taken over: the others continue its backups and restores.
      </p>
      {workers.error !== null && <ErrorNotice error={workers.error} title="The workers could not be loaded" />}
      {workers.isPending ? (
        <calcite-loader label="Loading the workers" inline />
      ) : list && list.workers.length > 0 ? (
        <DataTable caption="OrgKeeper processes, running ones first" columns={['Host and process', 'Role', 'State', 'Last seen', 'Version', 'Runs']} className="workers-table">
          {list.workers.map((worker) => (
            <WorkerRow key={worker.id} worker={worker} self={worker.id === list.self} kindLabel={kindLabel} />
          ))}
        
        </DataTable>
      ) : (
        list && <p className="cell-note">No process has run operations on this database in the last day.</p>
      )}
    </section>
  );
}

function WorkerRow({ worker, self, kindLabel }: { worker: Worker; self: boolean; kindLabel: (kind: string) => string }) {
  return (
    <tr data-worker={worker.id}>
      <td>
        {workerLabel(worker)}
        {self && <div className="cell-note">This server</div>}
      </td>
      <td>{workerRole(worker)}</td>
      <td>
        <StatusBadge status={worker.state === 'running' ? 'alive' : worker.state} />
      </td>
      <td>
        <span title={formatDateTime(worker.lastSeenAt)}>{seenAgo(worker.lastSeenAt)}</span>
      </td>
      <td>{worker.version}</td>
      <td>
        {worker.operations.length === 0 ? (
          <span className="cell-note">{worker.state === 'running' && worker.runsJobs ? `Idle (up to ${worker.maxRunning} at once)` : '—'}</span>
        ) : (
          <ul className="worker-operations">
            {worker.operations.map((op) => (
              <li key={op.id}>
                <Link className="text-link" to={`/logs/${encodeURIComponent(op.id)}`}>
                  {kindLabel(op.kind)}
                  {op.identityName ? ` of ${op.identityName}` : ''}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
