/** protect: turns delete protection on. Undo turns it off again. */
import { setItemProtected } from '../../../arcgis/portal/index.js';
import type { FixActionHandler } from './fix-action.js';
import { change, currentOwner, ownerOf, plannedChange, planOnItem, skip } from './fix-support.js';

export const protectFix: FixActionHandler = {
  plan: (ctx, finding) =>
    planOnItem(ctx, finding, 'protect', (item) =>
      item.protected ? skip(finding, 'Delete protection is already on.') : change(finding, [{ field: 'protected', before: false, after: true, summary: 'Delete protection: off -> on' }], {})
    ),

  async apply(ctx, planned, _options, applied) {
    await setItemProtected({ session: ctx.session, owner: ownerOf(planned), id: planned.target.id, value: true });
    applied.push(plannedChange(planned, 'protected')!);
  },

  async undo(ctx, result) {
    await setItemProtected({ session: ctx.session, owner: await currentOwner(ctx, result.target.id), id: result.target.id, value: false });
    return undefined;
  }
};
