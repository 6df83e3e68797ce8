/**
 * An item's parts from a snapshot, parsed for the catalogue (item-types/): the item JSON, the data (JSON, or text
 * when it is not JSON) and the resources whose text a restore rewrites. Files and images are not read.
 */
import { type ItemPart, itemTypeOf, parsedPart, rewritesResource } from '../item-types/index.js';
import type { ItemEntry, Store } from '../store/index.js';

/** Largest part parsed for references; bigger JSON is a dataset, not configuration. */
const MAX_PART_BYTES = 32 * 1024 * 1024;

export async function readItemParts(store: Store, entry: ItemEntry): Promise<ItemPart[]> {
  const parts: ItemPart[] = [];
  const spec = itemTypeOf(entry);
  if (entry.item) {
    const item = await store.getJson<Record<string, unknown>>(entry.item.hash).catch(() => undefined);
    if (item) parts.push({ part: 'item', json: { url: item.url, properties: item.properties, typeKeywords: item.typeKeywords } });
  }
  if (entry.data?.kind === 'json' && entry.data.size <= MAX_PART_BYTES) {
    parts.push(parsedPart('data', (await store.blobs.get(entry.data.hash)).toString('utf8')));
  }
  for (const r of entry.resources ?? []) {
    if (!rewritesResource(spec, r.path) && !spec?.listOnly?.some((l) => l.part === 'resource' && (!l.resources || l.resources.test(r.path)))) continue;
    if (r.size > MAX_PART_BYTES) continue;
    parts.push(parsedPart('resource', (await store.blobs.get(r.hash)).toString('utf8'), r.path));
  }
  return parts;
}

