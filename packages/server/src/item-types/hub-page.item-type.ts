/** Hub page (ArcGIS Hub / Enterprise Sites): `/data` `values.layout` like a site's, and `values.sites`, the sites it is on. */
import type { ItemTypeSpec } from './item-type.types.js';

export const hubPage: ItemTypeSpec = {
  key: 'hub-page',
  label: 'Hub page',
  types: ['Hub Page', 'Site Page'],
  rank: 4,
  parts: { data: 'json', describe: ['data: {values: {layout, sites: [{id, title}]}}', 'resources: layout drafts (draft*.json)'] },
  references: [
    { part: 'data', path: 'values.layout.**', kind: 'text', label: 'page layout' },
    { part: 'data', path: 'values.layout.**.itemId', kind: 'item', label: 'layout card item' },
    { part: 'data', path: 'values.sites.*.id', kind: 'item', label: 'site the page is on' },
    { part: 'item', path: 'typeKeywords.*', kind: 'keyword', label: 'type keyword naming the site (hubSite|<id>)' }
  ],
  limitations: [],
  unconfirmed: ['`values.sites` as the list of sites a page belongs to (seen in Hub-written pages, not documented by Esri).']
};
