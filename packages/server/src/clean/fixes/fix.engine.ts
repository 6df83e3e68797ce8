/**
 * The fix engine: plans a fix on findings from the organization's live state (the preview: every change with its value
 * before and after), applies exactly that plan, and undoes what was applied from the recorded before-values.
 *
 * - Planning only reads. A finding whose target is gone, already in the wanted state, or not something the action
 *   applies to is `skip` with the reason; two findings on the same target are fixed once.
 * - Applying works per finding and never throws halfway: each finding ends `ok`, `failed` (with ArcGIS's reason) or
 *   `skipped`, and lists the changes that did happen (`applied`), also when a later step failed.
 * - Undo reverts `applied` in reverse, per action. What ArcGIS cannot take back directly (a deleted item or user)
 *   goes to the restore engine when one is given, from the snapshot taken before the fix.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import { AppError } from '../../errors/app-error.js';
import { runPool } from '../../lib/task-pool.js';
import type { Finding, FixAction } from '../clean.types.js';
import * as calls from './arcgis-fix-calls.js';
import type { Mailer } from './mailer.js';
import type { FieldChange, FixOptions, FixResult, GroupMembership, OwnedGroupsValue, PlannedFix, UndoStatus } from './fix.types.js';

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

/** Recreates deleted items from a snapshot (the restore engine); absent until it exists. */
export interface UndoRestorer {
  /** `operationId`: the undo operation, under which the restore keeps its plan and steps. */
  recreateItems(input: { operationId: string; snapshotId: string; itemIds: string[]; signal?: AbortSignal }): Promise<Map<string, RecreateOutcome>>;
}

export interface RecreateOutcome {
  ok: boolean;
  error?: string;
  /** The recreated item's id when ArcGIS gave it a new one (ArcGIS Online). */
  newId?: string;
}

/** Findings worked on at once (the session still bounds requests in flight). */
const CONCURRENCY = 8;
type StoredFinding = Finding & { id: string };

// ---------------------------------------------------------------------------------------------------------------
// Planning

/** Checks what the action needs before anything is read per finding (the receiving user exists, options given). */
export async function checkActionOptions(ctx: FixContext, action: FixAction, options: FixOptions): Promise<void> {
  if (action === 'reassign' || action === 'transfer-and-delete-user') {
    const target = options.targetUsername?.trim();
    if (!target) throw AppError.validation({ targetUsername: `${action} needs the user who receives the content: targetUsername.` });
    let user: calls.PortalUser;
    try {
      user = await calls.readUser(ctx.session, target);
    } catch (error) {
      throw AppError.validation({ targetUsername: `There is no user "${target}" in the organization (${reasonOf(error)}).` });
    }
    if (user.disabled) throw AppError.validation({ targetUsername: `The user "${user.username}" is disabled and cannot receive content; enable the account or choose another user.` });
  }
  if (action === 'move' && !options.folder?.trim()) throw AppError.validation({ folder: 'move needs the folder to move the items into: folder (a folder title, or / for the root folder).' });
  if (action === 'add-tags' && (options.tags ?? []).filter((t) => t.trim() !== '').length === 0) throw AppError.validation({ tags: 'add-tags needs at least one tag: tags.' });
  if (action === 'unshare' && options.from === 'groups' && options.groups !== undefined && options.groups.length === 0) {
    throw AppError.validation({ groups: 'Name the groups to stop sharing with, or leave groups out to unshare from every group.' });
  }
}

export async function planFix(ctx: FixContext, findings: StoredFinding[], action: FixAction, options: FixOptions): Promise<PlannedFix[]> {
  const plans: PlannedFix[] = new Array<PlannedFix>(findings.length);
  const firstFor = new Map<string, string>();
  const unique: { index: number; finding: StoredFinding }[] = [];
  findings.forEach((finding, index) => {
    const key = `${finding.target.kind}:${finding.target.id.toLowerCase()}`;
    const first = firstFor.get(key);
    if (first) plans[index] = skip(finding, `Same ${finding.target.kind} as finding ${first}, which this fix already covers.`);
    else {
      firstFor.set(key, finding.id);
      unique.push({ index, finding });
    }
  });
  const cache: PlanCache = { users: new Map(), folders: new Map() };
  await runPool(unique, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async ({ index, finding }) => {
    try {
      plans[index] = await planOne(ctx, finding, action, options, cache);
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      plans[index] = skip(finding, `Could not be read from ArcGIS, so nothing will be done: ${reasonOf(error)}`);
    }
  });
  return plans;
}

