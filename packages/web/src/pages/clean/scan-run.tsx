// A scan that was started from this page: its progress while it runs (live through the operation's event stream,
// polling as the fallback; see api/operation-updates.ts), Cancel, and when it is done a link to its findings.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { cleanKeys, type Scan, scanOfOperation } from '../../api/clean.api';
import { useOperation } from '../../api/operation-updates';
import { isActive, type Operation } from '../../api/operations.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { ErrorNotice, Notice } from '../../components/notice';
import { ProgressBar, ProgressHeader, useCancelOperation } from '../../components/operation-progress';
import { canOperate } from '../../components/roles';
import { outcomeKind } from '../../components/status-badge';
import { elapsed, formatCount } from '../../components/units';
import { cleanLinks } from './clean-links';
import { phaseLabel, scanProgress } from './scan-progress';

export function ScanRun({ identityId, operationId, onDismiss }: { identityId: string; operationId: string; onDismiss: () => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const operation = useOperation(operationId);
  const data = operation.data;
  const finished = data !== undefined && !isActive(data.status);
  const scan = useQuery({
    queryKey: cleanKeys.scanOfOperation(identityId, operationId),
    queryFn: ({ signal }) => scanOfOperation(client, identityId, operationId, signal),
    enabled: finished
  });
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: cleanKeys.scans(identityId) });
  }, [finished, identityId, queryClient]);

  if (operation.error) {
    return (
      <ErrorNotice
        error={operation.error}
        title="The scan's progress cannot be read"
        actions={
          <calcite-button appearance="transparent" onClick={onDismiss}>
            Dismiss
          </calcite-button>
        }
      />
    );
  }
  if (!data) return <calcite-loader label="Loading the scan's progress" inline />;
  return (
    <section className="operation-progress clean-scan-run" aria-label="Scan progress" data-operation={data.id} data-status={data.status}>
      <ProgressHeader title="Scan" status={data.status} />
      {!finished ? (
        <RunningScan operation={data} />
      ) : (
        <>
          <Notice
            kind={outcomeKind(data.status)}
            title={data.status === 'succeeded' ? 'Scan finished' : data.status === 'cancelled' ? 'Scan cancelled' : 'Scan failed'}
            announce
          >
            {data.message ?? scan.data?.message ?? ''}
          </Notice>
          {scan.error !== null && <ErrorNotice error={scan.error} title="The scan's results cannot be read" />}
          <div className="operation-progress-actions">
            {scan.data && scan.data.status === 'succeeded' && <FindingsLink identityId={identityId} scan={scan.data} />}
            <calcite-button appearance="transparent" iconStart="x" onClick={onDismiss}>
              Dismiss
            </calcite-button>
          </div>
        </>
      )}
    </section>
  );
}

function RunningScan({ operation }: { operation: Operation }) {
  const operator = canOperate(useCurrentUser());
  const cancel = useCancelOperation(operation.id);
  const progress = scanProgress(operation);
  return (
    <>
      <ProgressBar done={progress.done} total={progress.total} label="Scan progress" />
      <p className="operation-progress-line" role="status" aria-live="polite">
        {phaseLabel(progress.phase)}
        {progress.total > 0 ? ` · ${formatCount(progress.done)} of ${formatCount(progress.total)}` : progress.done > 0 ? ` · ${formatCount(progress.done)} read` : ''}
        {progress.requests > 0 && ` · ${formatCount(progress.requests)} requests`}
        {` · ${elapsed(operation.startedAt ?? operation.createdAt)}`}
      </p>
      {cancel.error !== null && <ErrorNotice error={cancel.error} title="The scan could not be cancelled" />}
      {operator && (
        <div className="operation-progress-actions">
          <calcite-button kind="danger" appearance="outline" iconStart="x" loading={cancel.isPending} disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel scan
          </calcite-button>
        </div>
      )}
    </>
  );
}

function FindingsLink({ identityId, scan }: { identityId: string; scan: Scan }) {
  return (
    <Link className="operation-progress-link" to={cleanLinks.scan(identityId, scan.id)}>
      Show the {formatCount(scan.findings)} finding{scan.findings === 1 ? '' : 's'}
    </Link>
  );
}
