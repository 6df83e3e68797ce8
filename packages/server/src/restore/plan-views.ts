/**
 * Planning for hosted feature layer views and item relationships. A view depends on its sources, and every item on
 * the items it is the origin of a relationship to (a form on its service and views, a map on its services), so those
 * come first and a clone takes them along. Each view step names its sources and where each is in the target; a view
 * to create whose source is neither restored by the plan nor in the organization is skipped with that reason (a view
 * cannot exist without its source). Each item step lists the relationships it adds again.
 */
import { serviceNameInUrl } from '../arcgis/feature-service/index.js';
import { findItem } from '../arcgis/portal/index.js';
import type { ItemEntry, Store } from '../store/index.js';
import { isSurveyForm, packageTexts } from './survey-package.js';
import type { PlannedItems } from './plan-selection.js';
import type { PlanContext } from './plan-steps.js';
import type { PlannedViewLayer, PlannedViewSource, PlanStep } from './restore.types.js';

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/** The snapshot item holding a view source (by its item id, else by its service URL). */
function sourceEntry(source: { url: string; itemId?: string }, items: ReadonlyMap<string, ItemEntry>): ItemEntry | undefined {
  const byId = source.itemId ? items.get(source.itemId) : undefined;
  if (byId) return byId;
  for (const e of items.values()) if (e.service && sameUrl(e.service.url, source.url)) return e;
  return undefined;
}

/** Snapshot items this one needs first: its view sources and the items it relates to as origin. */
export function linkedItemIds(entry: ItemEntry, items: ReadonlyMap<string, ItemEntry>): string[] {
  const ids = new Set<string>();
  for (const source of entry.service?.view?.sources ?? []) {
    const found = sourceEntry(source, items);
    if (found && found.id !== entry.id) ids.add(found.id);
  }
  for (const rel of entry.related ?? []) if (rel.direction === 'forward' && rel.itemId !== entry.id && items.has(rel.itemId)) ids.add(rel.itemId);
  return [...ids];
}

/**
 * Snapshot hosted items a Survey123 form's package names by URL (the view it submits to may be related to the form by
 * nothing else: Survey123 Connect's `submission_url`).
 */
export async function formReferencedIds(store: Store, entry: ItemEntry, items: ReadonlyMap<string, ItemEntry>): Promise<string[]> {
  if (!isSurveyForm(entry.type) || entry.data?.kind !== 'file') return [];
  const texts = (await packageTexts(await store.blobs.get(entry.data.hash))).map((t) => t.text);
  const ids: string[] = [];
  for (const e of items.values()) {
    const url = e.service?.url.replace(/\/+$/, '').toLowerCase();
    if (url && e.id !== entry.id && texts.some((t) => t.toLowerCase().includes(url))) ids.push(e.id);
  }
  return ids;
}

/** Adds each view step's sources (skipping views whose source is missing) and each step's relationships. */
export async function planViewsAndRelationships(ctx: PlanContext, planned: PlannedItems, itemSteps: ReadonlyMap<string, PlanStep>): Promise<void> {
  const items = ctx.input.content.items;
  for (const [id, step] of itemSteps) {
    const entry = planned.items.get(id)!;
    const relationships = (entry.related ?? []).map((r) => ({ type: r.relationshipType, direction: r.direction, itemId: r.itemId, ...(items.get(r.itemId) ? { title: items.get(r.itemId)!.title } : {}) }));
    if (relationships.length > 0) step.relationships = relationships;
    const view = entry.service?.view;
    if (!view || !step.hosted) continue;
    const sources: PlannedViewSource[] = [];
    for (const source of view.sources) sources.push({ ...(await plannedSource(ctx, source, itemSteps)), ...viewLayersOn(entry, source, items) });
    step.view = { sources };
    const described = sources.map((s) => `${s.title ? `"${s.title}"` : s.url} (${s.status === 'restored' ? 'restored first by this plan' : s.status === 'live' ? 'in the organization' : 'missing'})`).join(', ');
    const missing = sources.filter((s) => s.status === 'missing');
    if (step.action === 'create' && (missing.length > 0 || sources.length === 0)) {
      const what = missing.map((s) => (s.title ? `"${s.title}" (${s.url})` : s.url)).join(', ') || 'its source (the snapshot could not name it)';
      Object.assign(step, {
        action: 'skip',
        reason: `a hosted feature layer view cannot be restored without its source: ${what} is neither in this snapshot${ctx.clone ? ' selection' : ''} nor in the ${ctx.clone ? 'target ' : ''}organization; restore the source first`
      });
    } else if (step.action !== 'skip') {
      step.reason = `${step.reason}; a view of ${described}, made a view again (never filled with rows)`;
    }
  }
}

/** The view layers defined on `source`, named from the snapshot (the view's layers, and the source's when it holds it). */
function viewLayersOn(view: ItemEntry, source: { url: string; itemId?: string }, items: ReadonlyMap<string, ItemEntry>): { layers?: PlannedViewLayer[] } {
  const links = (view.service?.view?.layers ?? []).filter((l) => sameUrl(l.sourceUrl, source.url));
  if (links.length === 0) return {};
  const sourceLayers = sourceEntry(source, items)?.service?.layers ?? [];
  const layers = links.map((link) => {
    const name = view.service!.layers.find((l) => l.id === link.id)?.name;
    const sourceLayerName = sourceLayers.find((l) => l.id === link.sourceLayerId)?.name;
    return { id: link.id, ...(name ? { name } : {}), sourceLayerId: link.sourceLayerId, ...(sourceLayerName ? { sourceLayerName } : {}) };
  });
  return { layers };
}

async function plannedSource(ctx: PlanContext, source: { url: string; itemId?: string }, itemSteps: ReadonlyMap<string, PlanStep>): Promise<PlannedViewSource> {
  const entry = sourceEntry(source, ctx.input.content.items);
  const base = { url: source.url, ...(source.itemId ? { itemId: source.itemId } : {}), ...(entry ? { title: entry.title } : {}) };
  const sourceStep = entry ? itemSteps.get(entry.id) : undefined;
  if (sourceStep && sourceStep.action !== 'skip') return { ...base, status: 'restored' };
  // A clone's views must point at cloned sources: the source organization's are never used.
  if (ctx.clone) return { ...base, status: 'missing' };
  const id = source.itemId ?? entry?.id;
  const live = id ? await findItem({ session: ctx.session, id }) : undefined;
  const liveName = typeof live?.url === 'string' ? serviceNameInUrl(live.url) : undefined;
  return { ...base, status: live && liveName !== undefined && liveName.toLowerCase() === (serviceNameInUrl(source.url) ?? '').toLowerCase() ? 'live' : 'missing' };
}
