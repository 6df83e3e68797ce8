// The dry-run plan as a table: one numbered row per step (action, item, owner and folder, why), with what each step
// rewrites, keeps or cannot bring back, and what ties it to other items (plan-step-links.tsx). Nothing from ArcGIS is
// rendered as HTML. Kept free of Calcite element modules, so unit tests render it in jsdom.
import type { PlanStep, RestorePlan } from '../../api/restore.api';
import { DataTable } from '../../components/data-table';
import { Notice } from '../../components/notice';
import { formatCount } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { planIndex, planStepAnchor, StepLinks } from './plan-step-links';

export const ACTION_LABELS = { create: 'Create', overwrite: 'Overwrite', skip: 'Skip' } as const;

export function PlanView({ plan, stale }: { plan: RestorePlan; stale: boolean }) {
  const index = planIndex(plan);
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
      <DataTable caption="Restore plan" columns={[{ name: 'Step', numeric: true }, 'Action', 'What', 'Owner and folder', 'Why']} className="plan-table">
        {plan.steps.map((step, i) => (
          // tabIndex -1: the links between steps move the focus to the row they point at.
          <tr key={step.key} id={planStepAnchor(i + 1)} tabIndex={-1} data-step={step.key} data-action={step.action} data-recycle-bin={step.recycleBin ? 'true' : undefined}>
            <td className="num">{i + 1}</td>
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
              <StepLinks step={step} plan={plan} index={index} />
              <StepReferences step={step} />
            </td>
          </tr>
        ))}
      
      </DataTable>
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
