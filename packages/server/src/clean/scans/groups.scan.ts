import type { IGroup } from '@esri/arcgis-rest-portal';
import type { Finding } from '../clean.types.js';
import { findingKey, forEachReporting, groupTarget, isRecoverable, type ScanFunction } from './scan-context.js';

/**
 * Groups that serve nobody: empty (no member besides the owner and no items; reported once as `empty`, not also as
 * single-member and without content), single member (only the owner, but with items), no content (members, but no
 * item shared with it), and groups whose owner is disabled. Two requests per group: its members and a count of its items.
 */
export const scanGroups: ScanFunction = async (ctx) => {
  const o = ctx.options;
  ctx.progress({ phase: 'groups', done: 0, total: 0 });
  // The users (for disabled owners) are listed while the groups' members and contents are read: nothing waits on them.
  const usersRead = o.ownerDisabled ? ctx.reader.users() : Promise.resolve([]);
  usersRead.catch(() => undefined); // awaited below; a failure is thrown there, not reported as unhandled
  const groups = await ctx.reader.groups();
  const findings: Finding[] = [];
  const add = (group: IGroup, code: string, message: string, severity: Finding['severity'], details: Record<string, unknown>) => {
    const target = groupTarget(ctx, group);
    findings.push({ key: findingKey('groups', code, target), scanType: 'groups', target, code, message, severity, details });
  };
  const needCounts = o.empty || o.singleMember || o.noContent;
  await forEachReporting(groups, 'groups', ctx, async (group) => {
    if (!needCounts) return;
    let members: Awaited<ReturnType<typeof ctx.reader.groupMembers>>;
    let itemCount: number;
    try {
      [members, itemCount] = await Promise.all([ctx.reader.groupMembers(group.id), ctx.reader.groupItemCount(group.id)]);
    } catch (error) {
      if (!isRecoverable(error, ctx)) throw error;
      ctx.reader.problems.push(`The members or items of group "${group.title}" (${group.id}) could not be read: ${(error as Error).message}`);
      return;
    }
    const others = new Set([...(members.admins ?? []), ...(members.users ?? [])].map((u) => u.toLowerCase()));
    others.delete(String(members.owner ?? group.owner).toLowerCase());
    const details = { members: others.size + 1, items: itemCount };
    if (others.size === 0 && itemCount === 0) {
      if (o.empty) add(group, 'empty', 'Has no members besides its owner and no items.', 'warning', details);
    } else if (others.size === 0) {
      if (o.singleMember) add(group, 'single-member', `Its only member is its owner (${itemCount} items are shared with it).`, 'info', details);
    } else if (itemCount === 0) {
      if (o.noContent) add(group, 'no-content', `No item is shared with it (${others.size + 1} members).`, 'info', details);
    }
  });
  const disabled = new Set((await usersRead).filter((u) => u.disabled).map((u) => u.username.toLowerCase()));
  for (const group of groups) {
    if (o.ownerDisabled && disabled.has(String(group.owner).toLowerCase())) {
      add(group, 'owner-disabled', `Its owner ${group.owner} is disabled; nobody may be able to manage it.`, 'warning', { owner: group.owner });
    }
  }
  findings.sort((a, b) => a.key.localeCompare(b.key));
  const count = (code: string) => findings.filter((f) => f.code === code).length;
  return {
    findings,
    summary: { groupsChecked: groups.length, empty: count('empty'), singleMember: count('single-member'), noContent: count('no-content'), ownerDisabled: count('owner-disabled') }
  };
};
