/**
 * Marks state objects that a seed produced lazily (item data of scaled organizations, the demo's large files), so
 * persistence can save them as "regenerate from the seed" instead of materializing megabytes or tens of thousands of
 * files. An object stays marked only while it is the same object: replacing an item's data drops the mark.
 */
const keys = new WeakMap<object, string>();

export function markSeeded<T extends object>(value: T, key: string): T {
  keys.set(value, key);
  return value;
}

export function seededKey(value: object | null | undefined): string | undefined {
  return value ? keys.get(value) : undefined;
}

/** The key under which an item's data is regenerated: the item's id in the seeded state. */
export function itemDataKey(itemId: string): string {
  return `item:${itemId}:data`;
}

/** The key under which an item resource is regenerated: the item's id and the resource's path. */
export function itemResourceKey(itemId: string, path: string): string {
  return `item:${itemId}:resource:${path}`;
}
