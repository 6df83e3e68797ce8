import type { Finding } from '../clean.types.js';
import { DAY_MS, daysBetween, findingKey, iso, itemTarget, type ScanFunction, type ViewCount } from './scan-context.js';

/**
 * Items not modified for N days that nobody views: `numViews` 0, or unchanged since an earlier scan at least N days
 * ago (ArcGIS keeps only a running total of views, so "not viewed for N days" needs the counts of earlier scans,
 * which every run of this scan records).
 */
export const scanStaleItems: ScanFunction = async (ctx) => {
  const days = Number(ctx.options.days);
  const types = new Set((ctx.options.types as string[]).map((t) => t.toLowerCase()));
  const owners = new Set((ctx.options.owners as string[]).map((o) => o.toLowerCase()));
  const cutoff = ctx.now - days * DAY_MS;
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const findings: Finding[] = [];
  const viewCounts = new Map<string, ViewCount>();
  const nowIso = new Date(ctx.now).toISOString();
  for (const item of items) {
    const views = Number(item.numViews ?? 0);
    const previous = ctx.viewHistory.get(item.id);
    // Views by people: what ArcGIS counts, less every read of the item by OrgKeeper's own scans.
    const ownReads = previous?.ownReads ?? 0;
    const byPeople = Math.max(0, views - ownReads);
    const neverViewed = byPeople === 0;
    const unchanged = !!previous && previous.numViews >= 0 && byPeople === previous.numViews;
    const since = unchanged ? previous.since : nowIso;
    viewCounts.set(item.id, { numViews: byPeople, since, ownReads });
    if (types.size > 0 && !types.has(String(item.type).toLowerCase())) continue;
    if (owners.size > 0 && !owners.has(String(item.owner).toLowerCase())) continue;
    const modified = Number(item.modified ?? 0);
    if (!(modified > 0 && modified <= cutoff)) continue;
    const unchangedSince = Date.parse(since);
    const notViewed = neverViewed || (unchanged && unchangedSince <= cutoff);
    if (!notViewed) continue;
    const age = daysBetween(modified, ctx.now);
    const why =
      neverViewed
        ? 'has never been viewed'
        : `has had the same ${byPeople} views since ${since.slice(0, 10)} (${daysBetween(unchangedSince, ctx.now)} days)`;
    const target = itemTarget(ctx, item);
    findings.push({
      key: findingKey('stale-items', 'stale', target),
      scanType: 'stale-items',
      target,
      code: 'stale',
      message: `Not modified for ${age} days and ${why}.`,
      severity: 'warning',
      details: { modified: iso(modified), daysSinceModified: age, numViews: views, viewsByOrgKeeper: ownReads, viewsUnchangedSince: neverViewed ? null : since, thresholdDays: days }
    });
  }
  return { findings, summary: { itemsChecked: items.length, stale: findings.length, thresholdDays: days }, viewCounts };
};
