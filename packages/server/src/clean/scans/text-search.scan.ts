import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { TextMatcher, type TextMatch } from '../text-matcher.js';
import { compileTextPattern, MAX_TEXT_CHARS } from '../text-pattern.js';
import { findingKey, forEachReporting, isHostedFeatureService, itemTarget, isRecoverable, type ScanContext, type ScanFunction } from './scan-context.js';

/** Item types whose data is JSON worth searching (maps, apps, dashboards, stories, forms, collections). */
export const JSON_DATA_TYPES = new Set([
  'Web Map',
  'Web Scene',
  'Web Mapping Application',
  'Dashboard',
  'StoryMap',
  'Web Experience',
  'Feature Collection',
  'Hub Site Application',
  'Hub Page',
  'Site Application',
  'Site Page',
  'Form',
  'Feature Service'
]);

/** At most this many matches are reported per item (the summary says when more were cut). */
const MAX_MATCHES_PER_ITEM = 50;

/** Titles, summaries, descriptions and tags go to the matching worker in batches of about this many texts or characters. */
const BATCH_TEXTS = 500;
const BATCH_CHARS = 2_000_000;

/** One text of an item to search, and where it is (shown in the finding). */
interface Place {
  item: IItem;
  where: string;
  value: string;
}

/**
 * A string or regular expression in titles, summaries, descriptions and tags (from the search results), in the JSON
 * data of JSON items (one data request each), and in the field names and aliases of hosted layers and tables (one
 * `<service>/layers` request per hosted feature service). Each finding says where it matched.
 *
 * Patterns run on RE2 (linear time) in a worker thread (text-matcher.ts); each text is searched up to
 * MAX_TEXT_CHARS characters, and the summary counts the texts that were longer (`textsCut`).
 */
