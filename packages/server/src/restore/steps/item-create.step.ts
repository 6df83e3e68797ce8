/**
 * An item step that creates the item: its hosted service first (when it has one), then the item (added with the
 * restore's marker: restore.engine.ts says why), its owner and folder, its parts, resources and sharing; the marker
 * goes last.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import type { ItemEntry } from '../../store/index.js';
import { addItem, findItem, type ItemParams, listUserContent, moveItem, type PortalFolder, reassignItem, setItemProtected, updateItem } from '../../arcgis/portal/index.js';
import { itemTypeOf, rewritesData } from '../../item-types/index.js';
import { type RewriteMaps, rewriteJsonText, stringRewriter } from '../references.js';
import { serviceNameOf } from '../restore.plan.js';
import type { PlanStep } from '../restore.types.js';
import { ensureFolder } from './folder.step.js';
import { type ItemJson, partParams, propertyParams, surveyPackageParams, syncResources, syncSharing } from './item-parts.js';
import { isSurveyForm } from '../survey-package.js';
import { type ItemStepState, mapServiceUrls, parseState, rewriteMaps, type StepContext } from './step-context.js';
import { restoreRelationships } from './item-relationships.js';
import { relinkSurveyItems } from './survey.step.js';
import { viewSourceUrlFor } from './view.step.js';

/** The type keyword that marks an item this restore is still creating (and finds it again after a crash). */
export const markerFor = (operationId: string, sourceId: string) => `orgkeeper-restore:${operationId}:${sourceId}`;

export async function createItem(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson): Promise<void> {
  const maps = rewriteMaps(ctx);
  const marker = markerFor(ctx.input.operationId, entry.id);
  const props = propertyParams(item, step, maps);
  const state = parseState(ctx.row.state);
  let id = state.createdId;
  let newUrl: string | null = ctx.row.new_url;

  if (entry.service && state.createdId && state.layerUrls && newUrl) {
    // The service was recreated by an earlier run of this step: only the item's own parts are left to do.
    mapServiceUrls(ctx.maps.urls, entry.service.url, newUrl, state.layerUrls);
  } else if (entry.service) {
    ({ id, newUrl } = await recreateService(ctx, step, entry, item, { props, marker, state }));
  }
  if (!id) id = await findOrAddItem(ctx, step, entry, item, { props, marker, maps });
  ctx.maps.ids.set(entry.id, id);
  const owner = await placeItem(ctx, step, id);
  await finishItem(ctx, step, entry, item, { id, owner, marker, maps: await withOwnIds(ctx, entry, id, maps), newUrl });
}

/**
 * What the item's data says of the item itself, known only once it exists: its new id (a scene's slide thumbnails,
 * a QuickCapture project's `itemId`) and, for items that name their own folder (a Workforce project's `folderId`),
 * its target folder. The data, written before either was known, is written again when it names them.
 */
async function withOwnIds(ctx: StepContext, entry: ItemEntry, id: string, maps: RewriteMaps): Promise<RewriteMaps> {
  if (entry.data?.kind !== 'json' || id === entry.id) return maps;
  const spec = itemTypeOf(entry);
  if (!rewritesData(spec)) return maps;
  const text = (await ctx.input.store.blobs.get(entry.data.hash)).toString('utf8');
  const live = await findItem({ session: ctx.input.session, id });
  const folder = typeof live?.ownerFolder === 'string' && live.ownerFolder !== '' ? live.ownerFolder : undefined;
  const namesFolder = !!entry.folderId && !!folder && folder !== entry.folderId && !!spec?.references.some((r) => r.kind === 'folder');
  const own: RewriteMaps = namesFolder ? { ids: new Map([...maps.ids, [entry.folderId!, folder!]]), urls: maps.urls } : maps;
  if (namesFolder || new RegExp(`(?<![0-9a-f])${entry.id}(?![0-9a-f])`, 'i').test(text)) {
    await updateItem({ session: ctx.input.session, owner: live!.owner, id, params: { text: rewriteJsonText(text, own).text } });
  }
  return own;
}

