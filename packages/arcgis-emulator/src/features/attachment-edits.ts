/**
 * The `attachments` parameter of a layer's applyEdits (with useGlobalIds=true): attachments added, updated and
 * deleted by globalId in the same transaction as the features, data sent inline as base64; the answer carries them
 * as `attachments: {addResults, updateResults, deleteResults}`. Upload ids (the
 * `uploadId` form, which needs the Uploads capability) are not emulated and fail with 1008.
 */
import { bufferBlob } from '../util/blob.js';
import { type EditError } from './edits.js';
import { type HostedLayer } from './types.js';

export interface AttachmentEditResult {
  objectId: number;
  globalId: string | null;
  success: boolean;
  error?: EditError;
}

export interface AttachmentEditResults {
  addResults: AttachmentEditResult[];
  updateResults: AttachmentEditResult[];
  deleteResults: AttachmentEditResult[];
}

export interface AttachmentEditsPlan {
  results: AttachmentEditResults;
  failed: boolean;
  /** Applies the planned changes at server generation `gen` (after the feature edits of the same request). */
  apply(gen: number): void;
  /** Marks every planned success as rolled back (1003). */
  rollBack(): void;
}

const GUID_RE = /^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/;
const norm = (g: string) => (g.startsWith('{') ? g : `{${g}}`).toUpperCase();

const addFailed = (): EditError => ({ code: 1008, description: 'Adding an attachment failed.' });
const updateFailed = (): EditError => ({ code: 1009, description: 'Updating an attachment failed.' });
const deleteFailed = (): EditError => ({ code: 1010, description: 'Deleting an attachment failed.' });

function decode(data: unknown): Buffer | undefined {
  if (typeof data !== 'string') return undefined;
  const clean = data.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64');
}

/**
 * Validates the attachment edits; `pendingParents` are globalIds of features added by the same request (an
 * attachment may be added to a feature created in the same call).
 */
export function planAttachmentEdits(layer: HostedLayer, input: { adds?: unknown; updates?: unknown; deletes?: unknown }, pendingParents: Set<string>): AttachmentEditsPlan {
  const steps: ((gen: number) => void)[] = [];
  const results: AttachmentEditResults = { addResults: [], updateResults: [], deleteResults: [] };
  const pendingIds = new Set<string>();

  for (const raw of Array.isArray(input.adds) ? input.adds : []) {
    const a = (raw ?? {}) as Record<string, unknown>;
    const globalId = typeof a.globalId === 'string' && GUID_RE.test(a.globalId) ? norm(a.globalId) : null;
    const parentGlobalId = typeof a.parentGlobalId === 'string' && GUID_RE.test(a.parentGlobalId) ? norm(a.parentGlobalId) : null;
    const data = decode(a.data);
    const parentKnown = parentGlobalId !== null && (pendingParents.has(parentGlobalId) || !!layer.store.findByGlobalId(parentGlobalId));
    const duplicate = globalId !== null && (pendingIds.has(globalId) || !!layer.attachments.findByGlobalId(globalId));
    if (!globalId || !parentKnown || !data || duplicate || typeof a.name !== 'string' || typeof a.contentType !== 'string') {
      results.addResults.push({ objectId: -1, globalId, success: false, error: addFailed() });
      continue;
    }
    pendingIds.add(globalId);
    const result: AttachmentEditResult = { objectId: -1, globalId, success: true };
    results.addResults.push(result);
    const name = a.name;
    const contentType = a.contentType;
    steps.push((gen) => {
      const parent = layer.store.findByGlobalId(parentGlobalId!);
      if (!parent) {
        // The parent was to be added by this request but its add failed (rollbackOnFailure=false).
        result.success = false;
        result.error = addFailed();
        return;
      }
      const record = layer.attachments.add(parent.oid, { name, contentType, data, keywords: typeof a.keywords === 'string' ? a.keywords : '' }, globalId, gen);
      result.objectId = record.id;
    });
  }

  for (const raw of Array.isArray(input.updates) ? input.updates : []) {
    const a = (raw ?? {}) as Record<string, unknown>;
    const globalId = typeof a.globalId === 'string' && GUID_RE.test(a.globalId) ? norm(a.globalId) : null;
    const existing = globalId ? layer.attachments.findByGlobalId(globalId) : undefined;
    const data = a.data === undefined ? undefined : decode(a.data);
    if (!existing || (a.data !== undefined && !data)) {
      results.updateResults.push({ objectId: existing?.id ?? -1, globalId, success: false, error: updateFailed() });
      continue;
    }
    results.updateResults.push({ objectId: existing.id, globalId, success: true });
    steps.push((gen) => {
      const contentType = typeof a.contentType === 'string' ? a.contentType : existing.contentType;
      layer.attachments.replace(existing.parentObjectId, existing.id, {
        name: typeof a.name === 'string' ? a.name : existing.name,
        contentType,
        keywords: typeof a.keywords === 'string' ? a.keywords : existing.keywords,
        blob: data ? bufferBlob(data, contentType) : existing.blob,
        gen
      });
    });
  }

  for (const raw of Array.isArray(input.deletes) ? input.deletes : []) {
    const globalId = typeof raw === 'string' && GUID_RE.test(raw) ? norm(raw) : null;
    const existing = globalId ? layer.attachments.findByGlobalId(globalId) : undefined;
    if (!existing) {
      results.deleteResults.push({ objectId: -1, globalId, success: false, error: deleteFailed() });
      continue;
    }
    results.deleteResults.push({ objectId: existing.id, globalId, success: true });
    steps.push(() => {
      layer.attachments.remove(existing.parentObjectId, existing.id);
    });
  }

  const all = () => [...results.addResults, ...results.updateResults, ...results.deleteResults];
  return {
    results,
    failed: all().some((r) => !r.success),
    apply: (gen) => {
      for (const step of steps) step(gen);
    },
    rollBack: () => {
      for (const r of all()) {
        if (r.success) {
          r.success = false;
          r.error = { code: 1003, description: 'Operation rolled back.' };
        }
      }
    }
  };
}
