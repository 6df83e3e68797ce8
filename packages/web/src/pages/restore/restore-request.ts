// What a restore is asked to do, from the wizard's choices: the snapshot, the chosen items, and how (step 2). The
// request is also the plan's key: a plan previewed for other choices is stale and must be previewed again.
import type { Identity } from '../../api/identities.api';
import type { RestoreMode, RestoreRequest } from '../../api/restore.api';

/** Step 2's choices. Owner and folder apply to copy and clone, the suffix to copy, the rest to clone. */
export interface RestoreHow {
  mode: RestoreMode;
  owner: string;
  folder: string;
  suffix: string;
  /** The identity a clone goes into. */
  target: string;
  /** Owner in the backup -> username in the target organization (empty: the same username). */
  ownerMap: Record<string, string>;
}

export function initialHow(identity: Identity, identities: Identity[]): RestoreHow {
  return {
    mode: 'recreate',
    owner: '',
    folder: '',
    suffix: ' (copy)',
    target: identities.find((i) => i.id !== identity.id)?.id ?? '',
    ownerMap: {}
  };
}

/** The request for these choices; `owners` are the owners of the chosen items (the only ones a clone maps). */
export function restoreRequest(snapshotId: string, itemIds: string[], how: RestoreHow, owners: string[]): RestoreRequest {
  const { mode, owner, folder, suffix, target, ownerMap } = how;
  return {
    snapshotId,
    mode,
    items: itemIds,
    ...(mode === 'copy' || mode === 'clone' ? { ...(owner.trim() ? { owner: owner.trim() } : {}), ...(folder.trim() ? { folder: folder.trim() } : {}) } : {}),
    ...(mode === 'copy' ? { suffix } : {}),
    ...(mode === 'clone'
      ? {
          targetIdentityId: target,
          ownerMap: Object.fromEntries(Object.entries(ownerMap).filter(([from, to]) => owners.includes(from) && to.trim() !== '').map(([from, to]) => [from, to.trim()]))
        }
      : {})
  };
}
