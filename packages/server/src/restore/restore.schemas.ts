/** JSON schemas of the restore API's answers (restore.routes.ts), checked against restore.types.ts. */
import { anyJson, arrayOf, boolean, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { LiveItemDiff } from './live-diff.js';
import { ITEM_PART_NAMES, RESTORE_MODES, type RestorePlan, type RestoreStepsView } from './restore.types.js';

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
        warnings: arrayOf(string),
        references: described(
          "Items: each reference in the item's parts (the item-type catalogue's reading) and what the restore does with it.",
          arrayOf(
            object(
              {
                part: stringEnum(['item', 'data', 'resource']),
                resource: string,
                path: string,
                kind: stringEnum(['item', 'group', 'url', 'folder']),
                value: string,
                label: string,
                action: stringEnum(['rewrite', 'keep', 'list']),
                note: described('The new id or URL (rewrite), or why it stays (keep, list).', string)
              },
              ['resource']
            )
          )
        ),
        cannotRestore: described('Items: what ArcGIS cannot take back through REST for this kind of item, and what to do instead.', arrayOf(string)),
        view: described(
          'A hosted feature layer view: its sources and where each is in the target (restored by this plan, live, or missing).',
          object({
            sources: arrayOf(
              object(
                {
                  url: string,
                  itemId: string,
                  title: string,
                  status: stringEnum(['restored', 'live', 'missing']),
                  layers: described(
                    'The view layers defined on this source, each with the source layer it shows.',
                    arrayOf(object({ id: integer, name: string, sourceLayerId: integer, sourceLayerName: string }, ['name', 'sourceLayerName']))
                  )
                },
                ['itemId', 'title', 'layers']
              )
            )
          })
        ),
        relationships: described(
          'The item relationships the step adds again.',
          arrayOf(object({ type: string, direction: stringEnum(['forward', 'reverse']), itemId: string, title: string }, ['title']))
        )
      },
      ['targetId', 'hosted', 'recycleBin', 'warnings', 'references', 'cannotRestore', 'view', 'relationships']
    )
  ),
  parts: described('In place: only these parts of each item are written.', arrayOf(stringEnum(ITEM_PART_NAMES))),
  orgRewrites: described("Clone: the organization-wide URL rewrites (the portal, the source's services directories).", arrayOf(object({ kind: stringEnum(['item', 'url']), from: string, to: string }))),
  counts: object({ create: integer, overwrite: integer, skip: integer }),
  fromRecycleBin: described('Of the create steps, the items that come back from the recycle bin with their ids.', integer),
  recycleBin: described('The target organization\'s recycle bin (ArcGIS Online).', object({ supported: boolean, enabled: boolean })),
  createdAt: dateTime
}, ['parts', 'orgRewrites', 'fromRecycleBin', 'recycleBin']);

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

export const liveItemDiffSchema = object({
  snapshotId: string,
  itemId: string,
  title: string,
  type: string,
  live: described('deleted: the item is gone (restore it with mode recreate).', stringEnum(['exists', 'deleted'])),
  parts: arrayOf(
    object({
      part: stringEnum(ITEM_PART_NAMES),
      status: stringEnum(['same', 'changed']),
      changes: arrayOf(
        object(
          {
            what: described('A property name, a JSON path of the data, a resource path, access or a group id.', string),
            how: stringEnum(['changed', 'only in the snapshot', 'only live']),
            snapshot: anyJson,
            live: anyJson
          },
          ['snapshot', 'live']
        )
      )
    })
  )
});

const agrees: [
  SchemaAgrees<typeof restorePlanAnswerSchema, { plan: RestorePlan }>,
  SchemaAgrees<typeof restoreStepsSchema, RestoreStepsView>,
  SchemaAgrees<typeof liveItemDiffSchema, LiveItemDiff>
] = [true, true, true];
void agrees;
