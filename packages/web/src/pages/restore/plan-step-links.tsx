// What ties a step of the restore plan to other items: a view's sources (where each comes from, which layers the view
// shows) and the item relationships the step adds again. A missing source is said in full on the step; the rest is
// collapsed, so a plan of many steps stays short. Titles and URLs come from ArcGIS: text only, links only through
// orgLink.
import type { MouseEvent } from 'react';
import type { PlannedViewSource, PlanStep, RestorePlan } from '../../api/restore.api';
import { plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { orgLink } from '../../lib/org-link';

type Relationship = NonNullable<PlanStep['relationships']>[number];

/** Where each step of the plan is: its number (1-based, as the plan table shows it) and the step itself, by key. */
export type PlanIndex = ReadonlyMap<string, { number: number; step: PlanStep }>;

export function planIndex(plan: RestorePlan): PlanIndex {
  return new Map(plan.steps.map((step, i) => [step.key, { number: i + 1, step }]));
}

/** The id of a plan step's row, for the links between steps. */
export const planStepAnchor = (number: number) => `restore-plan-step-${number}`;

export interface StepLinksProps {
  step: PlanStep;
  plan: RestorePlan;
  index: PlanIndex;
}

export function StepLinks({ step, plan, index }: StepLinksProps) {
  const sources = step.view?.sources ?? [];
  const relationships = step.relationships ?? [];
  if (sources.length === 0 && relationships.length === 0) return null;
  const clone = plan.mode === 'clone';
  const summary = [sources.length > 0 ? `a view of ${plural(sources.length, 'source')}` : '', relationships.length > 0 ? plural(relationships.length, 'relationship') : ''].filter(Boolean).join(', ');
  return (
    <>
      {sources
        .filter((s) => s.status === 'missing')
        .map((source, i) => (
          <MissingSource key={i} source={source} clone={clone} />
        ))}
      <details className="plan-links" data-plan-links>
        <summary>{summary[0]!.toUpperCase() + summary.slice(1)}</summary>
        {sources.length > 0 && (
          <div className="plan-view-sources">
            <h3 className="plan-links-heading">{sources.length === 1 ? 'View source' : 'View sources'}</h3>
            {sources.map((source, i) => (
              <ViewSource key={i} source={source} plan={plan} index={index} />
            ))}
          </div>
        )}
        {relationships.length > 0 && (
          <>
            <h3 className="plan-links-heading">Relationships added again</h3>
            <ul className="plain-list plan-relationships">
              {relationships.map((r, i) => (
                <RelationshipLine key={i} relationship={r} index={index} clone={clone} />
              ))}
            </ul>
          </>
        )}
      </details>
    </>
  );
}

/** Why the view cannot be made, and what to do: include its source in this restore, or restore the source first. */
function MissingSource({ source, clone }: { source: PlannedViewSource; clone: boolean }) {
  const inSnapshot = source.title !== undefined;
  return (
    <div className="plan-missing-source" data-missing-source>
      <strong>Source missing:</strong> <SourceName source={source} /> is neither restored by this plan nor in the {clone ? 'target ' : ''}organization, and a
      view cannot exist without its source.{' '}
      {inSnapshot
        ? 'This snapshot holds the source: choose it too in step 1 and preview the plan again, or restore it first.'
        : 'This snapshot does not hold the source: restore it first from a backup that does, then restore this view.'}
    </div>
  );
}

function SourceName({ source }: { source: PlannedViewSource }) {
  return source.title !== undefined ? (
    <>
      “<PlainText text={source.title} fallback="(no title)" />” (<code className="plan-url">
        <PlainText text={source.url} />
      </code>)
    </>
  ) : (
    <code className="plan-url">
      <PlainText text={source.url} />
    </code>
  );
}

/** One source of a view as fields: its title, URL, the layers the view shows from it, and where it comes from. */
function ViewSource({ source, plan, index }: { source: PlannedViewSource; plan: RestorePlan; index: PlanIndex }) {
  const href = orgLink(source.url, plan.target.portalUrl);
  const url = (
    <code className="plan-url">
      <PlainText text={source.url} />
    </code>
  );
  return (
    <dl className="plan-fields" data-view-source={source.status}>
      <dt>Source</dt>
      <dd>
        <PlainText text={source.title} fallback="(not in this snapshot)" />
      </dd>
      <dt>URL</dt>
      <dd>
        {href ? (
          <a className="text-link" href={href} target="_blank" rel="noopener noreferrer">
            {url}
          </a>
        ) : (
          url
        )}
      </dd>
      <dt>Layers</dt>
      <dd>
        {(source.layers ?? []).length === 0
          ? 'Not recorded in the snapshot'
          : source.layers!.map((layer) => (
              <div key={layer.id}>
                View layer {layer.id} <Quoted text={layer.name} /> shows source layer {layer.sourceLayerId} <Quoted text={layer.sourceLayerName} />
              </div>
            ))}
      </dd>
      <dt>Comes from</dt>
      <dd>
        <SourceOrigin source={source} index={index} clone={plan.mode === 'clone'} />
      </dd>
    </dl>
  );
}

function Quoted({ text }: { text: string | undefined }) {
  return text ? (
    <>
      “<PlainText text={text} />”
    </>
  ) : null;
}

function SourceOrigin({ source, index, clone }: { source: PlannedViewSource; index: PlanIndex; clone: boolean }) {
  if (source.status === 'live') return <>Already in the organization</>;
  if (source.status === 'missing') return <>Missing: neither restored by this plan nor in the {clone ? 'target ' : ''}organization</>;
  const at = source.itemId ? index.get(`item:${source.itemId}`) : undefined;
  return at ? (
    <>
      Restored by <StepLink number={at.number} /> of this plan
    </>
  ) : (
    <>Restored by this plan, before this view</>
  );
}

const DIRECTION = { forward: 'from this item to', reverse: 'to this item from' } as const;

/** A relationship: its type, its direction in words, the related item, and whether this plan restores that item. */
function RelationshipLine({ relationship: r, index, clone }: { relationship: Relationship; index: PlanIndex; clone: boolean }) {
  const at = index.get(`item:${r.itemId}`);
  const restored = at !== undefined && at.step.action !== 'skip';
  return (
    <li data-relationship={r.type} data-direction={r.direction}>
      <code>
        <PlainText text={r.type} />
      </code>{' '}
      {DIRECTION[r.direction]} <PlainText text={r.title ? `“${r.title}”` : ''} fallback="an item not in this snapshot" /> <span className="cell-note">({r.itemId})</span>:{' '}
      {restored ? (
        <>
          restored by <StepLink number={at.number} />
        </>
      ) : at ? (
        <>
          <StepLink number={at.number} /> skips it; {clone ? 'so it is not linked' : 'linked again if it is still in the organization'}
        </>
      ) : clone ? (
        'not in this plan, so not linked (a clone links only the items it clones)'
      ) : (
        'not in this plan; linked again if it is still in the organization'
      )}
    </li>
  );
}

/** A link to another step's row: scrolls to it and moves the focus there, without changing the page's address. */
function StepLink({ number }: { number: number }) {
  const anchor = planStepAnchor(number);
  const go = (event: MouseEvent<HTMLAnchorElement>) => {
    const row = document.getElementById(anchor);
    if (!row) return;
    event.preventDefault();
    row.scrollIntoView({ block: 'center' });
    row.focus();
  };
  return (
    <a className="text-link" href={`#${anchor}`} onClick={go}>
      step {number}
    </a>
  );
}
