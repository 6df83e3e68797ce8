/**
 * QuickCapture project: the project is the JSON resource `qc.project.json` (`dataSources[]` with
 * `featureServiceItemId` and the layer `url`, `basemap.itemId`, the project's own `itemId`), plus button images.
 */
import type { ItemTypeSpec } from './item-type.types.js';

const PROJECT = /^qc\.project\.json$/i;

export const quickCapture: ItemTypeSpec = {
  key: 'quickcapture',
  label: 'QuickCapture project',
  types: ['QuickCapture Project'],
  rank: 3,
  parts: { data: 'json', describe: ['resources: qc.project.json (the project), images/* (buttons)', 'data: usually empty'] },
  references: [
    { part: 'resource', resources: PROJECT, path: 'dataSources.*.featureServiceItemId', kind: 'item', label: 'data source layer item' },
    { part: 'resource', resources: PROJECT, path: 'dataSources.*.url', kind: 'url', label: 'data source layer URL' },
    { part: 'resource', resources: PROJECT, path: 'basemap.itemId', kind: 'item', label: 'project basemap (web map)' },
    { part: 'resource', resources: PROJECT, path: 'itemId', kind: 'item', label: 'the project itself' },
    { part: 'resource', resources: PROJECT, path: 'templateGroups.**', kind: 'text', label: 'button settings' }
  ],
  limitations: []
};
