/**
 * reassign: gives items to another user (`targetUsername`), into one of their folders (`targetFolder`, a title,
 * created when missing; default the root). Undo gives each item back to its previous owner and folder.
 */
import { getUser, reassignItem, setUserDisabled } from '../../../arcgis/portal/index.js';
import type { FixActionHandler } from './fix-action.js';
import { appliedChange, change, checkReceiver, folderTitle, plannedChange, planOnItem, skip } from './fix-support.js';

export const reassignFix: FixActionHandler = {
  check: (ctx, options) => checkReceiver(ctx, 'reassign', options),

  plan: (ctx, finding, options) =>
    planOnItem(ctx, finding, 'reassign', async (item) => {
      const owner = String(item.owner);
      const folderId = (item.ownerFolder as string | null | undefined) ?? null;
      const receiver = options.targetUsername!.trim();
      const toFolder = options.targetFolder?.trim() || '/';
      const beforeFolder = await folderTitle(ctx, owner, folderId);
      if (owner.toLowerCase() === receiver.toLowerCase()) {
        return skip(finding, beforeFolder.toLowerCase() === toFolder.toLowerCase() ? `Already owned by ${owner} in that folder.` : `Already owned by ${owner}; use move to put it into another of their folders.`);
      }
      return change(
        finding,
        [
          { field: 'owner', before: owner, after: receiver, summary: `Owner: ${owner} -> ${receiver}` },
          { field: 'folder', before: beforeFolder, after: toFolder, summary: `Folder: ${beforeFolder} -> ${toFolder}` }
        ],
        { folderId, toFolder }
      );
    }),

  async apply(ctx, planned, _options, applied) {
    const owner = plannedChange(planned, 'owner')!;
    await reassignItem({ session: ctx.session, owner: String(owner.before), id: planned.target.id, targetUsername: String(owner.after), targetFolderName: planned.context.toFolder ?? '/' });
    applied.push(owner, plannedChange(planned, 'folder')!);
  },

  async undo(ctx, result) {
    const session = ctx.session;
    const owner = appliedChange(result, 'owner')!;
    const folder = appliedChange(result, 'folder');
    const previous = String(owner.before);
    const giveBack = () => reassignItem({ session, owner: String(owner.after), id: result.target.id, targetUsername: previous, targetFolderName: folder ? String(folder.before) : '/' });
    // ArcGIS does not reassign to a disabled account (items of disabled users are a usual cleanup target): enable
    // it for the reassignment only, and disable it again whatever happens.
    if ((await getUser({ session, username: previous })).disabled) {
      await setUserDisabled({ session, username: previous, disabled: false });
      try {
        await giveBack();
      } finally {
        await setUserDisabled({ session, username: previous, disabled: true });
      }
    } else await giveBack();
    return undefined;
  }
};
