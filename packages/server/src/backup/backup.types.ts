/**
 * Inputs, progress and results of a backup run (`runBackup` in backup.engine.ts). Results are plain data so the CLI,
 * the REST API and the run log can show them as they are.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import type { EntryStatus, NeededBy, PartProblem, Store } from '../store/index.js';
import type { PartPolicy } from './part-needs.js';

/** What a run needs to know about the identity it backs up. */
export interface BackupIdentity {
  id: string;
  name: string;
  /** The identity's File Location: a store folder, `s3://...` or an Azure container URL (credentials: `openStore`). */
  fileLocation: string;
  /**
   * Opens the identity's store, creating it as chosen (encrypted or not) in an empty File Location. Default: a plain
   * store at `fileLocation`.
   */
  openStore?: () => Promise<Store>;
  /** The organization's portal id (store.json is bound to it). */
  orgId: string;
  portalUrl: string;
  portalName?: string | null;
}

export type BackupPhase = 'starting' | 'enumerating' | 'items' | 'groups' | 'users' | 'writing' | 'done';

export interface BackupProgress {
  phase: BackupPhase;
  itemsTotal: number;
  /** Items finished (ok, skipped, failed or carried over). */
  itemsDone: number;
  /** Bytes downloaded from ArcGIS so far. */
  bytesRead: number;
  /** Bytes added to the store so far (compressed, new blobs only). */
  newBytes: number;
  /** Items a backup of chosen items took along because chosen ones need them (counted in itemsTotal too). */
  itemsTakenAlong?: number;
}

export interface BackupOptions {
  identity: BackupIdentity;
  session: ArcGISSession;
  /** Snapshot name shown to users (default: "<identity name> <date>"). */
  name?: string;
  /** Search query ANDed with the organization (e.g. `owner:jdoe`), or explicit item ids; neither: every item. */
  query?: string;
  itemIds?: string[];
  /**
   * With `query` or `itemIds`: also back up the items the chosen ones need to be restored (a survey's service and views,
   * a view's source: item-dependencies.ts). Default true.
   */
  withDependencies?: boolean;
  /** Bounds of taking items along (default MAX_DEPENDENCY_DEPTH levels, MAX_DEPENDENCIES items: item-dependencies.ts). */
  dependencyBounds?: { depth: number; items: number };
  /**
   * Most requests to ArcGIS in flight at once (default: the session's ceiling). The session's adaptive limiter decides
   * how many below it; the items worked on at once are a multiple of that (ITEMS_PER_SLOT in backup.engine.ts says why).
   */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BackupProgress) => void;
  /** Also back up groups and users (default true). A run limited by --query or --items still records them. */
  includePrincipals?: boolean;
  /** Which parts are asked for (part-needs.ts): `floor` (default) or `every` (the benchmark's before figures). */
  partPolicy?: PartPolicy;
}

export interface BackupItemResult {
  id: string;
  title: string;
  type: string;
  status: EntryStatus;
  /** True when the item was unchanged and its stored parts were reused. */
  carriedOver: boolean;
  /** True when a killed earlier run had already stored it (resume). */
  resumed: boolean;
  problems: PartProblem[];
  bytesRead: number;
  newBytes: number;
  durationMs: number;
  /** Set on an item taken along because others need it (item-dependencies.ts), not chosen itself. */
  neededBy?: NeededBy[];
}

export interface BackupResult {
  snapshotId: string;
  name: string;
  status: 'complete' | 'partial';
  /** The snapshot unchanged items were carried over from. */
  parent?: string;
  /** The run continued an interrupted earlier run (same snapshot id). */
  resumed: boolean;
  counts: { ok: number; skipped: number; failed: number; carriedOver: number; groups: number; users: number };
  bytesRead: number;
  newBytes: number;
  durationMs: number;
  items: BackupItemResult[];
  /** The items a backup of chosen items took along, and why (item-dependencies.ts); empty otherwise. */
  takenAlong: TakenAlong[];
  /**
   * Problems with groups and users, with the portal's list of the organization's servers, and with items the chosen
   * ones need that could not be read or were too many (`dependency`); they do not fail the run.
   */
  problems: { kind: 'group' | 'user' | 'enumeration' | 'organization' | 'dependency'; id: string; reason: string }[];
}

/** An item a backup of chosen items took along: what it is, and which items need it for what. */
export interface TakenAlong {
  id: string;
  title: string;
  type: string;
  neededBy: NeededBy[];
}

/** What each part fetcher gets. Counters are shared by the whole run. */
export interface BackupContext {
  session: ArcGISSession;
  store: Store;
  signal: AbortSignal;
  counters: { bytesRead: number; newBytes: number };
  /** Which parts are asked for (part-needs.ts; default `floor`). */
  partPolicy?: PartPolicy;
}
