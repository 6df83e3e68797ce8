/**
 * Where delete-items sends each item, and what its preview and undo say about it. On an ArcGIS Online organization
 * whose recycle bin is on, a delete without `permanentDelete` moves a supported item to the bin for at least 14 days
 * (Esri REST: Delete Item, Can Recycle Item); types the bin does not take are deleted for good whatever the parameter
 * says, and `canRecycle` tells which. A hosted layer with views outside the bin cannot go there (nor be deleted) until
 * its views are gone: `canRecycle` names them.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { canRecycleItem, getPortalSelf, RECYCLE_BIN_RETENTION_MS, type RecycleBinState, recycleBinState } from '../../../arcgis/portal/index.js';
import type { FieldChange, FixOptions, FixResult, PlanContext } from '../fix.types.js';
import type { PlanningContext, PlanRow, RecreateOutcome } from './fix-action.js';

/** The organization's bin, read once per plan (a failed read is not kept). */
function binOf(ctx: PlanningContext): Promise<RecycleBinState> {
  let state = ctx.cache.recycleBin;
  if (!state) {
    state = getPortalSelf({ session: ctx.session }).then(recycleBinState);
    state.catch(() => delete ctx.cache.recycleBin);
    ctx.cache.recycleBin = state;
  }
  return state;
}

/** A date for people: `2026-12-19 14:05 UTC`. */
function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The `item` change of one item (`after`: `recycled` or `deleted`) and where it goes, for the plan's context. */
export async function deletePlanFor(ctx: PlanningContext, item: IItem, options: FixOptions): Promise<{ change: FieldChange; context: PlanContext }> {
  const owner = String(item.owner);
  const bin = await binOf(ctx);
  const deleted = (summary: string, deleteTo: 'permanent' | 'none'): { change: FieldChange; context: PlanContext } => ({
    change: { field: 'item', before: 'exists', after: 'deleted', summary },
    context: { deleteTo }
  });
  if (!bin.supported) return deleted(`Item deleted (owner ${owner})`, 'none');
  if (!bin.enabled) return deleted(`Item deleted for good (owner ${owner}): the organization's recycle bin is off; Undo recreates it from the backup with a new id`, 'permanent');
  if (options.permanentDelete) return deleted(`Item deleted for good (owner ${owner}), as asked: not kept in the recycle bin; Undo recreates it from the backup with a new id`, 'permanent');
  const check = await canRecycleItem({ session: ctx.session, owner, id: item.id });
  if (!check.ok && check.offendingItems.length === 0) {
    return deleted(`Item deleted for good (owner ${owner}): the recycle bin does not take it (${check.message}); Undo recreates it from the backup with a new id`, 'permanent');
  }
  const until = Date.now() + RECYCLE_BIN_RETENTION_MS;
  const views = check.ok ? [] : check.offendingItems;
  const waits = views.length === 0 ? '' : `, after its views ${views.map((o) => `"${o.title ?? o.itemId}"`).join(', ')} (ArcGIS refuses while they are outside the bin: fix them too, or delete them first)`;
  return {
    change: { field: 'item', before: 'exists', after: 'recycled', summary: `Item moved to the recycle bin (owner ${owner})${waits}; it can be restored with its id until at least ${when(until)}` },
    context: { deleteTo: 'recycled', restorableUntil: new Date(until).toISOString(), ...(views.length > 0 ? { deleteAfter: views.map((o) => o.itemId) } : {}) }
  };
}

/** Two phases when some items must wait for others of the same fix (a hosted layer for its views): those go last. */
export function viewsFirst(rows: PlanRow[]): PlanRow[][] {
  const ids = new Set(rows.map((r) => r.planned.target.id));
  const waits = (r: PlanRow) => (r.planned.context.deleteAfter ?? []).some((id) => ids.has(id));
  const later = rows.filter(waits);
  return later.length === 0 ? [rows] : [rows.filter((r) => !waits(r)), later];
}

/** What a successful undo of one deleted item says: restored from the bin, or recreated (and why, when it was binned). */
export function undoNote(snapshotId: string | null, id: string, result: FixResult, outcome: RecreateOutcome): string | undefined {
  if (outcome.fromRecycleBin) return `Restored from the recycle bin with its id; sharing and the rest put back from snapshot ${snapshotId ?? ''}.`;
  const newId = outcome.newId;
  if (!newId || newId === id) return undefined;
  const why = result.context.deleteTo === 'recycled' ? ' The recycle bin no longer held it (purged).' : '';
  return `Recreated from snapshot ${snapshotId ?? ''} as item ${newId} (ArcGIS Online gives recreated items a new id).${why}`;
}
