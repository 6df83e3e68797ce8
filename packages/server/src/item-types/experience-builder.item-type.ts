/**
 * Experience Builder app (Web Experience): the draft configuration in `/data` and the published one in the resource
 * `config/config.json`; both list data sources (`dataSources.<id>` with `itemId`, `url`, `portalUrl` and child data
 * sources), widgets whose settings may hold URLs, and images kept as resources.
 */
import type { ItemTypeSpec } from './item-type.types.js';

const CONFIG = /^config\/.*\.json$/i;

export const experienceBuilder: ItemTypeSpec = {
  key: 'experience-builder',
  label: 'Experience Builder app',
  types: ['Web Experience', 'Web Experience Template'],
  rank: 3,
  parts: {
    data: 'json',
    describe: ['data: the draft configuration', 'resources: config/config.json (the published configuration), images/*']
  },
  references: [
    ...(['data', 'resource'] as const).flatMap((part) => [
      { part, resources: CONFIG, path: 'dataSources.**.itemId', kind: 'item' as const, label: 'data source item' },
      { part, resources: CONFIG, path: 'dataSources.**.url', kind: 'url' as const, label: 'data source URL' },
      { part, resources: CONFIG, path: 'dataSources.**.portalUrl', kind: 'url' as const, label: 'data source portal' },
      { part, resources: CONFIG, path: 'attributes.portalUrl', kind: 'url' as const, label: 'app portal' },
      { part, resources: CONFIG, path: 'widgets.*.config.**', kind: 'text' as const, label: 'widget settings' }
    ])
  ],
  limitations: ['Custom widgets are not part of the item: they must be deployed to the target (ArcGIS Enterprise) before the app can use them.']
};
