// A running or finished operation: its progress while it runs (with Cancel), and its outcome when it is done, with
// links to its log and, for a backup, to the snapshot it wrote.
import './shared-controls.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useApiClient } from '../app/api-context';
import { operationProgress, useOperation } from '../api/operation-updates';
import { cancelOperation, isActive, type Operation, operationKeys } from '../api/operations.api';
import { ErrorNotice, Notice } from './notice';
import { StatusBadge } from './status-badge';
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

export function OperationProgressView({ operation, title, canCancel }: { operation: Operation; title: string; canCancel: boolean }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelOperation(client, operation.id),
    onSuccess: (updated) => queryClient.setQueryData(operationKeys.one(operation.id), updated)
  });
  const active = isActive(operation.status);
  const progress = operationProgress(operation);
  const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const logLink = `/logs/${encodeURIComponent(operation.id)}`;
  const snapshotLink =
    operation.snapshotId && operation.identityId
      ? `/backups?identity=${encodeURIComponent(operation.identityId)}&snapshot=${encodeURIComponent(operation.snapshotId)}`
      : null;

  return (
    <section className="operation-progress" aria-label={`${title} progress`} data-operation={operation.id} data-status={operation.status}>
      <div className="operation-progress-header">
        <h3>{title}</h3>
        <StatusBadge status={operation.status} />
      </div>
      {active ? (
        <>
          <calcite-progress
            type={progress.total > 0 ? 'determinate' : 'indeterminate'}
            value={fraction}
            label={`${title} progress`}
            text={progress.total > 0 ? `${Math.round(fraction * 100)}%` : ''}
          />
          <p className="operation-progress-line" role="status" aria-live="polite">
            {PHASES[progress.phase] ?? progress.phase}
            {progress.total > 0 && ` · ${formatCount(progress.done)} of ${formatCount(progress.total)} ${progress.unit}`}
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
            <Link className="operation-progress-link" to={logLink}>
              Open its log
            </Link>
          </div>
        </>
      ) : (
        <>
          <Notice
            kind={operation.status === 'succeeded' ? 'success' : operation.status === 'cancelled' ? 'info' : operation.status === 'failed' ? 'danger' : 'warning'}
            title={outcomeTitle(operation, title)}
            announce
          >
            {operation.message ?? ''}
          </Notice>
          <p className="operation-progress-line">
            {progress.total > 0 && `${formatCount(progress.done)} of ${formatCount(progress.total)} ${progress.unit} · `}
            {progress.unit === 'items' && `${formatBytes(progress.bytesRead)} read · ${formatBytes(progress.newBytes)} new · `}
            took {elapsed(operation.startedAt ?? operation.createdAt, operation.finishedAt)}
          </p>
          <div className="operation-progress-actions">
            <Link className="operation-progress-link" to={logLink}>
              Open its log
            </Link>
            {snapshotLink && (
              <Link className="operation-progress-link" to={snapshotLink}>
                Browse the snapshot
              </Link>
            )}
          </div>
        </>
      )}
    </section>
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
