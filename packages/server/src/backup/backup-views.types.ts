/**
 * The JSON the backup browsing API answers with (`/api/identities/:id/snapshots...`, see backup.routes.ts). The web app
 * imports these types, so this file holds types only and imports nothing that needs Node: shapes the store declares
 * (store/diff.ts, store/manifest.ts) are restated here as plain JSON, and SnapshotBrowser's return types check that the
 * store's values still fit them.
 */

export interface SnapshotView {
  id: string;
  name: string;
  startedAt: string;
  finishedAt: string;
  status: string;
  parent: string | null;
  tags: string[];
  /** Items in the snapshot (ok + skipped + failed). */
  items: number;
  counts: { ok: number; skipped: number; failed: number; groups: number; users: number; layers: number; features: number; attachments: number };
  bytesRead: number;
  newBytes: number;
}

/** A snapshot file that exists but cannot be read (damaged, or written by a newer OrgKeeper). */
export interface UnreadableSnapshotView {
  /** The id its file name says. */
  id: string;
  file: string;
  code?: string;
  error: string;
}

/** `GET /api/identities/:id/snapshots`: oldest first. */
export interface SnapshotListView {
  snapshots: SnapshotView[];
  unreadable: UnreadableSnapshotView[];
}

/** `GET /api/identities/:id/snapshots/:snapshotId`: the summary with item counts per type and owner. */
export interface SnapshotDetailView {
  snapshot: SnapshotView & { org: { id: string; portalUrl: string } };
  types: { value: string; count: number }[];
  owners: { value: string; count: number }[];
}

export interface SnapshotItemView {
  id: string;
  title: string;
  type: string;
  owner: string;
  folderId: string | null;
  /** ISO 8601 UTC (the item's `modified` in ArcGIS). */
  modified: string;
  status: string;
  layers: number;
  features: number;
  carriedFrom: string | null;
  /**
   * Set when a backup of chosen items took this item along because another needs it: the item that needs it (a chosen
   * one if any, else the first: its id, its title as backed up, what this item is to it, e.g. `service of survey`) and
   * how many need it.
   */
  takenAlong: SnapshotItemTakenAlong | null;
}

export interface SnapshotItemTakenAlong {
  itemId: string;
  /** ArcGIS's text, untrusted: shown as text only. */
  title: string;
  need: string;
  /** How many items need it (at least 1); the item page lists them all. */
  neededBy: number;
}

/** `GET /api/identities/:id/snapshots/:snapshotId/items`: paged like ArcGIS search (1-based start, nextStart -1 on the last page). */
export interface SnapshotItemPage {
  total: number;
  start: number;
  num: number;
  nextStart: number;
  items: SnapshotItemView[];
}

/** A part's problem (PartProblem in store/manifest.ts) as the API shows it. */
export interface PartProblemView {
  part: string;
  status: 'skipped' | 'failed';
  reason: string;
  code?: string;
}

/** An item as stored in a snapshot: parts with their sizes, layers with feature counts, no internal hashes. */
export interface ItemEntryView extends Pick<SnapshotItemView, 'id' | 'title' | 'type' | 'owner' | 'folderId' | 'modified' | 'carriedFrom'> {
  status: 'ok' | 'skipped' | 'failed';
  problems: PartProblemView[];
  /** Per-item figures of the run that stored it (null in snapshots that did not record them). */
  stats: { bytesRead: number; newBytesStored: number; durationMs: number } | null;
  parts: {
    item: { size: number | null } | null;
    data: { kind: 'json' | 'file'; filename: string | null; contentType: string | null; size: number | null } | null;
    thumbnail: { filename: string; contentType: string | null; size: number | null } | null;
    metadata: { size: number | null } | null;
    resources: { path: string; contentType: string | null; size: number | null }[];
    sharing: { access: 'private' | 'shared' | 'org' | 'public'; groups: string[] } | null;
    related: { relationshipType: string; direction: 'forward' | 'reverse'; itemId: string }[];
  };
  service: {
    url: string;
    layers: {
      id: number;
      name: string;
      kind: 'layer' | 'table';
      featureCount: number;
      attachmentCount: number;
      chunks: number;
      status: 'ok' | 'skipped' | 'failed';
      problems: PartProblemView[];
    }[];
  } | null;
  /**
   * An external reference: the item's URL is not a hosted service of the organization (another origin, or marked
   * "Hosted Service" but on none of the org's hosting servers). Its URL (untrusted text) was never requested.
   */
  external: { url: string; reason: string } | null;
  /**
   * Set when a backup of chosen items took this item along because others need it (a survey's service, a view's
   * source): each item that needs it (its title is ArcGIS's, untrusted text) and what this one is to it.
   */
  neededBy: { itemId: string; title: string; need: string; relationshipType: string }[];
}

/** `GET /api/identities/:id/snapshots/:snapshotId/items/:itemId`. */
export interface ItemDetailView {
  item: ItemEntryView;
  /** The stored item JSON (untrusted text from ArcGIS), or null when it was not stored. */
  itemJson: Record<string, unknown> | null;
}

export interface ItemSummaryView {
  id: string;
  title: string;
  type: string;
  owner: string;
}

export interface EntryDiffView<S, C> {
  added: S[];
  removed: S[];
  changed: C[];
  unchanged: number;
}

/** `GET /api/identities/:id/snapshots/diff?from=&to=`. */
export interface SnapshotDiffView {
  from: string;
  to: string;
  /** `parts` of a changed item: `item`, `data`, `thumbnail`, `metadata`, `resources`, `sharing`, `related`, `status`,
   *  `owner`, `folder`, `service definition`, `layer <id> definition|features|attachments`, `layer <id> added|removed`. */
  items: EntryDiffView<ItemSummaryView, ItemSummaryView & { parts: string[] }>;
  groups: EntryDiffView<{ id: string; title: string }, { id: string; title: string; parts: string[] }>;
  users: EntryDiffView<{ username: string }, { username: string; parts: string[] }>;
}