/** Recreates the item's hosted service (the hosted module creates the service and its item); checkpoints the new ids. */
async function recreateService(
  ctx: StepContext,
  step: PlanStep,
  entry: ItemEntry,
  item: ItemJson,
  made: { props: Record<string, string>; marker: string; state: ItemStepState }
): Promise<{ id: string; newUrl: string }> {
  const { session, store, plan, hosted, signal, operationId } = ctx.input;
  if (!hosted) throw new Error('Hosted feature services cannot be restored by this OrgKeeper build.');
  const service = entry.service!;
  const folderId = step.folder ? await ensureFolder(ctx, step.owner, step.folder) : null;
  const original = serviceNameOf(service.url) ?? entry.title.replace(/\W+/g, '_');
  const serviceName = plan.mode === 'copy' ? `${original}_${(operationId.replace(/[^0-9a-zA-Z]/g, '').slice(-6) || 'copy')}` : original;
  const args = {
    session,
    store,
    entry,
    owner: step.owner,
    folderId,
    serviceName,
    itemProperties: { ...made.props, typeKeywords: [...(item.typeKeywords ?? []), made.marker].join(',') },
    signal,
    checkpoint: async (s: unknown) => ctx.save({ state: JSON.stringify({ ...parseState(ctx.row.state), hosted: s }) }),
    ...(made.state.hosted !== undefined ? { resumeState: made.state.hosted } : {})
  };
  // A view is made a view again, on its restored source; it is never filled with rows (view.step.ts).
  const result = service.view
    ? await hosted.recreateView({ ...args, sourceUrlFor: viewSourceUrlFor(ctx) })
    : await hosted.recreateHostedService({ ...args, onProgress: (p) => ctx.input.onProgress?.({ ...ctx.progress, current: step.title, ...p }) });
  const id = result.itemId;
  const newUrl = result.serviceUrl;
  const layerUrls = Object.fromEntries(Object.entries(result.layerUrls).map(([k, v]) => [k, v]));
  await ctx.save({ new_id: id, new_url: newUrl, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id, layerUrls }) });
  // The service URL is known now: the item's own parts (data overrides, resources) may mention it.
  mapServiceUrls(ctx.maps.urls, service.url, newUrl, layerUrls);
  ctx.maps.ids.set(entry.id, id);
  return { id, newUrl };
}

/** The item a crashed run of this step added (found by its marker), else a new one; its id is checkpointed at once. */
async function findOrAddItem(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson, made: { props: Record<string, string>; marker: string; maps: RewriteMaps }): Promise<string> {
  const { store, plan } = ctx.input;
  if (ctx.resumedStep) {
    const id = (await findMarked(ctx, step, made.marker))?.id;
    // Found: checkpointed at once, since the marker that found it is removed at the end of this step.
    if (id) {
      await ctx.save({ new_id: id, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id }) });
      return id;
    }
  }
  const params: ItemParams = {
    ...made.props,
    type: item.type,
    typeKeywords: [...(item.typeKeywords ?? []).map(stringRewriter(made.maps)), made.marker].join(','),
    ...(await partParams(store, entry, made.maps, false)),
    ...(step.targetId && step.targetId === entry.id && plan.target.isEnterprise ? { itemIdToCreate: entry.id } : {})
  };
  const id = await addItem({ session: ctx.input.session, owner: plan.target.admin, params, marker: made.marker });
  await ctx.save({ new_id: id, state: JSON.stringify({ ...parseState(ctx.row.state), createdId: id }) });
  return id;
}

/** Owner and folder: the new item goes to the planned owner and folder; returns its owner. */
async function placeItem(ctx: StepContext, step: PlanStep, id: string): Promise<string> {
  const { session } = ctx.input;
  const live = await findItem({ session: session, id: id });
  if (!live) throw new Error(`The new item ${id} disappeared while it was being restored.`);
  let owner = live.owner;
  if (owner.toLowerCase() !== step.owner.toLowerCase()) {
    await reassignItem({ session: session, owner: owner, id: id, targetUsername: step.owner, targetFolderName: step.folder });
    owner = step.owner;
  } else if (step.folder) {
    const folderId = await ensureFolder(ctx, owner, step.folder);
    if (folderId && live.ownerFolder !== folderId) await moveItem({ session: session, owner: owner, id: id, folder: folderId });
  }
  return owner;
}

