// Steps 3 and 4 of a restore: preview the dry-run plan for exactly the choices shown, run it, follow its progress, and
// see what each step did once it has finished.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useOperation } from '../../api/operation-updates';
import { type PlanStep, type RestorePlan, restoreSteps } from '../../api/restore.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { OperationProgress } from '../../components/operation-progress';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDuration } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import type { RestoreRun } from './restore-run';

const ACTION_LABELS = { create: 'Create', overwrite: 'Overwrite', skip: 'Skip' } as const;

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

function PlanView({ plan, stale }: { plan: RestorePlan; stale: boolean }) {
  return (
    <div className="restore-plan" data-testid="restore-plan">
      {stale && (
        <Notice kind="warning" title="The choices changed">
          This plan was made for earlier choices. Preview the plan again before restoring.
        </Notice>
      )}
      <p className="plan-summary">
        Into {plan.target.portalUrl} as {plan.target.admin}: {formatCount(plan.counts.create)} to create, {formatCount(plan.counts.overwrite)} to overwrite,{' '}
        {formatCount(plan.counts.skip)} to skip.
        {plan.fromRecycleBin !== undefined && plan.fromRecycleBin > 0 && ` Of those created, ${formatCount(plan.fromRecycleBin)} come back from the recycle bin with their ids; the others are recreated with new ids.`}
      </p>
      <div className="table-scroll">
        <table className="data-table plan-table">
          <caption className="visually-hidden">Restore plan</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">What</th>
              <th scope="col">Owner and folder</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {plan.steps.map((step) => (
              <tr key={step.key} data-step={step.key} data-action={step.action} data-recycle-bin={step.recycleBin ? 'true' : undefined}>
                <td>{step.recycleBin ? 'From the recycle bin' : ACTION_LABELS[step.action]}</td>
                <td>
                  <PlainText text={step.title} fallback="(no title)" /> <span className="cell-note">{step.kind === 'item' ? <PlainText text={step.type} /> : step.kind}</span>
                </td>
                <td>
                  <PlainText text={step.owner} />
                  {step.folder && (
                    <>
                      {' / '}
                      <PlainText text={step.folder} />
                    </>
                  )}
                </td>
                <td>
                  <PlainText text={step.reason} />
                  {(step.warnings ?? []).map((warning, i) => (
                    <div key={i} className="cell-error">
                      <PlainText text={warning} />
                    </div>
                  ))}
                  <StepReferences step={step} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The references an item step rewrites, keeps or only lists, and what it cannot bring back (the item-type catalogue's). */
function StepReferences({ step }: { step: PlanStep }) {
  const refs = step.references ?? [];
  const cannot = step.cannotRestore ?? [];
  if (refs.length === 0 && cannot.length === 0) return null;
  const count = (action: string) => refs.filter((r) => r.action === action).length;
  return (
    <>
      {cannot.map((text, i) => (
        <div key={i} className="cell-note" data-cannot-restore>
          Cannot restore: <PlainText text={text} />
        </div>
      ))}
      {refs.length > 0 && (
        <details className="plan-references">
          <summary>
            {formatCount(refs.length)} references: {formatCount(count('rewrite'))} rewritten, {formatCount(count('keep'))} kept, {formatCount(count('list'))} listed only
          </summary>
          <ul className="plain-list">
            {refs.map((r, i) => (
              <li key={i} data-reference-action={r.action}>
                {r.action === 'rewrite' ? 'Rewrite' : r.action === 'keep' ? 'Keep' : 'List'} <PlainText text={r.label} />{' '}
                <code>
                  <PlainText text={`${r.part === 'resource' ? `${r.resource ?? ''}: ` : ''}${r.path}`} />
                </code>{' '}
                <PlainText text={r.value} /> → <PlainText text={r.note} />
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
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
