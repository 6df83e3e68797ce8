/** JSON schemas of the fixes API's answers (fix.routes.ts), checked against fix.types.ts. */
import { anyJson, arrayOf, boolean, dateTime, described, integer, nullable, object, string, stringEnum, type SchemaAgrees } from '../../http/schema-kit.js';
import { findingTargetSchema } from '../clean.schemas.js';
import { FIX_ACTIONS, type FixDetail, type FixPreview, type FixStarted, type FixView } from './fix.types.js';

const fixOptions = object(
  {
    overrideProtection: boolean,
    permanentDelete: described('delete-items: delete for good even where ArcGIS Online\'s recycle bin would keep the items.', boolean),
    targetUsername: string,
    targetFolder: string,
    folder: string,
    from: stringEnum(['everyone', 'org', 'groups']),
    groups: arrayOf(string),
    tags: arrayOf(string),
    message: string
  },
  ['overrideProtection', 'permanentDelete', 'targetUsername', 'targetFolder', 'folder', 'from', 'groups', 'tags', 'message']
);

const fieldChange = object({
  field: stringEnum(['item', 'user', 'protected', 'owner', 'folder', 'access', 'groups', 'tags', 'contentStatus', 'disabled', 'ownedItems', 'ownedGroups', 'email', 'views']),
  before: described('The live value when the fix was planned.', anyJson),
  after: anyJson,
  summary: described('The change for people, e.g. "Sharing: Everyone (public) -> Organization".', string)
});

const planContext = object(
  {
    owner: string,
    folderId: nullable(string),
    toFolder: string,
    items: arrayOf(object({ id: string, title: string, folder: nullable(string) })),
    ownedGroups: arrayOf(object({ id: string, title: string })),
    recipient: string,
    deleteTo: described('delete-items: to the recycle bin, deleted for good on an organization with one, or no bin at all.', stringEnum(['recycled', 'permanent', 'none'])),
    restorableUntil: described('delete-items to the recycle bin: the earliest time ArcGIS may purge it.', dateTime),
    deleteAfter: described('delete-items: items deleted first (a hosted layer\'s views).', arrayOf(string)),
    views: described('delete-items: the views of a hosted layer, deleted first and brought back with it.', arrayOf(object({ id: string, title: string, owner: string })))
  },
  ['owner', 'folderId', 'toFolder', 'items', 'ownedGroups', 'recipient', 'deleteTo', 'restorableUntil', 'deleteAfter', 'views']
);

const action = stringEnum(FIX_ACTIONS);

export const fixPreviewSchema = object({
  hash: described('Pass it as previewHash when applying: the fix then stops if its plan changed since.', string),
  identityId: string,
  scanId: string,
  action,
  options: fixOptions,
  backup: object({ possible: boolean, reason: nullable(string), itemIds: arrayOf(string), principals: boolean, needed: boolean }),
  counts: object({ change: integer, skip: integer }),
  findings: arrayOf(
    object({
      findingId: string,
      target: findingTargetSchema,
      message: string,
      status: stringEnum(['change', 'skip']),
      reason: nullable(string),
      changes: arrayOf(fieldChange),
      context: planContext
    })
  )
});

export const fixSchema = object({
  id: described('The id of the operation that ran it.', string),
  identityId: string,
  scanId: string,
  action,
  options: fixOptions,
  status: stringEnum(['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted']),
  message: nullable(string),
  snapshotId: described('The snapshot taken before the fix.', nullable(string)),
  backupNote: nullable(string),
  counts: object({ ok: integer, failed: integer, skipped: integer }),
  createdBy: string,
  createdAt: dateTime,
  finishedAt: nullable(dateTime),
  undo: nullable(object({ operationId: string, status: stringEnum(['running', 'succeeded', 'partial', 'failed']), by: string, at: dateTime, message: nullable(string) }))
});

const undoStatus = stringEnum(['ok', 'failed', 'skipped']);

export const fixDetailSchema = object({
  fix: fixSchema,
  results: arrayOf(
    object({
      findingId: string,
      target: findingTargetSchema,
      message: string,
      status: stringEnum(['ok', 'failed', 'skipped', 'pending']),
      error: nullable(string),
      changes: arrayOf(fieldChange),
      applied: described('What was actually changed.', arrayOf(fieldChange)),
      context: planContext,
      undo: nullable(object({ status: undoStatus, error: nullable(string), note: nullable(string) }, ['note']))
    })
  )
});

export const fixListSchema = object({ fixes: arrayOf(fixSchema) });

export const fixStartedSchema = described('Started: follow the operation.', object({ fixId: string, operationId: string }));

const agrees: [
  SchemaAgrees<typeof fixPreviewSchema, FixPreview>,
  SchemaAgrees<typeof fixSchema, FixView>,
  SchemaAgrees<typeof fixDetailSchema, FixDetail>,
  SchemaAgrees<typeof fixStartedSchema, FixStarted>
] = [true, true, true, true];
void agrees;
