import { type EmulatorContext } from '../context.js';
import { type ItemRecord } from '../state/types.js';
import { relationshipType } from './relationship-types.js';

/**
 * Sharing that follows relationships (Esri's relationship type rules): `compositeShare` shares the destination
 * whenever the origin is shared or unshared, `copyOriginShareOnAdd` gives the destination the origin's sharing when
 * the relationship is added.
 */

/** Gives `to` the access level and groups of `from`. */
export function copySharing(from: ItemRecord, to: ItemRecord): void {
  to.json.access = from.json.access;
  to.groups = new Set(from.groups);
}

/** After the sharing of `origin` changed: its composite-share destinations follow (once each). */
export function propagateSharing(emu: EmulatorContext, origin: ItemRecord, seen = new Set<string>([origin.json.id])): void {
  for (const r of emu.state.relationships) {
    if (r.originItemId !== origin.json.id || seen.has(r.destinationItemId)) continue;
    if (!relationshipType(r.type)?.rules.includes('compositeShare')) continue;
    const destination = emu.state.items.get(r.destinationItemId);
    if (!destination) continue;
    seen.add(destination.json.id);
    copySharing(origin, destination);
    propagateSharing(emu, destination, seen);
  }
}
