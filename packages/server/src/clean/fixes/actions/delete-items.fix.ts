/**
 * delete-items: deletes the items. On an ArcGIS Online organization whose recycle bin is on they go to the bin
 * (delete-to-bin.ts says per item), unless the user asks for `permanentDelete`. A protected item is skipped unless
 * `overrideProtection`, which unprotects it first. Undo brings the items back through a `recreate` restore of the
 * snapshot taken before the fix: an item still in the bin is restored from there with its id and then given back
 * what the bin drops (sharing, categories); an item the bin no longer holds is recreated from the snapshot. Then
 * protection is turned on again.
 */
import { deleteItem, setItemProtected } from '../../../arcgis/portal/index.js';
import type { FieldChange } from '../fix.types.js';
import { deletePlanFor, undoNote, viewsFirst } from './delete-to-bin.js';
import type { FixActionHandler } from './fix-action.js';
import { deletedViewIds, deleteViews, viewsChange, viewsToDelete } from './delete-views.js';
import { appliedChange, change, currentOwner, ownerOf, plannedChange, planOnItem, reasonOf, skip } from './fix-support.js';

export const deleteItemsFix: FixActionHandler = {
  plan: (ctx, finding, options) =>
    planOnItem(ctx, finding, 'delete-items', async (item) => {
      const changes: FieldChange[] = [];
      if (item.protected) {
        if (!options.overrideProtection) {
          return skip(finding, 'Delete protection is on. Turn it off in ArcGIS first, or fix again with overrideProtection to unprotect and delete it.');
        }
        changes.push({ field: 'protected', before: true, after: false, summary: 'Delete protection: on -> off' });
      }
      // A hosted layer's views go first (delete-views.ts): the preview and the backup name them.
      const views = await viewsToDelete(ctx, item);
      if (views.length > 0) changes.push(viewsChange(views));
      const target = await deletePlanFor(ctx, item, options);
      changes.push(target.change);
      return change(finding, changes, { folderId: (item.ownerFolder as string | null | undefined) ?? null, ...target.context, ...(views.length > 0 ? { views } : {}) });
    }),

  phases: viewsFirst,

  async apply(ctx, planned, _options, applied) {
    const session = ctx.session;
    const owner = ownerOf(planned);
    const id = planned.target.id;
    const unprotect = plannedChange(planned, 'protected');
    if (unprotect) {
      await setItemProtected({ session, owner, id, value: false });
      applied.push(unprotect);
    }
    try {
      await deleteViews(ctx, planned, applied);
      // Where the organization has a bin, anything not planned for it is deleted for good, as the preview said.
      await deleteItem({ session, owner, id, ...(planned.context.deleteTo === 'permanent' ? { permanentDelete: true } : {}) });
      applied.push(plannedChange(planned, 'item')!);
    } catch (error) {
      // Leave the item as it was: protected again, so a failed delete does not leave it unprotected.
      if (unprotect && applied.includes(unprotect)) {
        try {
          await setItemProtected({ session, owner, id, value: true });
          applied.splice(applied.indexOf(unprotect), 1);
        } catch {
          // The result then lists the unprotect as applied, and Undo turns protection back on.
        }
      }
      throw error;
    }
  },

  /** The deleted items come back first, all at once: from the recycle bin where it holds them, else from the snapshot. */
  async prepareUndo(ctx, results) {
    // A source's views come back with it (the restore makes them views of the recreated source).
    const deleted = [...new Set(results.flatMap((r) => [...(appliedChange(r, 'item') ? [r.target.id] : []), ...deletedViewIds(r)]))];
    if (deleted.length === 0 || !ctx.restorer || !ctx.snapshotId) return;
    try {
      const answer = await ctx.restorer.recreateItems({ operationId: ctx.operationId, snapshotId: ctx.snapshotId, itemIds: deleted, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      for (const [id, outcome] of answer) ctx.recreated.set(id, outcome);
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      for (const id of deleted) ctx.recreated.set(id, { ok: false, error: reasonOf(error) });
    }
  },

  async undo(ctx, result) {
    const id = result.target.id;
    const outcome = ctx.recreated.get(id);
    if (appliedChange(result, 'item')) {
      if (!outcome) {
        throw new Error(
          ctx.snapshotId
            ? `The deleted item can only come back through a restore: restore item ${id} from snapshot ${ctx.snapshotId} (recreate).`
            : 'The item was deleted without a backup, so it cannot be brought back.'
        );
      }
      if (!outcome.ok) throw new Error(`The item could not be recreated from snapshot ${ctx.snapshotId}: ${outcome.error ?? 'unknown reason'}`);
    }
    if (appliedChange(result, 'protected')) {
      const now = outcome?.newId ?? id;
      await setItemProtected({ session: ctx.session, owner: await currentOwner(ctx, now), id: now, value: true });
    }
    return outcome ? undoNote(ctx.snapshotId, id, result, outcome) : undefined;
  }
};
