/**
 * References between items: what an item's data points at (other items by id, services and layers by URL), found by
 * walking the JSON, and rewriting them when a restore gives the targets new ids or URLs.
 *
 * Extraction knows where ArcGIS clients keep references:
 * - web maps: `operationalLayers[*]`, `tables[*]` and `baseMap.baseMapLayers[*]` (`itemId`, `url`, `styleUrl`), also
 *   nested group layers (`layers[*]`);
 * - Web Mapping Applications (Instant Apps, Web AppBuilder): `values.webmap`, `values.group`, `map.itemId`;
 * - dashboards: widgets' `itemId` and datasets' `dataSource.itemId`;
 * - StoryMaps: `resources[*].data.itemId` (web maps, express maps, embeds);
 * - Experience Builder: `dataSources[*].itemId`, `url` and child data sources.
 * It is written as a generic walk over those keys (`itemId`, `webmap`, `url`, ...) so other item types that use the same
 * conventions (Field Maps, Survey123 forms, Hub sites) are covered too; the Clean broken-links scan reuses it.
 *
 * Rewriting is textual and total: every string in the data (not only the known keys) has old item ids replaced where
 * they appear as a whole 32-character id, and old URL prefixes replaced by new ones. That also catches ids inside
 * `url` query strings (`?appid=`, `?webmap=`), StoryMap draft resources and Experience Builder config copies.
 */

export type ReferenceKind = 'item' | 'url';

export interface ItemReference {
  kind: ReferenceKind;
  /** Where in the data, as a JSON path (`operationalLayers[0].itemId`). */
  path: string;
  /** The item id (lower-case as ArcGIS writes ids) or the URL as written. */
  value: string;
}

/** Keys whose string value is an item id. */
const ITEM_ID_KEYS = new Set(['itemid', 'webmap', 'webscene', 'group', 'sourceitemid', 'mapid', 'appid']);
/** Keys whose string value is a URL another item may serve (services, layers, styles). */
const URL_KEYS = new Set(['url', 'styleurl', 'serviceurl', 'layerurl', 'portalurl']);

const ITEM_ID = /^[0-9a-f]{32}$/i;
const HTTP_URL = /^https?:\/\//i;

/** Every item id and URL the data refers to, in document order. */
export function extractReferences(data: unknown): ItemReference[] {
  const found: ItemReference[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (typeof v === 'string') {
        const k = key.toLowerCase();
        if (ITEM_ID_KEYS.has(k) && ITEM_ID.test(v)) found.push({ kind: 'item', path: at, value: v.toLowerCase() });
        else if (URL_KEYS.has(k) && HTTP_URL.test(v)) found.push({ kind: 'url', path: at, value: v });
      } else if (Array.isArray(v) && (key.toLowerCase() === 'itemids' || key.toLowerCase() === 'webmaps')) {
        v.forEach((id, i) => {
          if (typeof id === 'string' && ITEM_ID.test(id)) found.push({ kind: 'item', path: `${at}[${i}]`, value: id.toLowerCase() });
        });
      } else walk(v, at, depth + 1);
    }
  };
  walk(data, '', 0);
  return found;
}

/** Distinct item ids referenced by the data. */
export function referencedItemIds(data: unknown): string[] {
  return [...new Set(extractReferences(data).filter((r) => r.kind === 'item').map((r) => r.value))];
}

/** Whether `url` is `prefix` or lies under it (`prefix/0`, `prefix?x`), ignoring case and a trailing slash. */
export function urlUnder(url: string, prefix: string): boolean {
  const u = url.toLowerCase();
  const p = prefix.toLowerCase().replace(/\/+$/, '');
  if (!u.startsWith(p)) return false;
  const next = u.charAt(p.length);
  return next === '' || next === '/' || next === '?' || next === '#';
}

