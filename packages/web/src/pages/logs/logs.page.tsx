// Logs: every operation (backups, restores, checks...) with its status, and one operation with, while it runs, its
// progress and Cancel, and its per-item log with a status filter and CSV export (operation-items.tsx).
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Route, Routes, useParams } from 'react-router';
import type { Identity } from '../../api/identities.api';
import { useIdentities } from '../../api/identities.query';
import { operationProgress, useOperation } from '../../api/operation-updates';
import {
  cancelOperation,
  canResume,
  isActive,
  listOperations,
  type Operation,
  type OperationFilter,
  type OperationKind,
  operationKeys,
  OPERATION_STATUSES,
  type OperationStatus,
  resumeOperation
} from '../../api/operations.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { BackLink } from '../../components/back-link';
import { DataTable } from '../../components/data-table';
import { FilterSelect } from '../../components/filter-select';
import { ErrorNotice, Notice } from '../../components/notice';
import { OperationProgressView } from '../../components/operation-progress';
import { canOperate } from '../../components/roles';
import { outcomeKind, StatusBadge, statusLabel } from '../../components/status-badge';
import { elapsed, formatCount, formatDateTime } from '../../components/units';
import { OperationItems } from './operation-items';
import { operationWorkerText } from './worker-text';
import { WorkersSection } from './workers-section';
import './logs.css';

const KINDS: { value: OperationKind; label: string }[] = [
  { value: 'backup', label: 'Backup' },
  { value: 'restore', label: 'Restore' },
  { value: 'check', label: 'Check' },
  { value: 'prune', label: 'Prune' },
  { value: 'forget', label: 'Forget' },
  { value: 'scan', label: 'Scan' }
];
const kindLabel = (kind: string) => KINDS.find((k) => k.value === kind)?.label ?? kind;

export function LogsPage() {
  return (
    <Routes>
      <Route index element={<OperationList />} />
      <Route path=":operationId" element={<OperationDetail />} />
    </Routes>
  );
}

function useIdentityNames(): Map<string, Identity> {
  const identities = useIdentities();
  return new Map((identities.data?.identities ?? []).map((identity) => [identity.id, identity]));
}

function operationName(operation: Operation): string {
  const name = operation.params.name;
  return typeof name === 'string' && name !== '' ? name : kindLabel(operation.kind);
}

function OperationList() {
  const client = useApiClient();
  const identities = useIdentityNames();
  const [status, setStatus] = useState<OperationStatus | ''>('');
  const [kind, setKind] = useState<OperationKind | ''>('');
  const [identityId, setIdentityId] = useState('');
  const filter: OperationFilter = { ...(status ? { status } : {}), ...(kind ? { kind } : {}), ...(identityId ? { identityId } : {}), limit: 50 };
  const list = useInfiniteQuery({
    queryKey: operationKeys.list(filter),
    queryFn: ({ pageParam, signal }) => listOperations(client, { ...filter, ...(pageParam ? { before: pageParam } : {}) }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    staleTime: 0,
    // Running operations change: read the list again while any is under way.
    refetchInterval: (query) => (query.state.data?.pages.some((p) => p.operations.some((o) => isActive(o.status))) ? 3000 : false)
  });
  const operations = list.data?.pages.flatMap((page) => page.operations) ?? [];

  return (
    <div className="page logs-page">
      <header className="page-header">
        <h1>Logs</h1>
        <p>
          Every backup, restore and other long task, newest first. Open one to see what happened to each item and to export it as CSV. To hear about
          failures by email, set up <Link to="/notifications">email notifications</Link>.
        </p>
      </header>
      <div className="filter-row" role="search" aria-label="Filter the operations">
        <FilterSelect label="Status" anyLabel="Any status" value={status} choices={OPERATION_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))} onChange={setStatus} />
        <FilterSelect label="Kind" anyLabel="Any kind" value={kind} choices={KINDS} onChange={setKind} />
        <FilterSelect
          label="Identity"
          anyLabel="Any identity"
          value={identityId}
          choices={[...identities.values()].map((identity) => ({ value: identity.id, label: identity.name }))}
          onChange={setIdentityId}
        />
      </div>
      {list.error !== null && <ErrorNotice error={list.error} title="The operations could not be loaded" />}
      {list.isPending ? (
        <calcite-loader label="Loading operations" inline />
      ) : operations.length === 0 ? (
        <Notice kind="info" title={status || kind || identityId ? 'No operation matches these filters' : 'Nothing has run yet'}>
          Backups and restores appear here as soon as they start.
        </Notice>
      ) : (
        <OperationTable operations={operations} identities={identities} />
      )}
      {list.hasNextPage && (
        <calcite-button appearance="outline" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Show older operations
        </calcite-button>
      )}
      <WorkersSection kindLabel={kindLabel} />
    </div>
  );
}

function OperationTable({ operations, identities }: { operations: Operation[]; identities: Map<string, Identity> }) {
  const canCancel = canOperate(useCurrentUser());
  return (
    <DataTable caption="Operations, newest first" columns={['Started', 'Operation', 'Identity', 'Status', { name: 'Items', numeric: true }, { name: 'Duration', numeric: true }, 'By', 'Worker']} actions className="operations-table">
      {operations.map((operation) => (
        <OperationRow key={operation.id} operation={operation} identity={operation.identityId ? identities.get(operation.identityId) : undefined} canCancel={canCancel} />
      ))}
    
    </DataTable>
  );
}

function itemCounts(operation: Operation): string {
  if (!operation.progress) return '—';
  const { done, total, unit } = operationProgress(operation);
  const text = total !== done ? `${formatCount(done)} of ${formatCount(total)}` : formatCount(done);
  return unit === 'steps' ? `${text} steps` : text;
}

