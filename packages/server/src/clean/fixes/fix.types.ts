/**
 * Fixes on stored findings: what is asked (FixRequest), what will change (the preview: one PlannedFix per finding,
 * each change with its value before and after), and what was done (FixResult per finding, kept with the fix so Undo
 * can put the recorded before-values back).
 */
import type { FindingTarget, FixAction } from '../clean.types.js';

export const FIX_ACTIONS: readonly FixAction[] = [
  'delete-items',
  'reassign',
  'move',
  'unshare',
  'protect',
  'add-tags',
  'mark-deprecated',
  'disable-users',
  'transfer-and-delete-user',
  'notify-owners'
];

export type UnshareFrom = 'everyone' | 'org' | 'groups';

/** Options of the actions (`--option k=v` on the CLI, `options` in the API). Each action reads only its own. */
export interface FixOptions {
  /** delete-items: unprotect protected items, then delete them (default false: protected items are skipped). */
  overrideProtection?: boolean;
  /** delete-items: delete for good even where ArcGIS Online's recycle bin would keep the items (default false). */
  permanentDelete?: boolean;
  /** reassign, transfer-and-delete-user: the user who receives the items (and groups). */
  targetUsername?: string;
  /** reassign: the receiver's folder (title; created when missing; default root). transfer: one folder for everything
   *  (default: folders of the same titles as the user's). */
  targetFolder?: string;
  /** move: the owner's folder (title or id; `/` is the root folder). */
  folder?: string;
  /** unshare: stop sharing with everyone (public -> organization), with the organization (-> private or groups only),
   *  or with groups (default everyone). */
  from?: UnshareFrom;
  /** unshare from groups: the group ids (none: every group the item is shared with). */
  groups?: string[];
  /** add-tags: tags to add (kept when already there, compared ignoring case). */
  tags?: string[];
  /** notify-owners: a note from the administrator put at the top of each email. */
  message?: string;
}

/** A property of an item, user or group that a fix changes. */
export type FixField =
  | 'item'
  | 'user'
  | 'protected'
  | 'owner'
  | 'folder'
  | 'access'
  | 'groups'
  | 'tags'
  | 'contentStatus'
  | 'disabled'
  | 'ownedItems'
  | 'ownedGroups'
  | 'email'
  | 'views';

/** A user's place in a group: not in it, a plain member, or a manager (`admin`; ArcGIS lists the owner with them). */
export type GroupMembership = 'none' | 'member' | 'admin';

/**
 * The values of an applied transfer-and-delete-user `ownedGroups` change. `receiverMembership` (in `before`; absent in
 * rows written before it existed): the receiver's membership of each moved group before the move, so Undo can put the
 * receiver back exactly (ArcGIS keeps a group's previous owner as a manager after a reassign).
 */
export interface OwnedGroupsValue {
  owner: string;
  groups: string[];
  receiverMembership?: Record<string, GroupMembership>;
}

export interface FieldChange {
  field: FixField;
  /** The live value when the fix was planned (JSON: strings, booleans, arrays of ids). */
  before: unknown;
  after: unknown;
  /** The same change for people, e.g. `Sharing: Everyone (public) -> Organization`. */
  summary: string;
}

/** What a fix will do to one finding's target (the preview row). */
export interface PlannedFix {
  findingId: string;
  target: FindingTarget;
  /** The finding's own message (what is wrong); owner emails quote it. */
  message: string;
  /** `change`: the changes below will be made; `skip`: nothing will be done, `reason` says why. */
  status: 'change' | 'skip';
  reason: string | null;
  changes: FieldChange[];
  /** Facts the apply and undo steps need that are not changes themselves (folder ids, items with their folders). */
  context: PlanContext;
}