export interface RewriteMaps {
  /** Old item id -> new item id (ids are matched case-insensitively). */
  ids: ReadonlyMap<string, string>;
  /** Old URL prefix -> new URL prefix (service URLs, layer URLs, portal URL); longer prefixes win. */
  urls: ReadonlyMap<string, string>;
}

export interface RewriteChange {
  path: string;
  from: string;
  to: string;
}

/** A rewriter for strings, built once per map set (the URL prefixes sorted longest first). */
export function stringRewriter(maps: RewriteMaps): (text: string) => string {
  const ids = new Map([...maps.ids].filter(([a, b]) => a.toLowerCase() !== b.toLowerCase()).map(([a, b]) => [a.toLowerCase(), b]));
  const urls = [...maps.urls]
    .map(([from, to]) => [from.replace(/\/+$/, ''), to.replace(/\/+$/, '')] as const)
    .filter(([from, to]) => from !== '' && from.toLowerCase() !== to.toLowerCase())
    .sort((a, b) => b[0].length - a[0].length);
  const urlPattern =
    urls.length === 0 ? undefined : new RegExp(`(${urls.map(([from]) => escapeRegExp(from)).join('|')})(?=$|[/?#"'\\s&,)\\]<\\\\])`, 'gi');
  const urlTarget = new Map(urls.map(([from, to]) => [from.toLowerCase(), to]));
  // Ids are replaced as whole tokens: a 32-hex run that is part of a longer hex string is something else (a hash).
  const idPattern = '(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])';
  // One pass over both: a URL already rewritten is not scanned again, so an old id inside a new URL (a Survey123
  // service is named `survey123_<form id>`, and keeps its name) is left as the new URL has it.
  const pattern = urlPattern ? new RegExp(`${urlPattern.source}${ids.size > 0 ? `|${idPattern}` : ''}`, 'gi') : ids.size > 0 ? new RegExp(idPattern, 'gi') : undefined;
  // The same URLs percent-encoded, as apps pass them in query strings (`?url=https%3A%2F%2F...`).
  const encoded = urls.map(([from, to]) => [encodeURIComponent(from), encodeURIComponent(to)] as const).sort((a, b) => b[0].length - a[0].length);
  const encodedPattern =
    encoded.length === 0 ? undefined : new RegExp(`(${encoded.map(([from]) => escapeRegExp(from)).join('|')})(?=$|%2F|%3F|%23|[&"'\\s,)\\]])`, 'gi');
  const encodedTarget = new Map(encoded.map(([from, to]) => [from.toLowerCase(), to]));
  return (text: string): string => {
    let out = text;
    if (encodedPattern && out.includes('%')) out = out.replace(encodedPattern, (match) => encodedTarget.get(match.toLowerCase()) ?? match);
    if (!pattern) return out;
    return out.replace(pattern, (match) => urlTarget.get(match.toLowerCase()) ?? ids.get(match.toLowerCase()) ?? match);
  };
}

/**
 * A copy of `data` with every string rewritten; `changes` lists what changed where. The input is not modified. Object
 * keys are rewritten too (dashboards and Experience Builder sometimes key maps by item id).
 */
export function rewriteReferences<T>(data: T, maps: RewriteMaps): { data: T; changes: RewriteChange[] } {
  const rewrite = stringRewriter(maps);
  const changes: RewriteChange[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const next = rewrite(value);
      if (next !== value) changes.push({ path, from: value, to: next });
      return next;
    }
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const newKey = rewrite(key);
      const at = path === '' ? newKey : `${path}.${newKey}`;
      out[newKey] = walk(v, at);
    }
    return out;
  };
  return { data: walk(data, '') as T, changes };
}

/** Rewrites JSON text; text that is not JSON is rewritten as plain text. */
export function rewriteJsonText(text: string, maps: RewriteMaps): { text: string; changed: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const out = stringRewriter(maps)(text);
    return { text: out, changed: out !== text };
  }
  const { data, changes } = rewriteReferences(parsed, maps);
  return changes.length === 0 ? { text, changed: false } : { text: JSON.stringify(data), changed: true };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
