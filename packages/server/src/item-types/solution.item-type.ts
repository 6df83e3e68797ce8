/**
 * Solution (ArcGIS Solutions): a template solution's `/data` `templates[]` (each member's `itemId`, `dependencies`,
 * `groups` and item properties); a deployed solution lists its members the same way and by Solution2Item.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const solution: ItemTypeSpec = {
  key: 'solution',
  label: 'Solution',
  types: ['Solution'],
  rank: 4,
  parts: { data: 'json', describe: ['data: {metadata, templates: [{itemId, type, dependencies, groups, item, data}]}'] },
  references: [
    { part: 'data', path: 'templates.*.itemId', kind: 'item', label: 'member item' },
    { part: 'data', path: 'templates.*.dependencies.*', kind: 'item', label: 'member dependency' },
    { part: 'data', path: 'templates.*.groups.*', kind: 'group', label: 'member group' },
    { part: 'data', path: 'templates.*.item.url', kind: 'url', label: 'member URL' }
  ],
  relationships: ['Solution2Item'],
  limitations: ["Template placeholders (`{{...}}`) of a template solution are kept as they are: they are the solution's, resolved when it is deployed."]
};