/** The item's own parts, resources, sharing and protection; last, the marker goes, which says the item is complete. */
async function finishItem(
  ctx: StepContext,
  step: PlanStep,
  entry: ItemEntry,
  item: ItemJson,
  made: { id: string; owner: string; marker: string; maps: RewriteMaps; newUrl: string | null }
): Promise<void> {
  const { session, store } = ctx.input;
  const { id, owner, maps } = made;
  if (entry.service) {
    // The hosted module created the service and its item; the item's own properties (with the new URL), data (layer
    // overrides), thumbnail and metadata are the snapshot's, set here as for any item (the marker stays until the end).
    // Its `name` is its service's, which the restore chose (a suffix when the name was taken): not the snapshot's.
    const { name: _name, ...properties } = propertyParams(item, step, maps);
    await updateItem({ session: session, owner: owner, id: id, params: {
      ...properties,
      typeKeywords: [...(item.typeKeywords ?? []).map(stringRewriter(maps)), made.marker].join(','),
      ...(await partParams(store, entry, maps, false)),
      clearEmptyFields: 'true'
    } });
  }
  await syncResources(ctx, owner, id, entry, maps);
  await syncSharing(ctx, owner, id, entry, false);
  if (item.protected) await setItemProtected({ session: session, owner: owner, id: id, value: true });
  // The item's own URL may name its id (apps: `?appid=`), known only now.
  const rewrite = stringRewriter(maps);
  await updateItem({ session: session, owner: owner, id: id, params: {
    typeKeywords: (item.typeKeywords ?? []).map(rewrite).join(','),
    ...(typeof item.url === 'string' && item.url !== '' && !entry.service ? { url: rewrite(item.url) } : {}),
    // A Survey123 web designer form is named after its id (`<id>.zip`, and the files in its package).
    ...(isSurveyForm(entry.type) && entry.data?.kind === 'file' ? { ...(await surveyPackageParams(store, entry, maps)), ...(typeof item.name === 'string' ? { name: rewrite(item.name) } : {}) } : {}),
    clearEmptyFields: 'true'
  } });
  const url = (await findItem({ session: session, id: id }))?.url;
  await ctx.save({ new_id: id, new_url: made.newUrl ?? (typeof url === 'string' && url !== '' ? url : null) });
  if (isSurveyForm(entry.type)) await relinkSurveyItems(ctx, entry, id);
  // Last: the item is complete whatever becomes of its relationships.
  await restoreRelationships(ctx, step, entry, id, owner);
}

/** An item carrying this restore's marker for the source item, in the admin's root or the owner's target folder. */
async function findMarked(ctx: StepContext, step: PlanStep, marker: string): Promise<IItem | undefined> {
  const { session, plan } = ctx.input;
  const places: [string, string | null][] = [[plan.target.admin, null]];
  if (step.owner.toLowerCase() !== plan.target.admin.toLowerCase()) places.push([step.owner, null]);
  const folderId = step.folder ? ctx.folders.get(`${step.owner}/${step.folder}`.toLowerCase()) : undefined;
  if (folderId) places.push([step.owner, folderId]);
  else if (step.folder) {
    const { folders } = await listUserContent({ session: session, username: step.owner }).catch(() => ({ folders: [] as PortalFolder[] }));
    const f = folders.find((x) => x.title.toLowerCase() === step.folder!.toLowerCase());
    if (f) places.push([step.owner, f.id]);
  }
  for (const [user, folder] of places) {
    const { items } = await listUserContent({ session: session, username: user, folderId: folder }).catch(() => ({ items: [] as IItem[] }));
    const hit = items.find((i) => (i.typeKeywords ?? []).includes(marker));
    if (hit) return hit;
  }
  if (step.targetId) {
    const kept = await findItem({ session: session, id: step.targetId });
    if (kept && (kept.typeKeywords ?? []).includes(marker)) return kept;
  }
  return undefined;
}