export const scanTextSearch: ScanFunction = async (ctx) => {
  const o = ctx.options;
  const text = String(o.text);
  // Scans are validated when they are asked for; a schedule saved before a rule tightened is checked again here.
  const pattern = compileTextPattern(text, { regex: !!o.regex, caseSensitive: !!o.caseSensitive });
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const findings: Finding[] = [];
  const perItem = new Map<string, number>();
  let truncated = 0;
  let textsCut = 0;
  const add = ({ item, where, value }: Place, match: TextMatch) => {
    const n = perItem.get(item.id) ?? 0;
    if (n >= MAX_MATCHES_PER_ITEM) {
      truncated++;
      return;
    }
    perItem.set(item.id, n + 1);
    const target = itemTarget(ctx, item);
    const excerpt = excerptOf(value, match);
    findings.push({
      key: findingKey('text-search', 'match', target, where),
      scanType: 'text-search',
      target,
      code: 'match',
      message: `"${text}" found in ${where}: ${excerpt}`,
      where,
      severity: 'info',
      details: { where, match: excerpt }
    });
  };

  const matcher = new TextMatcher(pattern, ctx.signal);
  try {
    const search = async (places: readonly Place[]) => {
      const matches = await matcher.match(places.map((p) => p.value));
      places.forEach((place, i) => {
        if (place.value.length > MAX_TEXT_CHARS) textsCut++;
        const match = matches[i];
        if (match) add(place, match);
      });
    };

    const metadataTotal = items.length;
    let metadataDone = 0;
    let batch: Place[] = [];
    let batchChars = 0;
    const flush = async (itemsInBatch: number) => {
      await search(batch);
      batch = [];
      batchChars = 0;
      metadataDone += itemsInBatch;
      ctx.progress({ phase: 'searching titles, descriptions and tags', done: metadataDone, total: metadataTotal });
    };
    ctx.progress({ phase: 'searching titles, descriptions and tags', done: 0, total: metadataTotal });
    let itemsInBatch = 0;
    for (const item of items) {
      ctx.signal?.throwIfAborted();
      for (const place of metadataPlaces(item, o)) {
        batch.push(place);
        batchChars += Math.min(place.value.length, MAX_TEXT_CHARS);
      }
      itemsInBatch++;
      if (batch.length >= BATCH_TEXTS || batchChars >= BATCH_CHARS) {
        await flush(itemsInBatch);
        itemsInBatch = 0;
      }
    }
    await flush(itemsInBatch);

    let dataRead = 0;
    let layersRead = 0;
    const withData = o.inData ? items.filter((item) => JSON_DATA_TYPES.has(item.type)) : [];
    // Only the organization's own hosted layers are read (decided by URL, arcgis/item-classifier.ts); an item that
    // merely claims to be one is an external reference and is never requested.
    const hosted: { item: IItem; url: string }[] = [];
    if (o.inFields) {
      for (const item of items) {
        const url = isHostedFeatureService(item) ? await ctx.reader.hostedServiceUrl(item) : undefined;
        if (url !== undefined) hosted.push({ item, url });
      }
    }
    await forEachReporting([...withData.map((item) => ({ item, kind: 'data' as const, url: '' })), ...hosted.map(({ item, url }) => ({ item, kind: 'fields' as const, url }))], 'data', ctx, async ({ item, kind, url }) => {
      const places: Place[] = [];
      try {
        if (kind === 'data') {
          const data = await ctx.reader.itemData(item.id);
          dataRead++;
          if (data?.json !== undefined) walkJson(data.json, '', (path, value) => places.push({ item, where: `data ${path || '(root)'}`, value }));
        } else {
          const layers = await ctx.reader.serviceLayers(url);
          layersRead++;
          for (const layer of [...(layers.layers ?? []), ...(layers.tables ?? [])]) {
            for (const field of layer.fields ?? []) {
              const place = `layer ${layer.id} "${layer.name}"`;
              places.push({ item, where: `field ${field.name} of ${place}`, value: field.name });
              if (field.alias && field.alias !== field.name) places.push({ item, where: `alias of field ${field.name} of ${place}`, value: field.alias });
            }
          }
        }
      } catch (error) {
        if (!isRecoverable(error, ctx)) throw error;
        ctx.reader.problems.push(`${kind === 'data' ? 'The data' : 'The layers'} of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
        return;
      }
      await search(places);
    });
    findings.sort((a, b) => a.key.localeCompare(b.key));
    return {
      findings,
      summary: { itemsChecked: items.length, dataRead, servicesRead: layersRead, matches: findings.length, matchesNotReported: truncated, textsCut, textLimit: MAX_TEXT_CHARS }
    };
  } finally {
    await matcher.close();
  }
};

/** The title, summary, description and tags of an item that the options ask to search. */
function metadataPlaces(item: IItem, o: ScanContext['options']): Place[] {
  const places: Place[] = [];
  if (o.inTitle && item.title) places.push({ item, where: 'title', value: item.title });
  if (o.inSummary && item.snippet) places.push({ item, where: 'summary', value: item.snippet });
  if (o.inDescription && item.description) places.push({ item, where: 'description', value: item.description });
  if (o.inTags) for (const tag of item.tags ?? []) if (typeof tag === 'string' && tag) places.push({ item, where: `tag "${tag}"`, value: tag });
  return places;
}

/** The match with up to 40 characters of context on each side. */
function excerptOf(value: string, match: TextMatch): string {
  const from = Math.max(0, match.start - 40);
  const to = Math.min(value.length, match.end + 40);
  return `${from > 0 ? '…' : ''}${value.slice(from, to)}${to < value.length ? '…' : ''}`;
}

/** Calls `visit` for every string value in a JSON document, with its path. */
function walkJson(node: unknown, path: string, visit: (path: string, value: string) => void, depth = 0): void {
  if (depth > 64) return;
  if (typeof node === 'string') visit(path, node);
  else if (Array.isArray(node)) node.forEach((child, i) => walkJson(child, `${path}[${i}]`, visit, depth + 1));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const child = path ? `${path}.${key}` : key;
      walkJson(value, child, visit, depth + 1);
    }
  }
}
