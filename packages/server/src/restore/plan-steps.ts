/**
 * Planning, second phase: one step per group, item and folder, each with its action and reason, from what the live
 * target organization holds (nothing is changed there).
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { AppError } from '../errors/app-error.js';
import type { ItemEntry } from '../store/index.js';
import type { PlannedItems } from './plan-selection.js';
import { findActiveUsername, findGroup, findGroupByTitle, findItem, getPortalSelf, listUserContent, type RecycleBinState, recycleBinState } from '../arcgis/portal/index.js';
import { planFromBin, type RecycleBinLookup } from './plan-recycle-bin.js';
import type { PlanInput, SnapshotContent } from './restore.plan.js';
import type { PlanStep, RestoreParams } from './restore.types.js';

/** The organization and administrator the target session signs in as. */
export interface TargetSelf {
  id: string;
  isPortal: boolean;
  portalUrl: string;
  username: string;
  /** ArcGIS Online's recycle bin (never supported on Enterprise). */
  recycleBin: RecycleBinState;
}

/** Which organization and administrator the target session signs in as (`portals/self`). */
export async function signedInTarget(session: ArcGISSession): Promise<TargetSelf> {
  const self = await getPortalSelf({ session });
  const username = self.user?.username;
  if (!self.id || !username) throw new Error(`${session.portalUrl} did not say which organization and user this sign-in belongs to (portals/self).`);
  return { id: self.id, isPortal: self.isPortal === true, portalUrl: session.portalUrl, username, recycleBin: recycleBinState(self) };
}

export const DEFAULT_COPY_SUFFIX = ' (copy)';

/** Who owns a restored group or item in the target, and why it is not the snapshot's owner when it is not. */
export interface TargetOwner {
  owner: string;
  warning?: string;
}

/** What every planning phase reads. */
export interface PlanContext {
  input: PlanInput;
  session: ArcGISSession;
  /** The target organization, as its portal describes itself to the target identity. */
  self: TargetSelf;
  clone: boolean;
  /** The entry holds a hosted feature layer of the target organization: service data to recreate or write back. */
  hostedHere: (entry: ItemEntry) => boolean;
  ownerFor: (source: string) => Promise<TargetOwner>;
  /** The target's recycle bins (ArcGIS Online organizations that have one; undefined elsewhere). */
  recycleBin?: RecycleBinLookup;
}

/**
 * The entry holds a hosted feature layer of the organization (service data to restore). External references never
 * do: they are restored as items only and their URL is never requested.
 */
export const isHostedEntry = (entry: ItemEntry): boolean => entry.service !== undefined && entry.external === undefined;

/**
 * Maps a snapshot's owners to target users: `--owner` for everything, else (clone) the owner map, else the same
 * user; the target identity's own user when that user is missing or disabled. Refuses an `--owner` that is not there.
 */
export async function ownerResolver(session: ArcGISSession, self: TargetSelf, params: RestoreParams, clone: boolean): Promise<(source: string) => Promise<TargetOwner>> {
  const userCache = new Map<string, string | undefined>();
  const targetUser = async (username: string): Promise<string | undefined> => {
    const key = username.toLowerCase();
    if (!userCache.has(key)) userCache.set(key, await findActiveUsername({ session, username }));
    return userCache.get(key);
  };
  if (params.owner !== undefined && !(await targetUser(params.owner))) {
    throw AppError.validation({ owner: `There is no user "${params.owner}" in the target organization.` });
  }
  return async (source) => {
    if (params.owner) return { owner: (await targetUser(params.owner))! };
    if (clone) {
      const mapped = params.ownerMap?.[source] ?? params.ownerMap?.[source.toLowerCase()];
      if (mapped) {
        const found = await targetUser(mapped);
        if (found) return { owner: found };
        return { owner: self.username, warning: `The owner mapping names "${mapped}", who is not an active user of the target; owned by ${self.username} instead.` };
      }
    }
    const found = await targetUser(source);
    if (found) return { owner: found };
    return { owner: self.username, warning: `"${source}" is not an active user of the ${clone ? 'target ' : ''}organization (missing or disabled); owned by ${self.username} instead.` };
  };
}

