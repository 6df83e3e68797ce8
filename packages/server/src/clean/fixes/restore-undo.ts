/**
 * Undo's way to bring deleted items back: a `recreate` restore of the snapshot taken before the fix, run by the
 * restore engine (RestoreService) under the undo operation's id, so it is planned, checkpointed and logged like any
 * restore. ArcGIS Online gives recreated items new ids (only Enterprise can keep an id); the new id is reported.
 */
import type { RestoreService } from '../../restore/index.js';
import type { UndoRestorer } from './actions/index.js';

export function restoreServiceRestorer(restores: RestoreService, identityId: string): UndoRestorer {
  return {
    async recreateItems({ operationId, snapshotId, itemIds, signal }) {
      const { result } = await restores.run({
        operationId,
        identityId,
        params: { snapshotId, mode: 'recreate', items: itemIds },
        signal: signal ?? new AbortController().signal
      });
      const outcomes = new Map<string, { ok: boolean; error?: string; newId?: string }>();
      for (const step of result.steps) {
        if (step.kind !== 'item' || !itemIds.includes(step.oldId)) continue;
        if (step.status === 'ok') outcomes.set(step.oldId, { ok: true, ...(step.newId ? { newId: step.newId } : {}) });
        else outcomes.set(step.oldId, { ok: false, error: step.error ?? `the restore step was ${step.status}` });
      }
      for (const id of itemIds) if (!outcomes.has(id)) outcomes.set(id, { ok: false, error: 'the restore did not plan this item (is it in the snapshot?)' });
      return outcomes;
    }
  };
}
