/**
 * References to items restored later: when items reference each other (a map's popup links to the dashboard that
 * shows the map), the plan breaks the cycle and the first of them is written before the other has its new id. Once
 * every step has run, such items get their data and JSON resources rewritten again with the final ids and URLs.
 */
import { findItem, updateItem, writeItemResource } from '../../arcgis/portal/index.js';
import { itemTypeOf, rewritesData, rewritesResource } from '../../item-types/index.js';
import type { ItemEntry } from '../../store/index.js';
import { type RewriteMaps, rewriteJsonText } from '../references.js';
import type { RestoreRunInput } from '../restore.engine.js';
import type { PlanStep } from '../restore.types.js';

/** Item steps that depend on a step the plan runs after them (a broken reference cycle). */
export function stepsBeforeTheirDependencies(steps: readonly PlanStep[]): PlanStep[] {
  const position = new Map(steps.map((s, i) => [s.key, i]));
  return steps.filter((s, i) => s.kind === 'item' && s.action !== 'skip' && s.dependsOn.some((d) => (position.get(d) ?? -1) > i));
}

/** Rewrites the item's data and JSON resources with the final maps; returns whether anything was written. */
export async function rewriteLateReferences(input: RestoreRunInput, entry: ItemEntry, targetId: string, maps: RewriteMaps): Promise<boolean> {
  const { session, store } = input;
  const spec = itemTypeOf(entry);
  const live = await findItem({ session, id: targetId });
  if (!live) return false;
  let wrote = false;
  if (entry.data?.kind === 'json' && rewritesData(spec)) {
    const text = (await store.blobs.get(entry.data.hash)).toString('utf8');
    const out = rewriteJsonText(text, maps);
    if (out.changed) {
      await updateItem({ session, owner: live.owner, id: targetId, params: { text: out.text } });
      wrote = true;
    }
  }
  for (const r of entry.resources ?? []) {
    if (!rewritesResource(spec, r.path)) continue;
    const out = rewriteJsonText((await store.blobs.get(r.hash)).toString('utf8'), maps);
    if (!out.changed) continue;
    await writeItemResource({ session, owner: live.owner, id: targetId, path: r.path, bytes: Buffer.from(out.text, 'utf8'), contentType: r.contentType, mode: 'update' });
    wrote = true;
  }
  return wrote;
}
