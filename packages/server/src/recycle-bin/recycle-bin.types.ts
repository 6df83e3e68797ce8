/**
 * The JSON the recycle bin API answers with (`/api/identities/:id/recycle-bin`). The web app imports these types, so
 * this file holds types only and imports nothing.
 */

/** An item in a member's recycle bin. Text fields come from ArcGIS and are untrusted. */
export interface RecycledItemView {
  id: string;
  title: string;
  type: string;
  owner: string;
  /** The folder it was deleted from (null: the root folder). */
  folderId: string | null;
  size: number | null;
  /**
   * Who deleted it and when, when OrgKeeper did (a Clean fix); ArcGIS's listing does not say, so null for items
   * deleted in ArcGIS itself.
   */
  deletedBy: { username: string; fixId: string } | null;
  deletedAt: string | null;
  /** The earliest time ArcGIS may purge it (deletedAt + 14 days), when deletedAt is known. */
  purgeAfter: string | null;
  /** The newest snapshot of this identity that holds the item (null: no backup does). */
  backupSnapshotId: string | null;
}

/** `GET /api/identities/:id/recycle-bin/status`: what the Clean and Restore pages say about deletes and undo. */
export interface RecycleBinStatus {
  identityId: string;
  supported: boolean;
  enabled: boolean;
  isEnterprise: boolean;
}

/** `GET /api/identities/:id/recycle-bin`. */
export interface RecycleBinView {
  identityId: string;
  /** ArcGIS Online with a recycle bin; false on Enterprise and Online organizations without one. */
  supported: boolean;
  /** Deletes go to the bin (it may still hold items when switched off since). */
  enabled: boolean;
  /** What to know when there is no bin, or nothing could be listed. */
  message: string | null;
  /** How long ArcGIS keeps an item at least (hours). */
  retentionHours: number;
  items: RecycledItemView[];
  /** Members whose bin could not be read, with ArcGIS's reason. */
  problems: { owner: string; error: string }[];
  /** Why backups could not be looked at (no File Location, unreadable store), or null. */
  backupNote: string | null;
}

/** One item of a restore from the bin. */
export interface RecycleBinRestoreItemResult {
  itemId: string;
  status: 'ok' | 'failed';
  error: string | null;
  /** Where it was put back (a folder id; null: the root folder). */
  folderId?: string | null;
}

/** `POST /api/identities/:id/recycle-bin/restore`. */
export interface RecycleBinRestoreResult {
  results: RecycleBinRestoreItemResult[];
  /** What the restored items do not have back (ArcGIS shares a restored item with its owner only). */
  note: string;
}
