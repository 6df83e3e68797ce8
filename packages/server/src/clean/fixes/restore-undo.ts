/**
 * Undo's way to bring deleted items back: a `recreate` restore of the snapshot taken before the fix, run by the
 * restore engine (RestoreService) under the undo operation's id, so it is planned, checkpointed and logged like any
 * restore. An item still in ArcGIS Online's recycle bin is restored from there with its id and then brought to its
 * snapshot state (sharing and categories, which the bin drops); any other is recreated, and ArcGIS Online gives it a
 * new id (only Enterprise can keep an id), which is reported.
 */
import type { RestoreService } from '../../restore/index.js';
import type { RecreateOutcome, UndoRestorer } from './actions/index.js';

export function restoreServiceRestorer(restores: RestoreService, identityId: string): UndoRestorer {
  return {
    async recreateItems({ operationId, snapshotId, itemIds, signal }) {
      const { plan, result } = await restores.run({
        operationId,
        identityId,
        params: { snapshotId, mode: 'recreate', items: itemIds },
        signal: signal ?? new AbortController().signal
      });
      const outcomes = new Map<string, RecreateOutcome>();
      const fromBin = new Set(plan.steps.filter((s) => s.recycleBin).map((s) => s.sourceId));
      for (const step of result.steps) {
        if (step.kind !== 'item' || !itemIds.includes(step.oldId)) continue;
        // A step planned from the bin that found it purged when it ran recreated the item: its id changed.
        const restored = fromBin.has(step.oldId) && step.newId === step.oldId;
        if (step.status === 'ok') outcomes.set(step.oldId, { ok: true, ...(step.newId ? { newId: step.newId } : {}), ...(restored ? { fromRecycleBin: true } : {}) });
        else outcomes.set(step.oldId, { ok: false, error: step.error ?? `the restore step was ${step.status}` });
      }
      for (const id of itemIds) if (!outcomes.has(id)) outcomes.set(id, { ok: false, error: 'the restore did not plan this item (is it in the snapshot?)' });
      return outcomes;
    }
  };
}
