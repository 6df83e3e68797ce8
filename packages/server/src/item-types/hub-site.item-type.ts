/**
 * Hub site (ArcGIS Hub / Enterprise Sites): `/data` `values` hold the layout (sections, rows, cards whose settings
 * name web maps, apps and items), the theme, the domain, and `catalog.groups`, the groups whose content the site
 * shows. Drafts of the layout are JSON resources (`draft-<time>.json`).
 */
import type { ItemTypeSpec } from './item-type.types.js';

const DRAFTS = /^draft[^/]*\.json$/i;

export const hubSite: ItemTypeSpec = {
  key: 'hub-site',
  label: 'Hub site',
  types: ['Hub Site Application', 'Site Application'],
  rank: 4,
  parts: {
    data: 'json',
    describe: ['data: {values: {layout, theme, subdomain, defaultHostname, clientId, ...}, catalog: {groups}}', 'resources: layout drafts (draft*.json)']
  },
  references: [
    { part: 'data', path: 'catalog.groups.*', kind: 'group', label: 'site catalog group' },
    { part: 'data', path: 'values.layout.**', kind: 'text', label: 'site layout' },
    { part: 'data', path: 'values.layout.**.itemId', kind: 'item', label: 'layout card item' },
    { part: 'data', path: 'values.layout.**.webmap', kind: 'item', label: 'layout map card' },
    { part: 'data', path: 'values.layout.**.ids.*', kind: 'item', label: 'gallery card item' },
    { part: 'data', path: 'values.layout.**.groups.*', kind: 'group', label: 'gallery card group' },
    { part: 'data', path: 'values.pages.*.id', kind: 'item', label: 'site page' },
    { part: 'data', path: 'values.theme.**', kind: 'url', label: 'site theme image' },
    { part: 'resource', resources: DRAFTS, path: '**.layout.**', kind: 'text', label: 'layout draft' },
    { part: 'resource', resources: DRAFTS, path: '**.itemId', kind: 'item', label: 'layout draft item' },
    { part: 'resource', resources: DRAFTS, path: '**.webmap', kind: 'item', label: 'layout draft map card' },
    { part: 'resource', resources: DRAFTS, path: '**.ids.*', kind: 'item', label: 'layout draft gallery item' },
    { part: 'resource', resources: DRAFTS, path: '**.groups.*', kind: 'group', label: 'layout draft gallery group' }
  ],
  limitations: [
    "The site's domain (subdomain and custom hostname) is registered with ArcGIS Hub's domain service, which is not the portal's REST API: register it again in the site's settings after the restore.",
    "The site's application registration (clientId) belongs to the source item; Hub makes a new one when the site is opened for editing."
  ],
  unconfirmed: ['Where newer sites keep layout drafts: taken to be draft*.json resources as Hub writes them; other resources are walked generically.']
};
