import type { IItem } from '@esri/arcgis-rest-portal';
import type { OrgOrigins } from '../../arcgis/org-origins.js';
import type { Finding } from '../clean.types.js';
import { type ItemPart, itemTypeOf } from '../../item-types/index.js';
import { extractItemReferences, itemIdInUrl, parseServiceUrl, type DataReference } from '../references.js';
import { findingKey, forEachReporting, itemTarget, isRecoverable, REFERENCING_TYPES, type ScanContext, type ScanFunction } from './scan-context.js';
import { brokenViews, formReferences } from './view-links.js';

type Resolution =
  | { ok: true }
  | { ok: false; code: 'missing-item' | 'missing-service' | 'missing-layer'; reason: string }
  | { ok: 'external' };

/**
 * Maps and apps whose references no longer resolve. An item id resolves when the item is in the organization or
 * the portal answers for it; a URL resolves when it is in one of the organization's servers (the services directories
 * of the servers the portal itself lists: arcgis/org-origins.ts) and the service, and the layer or table it names,
 * exist. URLs outside the organization (Esri's basemaps, other agencies' services, and any URL a member gave an item,
 * whatever its type keywords) are not requested: they are counted, never reported.
 */
export const scanBrokenLinks: ScanFunction = async (ctx) => {
  const only = new Set((ctx.options.types as string[]).map((t) => t.toLowerCase()));
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  // The organization's servers are the ones its portal lists, never ones derived from items (any member can give an
  // item a URL on their own host and the "Hosted Service" keyword).
  const origins = await ctx.reader.origins();
  const links = new LinkChecker(ctx, items, origins);
  // The referencing types, Survey123 forms (they name their service and views inside their package: view-links.ts), and
  // every type the item-type catalogue knows references in (dashboards' Arcade, QuickCapture).
  const referencing = (item: IItem) => REFERENCING_TYPES.has(item.type) || item.type === 'Form' || (itemTypeOf(item)?.references.length ?? 0) > 0;
  const candidates = items.filter((item) => referencing(item) && (only.size === 0 || only.has(item.type.toLowerCase())));
  const findings: Finding[] = [];
  const counts = { references: 0, external: 0, unreadable: 0, unchecked: 0 };
  await forEachReporting(candidates, 'references', ctx, async (item: IItem) => {
    let data: Awaited<ReturnType<typeof ctx.reader.itemData>>;
    try {
      data = await ctx.reader.itemData(item.id);
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
      counts.unreadable++;
      ctx.reader.problems.push(`The data of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
      return;
    }
    let refs: Awaited<ReturnType<typeof formReferences>> | ReturnType<typeof extractItemReferences>;
    if (item.type === 'Form') refs = data ? await formReferences(data.bytes) : [];
    else {
      let resources: ItemPart[];
      try {
        resources = await ctx.reader.itemReferenceResources(item);
      } catch (error) {
        if (!isRecoverable(error, ctx)) throw error;
        counts.unreadable++;
        ctx.reader.problems.push(`The resources of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
        resources = [];
      }
      const parts: ItemPart[] = [...(data?.json !== undefined ? [{ part: 'data' as const, json: data.json }] : []), ...resources];
      if (parts.length === 0) return;
      refs = extractItemReferences(itemTypeOf(item), parts);
    }
    for (const ref of refs) {
      counts.references++;
      let problem: LinkProblem | 'external' | undefined;
      try {
        problem = await links.check(ref);
      } catch (error) {
        if (!isRecoverable(error, ctx)) throw error;
        // Not knowing is not "broken": the reference is reported as unchecked in the summary, never as a finding.
        counts.unchecked++;
        ctx.reader.problems.push(`${ref.path} of "${item.title}" (${item.id}) could not be checked: ${(error as Error).message}`);
        continue;
      }
      if (problem === 'external') counts.external++;
      else if (problem) findings.push(brokenLink(ctx, item, ref, problem));
    }
  });
  const views = only.size === 0 || only.has('feature service') ? await brokenViews(ctx, items, origins) : { findings: [], checked: 0 };
  findings.push(...views.findings);
  return {
    findings,
    summary: {
      itemsChecked: candidates.length,
      viewsChecked: views.checked,
      references: counts.references,
      externalReferencesNotChecked: counts.external,
      unreadable: counts.unreadable,
      referencesNotChecked: counts.unchecked,
      broken: findings.length,
      orgServerRoots: origins.servers.map((s) => s.servicesUrl)
    }
  };
};

