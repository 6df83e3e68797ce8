/**
 * delete-items and hosted feature layer views. ArcGIS refuses to delete a hosted layer while it has views ("you must
 * delete the dependent layers before you can delete the primary item"; some deployments delete them with it, the
 * emulator's `--delete-source-with-views cascade`), so deleting a source deletes its views first, whoever owns them.
 * The preview lists them, the backup before the fix holds them, and Undo recreates the source and then its views on it.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { ArcGISFailure } from '../../../arcgis/arcgis-errors.js';
import { findServiceInfo, getServiceViews } from '../../../arcgis/feature-service/index.js';
import { hostedServiceUrl } from '../../../arcgis/item-classifier.js';
import { deleteItem, findItem } from '../../../arcgis/portal/index.js';
import type { FieldChange, FixResult, PlannedFix } from '../fix.types.js';
import type { FixContext } from './fix-action.js';
import { appliedChange, plannedChange } from './fix-support.js';

export type PlannedView = NonNullable<PlannedFix['context']['views']>[number];

/** The views of a hosted layer item (none for other items, and for views themselves). */
export async function viewsToDelete(ctx: FixContext, item: IItem): Promise<PlannedView[]> {
  const url = hostedServiceUrl(item, await ctx.session.orgOrigins());
  if (!url) return [];
  const info = await findServiceInfo({ session: ctx.session, url });
  if (!info || info.isView === true || info.hasViews !== true) return [];
  const views: PlannedView[] = [];
  for (const view of await getServiceViews({ session: ctx.session, url })) {
    const found = view.serviceItemId ? await findItem({ session: ctx.session, id: view.serviceItemId }) : undefined;
    if (found) views.push({ id: found.id, title: String(found.title ?? found.id), owner: String(found.owner) });
  }
  return views;
}

export function viewsChange(views: PlannedView[]): FieldChange {
  const titles = views.map((v) => `"${v.title}" (${v.owner})`).join(', ');
  return { field: 'views', before: views.map((v) => v.id), after: 'deleted', summary: `Its ${views.length} view(s) deleted first, as ArcGIS requires: ${titles}` };
}

/** Deletes the planned views (one already gone counts as deleted); records the change once all are gone. */
export async function deleteViews(ctx: FixContext, planned: PlannedFix, applied: FieldChange[]): Promise<void> {
  const change = plannedChange(planned, 'views');
  if (!change) return;
  for (const view of planned.context.views ?? []) {
    try {
      await deleteItem({ session: ctx.session, owner: view.owner, id: view.id });
    } catch (error) {
      if (!(error instanceof ArcGISFailure && error.kind === 'not_found')) throw error;
    }
  }
  applied.push(change);
}

/** The views a fix result deleted (Undo recreates them with their source). */
export function deletedViewIds(result: FixResult): string[] {
  const change = appliedChange(result, 'views');
  return Array.isArray(change?.before) ? (change.before as unknown[]).filter((id): id is string => typeof id === 'string') : [];
}
