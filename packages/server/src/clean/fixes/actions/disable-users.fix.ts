/** disable-users: disables user accounts (never the administrator OrgKeeper signs in as). Undo enables them again. */
import { setUserDisabled } from '../../../arcgis/portal/index.js';
import type { FixActionHandler } from './fix-action.js';
import { change, plannedChange, planOnUser, skip } from './fix-support.js';

export const disableUsersFix: FixActionHandler = {
  plan: (ctx, finding) =>
    planOnUser(ctx, finding, 'disable-users', async (user) =>
      user.disabled
        ? skip(finding, `"${user.username}" is already disabled.`)
        : change(finding, [{ field: 'disabled', before: false, after: true, summary: `Account ${user.username}: enabled -> disabled` }], {})
    ),

  async apply(ctx, planned, _options, applied) {
    await setUserDisabled({ session: ctx.session, username: planned.target.id, disabled: true });
    applied.push(plannedChange(planned, 'disabled')!);
  },

  async undo(ctx, result) {
    await setUserDisabled({ session: ctx.session, username: result.target.id, disabled: false });
    return undefined;
  }
};
