/**
 * The restore plan: from a snapshot and what is asked, the steps in the order they must run, each with its action
 * (create, overwrite, skip), the reason, and the id and URL rewrites it makes. Planning reads the live target
 * organization (does the item, group, folder, user exist?) but changes nothing: a dry run is exactly this.
 *
 * Order: groups (so sharing finds them), folders (so items land in them), then items so that every item comes after the
 * items it references (hosted feature services before the web maps that use them, web maps before the apps,
 * dashboards, StoryMaps and experiences that use those); ties by kind of item, then title. A reference cycle (rare) is
 * broken at the item of the lowest rank.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { findActiveUsername, findGroup, findGroupByTitle, findItem, getPortalSelf, listUserContent } from '../arcgis/portal/index.js';
import { AppError } from '../errors/app-error.js';
import type { GroupEntry, ItemEntry, SnapshotManifest, Store, UserEntry } from '../store/index.js';
import { extractReferences, urlUnder } from './references.js';
import type { PlanStep, PlannedRewrite, RestoreMode, RestoreParams, RestorePlan } from './restore.types.js';
import { matchesQuery, parseQuery } from './selection.js';

export const DEFAULT_COPY_SUFFIX = ' (copy)';

export interface SnapshotContent {
  manifest: SnapshotManifest;
  items: Map<string, ItemEntry>;
  groups: Map<string, GroupEntry>;
  users: Map<string, UserEntry>;
}

export async function readSnapshotContent(store: Store, snapshotId: string): Promise<SnapshotContent> {
  const manifest = await store.readSnapshot(snapshotId);
  const items = new Map<string, ItemEntry>();
  const groups = new Map<string, GroupEntry>();
  const users = new Map<string, UserEntry>();
  for await (const e of store.readList(manifest, 'items')) items.set(e.id, e);
  for await (const g of store.readList(manifest, 'groups')) groups.set(g.id, g);
  for await (const u of store.readList(manifest, 'users')) users.set(u.username.toLowerCase(), u);
  return { manifest, items, groups, users };
}

export interface PlanInput {
  store: Store;
  content: SnapshotContent;
  params: RestoreParams;
  source: { identityId: string };
  target: { identityId: string; session: ArcGISSession };
  /** Whether hosted feature services can be restored (the hosted-service module is present). */
  hostedAvailable: boolean;
  now: Date;
}

/**
 * The entry holds a hosted feature layer of the organization (service data to restore). External references never
 * do: they are restored as items only and their URL is never requested.
 */
export const isHostedEntry = (entry: ItemEntry): boolean => entry.service !== undefined && entry.external === undefined;

/** Rank of an item type in the restore order: data and services first, then maps, then what uses maps. */
export function typeRank(type: string): number {
  if (type === 'Feature Service' || type === 'Map Service' || type === 'Image Service' || type === 'Vector Tile Service' || type === 'Scene Service') return 0;
  if (type === 'Web Map' || type === 'Web Scene') return 2;
  if (type === 'Web Mapping Application' || type === 'Dashboard' || type === 'StoryMap' || type === 'Web Experience' || /Application|App$|Site/.test(type)) return 3;
  return 1;
}

