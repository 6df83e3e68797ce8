import { createHash } from 'node:crypto';
import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, forEachReporting, itemTarget, isRecoverable, type ScanFunction } from './scan-context.js';

/** Types whose "data" is a service behind a URL, not content of the item: nothing to compare. */
const SERVICE_TYPES = /Service$|^(WMS|WMTS|WFS|KML|Map Service|Image Service|Vector Tile Service|Scene Service|Stream Service|Geocoding Service|Geoprocessing Service|Application)$/;

/**
 * Items with the same title (case and spacing ignored), type and owner; and items whose data (a file or JSON) is
 * byte-for-byte identical (SHA-256 of each item's data: one request per item that can hold data). Every member of a
 * set is reported, each naming the others, so people choose which one to keep; `details.oldest` marks the original.
 */
export const scanDuplicates: ScanFunction = async (ctx) => {
  const o = ctx.options;
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const findings: Finding[] = [];
  const report = (code: 'same-title' | 'same-data', sets: IItem[][], why: (set: IItem[]) => string) => {
    for (const set of sets) {
      const sorted = [...set].sort((a, b) => Number(a.created ?? 0) - Number(b.created ?? 0) || a.id.localeCompare(b.id));
      const oldest = sorted[0]!;
      for (const item of sorted) {
        const others = sorted.filter((other) => other !== item);
        const target = itemTarget(ctx, item);
        findings.push({
          key: findingKey('duplicates', code, target),
          scanType: 'duplicates',
          target,
          code,
          message: `${why(sorted)}: ${others.map((other) => `"${other.title}" (${other.id})`).join(', ')}${item === oldest ? '. This is the oldest.' : '.'}`,
          severity: 'info',
          details: { set: sorted.map((s) => s.id), duplicates: others.map((s) => s.id), oldest: item === oldest }
        });
      }
    }
  };

  let sameTitleSets = 0;
  if (o.byTitle) {
    const groups = new Map<string, IItem[]>();
    for (const item of items) {
      const key = `${String(item.owner).toLowerCase()}\u0000${item.type}\u0000${String(item.title ?? '').trim().replace(/\s+/g, ' ').toLowerCase()}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const sets = [...groups.values()].filter((set) => set.length > 1);
    sameTitleSets = sets.length;
    report('same-title', sets, (set) => `Has the same title, type and owner as ${set.length - 1} other item${set.length > 2 ? 's' : ''}`);
  }

  let compared = 0;
  let skippedLarge = 0;
  let sameDataSets = 0;
  if (o.byData) {
    const limit = Number(o.maxDataMb) * 1024 * 1024;
    // Search answers size -1: the sizes come from the owners' content listings (an item none gives is compared).
    const { sizes } = await ctx.reader.listedSizes();
    const candidates = items.filter((item) => {
      if (SERVICE_TYPES.test(item.type)) return false;
      if ((sizes.get(item.id) ?? 0) > limit) {
        skippedLarge++;
        return false;
      }
      return true;
    });
    const byHash = new Map<string, IItem[]>();
    await forEachReporting(candidates, 'data', ctx, async (item) => {
      let data: Awaited<ReturnType<typeof ctx.reader.itemData>>;
      try {
        data = await ctx.reader.itemData(item.id);
      } catch (error) {
        if (!isRecoverable(error, ctx)) throw error;
        ctx.reader.problems.push(`The data of "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
        return;
      }
      if (!data || data.bytes.length === 0) return;
      compared++;
      const hash = createHash('sha256').update(data.bytes).digest('hex');
      byHash.set(hash, [...(byHash.get(hash) ?? []), item]);
    });
    const sets = [...byHash.values()].filter((set) => set.length > 1);
    sameDataSets = sets.length;
    report('same-data', sets, (set) => `Has data identical to ${set.length - 1} other item${set.length > 2 ? 's' : ''}`);
  }
  return { findings, summary: { itemsChecked: items.length, sameTitleSets, sameDataSets, dataCompared: compared, tooLargeToCompare: skippedLarge } };
};
