/**
 * ArcGIS Online's recycle bin (June 2024 update). ArcGIS Enterprise has none: nothing here applies to it.
 *
 * Checked against Esri's REST reference ("Recycle bin reference", Delete Item, Delete Items, Can Recycle Item, Can
 * Restore, Restore), ArcGIS Online's "Delete items" page and the ArcGIS API for Python (`RecycleBin`, `RecycleItem`):
 * - portals/self reports `recycleBinSupported` and, when supported, `recycleBinEnabled` (on for organizations created
 *   since June 2024, opt-in for older ones; trial organizations do not support it).
 * - delete with `permanentDelete` false (the default) moves a supported item to the bin "for 14 days (336 hours)";
 *   unsupported items are deleted permanently whatever `permanentDelete` says.
 * - items in the bin are not returned by search; categories are removed when an item moves to the bin; while a
 *   hosted layer is in the bin its service name stays taken; a web map's offline map areas (and their packages) are
 *   deleted at once; the bin keeps the item, its data and, for a hosted layer, the service and its rows.
 * - a hosted feature layer cannot be recycled while it has views outside the bin (canRecycle answers false with the
 *   views as `offendingItems` "until all dependent items ... are recycled or permanently deleted"), and cannot be
 *   deleted permanently while views of it exist, in the bin or not.
 * - a view cannot be restored while its source is in the bin (canRestore: CONT_00486 with the source as
 *   `offendingItems`; restore: CONT_0295 naming the source). `restore` takes an optional `folder` (an id; the root
 *   folder without it) and keeps the item's id.
 * - the Python API lists a user's bin with `content/users/<user>?inRecycleBin=true&foldersContent=true` (paged with
 *   start/num, sortField, sortOrder) and empties it item by item with `delete` and `permanentDelete=true`.
 *
 * Not confirmed by any Esri page the emulator could read, marked UNVERIFIED where used:
 * - the list of unsupported item types (Esri's FAQ could not be read; the defaults below are the ones Esri staff name
 *   in public: Hub sites and pages, Workflow items, offline map areas), configurable per organization;
 * - which relationship types are "unsupported" (CONT_0298 "Item is part of an unsupported relationship type"): the
 *   emulator takes those whose origin deletes its destinations (`compositeDelete`), since the bin could not keep
 *   the pair together;
 * - the messageCode and wording of canRecycle's "dependencies" answer (Esri's example is cut short): CONT_00481, as
 *   Can Delete Item answers for the same case;
 * - what an item in the bin answers when read (`content/items/<id>`): "Item does not exist or is inaccessible."
 *   (CONT_0001), as for a deleted item;
 * - a restored item's sharing: shared with its owner only (Esri community blog), configurable ('kept');
 * - the org-wide bin listing of the Python API (`gis.admin.org_recyclebin`): its URL could not be found, so there is
 *   none; an administrator lists each member's bin with the per-user listing;
 * - the answers when the bin is off or unsupported: canRecycle says so in its error; restore and canRestore still
 *   work for items already in the bin.
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';
import { type ItemRecord, type RecycleBinSettings, type RecycledItemRecord } from '../state/types.js';
import { deleteItemRecord, dependentsBlocker, viewItemsOf, viewsBlocker } from './item-store.js';
import { relationshipType } from './relationship-types.js';
import { serviceForItem } from '../features/hosted-service.factory.js';
import { viewSourceNames } from '../features/view-layer.js';

/** "At least 14 days (336 hours)": the emulator purges an item exactly 336 hours after it moved to the bin. */
export const RECYCLE_BIN_RETENTION_MS = 336 * 3600 * 1000;

/** UNVERIFIED (see above): item types that never go to the bin unless the organization's seed says otherwise. */
export const DEFAULT_UNSUPPORTED_TYPES: readonly string[] = [
  'Hub Site Application',
  'Hub Page',
  'Site Application',
  'Site Page',
  'Hub Initiative',
  'Hub Project',
  'Workflow',
  'Map Area'
];

export function defaultRecycleBinSettings(): RecycleBinSettings {
  return { supported: true, enabled: true, unsupportedTypes: [...DEFAULT_UNSUPPORTED_TYPES], restoredSharing: 'owner' };
}

/** The organization's bin settings; undefined for ArcGIS Enterprise. */
export function recycleBinSettings(emu: EmulatorContext): RecycleBinSettings | undefined {
  if (emu.options.kind !== 'online') return undefined;
  emu.state.org.recycleBin ??= defaultRecycleBinSettings();
  return emu.state.org.recycleBin;
}

/** The `recycleBin` option (and the control route's shortcut): 'enabled', 'disabled' or 'unsupported'. */
export function setRecycleBinMode(emu: EmulatorContext, mode: 'enabled' | 'disabled' | 'unsupported'): RecycleBinSettings {
  const settings = recycleBinSettings(emu);
  if (!settings) throw new ArcGISError(400, 'ArcGIS Enterprise has no recycle bin.', { details: ['The recycle bin is an ArcGIS Online feature.'] });
  settings.supported = mode !== 'unsupported';
  settings.enabled = mode === 'enabled';
  emu.markDirty();
  return settings;
}

