/**
 * move: moves items into another of their owner's folders (`folder`: a title or id; `/` is the root). Items move only
 * between their owner's folders, so the folder must exist. Undo moves each item back to the folder it was in.
 */
import { moveItem, type PortalFolder } from '../../../arcgis/portal/index.js';
import { AppError } from '../../../errors/app-error.js';
import type { FixActionHandler } from './fix-action.js';
import { change, currentOwner, foldersOf, folderTitle, ownerOf, plannedChange, planOnItem, skip } from './fix-support.js';

export const moveFix: FixActionHandler = {
  async check(_ctx, options) {
    if (!options.folder?.trim()) throw AppError.validation({ folder: 'move needs the folder to move the items into: folder (a folder title, or / for the root folder).' });
  },

  plan: (ctx, finding, options) =>
    planOnItem(ctx, finding, 'move', async (item) => {
      const owner = String(item.owner);
      const folderId = (item.ownerFolder as string | null | undefined) ?? null;
      const wanted = options.folder!.trim();
      let to: PortalFolder | null = null;
      if (wanted !== '/') {
        const folders = await foldersOf(ctx, owner);
        to = folders.find((f) => f.id === wanted) ?? folders.find((f) => f.title.toLowerCase() === wanted.toLowerCase()) ?? null;
        if (!to) return skip(finding, `${owner} has no folder "${wanted}"; items move only between their owner's folders (create it in ArcGIS first).`);
      }
      if ((to?.id ?? null) === folderId) return skip(finding, `Already in ${to ? `folder "${to.title}"` : 'the root folder'}.`);
      const beforeFolder = await folderTitle(ctx, owner, folderId);
      const afterFolder = to ? to.title : '/';
      return change(finding, [{ field: 'folder', before: beforeFolder, after: afterFolder, summary: `Folder: ${beforeFolder} -> ${afterFolder}` }], {
        folderId,
        toFolder: to?.id ?? '/'
      });
    }),

  async apply(ctx, planned, _options, applied) {
    await moveItem({ session: ctx.session, owner: ownerOf(planned), id: planned.target.id, folder: planned.context.toFolder ?? '/' });
    applied.push(plannedChange(planned, 'folder')!);
  },

  async undo(ctx, result) {
    await moveItem({ session: ctx.session, owner: await currentOwner(ctx, result.target.id), id: result.target.id, folder: result.context.folderId ?? '/' });
    return undefined;
  }
};