/** What planning reads once per owner rather than once per finding. */
interface PlanCache {
  users: Map<string, Promise<calls.PortalUser | Error>>;
  folders: Map<string, Promise<calls.PortalFolder[]>>;
  /** notify-owners: why email cannot be sent (null: it can), asked once per plan. */
  mailProblem?: Promise<string | null>;
}

function foldersOf(ctx: FixContext, cache: PlanCache, owner: string): Promise<calls.PortalFolder[]> {
  let folders = cache.folders.get(owner.toLowerCase());
  if (!folders) {
    folders = calls.readFolders(ctx.session, owner);
    // A failed read is not kept: the next finding of this owner asks again.
    folders.catch(() => cache.folders.delete(owner.toLowerCase()));
    cache.folders.set(owner.toLowerCase(), folders);
  }
  return folders;
}

async function planOne(ctx: FixContext, finding: StoredFinding, action: FixAction, options: FixOptions, cache: PlanCache): Promise<PlannedFix> {
  const users = cache.users;
  const target = finding.target;
  if (action === 'notify-owners') {
    const recipient = target.kind === 'user' ? target.id : target.owner;
    if (!recipient) return skip(finding, 'The finding names no owner to notify.');
    let mailProblem = cache.mailProblem;
    if (!mailProblem) {
      mailProblem = ctx.mailer ? ctx.mailer.ready() : Promise.resolve('No email (SMTP) server is configured in OrgKeeper, so no one can be notified.');
      cache.mailProblem = mailProblem;
    }
    const problem = await mailProblem;
    if (problem) return skip(finding, problem);
    let user = users.get(recipient.toLowerCase());
    if (!user) {
      user = calls.readUser(ctx.session, recipient).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      users.set(recipient.toLowerCase(), user);
    }
    const found = await user;
    if (found instanceof Error) return skip(finding, `The owner "${recipient}" could not be read: ${reasonOf(found)}`);
    if (!found.email) return skip(finding, `The owner "${recipient}" has no email address in ArcGIS.`);
    return change(finding, [{ field: 'email', before: null, after: found.email, summary: `Email to ${recipient} <${found.email}> listing this finding` }], { recipient });
  }
  if (action === 'disable-users' || action === 'transfer-and-delete-user') {
    if (target.kind !== 'user') return skip(finding, `${action} applies to users; this finding is about a ${target.kind}.`);
    if (ctx.adminUsername && target.id.toLowerCase() === ctx.adminUsername.toLowerCase()) {
      return skip(finding, `"${target.id}" is the administrator OrgKeeper signs in as for this organization; it is never disabled or deleted by a fix.`);
    }
    const user = await calls.readUser(ctx.session, target.id);
    if (action === 'disable-users') {
      if (user.disabled) return skip(finding, `"${user.username}" is already disabled.`);
      return change(finding, [{ field: 'disabled', before: false, after: true, summary: `Account ${user.username}: enabled -> disabled` }], {});
    }
    const receiver = options.targetUsername!.trim();
    if (receiver.toLowerCase() === user.username.toLowerCase()) return skip(finding, 'The user would transfer their content to themselves; choose another targetUsername.');
    const items = await calls.readUserItems(ctx.session, user.username);
    const groups = await calls.readOwnedGroups(ctx.session, user.username, ctx.orgId);
    const folderText = options.targetFolder?.trim() ? `into folder "${options.targetFolder.trim()}"` : 'keeping folder names';
    const changes: FieldChange[] = [];
    if (items.length > 0) {
      changes.push({
        field: 'ownedItems',
        before: { owner: user.username, items: items.map((i) => i.id) },
        after: { owner: receiver, items: items.map((i) => i.id) },
        summary: `${items.length} item${items.length === 1 ? '' : 's'}: owner ${user.username} -> ${receiver} (${folderText})`
      });
    }
    if (groups.length > 0) {
      changes.push({
        field: 'ownedGroups',
        before: { owner: user.username, groups: groups.map((g) => g.id) },
        after: { owner: receiver, groups: groups.map((g) => g.id) },
        summary: `${groups.length} group${groups.length === 1 ? '' : 's'}: owner ${user.username} -> ${receiver}`
      });
    }
    changes.push({ field: 'user', before: 'exists', after: 'deleted', summary: `Account ${user.username}: deleted` });
    return change(finding, changes, { items, ownedGroups: groups });
  }

  if (target.kind === 'group') {
    if (action !== 'unshare') return skip(finding, `${action} applies to items; this finding is about a group.`);
    const group = await calls.readGroup(ctx.session, target.id);
    const from = options.from ?? 'everyone';
    if (from === 'groups') return skip(finding, 'A group is not shared with groups; unshare it from everyone or from the organization.');
    const after = from === 'everyone' ? (group.access === 'public' ? 'org' : null) : group.access === 'private' ? null : 'private';
    if (!after) return skip(finding, from === 'everyone' ? 'The group is not public.' : 'The group is already private.');
    return change(finding, [{ field: 'access', before: group.access, after, summary: `Group access: ${groupAccessLabel(group.access)} -> ${groupAccessLabel(after)}` }], {});
  }
  if (target.kind !== 'item') return skip(finding, `${action} applies to items; this finding is about a ${target.kind}.`);

  const item = await calls.readItem(ctx.session, target.id);
  const plan = await planItem(ctx, cache, finding, action, options, item);
  // Apply writes through the owner's content path as it was when planned (one read less per item; an item whose owner
  // changed in between fails with ArcGIS's reason instead of being changed unplanned).
  if (plan.status === 'change') plan.context.owner = String(item.owner);
  return plan;
}

