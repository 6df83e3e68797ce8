/**
 * Planning, first phase: which of the snapshot's items the restore covers (the selection, and for a clone what the
 * selection references) and what each of them references among the snapshot's items.
 */
import { AppError } from '../errors/app-error.js';
import type { ItemEntry, Store } from '../store/index.js';
import { findReferences } from '../item-types/index.js';
import { readItemParts } from './item-part-reader.js';
import { urlUnder } from './references.js';
import type { SnapshotContent } from './restore.plan.js';
import type { RestoreParams } from './restore.types.js';
import { formReferencedIds, linkedItemIds } from './plan-views.js';
import { matchesQuery, parseQuery } from './selection.js';

/** References of one item: snapshot items (`ids`) and item ids that are not in the snapshot (`outside`). */
export interface ItemDependencies {
  ids: string[];
  outside: string[];
}

export interface PlannedItems {
  /** Every item the plan restores, by id: the selection first, in snapshot order. */
  items: Map<string, ItemEntry>;
  deps: Map<string, ItemDependencies>;
  /** Why an item that was not selected is in the plan (a clone takes what the selection references along). */
  reasonIncluded: Map<string, string>;
}

/** Validates the selection and returns the selected entries, in snapshot order. */
export async function selectItems(store: Store, content: SnapshotContent, params: RestoreParams): Promise<ItemEntry[]> {
  if (params.all) return [...content.items.values()].filter((e) => e.status !== 'failed' || e.item !== undefined);
  if (params.items) {
    const missing = params.items.filter((id) => !content.items.has(id));
    if (missing.length > 0) {
      throw AppError.validation({ items: `These items are not in snapshot ${content.manifest.id}: ${missing.join(', ')}. List its items with \`orgkeeper snapshot show\`.` });
    }
    return params.items.map((id) => content.items.get(id)!);
  }
  const terms = parseQuery(params.query ?? '');
  const selected: ItemEntry[] = [];
  for (const entry of content.items.values()) {
    let tags: string[] = [];
    if (entry.item) {
      const json = await store.getJson<{ tags?: unknown }>(entry.item.hash).catch(() => ({ tags: [] }));
      if (Array.isArray(json.tags)) tags = json.tags.map(String);
    }
    if (matchesQuery(terms, { entry, tags })) selected.push(entry);
  }
  if (selected.length === 0) throw AppError.validation({ query: `No item of snapshot ${content.manifest.id} matches "${params.query ?? ''}".` });
  return selected;
}

/** What one item's parts reference among the snapshot's items (ids, and service URLs of hosted items): the catalogue's reading. */
export async function itemDependencies(
  store: Store,
  entry: ItemEntry,
  snapshot: { byId: ReadonlyMap<string, ItemEntry>; serviceUrls: readonly [string, string][]; portalUrl: string }
): Promise<ItemDependencies> {
  const { byId, serviceUrls } = snapshot;
  // Ids in URLs of other portals (Esri's basemap styles on cdn.arcgis.com) are that portal's items, not the snapshot's.
  const { spec, parts } = await readItemParts(store, entry);
  const refs = findReferences(spec, parts).filter((r) => r.inUrl === undefined || sameOrigin(r.inUrl, snapshot.portalUrl));
  const ids = new Set<string>();
  const outside = new Set<string>();
  for (const ref of refs) {
    if (ref.kind === 'item') {
      if (ref.value === entry.id) continue;
      if (byId.has(ref.value)) ids.add(ref.value);
      else outside.add(ref.value);
    } else if (ref.kind === 'url') {
      const hit = serviceUrls.find(([url]) => urlUnder(ref.value, url));
      if (hit && hit[1] !== entry.id) ids.add(hit[1]);
    }
  }
  return { ids: [...ids], outside: [...outside] };
}

/**
 * The dependencies of every selected item; a clone takes what the selection references along (no reference may point
 * back at the source organization), the other modes leave references to unselected items as they are.
 */
export async function withDependencies(store: Store, content: SnapshotContent, selected: ItemEntry[], clone: boolean): Promise<PlannedItems> {
  const serviceUrls: [string, string][] = [];
  for (const e of content.items.values()) if (e.service?.url) serviceUrls.push([e.service.url.replace(/\/+$/, ''), e.id]);
  const items = new Map<string, ItemEntry>(selected.map((e) => [e.id, e]));
  const deps = new Map<string, ItemDependencies>();
  const reasonIncluded = new Map<string, string>();
  const queue = [...selected];
  while (queue.length > 0) {
    const entry = queue.shift()!;
    if (deps.has(entry.id)) continue;
    const d = await itemDependencies(store, entry, { byId: content.items, serviceUrls, portalUrl: content.manifest.org.portalUrl });
    // A view's sources and the items it relates to as origin (a form's service and views) come first too.
    for (const id of [...linkedItemIds(entry, content.items), ...(await formReferencedIds(store, entry, content.items))]) if (!d.ids.includes(id)) d.ids.push(id);
    deps.set(entry.id, d);
    if (clone) {
      for (const id of d.ids) {
        if (!items.has(id)) {
          const dep = content.items.get(id)!;
          items.set(id, dep);
          reasonIncluded.set(id, `needed by "${entry.title}" (${entry.id})`);
          queue.push(dep);
        }
      }
    }
  }
  return { items, deps, reasonIncluded };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
