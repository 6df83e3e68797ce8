/**
 * Survey123 ties a survey's hosted feature service and views to their form by the form's item id in their type
 * keywords (and names the web designer's service `survey123_<form id>`). The service and views are restored before
 * the form (the form names their URLs), so once the form has its new id, the keywords of the items this run restored
 * that name the old id are set to the new one. The service name stays: ArcGIS cannot rename a hosted service, and
 * Survey123 finds the service by its URL in the form, not by its name.
 */
import { findItem, updateItem } from '../../arcgis/portal/index.js';
import type { ItemEntry } from '../../store/index.js';
import type { ItemJson } from './item-parts.js';
import type { StepContext } from './step-context.js';

export async function relinkSurveyItems(ctx: StepContext, form: ItemEntry, newId: string): Promise<void> {
  const { session, store, content, plan } = ctx.input;
  const oldId = form.id.toLowerCase();
  if (oldId === newId.toLowerCase()) return;
  for (const step of plan.steps) {
    if (step.kind !== 'item' || step.sourceId === form.id) continue;
    const restoredId = ctx.maps.ids.get(step.sourceId);
    const entry = content.items.get(step.sourceId);
    if (!restoredId || !entry?.item) continue;
    const json = await store.getJson<ItemJson>(entry.item.hash);
    if (!(json.typeKeywords ?? []).some((k) => k.toLowerCase() === oldId)) continue;
    const live = await findItem({ session, id: restoredId });
    if (!live) continue;
    const keywords = (live.typeKeywords ?? []).map((k) => (k.toLowerCase() === oldId ? newId : k));
    await updateItem({ session, owner: live.owner, id: restoredId, params: { typeKeywords: keywords.join(',') } });
  }
}