async function planItem(ctx: FixContext, cache: PlanCache, finding: StoredFinding, action: FixAction, options: FixOptions, item: IItem): Promise<PlannedFix> {
  const owner = String(item.owner);
  const folderId = (item.ownerFolder as string | null | undefined) ?? null;
  switch (action) {
    case 'delete-items': {
      const changes: FieldChange[] = [];
      if (item.protected) {
        if (!options.overrideProtection) {
          return skip(finding, 'Delete protection is on. Turn it off in ArcGIS first, or fix again with overrideProtection to unprotect and delete it.');
        }
        changes.push({ field: 'protected', before: true, after: false, summary: 'Delete protection: on -> off' });
      }
      changes.push({ field: 'item', before: 'exists', after: 'deleted', summary: `Item deleted (owner ${owner})` });
      return change(finding, changes, { folderId });
    }
    case 'reassign': {
      const receiver = options.targetUsername!.trim();
      const toFolder = options.targetFolder?.trim() || '/';
      const beforeFolder = await folderTitle(ctx, cache, owner, folderId);
      if (owner.toLowerCase() === receiver.toLowerCase()) {
        return skip(finding, sameFolderName(beforeFolder, toFolder) ? `Already owned by ${owner} in that folder.` : `Already owned by ${owner}; use move to put it into another of their folders.`);
      }
      return change(
        finding,
        [
          { field: 'owner', before: owner, after: receiver, summary: `Owner: ${owner} -> ${receiver}` },
          { field: 'folder', before: beforeFolder, after: toFolder, summary: `Folder: ${beforeFolder} -> ${toFolder}` }
        ],
        { folderId, toFolder }
      );
    }
    case 'move': {
      const wanted = options.folder!.trim();
      let to: calls.PortalFolder | null = null;
      if (wanted !== '/') {
        const folders = await foldersOf(ctx, cache, owner);
        to = folders.find((f) => f.id === wanted) ?? folders.find((f) => f.title.toLowerCase() === wanted.toLowerCase()) ?? null;
        if (!to) return skip(finding, `${owner} has no folder "${wanted}"; items move only between their owner's folders (create it in ArcGIS first).`);
      }
      if ((to?.id ?? null) === folderId) return skip(finding, `Already in ${to ? `folder "${to.title}"` : 'the root folder'}.`);
      const beforeFolder = await folderTitle(ctx, cache, owner, folderId);
      const afterFolder = to ? to.title : '/';
      return change(finding, [{ field: 'folder', before: beforeFolder, after: afterFolder, summary: `Folder: ${beforeFolder} -> ${afterFolder}` }], {
        folderId,
        toFolder: to?.id ?? '/'
      });
    }
    case 'unshare':
      return planUnshare(ctx, finding, item, options);
    case 'protect':
      if (item.protected) return skip(finding, 'Delete protection is already on.');
      return change(finding, [{ field: 'protected', before: false, after: true, summary: 'Delete protection: off -> on' }], {});
    case 'add-tags': {
      const before = (item.tags ?? []).map(String);
      const have = new Set(before.map((t) => t.toLowerCase()));
      const added: string[] = [];
      for (const tag of options.tags ?? []) {
        const clean = tag.trim();
        if (clean !== '' && !have.has(clean.toLowerCase())) {
          have.add(clean.toLowerCase());
          added.push(clean);
        }
      }
      if (added.length === 0) return skip(finding, 'The item already has these tags.');
      const after = [...before, ...added];
      return change(finding, [{ field: 'tags', before, after, summary: `Tags: added ${added.map((t) => `"${t}"`).join(', ')}` }], {});
    }
    case 'mark-deprecated': {
      const before = typeof item.contentStatus === 'string' && item.contentStatus !== '' ? item.contentStatus : null;
      if (before === 'deprecated') return skip(finding, 'The item is already marked deprecated.');
      return change(finding, [{ field: 'contentStatus', before, after: 'deprecated', summary: `Content status: ${before ?? 'none'} -> deprecated` }], {});
    }
    default:
      return skip(finding, `${action} does not apply to items.`);
  }
}

