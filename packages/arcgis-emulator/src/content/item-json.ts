import { canEditItem } from '../state/permissions.js';
import { type ItemRecord, type UserRecord } from '../state/types.js';

/**
 * The item JSON as `content/items/<id>` and `search` answer it for `user`. ArcGIS adds caller-dependent fields:
 * `itemControl` ('admin' for the owner and administrators) and `isOrgItem` (the item belongs to the caller's org).
 */
export function itemJsonFor(item: ItemRecord, user: UserRecord | null): Record<string, unknown> {
  const json: Record<string, unknown> = { ...item.json };
  if (canEditItem(user, item)) json.itemControl = 'admin';
  else delete json.itemControl;
  json.isOrgItem = !!user && user.orgId === item.json.orgId;
  return json;
}
