// A running or finished operation: its progress while it runs (with Cancel), and its outcome when it is done, with
// links to its log and, for a backup, to the snapshot it wrote.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useApiClient } from '../app/api-context';
import { operationProgress, useOperation } from '../api/operation-updates';
import { cancelOperation, isActive, type Operation, operationKeys } from '../api/operations.api';
import { ErrorNotice, Notice } from './notice';
import { outcomeKind, StatusBadge } from './status-badge';
import { elapsed, formatBytes, formatCount } from './units';
import { PlainText } from './untrusted-text';
import '@esri/calcite-components/components/calcite-progress';

const PHASES: Record<string, string> = {
  starting: 'Starting',
  enumerating: 'Listing the content',
  items: 'Backing up items',
  groups: 'Backing up groups',
  users: 'Backing up users',
  writing: 'Writing the snapshot',
  done: 'Finishing',
  planning: 'Planning',
  restoring: 'Restoring',
  queued: 'Waiting for its turn',
  running: 'Running'
};

export interface OperationProgressProps {
  operationId: string;
  /** What the operation is, for headings: "Backup", "Restore". */
  title: string;
  canCancel: boolean;
}

export function OperationProgress({ operationId, title, canCancel }: OperationProgressProps) {
  const operation = useOperation(operationId);
  if (operation.error) return <ErrorNotice error={operation.error} title={`The ${title.toLowerCase()}'s progress cannot be read`} />;
  if (!operation.data) return <calcite-loader label={`Loading the ${title.toLowerCase()}`} inline />;
  return <OperationProgressView operation={operation.data} title={title} canCancel={canCancel} />;
}

/** An operation's heading and status word, above its progress or outcome. */
export function ProgressHeader({ title, status }: { title: string; status: string }) {
  return (
    <div className="operation-progress-header">
      <h3>{title}</h3>
      <StatusBadge status={status} />
    </div>
  );
}

/** A bar that fills when the total is known (with the percentage), else one that only moves. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return <calcite-progress type={total > 0 ? 'determinate' : 'indeterminate'} value={fraction} label={label} text={total > 0 ? `${Math.round(fraction * 100)}%` : ''} />;
}

/** Cancel for a running operation, with its failure if it could not be cancelled. */
export function useCancelOperation(operationId: string) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => cancelOperation(client, operationId),
    onSuccess: (updated) => queryClient.setQueryData(operationKeys.one(operationId), updated)
  });
}

export function OperationProgressView({ operation, title, canCancel }: { operation: Operation; title: string; canCancel: boolean }) {
  return (
    <section className="operation-progress" aria-label={`${title} progress`} data-operation={operation.id} data-status={operation.status}>
      <ProgressHeader title={title} status={operation.status} />
      {isActive(operation.status) ? <Running operation={operation} title={title} canCancel={canCancel} /> : <Finished operation={operation} title={title} />}
    </section>
  );
}

const logLink = (operation: Operation) => `/logs/${encodeURIComponent(operation.id)}`;

function Running({ operation, title, canCancel }: { operation: Operation; title: string; canCancel: boolean }) {
  const cancel = useCancelOperation(operation.id);
  const progress = operationProgress(operation);
  return (
    <>
      <ProgressBar done={progress.done} total={progress.total} label={`${title} progress`} />
      <p className="operation-progress-line" role="status" aria-live="polite">
        {PHASES[progress.phase] ?? progress.phase}
        {progress.total > 0 && ` · ${formatCount(progress.done)} of ${formatCount(progress.total)} ${progress.unit}`}
        {progress.takenAlong > 0 && ` (${formatCount(progress.takenAlong)} taken along: the chosen items need them)`}
        {progress.bytesRead > 0 && ` · ${formatBytes(progress.bytesRead)} read`}
        {progress.newBytes > 0 && ` · ${formatBytes(progress.newBytes)} new`}
        {` · ${elapsed(operation.startedAt ?? operation.createdAt)}`}
      </p>
      {progress.current && (
        <p className="operation-progress-line">
          Now: <PlainText text={progress.current} />
        </p>
      )}
      {cancel.error !== null && <ErrorNotice error={cancel.error} title="It could not be cancelled" />}
      <div className="operation-progress-actions">
        {canCancel && (
          <calcite-button kind="danger" appearance="outline" iconStart="x" loading={cancel.isPending} disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel {title.toLowerCase()}
          </calcite-button>
        )}
        <Link className="operation-progress-link" to={logLink(operation)}>
          Open its log
        </Link>
      </div>
    </>
  );
}

function Finished({ operation, title }: { operation: Operation; title: string }) {
  const progress = operationProgress(operation);
  const snapshotLink =
    operation.snapshotId && operation.identityId
      ? `/backups?identity=${encodeURIComponent(operation.identityId)}&snapshot=${encodeURIComponent(operation.snapshotId)}`
      : null;
  return (
    <>
      <Notice kind={outcomeKind(operation.status)} title={outcomeTitle(operation, title)} announce>
        {operation.message ?? ''}
      </Notice>
      <p className="operation-progress-line">
        {progress.total > 0 && `${formatCount(progress.done)} of ${formatCount(progress.total)} ${progress.unit} · `}
        {progress.unit === 'items' && `${formatBytes(progress.bytesRead)} read · ${formatBytes(progress.newBytes)} new · `}
        took {elapsed(operation.startedAt ?? operation.createdAt, operation.finishedAt)}
      </p>
      <div className="operation-progress-actions">
        <Link className="operation-progress-link" to={logLink(operation)}>
          Open its log
        </Link>
        {snapshotLink && (
          <Link className="operation-progress-link" to={snapshotLink}>
            Browse the snapshot
          </Link>
        )}
      </div>
    </>
  );
}

function outcomeTitle(operation: Operation, title: string): string {
  switch (operation.status) {
    case 'succeeded':
      return `${title} finished`;
    case 'partial':
      return `${title} finished with problems`;
    case 'failed':
      return `${title} failed`;
    case 'cancelled':
      return `${title} cancelled`;
    case 'interrupted':
      return `${title} interrupted`;
    default:
      return title;
  }
}
