/**
 * An item's parts from a snapshot, parsed for the catalogue (item-types/): the item JSON, the data (JSON, or text
 * when it is not JSON) and the resources whose text a restore rewrites. Files and images are not read.
 */
import { type ItemPart, type ItemTypeSpec, itemTypeOf, parsedPart, rewritesResource } from '../item-types/index.js';
import type { ItemEntry, Store } from '../store/index.js';

/** Largest part parsed for references; bigger JSON is a dataset, not configuration. */
const MAX_PART_BYTES = 32 * 1024 * 1024;

/** The item's catalogue entry (read from its item JSON: type and type keywords) and its parts. */
export async function readItemParts(store: Store, entry: ItemEntry): Promise<{ spec: ItemTypeSpec | undefined; parts: ItemPart[] }> {
  const parts: ItemPart[] = [];
  const item = entry.item ? await store.getJson<Record<string, unknown>>(entry.item.hash).catch(() => undefined) : undefined;
  // The entry records the type only; some kinds are told apart by their keywords (a hosted tile layer's Map Service).
  const keywords = Array.isArray(item?.typeKeywords) ? item.typeKeywords.filter((k): k is string => typeof k === 'string') : [];
  const spec = itemTypeOf({ type: entry.type, typeKeywords: keywords });
  if (item) parts.push({ part: 'item', json: { url: item.url, properties: item.properties, typeKeywords: item.typeKeywords } });
  if (entry.data?.kind === 'json' && entry.data.size <= MAX_PART_BYTES) {
    parts.push(parsedPart('data', (await store.blobs.get(entry.data.hash)).toString('utf8')));
  }
  for (const r of entry.resources ?? []) {
    if (!rewritesResource(spec, r.path) && !spec?.listOnly?.some((l) => l.part === 'resource' && (!l.resources || l.resources.test(r.path)))) continue;
    if (r.size > MAX_PART_BYTES) continue;
    parts.push(parsedPart('resource', (await store.blobs.get(r.hash)).toString('utf8'), r.path));
  }
  return { spec, parts };
}
