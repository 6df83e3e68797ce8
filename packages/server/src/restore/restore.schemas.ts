/** JSON schemas of the restore API's answers (restore.routes.ts), checked against restore.types.ts. */
import { arrayOf, boolean, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import { RESTORE_MODES, type RestorePlan, type RestoreStepsView } from './restore.types.js';

const stepKind = stringEnum(['group', 'folder', 'item']);
const stepAction = stringEnum(['create', 'overwrite', 'skip']);

export const restorePlanSchema = object({
  snapshotId: string,
  mode: stringEnum(RESTORE_MODES),
  source: object({ identityId: string, orgId: string, portalUrl: string }),
  target: object({ identityId: string, orgId: string, portalUrl: string, admin: string, isEnterprise: boolean }),
  steps: arrayOf(
    object(
      {
        key: described('group:<id>, folder:<owner>/<title> or item:<id>.', string),
        kind: stepKind,
        action: stepAction,
        reason: string,
        sourceId: string,
        title: string,
        type: string,
        owner: string,
        folder: nullable(string),
        targetId: string,
        dependsOn: arrayOf(string),
        rewrites: arrayOf(object({ kind: stringEnum(['item', 'url']), from: string, to: string })),
        hosted: boolean,
        recycleBin: described('Restored from ArcGIS Online\'s recycle bin with its id (targetId), then brought to the snapshot\'s state.', boolean),
        warnings: arrayOf(string)
      },
      ['targetId', 'hosted', 'recycleBin', 'warnings']
    )
  ),
  counts: object({ create: integer, overwrite: integer, skip: integer }),
  fromRecycleBin: described('Of the create steps, the items that come back from the recycle bin with their ids.', integer),
  recycleBin: described('The target organization\'s recycle bin (ArcGIS Online).', object({ supported: boolean, enabled: boolean })),
  createdAt: dateTime
}, ['fromRecycleBin', 'recycleBin']);

export const restorePlanAnswerSchema = described('The plan (a dry run): what a restore with these parameters would do.', object({ plan: restorePlanSchema }));

export const restoreStepsSchema = object({
  operationId: string,
  plan: described('Null before the run made its plan.', nullable(restorePlanSchema)),
  steps: arrayOf(
    object({
      key: string,
      kind: stepKind,
      title: string,
      type: string,
      action: stepAction,
      oldId: string,
      newId: nullable(string),
      newUrl: nullable(string),
      status: stringEnum(['ok', 'failed', 'skipped']),
      error: nullable(string),
      durationMs: number,
      finishedAt: nullable(dateTime)
    })
  )
});

const agrees: [SchemaAgrees<typeof restorePlanAnswerSchema, { plan: RestorePlan }>, SchemaAgrees<typeof restoreStepsSchema, RestoreStepsView>] = [true, true];
void agrees;
