/**
 * Dashboard (ArcGIS Dashboards): widgets (maps, indicators, charts, lists, embedded content, rich text) with their
 * datasets, header and side panel selectors, URL parameters, and data expressions: Arcade that reads layers with
 * `FeatureSetByPortalItem(Portal('<portal>'), '<item id>', <layer>)`. Older dashboards keep `widgets` at the top,
 * newer ones in `desktopView` and `mobileView`.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const dashboard: ItemTypeSpec = {
  key: 'dashboard',
  label: 'Dashboard',
  types: ['Dashboard'],
  rank: 3,
  parts: {
    data: 'json',
    describe: ['data: the dashboard JSON (widgets or desktopView/mobileView, headerPanel and leftPanel selectors, urlParameters, data expressions)']
  },
  references: [
    { part: 'data', path: '**.widgets.*.itemId', kind: 'item', label: 'map widget map' },
    { part: 'data', path: '**.datasets.*.dataSource.itemId', kind: 'item', label: 'dataset layer item' },
    { part: 'data', path: '**.dataSource.script', kind: 'code', label: 'data expression (Arcade)' },
    { part: 'data', path: '**.expression', kind: 'code', label: 'Arcade formatting' },
    { part: 'data', path: '**.widgets.*.url', kind: 'url', label: 'embedded content URL' },
    { part: 'data', path: '**.widgets.*.text', kind: 'text', label: 'rich text widget' },
    { part: 'data', path: '**.widgets.*.description', kind: 'text', label: 'widget description' },
    { part: 'data', path: '**.selectors.*.datasets.*.dataSource.itemId', kind: 'item', label: 'selector layer item' },
    { part: 'data', path: 'urlParameters.*.datasets.*.dataSource.itemId', kind: 'item', label: 'URL parameter layer item' }
  ],
  limitations: []
};
