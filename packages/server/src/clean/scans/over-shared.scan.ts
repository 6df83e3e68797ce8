import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, forEachReporting, groupTarget, itemTarget, isRecoverable, type ScanContext, type ScanFunction } from './scan-context.js';
import { describeSources, publicReadOnlyView, viewSourcesOf } from './view-sharing.js';

const EDIT_CAPABILITIES = ['create', 'update', 'delete'];

/**
 * Items shared with everyone; public hosted feature layers whose service lets anonymous users add, update or delete
 * features (ArcGIS applies a public layer's editing capabilities to anonymous users; one service request per public
 * hosted layer); public groups.
 */
export const scanOverShared: ScanFunction = async (ctx) => {
  const o = ctx.options;
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  // A public hosted layer of the organization: its service URL (never the URL of an item that only claims to be one).
  const publicLayerUrl = async (item: IItem) => (item.access === 'public' ? ctx.reader.hostedServiceUrl(item) : undefined);
  if (o.publicEditable) {
    // Each public hosted layer's service is asked for as soon as the listing reaches it (the first also fetches the
    // server's token), not after the whole listing; failures are reported below, where the answers are read.
    ctx.reader.onItemBatch((batch) => {
      for (const item of batch) {
        publicLayerUrl(item)
          .then((url) => (url ? ctx.reader.serviceInfo(url) : undefined))
          .catch(() => undefined);
      }
    });
  }
  const [items, groups] = await Promise.all([o.publicItems || o.publicEditable ? ctx.reader.items() : [], o.publicGroups ? ctx.reader.groups() : []]);
  const findings: Finding[] = [];
  const publicItems = items.filter((item) => item.access === 'public');
  if (o.publicItems) {
    for (const item of publicItems) {
      const target = itemTarget(ctx, item);
      findings.push({
        key: findingKey('over-shared', 'public', target),
        scanType: 'over-shared',
        target,
        code: 'public',
        message: `Is shared with everyone (public), including anonymous users.`,
        severity: 'warning',
        details: { access: item.access }
      });
    }
  }
  if (o.publicEditable) findings.push(...(await publicEditable(ctx, publicItems, publicLayerUrl, new Map(items.map((i) => [i.id, i])))));
  for (const group of groups) {
    if (group.access !== 'public') continue;
    const target = groupTarget(ctx, group);
    findings.push({
      key: findingKey('over-shared', 'public-group', target),
      scanType: 'over-shared',
      target,
      code: 'public-group',
      message: 'Is a public group: anyone can see it and the items shared with it that are public.',
      severity: 'warning',
      details: { access: group.access }
    });
  }
  const count = (code: string) => findings.filter((f) => f.code === code).length;
  return { findings, summary: { itemsChecked: items.length, groupsChecked: groups.length, public: count('public'), publicEditable: count('public-editable'), publicViews: count('public-view'), publicGroups: count('public-group') } };
};

/** Public hosted layers whose service lets anonymous users add, update or delete features (one service request each). */
async function publicEditable(ctx: ScanContext, publicItems: IItem[], publicLayerUrl: (item: IItem) => Promise<string | undefined>, byId: ReadonlyMap<string, IItem>): Promise<Finding[]> {
  const findings: Finding[] = [];
  const layers: { item: IItem; url: string }[] = [];
  for (const item of publicItems) {
    const url = await publicLayerUrl(item);
    if (url) layers.push({ item, url });
  }
  await forEachReporting(layers, 'public layers', ctx, async ({ item, url }) => {
    let info: Awaited<ReturnType<typeof ctx.reader.serviceInfo>>;
    try {
      info = await ctx.reader.serviceInfo(url);
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
      ctx.reader.problems.push(`The service of "${item.title}" (${item.id}) could not be read to check its editing: ${(error as Error).message}`);
      return;
    }
    const capabilities = String(info?.capabilities ?? '')
      .split(',')
      .map((c) => c.trim().toLowerCase());
    const edits = EDIT_CAPABILITIES.filter((c) => capabilities.includes(c) && info?.isUpdatableView !== false);
    // A view is reported for what it exposes of its source, whatever the source's own sharing (view-sharing.ts).
    const sources = info?.isView === true ? await viewSourcesOf(ctx, item, url, byId) : undefined;
    if (edits.length === 0) {
      const readOnlyView = sources ? publicReadOnlyView(ctx, item, sources) : undefined;
      if (readOnlyView) findings.push(readOnlyView);
      return;
    }
    const target = itemTarget(ctx, item);
    const verbs = edits.map((e) => (e === 'create' ? 'add' : e)).join(', ');
    findings.push({
      key: findingKey('over-shared', 'public-editable', target),
      scanType: 'over-shared',
      target,
      code: 'public-editable',
      message: sources
        ? `Is a public view of ${describeSources(sources)} and lets anyone ${verbs} features of that layer through it without signing in.`
        : `Is public and its layers allow anyone to ${verbs} features without signing in.`,
      severity: 'critical',
      details: { capabilities: info?.capabilities ?? null, url: item.url, ...(sources ? { view: { editable: true, sources } } : {}) }
    });
  });
  return findings;
}
