/**
 * Planning, last phase: what each item step waits for (its folder, the groups it is shared with, the items it
 * references), the id and URL rewrites that follow, and the order the item steps run in.
 */
import { restoreRank } from '../item-types/index.js';
import type { PlannedItems } from './plan-selection.js';
import type { PlanContext } from './plan-steps.js';
import type { PlannedRewrite, PlanStep } from './restore.types.js';

/** Rank of an item type in the restore order (the item-type catalogue's): services first, then data, maps, apps, sites. */
export function typeRank(type: string): number {
  return restoreRank({ type });
}

/** Adds to each item step the groups and items it depends on and the rewrites their new ids and URLs make. */
export function linkItems(ctx: PlanContext, planned: PlannedItems, itemSteps: ReadonlyMap<string, PlanStep>, groupSteps: ReadonlyMap<string, PlanStep>): void {
  const describeNew = (s: PlanStep) => (s.targetId ?? `new id of "${s.title}"`);
  for (const [id, step] of itemSteps) {
    const entry = planned.items.get(id)!;
    for (const g of entry.sharing?.groups ?? []) {
      const gs = groupSteps.get(g);
      if (gs && gs.action === 'create') step.dependsOn.push(gs.key);
    }
    for (const depId of planned.deps.get(id)?.ids ?? []) {
      const dep = itemSteps.get(depId);
      if (!dep) continue;
      step.dependsOn.push(dep.key);
      if (dep.action === 'create' && dep.targetId !== dep.sourceId) {
        step.rewrites.push({ kind: 'item', from: depId, to: describeNew(dep) });
        const depEntry = planned.items.get(depId)!;
        if (dep.hosted && depEntry.service?.url) step.rewrites.push({ kind: 'url', from: depEntry.service.url, to: `new URL of "${dep.title}"` });
      }
    }
    if (ctx.clone) step.rewrites.push({ kind: 'url', from: ctx.input.content.manifest.org.portalUrl, to: ctx.self.portalUrl });
    step.rewrites = dedupeRewrites(step.rewrites);
  }
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
