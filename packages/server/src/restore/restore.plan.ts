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
import { AppError } from '../errors/app-error.js';
import type { GroupEntry, ItemEntry, SnapshotManifest, Store, UserEntry } from '../store/index.js';
import { cloneOrgRewrites } from './org-rewrites.js';
import { linkItems, orderItems } from './plan-order.js';
import { itemReferences, planReferences, referencedGroupIds } from './plan-references.js';
import { linkViewSources, RecycleBinLookup } from './plan-recycle-bin.js';
import { selectItems, withDependencies } from './plan-selection.js';
import { planViewsAndRelationships } from './plan-views.js';
import { isHostedEntry, ownerResolver, type PlanContext, planFolders, planGroups, planItems, signedInTarget, type TargetSelf } from './plan-steps.js';
import type { RestoreParams, RestorePlan } from './restore.types.js';

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

/** The service name of a hosted feature service URL (`.../services/<name>/FeatureServer`). */
export function serviceNameOf(url: string): string | undefined {
  const match = /\/services\/(?:Hosted\/)?([^/]+)\/FeatureServer/i.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export async function buildPlan(input: PlanInput): Promise<RestorePlan> {
  const { store, content, params, target } = input;
  const session = target.session;
  const self = await signedInTarget(session);
  const clone = params.mode === 'clone';
  checkTargetOrganization(content, self, clone);
  const selected = await selectItems(store, content, params);
  const hostedHere = await hostedTest(session, clone);
  const planned = await withDependencies(store, content, selected, clone);
  const ctx: PlanContext = {
    input,
    session,
    self,
    clone,
    hostedHere,
    ownerFor: await ownerResolver(session, self, params, clone),
    ...(self.recycleBin.supported && !clone ? { recycleBin: new RecycleBinLookup(session) } : {})
  };

  const found = await itemReferences(ctx, planned.items.values());
  const groupSteps = await planGroups(ctx, planned.items.values(), referencedGroupIds(found));
  const itemSteps = await planItems(ctx, planned);
  await planViewsAndRelationships(ctx, planned, itemSteps);
  const folderSteps = await planFolders(ctx, itemSteps.values());
  linkItems(ctx, planned, itemSteps, groupSteps);
  const orgRewrites = clone ? await cloneOrgRewrites(store, content, { portalUrl: self.portalUrl, origins: await session.orgOrigins() }) : undefined;
  for (const [id, step] of itemSteps) planReferences(ctx, planned.items.get(id)!, step, found.get(id), { groupSteps, orgRewrites: orgRewrites ?? [] });
  linkViewSources(planned.items, itemSteps);

  const steps = [...groupSteps.values(), ...folderSteps, ...orderItems([...itemSteps.values()])];
  const counts = { create: 0, overwrite: 0, skip: 0 };
  for (const s of steps) counts[s.action]++;
  const fromRecycleBin = steps.filter((s) => s.recycleBin).length;
  return {
    snapshotId: content.manifest.id,
    mode: params.mode,
    source: { identityId: input.source.identityId, orgId: content.manifest.org.id, portalUrl: content.manifest.org.portalUrl },
    target: { identityId: target.identityId, orgId: self.id, portalUrl: self.portalUrl, admin: self.username, isEnterprise: self.isPortal },
    ...(orgRewrites ? { orgRewrites } : {}),
    ...(params.parts ? { parts: params.parts } : {}),
    steps,
    counts,
    ...(self.recycleBin.supported ? { fromRecycleBin, recycleBin: self.recycleBin } : {}),
    createdAt: input.now.toISOString()
  };
}

/** A clone goes to another organization; every other mode back to the snapshot's own. */
function checkTargetOrganization(content: SnapshotContent, self: TargetSelf, clone: boolean): void {
  if (clone && self.id === content.manifest.org.id) {
    throw AppError.validation({ targetIdentityId: 'The target identity is the same organization as the snapshot; use --mode copy to make copies there.' });
  }
  if (!clone && self.id !== content.manifest.org.id) {
    throw AppError.validation({ mode: `Snapshot ${content.manifest.id} is of another organization (${content.manifest.org.id}) than this identity signs in to (${self.id}).` });
  }
}

/**
 * In its own organization a snapshot's service URL must still be one of the hosting servers the portal lists (see
 * ItemEntry.service); a clone's source organization may be unreachable, so there its entries decide.
 */
async function hostedTest(session: ArcGISSession, clone: boolean): Promise<(entry: ItemEntry) => boolean> {
  const origins = clone ? undefined : await session.orgOrigins();
  return (entry) => isHostedEntry(entry) && (origins === undefined || origins.hostedFeatureServiceUrl(entry.service!.url) !== undefined);
}
