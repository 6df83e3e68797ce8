/**
 * An item step for an item in ArcGIS Online's recycle bin: `restore` brings it back with its id into its folder, then
 * the overwrite step brings it to the snapshot's state (what the bin does not keep: sharing, categories; and whatever
 * changed before the delete). When the bin no longer holds it (purged since the plan) it is recreated instead.
 */
import { canRestoreItem, findItem, isNotFound, restoreRecycledItem } from '../../arcgis/portal/index.js';
import type { ItemEntry } from '../../store/index.js';
import type { PlanStep } from '../restore.types.js';
import { ensureFolder } from './folder.step.js';
import { createItem } from './item-create.step.js';
import type { ItemJson } from './item-parts.js';
import { overwriteItem } from './item-overwrite.step.js';
import type { StepContext } from './step-context.js';

export async function restoreFromBin(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson): Promise<void> {
  const session = ctx.input.session;
  const id = entry.id;
  // A resumed step may have restored it already.
  if (!(await findItem({ session, id }))) {
    const check = await canRestoreItem({ session, owner: entry.owner, id }).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!check) {
      // Purged (or deleted for good) since the plan was made: recreated from the snapshot, with a new id on Online
      // (a resumed recreate finds what an earlier run of this step created by its marker, as any create step does).
      const { targetId: _kept, recycleBin: _bin, ...recreate } = step;
      await createItem(ctx, recreate, entry, item);
      return;
    }
    if (!check.ok && check.offendingItems.length === 0) throw new Error(`ArcGIS does not restore it from the recycle bin: ${check.message}`);
    if (!check.ok) {
      const names = check.offendingItems.map((o) => `"${o.title ?? o.itemId}" (${o.itemId})`).join(', ');
      throw new Error(`ArcGIS restores this item from the recycle bin only after ${names}, still in the recycle bin: restore that first, then this again.`);
    }
    const folder = step.folder ? await ensureFolder(ctx, entry.owner, step.folder) : null;
    await restoreRecycledItem({ session, owner: entry.owner, id, folder });
  }
  await ctx.save({ new_id: id });
  // The bin kept a hosted layer's service and rows; a view's rows are its source's, restored with the source.
  const view = (item.typeKeywords ?? []).includes('View Service');
  await overwriteItem(ctx, { ...step, targetId: id }, entry, item, { layerData: !view });
}
