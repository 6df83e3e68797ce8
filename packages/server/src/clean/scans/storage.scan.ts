import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, forEachReporting, isHostedFeatureService, isRecoverable, itemTarget, portalLink, type ScanContext, type ScanFunction } from './scan-context.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
/**
 * ArcGIS Online storage rates ("Understand credits", credits by capability; Esri Support article 000021500, "As of July
 * 2019, the cost of feature storage ... is 2.4 credits per 10 MB stored per month"): hosted feature layers cost 2.4
 * credits per 10 MB per month; everything else (files, attachments, tiles, feature collections) 1.2 credits per 1 GB
 * per month. Both are charged hourly, so these are the cost of a month at the current size. ArcGIS Enterprise has no credits.
 */
export const FEATURE_CREDITS_PER_10MB_MONTH = 2.4;
export const FILE_CREDITS_PER_GB_MONTH = 1.2;

export type StorageKind = 'feature' | 'file';

export function storageKind(item: Pick<IItem, 'type' | 'typeKeywords'>): StorageKind {
  return isHostedFeatureService(item) ? 'feature' : 'file';
}

export function monthlyCredits(bytes: number, kind: StorageKind): number {
  const credits = kind === 'feature' ? (bytes / (10 * MB)) * FEATURE_CREDITS_PER_10MB_MONTH : (bytes / GB) * FILE_CREDITS_PER_GB_MONTH;
  return Math.round(credits * 1000) / 1000;
}

/** Where an item's size came from: its owner's content listing, the item itself, or nowhere (counted as 0). */
export type SizeSource = 'listing' | 'item' | 'unknown';

/**
 * The items' sizes. Search answers -1 (arcgis/portal/listed-sizes.ts), so they come from the owners' content listings;
 * an item no listing has (its owner's listing refused, or the item added or moved since) is asked itself, at most
 * `maxLookups` of them, and the rest stay unknown (0, and counted in the summary).
 */
async function itemSizes(ctx: ScanContext, items: readonly IItem[], maxLookups: number): Promise<Map<string, { bytes: number; from: SizeSource }>> {
  const listed = await ctx.reader.listedSizes();
  const sizes = new Map<string, { bytes: number; from: SizeSource }>();
  const missing: IItem[] = [];
  for (const item of items) {
    const bytes = listed.sizes.get(item.id);
    if (bytes !== undefined) sizes.set(item.id, { bytes, from: 'listing' });
    // Listed without a size: the item GET gives the same Item fields (listed-sizes.ts), so it is not asked.
    else if (!listed.listed.has(item.id)) missing.push(item);
  }
  await forEachReporting(missing.slice(0, maxLookups), 'sizes', ctx, async (item) => {
    try {
      const found = await ctx.reader.lookupItem(item.id);
      const bytes = Number(found?.size);
      if (found && Number.isFinite(bytes) && bytes >= 0) sizes.set(item.id, { bytes, from: 'item' });
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
    }
  });
  for (const item of items) if (!sizes.has(item.id)) sizes.set(item.id, { bytes: 0, from: 'unknown' });
  return sizes;
}

