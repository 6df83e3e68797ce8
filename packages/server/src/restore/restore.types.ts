/** Restore: what is asked (params), what will be done (plan), what was done (step results). */

export type RestoreMode = 'in-place' | 'recreate' | 'copy' | 'clone';
export const RESTORE_MODES: readonly RestoreMode[] = ['in-place', 'recreate', 'copy', 'clone'];

/** Parts of an item that can be compared with the live item and restored on their own (in place). */
export type ItemPartName = 'item' | 'data' | 'resources' | 'sharing' | 'thumbnail' | 'metadata';
export const ITEM_PART_NAMES: readonly ItemPartName[] = ['item', 'data', 'resources', 'sharing', 'thumbnail', 'metadata'];

export interface RestoreParams {
  snapshotId: string;
  mode: RestoreMode;
  /** Exactly one of items, query, all. */
  items?: string[];
  /** Text matched against each item's title, type, owner and tags in the snapshot (see selection.ts). */
  query?: string;
  all?: boolean;
  /** Clone: the identity to restore into (another organization). */
  targetIdentityId?: string;
  /** Owner of the restored items (copy and clone); default: the original owner, mapped for clone. */
  owner?: string;
  /** Folder name for restored items (copy and clone); created when missing. Default: the original folder. */
  folder?: string;
  /** Appended to the titles of copies (copy mode). Default ` (copy)`. */
  suffix?: string;
  /** Clone: source username -> target username; wins over the same-username match. */
  ownerMap?: Record<string, string>;
  /**
   * In place only: restore just these parts of the items (the rest, and a hosted layer's features, stay as they are
   * live). Default: every part.
   */
  parts?: ItemPartName[];
}

export type StepAction = 'create' | 'overwrite' | 'skip';
export type StepKind = 'group' | 'folder' | 'item';

export interface PlannedRewrite {
  kind: 'item' | 'url';
  from: string;
  /** The new id or URL when known at plan time; otherwise a description (`new id of "Parks"`). */
  to: string;
}

/** A reference in one of an item's parts, and what the restore does with it (restore/plan-references.ts). */
export interface PlannedReference {
  part: 'item' | 'data' | 'resource';
  /** The resource path, for `resource`. */
  resource?: string;
  path: string;
  kind: 'item' | 'group' | 'url' | 'folder';
  value: string;
  /** What the reference is, in the app's words (`operational layer URL`, `data expression (Arcade)`). */
  label: string;
  action: 'rewrite' | 'keep' | 'list';
  /** The new id or URL (`rewrite`), or why it stays (`keep`, `list`). */
  note: string;
}

export interface PlanStep {
  /** Stable key: `group:<id>`, `folder:<owner>/<title>`, `item:<id>`. */
  key: string;
  kind: StepKind;
  action: StepAction;
  reason: string;
  /** Source id (item or group id; folder: the source folder id when there is one). */
  sourceId: string;
  title: string;
  type: string;
  /** Owner the step writes as (target username), for items and folders. */
  owner: string;
  /** Target folder name for items (null: root). */
  folder: string | null;
  /** Target id when known (in place, an Enterprise recreate keeping the id, a group that exists). */
  targetId?: string;
  /** Keys of steps this one needs (dependencies in the restore). */
  dependsOn: string[];
  rewrites: PlannedRewrite[];
  /** Hosted feature service: restored by the hosted-service module. */
  hosted?: boolean;
  /**
   * A `create` step whose item is still in ArcGIS Online's recycle bin: restored from there with its id (`targetId`),
   * then brought to the snapshot's state; recreated after all if the bin no longer holds it when the step runs.
   */
  recycleBin?: boolean;
  /** Warnings that do not stop the step (a reference that will stay pointing elsewhere). */
  warnings?: string[];
  /** Items: every reference in the item's parts and what the restore does with it (the item-type catalogue's reading). */
  references?: PlannedReference[];
  /** Items: what ArcGIS cannot take back through REST for this kind of item, and what to do instead. */
  cannotRestore?: string[];
  /** A hosted feature layer view: the sources it is defined on, and where each is in the target. */
  view?: { sources: PlannedViewSource[] };
  /** The item's relationships the step adds again (the snapshot's, in both directions). */
  relationships?: { type: string; direction: 'forward' | 'reverse'; itemId: string; title?: string }[];
}

export interface PlannedViewSource {
  url: string;
  itemId?: string;
  title?: string;
  /** restored: by a step of this plan; live: the organization has it; missing: neither, so the view cannot be made. */
  status: 'restored' | 'live' | 'missing';
  /** The view's layers defined on this source: each view layer and the source layer it shows (names from the snapshot). */
  layers?: PlannedViewLayer[];
}

export interface PlannedViewLayer {
  /** The view layer's id and name. */
  id: number;
  name?: string;
  sourceLayerId: number;
  /** The source layer's name, when the snapshot holds the source. */
  sourceLayerName?: string;
}

export interface RestorePlan {
  snapshotId: string;
  mode: RestoreMode;
  source: { identityId: string; orgId: string; portalUrl: string };
  target: { identityId: string; orgId: string; portalUrl: string; admin: string; isEnterprise: boolean };
  /** In place: only these parts of each item are written (RestoreParams.parts). */
  parts?: ItemPartName[];
  /** Clone: organization-wide URL rewrites (the portal, the source's services directories), applied after each item's own. */
  orgRewrites?: PlannedRewrite[];
  steps: PlanStep[];
  counts: { create: number; overwrite: number; skip: number };
  /** Of the `create` steps, the items that come back from the recycle bin with their ids (the others are recreated). */
  fromRecycleBin?: number;
  /** The target organization's recycle bin (ArcGIS Online), as `portals/self` describes it. */
  recycleBin?: { supported: boolean; enabled: boolean };
  createdAt: string;
}

export type StepStatus = 'ok' | 'failed' | 'skipped';

/** One row of a restore's log (also kept in restore_steps). */
export interface RestoreLogRow {
  key: string;
  kind: StepKind;
  title: string;
  type: string;
  action: StepAction;
  oldId: string;
  newId: string | null;
  newUrl: string | null;
  status: StepStatus;
  error: string | null;
  durationMs: number;
  finishedAt: string | null;
}

/** `GET /api/restores/:operationId/steps`: the run's plan (null before it was made) and its step log so far. */
export interface RestoreStepsView {
  operationId: string;
  plan: RestorePlan | null;
  steps: RestoreLogRow[];
}

export interface RestoreProgress {
  phase: 'planning' | 'restoring' | 'done';
  stepsTotal: number;
  stepsDone: number;
  failed: number;
  skipped: number;
  current?: string;
  features?: number;
  attachments?: number;
}

export interface RestoreResult {
  operationId: string;
  counts: { ok: number; failed: number; skipped: number };
  steps: RestoreLogRow[];
  durationMs: number;
}
