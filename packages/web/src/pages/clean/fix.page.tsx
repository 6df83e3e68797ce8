// One fix: while it runs, its progress (live); then its result per finding (ok, failed with the reason, skipped), the
// backup taken before it, and Undo, which puts back what the fix changed (and shows each finding's undo result).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { cleanKeys, type Fix, type FixDetail, getFix, undoFix } from '../../api/clean.api';
import { useOperation } from '../../api/operation-updates';
import { isActive } from '../../api/operations.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { BackLink } from '../../components/back-link';
import { DataTable } from '../../components/data-table';
import { useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { cleanLinks } from './clean-links';
import { fixActionInfo, fixActionLabel } from './fix-actions';
import { TargetName } from './findings-table';
import { phaseLabel, scanProgress } from './scan-progress';

export function FixPage() {
  const { fixId = '' } = useParams();
  const selection = useSelectedIdentity();
  if (selection.error) return <ErrorNotice error={selection.error} title="The identities could not be loaded" />;
  if (!selection.identity) return <calcite-loader label="Loading" inline />;
  return <FixView key={fixId} identityId={selection.identity.id} fixId={fixId} />;
}

const running = (fix: Fix | undefined) => fix !== undefined && (fix.status === 'queued' || fix.status === 'running' || fix.undo?.status === 'running');

function FixView({ identityId, fixId }: { identityId: string; fixId: string }) {
  const client = useApiClient();
  const detail = useQuery({
    queryKey: cleanKeys.fix(identityId, fixId),
    queryFn: ({ signal }) => getFix(client, identityId, fixId, signal),
    refetchInterval: (q) => (running(q.state.data?.fix) ? 1000 : false)
  });
  const fix = detail.data?.fix;

  if (detail.error) return <ErrorNotice error={detail.error} title="The fix could not be loaded" />;
  if (!detail.data || !fix) return <calcite-loader label="Loading the fix" inline />;
  return (
    <div className="page clean-page">
      <BackLink to={cleanLinks.scan(identityId, fix.scanId)}>The scan&apos;s findings</BackLink>
      <header className="page-header">
        <h1>Fix: {fixActionLabel(fix.action)}</h1>
        <p>
          Started {formatDateTime(fix.createdAt)} by {fix.createdBy}
        </p>
      </header>
      <FixStatus identityId={identityId} fix={fix} />
      <FixResults results={detail.data.results} />
    </div>
  );
}

/** Where the fix (or its undo) stands: counts, the backup taken before it, live progress, its outcome, and Undo. */
function FixStatus({ identityId, fix }: { identityId: string; fix: Fix }) {
  // The live progress of whichever operation is under way: the fix itself, or its undo.
  const followed = fix.undo?.status === 'running' ? fix.undo.operationId : fix.status === 'queued' || fix.status === 'running' ? fix.id : null;
  const operation = useOperation(followed);
  const progress = operation.data && isActive(operation.data.status) ? scanProgress(operation.data) : null;
  return (
    <section className="clean-fix-status" aria-label="Fix status" data-status={fix.status} data-undo-status={fix.undo?.status ?? 'none'}>
      <FixSummary identityId={identityId} fix={fix} />
      {progress && (
        <p className="operation-progress-line" role="status" aria-live="polite">
          {fix.undo?.status === 'running' ? 'Undoing' : 'Fixing'}: {phaseLabel(progress.phase)}
          {progress.total > 0 && ` · ${formatCount(progress.done)} of ${formatCount(progress.total)}`}
        </p>
      )}
      {!running(fix) && fix.message && (
        <Notice kind={fix.status === 'succeeded' ? 'success' : fix.status === 'failed' ? 'danger' : 'warning'} title={fix.status === 'succeeded' ? 'Fix finished' : fix.status === 'failed' ? 'Fix failed' : 'Fix finished with problems'} announce>
          <PlainText text={fix.message} />
        </Notice>
      )}
      {fix.undo && fix.undo.status !== 'running' && (
        <Notice kind={fix.undo.status === 'succeeded' ? 'success' : 'danger'} title={fix.undo.status === 'succeeded' ? 'Undone' : 'The undo did not fully succeed'} announce>
          <PlainText text={fix.undo.message ?? ''} /> ({formatDateTime(fix.undo.at)} by {fix.undo.by})
        </Notice>
      )}
      <UndoControls identityId={identityId} fix={fix} />
    </section>
  );
}

function FixSummary({ identityId, fix }: { identityId: string; fix: Fix }) {
  return (
    <dl className="operation-summary">
      <div>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={fix.status} />
        </dd>
      </div>
      <div>
        <dt>Results</dt>
        <dd data-testid="fix-counts">
          {formatCount(fix.counts.ok)} ok · {formatCount(fix.counts.failed)} failed · {formatCount(fix.counts.skipped)} skipped
        </dd>
      </div>
      <div>
        <dt>Backup before the fix</dt>
        <dd>
          {fix.snapshotId ? (
            <Link className="text-link" to={`/backups?identity=${encodeURIComponent(identityId)}&snapshot=${encodeURIComponent(fix.snapshotId)}`}>
              Snapshot <span className="finding-id">{fix.snapshotId}</span>
            </Link>
          ) : (
            <PlainText text={fix.backupNote} fallback="None" />
          )}
        </dd>
      </div>
      <div>
        <dt>Undo</dt>
        <dd>{fix.undo ? <StatusBadge status={fix.undo.status} /> : 'Not undone'}</dd>
      </div>
    </dl>
  );
}

/** Undo, for operators, once the fix changed something it can put back; asks to confirm first. */
function UndoControls({ identityId, fix }: { identityId: string; fix: Fix }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const operator = canOperate(useCurrentUser());
  const [confirming, setConfirming] = useState(false);
  const undo = useMutation({
    mutationFn: () => undoFix(client, identityId, fix.id),
    onSuccess: () => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: cleanKeys.fix(identityId, fix.id) });
      void queryClient.invalidateQueries({ queryKey: ['clean', identityId, 'fixes'] });
    }
  });
  const undoable = !fixActionInfo(fix.action)?.nonChanging && !running(fix) && fix.undo?.status !== 'succeeded' && fix.counts.ok + fix.counts.failed > 0;
  return (
    <>
      {undo.error !== null && <ErrorNotice error={undo.error} title="The undo could not be started" />}
      {operator && undoable && (
        <div className="clean-actions">
          {!confirming ? (
            <calcite-button appearance="outline" iconStart="undo" onClick={() => setConfirming(true)}>
              Undo this fix
            </calcite-button>
          ) : (
            <div role="group" aria-label="Confirm the undo" className="clean-confirm">
              <span>Put back what this fix changed{fix.snapshotId ? ', from the backup taken before it' : ''}?</span>
              <calcite-button kind="danger" iconStart="undo" loading={undo.isPending} disabled={undo.isPending} onClick={() => undo.mutate()}>
                Yes, undo
              </calcite-button>
              <calcite-button appearance="transparent" onClick={() => setConfirming(false)}>
                Keep the fix
              </calcite-button>
            </div>
          )}
        </div>
      )}
    </>
  );
}

function FixResults({ results }: { results: FixDetail['results'] }) {
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Results per finding</h2>
      <DataTable caption="What the fix did to each finding" columns={['What', 'Result', 'Changes', 'Undo']} className="clean-results-table">
        {results.map((result) => (
          <tr key={result.findingId} data-finding-id={result.findingId} data-target-id={result.target.id} data-result={result.status}>
            <td>
              <TargetName target={result.target} />
            </td>
            <td>
              <StatusBadge status={result.status} />
              {result.error && <PlainText as="span" className="cell-error" text={result.error} />}
            </td>
            <td>
              <ul className="plain-list">
                {(result.applied.length > 0 ? result.applied : result.changes).map((change, index) => (
                  <li key={index}>
                    <PlainText text={change.summary} />
                  </li>
                ))}
              </ul>
            </td>
            <td>
              {result.undo ? (
                <>
                  <StatusBadge status={result.undo.status} />
                  {result.undo.error && <PlainText as="span" className="cell-error" text={result.undo.error} />}
                  {result.undo.note && <PlainText as="span" className="cell-note" text={result.undo.note} />}
                </>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      
      </DataTable>
    </section>
  );
}
