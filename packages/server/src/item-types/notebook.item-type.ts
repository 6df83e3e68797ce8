/**
 * ArcGIS Notebook: the `.ipynb` JSON in `/data`. Item ids and service URLs written in its code are listed in the
 * plan, never rewritten: code builds ids and URLs in ways no parser can follow safely, and a silently changed
 * script is worse than one that fails where its author can see it.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const notebook: ItemTypeSpec = {
  key: 'notebook',
  label: 'Notebook',
  types: ['Notebook'],
  rank: 3,
  parts: { data: 'json', describe: ['data: the notebook (.ipynb JSON: cells with their source and outputs, metadata with the runtime)'] },
  references: [
    { part: 'data', path: 'cells.*.source', kind: 'code', label: 'notebook code' },
    { part: 'data', path: 'cells.*.source.*', kind: 'code', label: 'notebook code' }
  ],
  listOnly: [{ part: 'data', reason: 'items and services named in notebook code are listed, not rewritten' }],
  limitations: [
    "Scheduled tasks that run the notebook (the owner's tasks, community/users/<owner>/tasks) are not part of the item and are not restored through REST: schedule them again from the notebook's Tasks pane.",
    'Items and services named in its code are listed here and left as they are: edit the code after the restore.',
    'The notebook runtime it names (Standard or Advanced) must be available to its owner in the target.'
  ]
};
