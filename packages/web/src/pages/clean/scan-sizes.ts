// What a storage scan's summary says of its sizes, in words (search gives none: they come from the owners' content
// listings or the items themselves). Free of Calcite so that it can be tested alone.
import { formatCount } from '../../components/units';

/** Where a storage scan's sizes came from (search gives none): the owners' content listings, the items themselves, or unknown. */
export function sizesFromText(summary: Record<string, unknown> | null | undefined): { text: string; unknown: number } | null {
  const from = summary?.sizesFrom;
  if (typeof from !== 'object' || from === null) return null;
  const count = (key: string) => {
    const value = (from as Record<string, unknown>)[key];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
  };
  const parts = [`${formatCount(count('contentListing'))} from the owners' content listings`, `${formatCount(count('itemRequest'))} from the items themselves`];
  if (count('unknown') > 0) parts.push(`${formatCount(count('unknown'))} not known`);
  return { text: parts.join(', '), unknown: count('unknown') };
}
