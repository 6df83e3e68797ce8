/**
 * Which items of a snapshot a restore takes: `--items id,id`, `--all`, or `--query`.
 *
 * The query is matched against the snapshot itself (the live organization may no longer have the items), offline:
 * - words and "quoted phrases" must all appear (case-insensitive substring) in the item's title, type, owner or tags;
 * - `title:`, `type:`, `owner:`, `tags:` (or `tag:`) and `id:` limit a term to one field (`type:"Web Map"`,
 *   `owner:maria`); `id:` must match the whole id;
 * - `-term` excludes items that match the term.
 * It is deliberately simpler than ArcGIS's search syntax (no OR, no ranges).
 */
import type { ItemEntry } from '../store/index.js';

export interface SelectableItem {
  entry: ItemEntry;
  tags: string[];
}

interface Term {
  field: 'any' | 'title' | 'type' | 'owner' | 'tags' | 'id';
  text: string;
  negate: boolean;
}

const FIELDS = new Set(['title', 'type', 'owner', 'tags', 'tag', 'id']);

export function parseQuery(query: string): Term[] {
  const terms: Term[] = [];
  const pattern = /(-)?(?:([a-zA-Z]+):)?(?:"([^"]*)"|(\S+))/g;
  for (const match of query.matchAll(pattern)) {
    const [, minus, rawField, quoted, bare] = match;
    let field: Term['field'] = 'any';
    let text = quoted ?? bare ?? '';
    if (rawField !== undefined) {
      const f = rawField.toLowerCase();
      if (FIELDS.has(f)) field = f === 'tag' ? 'tags' : (f as Term['field']);
      else text = `${rawField}:${text}`;
    }
    text = text.trim().toLowerCase();
    if (text !== '') terms.push({ field, text, negate: minus === '-' });
  }
  return terms;
}

function termMatches(term: Term, item: SelectableItem): boolean {
  const e = item.entry;
  const has = (value: string) => value.toLowerCase().includes(term.text);
  switch (term.field) {
    case 'id':
      return e.id.toLowerCase() === term.text;
    case 'title':
      return has(e.title);
    case 'type':
      return has(e.type);
    case 'owner':
      return has(e.owner);
    case 'tags':
      return item.tags.some(has);
    default:
      return has(e.title) || has(e.type) || has(e.owner) || item.tags.some(has);
  }
}

/** Whether the item matches every term of the query. An empty query matches nothing. */
export function matchesQuery(terms: readonly Term[], item: SelectableItem): boolean {
  if (terms.length === 0) return false;
  return terms.every((term) => termMatches(term, item) !== term.negate);
}