/** A step to create, before its phase decides (the keys in the order plans have always been written in). */
function newStep(fields: Pick<PlanStep, 'key' | 'kind' | 'sourceId' | 'title' | 'type' | 'owner' | 'folder'>): PlanStep {
  const { key, kind, sourceId, title, type, owner, folder } = fields;
  return { key, kind, action: 'create', reason: '', sourceId, title, type, owner, folder, dependsOn: [], rewrites: [] };
}

/** Group steps, by group id in id order: the groups the planned items are shared with or name (every group with --all). */
export async function planGroups(ctx: PlanContext, items: Iterable<ItemEntry>, referenced: readonly string[] = []): Promise<Map<string, PlanStep>> {
  const { content, params } = ctx.input;
  // Groups the items name in their parts (a site's catalog, a project's group) come along like the ones they are shared with.
  const groupIds = new Set<string>(referenced.filter((g) => content.groups.has(g)));
  for (const e of items) for (const g of e.sharing?.groups ?? []) groupIds.add(g);
  if (params.all) for (const g of content.groups.keys()) groupIds.add(g);
  const groupSteps = new Map<string, PlanStep>();
  for (const gid of [...groupIds].sort()) {
    const group = content.groups.get(gid);
    if (!group) continue; // a group of another organization the item is shared with: the sharing step reports it
    const step = newStep({ key: `group:${gid}`, kind: 'group', sourceId: gid, title: group.title, type: 'Group', owner: '', folder: null });
    const owner = await ctx.ownerFor(group.owner);
    step.owner = owner.owner;
    if (owner.warning) step.warnings = [owner.warning];
    if (ctx.clone) {
      const existing = await findGroupByTitle({ session: ctx.session, orgId: ctx.self.id, title: group.title });
      if (existing) {
        Object.assign(step, { action: 'skip', reason: `a group "${existing.title}" exists in the target; items are shared with it`, targetId: existing.id });
      } else step.reason = 'not in the target organization';
      step.rewrites.push({ kind: 'item', from: gid, to: existing ? existing.id : `new id of group "${group.title}"` });
    } else {
      const existing = await findGroup({ session: ctx.session, id: gid });
      if (existing && group.thumbnail && existing.thumbnail !== group.thumbnail.filename) {
        // Only the thumbnail is put back in an existing group (its members and settings are today's); the engine
        // compares the bytes, so a rerun changes nothing.
        Object.assign(step, { action: 'overwrite', reason: 'the group exists; its thumbnail is restored from the snapshot', targetId: gid });
      } else if (existing) Object.assign(step, { action: 'skip', reason: 'the group exists', targetId: gid });
      else {
        step.reason = 'the group was deleted; it is created again with its members';
        step.rewrites.push({ kind: 'item', from: gid, to: `new id of group "${group.title}"` });
      }
    }
    if (!group.definition) Object.assign(step, step.action === 'create' ? { action: 'skip', reason: 'the snapshot has no definition of this group (it could not be read at backup time)' } : {});
    groupSteps.set(gid, step);
  }
  return groupSteps;
}

function folderTitle(content: SnapshotContent, owner: string, folderId: string | null | undefined): string | null {
  if (!folderId) return null;
  const user = content.users.get(owner.toLowerCase());
  return user?.folders?.find((f) => f.id === folderId)?.title ?? null;
}

/** Item steps, by item id, in the plan's item order (their dependencies are linked later). */
export async function planItems(ctx: PlanContext, planned: PlannedItems): Promise<Map<string, PlanStep>> {
  const itemSteps = new Map<string, PlanStep>();
  for (const entry of planned.items.values()) itemSteps.set(entry.id, await planItem(ctx, planned, entry));
  return itemSteps;
}

