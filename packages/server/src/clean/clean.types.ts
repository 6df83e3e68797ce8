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

// ---- The JSON of the Clean REST API (clean.routes.ts). The web app imports these types: keep this file free of imports
// that need Node.

export type OptionKind = 'integer' | 'number' | 'boolean' | 'string' | 'string-list';
export type OptionValue = number | boolean | string | string[];
/** A scan's options by name, checked against its type's OptionSpecs (scan-options.ts). */
export type ScanOptions = Record<string, OptionValue>;

/** What a `scan` operation runs: the scan type and its options, defaults filled in (validateScanRequest). */
export interface ScanJobParams {
  type: ScanType;
  options: ScanOptions;
}

/** One option of a scan type, as `GET /api/clean/scan-types` publishes it (the web's options form is generated from these). */
export interface OptionSpec {
  name: string;
  kind: OptionKind;
  label: string;
  description: string;
  default?: OptionValue;
  required?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
}

export interface ScanTypeInfo {
  type: ScanType;
  title: string;
  description: string;
  options: OptionSpec[];
}

export type ScanStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A stored scan. */
export interface ScanView {
  id: string;
  identityId: string;
  operationId: string | null;
  type: ScanType;
  options: Record<string, OptionValue>;
  status: ScanStatus;
  message: string | null;
  summary: Record<string, unknown> | null;
  findings: number;
  allowlisted: number;
  requests: number;
  createdBy: string;
  startedAt: string;
  finishedAt: string | null;
}

/** A stored finding (its id and scan are always set). */
export interface FindingView extends Finding {
  id: string;
  scanId: string;
}

/** `GET /api/identities/:id/scans/:scanId/findings`: paged like ArcGIS search (1-based start, nextStart -1 on the last page). */
export interface FindingPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  findings: FindingView[];
}

export interface AllowlistEntryView {
  id: string;
  identityId: string;
  scanType: ScanType;
  findingKey: string | null;
  target: { kind: FindingTarget['kind']; id: string; title: string | null } | null;
  code: string | null;
  reason: string;
  addedBy: string;
  addedAt: string;
}

/** `GET /api/identities/:id/scans/compare?from=&to=`: findings new in `to`, resolved since `from`, and still open. */
export interface ScanComparison {
  from: ScanView;
  to: ScanView;
  counts: { new: number; resolved: number; open: number };
  new: FindingView[];
  resolved: FindingView[];
  open: FindingView[];
}