async function planUnshare(ctx: FixContext, finding: StoredFinding, item: IItem, options: FixOptions): Promise<PlannedFix> {
  const access = String(item.access ?? 'private');
  const groups = await calls.readItemGroupIds(ctx.session, item.id);
  const from = options.from ?? 'everyone';
  if (from === 'everyone') {
    if (access !== 'public') return skip(finding, 'The item is not shared with everyone.');
    return change(finding, [{ field: 'access', before: access, after: 'org', summary: `Sharing: ${accessLabel(access)} -> ${accessLabel('org')}` }], {});
  }
  if (from === 'org') {
    if (access !== 'public' && access !== 'org') return skip(finding, 'The item is not shared with the organization.');
    const after = groups.length > 0 ? 'shared' : 'private';
    return change(finding, [{ field: 'access', before: access, after, summary: `Sharing: ${accessLabel(access)} -> ${accessLabel(after)}` }], {});
  }
  const wanted = options.groups && options.groups.length > 0 ? new Set(options.groups.map((g) => g.toLowerCase())) : null;
  const removed = groups.filter((g) => !wanted || wanted.has(g.toLowerCase()));
  if (removed.length === 0) return skip(finding, wanted ? 'The item is not shared with those groups.' : 'The item is not shared with any group.');
  const remaining = groups.filter((g) => !removed.includes(g));
  const changes: FieldChange[] = [{ field: 'groups', before: groups, after: remaining, summary: `Groups: stop sharing with ${removed.length} group${removed.length === 1 ? '' : 's'} (${removed.join(', ')})` }];
  // ArcGIS derives the access level: an item shared with groups only becomes private when the last group goes.
  if (access === 'shared' && remaining.length === 0) changes.push({ field: 'access', before: access, after: 'private', summary: `Sharing: ${accessLabel('shared')} -> ${accessLabel('private')}` });
  return change(finding, changes, {});
}

// ---------------------------------------------------------------------------------------------------------------
// Applying

/** Applies a plan; `onResult` sees each finding's result as soon as it is known. Never throws for a finding. */
export async function applyPlan(
  ctx: FixContext,
  action: FixAction,
  options: FixOptions,
  plan: PlannedFix[],
  onResult: (result: FixResult) => Promise<void> | void
): Promise<FixResult[]> {
  const results: FixResult[] = new Array<FixResult>(plan.length);
  const finish = async (index: number, result: FixResult) => {
    results[index] = result;
    await onResult(result);
  };
  const indexed = plan.map((planned, index) => ({ planned, index }));
  for (const { planned, index } of indexed) {
    if (planned.status === 'skip') await finish(index, { ...resultOf(planned), status: 'skipped', error: planned.reason });
  }
  const todo = indexed.filter(({ planned }) => planned.status === 'change');
  if (action === 'notify-owners') {
    await notifyOwners(ctx, options, todo, finish);
    return results;
  }
  await runPool(todo, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async ({ planned, index }) => {
    const applied: FieldChange[] = [];
    try {
      await applyOne(ctx, action, options, planned, applied);
      await finish(index, { ...resultOf(planned), status: 'ok', error: null, applied });
    } catch (error) {
      if (ctx.signal?.aborted) {
        // ArcGIS may have made the change whose answer the stop cut off: say so, and list only what is confirmed.
        await finish(index, { ...resultOf(planned), status: 'failed', error: 'The fix was stopped while this finding was being changed; check it in ArcGIS (the last step may or may not have been made).', applied });
        throw error;
      }
      await finish(index, { ...resultOf(planned), status: 'failed', error: reasonOf(error), applied });
    }
  });
  return results;
}

