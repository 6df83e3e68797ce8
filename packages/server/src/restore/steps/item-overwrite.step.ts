/**
 * An item step that overwrites a live item with the snapshot's: owner and folder, hosted layer data, properties,
 * parts, resources, sharing and delete protection.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import type { ArcGISSession } from '../../arcgis/arcgis-session.js';
import type { ItemEntry } from '../../store/index.js';
import { deleteItemThumbnail, findActiveUsername, findItem, moveItem, reassignItem, setItemProtected, updateItem } from '../../arcgis/portal/index.js';
import type { ItemPartName, PlanStep } from '../restore.types.js';
import { ensureFolder } from './folder.step.js';
import { type ItemJson, partParams, propertyParams, syncResources, syncSharing } from './item-parts.js';
import { parseState, rewriteMaps, type StepContext } from './step-context.js';
import { restoreRelationships } from './item-relationships.js';
import { viewSourceUrlFor } from './view.step.js';

/** `layerData: false`: the item's properties and parts only, not its hosted layers' rows (a view's are its source's). */
export async function overwriteItem(ctx: StepContext, step: PlanStep, entry: ItemEntry, item: ItemJson, options: { layerData?: boolean } = {}): Promise<void> {
  const { session, store, hosted, signal } = ctx.input;
  const id = step.targetId!;
  const live = await findItem({ session: session, id: id });
  if (!live) throw new Error(`The item ${id} was deleted after the plan was made; run the restore again with --mode recreate.`);
  const maps = rewriteMaps(ctx);
  // A restore of chosen parts (from a comparison with the live item) writes only those; the rest stays as it is live.
  const chosen = ctx.input.plan.parts;
  const want = (part: ItemPartName) => !chosen || chosen.includes(part);
  let owner = live.owner;
  // Back to the snapshot's owner and folder when they differ and the owner still exists.
  // (The owner and folder are among the item's properties: a restore of other parts leaves them.)
  if (want('item') && live.owner.toLowerCase() !== entry.owner.toLowerCase() && (await findActiveUsername({ session: session, username: entry.owner }))) {
    await reassignItem({ session: session, owner: live.owner, id: id, targetUsername: entry.owner, targetFolderName: step.folder });
    owner = entry.owner;
  } else if (want('item') && (live.ownerFolder ?? null) !== (entry.folderId ?? null)) {
    const folderId = step.folder === null ? null : await ensureFolder(ctx, owner, step.folder);
    if (folderId !== null || step.folder === null) await moveItem({ session: session, owner: owner, id: id, folder: folderId });
  }
  if (entry.service?.view && hosted && !chosen) {
    // A view's definition only: its rows are its source's, restored by the source's own step, never through the view.
    await hosted.restoreViewDefinition({ session, store, entry, serviceUrl: await liveServiceUrl(session, live, entry), signal, sourceUrlFor: viewSourceUrlFor(ctx) });
  } else if (entry.service && hosted && !chosen && options.layerData !== false) {
    const url = await liveServiceUrl(session, live, entry);
    const state = parseState(ctx.row.state);
    await hosted.restoreLayerData({
      session,
      store,
      entry,
      serviceUrl: url,
      signal,
      checkpoint: async (s) => ctx.save({ state: JSON.stringify({ ...parseState(ctx.row.state), hosted: s }) }),
      ...(state.hosted !== undefined ? { resumeState: state.hosted } : {}),
      onProgress: (p) => ctx.input.onProgress?.({ ...ctx.progress, current: step.title, ...p })
    });
  }
  const { text, file, filename, thumbnail, metadata } = await partParams(store, entry, maps, true);
  const params = {
    ...(want('item') ? propertyParams(item, step, maps) : {}),
    ...(want('data') ? { text, file, filename } : {}),
    ...(want('thumbnail') ? { thumbnail } : {}),
    ...(want('metadata') ? { metadata } : {})
  };
  if (Object.values(params).some((v) => v !== undefined)) await updateItem({ session: session, owner: owner, id: id, params: { ...params, clearEmptyFields: 'true' } });
  if (want('thumbnail') && !entry.thumbnail && live.thumbnail) await deleteItemThumbnail({ session: session, owner: owner, id: id });
  if (want('resources')) await syncResources(ctx, owner, id, entry, maps);
  if (want('sharing')) await syncSharing(ctx, owner, id, entry, true);
  if (want('item') && Boolean(item.protected) !== Boolean(live.protected)) await setItemProtected({ session: session, owner: owner, id: id, value: Boolean(item.protected) });
  await ctx.save({ new_id: id, new_url: typeof live.url === 'string' ? live.url : null });
  // Last: the item is complete whatever becomes of its relationships.
  await restoreRelationships(ctx, step, entry, id, owner);
}

/**
 * Where an in-place restore writes a hosted layer's data: the live item's URL, else the snapshot's, whichever is a
 * FeatureServer on one of the organization's hosting servers. The live URL may have been changed by any member since
 * the snapshot: a URL off the organization is never written to (nor requested).
 */
async function liveServiceUrl(session: ArcGISSession, live: IItem, entry: ItemEntry): Promise<string> {
  const origins = await session.orgOrigins();
  for (const candidate of [live.url, entry.service?.url]) {
    const url = typeof candidate === 'string' ? origins.hostedFeatureServiceUrl(candidate) : undefined;
    if (url) return url;
  }
  throw new Error(
    `The item's URL (${String(live.url ?? entry.service?.url ?? 'none')}) is not a hosted feature layer on one of the organization's hosting servers, so its layer data was not restored and the URL was not requested.`
  );
}
