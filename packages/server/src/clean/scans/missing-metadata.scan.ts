import type { IItem } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, itemTarget, type ScanFunction } from './scan-context.js';

/** Each documentation field an item should have: option name (the item JSON field), finding code, name for people. */
const FIELDS: { option: string; code: string; label: string; empty: (item: IItem) => boolean }[] = [
  { option: 'description', code: 'no-description', label: 'description', empty: (i) => blankText(i.description) },
  { option: 'snippet', code: 'no-summary', label: 'summary', empty: (i) => blankText(i.snippet) },
  { option: 'tags', code: 'no-tags', label: 'tags', empty: (i) => !(i.tags ?? []).some((t) => typeof t === 'string' && t.trim() !== '') },
  { option: 'thumbnail', code: 'no-thumbnail', label: 'thumbnail', empty: (i) => blankText(i.thumbnail as string | null | undefined) },
  { option: 'licenseInfo', code: 'no-license', label: 'terms of use', empty: (i) => blankText(i.licenseInfo as string | null | undefined) },
  { option: 'accessInformation', code: 'no-credits', label: 'credits', empty: (i) => blankText(i.accessInformation as string | null | undefined) }
];

/** Empty, or only markup and whitespace (an HTML description of `<div></div>` says nothing). */
function blankText(value: string | null | undefined): boolean {
  if (typeof value !== 'string') return true;
  return value.replace(/<[^>]*>/g, '').replace(/&nbsp;/gi, ' ').trim() === '';
}

/** Items without a description, summary, tags, thumbnail, terms of use or credits (each optional): one finding per missing field. */
export const scanMissingMetadata: ScanFunction = async (ctx) => {
  const types = new Set((ctx.options.types as string[]).map((t) => t.toLowerCase()));
  const checked = FIELDS.filter((f) => ctx.options[f.option] === true);
  ctx.progress({ phase: 'items', done: 0, total: 0 });
  const items = await ctx.reader.items();
  const findings: Finding[] = [];
  const byField: Record<string, number> = Object.fromEntries(checked.map((f) => [f.code, 0]));
  for (const item of items) {
    if (types.size > 0 && !types.has(String(item.type).toLowerCase())) continue;
    for (const field of checked) {
      if (!field.empty(item)) continue;
      const target = itemTarget(ctx, item);
      byField[field.code] = (byField[field.code] ?? 0) + 1;
      findings.push({
        key: findingKey('missing-metadata', field.code, target),
        scanType: 'missing-metadata',
        target,
        code: field.code,
        message: `Has no ${field.label}.`,
        where: field.option,
        severity: 'info',
        details: { field: field.option }
      });
    }
  }
  return { findings, summary: { itemsChecked: items.length, missing: byField } };
};