/** The service name of a hosted feature service URL (`.../services/<name>/FeatureServer`). */
export function serviceNameOf(url: string): string | undefined {
  const match = /\/services\/(?:Hosted\/)?([^/]+)\/FeatureServer/i.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** What one item's data and properties reference among the snapshot's items (ids, and service URLs of hosted items). */
export async function itemDependencies(store: Store, entry: ItemEntry, byId: ReadonlyMap<string, ItemEntry>, serviceUrls: readonly [string, string][]): Promise<{ ids: string[]; outside: string[] }> {
  const refs = [];
  if (entry.data?.kind === 'json') {
    try {
      refs.push(...extractReferences(await store.getJson(entry.data.hash)));
    } catch {
      // Data that is not JSON after all has no references to follow.
    }
  }
  const ids = new Set<string>();
  const outside = new Set<string>();
  for (const ref of refs) {
    if (ref.kind === 'item') {
      if (ref.value === entry.id) continue;
      if (byId.has(ref.value)) ids.add(ref.value);
      else outside.add(ref.value);
    } else {
      const hit = serviceUrls.find(([url]) => urlUnder(ref.value, url));
      if (hit && hit[1] !== entry.id) ids.add(hit[1]);
    }
  }
  return { ids: [...ids], outside: [...outside] };
}

function folderTitle(content: SnapshotContent, owner: string, folderId: string | null | undefined): string | null {
  if (!folderId) return null;
  const user = content.users.get(owner.toLowerCase());
  return user?.folders?.find((f) => f.id === folderId)?.title ?? null;
}

/** Validates the selection and returns the selected entries, in snapshot order. */
export async function selectItems(store: Store, content: SnapshotContent, params: RestoreParams): Promise<ItemEntry[]> {
  if (params.all) return [...content.items.values()].filter((e) => e.status !== 'failed' || e.item !== undefined);
  if (params.items) {
    const missing = params.items.filter((id) => !content.items.has(id));
    if (missing.length > 0) {
      throw AppError.validation({ items: `These items are not in snapshot ${content.manifest.id}: ${missing.join(', ')}. List its items with \`orgkeeper snapshot show\`.` });
    }
    return params.items.map((id) => content.items.get(id)!);
  }
  const terms = parseQuery(params.query ?? '');
  const selected: ItemEntry[] = [];
  for (const entry of content.items.values()) {
    let tags: string[] = [];
    if (entry.item) {
      const json = await store.getJson<{ tags?: unknown }>(entry.item.hash).catch(() => ({ tags: [] }));
      if (Array.isArray(json.tags)) tags = json.tags.map(String);
    }
    if (matchesQuery(terms, { entry, tags })) selected.push(entry);
  }
  if (selected.length === 0) throw AppError.validation({ query: `No item of snapshot ${content.manifest.id} matches "${params.query ?? ''}".` });
  return selected;
}

/** Which organization and administrator the target session signs in as (`portals/self`). */
async function signedInTarget(session: ArcGISSession): Promise<{ id: string; isPortal: boolean; portalUrl: string; username: string }> {
  const self = await getPortalSelf({ session });
  const username = self.user?.username;
  if (!self.id || !username) throw new Error(`${session.portalUrl} did not say which organization and user this sign-in belongs to (portals/self).`);
  return { id: self.id, isPortal: self.isPortal === true, portalUrl: session.portalUrl, username };
}

export async function buildPlan(input: PlanInput): Promise<RestorePlan> {
  const { store, content, params, target } = input;
  const mode: RestoreMode = params.mode;
  const session = target.session;
  const self = await signedInTarget(session);
  const clone = mode === 'clone';
  if (clone && self.id === content.manifest.org.id) {
    throw AppError.validation({ targetIdentityId: 'The target identity is the same organization as the snapshot; use --mode copy to make copies there.' });
  }
  if (!clone && self.id !== content.manifest.org.id) {
    throw AppError.validation({ mode: `Snapshot ${content.manifest.id} is of another organization (${content.manifest.org.id}) than this identity signs in to (${self.id}).` });
  }

  const selected = await selectItems(store, content, params);
  // In its own organization a snapshot's service URL must still be one of the hosting servers the portal lists: a
  // snapshot taken before OrgKeeper checked URLs may hold "service data" read from another origin, which is not a
  // hosted layer to recreate or write back. (A clone's source organization may be unreachable; its entries decide.)
  const origins = clone ? undefined : await session.orgOrigins();
  const hostedHere = (entry: ItemEntry): boolean =>
    isHostedEntry(entry) && (origins === undefined || origins.hostedFeatureServiceUrl(entry.service!.url) !== undefined);
  const serviceUrls: [string, string][] = [];
  for (const e of content.items.values()) if (e.service?.url) serviceUrls.push([e.service.url.replace(/\/+$/, ''), e.id]);

  // Dependencies of every selected item; clone takes what the selection references along (no reference may point back
  // at the source organization), the other modes leave references to unselected items as they are.
  const inPlan = new Map<string, ItemEntry>(selected.map((e) => [e.id, e]));
  const deps = new Map<string, { ids: string[]; outside: string[] }>();
  const reasonIncluded = new Map<string, string>();
  const queue = [...selected];
  while (queue.length > 0) {
    const entry = queue.shift()!;
    if (deps.has(entry.id)) continue;
    const d = await itemDependencies(store, entry, content.items, serviceUrls);
    deps.set(entry.id, d);
    if (clone) {
      for (const id of d.ids) {
        if (!inPlan.has(id)) {
          const dep = content.items.get(id)!;
          inPlan.set(id, dep);
          reasonIncluded.set(id, `needed by "${entry.title}" (${entry.id})`);
          queue.push(dep);
        }
      }
    }
  }

  // Owners in the target.
  const userCache = new Map<string, string | undefined>();
  const targetUser = async (username: string): Promise<string | undefined> => {
    const key = username.toLowerCase();
    if (!userCache.has(key)) userCache.set(key, await findActiveUsername({ session, username }));
    return userCache.get(key);
  };
  if (params.owner !== undefined && !(await targetUser(params.owner))) {
    throw AppError.validation({ owner: `There is no user "${params.owner}" in the target organization.` });
  }
  const ownerFor = async (source: string): Promise<{ owner: string; warning?: string }> => {
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

  const steps: PlanStep[] = [];

  // Groups: those the planned items are shared with (every group with --all).
  const groupIds = new Set<string>();
  for (const e of inPlan.values()) for (const g of e.sharing?.groups ?? []) groupIds.add(g);
  if (params.all) for (const g of content.groups.keys()) groupIds.add(g);
  const groupSteps = new Map<string, PlanStep>();
  for (const gid of [...groupIds].sort()) {
    const group = content.groups.get(gid);
    if (!group) continue; // a group of another organization the item is shared with: the sharing step reports it
    const step: PlanStep = {
      key: `group:${gid}`,
      kind: 'group',
      action: 'create',
      reason: '',
      sourceId: gid,
      title: group.title,
      type: 'Group',
      owner: '',
      folder: null,
      dependsOn: [],
      rewrites: []
    };
    const owner = await ownerFor(group.owner);
    step.owner = owner.owner;
    if (owner.warning) step.warnings = [owner.warning];
    if (clone) {
      const existing = await findGroupByTitle({ session, orgId: self.id, title: group.title });
      if (existing) {
        Object.assign(step, { action: 'skip', reason: `a group "${existing.title}" exists in the target; items are shared with it`, targetId: existing.id });
      } else step.reason = 'not in the target organization';
      step.rewrites.push({ kind: 'item', from: gid, to: existing ? existing.id : `new id of group "${group.title}"` });
    } else {
      const existing = await findGroup({ session, id: gid });
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
    steps.push(step);
  }

  // Items.
  const itemSteps = new Map<string, PlanStep>();
  for (const entry of inPlan.values()) {
    const hosted = hostedHere(entry);
    const step: PlanStep = {
      key: `item:${entry.id}`,
      kind: 'item',
      action: 'create',
      reason: '',
      sourceId: entry.id,
      title: entry.title,
      type: entry.type,
      owner: entry.owner,
      folder: folderTitle(content, entry.owner, entry.folderId),
      dependsOn: [],
      rewrites: [],
      ...(hosted ? { hosted: true } : {})
    };
    const warnings: string[] = [];
    if (entry.external) warnings.push(`an external reference (${entry.external.reason}): only the item is restored; its URL is not requested`);
    else if (isHostedEntry(entry) && !hosted) {
      warnings.push(`its snapshot holds a service at ${entry.service!.url}, which is not on one of the organization's hosting servers: only the item is restored; that URL is not requested`);
    }
    const included = reasonIncluded.get(entry.id);
    if (!entry.item) {
      Object.assign(step, { action: 'skip', reason: 'the snapshot has no item JSON for it (it failed at backup time)' });
    } else if (mode === 'in-place' || mode === 'recreate') {
      const live = await findItem({ session, id: entry.id });
      const owner = await ownerFor(entry.owner);
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
        if (self.isPortal) {
          step.targetId = entry.id;
          step.reason += '; ArcGIS Enterprise keeps its id (itemIdToCreate)';
        }
      }
    } else {
      const owner = await ownerFor(entry.owner);
      step.owner = owner.owner;
      if (owner.warning) warnings.push(owner.warning);
      if (params.folder !== undefined) step.folder = params.folder === '' || params.folder === '/' ? null : params.folder;
      else if (step.owner !== entry.owner) step.folder = folderTitle(content, entry.owner, entry.folderId);
      step.reason = mode === 'copy' ? 'a copy beside the original' : included ? `cloned: ${included}` : 'cloned into the target organization';
      if (mode === 'copy') step.title = `${entry.title}${params.suffix ?? DEFAULT_COPY_SUFFIX}`;
    }
    if (hosted && step.action !== 'skip' && !input.hostedAvailable) {
      Object.assign(step, { action: 'skip', reason: 'hosted feature services cannot be restored by this OrgKeeper build (the hosted-service module is missing)' });
    }
    const d = deps.get(entry.id);
    if (d && d.outside.length > 0 && clone) warnings.push(`references items not in the snapshot (${d.outside.join(', ')}); those references are left as they are`);
    if (warnings.length > 0) step.warnings = warnings;
    itemSteps.set(entry.id, step);
  }

  // Folders for the items being created.
  const folderSteps = new Map<string, PlanStep>();
  const foldersOf = new Map<string, Set<string>>();
  for (const step of itemSteps.values()) {
    if (step.action !== 'create' || step.folder === null) continue;
    const key = `folder:${step.owner}/${step.folder}`;
    if (!folderSteps.has(key)) {
      if (!foldersOf.has(step.owner.toLowerCase())) {
        const live = await listUserContent({ session, username: step.owner }).catch(() => ({ folders: [] }));
        foldersOf.set(step.owner.toLowerCase(), new Set(live.folders.map((f) => f.title.toLowerCase())));
      }
      const exists = foldersOf.get(step.owner.toLowerCase())!.has(step.folder.toLowerCase());
      folderSteps.set(key, {
        key,
        kind: 'folder',
        action: exists ? 'skip' : 'create',
        reason: exists ? 'the folder exists' : `${step.owner} has no folder "${step.folder}"`,
        sourceId: '',
        title: step.folder,
        type: 'Folder',
        owner: step.owner,
        folder: null,
        dependsOn: [],
        rewrites: []
      });
    }
    step.dependsOn.push(key);
  }
  steps.push(...[...folderSteps.values()].sort((a, b) => a.key.localeCompare(b.key)));

  // Dependencies and rewrites of items.
  const describeNew = (s: PlanStep) => (s.targetId ?? `new id of "${s.title}"`);
  for (const [id, step] of itemSteps) {
    const entry = inPlan.get(id)!;
    for (const g of entry.sharing?.groups ?? []) {
      const gs = groupSteps.get(g);
      if (gs && gs.action === 'create') step.dependsOn.push(gs.key);
    }
    for (const depId of deps.get(id)?.ids ?? []) {
      const dep = itemSteps.get(depId);
      if (!dep) continue;
      step.dependsOn.push(dep.key);
      if (dep.action === 'create' && dep.targetId !== dep.sourceId) {
        step.rewrites.push({ kind: 'item', from: depId, to: describeNew(dep) });
        const depEntry = inPlan.get(depId)!;
        if (dep.hosted && depEntry.service?.url) step.rewrites.push({ kind: 'url', from: depEntry.service.url, to: `new URL of "${dep.title}"` });
      }
    }
    if (clone) step.rewrites.push({ kind: 'url', from: content.manifest.org.portalUrl, to: self.portalUrl });
    step.rewrites = dedupeRewrites(step.rewrites);
  }

  steps.push(...orderItems([...itemSteps.values()]));
  const counts = { create: 0, overwrite: 0, skip: 0 };
  for (const s of steps) counts[s.action]++;
  return {
    snapshotId: content.manifest.id,
    mode,
    source: { identityId: input.source.identityId, orgId: content.manifest.org.id, portalUrl: content.manifest.org.portalUrl },
    target: { identityId: target.identityId, orgId: self.id, portalUrl: self.portalUrl, admin: self.username, isEnterprise: self.isPortal },
    steps,
    counts,
    createdAt: input.now.toISOString()
  };
}

function dedupeRewrites(rewrites: PlannedRewrite[]): PlannedRewrite[] {
  const seen = new Set<string>();
  return rewrites.filter((r) => {
    const key = `${r.kind}\u0000${r.from}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Items after the items they depend on (Kahn's algorithm; ready items by type rank, then title, then id). */
export function orderItems(steps: PlanStep[]): PlanStep[] {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const pending = new Map(steps.map((s) => [s.key, new Set(s.dependsOn.filter((d) => byKey.has(d) && d !== s.key))]));
  const compare = (a: PlanStep, b: PlanStep) => typeRank(a.type) - typeRank(b.type) || a.title.localeCompare(b.title) || a.key.localeCompare(b.key);
  const ordered: PlanStep[] = [];
  while (pending.size > 0) {
    let ready = [...pending.entries()].filter(([, d]) => d.size === 0).map(([k]) => byKey.get(k)!);
    // A cycle: take the lowest-ranked item of it and go on (its references to later items stay unrewritten).
    if (ready.length === 0) ready = [[...pending.keys()].map((k) => byKey.get(k)!).sort(compare)[0]!];
    ready.sort(compare);
    const next = ready[0]!;
    ordered.push(next);
    pending.delete(next.key);
    for (const d of pending.values()) d.delete(next.key);
  }
  return ordered;
}
