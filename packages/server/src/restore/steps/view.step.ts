/**
 * What item steps need for hosted feature layer views: where a view's source is in the target organization. A source
 * this restore made again has a new URL (in the run's URL map); otherwise, in the organization the snapshot is of,
 * the source is the live one the plan found. A clone never points a view at the source organization.
 */
import type { SourceUrlFor } from '../hosted/view-layers.js';
import type { StepContext } from './step-context.js';

export function viewSourceUrlFor(ctx: StepContext): SourceUrlFor {
  return (snapshotUrl) => {
    const wanted = snapshotUrl.replace(/\/+$/, '').toLowerCase();
    for (const [from, to] of ctx.maps.urls) if (from.replace(/\/+$/, '').toLowerCase() === wanted) return to.replace(/\/+$/, '');
    return ctx.input.plan.mode === 'clone' ? undefined : snapshotUrl;
  };
}
