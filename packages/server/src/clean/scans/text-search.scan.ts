import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, forEachReporting, isHostedFeatureService, itemTarget, isRecoverable, type ScanFunction } from './scan-context.js';
import { regexProblem } from '../scan-options.js';

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

/**
 * A string or regular expression in titles, summaries, descriptions and tags (from the search results), in the JSON
 * data of JSON items (one data request each), and in the field names and aliases of hosted layers and tables (one
 * `<service>/layers` request per hosted feature service). Each finding says where it matched.
 */
export const scanTextSearch: ScanFunction = async (ctx) => {
  const o = ctx.options;
  const matcher = buildMatcher(String(o.text), !!o.regex, !!o.caseSensitive);
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const findings: Finding[] = [];
  const perItem = new Map<string, number>();
  let truncated = 0;
  const add = (item: IItem, where: string, value: string) => {
    const n = perItem.get(item.id) ?? 0;
    if (n >= MAX_MATCHES_PER_ITEM) {
      truncated++;
      return;
    }
    perItem.set(item.id, n + 1);
    const target = itemTarget(ctx, item);
    const excerpt = matcher.excerpt(value);
    findings.push({
      key: findingKey('text-search', 'match', target, where),
      scanType: 'text-search',
      target,
      code: 'match',
      message: `"${String(o.text)}" found in ${where}: ${excerpt}`,
      where,
      severity: 'info',
      details: { where, match: excerpt }
    });
  };

  for (const item of items) {
    if (o.inTitle && item.title && matcher.test(item.title)) add(item, 'title', item.title);
    if (o.inSummary && item.snippet && matcher.test(item.snippet)) add(item, 'summary', item.snippet);
    if (o.inDescription && item.description && matcher.test(item.description)) add(item, 'description', item.description);
    if (o.inTags) for (const tag of item.tags ?? []) if (matcher.test(tag)) add(item, `tag "${tag}"`, tag);
  }
  let dataRead = 0;
  let layersRead = 0;
  const withData = o.inData ? items.filter((item) => JSON_DATA_TYPES.has(item.type)) : [];
  const hosted = o.inFields ? items.filter((item) => isHostedFeatureService(item) && typeof item.url === 'string') : [];
  await forEachReporting([...withData.map((item) => ({ item, kind: 'data' as const })), ...hosted.map((item) => ({ item, kind: 'fields' as const }))], 'data', ctx, async ({ item, kind }) => {
    try {
      if (kind === 'data') {
        const data = await ctx.reader.itemData(item.id);
        dataRead++;
        if (data?.json !== undefined) walkJson(data.json, '', (path, value) => {
            if (matcher.test(value)) add(item, `data ${path || '(root)'}`, value);
          });
      } else {
        const layers = await ctx.reader.serviceLayers(String(item.url));
        layersRead++;
        for (const layer of [...(layers.layers ?? []), ...(layers.tables ?? [])]) {
          for (const field of layer.fields ?? []) {
            const place = `layer ${layer.id} "${layer.name}"`;
            if (matcher.test(field.name)) add(item, `field ${field.name} of ${place}`, field.name);
            if (field.alias && field.alias !== field.name && matcher.test(field.alias)) add(item, `alias of field ${field.name} of ${place}`, field.alias);
          }
        }
      }
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
      ctx.reader.problems.push(`${kind === 'data' ? 'The data' : 'The layers'} of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
    }
  });
  findings.sort((a, b) => a.key.localeCompare(b.key));
  return { findings, summary: { itemsChecked: items.length, dataRead, servicesRead: layersRead, matches: findings.length, matchesNotReported: truncated } };
};

interface Matcher {
  test(value: string): boolean;
  excerpt(value: string): string;
}

function buildMatcher(text: string, regex: boolean, caseSensitive: boolean): Matcher {
  // Scans are validated when they are asked for; a schedule saved before a rule tightened is checked again here.
  const problem = regex ? regexProblem(text) : undefined;
  if (problem) throw new Error(problem);
  const pattern = new RegExp(regex ? text : text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), caseSensitive ? 'u' : 'iu');
  return {
    test: (value) => pattern.test(value),
    excerpt: (value) => {
      const m = pattern.exec(value);
      if (!m) return value.slice(0, 120);
      const from = Math.max(0, m.index - 40);
      const to = Math.min(value.length, m.index + m[0].length + 40);
      return `${from > 0 ? '…' : ''}${value.slice(from, to)}${to < value.length ? '…' : ''}`;
    }
  };
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
