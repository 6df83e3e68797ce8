/**
 * References of an item's JSON data as the broken-links scan checks them: one per layer, table, data source or widget
 * (an object holding an item id and/or a URL), or per id-valued key such as `values.webmap`. Extraction itself is the
 * restore module's (restore/references.ts: web maps, apps, dashboards, StoryMaps, Experience Builder, generically by
 * key); this groups its key-level references by the object they sit in and adds the object's title.
 */
import { findReferences, type ItemPart, type ItemTypeSpec } from '../item-types/index.js';
import { extractReferences as extractKeyReferences } from '../restore/index.js';

export interface DataReference {
  /** Where in the data, e.g. `operationalLayers[0]`, `widgets[1].datasets[0].dataSource`, `values.webmap`. */
  path: string;
  itemId?: string;
  url?: string;
  /** The layer's or data source's title or label, when the data gives one. */
  title?: string;
}

/** Keys that belong to the object they sit in (a layer with its item id and service URL). */
const OBJECT_KEYS = new Set(['itemid', 'url', 'styleurl', 'serviceurl', 'layerurl']);
/** Preferred URL key of an object when it has several. */
const URL_ORDER = ['url', 'serviceurl', 'layerurl', 'styleurl'];
/** Not item references: `group` holds a group id, `portalUrl` the portal itself. */
const IGNORED_KEYS = new Set(['group', 'portalurl']);

export function extractReferences(data: unknown): DataReference[] {
  const byPath = new Map<string, DataReference & { urlRank?: number }>();
  for (const ref of extractKeyReferences(data)) {
    const { parent, key } = splitPath(ref.path);
    const lower = key.replace(/\[\d+\]$/, '').toLowerCase();
    if (IGNORED_KEYS.has(lower)) continue;
    const grouped = OBJECT_KEYS.has(lower);
    const path = grouped ? parent || '(root)' : ref.path;
    const entry = byPath.get(path) ?? { path };
    if (ref.kind === 'item') entry.itemId ??= ref.value;
    else {
      const rank = URL_ORDER.indexOf(lower);
      if (entry.url === undefined || (rank >= 0 && rank < (entry.urlRank ?? Infinity))) {
        entry.url = ref.value.trim();
        entry.urlRank = rank >= 0 ? rank : URL_ORDER.length;
      }
    }
    if (grouped && entry.title === undefined) {
      const holder = valueAt(data, parent);
      const title = holder && typeof holder === 'object' ? ((holder as Record<string, unknown>).title ?? (holder as Record<string, unknown>).sourceLabel ?? (holder as Record<string, unknown>).label ?? (holder as Record<string, unknown>).name) : undefined;
      if (typeof title === 'string' && title.trim()) entry.title = title.trim();
    }
    byPath.set(path, entry);
  }
  return [...byPath.values()].map(({ urlRank: _rank, ...ref }) => ref);
}

/** `a.b[0].c` -> parent `a.b[0]`, key `c`; `a[2]` -> parent ``, key `a[2]`. */
function splitPath(path: string): { parent: string; key: string } {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? { parent: '', key: path } : { parent: path.slice(0, dot), key: path.slice(dot + 1) };
}

function valueAt(data: unknown, path: string): unknown {
  let node = data;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = match[2] !== undefined ? (node as unknown[])[Number(match[2])] : (node as Record<string, unknown>)[match[1]!];
  }
  return node;
}

/** A URL split into the service it names and the layer within it (`.../FeatureServer/3` -> service, 3). */
export interface ServiceUrl {
  serviceUrl: string;
  layerId?: number;
}

const SERVICE_TYPES = /\/(FeatureServer|MapServer|ImageServer|VectorTileServer|SceneServer|GeometryServer|GPServer|GeocodeServer|NAServer|StreamServer)(?=\/|$)/i;

export function parseServiceUrl(raw: string): ServiceUrl | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const match = SERVICE_TYPES.exec(url.pathname);
  if (!match) return undefined;
  const end = match.index + match[0].length;
  const serviceUrl = `${url.origin}${url.pathname.slice(0, end)}`;
  const rest = url.pathname.slice(end).split('/').filter(Boolean);
  const layer = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest[0]) : undefined;
  return layer === undefined ? { serviceUrl } : { serviceUrl, layerId: layer };
}

/** The item id in a portal content URL (`.../sharing/rest/content/items/<id>[/...]`), if it is one. */
export function itemIdInUrl(raw: string): string | undefined {
  const match = /\/sharing\/rest\/content\/items\/([0-9a-f]{32})(?=\/|$|\?)/i.exec(raw);
  return match?.[1]?.toLowerCase();
}

/** Keys of an object that hold the object's own item or service (grouped into one reference with its title). */
const CATALOGUE_OBJECT_KEYS = new Set([...OBJECT_KEYS, 'featureserviceitemid', 'serviceitemid']);

/**
 * References of one item as the item-type catalogue reads its parts (item-types/): the data's key-level references
 * as `extractReferences` groups them, plus what only the catalogue knows: ids in Arcade data expressions and popups,
 * URLs in text, and references in JSON resources (`qc.project.json`, StoryMap drafts, Experience Builder's published
 * configuration), whose paths start with the resource path (`qc.project.json: dataSources[0]`). Ids read from inside
 * URLs are left to the URL check (an id in Esri's basemap URL is not one of the organization's items).
 */
export function extractItemReferences(spec: ItemTypeSpec | undefined, parts: readonly ItemPart[]): DataReference[] {
  const data = parts.find((p) => p.part === 'data')?.json;
  const out = data === undefined ? [] : extractReferences(data);
  const covered = new Set(out.map((r) => r.path));
  const byPath = new Map<string, DataReference[]>();
  for (const ref of findReferences(spec, parts.filter((p) => p.part !== 'item'))) {
    if (ref.inUrl !== undefined || ref.listOnly || (ref.kind !== 'item' && ref.kind !== 'url')) continue;
    const { parent, key } = splitPath(ref.path);
    const grouped = CATALOGUE_OBJECT_KEYS.has(key.replace(/\[\d+\]$/, '').toLowerCase());
    const local = grouped ? parent || '(root)' : ref.path;
    if (ref.part === 'data' && (covered.has(local) || covered.has(ref.path) || covered.has(parent))) continue;
    const path = ref.part === 'resource' ? `${ref.resource ?? ''}: ${local}` : local;
    const list = byPath.get(path) ?? [];
    // One reference per object; code may name several items (one reference each).
    let target = grouped ? list[0] : list.find((r) => (ref.kind === 'item' ? r.itemId === undefined : r.url === undefined));
    if (!target) {
      target = { path: list.length === 0 ? path : `${path}#${list.length + 1}` };
      list.push(target);
      byPath.set(path, list);
    }
    if (ref.kind === 'item') target.itemId ??= ref.value;
    else target.url ??= ref.value.trim();
  }
  return [...out, ...[...byPath.values()].flat()];
}