async function applyOne(ctx: FixContext, action: FixAction, options: FixOptions, planned: PlannedFix, applied: FieldChange[]): Promise<void> {
  const s = ctx.session;
  const target = planned.target;
  const get = (field: FieldChange['field']) => planned.changes.find((c) => c.field === field);
  const done = (field: FieldChange['field']) => applied.push(get(field)!);
  switch (action) {
    case 'delete-items': {
      const owner = ownerOf(planned);
      if (get('protected')) {
        await calls.protectItem(s, owner, target.id, false);
        done('protected');
      }
      try {
        await calls.deleteItem(s, owner, target.id);
        done('item');
      } catch (error) {
        // Leave the item as it was: protected again, so a failed delete does not leave it unprotected.
        if (applied.length > 0) {
          try {
            await calls.protectItem(s, owner, target.id, true);
            applied.length = 0;
          } catch {
            // The result then lists the unprotect as applied, and Undo turns protection back on.
          }
        }
        throw error;
      }
      return;
    }
    case 'reassign': {
      const owner = get('owner')!;
      await calls.reassignItem(s, String(owner.before), target.id, String(owner.after), planned.context.toFolder ?? '/');
      done('owner');
      done('folder');
      return;
    }
    case 'move': {
      await calls.moveItem(s, ownerOf(planned), target.id, planned.context.toFolder ?? '/');
      done('folder');
      return;
    }
    case 'unshare': {
      if (target.kind === 'group') {
        await calls.setGroupAccess(s, target.id, get('access')!.after as 'private' | 'org');
        done('access');
        return;
      }
      const owner = ownerOf(planned);
      const groups = get('groups');
      if (groups) {
        const removed = (groups.before as string[]).filter((g) => !(groups.after as string[]).includes(g));
        const refused = await calls.unshareFromGroups(s, owner, target.id, removed);
        if (refused.length > 0) {
          const partial = removed.filter((g) => !refused.includes(g));
          if (partial.length > 0) {
            applied.push({ ...groups, after: (groups.before as string[]).filter((g) => !partial.includes(g)) });
          }
          throw new Error(`ArcGIS did not unshare the item from ${refused.length} group${refused.length === 1 ? '' : 's'}: ${refused.join(', ')}.`);
        }
        done('groups');
        if (get('access')) done('access');
        return;
      }
      const access = get('access')!;
      const after = String(access.after);
      await calls.setItemAccess(s, owner, target.id, { everyone: after === 'public', org: after === 'public' || after === 'org' });
      done('access');
      return;
    }
    case 'protect':
      await calls.protectItem(s, ownerOf(planned), target.id, true);
      done('protected');
      return;
    case 'add-tags':
      await calls.setItemTags(s, ownerOf(planned), target.id, get('tags')!.after as string[]);
      done('tags');
      return;
    case 'mark-deprecated':
      await calls.setContentStatus(s, target.id, 'deprecated');
      done('contentStatus');
      return;
    case 'disable-users':
      await calls.setUserDisabled(s, target.id, true);
      done('disabled');
      return;
    case 'transfer-and-delete-user':
      await transferAndDelete(ctx, options, planned, applied);
      return;
    default:
      throw new Error(`${action} cannot be applied here.`);
  }
}

