/**
 * Finds the references in an item's parts by parsing them: the catalogue entry's sites say where references sit and
 * what they are (an id, a URL, Arcade or notebook code, text); a generic walk adds what any item keeps under the keys
 * ArcGIS apps share (`itemId`, `url`, `webmap`, ...). Used by the restore plan (what it rewrites), Clean's
 * broken-links scan (what it checks) and the tests that check a clone (what must resolve in the target).
 */
import type { FoundReference, ItemTypeSpec, PartKind, ReferenceKind, ReferenceSite } from './item-type.types.js';

const ITEM_ID = /^[0-9a-f]{32}$/i;
const HTTP_URL = /^https?:\/\/[^\s]+$/i;
/** URLs inside text, code or HTML; stops at whitespace, quotes, brackets and markup. */
const URL_IN_TEXT = /https?:\/\/[^\s"'<>()[\]{}\\`]+/gi;
/** `itemID=<id>` in custom-scheme URL templates (arcgis-navigator://, arcgis-collector://). */
const ITEM_ID_PARAM = /\bitemid=([0-9a-f]{32})(?![0-9a-f])/gi;
/** Quoted literals in Arcade or Python code. */
const QUOTED = /(['"`])((?:(?!\1)[^\\\n]|\\.){1,2048})\1/g;

/** Keys whose string value is an item id in every app that uses them (the generic walk). */
const GENERIC_ITEM_KEYS = new Set(['itemid', 'webmap', 'webscene', 'sourceitemid', 'mapid', 'appid', 'featureserviceitemid', 'serviceitemid', 'portalitemid']);
const GENERIC_GROUP_KEYS = new Set(['group', 'groupid']);
const GENERIC_ID_LIST_KEYS = new Set(['itemids', 'webmaps']);
const GENERIC_GROUP_LIST_KEYS = new Set(['groups']);

export type JsonPath = (string | number)[];

/** `a.b[0].c` as written in plans and findings. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** Whether a JSON path matches a site pattern (`*` one segment, `**` any number, keys compared case-insensitively). */
export function pathMatches(pattern: string, path: JsonPath): boolean {
  const pat = pattern === '' ? [] : pattern.split('.');
  const segs = path.map((s) => String(s).toLowerCase());
  const go = (i: number, j: number): boolean => {
    if (i === pat.length) return j === segs.length;
    const p = pat[i]!;
    if (p === '**') {
      for (let k = j; k <= segs.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    if (j === segs.length) return false;
    return (p === '*' || p.toLowerCase() === segs[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

/** Calls `visit` for every string in the JSON value (not object keys), with its path; bounded depth. */
export function walkStrings(value: unknown, visit: (path: JsonPath, text: string) => void, path: JsonPath = [], depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, visit, [...path, i], depth + 1));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) walkStrings(v, visit, [...path, k], depth + 1);
  }
}

export interface Hit {
  kind: 'item' | 'group' | 'url' | 'folder';
  value: string;
  /** For an id read from a URL: that URL. */
  inUrl?: string;
}

/** Item and group ids a URL names: `/content/items/<id>`, `?appid=`, `?webmap=`, `/experience/<id>`, `/groups/<id>`. */
export function idsInUrl(url: string): Hit[] {
  const hits: Hit[] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return hits;
  }
  const segments = parsed.pathname.split('/');
  segments.forEach((seg, i) => {
    if (!ITEM_ID.test(seg)) return;
    const before = (segments[i - 1] ?? '').toLowerCase();
    hits.push({ kind: before === 'groups' || before === 'group' ? 'group' : 'item', value: seg.toLowerCase() });
  });
  const params = [...parsed.searchParams.entries(), ...new URLSearchParams(parsed.hash.replace(/^#\/?[^?]*\??/, '')).entries()];
  for (const [key, v] of params) {
    if (!ITEM_ID.test(v)) continue;
    const k = key.toLowerCase();
    hits.push({ kind: k === 'group' || k === 'groupid' || k === 'groups' ? 'group' : 'item', value: v.toLowerCase() });
  }
  // Dashboards and StoryMaps put the id in the fragment: `#/<id>`.
  const fragment = /^#\/([0-9a-f]{32})(?=$|[/?])/i.exec(parsed.hash);
  if (fragment) hits.push({ kind: 'item', value: fragment[1]!.toLowerCase() });
  return hits;
}

function urlHits(url: string): Hit[] {
  return [{ kind: 'url', value: url }, ...idsInUrl(url).map((hit) => ({ ...hit, inUrl: url }))];
}

/** What a string at a site of the given kind refers to. */
export function hitsOf(kind: ReferenceKind, text: string): Hit[] {
  switch (kind) {
    case 'item':
    case 'group':
    case 'folder':
      return ITEM_ID.test(text.trim()) ? [{ kind, value: text.trim().toLowerCase() }] : HTTP_URL.test(text.trim()) ? urlHits(text.trim()) : [];
    case 'url':
      return HTTP_URL.test(text.trim()) ? urlHits(text.trim()) : [];
    case 'text':
      return [
        ...[...text.matchAll(URL_IN_TEXT)].flatMap((m) => urlHits(trimUrl(m[0]))),
        // Workforce and Navigator URL templates name items as `itemID=<id>` in custom-scheme URLs.
        ...[...text.matchAll(ITEM_ID_PARAM)].map((m) => ({ kind: 'item' as const, value: m[1]!.toLowerCase() }))
      ];
    case 'keyword': {
      const m = /\|([0-9a-f]{32})$/i.exec(text.trim());
      return m ? [{ kind: 'item', value: m[1]!.toLowerCase() }] : [];
    }
    case 'code': {
      const hits: Hit[] = [];
      for (const m of text.matchAll(QUOTED)) {
        const literal = m[2]!;
        if (ITEM_ID.test(literal)) hits.push({ kind: 'item', value: literal.toLowerCase() });
      }
      for (const m of text.matchAll(URL_IN_TEXT)) hits.push(...urlHits(trimUrl(m[0])));
      return hits;
    }
  }
}

/** A URL found in prose loses the punctuation that ends its sentence. */
function trimUrl(url: string): string {
  return url.replace(/[.,;:!]+$/, '');
}

/** The generic walk's reading of one string: by the key it sits under. */
function genericHits(path: JsonPath, text: string): Hit[] {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const key = (typeof last === 'number' ? String(parent ?? '') : String(last ?? '')).toLowerCase();
  const trimmed = text.trim();
  if (typeof last === 'number') {
    if (GENERIC_ID_LIST_KEYS.has(key) && ITEM_ID.test(trimmed)) return [{ kind: 'item', value: trimmed.toLowerCase() }];
    if (GENERIC_GROUP_LIST_KEYS.has(key) && ITEM_ID.test(trimmed)) return [{ kind: 'group', value: trimmed.toLowerCase() }];
  }
  if (GENERIC_ITEM_KEYS.has(key) && ITEM_ID.test(trimmed)) return [{ kind: 'item', value: trimmed.toLowerCase() }];
  if (GENERIC_GROUP_KEYS.has(key) && ITEM_ID.test(trimmed)) return [{ kind: 'group', value: trimmed.toLowerCase() }];
  if (HTTP_URL.test(trimmed)) return urlHits(trimmed);
  return [];
}

/** One part of an item, parsed: its JSON, or its text when it is not JSON. */
export interface ItemPart {
  part: PartKind;
  resource?: string;
  json?: unknown;
  text?: string;
}

/** A part from its text: its JSON when the text parses, else the text itself. */
export function parsedPart(part: PartKind, text: string, resource?: string): ItemPart {
  const where = { part, ...(resource !== undefined ? { resource } : {}) };
  try {
    return { ...where, json: JSON.parse(text) as unknown };
  } catch {
    return { ...where, text };
  }
}

/** Sites of the entry that apply to a part. */
function sitesFor(spec: ItemTypeSpec | undefined, part: ItemPart, common: readonly ReferenceSite[]): ReferenceSite[] {
  const all = [...common, ...(spec?.references ?? [])];
  return all.filter((s) => s.part === part.part && (part.part !== 'resource' || !s.resources || s.resources.test(part.resource ?? '')));
}

function isListOnly(spec: ItemTypeSpec | undefined, part: ItemPart): boolean {
  return (spec?.listOnly ?? []).some((l) => l.part === part.part && (part.part !== 'resource' || !l.resources || l.resources.test(part.resource ?? '')));
}

/** Sites every item has: its own URL, and text in its properties. */
export const COMMON_SITES: readonly ReferenceSite[] = [
  { part: 'item', path: 'url', kind: 'url', label: 'item URL' },
  { part: 'item', path: 'properties.**', kind: 'text', label: 'item properties' }
];

/**
 * Every reference in the given parts of one item. `item` parts are walked only at their sites (the item JSON holds
 * ids that are not references: its own id, its owner's folder); data and resources also by the generic walk.
 */
export function findReferences(spec: ItemTypeSpec | undefined, parts: readonly ItemPart[]): FoundReference[] {
  const found = new Map<string, FoundReference>();
  const add = (part: ItemPart, path: JsonPath, hit: Hit, label: string, listOnly: boolean) => {
    const ref: FoundReference = {
      part: part.part,
      ...(part.resource !== undefined ? { resource: part.resource } : {}),
      path: formatPath(path),
      kind: hit.kind,
      value: hit.value,
      label,
      ...(hit.inUrl !== undefined ? { inUrl: hit.inUrl } : {}),
      ...(listOnly ? { listOnly } : {})
    };
    const key = `${ref.part}\u0000${ref.resource ?? ''}\u0000${ref.path}\u0000${ref.kind}\u0000${ref.value.toLowerCase()}`;
    if (!found.has(key)) found.set(key, ref);
  };
  for (const part of parts) {
    const sites = sitesFor(spec, part, COMMON_SITES);
    const listOnly = isListOnly(spec, part);
    const visit = (path: JsonPath, text: string) => {
      let matched = false;
      for (const site of sites) {
        if (!pathMatches(site.path, path)) continue;
        matched = true;
        for (const hit of hitsOf(site.kind, text)) add(part, path, hit, site.label, listOnly);
      }
      if (!matched && part.part !== 'item') for (const hit of genericHits(path, text)) add(part, path, hit, 'generic', listOnly);
    };
    if (part.json !== undefined) walkStrings(part.json, visit);
    else if (part.text !== undefined) {
      // Text that is not JSON (a script, a web form): the sites with an empty path read it whole.
      const whole = sites.filter((s) => s.path === '');
      for (const site of whole) for (const hit of hitsOf(site.kind, part.text)) add(part, [], hit, site.label, listOnly);
      if (whole.length === 0) for (const hit of hitsOf('text', part.text)) add(part, [], hit, 'generic', listOnly);
    }
  }
  return [...found.values()];
}
