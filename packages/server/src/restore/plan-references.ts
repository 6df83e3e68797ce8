/**
 * Planning, per item: every reference the catalogue finds in the item's parts, what the restore does with it
 * (rewrite to the new id or URL, keep, or only list it), and what ArcGIS cannot take back through REST for this kind
 * of item. A dry run shows both, so nobody learns of an unrestorable part after the restore.
 */
import { findReferences, type FoundReference, type ItemTypeSpec } from '../item-types/index.js';
import type { ItemEntry } from '../store/index.js';
import { readItemParts } from './item-part-reader.js';
import type { PlanContext } from './plan-steps.js';
import { urlUnder } from './references.js';
import type { PlannedReference, PlannedRewrite, PlanStep } from './restore.types.js';

/** An item's catalogue entry and every reference in its parts. */
export interface ItemReferences {
  spec: ItemTypeSpec | undefined;
  found: FoundReference[];
}

/** Every reference in each item's parts, by item id (read once per plan). */
export async function itemReferences(ctx: PlanContext, entries: Iterable<ItemEntry>): Promise<Map<string, ItemReferences>> {
  const out = new Map<string, ItemReferences>();
  for (const entry of entries) {
    const { spec, parts } = await readItemParts(ctx.input.store, entry);
    out.set(entry.id, { spec, found: findReferences(spec, parts) });
  }
  return out;
}

/** Group ids the items' parts name (a Hub site's catalog groups, an app's group): the plan restores those groups too. */
export function referencedGroupIds(refs: ReadonlyMap<string, ItemReferences>): string[] {
  return [...new Set([...refs.values()].flatMap((r) => r.found.filter((f) => f.kind === 'group' && !f.listOnly).map((f) => f.value)))];
}

export function planReferences(
  ctx: PlanContext,
  entry: ItemEntry,
  step: PlanStep,
  refs: ItemReferences | undefined,
  known: { groupSteps: ReadonlyMap<string, PlanStep>; orgRewrites: readonly PlannedRewrite[] }
): void {
  const spec = refs?.spec;
  const found = refs?.found ?? [];
  if (step.action === 'skip') return;
  if (spec && spec.limitations.length > 0) step.cannotRestore = [...spec.limitations];
  if (found.length === 0) return;
  const { groupSteps, orgRewrites } = known;
  const urlRewrites = [...step.rewrites.filter((r) => r.kind === 'url'), ...orgRewrites].sort((a, b) => b.from.length - a.from.length);
  const creates = step.action === 'create' && step.targetId !== entry.id;
  step.references = found.map((ref) => ({ ...describe(ref), ...decide(ref) }));

  function decide(ref: FoundReference): Pick<PlannedReference, 'action' | 'note'> {
    if (ref.listOnly) return { action: 'list', note: 'named in code: listed, not rewritten' };
    switch (ref.kind) {
      case 'item': {
        const rewrite = step.rewrites.find((r) => r.kind === 'item' && r.from.toLowerCase() === ref.value);
        if (rewrite) return { action: 'rewrite', note: rewrite.to };
        if (ref.value === entry.id) return creates ? { action: 'rewrite', note: 'the new id of this item' } : { action: 'keep', note: 'this item (it keeps its id)' };
        if (ctx.input.content.items.has(ref.value)) return { action: 'keep', note: creates && ctx.clone ? 'in the snapshot but not restored by this plan' : 'unchanged (the item keeps its id)' };
        return { action: 'keep', note: 'not in the snapshot: an item of another organization, or deleted' };
      }
      case 'group': {
        const g = groupSteps.get(ref.value);
        const to = g && (g.action === 'create' ? `new id of group "${g.title}"` : g.targetId && g.targetId !== ref.value ? g.targetId : undefined);
        return to ? { action: 'rewrite', note: to } : { action: 'keep', note: g ? 'the group exists' : 'not a group of the snapshot' };
      }
      case 'folder':
        return entry.folderId && ref.value === entry.folderId.toLowerCase() && creates
          ? { action: 'rewrite', note: `the id of folder "${step.folder ?? '(root)'}" in the target` }
          : { action: 'keep', note: 'unchanged' };
      case 'url': {
        const rewrite = urlRewrites.find((r) => urlUnder(ref.value, r.from));
        if (rewrite) return { action: 'rewrite', note: `${rewrite.to}${ref.value.slice(rewrite.from.replace(/\/+$/, '').length)}` };
        return { action: 'keep', note: 'outside what this plan restores (another server, or unchanged)' };
      }
    }
  }
}

function describe(ref: FoundReference): Omit<PlannedReference, 'action' | 'note'> {
  return {
    part: ref.part,
    ...(ref.resource !== undefined ? { resource: ref.resource } : {}),
    path: ref.path,
    kind: ref.kind,
    value: ref.value,
    label: ref.label
  };
}
