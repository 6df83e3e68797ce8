/**
 * transfer-and-delete-user: gives every item and group a user owns to another user (`targetUsername`; items keep their
 * folder titles unless `targetFolder` names one folder for all), then deletes the account. When anything could not be
 * transferred the account is kept. Undo gives back what was moved while the user still exists; a deleted account
 * cannot come back through ArcGIS's REST API.
 */
import {
  deleteUser,
  getGroupMembers,
  type GroupMembers,
  listOwnedGroups,
  listUserItems,
  reassignGroup,
  reassignItem,
  removeGroupUsers,
  updateGroupMemberships
} from '../../../arcgis/portal/index.js';
import type { ArcGISSession } from '../../../arcgis/arcgis-session.js';
import type { FieldChange, FixOptions, FixResult, GroupMembership, OwnedGroupsValue, PlannedFix } from '../fix.types.js';
import type { FixActionHandler, FixContext, UndoContext } from './fix-action.js';
import { appliedChange, change, checkReceiver, plannedChange, planOnUser, plural, reasonOf, skip } from './fix-support.js';

export const transferAndDeleteUserFix: FixActionHandler = {
  check: (ctx, options) => checkReceiver(ctx, 'transfer-and-delete-user', options),

  plan: (ctx, finding, options) =>
    planOnUser(ctx, finding, 'transfer-and-delete-user', async (user) => {
      const receiver = options.targetUsername!.trim();
      if (receiver.toLowerCase() === user.username.toLowerCase()) return skip(finding, 'The user would transfer their content to themselves; choose another targetUsername.');
      const items = await listUserItems({ session: ctx.session, username: user.username });
      const groups = await listOwnedGroups({ session: ctx.session, username: user.username, orgId: ctx.orgId });
      const folderText = options.targetFolder?.trim() ? `into folder "${options.targetFolder.trim()}"` : 'keeping folder names';
      const changes: FieldChange[] = [];
      if (items.length > 0) {
        const ids = items.map((i) => i.id);
        changes.push({ field: 'ownedItems', before: { owner: user.username, items: ids }, after: { owner: receiver, items: ids }, summary: `${plural(items.length, 'item')}: owner ${user.username} -> ${receiver} (${folderText})` });
      }
      if (groups.length > 0) {
        const ids = groups.map((g) => g.id);
        changes.push({ field: 'ownedGroups', before: { owner: user.username, groups: ids }, after: { owner: receiver, groups: ids }, summary: `${plural(groups.length, 'group')}: owner ${user.username} -> ${receiver}` });
      }
      changes.push({ field: 'user', before: 'exists', after: 'deleted', summary: `Account ${user.username}: deleted` });
      return change(finding, changes, { items, ownedGroups: groups });
    }),

  apply: (ctx, planned, options, applied) => transferAndDelete(ctx, options, planned, applied),

  async undo(ctx, result) {
    if (appliedChange(result, 'user')) {
      throw new Error(
        `The user ${result.target.id} was deleted; ArcGIS cannot bring a deleted account back. Create the account again (its profile is in snapshot ${ctx.snapshotId ?? '(none)'}), then reassign its items and groups back.`
      );
    }
    return giveBack(ctx, result);
  }
};

async function transferAndDelete(ctx: FixContext, options: FixOptions, planned: PlannedFix, applied: FieldChange[]): Promise<void> {
  const session = ctx.session;
  const username = planned.target.id;
  const receiver = options.targetUsername!.trim();
  const movedItems: string[] = [];
  const movedGroups: string[] = [];
  const receiverMembership: Record<string, GroupMembership> = {};
  const failures: string[] = [];
  for (const item of planned.context.items ?? []) {
    ctx.signal?.throwIfAborted();
    try {
      await reassignItem({ session, owner: username, id: item.id, targetUsername: receiver, targetFolderName: options.targetFolder?.trim() || item.folder || '/' });
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
      const before = membershipOf(await getGroupMembers({ session, id: group.id }), receiver);
      await reassignGroup({ session, id: group.id, targetUsername: receiver });
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
  await deleteUser({ session, username });
  applied.push(plannedChange(planned, 'user')!);
}

/** The user still exists (the transfer stopped halfway): gives back what was moved. */
async function giveBack(ctx: UndoContext, result: FixResult): Promise<string | undefined> {
  const session = ctx.session;
  const username = result.target.id;
  const items = appliedChange(result, 'ownedItems');
  const groups = appliedChange(result, 'ownedGroups');
  const folderOf = new Map((result.context.items ?? []).map((i) => [i.id, i.folder]));
  const failures: string[] = [];
  for (const id of (items?.before as { items: string[] } | undefined)?.items ?? []) {
    try {
      await reassignItem({ session, owner: String((items!.after as { owner: string }).owner), id, targetUsername: username, targetFolderName: folderOf.get(id) ?? '/' });
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
      await reassignGroup({ session, id, targetUsername: username });
    } catch (error) {
      failures.push(`group ${id}: ${reasonOf(error)}`);
      continue;
    }
    const problem = await restoreReceiverMembership(session, id, receiver, groupsBefore?.receiverMembership?.[id]);
    if (problem) failures.push(`group ${id}: ${problem}`);
  }
  if (failures.length > 0) throw new Error(`Some content could not be given back: ${failures.join('; ')}`);
  return unknown
    ? `The groups were given back to ${username}, but this fix did not record whether ${receiver} was in them before, so ${receiver} stays a manager of them (ArcGIS keeps the previous owner as a manager); remove ${receiver} from those groups if that is not wanted.`
    : undefined;
}

/** A user's membership of a group from its member list (names are case-insensitive in ArcGIS). */
function membershipOf(members: GroupMembers, username: string): GroupMembership {
  const lower = username.toLowerCase();
  if (String(members.owner ?? '').toLowerCase() === lower || (members.admins ?? []).some((u) => u.toLowerCase() === lower)) return 'admin';
  return (members.users ?? []).some((u) => u.toLowerCase() === lower) ? 'member' : 'none';
}

/**
 * After a group is reassigned back, ArcGIS leaves the receiver in it as a manager: put the receiver back as it was
 * before the transfer. Returns what went wrong, or null.
 */
async function restoreReceiverMembership(session: ArcGISSession, groupId: string, receiver: string, before: GroupMembership | undefined): Promise<string | null> {
  if (!before || before === 'admin' || !receiver) return null;
  try {
    if (before === 'none') {
      const refused = await removeGroupUsers({ session, id: groupId, users: [receiver] });
      return refused.length > 0 ? `given back, but ArcGIS did not remove ${receiver} from it (${receiver} was not in it before the transfer).` : null;
    }
    const refused = await updateGroupMemberships({ session, id: groupId, users: [receiver], newMemberType: 'member' });
    return refused.length > 0 ? `given back, but ArcGIS did not make ${receiver} a plain member again (as before the transfer).` : null;
  } catch (error) {
    return `given back, but ${receiver} could not be put back as ${before === 'none' ? 'not a member' : 'a plain member'}: ${reasonOf(error)}`;
  }
}