/** Whether a delete without `permanentDelete` moves supported items to the bin. */
export function recycleBinOn(emu: EmulatorContext): boolean {
  const settings = recycleBinSettings(emu);
  return !!settings && settings.supported && settings.enabled;
}

/** The portals/self fields: `recycleBinEnabled` only for organizations that support the bin; nothing on Enterprise. */
export function recycleBinPortalFields(emu: EmulatorContext): Record<string, boolean> {
  const settings = recycleBinSettings(emu);
  if (!settings) return {};
  return settings.supported ? { recycleBinSupported: true, recycleBinEnabled: settings.enabled } : { recycleBinSupported: false };
}

/** When the bin's item is purged (emulator clock, ms). */
export function purgeTime(entry: RecycledItemRecord): number {
  return entry.deletedAt + RECYCLE_BIN_RETENTION_MS;
}

/** Why the item's type or relationships keep it out of the bin (CONT_0298), or undefined when the bin can take it. */
export function unsupportedByBin(emu: EmulatorContext, item: ItemRecord): ArcGISError | undefined {
  const settings = recycleBinSettings(emu);
  const types = new Set((settings?.unsupportedTypes ?? DEFAULT_UNSUPPORTED_TYPES).map((t) => t.toLowerCase()));
  const id = item.json.id;
  const composite = emu.state.relationships.some(
    (r) => (r.originItemId === id || r.destinationItemId === id) && relationshipType(r.type)?.rules.includes('compositeDelete')
  );
  if (!types.has(item.json.type.toLowerCase()) && !composite) return undefined;
  return new ArcGISError(400, `Unable to recycle item ${id}. Item is part of an unsupported relationship type or item type.`, {
    messageCode: 'CONT_0298',
    extra: { offendingItems: [] }
  });
}

/** Views of the item's hosted service that are not in the bin: they must go (to the bin or for good) first. */
export function liveViewItemsOf(emu: EmulatorContext, item: ItemRecord): ItemRecord[] {
  return viewItemsOf(emu, item).filter((v) => emu.state.items.has(v.json.id));
}

/**
 * canRecycle's answer for a live item: undefined when it would go to the bin, else the error Esri's examples show
 * (without `details`).
 */
export function recycleRefusal(emu: EmulatorContext, item: ItemRecord): ArcGISError | undefined {
  if (!recycleBinOn(emu)) {
    // UNVERIFIED: Esri documents no answer for an organization whose bin is off or unsupported.
    return new ArcGISError(400, `Unable to recycle item ${item.json.id}. The recycle bin is not enabled for this organization.`, { extra: { offendingItems: [] } });
  }
  const unsupported = unsupportedByBin(emu, item);
  if (unsupported) return unsupported;
  const views = liveViewItemsOf(emu, item);
  // UNVERIFIED: messageCode and message (Esri's example of this answer is cut short); offendingItems as documented.
  return viewsBlocker(emu, item, views, `Unable to recycle item ${item.json.id}. This service item has a related Service item`, 'recycle or permanently delete them first');
}

/**
 * Moves a live item to the bin: out of `items` (so out of search, listings and group content), its categories
 * removed, a web map's offline map areas deleted for good. Its hosted service leaves `services` for the bin's entry
 * (rows kept, name still taken); its relationships stay (reads skip ends that are not live).
 */
export function recycleItem(emu: EmulatorContext, item: ItemRecord, deletedBy: string): void {
  const id = item.json.id;
  if (item.json.type === 'Web Map') {
    // "When a web map with predefined offline map areas moves to the recycle bin, the offline map areas and offline
    // packages are immediately deleted" (Area2Package deletes the packages with their area).
    const areas = emu.state.relationships
      .filter((r) => r.originItemId === id && r.type.toLowerCase() === 'map2area')
      .map((r) => emu.state.items.get(r.destinationItemId))
      .filter((a): a is ItemRecord => !!a);
    for (const area of areas) deleteItemRecord(emu, area);
  }
  item.json.categories = [];
  const service = item.json.type === 'Feature Service' ? serviceForItem(emu, id) : undefined;
  if (service) emu.state.services.delete(service.name.toLowerCase());
  emu.state.items.delete(id);
  emu.state.recycleBin.set(id, { item, ...(service ? { service } : {}), deletedAt: emu.clock.now(), deletedBy });
  emu.markDirty();
}

/** Whether deleting the item (with this `permanentDelete`) moves it to the bin rather than deleting it for good. */
export function goesToBin(emu: EmulatorContext, item: ItemRecord, permanentDelete: boolean): boolean {
  return recycleBinOn(emu) && !permanentDelete && !unsupportedByBin(emu, item);
}

/**
 * Why deleting the item is refused because of its views, or undefined: to the bin, views outside the bin stand in
 * the way; for good, every view does, those in the bin included. With `deleteSourceWithViews: 'cascade'` the views
 * go with their source instead.
 */
