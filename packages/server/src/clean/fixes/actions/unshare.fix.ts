/**
 * unshare: stops sharing with everyone (public -> organization), with the organization (-> groups only or private),
 * or with groups (`groups`, or every group). Groups themselves can be made less visible too (public -> organization,
 * organization -> private). Undo shares again with what was unshared.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { getGroup, getItemGroupIds, type GroupUpdate, shareItem, unshareItem, updateGroup } from '../../../arcgis/portal/index.js';
import { AppError } from '../../../errors/app-error.js';
import type { FieldChange, FixOptions, PlannedFix } from '../fix.types.js';
import type { FixActionHandler, FixContext, StoredFinding } from './fix-action.js';
import { accessLabel, appliedChange, change, currentOwner, groupAccessLabel, ownerOf, plannedChange, planOnItem, plural, skip } from './fix-support.js';

type GroupAccess = NonNullable<GroupUpdate['access']>;

export const unshareFix: FixActionHandler = {
  async check(_ctx, options) {
    if (options.from === 'groups' && options.groups !== undefined && options.groups.length === 0) {
      throw AppError.validation({ groups: 'Name the groups to stop sharing with, or leave groups out to unshare from every group.' });
    }
  },

  plan: (ctx, finding, options) =>
    finding.target.kind === 'group' ? planGroup(ctx, finding, options) : planOnItem(ctx, finding, 'unshare', (item) => planItem(ctx, finding, item, options)),

  async apply(ctx, planned, _options, applied) {
    const session = ctx.session;
    const id = planned.target.id;
    if (planned.target.kind === 'group') {
      const access = plannedChange(planned, 'access')!;
      await updateGroup({ session, id, params: { access: access.after as GroupAccess } });
      applied.push(access);
      return;
    }
    const owner = ownerOf(planned);
    const groups = plannedChange(planned, 'groups');
    if (groups) {
      const removed = removedGroups(groups);
      const refused = await unshareItem({ session, owner, id, groups: removed });
      if (refused.length > 0) {
        const partial = removed.filter((g) => !refused.includes(g));
        if (partial.length > 0) applied.push({ ...groups, after: (groups.before as string[]).filter((g) => !partial.includes(g)) });
        throw new Error(`ArcGIS did not unshare the item from ${plural(refused.length, 'group')}: ${refused.join(', ')}.`);
      }
      applied.push(groups);
      const access = plannedChange(planned, 'access');
      if (access) applied.push(access);
      return;
    }
    const access = plannedChange(planned, 'access')!;
    await shareItem({ session, owner, id, ...sharingFlags(String(access.after)), groups: [] });
    applied.push(access);
  },

  async undo(ctx, result) {
    const session = ctx.session;
    const id = result.target.id;
    const access = appliedChange(result, 'access');
    const groups = appliedChange(result, 'groups');
    if (result.target.kind === 'group') {
      if (access) await updateGroup({ session, id, params: { access: access.before as GroupAccess } });
      return undefined;
    }
    const owner = await currentOwner(ctx, id);
    if (groups) {
      const refused = await shareItem({ session, owner, id, groups: removedGroups(groups) });
      if (refused.length > 0) throw new Error(`ArcGIS did not share the item with ${refused.join(', ')} again.`);
    }
    if (access && !groups) await shareItem({ session, owner, id, ...sharingFlags(String(access.before)), groups: [] });
    return undefined;
  }
};

/** The groups a `groups` change stops sharing with. */
function removedGroups(groups: FieldChange): string[] {
  return (groups.before as string[]).filter((g) => !(groups.after as string[]).includes(g));
}

/** `share`'s everyone and org flags for an access level (everyone implies the organization). */
function sharingFlags(access: string): { everyone: boolean; org: boolean } {
  return { everyone: access === 'public', org: access === 'public' || access === 'org' };
}

async function planGroup(ctx: FixContext, finding: StoredFinding, options: FixOptions): Promise<PlannedFix> {
  const group = await getGroup({ session: ctx.session, id: finding.target.id });
  const access = String(group.access);
  const from = options.from ?? 'everyone';
  if (from === 'groups') return skip(finding, 'A group is not shared with groups; unshare it from everyone or from the organization.');
  const after = from === 'everyone' ? (access === 'public' ? 'org' : null) : access === 'private' ? null : 'private';
  if (!after) return skip(finding, from === 'everyone' ? 'The group is not public.' : 'The group is already private.');
  return change(finding, [{ field: 'access', before: access, after, summary: `Group access: ${groupAccessLabel(access)} -> ${groupAccessLabel(after)}` }], {});
}

async function planItem(ctx: FixContext, finding: StoredFinding, item: IItem, options: FixOptions): Promise<PlannedFix> {
  const access = String(item.access ?? 'private');
  const groups = await getItemGroupIds({ session: ctx.session, id: item.id });
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
  const changes: FieldChange[] = [{ field: 'groups', before: groups, after: remaining, summary: `Groups: stop sharing with ${plural(removed.length, 'group')} (${removed.join(', ')})` }];
  // ArcGIS derives the access level: an item shared with groups only becomes private when the last group goes.
  if (access === 'shared' && remaining.length === 0) changes.push({ field: 'access', before: access, after: 'private', summary: `Sharing: ${accessLabel('shared')} -> ${accessLabel('private')}` });
  return change(finding, changes, {});
}
