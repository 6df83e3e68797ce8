// Steps 3 and 4 of a restore: preview the dry-run plan for exactly the choices shown (plan-view.tsx), run it, follow
// its progress, and see what each step did once it has finished.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useOperation } from '../../api/operation-updates';
import { restoreSteps } from '../../api/restore.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice } from '../../components/notice';
import { OperationProgress } from '../../components/operation-progress';
import { StatusBadge } from '../../components/status-badge';
import { formatDuration } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { ACTION_LABELS, PlanView } from './plan-view';
import type { RestoreRun } from './restore-run';

export function RestorePlanStep({ restore, chosenCount }: { restore: RestoreRun; chosenCount: number }) {
  const headingId = useId();
  const { preview, run, plan, planIsCurrent, operationId, error } = restore;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>3. Plan and run</h2>
      <div className="restore-actions">
        <calcite-button appearance="outline" iconStart="list-check" loading={preview.isPending} disabled={chosenCount === 0 || preview.isPending} onClick={() => preview.mutate()}>
          Preview the plan
        </calcite-button>
        <calcite-button iconStart="reset" loading={run.isPending} disabled={!planIsCurrent || run.isPending || operationId !== null} onClick={() => run.mutate()}>
          Restore now
        </calcite-button>
        {chosenCount === 0 && <span className="mode-help">Choose at least one item.</span>}
        {chosenCount > 0 && !planIsCurrent && <span className="mode-help">Preview the plan for these choices first (a dry run: nothing is changed).</span>}
      </div>
      {error !== null && <ErrorNotice error={error} title={run.error ? 'The restore did not start' : 'The plan could not be made'} />}
      {plan && <PlanView plan={plan} stale={!planIsCurrent} />}
      {operationId && (
        <>
          <OperationProgress key={operationId} operationId={operationId} title="Restore" canCancel />
          <RestoreResult operationId={operationId} />
        </>
      )}
    </section>
  );
}

/** Once the restore has finished: what each step did, with the new item ids. */
function RestoreResult({ operationId }: { operationId: string }) {
  const client = useApiClient();
  const operation = useOperation(operationId);
  const finished = operation.data ? !['queued', 'running'].includes(operation.data.status) : false;
  const steps = useQuery({ queryKey: ['restores', operationId, 'steps'], queryFn: ({ signal }) => restoreSteps(client, operationId, signal), enabled: finished });
  if (!finished || !steps.data) return null;
  return (
    <div className="table-scroll restore-result">
      <table className="data-table">
        <caption>What the restore did</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">New ID</th>
            <th scope="col" className="num">Time</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {steps.data.steps.map((step) => (
            <tr key={step.key} data-step={step.key}>
              <td>
                {ACTION_LABELS[step.action]} <PlainText text={step.title} fallback="(no title)" />
              </td>
              <td>
                <StatusBadge status={step.status} />
              </td>
              <td>{step.newId ?? ''}</td>
              <td className="num">{formatDuration(step.durationMs)}</td>
              <td>{step.error ? <PlainText text={step.error} /> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
