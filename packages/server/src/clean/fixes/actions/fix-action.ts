/**
 * What a fix action is: one file per action (`<action>.fix.ts`) with its plan, apply and undo, registered in index.ts.
 * The engine (../fix.engine.ts) runs any action through this contract: it deduplicates findings, bounds concurrency,
 * turns errors into per-finding results and reports them; the action knows only its own change.
 */
import type { ArcGISSession } from '../../../arcgis/arcgis-session.js';
import type { PortalFolder, PortalUser, RecycleBinState } from '../../../arcgis/portal/index.js';
import type { Finding } from '../../clean.types.js';
import type { FieldChange, FixOptions, FixResult, PlannedFix } from '../fix.types.js';
import type { Mailer } from '../mailer.js';

export interface FixContext {
  session: ArcGISSession;
  orgId: string;
  /** The administrator OrgKeeper signs in as: never disabled or deleted by a fix. */
  adminUsername: string | null;
  /** Organization name for emails. */
  orgName: string;
  signal?: AbortSignal;
  mailer?: Mailer;
}

/** A finding as fixes get it: with its stored id. */
export type StoredFinding = Finding & { id: string };

/** What planning reads once per plan rather than once per finding (every action shares one cache per plan). */
export interface PlanCache {
  users: Map<string, Promise<PortalUser | Error>>;
  folders: Map<string, Promise<PortalFolder[]>>;
  /** notify-owners: why email cannot be sent (null: it can), asked once per plan. */
  mailProblem?: Promise<string | null>;
  /** delete-items: the organization's recycle bin (portals/self), asked once per plan. */
  recycleBin?: Promise<RecycleBinState>;
}

export interface PlanningContext extends FixContext {
  cache: PlanCache;
}

/** Recreates deleted items from a snapshot (the restore engine). */
export interface UndoRestorer {
  /** `operationId`: the undo operation, under which the restore keeps its plan and steps. */
  recreateItems(input: { operationId: string; snapshotId: string; itemIds: string[]; signal?: AbortSignal }): Promise<Map<string, RecreateOutcome>>;
}

export interface RecreateOutcome {
  ok: boolean;
  error?: string;
  /** The recreated item's id when ArcGIS gave it a new one (ArcGIS Online). */
  newId?: string;
  /** Restored from ArcGIS Online's recycle bin with its id (then brought to its state in the snapshot). */
  fromRecycleBin?: boolean;
}

export interface UndoContext extends FixContext {
  /** The undo operation. */
  operationId: string;
  /** The backup taken before the fix (null: none was). */
  snapshotId: string | null;
  restorer?: UndoRestorer;
  /** Items brought back from the snapshot before the per-finding undo (delete-items' `prepareUndo`), by old id. */
  recreated: Map<string, RecreateOutcome>;
}

/** A planned change waiting to be applied, with its place in the plan. */
export interface PlanRow {
  planned: PlannedFix;
  index: number;
}

export interface FixActionHandler {
  /** Checks the action's options before anything is read per finding (a receiving user exists, a folder is named). */
  check?(ctx: FixContext, options: FixOptions): Promise<void>;
  /** Reads the finding's target and says what would change; only reads. Throws only when ArcGIS cannot be read. */
  plan(ctx: PlanningContext, finding: StoredFinding, options: FixOptions): Promise<PlannedFix>;
  /**
   * Makes one planned change, pushing each step onto `applied` as soon as ArcGIS confirmed it (a failure halfway
   * leaves the steps that happened there, for Undo). Throws the reason it failed.
   */
  apply?(ctx: FixContext, planned: PlannedFix, options: FixOptions, applied: FieldChange[]): Promise<void>;
  /** With `apply`: the planned changes in phases run one after the other (default: one phase). */
  phases?(rows: PlanRow[]): PlanRow[][];
  /** Instead of `apply`: applies every planned change at once (notify-owners sends one email per owner). */
  applyAll?(ctx: FixContext, options: FixOptions, rows: PlanRow[], finish: (index: number, result: FixResult) => Promise<void>): Promise<void>;
  /** Whether the action changes nothing in ArcGIS (no backup before it, nothing to undo). */
  changesNothing?: boolean;
  /** Runs once before the per-finding undo, with every result to undo (bring deleted items back at once). */
  prepareUndo?(ctx: UndoContext, results: FixResult[]): Promise<void>;
  /** Reverts what one result applied; answers a note for people when the undo worked but is worth a remark. */
  undo?(ctx: UndoContext, result: FixResult): Promise<string | undefined>;
  /** Why the action cannot be undone (when it has no `undo`). */
  notUndoable?: string;
}
