/** mark-deprecated: sets the item's content status to deprecated. Undo puts the previous status back (or none). */
import { setContentStatus } from '../../../arcgis/portal/index.js';
import type { FixActionHandler } from './fix-action.js';
import { appliedChange, change, plannedChange, planOnItem, skip } from './fix-support.js';

export const markDeprecatedFix: FixActionHandler = {
  plan: (ctx, finding) =>
    planOnItem(ctx, finding, 'mark-deprecated', (item) => {
      const before = typeof item.contentStatus === 'string' && item.contentStatus !== '' ? item.contentStatus : null;
      if (before === 'deprecated') return skip(finding, 'The item is already marked deprecated.');
      return change(finding, [{ field: 'contentStatus', before, after: 'deprecated', summary: `Content status: ${before ?? 'none'} -> deprecated` }], {});
    }),

  async apply(ctx, planned, _options, applied) {
    await setContentStatus({ session: ctx.session, id: planned.target.id, status: 'deprecated' });
    applied.push(plannedChange(planned, 'contentStatus')!);
  },

  async undo(ctx, result) {
    await setContentStatus({ session: ctx.session, id: result.target.id, status: (appliedChange(result, 'contentStatus')!.before as string | null) ?? null });
    return undefined;
  }
};
