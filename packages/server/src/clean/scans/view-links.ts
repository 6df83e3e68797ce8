/**
 * Broken links of hosted feature layer views and Survey123 forms, for the broken-links scan:
 * - a view whose source is gone: `<view>/sources` (rest-js getViewSources) lists no service, or names one that no
 *   longer answers (the view then shows nothing, and no restore can make it again without its source);
 * - a form whose service is gone: the service and view URLs its survey package names (the XForm's submission URL,
 *   the `.info` service, the XLSForm's `submission_url`) and the service item id of its `.info`, checked like any other
 *   reference.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { getViewSources } from '../../arcgis/feature-service/index.js';
import { hostedServiceUrl } from '../../arcgis/item-classifier.js';
import type { OrgOrigins } from '../../arcgis/org-origins.js';
import { packageTexts } from '../../restore/index.js';
import type { Finding } from '../clean.types.js';
import type { DataReference } from '../references.js';
import { findingKey, forEachReporting, isRecoverable, itemTarget, type ScanContext } from './scan-context.js';

const SERVICE_URL = /https?:\/\/[^\s"'<>\\]+?\/FeatureServer(?:\/\d+)?(?=[\s"'<>\\/?#]|$)/gi;
const ITEM_ID = /^[0-9a-f]{32}$/i;

/** Whether the item is a hosted feature layer view (ArcGIS gives view items the `View Service` type keyword). */
export function isViewItem(item: IItem): boolean {
  return (item.typeKeywords ?? []).some((k) => k.toLowerCase() === 'view service');
}

/** The references a Survey123 form's package holds: service and view URLs, and the service item of its `.info`. */
export async function formReferences(bytes: Buffer): Promise<DataReference[]> {
  const refs: DataReference[] = [];
  const seen = new Set<string>();
  for (const { name, text } of await packageTexts(bytes)) {
    for (const match of text.matchAll(SERVICE_URL)) {
      const url = match[0];
      if (seen.has(`${name} ${url.toLowerCase()}`)) continue;
      seen.add(`${name} ${url.toLowerCase()}`);
      refs.push({ path: name, url });
    }
    if (/\.info$/i.test(name)) {
      try {
        const info = JSON.parse(text) as { serviceInfo?: { itemId?: unknown } };
        const itemId = info.serviceInfo?.itemId;
        if (typeof itemId === 'string' && ITEM_ID.test(itemId)) refs.push({ path: `${name} serviceInfo.itemId`, itemId: itemId.toLowerCase() });
      } catch {
        // Not JSON: nothing to follow.
      }
    }
  }
  return refs;
}

/** Views of the organization whose source is gone (one `/sources` request per view item). */
export async function brokenViews(ctx: ScanContext, items: IItem[], origins: OrgOrigins): Promise<{ findings: Finding[]; checked: number }> {
  const findings: Finding[] = [];
  const views = items.map((item) => ({ item, url: isViewItem(item) ? hostedServiceUrl(item, origins) : undefined })).filter((v): v is { item: IItem; url: string } => v.url !== undefined);
  await forEachReporting(views, 'views', ctx, async ({ item, url }) => {
    let sources: Awaited<ReturnType<typeof getViewSources>>;
    try {
      sources = await getViewSources({ session: ctx.reader.session, url });
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
      ctx.reader.problems.push(`The sources of the view "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
      return;
    }
    const gone: string[] = [];
    for (const source of sources) {
      if (typeof source.url !== 'string' || !origins.serverOf(source.url)) continue;
      if (!(await ctx.reader.serviceInfo(source.url))) gone.push(source.url);
    }
    if (sources.length > 0 && gone.length === 0) return;
    const target = itemTarget(ctx, item);
    findings.push({
      key: findingKey('broken-links', 'view-source-missing', target),
      scanType: 'broken-links',
      target,
      code: 'view-source-missing',
      message:
        gone.length > 0
          ? `Is a hosted feature layer view, but its source ${gone.join(', ')} no longer exists: the view shows nothing.`
          : 'Is a hosted feature layer view, but its source no longer exists: the view shows nothing.',
      severity: 'critical',
      details: { url, sources: sources.map((s) => s.url ?? null), missingSources: gone }
    });
  });
  return { findings, checked: views.length };
}