/** The largest items and owners with their estimated monthly credit cost, from the sizes the owners' content listings give. */
export const scanStorage: ScanFunction = async (ctx) => {
  const o = ctx.options;
  const online = ctx.platform === 'online';
  const minItem = Number(o.minItemMb) * MB;
  const minOwner = Number(o.minOwnerMb) * MB;
  const top = Number(o.top);
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const sizes = await itemSizes(ctx, items, Number(o.maxSizeLookups));
  const sizeOf = (item: IItem) => sizes.get(item.id)!.bytes;
  const findings: Finding[] = [];
  const owners = new Map<string, { owner: string; items: number; featureBytes: number; fileBytes: number }>();
  const totals = { featureBytes: 0, fileBytes: 0 };
  const credits = (bytes: number, kind: StorageKind) => (online ? monthlyCredits(bytes, kind) : null);
  for (const item of items) {
    const size = sizeOf(item);
    const kind = storageKind(item);
    const entry = owners.get(item.owner) ?? { owner: item.owner, items: 0, featureBytes: 0, fileBytes: 0 };
    entry.items++;
    if (kind === 'feature') entry.featureBytes += size;
    else entry.fileBytes += size;
    owners.set(item.owner, entry);
    if (kind === 'feature') totals.featureBytes += size;
    else totals.fileBytes += size;
    if (size < minItem || size === 0) continue;
    const target = itemTarget(ctx, item);
    const cost = credits(size, kind);
    findings.push({
      key: findingKey('storage', 'large-item', target),
      scanType: 'storage',
      target,
      code: 'large-item',
      message: `Uses ${formatBytes(size)} of ${kind === 'feature' ? 'hosted feature' : 'file'} storage${cost === null ? '' : `, about ${cost} credits a month`}.`,
      severity: 'info',
      details: { sizeBytes: size, sizeFrom: sizes.get(item.id)!.from, storage: kind, creditsPerMonth: cost }
    });
  }
  const ownerList = [...owners.values()].map((e) => ({
    ...e,
    totalBytes: e.featureBytes + e.fileBytes,
    creditsPerMonth: online ? Math.round((monthlyCredits(e.featureBytes, 'feature') + monthlyCredits(e.fileBytes, 'file')) * 1000) / 1000 : null
  }));
  ownerList.sort((a, b) => b.totalBytes - a.totalBytes || a.owner.localeCompare(b.owner));
  for (const owner of ownerList) {
    if (owner.totalBytes < minOwner || owner.totalBytes === 0) continue;
    const target = { kind: 'user' as const, id: owner.owner, title: owner.owner, owner: owner.owner, portalUrl: portalLink(ctx.portalUrl, 'user', owner.owner) };
    findings.push({
      key: findingKey('storage', 'large-owner', target),
      scanType: 'storage',
      target,
      code: 'large-owner',
      message: `Owns ${owner.items} items using ${formatBytes(owner.totalBytes)} (${formatBytes(owner.featureBytes)} hosted feature, ${formatBytes(owner.fileBytes)} file storage)${owner.creditsPerMonth === null ? '' : `, about ${owner.creditsPerMonth} credits a month`}.`,
      severity: 'info',
      details: { items: owner.items, totalBytes: owner.totalBytes, featureBytes: owner.featureBytes, fileBytes: owner.fileBytes, creditsPerMonth: owner.creditsPerMonth }
    });
  }
  const largest = [...items].sort((a, b) => sizeOf(b) - sizeOf(a)).slice(0, top);
  const from = { listing: 0, item: 0, unknown: 0 };
  for (const size of sizes.values()) from[size.from]++;
  return {
    findings,
    summary: {
      itemsChecked: items.length,
      featureBytes: totals.featureBytes,
      fileBytes: totals.fileBytes,
      creditsPerMonth: online ? Math.round((monthlyCredits(totals.featureBytes, 'feature') + monthlyCredits(totals.fileBytes, 'file')) * 1000) / 1000 : null,
      rates: { featureCreditsPer10MbMonth: FEATURE_CREDITS_PER_10MB_MONTH, fileCreditsPerGbMonth: FILE_CREDITS_PER_GB_MONTH },
      // Where the sizes came from: search reports none (-1), so each owner's content listing, else the item itself.
      sizesFrom: { contentListing: from.listing, itemRequest: from.item, unknown: from.unknown },
      largestItems: largest.map((item) => ({ id: item.id, title: item.title, type: item.type, owner: item.owner, sizeBytes: sizeOf(item), storage: storageKind(item), creditsPerMonth: credits(sizeOf(item), storageKind(item)) })),
      largestOwners: ownerList.slice(0, top)
    }
  };
};

export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(2)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}