async function transferAndDelete(ctx: FixContext, options: FixOptions, planned: PlannedFix, applied: FieldChange[]): Promise<void> {
  const username = planned.target.id;
  const receiver = options.targetUsername!.trim();
  const movedItems: string[] = [];
  const movedGroups: string[] = [];
  const receiverMembership: Record<string, GroupMembership> = {};
  const failures: string[] = [];
  for (const item of planned.context.items ?? []) {
    ctx.signal?.throwIfAborted();
    try {
      await calls.reassignItem(ctx.session, username, item.id, receiver, options.targetFolder?.trim() || item.folder || '/');
      movedItems.push(item.id);
    } catch (error) {
      failures.push(`item ${item.id}: ${reasonOf(error)}`);
    }
  }
  for (const group of planned.context.ownedGroups ?? []) {
    ctx.signal?.throwIfAborted();
    try {
      // ArcGIS keeps a group's previous owner as a manager: Undo needs the receiver's membership before the move to put
      // it back exactly, so a group whose members cannot be read is not moved.
      const before = calls.membershipOf(await calls.readGroupMembers(ctx.session, group.id), receiver);
      await calls.reassignGroup(ctx.session, group.id, receiver);
      movedGroups.push(group.id);
      receiverMembership[group.id] = before;
    } catch (error) {
      failures.push(`group ${group.id}: ${reasonOf(error)}`);
    }
  }
  if (movedItems.length > 0) {
    applied.push({ field: 'ownedItems', before: { owner: username, items: movedItems }, after: { owner: receiver, items: movedItems }, summary: `${movedItems.length} items: owner ${username} -> ${receiver}` });
  }
  if (movedGroups.length > 0) {
    const before: OwnedGroupsValue = { owner: username, groups: movedGroups, receiverMembership };
    const after: OwnedGroupsValue = { owner: receiver, groups: movedGroups };
    applied.push({ field: 'ownedGroups', before, after, summary: `${movedGroups.length} groups: owner ${username} -> ${receiver}` });
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} of the user's items and groups could not be transferred, so the user was not deleted (${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; ...' : ''}).`);
  }
  await calls.deleteUser(ctx.session, username);
  applied.push(planned.changes.find((c) => c.field === 'user')!);
}

async function notifyOwners(
  ctx: FixContext,
  options: FixOptions,
  todo: { planned: PlannedFix; index: number }[],
  finish: (index: number, result: FixResult) => Promise<void>
): Promise<void> {
  const byRecipient = new Map<string, { email: string; rows: { planned: PlannedFix; index: number }[] }>();
  for (const row of todo) {
    const recipient = row.planned.context.recipient ?? '';
    const email = String(row.planned.changes[0]?.after ?? '');
    const entry = byRecipient.get(recipient.toLowerCase()) ?? { email, rows: [] };
    entry.rows.push(row);
    byRecipient.set(recipient.toLowerCase(), entry);
  }
  for (const [, { email, rows }] of byRecipient) {
    ctx.signal?.throwIfAborted();
    const recipient = rows[0]!.planned.context.recipient ?? '';
    try {
      if (!ctx.mailer) throw new Error('No email (SMTP) server is configured in OrgKeeper.');
      await ctx.mailer.send({ to: email, ...ownerEmail(ctx.orgName, recipient, rows.map((r) => r.planned), options.message) });
      for (const { planned, index } of rows) await finish(index, { ...resultOf(planned), status: 'ok', error: null, applied: planned.changes });
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      for (const { planned, index } of rows) await finish(index, { ...resultOf(planned), status: 'failed', error: `The email to ${email} was not sent: ${reasonOf(error)}`, applied: [] });
    }
  }
}

/** The email an owner gets: plain text, one line per finding with its link. */
export function ownerEmail(orgName: string, username: string, plans: PlannedFix[], note?: string): { subject: string; text: string } {
  const count = plans.length;
  const lines = [
    `Hello ${username},`,
    '',
    ...(note?.trim() ? [note.trim(), ''] : []),
    `An administrator of ${orgName} reviewed the organization's content and found ${count} thing${count === 1 ? '' : 's'} about content you own that may need your attention:`,
    ''
  ];
  for (const plan of plans) {
    const t = plan.target;
    lines.push(`- ${t.title || t.id}${t.type ? ` (${t.type})` : ''}`);
    if (plan.message) lines.push(`  ${plan.message}`);
    if (t.portalUrl) lines.push(`  ${t.portalUrl}`);
  }
  lines.push('', 'Please review these items, or reply to your administrator if they should stay as they are.', '', '-- Sent by OrgKeeper');
  return { subject: `${count} finding${count === 1 ? '' : 's'} about your content in ${orgName}`, text: lines.join('\n') };
}

// ---------------------------------------------------------------------------------------------------------------
// Undo

export interface UndoOutcome {
  findingId: string;
  status: UndoStatus;
  error: string | null;
  /** What people should know about a successful undo (a recreated item's new id). */
  note?: string;
}

