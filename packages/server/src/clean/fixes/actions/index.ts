/**
 * The fix actions, one file each with its plan, apply and undo (fix-action.ts says what an action provides). To add
 * one: add its name to FixAction (clean.types.ts) and FIX_ACTIONS (fix.types.ts), write `<action>.fix.ts`, register it
 * here, and describe it for the web app (packages/web/src/pages/clean/fix-actions.ts).
 */
import type { FixAction } from '../../clean.types.js';
import { addTagsFix } from './add-tags.fix.js';
import { deleteItemsFix } from './delete-items.fix.js';
import { disableUsersFix } from './disable-users.fix.js';
import type { FixActionHandler } from './fix-action.js';
import { markDeprecatedFix } from './mark-deprecated.fix.js';
import { moveFix } from './move.fix.js';
import { notifyOwnersFix } from './notify-owners.fix.js';
import { protectFix } from './protect.fix.js';
import { reassignFix } from './reassign.fix.js';
import { transferAndDeleteUserFix } from './transfer-and-delete-user.fix.js';
import { unshareFix } from './unshare.fix.js';

export const FIX_ACTION_HANDLERS: Record<FixAction, FixActionHandler> = {
  'delete-items': deleteItemsFix,
  reassign: reassignFix,
  move: moveFix,
  unshare: unshareFix,
  protect: protectFix,
  'add-tags': addTagsFix,
  'mark-deprecated': markDeprecatedFix,
  'disable-users': disableUsersFix,
  'transfer-and-delete-user': transferAndDeleteUserFix,
  'notify-owners': notifyOwnersFix
};

/** Whether the action changes something in ArcGIS (then a backup is taken first, and it can be undone). */
export function changesArcGIS(action: FixAction): boolean {
  return !FIX_ACTION_HANDLERS[action].changesNothing;
}

export type { FixActionHandler, FixContext, RecreateOutcome, StoredFinding, UndoRestorer } from './fix-action.js';
export { ownerEmail } from './notify-owners.fix.js';
export { reasonOf } from './fix-support.js';
