/**
 * A group step: a deleted group created again (settings, thumbnail, members, owner), or an existing group's thumbnail
 * put back. A group created before a crash is found by its title, not created twice.
 */
import type { GroupEntry } from '../../store/index.js';
import { addGroupUsers, createGroup, findActiveUsername, findGroup, findGroupByTitle, getGroupThumbnail, type GroupMembers, type GroupParams, reassignGroup, removeGroupUsers, updateGroup } from '../../arcgis/portal/index.js';
import type { PlanStep } from '../restore.types.js';
import { fileFrom, fileOf, type StepContext } from './step-context.js';

export async function restoreGroup(ctx: StepContext, step: PlanStep): Promise<void> {
  const { session, store, content, plan } = ctx.input;
  const entry: GroupEntry = content.groups.get(step.sourceId)!;
  // An existing group restored in place keeps everything but what the snapshot adds back: its thumbnail.
  if (step.action === 'overwrite' && step.targetId) {
    await ensureGroupThumbnail(ctx, step.targetId, entry);
    return;
  }
  const def = await store.getJson<Record<string, unknown>>(entry.definition!.hash);
  let groupId = ctx.row.new_id && ctx.row.new_id !== step.sourceId ? ctx.row.new_id : undefined;
  let thumbnailSent = false;
  if (!groupId) {
    // A crash after createGroup: the group of this title owned by the admin or the planned owner is ours.
    const found = ctx.row.state ? await findGroupByTitle({ session: session, orgId: plan.target.orgId, title: step.title }) : undefined;
    if (found) groupId = found.id;
    else {
      await ctx.save({ state: JSON.stringify({ creating: true }) });
      const params: Record<string, string> = { title: String(def.title ?? step.title) };
      for (const key of ['description', 'snippet', 'access', 'phone', 'sortField', 'sortOrder', 'membershipAccess']) {
        const v = def[key];
        if (typeof v === 'string' && v !== '') params[key] = v;
      }
      for (const key of ['isInvitationOnly', 'isViewOnly', 'autoJoin', 'hiddenMembers']) if (typeof def[key] === 'boolean') params[key] = String(def[key]);
      if (Array.isArray(def.tags)) params.tags = (def.tags as unknown[]).map(String).join(',');
      const createParams: GroupParams = params;
      if (entry.thumbnail) createParams.thumbnail = await fileOf(store, entry.thumbnail.hash, entry.thumbnail.filename, entry.thumbnail.contentType);
      const group = await createGroup({ session: session, params: createParams });
      groupId = group.id;
      thumbnailSent = true;
    }
    await ctx.save({ new_id: groupId });
  }
  // A group found after a crash (or created by an earlier attempt) may lack the thumbnail.
  if (!thumbnailSent) await ensureGroupThumbnail(ctx, groupId, entry);
  // Members that are users of the target (the owner is set by reassigning).
  if (entry.members) {
    const members = await store.getJson<GroupMembers>(entry.members.hash);
    const exists = async (u: string) => (await findActiveUsername({ session: session, username: u })) !== undefined;
    const pick = async (list: string[] | undefined) => {
      const out: string[] = [];
      for (const u of list ?? []) if (u.toLowerCase() !== plan.target.admin.toLowerCase() && u.toLowerCase() !== step.owner.toLowerCase() && (await exists(u))) out.push(u);
      return out;
    };
    const admins = await pick(members.admins);
    const users = (await pick(members.users)).filter((u) => !admins.includes(u));
    if (admins.length + users.length > 0) await addGroupUsers({ session: session, id: groupId, users: users, admins: admins });
  }
  if (step.owner.toLowerCase() !== plan.target.admin.toLowerCase()) {
    await reassignGroup({ session: session, id: groupId, targetUsername: step.owner });
    // The creator stays in a reassigned group as a manager; it leaves unless the snapshot has it as a member.
    const members = entry.members ? await store.getJson<GroupMembers>(entry.members.hash) : {};
    const all = [members.owner, ...(members.admins ?? []), ...(members.users ?? [])].filter((u): u is string => typeof u === 'string').map((u) => u.toLowerCase());
    if (!all.includes(plan.target.admin.toLowerCase())) await removeGroupUsers({ session: session, id: groupId, users: [plan.target.admin] });
  }
}

/**
 * Sends the snapshot's thumbnail to a live group unless it already has the same file under the same name, so running
 * the restore again changes nothing. A live thumbnail the snapshot does not have is left alone.
 */
async function ensureGroupThumbnail(ctx: StepContext, groupId: string, entry: GroupEntry): Promise<void> {
  const { session, store } = ctx.input;
  const thumbnail = entry.thumbnail;
  if (!thumbnail) return;
  const live = await findGroup({ session: session, id: groupId });
  if (!live) throw new Error(`The group ${groupId} ("${entry.title}") no longer exists in the target; run the restore again to create it.`);
  const bytes = await store.blobs.get(thumbnail.hash);
  if (live.thumbnail === thumbnail.filename) {
    const current = await getGroupThumbnail({ session: session, id: groupId, name: thumbnail.filename });
    if (current?.equals(bytes)) return;
  }
  await updateGroup({ session: session, id: groupId, params: { thumbnail: fileFrom(bytes, thumbnail.filename, thumbnail.contentType) } });
}