export interface PlanContext {
  /** Items: the owner when planned (writes go through the owner's content path). */
  owner?: string;
  /** Folder id of the item before (null: root). */
  folderId?: string | null;
  /** Folder id or `/` the item moves to. */
  toFolder?: string;
  /** transfer-and-delete-user: the user's items with their folder titles (null: root), and owned group ids. */
  items?: { id: string; title: string; folder: string | null }[];
  ownedGroups?: { id: string; title: string }[];
  /** notify-owners: who is emailed (the owner's username). */
  recipient?: string;
  /**
   * delete-items: where the item goes: ArcGIS Online's recycle bin (`recycled`), or gone for good on an organization
   * with a bin (`permanent`: the user's choice, a type the bin does not take, or the bin switched off), or `none`
   * (no bin: Enterprise, or an Online organization without one).
   */
  deleteTo?: 'recycled' | 'permanent' | 'none';
  /** delete-items to the bin: the earliest time ArcGIS may purge it (ISO 8601), as planned. */
  restorableUntil?: string;
  /** delete-items: items that must be deleted first (a hosted layer's views, as `canRecycle` names them). */
  deleteAfter?: string[];
  /** delete-items: the views of a hosted layer, deleted with it (backed up and brought back with it). */
  views?: { id: string; title: string; owner: string }[];
}

export interface BackupPlan {
  /** Whether a snapshot can be taken first (the identity has a usable File Location). */
  possible: boolean;
  /** Why not, or a note on what is backed up. */
  reason: string | null;
  /** Items whose state is backed up before the fix (all groups and users are backed up with them). */
  itemIds: string[];
  /** Whether the fix changes users (their profiles are in the snapshot's principals). */
  principals: boolean;
  /** Whether the action needs a backup at all (notify-owners does not). */
  needed: boolean;
}

export interface FixPreview {
  /** A fingerprint of the planned changes: pass it as `previewHash` when applying to fix only if nothing changed since. */
  hash: string;
  identityId: string;
  scanId: string;
  action: FixAction;
  options: FixOptions;
  backup: BackupPlan;
  counts: { change: number; skip: number };
  findings: PlannedFix[];
}

export type FixResultStatus = 'ok' | 'failed' | 'skipped';
export type UndoStatus = 'ok' | 'failed' | 'skipped';

/** What was done to one finding. */
export interface FixResult {
  findingId: string;
  target: FindingTarget;
  message: string;
  status: FixResultStatus;
  /** Why it failed or was skipped. */
  error: string | null;
  /** What was planned. */
  changes: FieldChange[];
  /** What was actually changed (a failure halfway lists the steps that did happen, so Undo can revert them). */
  applied: FieldChange[];
  context: PlanContext;
  /** `note`: what to know about a successful undo (e.g. the new id of a recreated item). */
  undo: { status: UndoStatus; error: string | null; note?: string | null } | null;
}

/** A finding's result as the API shows it: `pending` while the fix runs and has not reached it yet. */
export type FixResultView = Omit<FixResult, 'status'> & { status: FixResultStatus | 'pending' };

/** `cancelled` / `interrupted`: stopped halfway; the results say what was done (and Undo reverts it). */
export type FixStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';
export type FixUndoState = 'running' | 'succeeded' | 'partial' | 'failed';

/** A fix as the API shows it. Its id is the id of the operation that ran it. */
export interface FixView {
  id: string;
  identityId: string;
  scanId: string;
  action: FixAction;
  options: FixOptions;
  status: FixStatus;
  message: string | null;
  /** The snapshot taken before the fix (null: none; `backupNote` says why). */
  snapshotId: string | null;
  backupNote: string | null;
  counts: { ok: number; failed: number; skipped: number };
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  undo: { operationId: string; status: FixUndoState; by: string; at: string; message: string | null } | null;
}

/** `GET /api/identities/:id/fixes/:fixId`: the fix and what was done to each finding. */
export interface FixDetail {
  fix: FixView;
  results: FixResultView[];
}

/** What starting a fix or its undo answers (202): follow the operation. */
export interface FixStarted {
  fixId: string;
  operationId: string;
}

/** What a fix is asked to do (API body, CLI flags, operation params). */
export interface FixRequest {
  scanId: string;
  /** Finding ids, or `all` for every finding of the scan. */
  findings: string[] | 'all';
  action: FixAction;
  options: FixOptions;
  /** Go ahead although no backup can be taken first (no usable File Location). */
  confirmNoBackup?: boolean;
  /** The preview's `hash`: the fix stops, changing nothing, when its plan is no longer the one previewed. */
  previewHash?: string;
}

/** What an `undo` operation undoes. */
export interface UndoRequest {
  fixId: string;
}