export function deleteRefusal(emu: EmulatorContext, item: ItemRecord, permanentDelete: boolean): ArcGISError | undefined {
  if (emu.options.deleteSourceWithViews === 'cascade') return undefined;
  if (!goesToBin(emu, item, permanentDelete)) return dependentsBlocker(emu, item);
  return viewsBlocker(emu, item, liveViewItemsOf(emu, item), 'Unable to delete item. This service item has a related Service item', 'delete them first');
}

/**
 * What a delete (`delete`, `deleteItems`) does with a live item the caller may delete (protection already checked):
 * to the bin when it is on, the caller did not ask for a permanent delete and the item is supported; for good
 * otherwise. Throws the refusal of an item with dependent views. Returns what happened.
 */
export function deleteOrRecycle(emu: EmulatorContext, item: ItemRecord, actor: string, permanentDelete: boolean): 'recycled' | 'deleted' {
  const refused = deleteRefusal(emu, item, permanentDelete);
  if (refused) throw refused;
  if (!goesToBin(emu, item, permanentDelete)) {
    deleteItemRecord(emu, item);
    return 'deleted';
  }
  // 'cascade': the views go first, each to the bin if it can go there
  for (const view of liveViewItemsOf(emu, item)) {
    if (unsupportedByBin(emu, view)) deleteItemRecord(emu, view);
    else recycleItem(emu, view, actor);
  }
  recycleItem(emu, item, actor);
  return 'recycled';
}

/** Deletes an item of the bin for good (`delete` with `permanentDelete=true`, as the Python API empties the bin). */
export function deleteRecycled(emu: EmulatorContext, entry: RecycledItemRecord): void {
  const blocked = dependentsBlocker(emu, entry.item);
  if (blocked) throw blocked;
  deleteItemRecord(emu, entry.item);
}

/**
 * The items in the bin that must be restored before this one: the sources of a view (through its service, or its
 * Service2Data relationships: "This service item has a required related Service item in recycle bin").
 */
export function restoreBlockers(emu: EmulatorContext, entry: RecycledItemRecord): ItemRecord[] {
  const bin = emu.state.recycleBin;
  const id = entry.item.json.id;
  const sourceNames = new Set<string>();
  for (const layer of entry.service?.layers.values() ?? []) for (const name of viewSourceNames(layer)) sourceNames.add(name.toLowerCase());
  const ids = new Set<string>();
  for (const other of bin.values()) if (other.service && sourceNames.has(other.service.name.toLowerCase())) ids.add(other.item.json.id);
  for (const r of emu.state.relationships) if (r.type === 'Service2Data' && r.originItemId === id && bin.has(r.destinationItemId)) ids.add(r.destinationItemId);
  ids.delete(id);
  return [...ids].map((other) => bin.get(other)!.item);
}

/** canRestore's refusal (CONT_00486 with the blocking items), or undefined. */
export function restoreRefusal(emu: EmulatorContext, entry: RecycledItemRecord): ArcGISError | undefined {
  const blockers = restoreBlockers(emu, entry);
  if (blockers.length === 0) return undefined;
  return new ArcGISError(400, 'Unable to restore item. This service item has a required related Service item in recycle bin.', {
    messageCode: 'CONT_00486',
    extra: { offendingItems: blockers.map((b) => ({ itemId: b.json.id, title: b.json.title, type: b.json.type })) }
  });
}

/** restore's failure for a blocked item, as Esri's example shows it (code 500, CONT_0295, naming the blocking item). */
export function restoreFailure(emu: EmulatorContext, entry: RecycledItemRecord): ArcGISError | undefined {
  const blocker = restoreBlockers(emu, entry)[0];
  if (!blocker) return undefined;
  const blockerId = blocker.json.id;
  return new ArcGISError(500, `Unable to restore item: ${blockerId}.`, {
    messageCode: 'CONT_0295',
    details: [`Unable to restore item from recycle bin: ${blockerId}`]
  });
}

/** Brings an item back with its id into `folderId` (null: the owner's root folder). */
export function restoreItem(emu: EmulatorContext, entry: RecycledItemRecord, folderId: string | null): ItemRecord {
  const { item, service } = entry;
  emu.state.recycleBin.delete(item.json.id);
  if (service) emu.state.addService(service);
  item.json.ownerFolder = folderId;
  if (recycleBinSettings(emu)?.restoredSharing !== 'kept') {
    item.json.access = 'private';
    item.groups = new Set();
  }
  emu.state.addItem(item);
  emu.markDirty();
  return item;
}

/** Purges what has been in the bin for 336 hours (by the emulator's clock); views before their sources. */
export function purgeExpired(emu: EmulatorContext): number {
  const bin = emu.state.recycleBin;
  if (bin.size === 0) return 0;
  const now = emu.clock.now();
  const due = [...bin.values()].filter((entry) => purgeTime(entry) <= now).sort((a, b) => a.deletedAt - b.deletedAt);
  // A purge deletes what is due whatever depends on it: a view is always due no later than its source.
  for (const entry of due) if (bin.has(entry.item.json.id)) deleteItemRecord(emu, entry.item);
  return due.length;
}
