/**
 * Planning with ArcGIS Online's recycle bin: an item that no longer exists but is still in the bin is restored from it
 * (keeping its id, so every reference to it works again) and then brought to the snapshot's state, rather than
 * recreated with a new id. A view comes back after its source: ArcGIS refuses to restore a view while its source is
 * in the bin (Esri REST: Can Restore, CONT_00486 with the source in `offendingItems`).
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { canRestoreItem, isNotFound, listRecycleBin, type OffendingItem } from '../arcgis/portal/index.js';
import type { ItemEntry } from '../store/index.js';
import type { PlanStep } from './restore.types.js';

/** Whether the item is in its owner's recycle bin, and the items in the bin it must wait for. */
export interface BinPlacement {
  inBin: boolean;
  waitsFor: OffendingItem[];
}

/**
 * Finds missing items in their owners' recycle bins: each owner's bin is listed once per plan (one request per 100
 * items, rather than one per missing item). An item there that derives from another (`Service2Data`: a view of a
 * hosted layer) is also asked `canRestore`, which names the items in the bin it must wait for.
 */
export class RecycleBinLookup {
  private readonly bins = new Map<string, Promise<Set<string>>>();

  constructor(private readonly session: ArcGISSession) {}

  async find(entry: ItemEntry): Promise<BinPlacement> {
    const key = entry.owner.toLowerCase();
    let bin = this.bins.get(key);
    if (!bin) {
      bin = listRecycleBin({ session: this.session, username: entry.owner }).then(
        (items) => new Set(items.map((i) => i.id)),
        // An owner who no longer exists has no bin (deleting a user deletes their content).
        (error: unknown) => (isNotFound(error) ? new Set<string>() : Promise.reject(error))
      );
      this.bins.set(key, bin);
    }
    if (!(await bin).has(entry.id)) return { inBin: false, waitsFor: [] };
    const derived = (entry.related ?? []).some((r) => r.relationshipType === 'Service2Data' && r.direction === 'forward');
    if (!derived) return { inBin: true, waitsFor: [] };
    try {
      const check = await canRestoreItem({ session: this.session, owner: entry.owner, id: entry.id });
      return { inBin: true, waitsFor: check.ok ? [] : check.offendingItems };
    } catch (error) {
      // Purged since the listing: recreated like any item no longer in the bin.
      if (isNotFound(error)) return { inBin: false, waitsFor: [] };
      throw error;
    }
  }
}

/** Makes a missing item's step a restore from the bin (the id kept), noting what it waits for outside the plan. */
export function planFromBin(step: PlanStep, entry: ItemEntry, placement: BinPlacement, warnings: string[]): void {
  step.recycleBin = true;
  step.targetId = entry.id;
  step.reason = 'the item is in the recycle bin: it is restored from there with its id, then brought to the snapshot\u2019s state';
  for (const other of placement.waitsFor) {
    step.dependsOn.push(`item:${other.itemId}`);
    warnings.push(`ArcGIS restores it only after "${other.title ?? other.itemId}" (${other.itemId}), which is in the recycle bin too: include that item in the restore, or restore it first`);
  }
}

/**
 * A view after its source: each item step depends on the items its `Service2Data` relationships point to (a view of a
 * hosted layer, a survey's submission view) when they are in the plan. Dependencies on items outside the plan are
 * dropped here, except those a restore from the bin waits for (their warning says what to do).
 */
export function linkViewSources(items: ReadonlyMap<string, ItemEntry>, itemSteps: ReadonlyMap<string, PlanStep>): void {
  for (const [id, step] of itemSteps) {
    for (const rel of items.get(id)?.related ?? []) {
      if (rel.relationshipType !== 'Service2Data' || rel.direction !== 'forward' || rel.itemId === id) continue;
      const source = itemSteps.get(rel.itemId);
      if (source && !step.dependsOn.includes(source.key)) step.dependsOn.push(source.key);
    }
    if (step.recycleBin) step.dependsOn = step.dependsOn.filter((d) => !d.startsWith('item:') || itemSteps.has(d.slice('item:'.length)));
  }
}
