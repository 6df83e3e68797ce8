/**
 * Checks a clone by parsing what arrived, as the item-type catalogue reads items (not by searching text): every
 * reference in every part of every cloned item resolves in the target organization (items, groups, folders, services
 * and their layers, portal content URLs), and no part names the source's host, item ids or group ids. References that
 * cannot resolve are only the ones the caller expects (planted broken ones, tiles ArcGIS must rebuild), and each of
 * them is in the plan as kept or as something the restore cannot bring back.
 */
import type { EmulatorHandle } from './emulator-harness.js';
import { findReferences, type FoundReference, type ItemPart, itemTypeOf, parsedPart, rewritesResource, walkStrings } from '../../src/item-types/index.js';
import { parseServiceUrl } from '../../src/clean/references.js';

type ItemRecord = ReturnType<EmulatorHandle['context']['state']['items']['get']> & object;

/** Esri's public hosts that items may name (basemaps, elevation, scene layers, Hub sites). */
const ESRI_HOSTS = /(^|\.)(arcgis\.com|arcgisonline\.com)$/i;

export interface CloneCheck {
  /** Every reference found, with where it is (for counting). */
  references: { itemId: string; ref: FoundReference }[];
  /** References that do not resolve in the target: `<item title> <part> <path> <value>`. */
  unresolved: string[];
  /** Strings in cloned items that name the source: `<item title> <part> <path>: <what>`. */
  mentionsOfSource: string[];
}

/** The parts of a live item as the catalogue reads them. */
export function liveParts(item: ItemRecord): ItemPart[] {
  const spec = itemTypeOf(item.json);
  const parts: ItemPart[] = [{ part: 'item', json: { url: item.json.url, properties: item.json.properties, typeKeywords: item.json.typeKeywords, description: item.json.description } }];
  if (item.data?.kind === 'json') parts.push(parsedPart('data', item.data.text));
  for (const [path, r] of item.resources) {
    if (!rewritesResource(spec, path)) continue;
    parts.push(parsedPart('resource', r.blob.read().toString('utf8'), path));
  }
  return parts;
}

export function checkClone(options: {
  target: EmulatorHandle;
  source: { origin: string; itemIds: readonly string[]; groupIds: readonly string[] };
  /** Target ids of the cloned items. */
  clonedIds: readonly string[];
  /** Whether an unresolved reference is expected (planted broken, tiles to rebuild). */
  expectedUnresolved: (item: ItemRecord, ref: FoundReference) => boolean;
}): CloneCheck {
  const state = options.target.context.state;
  const targetOrigin = new URL(options.target.portalUrl).origin;
  const sourceIds = new Set([...options.source.itemIds, ...options.source.groupIds].map((i) => i.toLowerCase()));
  const out: CloneCheck = { references: [], unresolved: [], mentionsOfSource: [] };
  const serviceName = (serviceUrl: string) => /\/rest\/services\/(?:Hosted\/)?([^/]+)\/[A-Za-z]+Server$/i.exec(serviceUrl)?.[1];

  const resolves = (ref: FoundReference): boolean => {
    switch (ref.kind) {
      case 'item':
        // An id read from an Esri URL (a basemap style) is Esri's item, not the organization's.
        if (ref.inUrl && new URL(ref.inUrl).origin !== targetOrigin) return true;
        return state.items.has(ref.value) || state.groups.has(ref.value);
      case 'group':
        return state.groups.has(ref.value);
      case 'folder':
        return state.folders.has(ref.value);
      case 'url': {
        let url: URL;
        try {
          url = new URL(ref.value);
        } catch {
          return false;
        }
        if (url.origin !== targetOrigin) return url.origin !== options.source.origin && ESRI_HOSTS.test(url.hostname);
        const service = parseServiceUrl(ref.value);
        if (!service) return true;
        const name = serviceName(service.serviceUrl);
        const hosted = name ? state.getService(name) : undefined;
        if (!hosted || !/FeatureServer$/i.test(service.serviceUrl)) return false;
        return service.layerId === undefined || hosted.layers.has(service.layerId);
      }
    }
  };

  for (const id of options.clonedIds) {
    const item = state.items.get(id);
    if (!item) {
      out.unresolved.push(`${id}: the cloned item is missing`);
      continue;
    }
    const spec = itemTypeOf(item.json);
    const parts = liveParts(item);
    for (const ref of findReferences(spec, parts)) {
      out.references.push({ itemId: id, ref });
      if (ref.listOnly) continue;
      if (!resolves(ref) && !options.expectedUnresolved(item, ref)) out.unresolved.push(`"${item.json.title}" ${ref.part}${ref.resource ? ` ${ref.resource}` : ''} ${ref.path} ${ref.kind} ${ref.value}`);
    }
    // Nothing names the source: its origin in any URL, its item or group ids as whole tokens (list-only parts aside).
    const listOnly = new Set((spec?.listOnly ?? []).map((l) => l.part));
    for (const part of parts) {
      if (listOnly.has(part.part)) continue;
      const where = `"${item.json.title}" ${part.part}${part.resource ? ` ${part.resource}` : ''}`;
      const visit = (path: (string | number)[], text: string) => {
        for (const m of text.matchAll(/https?:\/\/[^\s"'<>()]+/gi)) {
          try {
            if (new URL(m[0]).origin === options.source.origin) out.mentionsOfSource.push(`${where} ${path.join('.')}: ${m[0]}`);
          } catch {
            // not a URL after all
          }
        }
        for (const m of text.matchAll(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi)) {
          if (sourceIds.has(m[0].toLowerCase()) && !state.items.has(m[0].toLowerCase())) out.mentionsOfSource.push(`${where} ${path.join('.')}: ${m[0]}`);
        }
      };
      if (part.json !== undefined) walkStrings(part.json, visit);
      else if (part.text !== undefined) visit([], part.text);
    }
  }
  return out;
}