async function planItem(ctx: PlanContext, planned: PlannedItems, entry: ItemEntry): Promise<PlanStep> {
  const { content, params } = ctx.input;
  const mode = params.mode;
  const hosted = ctx.hostedHere(entry);
  const step: PlanStep = {
    ...newStep({ key: `item:${entry.id}`, kind: 'item', sourceId: entry.id, title: entry.title, type: entry.type, owner: entry.owner, folder: folderTitle(content, entry.owner, entry.folderId) }),
    ...(hosted ? { hosted: true } : {})
  };
  const warnings: string[] = [];
  if (entry.external) warnings.push(`an external reference (${entry.external.reason}): only the item is restored; its URL is not requested`);
  else if (isHostedEntry(entry) && !hosted) {
    warnings.push(`its snapshot holds a service at ${entry.service!.url}, which is not on one of the organization's hosting servers: only the item is restored; that URL is not requested`);
  }
  const included = planned.reasonIncluded.get(entry.id);
  if (!entry.item) {
    Object.assign(step, { action: 'skip', reason: 'the snapshot has no item JSON for it (it failed at backup time)' });
  } else if (mode === 'in-place' || mode === 'recreate') {
    const live = await findItem({ session: ctx.session, id: entry.id });
    const owner = await ctx.ownerFor(entry.owner);
    step.owner = owner.owner;
    if (owner.warning) warnings.push(owner.warning);
    if (live) {
      step.targetId = live.id;
      if (mode === 'recreate') Object.assign(step, { action: 'skip', reason: 'the item exists (use --mode in-place to overwrite it)' });
      else {
        step.owner = live.owner;
        Object.assign(step, { action: 'overwrite', reason: hosted ? 'the item exists: its properties and the data of its layers are restored to the snapshot' : 'the item exists: every part is restored to the snapshot' });
      }
    } else {
      step.reason = 'the item no longer exists';
      // Items may wait in the bin even when it has been switched off since (they can still be restored).
      const placement = await ctx.recycleBin?.find(entry);
      if (placement?.inBin) planFromBin(step, entry, placement, warnings);
      else if (ctx.self.isPortal) {
        step.targetId = entry.id;
        step.reason += '; ArcGIS Enterprise keeps its id (itemIdToCreate)';
      } else if (placement) step.reason += ' and is not in the recycle bin (purged, or deleted for good): it is recreated with a new id';
    }
  } else {
    const owner = await ctx.ownerFor(entry.owner);
    step.owner = owner.owner;
    if (owner.warning) warnings.push(owner.warning);
    if (params.folder !== undefined) step.folder = params.folder === '' || params.folder === '/' ? null : params.folder;
    else if (step.owner !== entry.owner) step.folder = folderTitle(content, entry.owner, entry.folderId);
    step.reason = mode === 'copy' ? 'a copy beside the original' : included ? `cloned: ${included}` : 'cloned into the target organization';
    if (mode === 'copy') step.title = `${entry.title}${params.suffix ?? DEFAULT_COPY_SUFFIX}`;
  }
  if (hosted && step.action !== 'skip' && !ctx.input.hostedAvailable) {
    Object.assign(step, { action: 'skip', reason: 'hosted feature services cannot be restored by this OrgKeeper build (the hosted-service module is missing)' });
  }
  const d = planned.deps.get(entry.id);
  if (d && d.outside.length > 0 && ctx.clone) warnings.push(`references items not in the snapshot (${d.outside.join(', ')}); those references are left as they are`);
  if (warnings.length > 0) step.warnings = warnings;
  return step;
}

/** Folder steps for the items being created, in key order; each such item then depends on its folder's step. */
export async function planFolders(ctx: PlanContext, itemSteps: Iterable<PlanStep>): Promise<PlanStep[]> {
  const folderSteps = new Map<string, PlanStep>();
  const foldersOf = new Map<string, Set<string>>();
  for (const step of itemSteps) {
    if (step.action !== 'create' || step.folder === null) continue;
    const key = `folder:${step.owner}/${step.folder}`;
    if (!folderSteps.has(key)) {
      if (!foldersOf.has(step.owner.toLowerCase())) {
        const live = await listUserContent({ session: ctx.session, username: step.owner }).catch(() => ({ folders: [] }));
        foldersOf.set(step.owner.toLowerCase(), new Set(live.folders.map((f) => f.title.toLowerCase())));
      }
      const exists = foldersOf.get(step.owner.toLowerCase())!.has(step.folder.toLowerCase());
      folderSteps.set(key, {
        ...newStep({ key, kind: 'folder', sourceId: '', title: step.folder, type: 'Folder', owner: step.owner, folder: null }),
        action: exists ? 'skip' : 'create',
        reason: exists ? 'the folder exists' : `${step.owner} has no folder "${step.folder}"`
      });
    }
    step.dependsOn.push(key);
  }
  return [...folderSteps.values()].sort((a, b) => a.key.localeCompare(b.key));
}