/** Reverts what each result applied. `snapshotId`: the backup taken before the fix (for recreating deleted items). */
export async function undoResults(
  ctx: FixContext,
  action: FixAction,
  results: FixResult[],
  options: { operationId: string; snapshotId: string | null; restorer?: UndoRestorer; onOutcome?: (outcome: UndoOutcome) => Promise<void> | void }
): Promise<UndoOutcome[]> {
  const outcomes: UndoOutcome[] = [];
  const report = async (outcome: UndoOutcome) => {
    outcomes.push(outcome);
    await options.onOutcome?.(outcome);
  };
  const todo: FixResult[] = [];
  for (const result of results) {
    if (result.undo?.status === 'ok') continue;
    if (result.applied.length === 0) {
      await report({ findingId: result.findingId, status: 'skipped', error: result.status === 'skipped' ? 'Nothing was changed.' : 'Nothing was changed (the fix failed before changing anything).' });
    } else if (action === 'notify-owners') {
      await report({ findingId: result.findingId, status: 'skipped', error: 'An email that was sent cannot be taken back.' });
    } else todo.push(result);
  }

  // Deleted items come back first, all at once, from the snapshot (the restore engine recreates them).
  const recreated = new Map<string, RecreateOutcome>();
  const deleted = todo.filter((r) => r.applied.some((c) => c.field === 'item')).map((r) => r.target.id);
  if (deleted.length > 0 && options.restorer && options.snapshotId) {
    try {
      const answer = await options.restorer.recreateItems({ operationId: options.operationId, snapshotId: options.snapshotId, itemIds: deleted, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      for (const [id, outcome] of answer) {
        recreated.set(id, outcome);
      }
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      for (const id of deleted) recreated.set(id, { ok: false, error: reasonOf(error) });
    }
  }

  await runPool(todo, { concurrency: CONCURRENCY, onError: 'stop', signal: ctx.signal }, async (result) => {
    try {
      const undoNote = await undoOne(ctx, action, result, options.snapshotId, recreated);
      const newId = recreated.get(result.target.id)?.newId;
      const note = newId && newId !== result.target.id ? `Recreated from snapshot ${options.snapshotId} as item ${newId} (ArcGIS Online gives recreated items a new id).` : undoNote;
      await report({ findingId: result.findingId, status: 'ok', error: null, ...(note ? { note } : {}) });
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      await report({ findingId: result.findingId, status: 'failed', error: reasonOf(error) });
    }
  });
  return outcomes;
}

/** Reverts one result; returns a note for people when the undo succeeded but is worth a remark. */
async function undoOne(ctx: FixContext, action: FixAction, result: FixResult, snapshotId: string | null, recreated: Map<string, RecreateOutcome>): Promise<string | undefined> {
  const s = ctx.session;
  const target = result.target;
  const get = (field: FieldChange['field']) => result.applied.find((c) => c.field === field);
  const ownerNow = async () => String((await calls.readItem(s, target.id)).owner);
  switch (action) {
    case 'delete-items': {
      if (get('item')) {
        const outcome = recreated.get(target.id);
        if (!outcome) {
          throw new Error(
            snapshotId
              ? `The deleted item can only come back through a restore: restore item ${target.id} from snapshot ${snapshotId} (recreate).`
              : 'The item was deleted without a backup, so it cannot be brought back.'
          );
        }
        if (!outcome.ok) throw new Error(`The item could not be recreated from snapshot ${snapshotId}: ${outcome.error ?? 'unknown reason'}`);
      }
      if (get('protected')) {
        const id = recreated.get(target.id)?.newId ?? target.id;
        await calls.protectItem(s, String((await calls.readItem(s, id)).owner), id, true);
      }
      return;
    }
    case 'reassign': {
      const owner = get('owner')!;
      const folder = get('folder');
      const previous = String(owner.before);
      const giveBack = () => calls.reassignItem(s, String(owner.after), target.id, previous, folder ? String(folder.before) : '/');
      // ArcGIS does not reassign to a disabled account (items of disabled users are a usual cleanup target): enable
      // it for the reassignment only, and disable it again whatever happens.
      if ((await calls.readUser(s, previous)).disabled) {
        await calls.setUserDisabled(s, previous, false);
        try {
          await giveBack();
        } finally {
          await calls.setUserDisabled(s, previous, true);
        }
      } else await giveBack();
      return;
    }
    case 'move':
      await calls.moveItem(s, await ownerNow(), target.id, result.context.folderId ?? '/');
      return;
    case 'unshare': {
      const access = get('access');
      const groups = get('groups');
      if (target.kind === 'group') {
        if (access) await calls.setGroupAccess(s, target.id, access.before as 'private' | 'org' | 'public');
        return;
      }
      const owner = await ownerNow();
      if (groups) {
        const removed = (groups.before as string[]).filter((g) => !(groups.after as string[]).includes(g));
        const refused = await calls.shareWithGroups(s, owner, target.id, removed);
        if (refused.length > 0) throw new Error(`ArcGIS did not share the item with ${refused.join(', ')} again.`);
      }
      if (access && !groups) {
        const before = String(access.before);
        await calls.setItemAccess(s, owner, target.id, { everyone: before === 'public', org: before === 'public' || before === 'org' });
      }
      return;
    }
    case 'protect':
      await calls.protectItem(s, await ownerNow(), target.id, false);
      return;
    case 'add-tags':
      await calls.setItemTags(s, await ownerNow(), target.id, get('tags')!.before as string[]);
      return;
    case 'mark-deprecated':
      await calls.setContentStatus(s, target.id, (get('contentStatus')!.before as string | null) ?? null);
      return;
    case 'disable-users':
      await calls.setUserDisabled(s, target.id, false);
      return;
    case 'transfer-and-delete-user': {
      if (get('user')) {
        throw new Error(
          `The user ${target.id} was deleted; ArcGIS cannot bring a deleted account back. Create the account again (its profile is in snapshot ${snapshotId ?? '(none)'}), then reassign its items and groups back.`
        );
      }
      // The user still exists (the transfer stopped halfway): give back what was moved.
      const items = get('ownedItems');
      const groups = get('ownedGroups');
      const folderOf = new Map((result.context.items ?? []).map((i) => [i.id, i.folder]));
      const failures: string[] = [];
      for (const id of (items?.before as { items: string[] } | undefined)?.items ?? []) {
        try {
          await calls.reassignItem(s, String((items!.after as { owner: string }).owner), id, target.id, folderOf.get(id) ?? '/');
        } catch (error) {
          failures.push(`item ${id}: ${reasonOf(error)}`);
        }
      }
      const groupsBefore = groups?.before as OwnedGroupsValue | undefined;
      const receiver = String((groups?.after as OwnedGroupsValue | undefined)?.owner ?? '');
      // Fix rows written before memberships were recorded: the receiver stays a manager of the groups given back.
      const unknown = groupsBefore && groupsBefore.groups.length > 0 && !groupsBefore.receiverMembership;
      for (const id of groupsBefore?.groups ?? []) {
        try {
          await calls.reassignGroup(s, id, target.id);
        } catch (error) {
          failures.push(`group ${id}: ${reasonOf(error)}`);
          continue;
        }
        const problem = await restoreReceiverMembership(s, id, receiver, groupsBefore?.receiverMembership?.[id]);
        if (problem) failures.push(`group ${id}: ${problem}`);
      }
      if (failures.length > 0) throw new Error(`Some content could not be given back: ${failures.join('; ')}`);
      return unknown
        ? `The groups were given back to ${target.id}, but this fix did not record whether ${receiver} was in them before, so ${receiver} stays a manager of them (ArcGIS keeps the previous owner as a manager); remove ${receiver} from those groups if that is not wanted.`
        : undefined;
    }
    default:
      throw new Error(`${action} cannot be undone.`);
  }
}

/**
 * After a group is reassigned back, ArcGIS leaves the receiver in it as a manager: put the receiver back as it was
 * before the transfer. Returns what went wrong, or null.
 */
async function restoreReceiverMembership(s: ArcGISSession, groupId: string, receiver: string, before: GroupMembership | undefined): Promise<string | null> {
  if (!before || before === 'admin' || !receiver) return null;
  try {
    if (before === 'none') {
      const refused = await calls.removeGroupUsers(s, groupId, [receiver]);
      return refused.length > 0 ? `given back, but ArcGIS did not remove ${receiver} from it (${receiver} was not in it before the transfer).` : null;
    }
    const refused = await calls.updateGroupMemberships(s, groupId, [receiver], 'member');
    return refused.length > 0 ? `given back, but ArcGIS did not make ${receiver} a plain member again (as before the transfer).` : null;
  } catch (error) {
    return `given back, but ${receiver} could not be put back as ${before === 'none' ? 'not a member' : 'a plain member'}: ${reasonOf(error)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function skip(finding: StoredFinding, reason: string): PlannedFix {
  return { findingId: finding.id, target: finding.target, message: finding.message, status: 'skip', reason, changes: [], context: {} };
}

function change(finding: StoredFinding, changes: FieldChange[], context: PlannedFix['context']): PlannedFix {
  return { findingId: finding.id, target: finding.target, message: finding.message, status: 'change', reason: null, changes, context };
}

function ownerOf(planned: PlannedFix): string {
  const owner = planned.context.owner ?? planned.target.owner;
  if (!owner) throw new Error('The item’s owner is not known; preview the fix again.');
  return owner;
}

function resultOf(planned: PlannedFix): Omit<FixResult, 'status' | 'error'> {
  return { findingId: planned.findingId, target: planned.target, message: planned.message, changes: planned.changes, applied: [], context: planned.context, undo: null };
}

async function folderTitle(ctx: FixContext, cache: PlanCache, owner: string, folderId: string | null): Promise<string> {
  if (!folderId) return '/';
  const folders = await foldersOf(ctx, cache, owner);
  return folders.find((f) => f.id === folderId)?.title ?? folderId;
}

function sameFolderName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function accessLabel(access: string): string {
  return { public: 'Everyone (public)', org: 'Organization', shared: 'Groups only', private: 'Owner only' }[access] ?? access;
}

function groupAccessLabel(access: string): string {
  return { public: 'Everyone (public)', org: 'Organization', private: 'Members only' }[access] ?? access;
}

export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const details = (error as { details?: unknown }).details;
    const extra = Array.isArray(details) && details.length > 0 ? ` (${details.map(String).join('; ')})` : '';
    return `${error.message}${extra}`;
  }
  return String(error);
}
