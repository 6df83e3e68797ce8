/**
 * The contract between scans (what they find) and fixes (what is done about it). A scan runs as an operation of kind
 * `scan` and stores its findings; fixes act on stored findings. Both sides import only these types.
 */

export type ScanType =
  | 'stale-items'
  | 'inactive-users'
  | 'broken-links'
  | 'text-search'
  | 'missing-metadata'
  | 'over-shared'
  | 'duplicates'
  | 'groups'
  | 'storage';

export const SCAN_TYPES: readonly ScanType[] = [
  'stale-items',
  'inactive-users',
  'broken-links',
  'text-search',
  'missing-metadata',
  'over-shared',
  'duplicates',
  'groups',
  'storage'
];

/** What a finding is about. Ids are ArcGIS ids (item id, group id) or the username for users. */
export interface FindingTarget {
  kind: 'item' | 'user' | 'group';
  id: string;
  /** Item or group title, or the user's full name (untrusted text from ArcGIS: escape when shown). */
  title: string;
  /** Item type, user role or `group`. */
  type?: string;
  /** The owner (items, groups) or the username (users). */
  owner?: string;
  /** Folder id of an item (null: the owner's root folder). */
  folderId?: string | null;
  /** A link to it in the portal (item details, user profile, group page). */
  portalUrl?: string;
}

export interface Finding {
  /** Stable within a scan kind: the same problem on the same target gets the same key in every scan (compare, allowlist). */
  key: string;
  /** Database id of this finding row (set once stored). */
  id?: string;
  scanId?: string;
  scanType: ScanType;
  target: FindingTarget;
  /** Short machine code of the problem, e.g. `stale`, `never-logged-in`, `broken-layer`, `public-editable`. */
  code: string;
  /** One sentence for people: what is wrong and why it was reported. */
  message: string;
  /** Where exactly, e.g. `operationalLayers[0]`, `description`, `field ALIAS of layer 0`. */
  where?: string;
  severity: 'info' | 'warning' | 'critical';
  /** Scan-specific facts (days since modified, size in bytes, matched text, broken URL...). */
  details?: Record<string, unknown>;
}

/** Fix actions (`orgkeeper fix --action ACTION`). */
export type FixAction =
  | 'delete-items'
  | 'reassign'
  | 'move'
  | 'unshare'
  | 'protect'
  | 'add-tags'
  | 'mark-deprecated'
  | 'disable-users'
  | 'transfer-and-delete-user'
  | 'notify-owners';
