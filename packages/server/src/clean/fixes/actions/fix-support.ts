/**
 * What several fix actions share: the plan rows (`skip`, `change`), reading the target a finding names (an item, a
 * user), the owner's folders once per plan, the receiving user's check, and how values and errors read for people.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { getItem, getUser, getUserFolders, type PortalFolder, type PortalUser } from '../../../arcgis/portal/index.js';
import { AppError } from '../../../errors/app-error.js';
import type { FixAction } from '../../clean.types.js';
import type { FieldChange, FixField, FixOptions, FixResult, PlannedFix } from '../fix.types.js';
import type { FixContext, PlanCache, PlanningContext, StoredFinding } from './fix-action.js';

export function skip(finding: StoredFinding, reason: string): PlannedFix {
  return { findingId: finding.id, target: finding.target, message: finding.message, status: 'skip', reason, changes: [], context: {} };
}

export function change(finding: StoredFinding, changes: FieldChange[], context: PlannedFix['context']): PlannedFix {
  return { findingId: finding.id, target: finding.target, message: finding.message, status: 'change', reason: null, changes, context };
}

/** A finding's result before its outcome is known: what was planned, nothing applied yet. */
export function resultOf(planned: PlannedFix): Omit<FixResult, 'status' | 'error'> {
  return { findingId: planned.findingId, target: planned.target, message: planned.message, changes: planned.changes, applied: [], context: planned.context, undo: null };
}

/** The planned change of a field. */
export function plannedChange(planned: PlannedFix, field: FixField): FieldChange | undefined {
  return planned.changes.find((c) => c.field === field);
}

/** The change of a field that was made (what Undo reverts). */
export function appliedChange(result: FixResult, field: FixField): FieldChange | undefined {
  return result.applied.find((c) => c.field === field);
}

/** The item's owner when the fix was planned: writes go through the owner's content path. */
export function ownerOf(planned: PlannedFix): string {
  const owner = planned.context.owner ?? planned.target.owner;
  if (!owner) throw new Error('The item’s owner is not known; preview the fix again.');
  return owner;
}

/** The item's owner now (undo runs later: the item may have changed hands since). */
export async function currentOwner(ctx: FixContext, id: string): Promise<string> {
  return String((await getItem({ session: ctx.session, id })).owner);
}

export function newPlanCache(): PlanCache {
  return { users: new Map(), folders: new Map() };
}

/**
 * Plans an action on an item: other targets are skipped with the reason; the item is read and `planItem` decides.
 * Apply writes through the owner's content path as it was when planned (one read less per item; an item whose owner
 * changed in between fails with ArcGIS's reason instead of being changed unplanned).
 */
export async function planOnItem(ctx: FixContext, finding: StoredFinding, action: FixAction, planItem: (item: IItem) => PlannedFix | Promise<PlannedFix>): Promise<PlannedFix> {
  const target = finding.target;
  if (target.kind !== 'item') return skip(finding, `${action} applies to items; this finding is about a ${target.kind}.`);
  const item = await getItem({ session: ctx.session, id: target.id });
  const plan = await planItem(item);
  if (plan.status === 'change') plan.context.owner = String(item.owner);
  return plan;
}

/** Plans an action on a user account: other targets, and the administrator OrgKeeper signs in as, are skipped. */
export async function planOnUser(ctx: FixContext, finding: StoredFinding, action: FixAction, planUser: (user: PortalUser) => Promise<PlannedFix>): Promise<PlannedFix> {
  const target = finding.target;
  if (target.kind !== 'user') return skip(finding, `${action} applies to users; this finding is about a ${target.kind}.`);
  if (ctx.adminUsername && target.id.toLowerCase() === ctx.adminUsername.toLowerCase()) {
    return skip(finding, `"${target.id}" is the administrator OrgKeeper signs in as for this organization; it is never disabled or deleted by a fix.`);
  }
  return planUser(await getUser({ session: ctx.session, username: target.id }));
}

/** The owner's folders, read once per plan (a failed read is not kept: the next finding of this owner asks again). */
export function foldersOf(ctx: PlanningContext, owner: string): Promise<PortalFolder[]> {
  const key = owner.toLowerCase();
  let folders = ctx.cache.folders.get(key);
  if (!folders) {
    folders = getUserFolders({ session: ctx.session, username: owner });
    folders.catch(() => ctx.cache.folders.delete(key));
    ctx.cache.folders.set(key, folders);
  }
  return folders;
}

/** A folder's title for people (`/` for the root; the id when the folder is not listed). */
export async function folderTitle(ctx: PlanningContext, owner: string, folderId: string | null): Promise<string> {
  if (!folderId) return '/';
  const folders = await foldersOf(ctx, owner);
  return folders.find((f) => f.id === folderId)?.title ?? folderId;
}

/** reassign and transfer-and-delete-user: the user who receives the content exists and is not disabled. */
export async function checkReceiver(ctx: FixContext, action: FixAction, options: FixOptions): Promise<void> {
  const target = options.targetUsername?.trim();
  if (!target) throw AppError.validation({ targetUsername: `${action} needs the user who receives the content: targetUsername.` });
  let user: PortalUser;
  try {
    user = await getUser({ session: ctx.session, username: target });
  } catch (error) {
    throw AppError.validation({ targetUsername: `There is no user "${target}" in the organization (${reasonOf(error)}).` });
  }
  if (user.disabled) throw AppError.validation({ targetUsername: `The user "${user.username}" is disabled and cannot receive content; enable the account or choose another user.` });
}

export function accessLabel(access: string): string {
  return { public: 'Everyone (public)', org: 'Organization', shared: 'Groups only', private: 'Owner only' }[access] ?? access;
}

export function groupAccessLabel(access: string): string {
  return { public: 'Everyone (public)', org: 'Organization', private: 'Members only' }[access] ?? access;
}

/** `n item` / `n items`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const details = (error as { details?: unknown }).details;
    const extra = Array.isArray(details) && details.length > 0 ? ` (${details.map(String).join('; ')})` : '';
    return `${error.message}${extra}`;
  }
  return String(error);
}