function OperationRow({ operation, identity, canCancel }: { operation: Operation; identity: Identity | undefined; canCancel: boolean }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelOperation(client, operation.id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: operationKeys.all })
  });
  const resume = useMutation({
    mutationFn: () => resumeOperation(client, operation.id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: operationKeys.all })
  });
  const name = operationName(operation);
  return (
    <tr data-operation={operation.id}>
      <td>{formatDateTime(operation.startedAt ?? operation.createdAt)}</td>
      <td>
        <Link className="text-link" to={`/logs/${encodeURIComponent(operation.id)}`} aria-label={`Open the log of ${kindLabel(operation.kind).toLowerCase()} ${name}`}>
          {name}
        </Link>
        {name !== kindLabel(operation.kind) && <div className="cell-note">{kindLabel(operation.kind)}</div>}
      </td>
      <td>{identity ? identity.name : (operation.identityId ?? '—')}</td>
      <td>
        <StatusBadge status={operation.status} />
      </td>
      <td className="num">{itemCounts(operation)}</td>
      <td className="num">{elapsed(operation.startedAt ?? operation.createdAt, operation.finishedAt)}</td>
      <td>{operation.createdBy}</td>
      <td className="cell-note">{operationWorkerText(operation)}</td>
      <td>
        {canCancel && isActive(operation.status) && (
          <calcite-button kind="danger" appearance="outline" scale="s" loading={cancel.isPending} onClick={() => cancel.mutate()} label={`Cancel ${name}`}>
            Cancel
          </calcite-button>
        )}
        {canCancel && canResume(operation) && (
          <calcite-button appearance="outline" scale="s" iconStart="play" loading={resume.isPending} onClick={() => resume.mutate()} label={`Resume ${name}`}>
            Resume
          </calcite-button>
        )}
        {(cancel.error ?? resume.error) !== null && (
          <span className="cell-error">{(cancel.error ?? resume.error) instanceof Error ? (cancel.error ?? resume.error)!.message : 'That did not work.'}</span>
        )}
      </td>
    </tr>
  );
}

function OperationDetail() {
  const { operationId = '' } = useParams();
  const identities = useIdentityNames();
  const operation = useOperation(operationId);

  if (operation.error) {
    return (
      <div className="page logs-page">
        <BackToLogs />
        <ErrorNotice error={operation.error} title="This operation cannot be shown" />
      </div>
    );
  }
  if (!operation.data) return <calcite-loader label="Loading the operation" />;
  const op = operation.data;
  const identity = op.identityId ? identities.get(op.identityId) : undefined;
  const active = isActive(op.status);

  return (
    <div className="page logs-page">
      <BackToLogs />
      <header className="page-header">
        <h1>
          {kindLabel(op.kind)}: {operationName(op)}
        </h1>
      </header>
      <OperationSummary operation={op} identity={identity} />
      <OperationState operation={op} />
      {op.snapshotId && op.identityId && (
        <p>
          <Link className="text-link" to={`/backups?identity=${encodeURIComponent(op.identityId)}&snapshot=${encodeURIComponent(op.snapshotId)}`}>
            Browse snapshot {op.snapshotId}
          </Link>
        </p>
      )}
      <OperationItems operation={op} active={active} />
    </div>
  );
}

function OperationSummary({ operation: op, identity }: { operation: Operation; identity: Identity | undefined }) {
  return (
    <dl className="operation-summary">
      <div>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={op.status} />
        </dd>
      </div>
      <div>
        <dt>Identity</dt>
        <dd>{identity?.name ?? op.identityId ?? '—'}</dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd>{formatDateTime(op.startedAt ?? op.createdAt)}</dd>
      </div>
      <div>
        <dt>Finished</dt>
        <dd>{op.finishedAt ? formatDateTime(op.finishedAt) : 'Not yet'}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd>{elapsed(op.startedAt ?? op.createdAt, op.finishedAt)}</dd>
      </div>
      <div>
        <dt>Started by</dt>
        <dd>{op.createdBy}</dd>
      </div>
      <div>
        <dt>Worker</dt>
        <dd data-worker={op.worker?.id}>{operationWorkerText(op)}</dd>
      </div>
    </dl>
  );
}

/** While it runs: its progress and Cancel. Once it stopped: how it ended, and Resume where that is possible. */
function OperationState({ operation: op }: { operation: Operation }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const user = useCurrentUser();
  const resume = useMutation({
    mutationFn: () => resumeOperation(client, op.id),
    onSuccess: (updated) => {
      queryClient.setQueryData(operationKeys.one(op.id), updated);
      void queryClient.invalidateQueries({ queryKey: operationKeys.all });
    }
  });
  return (
    <>
      {isActive(op.status) ? (
        <OperationProgressView operation={op} title={kindLabel(op.kind)} canCancel={canOperate(user)} />
      ) : (
        op.message && (
          <Notice
            kind={outcomeKind(op.status)}
            title={statusLabel(op.status)}
            actions={
              canOperate(user) && canResume(op) ? (
                <calcite-button appearance="outline" scale="s" iconStart="play" loading={resume.isPending} onClick={() => resume.mutate()}>
                  Resume where it stopped
                </calcite-button>
              ) : undefined
            }
          >
            {op.message}
          </Notice>
        )
      )}
      {resume.error !== null && <ErrorNotice error={resume.error} title="It could not be resumed" />}
    </>
  );
}

function BackToLogs() {
  return <BackLink to="/logs">All operations</BackLink>;
}