interface LinkProblem {
  code: string;
  reason: string;
  itemMissing: boolean;
  urlBroken: boolean;
}

/** Whether references resolve: item ids against the listing (else the portal), URLs on the organization's servers. */
class LinkChecker {
  private readonly byId: Map<string, IItem>;
  private readonly portalOrigin: string;

  constructor(
    private readonly ctx: ScanContext,
    items: IItem[],
    private readonly origins: OrgOrigins
  ) {
    this.byId = new Map(items.map((item) => [item.id.toLowerCase(), item]));
    this.portalOrigin = new URL(ctx.portalUrl).origin.toLowerCase();
  }

  /** The reference's problem (the item id is checked first), 'external' when only an outside URL, or undefined. */
  async check(ref: DataReference): Promise<LinkProblem | 'external' | undefined> {
    const itemMissing = ref.itemId ? !(await this.resolveId(ref.itemId)) : false;
    const url = ref.url ? await this.resolveUrl(ref.url) : undefined;
    const urlBroken = !!url && url.ok === false;
    if (itemMissing) {
      const also = urlBroken && url && url.ok === false ? ` and ${url.reason}` : '';
      return { code: 'missing-item', reason: `item ${ref.itemId} does not exist or is not accessible${also}`, itemMissing, urlBroken };
    }
    if (url && url.ok === false) return { code: url.code, reason: url.reason, itemMissing, urlBroken };
    if (url && url.ok === 'external' && !ref.itemId) return 'external';
    return undefined;
  }

  private async resolveId(itemId: string): Promise<boolean> {
    return this.byId.has(itemId) || (await this.ctx.reader.lookupItem(itemId)) !== null;
  }

  private async resolveUrl(url: string): Promise<Resolution> {
    let origin: string;
    try {
      origin = new URL(url).origin.toLowerCase();
    } catch {
      return { ok: 'external' };
    }
    const contentId = itemIdInUrl(url);
    if (contentId && origin === this.portalOrigin) {
      return (await this.resolveId(contentId)) ? { ok: true } : { ok: false, code: 'missing-item', reason: `item ${contentId} does not exist` };
    }
    if (this.origins.serverOf(url) === undefined) return { ok: 'external' };
    const parsed = parseServiceUrl(url);
    if (!parsed) return { ok: true };
    const info = await this.ctx.reader.serviceInfo(parsed.serviceUrl);
    if (!info) return { ok: false, code: 'missing-service', reason: `the service ${parsed.serviceUrl} does not exist` };
    if (parsed.layerId !== undefined) {
      const known = [...(info.layers ?? []), ...(info.tables ?? [])].some((l) => l.id === parsed.layerId);
      if (!known) return { ok: false, code: 'missing-layer', reason: `the service has no layer or table ${parsed.layerId}` };
    }
    return { ok: true };
  }
}

function brokenLink(ctx: ScanContext, item: IItem, ref: DataReference, problem: LinkProblem): Finding {
  const target = itemTarget(ctx, item);
  const what = ref.title ? `"${ref.title}" ` : '';
  return {
    key: findingKey('broken-links', 'broken-reference', target, ref.path),
    scanType: 'broken-links',
    target,
    code: problem.code,
    message: `${item.type} references ${what}at ${ref.path}, but ${problem.reason}.`,
    where: ref.path,
    severity: 'critical',
    details: {
      path: ref.path,
      ...(ref.title ? { title: ref.title } : {}),
      ...(ref.itemId ? { itemId: ref.itemId, itemMissing: problem.itemMissing } : {}),
      ...(ref.url ? { url: ref.url, urlBroken: problem.urlBroken } : {})
    }
  };
}
