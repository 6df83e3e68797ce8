/**
 * Workforce project (version 1, data in `/data`): the dispatchers, assignments, workers and tracks layers
 * (`serviceItemId`, `url`), the dispatcher and worker web maps, the project group (`groupId`), the project folder
 * (`folderId`), and app integrations whose `urlTemplate` names items as `itemID=<id>`.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const workforce: ItemTypeSpec = {
  key: 'workforce',
  label: 'Workforce project',
  types: ['Workforce Project'],
  rank: 4,
  parts: { data: 'json', describe: ['data: {dispatchers, assignments, workers, tracks, dispatcherWebMapId, workerWebMapId, groupId, folderId, assignmentIntegrations}'] },
  references: [
    { part: 'data', path: '*.serviceItemId', kind: 'item', label: 'project layer item' },
    { part: 'data', path: '*.url', kind: 'url', label: 'project layer URL' },
    { part: 'data', path: 'dispatcherWebMapId', kind: 'item', label: 'dispatcher web map' },
    { part: 'data', path: 'workerWebMapId', kind: 'item', label: 'worker web map' },
    { part: 'data', path: 'groupId', kind: 'group', label: 'project group' },
    { part: 'data', path: 'folderId', kind: 'folder', label: 'project folder' },
    { part: 'data', path: 'assignmentIntegrations.**.urlTemplate', kind: 'text', label: 'app integration' }
  ],
  relationships: ['WorkforceMap2FeatureService'],
  limitations: [
    'Workforce version 2 projects keep dispatchers and integrations in tables of their feature layer, restored with its data.',
    "The project's workers and dispatchers are users: the ones missing from the target keep their rows but cannot sign in."
  ]
};
