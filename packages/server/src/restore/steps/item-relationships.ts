/**
 * An item's relationships (Service2Data, Survey2Service, Survey2Data, Map2Service, ...) recreated between the
 * restored items, as the snapshot recorded them (type, direction, the related item). A forward relationship (this item
 * is the origin) is added by this item's step, which runs after the related item's (the plan makes forward-related
 * items dependencies); a reverse one only when the origin item is not restored by this run (its own step adds it
 * otherwise). The related item is the one this run made, else (not in a clone) the live item with the snapshot's id.
 * addRelationship acts as the origin item's owner; ArcGIS answers success for a relationship that exists already.
 */
import { addRelationship, findItem } from '../../arcgis/portal/index.js';
import type { ItemEntry } from '../../store/index.js';
import type { PlanStep } from '../restore.types.js';
import type { StepContext } from './step-context.js';

export async function restoreRelationships(ctx: StepContext, step: PlanStep, entry: ItemEntry, id: string, owner: string): Promise<void> {
  const { session, plan } = ctx.input;
  const restoredHere = new Set(plan.steps.filter((s) => s.kind === 'item' && s.action !== 'skip').map((s) => s.sourceId));
  const failures: string[] = [];
  for (const rel of entry.related ?? []) {
    if (rel.direction === 'reverse' && restoredHere.has(rel.itemId)) continue;
    const mapped = ctx.maps.ids.get(rel.itemId);
    const otherId = mapped ?? (plan.mode === 'clone' ? undefined : rel.itemId);
    if (!otherId || otherId === id) continue;
    // Only items that exist: a related item that is gone (and not restored) has no relationship to come back to.
    const other = mapped && rel.direction === 'forward' ? { id: mapped, owner: '' } : await findItem({ session, id: otherId });
    if (!other) continue;
    const [originItemId, destinationItemId, originOwner] = rel.direction === 'forward' ? [id, otherId, owner] : [otherId, id, other.owner];
    try {
      await addRelationship({ session, owner: originOwner, originItemId, destinationItemId, relationshipType: rel.relationshipType });
    } catch (error) {
      ctx.input.signal.throwIfAborted();
      failures.push(`${rel.relationshipType} ${originItemId} -> ${destinationItemId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(`"${step.title}" was restored, but ${failures.length} of its relationships could not be added again: ${failures.join('; ')}`);
}
