// Why a backup of chosen items took an item along, in words for the snapshot's item list (never by colour alone).
import type { SnapshotItem } from '../../api/backup.api';
import { untrustedString } from '../../lib/untrusted-text';

/**
 * "taken along: service of survey Storm damage" (and "and 2 more" when more items need it), or null for an item that
 * was chosen or backed up whole. The title is ArcGIS's text: it is returned as text and must be rendered as text.
 */
export function takenAlongText(item: Pick<SnapshotItem, 'takenAlong'>): string | null {
  const taken = item.takenAlong;
  if (!taken) return null;
  const title = untrustedString(taken.title).trim() || taken.itemId;
  const more = taken.neededBy > 1 ? ` and ${taken.neededBy - 1} more` : '';
  return `taken along: ${taken.need} ${title}${more}`;
}
