import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { TextMatcher, type TextMatch } from '../text-matcher.js';
import { compileTextPattern, MAX_TEXT_CHARS } from '../text-pattern.js';
import { findingKey, forEachReporting, isHostedFeatureService, itemTarget, isRecoverable, JSON_DATA_TYPES, type ScanContext, type ScanFunction } from './scan-context.js';

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
  // Scans are validated when they are asked for; a schedule saved before a rule tightened is checked again here.
  const pattern = compileTextPattern(String(o.text), { regex: !!o.regex, caseSensitive: !!o.caseSensitive });
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const matcher = new TextMatcher(pattern, ctx.signal);
  try {
    const run = new TextSearch(ctx, matcher);
    await run.searchMetadata(items);
    const { dataRead, servicesRead } = await run.searchDataAndFields(items);
    const findings = run.findings.sort((a, b) => a.key.localeCompare(b.key));
    return {
      findings,
      summary: { itemsChecked: items.length, dataRead, servicesRead, matches: findings.length, matchesNotReported: run.truncated, textsCut: run.textsCut, textLimit: MAX_TEXT_CHARS }
    };
  } finally {
    await matcher.close();
  }
};

/** One text search: its findings, and what was cut (matches past the per-item limit, texts past MAX_TEXT_CHARS). */
class TextSearch {
  readonly findings: Finding[] = [];
  truncated = 0;
  textsCut = 0;
  private readonly perItem = new Map<string, number>();
  private readonly text: string;

  constructor(
    private readonly ctx: ScanContext,
    private readonly matcher: TextMatcher
  ) {
    this.text = String(ctx.options.text);
  }

  /** Titles, summaries, descriptions and tags, sent to the matcher in batches. */
  async searchMetadata(items: IItem[]): Promise<void> {
    const total = items.length;
    let done = 0;
    let batch: Place[] = [];
    let batchChars = 0;
    let itemsInBatch = 0;
    const flush = async () => {
      await this.search(batch);
      batch = [];
      batchChars = 0;
      done += itemsInBatch;
      itemsInBatch = 0;
      this.ctx.progress({ phase: 'searching titles, descriptions and tags', done, total });
    };
    this.ctx.progress({ phase: 'searching titles, descriptions and tags', done: 0, total });
    for (const item of items) {
      this.ctx.signal?.throwIfAborted();
      for (const place of metadataPlaces(item, this.ctx.options)) {
        batch.push(place);
        batchChars += Math.min(place.value.length, MAX_TEXT_CHARS);
      }
      itemsInBatch++;
      if (batch.length >= BATCH_TEXTS || batchChars >= BATCH_CHARS) await flush();
    }
    await flush();
  }

  /** The JSON data of JSON items and the fields of hosted layers (one request each); answers how many were read. */
  async searchDataAndFields(items: IItem[]): Promise<{ dataRead: number; servicesRead: number }> {
    const o = this.ctx.options;
    const read = { dataRead: 0, servicesRead: 0 };
    const withData = o.inData ? items.filter((item) => JSON_DATA_TYPES.has(item.type)) : [];
    // Only the organization's own hosted layers are read (decided by URL, arcgis/item-classifier.ts); an item that
    // merely claims to be one is an external reference and is never requested.
    const hosted: { item: IItem; url: string }[] = [];
    if (o.inFields) {
      for (const item of items) {
        const url = isHostedFeatureService(item) ? await this.ctx.reader.hostedServiceUrl(item) : undefined;
        if (url !== undefined) hosted.push({ item, url });
      }
    }
    const parts = [...withData.map((item) => ({ item, kind: 'data' as const, url: '' })), ...hosted.map(({ item, url }) => ({ item, kind: 'fields' as const, url }))];
    await forEachReporting(parts, 'data', this.ctx, async ({ item, kind, url }) => {
      let places: Place[];
      try {
        places = kind === 'data' ? await this.dataPlaces(item) : await this.fieldPlaces(item, url);
        if (kind === 'data') read.dataRead++;
        else read.servicesRead++;
      } catch (error) {
        if (!isRecoverable(error, this.ctx)) throw error;
        this.ctx.reader.problems.push(`${kind === 'data' ? 'The data' : 'The layers'} of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
        return;
      }
      await this.search(places);
    });
    return read;
  }

  /** Every string of the item's JSON data, with its path. */
  private async dataPlaces(item: IItem): Promise<Place[]> {
    const places: Place[] = [];
    const data = await this.ctx.reader.itemData(item.id);
    if (data?.json !== undefined) walkJson(data.json, '', (path, value) => places.push({ item, where: `data ${path || '(root)'}`, value }));
    return places;
  }

  /** The field names and aliases of every layer and table of the item's hosted service. */
  private async fieldPlaces(item: IItem, url: string): Promise<Place[]> {
    const places: Place[] = [];
    const layers = await this.ctx.reader.serviceLayers(url);
    for (const layer of [...(layers.layers ?? []), ...(layers.tables ?? [])]) {
      for (const field of layer.fields ?? []) {
        const place = `layer ${layer.id} "${layer.name}"`;
        places.push({ item, where: `field ${field.name} of ${place}`, value: field.name });
        if (field.alias && field.alias !== field.name) places.push({ item, where: `alias of field ${field.name} of ${place}`, value: field.alias });
      }
    }
    return places;
  }

  private async search(places: readonly Place[]): Promise<void> {
    const matches = await this.matcher.match(places.map((p) => p.value));
    places.forEach((place, i) => {
      if (place.value.length > MAX_TEXT_CHARS) this.textsCut++;
      const match = matches[i];
      if (match) this.add(place, match);
    });
  }

  private add({ item, where, value }: Place, match: TextMatch): void {
    const n = this.perItem.get(item.id) ?? 0;
    if (n >= MAX_MATCHES_PER_ITEM) {
      this.truncated++;
      return;
    }
    this.perItem.set(item.id, n + 1);
    const target = itemTarget(this.ctx, item);
    const excerpt = excerptOf(value, match);
    this.findings.push({
      key: findingKey('text-search', 'match', target, where),
      scanType: 'text-search',
      target,
      code: 'match',
      message: `"${this.text}" found in ${where}: ${excerpt}`,
      where,
      severity: 'info',
      details: { where, match: excerpt }
    });
  }
}

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
